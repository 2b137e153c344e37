//! `pbi-doctor token`: tokens of every identity kind and audience, built here (never real ones),
//! read offline; what the person is told, and that the signature never shows.

use serde_json::{Value, json};

use crate::harness::{cause_ids, json_report, run};
use pbi_doctor::check::signal;
use pbi_doctor::jwt::encode_unsigned;

const SIGNATURE: &str = "dGhpcy1zaWduYXR1cmUtbXVzdC1uZXZlci1iZS1wcmludGVk";
const TENANT: &str = "72f988bf-0000-4000-8000-000000000001";
const APP: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";

fn token(extra: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "aud": "https://analysis.windows.net/powerbi/api",
        "iss": format!("https://sts.windows.net/{TENANT}/"),
        "tid": TENANT, "iat": now - 300, "nbf": now - 300, "exp": now + 3300, "ver": "1.0",
    });
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256", "x5t": "test"}),
        &claims,
        SIGNATURE,
    )
}

fn app(extra: Value) -> String {
    let mut base = json!({"appid": APP, "appidacr": "1", "idtyp": "app", "oid": "5b2e7c1d-0000-4000-8000-00000000a001", "sub": "5b2e7c1d-0000-4000-8000-00000000a001"});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    token(base)
}

fn user(extra: Value) -> String {
    let mut base = json!({"appid": "9c3e1f2a-0000-4000-8000-00000000c001", "appidacr": "0", "upn": "megan@contoso.onmicrosoft.com",
        "name": "Megan Bowen", "amr": ["pwd", "mfa"], "oid": "5b2e7c1d-0000-4000-8000-00000000b001", "sub": "pairwise"});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    token(base)
}

fn read(input: &str, args: &[&str]) -> (i32, Value, String) {
    let mut full = vec!["token", "-", "--format", "json"];
    full.extend(args);
    let out = run(&full, Some(input));
    let human = run(
        &[&["token", "-", "--color", "never"][..], args].concat(),
        Some(input),
    );
    let text = String::from_utf8_lossy(&human.stdout).into_owned();
    assert!(
        !text.contains(SIGNATURE) && !String::from_utf8_lossy(&out.stdout).contains(SIGNATURE),
        "signature printed"
    );
    assert_eq!(out.status.code(), human.status.code());
    (
        out.status.code().unwrap_or(-1),
        json_report(input, &out),
        text,
    )
}

fn can_do(report: &Value, label: &str) -> String {
    report["token"]["can_do"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == label)
        .map(|l| l["value"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn a_clean_service_principal_token() {
    let (code, report, text) = read(&app(json!({})), &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["checks"].as_array().unwrap().len(), 6);
    assert_eq!(report["checks"][4]["status"], "skip");
    assert!(
        can_do(&report, "admin APIs").starts_with("allowed only if"),
        "{text}"
    );
    assert!(
        text.contains("What the token is")
            && text.contains("Power BI (https://analysis.windows.net/powerbi/api)"),
        "{text}"
    );
    assert!(
        text.contains("service principal of application 8a1d5c3e"),
        "{text}"
    );
    assert!(
        text.contains("client secret"),
        "appidacr 1 is named: {text}"
    );
    assert!(
        text.contains("expires") && text.contains("in 55 minutes"),
        "{text}"
    );
}

#[test]
fn an_application_token_with_tenant_read_all_is_flagged() {
    let (code, report, text) = read(&app(json!({"roles": ["Tenant.Read.All"]})), &[]);
    // A warning, not a failure: the token works for workspace APIs; admin APIs will refuse it.
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["checks"][3]["status"], "warn");
    assert_eq!(cause_ids(&report), ["forbidden-extra-permissions"]);
    assert!(
        can_do(&report, "admin APIs").starts_with("refused"),
        "{text}"
    );
}

#[test]
fn a_managed_identity_token_is_named() {
    let mi = "/subscriptions/0000/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pbi-job";
    let (_, report, text) = read(&app(json!({"xms_mirid": mi, "appidacr": "2"})), &[]);
    assert!(text.contains(&format!("managed identity {mi}")), "{text}");
    assert_eq!(
        report["checks"][3]["signals"][signal::IDENTITY_MANAGED_IDENTITY][0],
        "true"
    );
}

#[test]
fn delegated_tokens_say_what_admin_apis_need() {
    let admin = user(
        json!({"scp": "Tenant.Read.All Workspace.Read.All", "wids": ["a9ea8996-122f-4c74-9520-8edcd192826c"]}),
    );
    let (code, report, text) = read(&admin, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        can_do(&report, "admin APIs"),
        "allowed: admin scope and a Fabric administrator role"
    );
    assert!(text.contains("Fabric Administrator"), "{text}");
    assert!(
        text.contains("user megan@contoso.onmicrosoft.com (Megan Bowen)"),
        "{text}"
    );
    assert!(text.contains("pwd, mfa"), "{text}");

    let (_, report, _) = read(&user(json!({"scp": "Dataset.Read.All"})), &[]);
    assert!(
        can_do(&report, "admin APIs").contains("lacks"),
        "no Tenant.* scope"
    );
    let not_admin =
        user(json!({"scp": "Tenant.Read.All", "wids": ["b79fbf4d-3ef9-4689-8143-76b194e85509"]}));
    let (_, report, _) = read(&not_admin, &[]);
    assert!(
        can_do(&report, "admin APIs").contains("no Fabric, Global or Power Platform Administrator")
    );
}

#[test]
fn audiences_are_named_and_wrong_ones_diagnosed() {
    for (aud, words, cause) in [
        (
            "https://graph.microsoft.com",
            "Microsoft Graph",
            "wrong-audience",
        ),
        (
            "https://management.core.windows.net/",
            "Azure Resource Manager",
            "wrong-audience",
        ),
        (
            "https://analysis.usgovcloudapi.net/powerbi/api",
            "another cloud",
            "wrong-cloud",
        ),
    ] {
        let (code, report, text) = read(&app(json!({"aud": aud})), &[]);
        assert_eq!(code, 1, "{aud}: {text}");
        assert_eq!(cause_ids(&report)[0], cause, "{aud}");
        assert!(text.contains(words), "{aud}: {text}");
    }
    let (code, _, text) = read(
        &app(json!({"aud": "00000009-0000-0000-c000-000000000000"})),
        &[],
    );
    assert_eq!(
        code, 0,
        "the Power BI app id is a Power BI audience: {text}"
    );
}

/// `token --for`: a Fabric-audience token is right for Fabric, wrong for Power BI's /v1.0/myorg
/// paths; by default the report says what it can call and does not fail it.
#[test]
fn a_fabric_token_is_judged_against_the_api_it_is_for() {
    let fabric = app(json!({"aud": "https://api.fabric.microsoft.com"}));
    let (code, report, text) = read(&fabric, &["--for", "powerbi"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(cause_ids(&report)[0], "wrong-audience");
    assert!(text.contains("Microsoft Fabric"), "{text}");
    let (code, report, text) = read(&fabric, &["--for", "fabric"]);
    assert_eq!(code, 0, "{text}");
    assert!(cause_ids(&report).is_empty(), "{text}");
    assert!(text.contains("the token is for Fabric's API"), "{text}");
    // Both (the default): right for one, wrong for the other, said as a warning.
    let (code, report, text) = read(&fabric, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("right for Fabric's /v1 calls, refused by Power BI's /v1.0/myorg calls"),
        "{text}"
    );
    assert_eq!(
        report["causes"][0]["id"], "wrong-audience",
        "named as possible"
    );
    assert_eq!(report["causes"][0]["confidence"], "possible");
    assert!(
        can_do(&report, "REST APIs").starts_with("Fabric's (/v1) only"),
        "{report}"
    );
    // A Power BI token is fine for both.
    let powerbi = app(json!({}));
    for args in [&["--for", "fabric"][..], &["--for", "powerbi"], &[]] {
        let (code, report, text) = read(&powerbi, args);
        assert_eq!(code, 0, "{args:?}: {text}");
        assert!(cause_ids(&report).is_empty(), "{args:?}: {text}");
        assert!(
            can_do(&report, "REST APIs").starts_with("Power BI's (/v1.0/myorg) and Fabric's (/v1)"),
            "{report}"
        );
    }
}

#[test]
fn expectations_and_time_are_judged() {
    let t = app(json!({}));
    let (code, report, _) = read(
        &t,
        &["--expect-tenant", "11111111-0000-4000-8000-000000000000"],
    );
    assert_eq!(
        (code, cause_ids(&report)),
        (1, vec!["tenant-mismatch".to_owned()])
    );
    let (code, report, _) = read(
        &t,
        &["--expect-client-id", "22222222-0000-4000-8000-000000000000"],
    );
    assert_eq!(
        (code, cause_ids(&report)),
        (1, vec!["unexpected-client-app".to_owned()])
    );
    let (code, report, _) = read(&t, &["--expect-client-id", APP, "--expect-tenant", TENANT]);
    assert_eq!((code, cause_ids(&report)), (0, vec![]));
    let now = chrono::Utc::now().timestamp();
    let (code, report, text) = read(
        &app(json!({"exp": now - 14 * 60, "iat": now - 3600, "nbf": now - 3600})),
        &[],
    );
    assert_eq!(
        (code, cause_ids(&report)),
        (1, vec!["token-expired".to_owned()])
    );
    assert!(text.contains("expired 14 minutes ago"), "{text}");
    let (_, report, _) = read(&app(json!({"nbf": now + 7200})), &[]);
    assert_eq!(cause_ids(&report), ["token-not-yet-valid"]);
}

#[test]
fn every_paste_form_including_v1_json_is_read() {
    let t = app(json!({}));
    for form in [
        format!("Authorization: Bearer {t}"),
        format!(
            "{{\"token_type\":\"Bearer\",\"expires_in\":\"3599\",\"ext_expires_in\":\"3599\",\"expires_on\":\"1700003599\",\"not_before\":\"1700000000\",\"resource\":\"https://analysis.windows.net/powerbi/api\",\"access_token\":\"{t}\"}}"
        ),
        format!(
            "{{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"{t}\"}}"
        ),
    ] {
        let (code, _, text) = read(&form, &[]);
        assert_eq!(code, 0, "{form}: {text}");
    }
    let out = run(&["token", &t, "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "token as an argument");
    let (code, report, _) = read(&format!("'{t}'"), &[]);
    assert_eq!(
        (code, cause_ids(&report)),
        (1, vec!["malformed-token".to_owned()])
    );
}

//! Fabric's REST API through the real binary against wiremock: each Fabric answer of facts
//! §4.4–4.6 (bodies and headers as the sources show them; where sources disagree on a status,
//! both), the audiences each family accepts (facts §1.3), and the service-principal switch split
//! (facts §5.1). The token is given (`--token-file -`), so nothing but the probes is called.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{cause_ids, json_report};
use pbi_doctor::jwt::encode_unsigned;

const TENANT: &str = "72f988bf-0000-4000-8000-000000000001";
const SALES: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
const FABRIC_AUD: &str = "https://api.fabric.microsoft.com";
const POWERBI_AUD: &str = "https://analysis.windows.net/powerbi/api";
const SIGNATURE: &str = "RmFicmljVGVzdFNpZ25hdHVyZS1kby1ub3QtbGVhaw";

fn token(aud: &str, delegated: bool) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({"aud": aud, "iss": format!("https://sts.windows.net/{TENANT}/"), "tid": TENANT,
        "iat": now - 60, "nbf": now - 60, "exp": now + 3600, "ver": "1.0",
        "oid": "5b2e7c1d-0000-4000-8000-00000000a001", "sub": "5b2e7c1d-0000-4000-8000-00000000a001"});
    if delegated {
        claims["appid"] = json!("9c3e1f2a-0000-4000-8000-00000000c001");
        claims["scp"] = json!("Item.Read.All");
        claims["upn"] = json!("megan@contoso.onmicrosoft.com");
        claims["idtyp"] = json!("user");
    } else {
        claims["appid"] = json!("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90");
        claims["idtyp"] = json!("app");
    }
    encode_unsigned(&json!({"typ": "JWT", "alg": "RS256"}), &claims, SIGNATURE)
}

/// A Fabric error body in the ErrorResponse shape (facts §4.4).
fn fabric_error(code: &str, message: &str) -> String {
    json!({"requestId": "7e1c4b2a-93d5-4f08-a6e2-1b8d0c3f5a03", "errorCode": code, "message": message})
        .to_string()
}

fn answer(status: u16, body: &str, headers: &[(&str, &str)]) -> ResponseTemplate {
    let mut t = ResponseTemplate::new(status)
        .insert_header("Content-Type", "application/json; charset=utf-8")
        .insert_header("requestid", "7e1c4b2a-93d5-4f08-a6e2-1b8d0c3f5a03");
    for (k, v) in headers {
        t = t.insert_header(*k, *v);
    }
    t.set_body_string(body)
}

const LISTED: &str = r#"{"value":[{"id":"f089354e-8366-4e18-aea3-4cb4a3a50b48","displayName":"Sales","description":"","type":"Workspace","capacityId":"56bac802-080d-4f73-8a42-1b406eb1fcac"}]}"#;
const ONE: &str = r#"{"id":"f089354e-8366-4e18-aea3-4cb4a3a50b48","displayName":"Sales","description":"","type":"Workspace","capacityId":"56bac802-080d-4f73-8a42-1b406eb1fcac"}"#;

/// Runs `check` with the given token on a mock serving `mounts` (path, answer); returns the exit
/// code, the JSON report and the paths called.
async fn check(
    token: &str,
    api: &str,
    workspace: bool,
    mounts: Vec<(&str, ResponseTemplate)>,
) -> (i32, Value, Vec<String>) {
    check_with(token, api, workspace, mounts, &[]).await
}

/// [`check`] with extra arguments (`--expect …`).
async fn check_with(
    token: &str,
    api: &str,
    workspace: bool,
    mounts: Vec<(&str, ResponseTemplate)>,
    extra: &[&str],
) -> (i32, Value, Vec<String>) {
    let server = MockServer::start().await;
    for (p, t) in mounts {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(t)
            .mount(&server)
            .await;
    }
    let uri = server.uri();
    let mut args = vec![
        "check".to_owned(),
        "--tenant".to_owned(),
        TENANT.to_owned(),
        "--token-file".to_owned(),
        "-".to_owned(),
        "--cloud".to_owned(),
        "public".to_owned(),
        "--authority-host".to_owned(),
        "http://127.0.0.1:9".to_owned(),
        "--powerbi-api".to_owned(),
        uri.clone(),
        "--fabric-api".to_owned(),
        uri,
        "--api".to_owned(),
        api.to_owned(),
        "--skip-admin".to_owned(),
        "--no-cache".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    if workspace {
        args.extend(["--workspace".to_owned(), SALES.to_owned()]);
    }
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let input = token.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        crate::harness::run(&args, Some(&input))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!stdout.contains(SIGNATURE), "signature printed: {stdout}");
    let report = json_report("fabric", &out);
    let called = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    (out.status.code().unwrap_or(-1), report, called)
}

fn finding<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check in {report}"))
}

#[tokio::test]
async fn a_healthy_fabric_only_identity_passes_without_calling_power_bi() {
    let (code, report, called) = check(
        &token(POWERBI_AUD, false),
        "fabric",
        true,
        vec![
            ("/v1/workspaces", answer(200, LISTED, &[])),
            (
                "/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                answer(200, ONE, &[]),
            ),
        ],
    )
    .await;
    assert_eq!(code, 0, "{report}");
    let fabric = finding(&report, "fabric-api");
    assert_eq!(fabric["status"], "pass", "{fabric}");
    let summary = fabric["summary"].as_str().unwrap();
    assert!(
        summary.contains("Fabric lists 1 workspace")
            && summary.contains("reachable (Viewer or above)"),
        "{summary}"
    );
    assert_eq!(finding(&report, "workspace-api")["status"], "skip");
    assert!(called.iter().all(|p| p.starts_with("/v1/")), "{called:?}");
}

#[tokio::test]
async fn a_workspace_that_answers_is_not_taken_as_refused_because_the_list_left_it_out() {
    // A membership newer than the list, say: the workspace's own call decides.
    let (code, report, _) = check(
        &token(POWERBI_AUD, false),
        "fabric",
        true,
        vec![
            ("/v1/workspaces", answer(200, r#"{"value":[]}"#, &[])),
            (
                "/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                answer(200, ONE, &[]),
            ),
        ],
    )
    .await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["verdict"], "healthy", "{report}");
    let fabric = finding(&report, "fabric-api");
    assert!(
        fabric["signals"].get("fabric_api.target_listed").is_none(),
        "{fabric}"
    );
    assert!(
        fabric["evidence"]
            .to_string()
            .contains("but its own call succeeded"),
        "{fabric}"
    );
}

#[tokio::test]
async fn a_power_bi_token_on_fabric_and_a_fabric_token_on_power_bi() {
    // Power BI's audience is fine for Fabric (facts §1.3).
    let (code, report, _) = check(
        &token(POWERBI_AUD, false),
        "both",
        false,
        vec![
            ("/v1/workspaces", answer(200, LISTED, &[])),
            ("/v1.0/myorg/groups", answer(200, r#"{"value":[]}"#, &[])),
        ],
    )
    .await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(finding(&report, "scope")["status"], "pass");
    assert_eq!(finding(&report, "fabric-api")["status"], "pass");
    // Fabric's audience is wrong for Power BI's /v1.0/myorg paths: refused when only Power BI is
    // asked for, a warning with the Power BI probes skipped when both are.
    let (code, report, called) = check(&token(FABRIC_AUD, false), "powerbi", false, vec![]).await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(cause_ids(&report)[0], "wrong-audience");
    assert!(called.is_empty(), "{called:?}");
    let (code, report, called) = check(
        &token(FABRIC_AUD, false),
        "both",
        false,
        vec![("/v1/workspaces", answer(200, LISTED, &[]))],
    )
    .await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(finding(&report, "scope")["status"], "warn");
    assert_eq!(finding(&report, "workspace-api")["status"], "skip");
    assert_eq!(finding(&report, "fabric-api")["status"], "pass");
    assert_eq!(called, ["/v1/workspaces"]);
}

/// One Fabric refusal per cause: (what, delegated token, `--workspace`, status, body, headers,
/// the cause ranked first).
#[tokio::test]
async fn each_fabric_refusal_names_its_cause() {
    let insufficient = r#"{"requestId":"7e1c4b2a-93d5-4f08-a6e2-1b8d0c3f5a03","errorCode":"InsufficientScopes","message":"The caller does not have sufficient scopes to perform this operation","isRetriable":false}"#;
    type Case<'a> = (
        &'a str,
        bool,
        bool,
        u16,
        String,
        Vec<(&'a str, &'a str)>,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        // TokenExpired: 401 on Fabric v1 paths (fabric-cli, fabric-cicd), 403 in the Power BI
        // shape on the same host (facts §4.5, §8 item 4): both.
        (
            "TokenExpired 401",
            false,
            false,
            401,
            String::new(),
            vec![("x-ms-public-api-error-code", "TokenExpired")],
            "token-expired",
        ),
        (
            "TokenExpired 403",
            false,
            false,
            403,
            r#"{"error":{"code":"TokenExpired","message":"Access token has expired, resubmit with a new access token"}}"#.to_owned(),
            vec![],
            "token-expired",
        ),
        (
            "InsufficientScopes",
            true,
            false,
            403,
            insufficient.to_owned(),
            vec![("x-ms-public-api-error-code", "InsufficientScopes")],
            "missing-delegated-scope",
        ),
        (
            "Unauthorized, admin-consented permissions",
            false,
            false,
            401,
            fabric_error("Unauthorized", "Authorization Context Requested but not available"),
            vec![],
            "forbidden-extra-permissions",
        ),
        // PrincipalTypeNotSupported: 400 in fabric-cicd's handling; the spec's status is not
        // confirmed, 403 is the generic refusal: both.
        (
            "PrincipalTypeNotSupported 400",
            false,
            false,
            400,
            fabric_error("PrincipalTypeNotSupported", "The executing principal type is not supported"),
            vec![],
            "api-not-supported-for-service-principal",
        ),
        (
            "PrincipalTypeNotSupported 403",
            false,
            false,
            403,
            fabric_error("PrincipalTypeNotSupported", "The executing principal type is not supported"),
            vec![],
            "api-not-supported-for-service-principal",
        ),
        (
            "InsufficientWorkspaceRole",
            false,
            true,
            403,
            fabric_error("InsufficientWorkspaceRole", "The caller does not have sufficient permissions to access the requested resource"),
            vec![],
            "insufficient-workspace-role",
        ),
        (
            "InsufficientPrivileges",
            false,
            false,
            403,
            fabric_error("InsufficientPrivileges", "The caller doesn't have permissions to call the API."),
            vec![],
            "insufficient-workspace-role",
        ),
        (
            "FeatureNotAvailable",
            false,
            false,
            403,
            fabric_error("FeatureNotAvailable", "The feature is not available"),
            vec![],
            "tenant-feature-disabled",
        ),
        (
            "TenantSwitchDisabled",
            false,
            false,
            403,
            fabric_error("TenantSwitchDisabled", "The tenant switch is disabled"),
            vec![],
            "tenant-feature-disabled",
        ),
        (
            "WorkspaceNotFound",
            false,
            true,
            404,
            fabric_error("WorkspaceNotFound", "The requested workspace was not found"),
            vec![],
            "workspace-not-found",
        ),
        (
            "EntityNotFound",
            false,
            true,
            404,
            fabric_error("EntityNotFound", "The requested resource could not be found"),
            vec![],
            "workspace-not-found",
        ),
        (
            "ItemNotFound",
            false,
            false,
            404,
            fabric_error("ItemNotFound", "The requested item was not found"),
            vec![],
            "item-not-found-or-no-access",
        ),
        (
            "TooManyRequests",
            false,
            false,
            429,
            fabric_error("TooManyRequests", "Too many requests"),
            vec![("Retry-After", "30")],
            "throttled",
        ),
    ];
    for (what, delegated, workspace, status, body, headers, cause) in cases {
        let refused = answer(status, &body, &headers);
        let mounts = if workspace {
            vec![
                ("/v1/workspaces", answer(200, LISTED, &[])),
                (
                    "/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                    refused,
                ),
            ]
        } else {
            vec![("/v1/workspaces", refused)]
        };
        let (code, report, _) =
            check(&token(POWERBI_AUD, delegated), "fabric", workspace, mounts).await;
        assert_eq!(code, 1, "{what}: {report}");
        let fabric = finding(&report, "fabric-api");
        assert_eq!(fabric["status"], "fail", "{what}: {fabric}");
        assert_eq!(
            cause_ids(&report).first().map(String::as_str),
            Some(cause),
            "{what}: {report}"
        );
        if what == "TooManyRequests" {
            assert_eq!(
                fabric["signals"]["fabric_api.retry_after"][0], "30",
                "{fabric}"
            );
        }
        if what.starts_with("PrincipalTypeNotSupported") {
            let summary = fabric["summary"].as_str().unwrap();
            assert!(
                summary.contains("Fabric's workspaces API does not accept this identity type"),
                "{summary}"
            );
        }
        if what == "InsufficientScopes" {
            assert_eq!(
                fabric["signals"]["fabric_api.retriable"][0], "false",
                "{fabric}"
            );
        }
    }
}

/// `--expect api=fabric` and `--expect fabric-workspace=<id>` for pipelines that deploy with
/// fabric-cicd or Terraform: they hold on a healthy run, fail with the refusal's words and cause
/// on a refused one, and say how to probe Fabric when the run left it out.
#[tokio::test]
async fn fabric_expectations_hold_or_say_why() {
    let expect = [
        "--expect",
        "api=fabric",
        "--expect",
        "fabric-workspace=f089354e-8366-4e18-aea3-4cb4a3a50b48",
    ];
    let healthy = || {
        vec![
            ("/v1/workspaces", answer(200, LISTED, &[])),
            (
                "/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                answer(200, ONE, &[]),
            ),
        ]
    };
    let (code, report, _) = check_with(
        &token(POWERBI_AUD, false),
        "fabric",
        false,
        healthy(),
        &expect,
    )
    .await;
    assert_eq!(code, 0, "{report}");
    let outcomes = report["expectations"].as_array().unwrap();
    assert!(outcomes.iter().all(|o| o["holds"] == true), "{report}");
    assert_eq!(
        outcomes[1]["detail"],
        "workspace f089354e-8366-4e18-aea3-4cb4a3a50b48 reachable on Fabric's API"
    );

    let insufficient = r#"{"requestId":"7e1c4b2a-93d5-4f08-a6e2-1b8d0c3f5a03","errorCode":"InsufficientScopes","message":"The caller does not have sufficient scopes to perform this operation","isRetriable":false}"#;
    let (code, report, _) = check_with(
        &token(FABRIC_AUD, true),
        "fabric",
        false,
        vec![
            ("/v1/workspaces", answer(403, insufficient, &[])),
            (
                "/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48",
                answer(403, insufficient, &[]),
            ),
        ],
        &expect,
    )
    .await;
    assert_eq!(code, 1, "{report}");
    let outcomes = report["expectations"].as_array().unwrap();
    assert_eq!(outcomes[0]["holds"], false);
    assert_eq!(
        outcomes[0]["detail"],
        "Fabric's API refused: HTTP 403 InsufficientScopes"
    );
    assert_eq!(outcomes[0]["cause"], "missing-delegated-scope");
    assert_eq!(
        outcomes[1]["detail"],
        "Fabric refused workspace f089354e-8366-4e18-aea3-4cb4a3a50b48: HTTP 403 InsufficientScopes"
    );

    // A Power BI-only run cannot judge them, and says how to.
    let (code, report, _) = check_with(
        &token(POWERBI_AUD, false),
        "powerbi",
        false,
        vec![("/v1.0/myorg/groups", answer(200, r#"{"value":[]}"#, &[]))],
        &["--expect", "api=fabric"],
    )
    .await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["expectations"][0]["detail"],
        "not run: Fabric's API was not probed; give --api fabric or --api both"
    );
}

/// `explain` on fabric-cicd's PrincipalTypeNotSupported names the Fabric API family from the URL.
#[test]
fn a_refused_identity_type_names_the_fabric_api_family() {
    let paste = crate::harness::fixtures_dir().join("explain-fabric-cicd-log/paste.txt");
    let out = crate::harness::run_on_file("explain", &paste);
    let report = json_report("explain-fabric-cicd-log", &out);
    let workspace = finding(&report, "workspace-api");
    assert_eq!(
        workspace["summary"],
        "a workspace-scoped API answered HTTP 400 PrincipalTypeNotSupported (Fabric's items API does not accept this identity type)"
    );
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "fabric-api"),
        "explain shows no Fabric probe line"
    );
}

/// The two families together (facts §5.1): a service principal refused by both points at the
/// service-principal switch; one Fabric accepts while Power BI refuses points at the split.
#[tokio::test]
async fn both_families_together_tell_the_switches_apart() {
    let switch = || {
        ResponseTemplate::new(401)
            .insert_header("Content-Type", "application/octet-stream")
            .insert_header(
                "X-PowerBI-Error-Info",
                "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
            )
            .insert_header("RequestId", "ad8b30fb-6f1c-5972-93d5-03035b3e2978")
    };
    // Refused by both: Fabric's 401 Unauthorized as fabric-cicd keys on it (the header).
    let (code, report, _) = check(
        &token(POWERBI_AUD, false),
        "both",
        false,
        vec![
            ("/v1.0/myorg/groups", switch()),
            (
                "/v1/workspaces",
                answer(401, "", &[("x-ms-public-api-error-code", "Unauthorized")]),
            ),
        ],
    )
    .await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(cause_ids(&report)[0], "sp-api-access-disabled", "{report}");
    assert!(!cause_ids(&report).contains(&"sp-switch-split".to_owned()));
    // Fabric lists, Power BI refuses: the split.
    let (code, report, _) = check(
        &token(POWERBI_AUD, false),
        "both",
        false,
        vec![
            ("/v1.0/myorg/groups", switch()),
            ("/v1/workspaces", answer(200, LISTED, &[])),
        ],
    )
    .await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(cause_ids(&report)[0], "sp-switch-split", "{report}");
    assert_eq!(finding(&report, "fabric-api")["status"], "pass");
}

//! The administrator's second look, live against wiremock: the diagnosed service principal is
//! the `sp-readonly-admin-api-disabled` scenario (GetGroupsAsAdmin answers 401
//! PowerBINotAuthorizedException); a second server answers as Fabric (List Tenant Settings) and
//! Microsoft Graph with the bodies their documentation shows (facts §5.3, §7). Each test asserts
//! the cause ids, their confidence, the ruled-out list and the tenant's real ids in the fix text.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{json_report, run_live_env, scenario, tempdir};

const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
const SP_ID: &str = "5d0b6c4e-1f2a-4b3c-8d9e-0a1b2c3d4e5f";
const PBI_SP_ID: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const READERS: &str = "f51b705f-a409-4d40-9197-c5d5f349e2f0";
const DATA_ENG: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const OUTER: &str = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d";
const ASSIGNMENT: &str = "nNfwW2WSiEiZ4dYhkNdzd3p0NA3bTLtNhgNQtDE8fkk";
const TENANT_READ_ALL: &str = "654b31ae-d941-4e22-8798-7add8fdf049f";
const FABRIC_TOKEN: &str = "admin-fabric-token-0123456789abcdef";
const GRAPH_TOKEN: &str = "admin-graph-token-0123456789abcdef";

fn setting(name: &str, enabled: bool, groups: Value, excluded: Value) -> Value {
    json!({
        "settingName": name,
        "title": "Service principals can access read-only admin APIs",
        "enabled": enabled,
        "canSpecifySecurityGroups": true,
        "enabledSecurityGroups": groups,
        "excludedSecurityGroups": excluded,
        "tenantSettingGroup": "AdminApiSettings",
        "delegateToCapacity": false, "delegateToDomain": false, "delegateToWorkspace": false
    })
}

fn readers_only() -> Value {
    setting(
        "AllowServicePrincipalsUseReadAdminAPIs",
        true,
        json!([{"graphId": READERS, "name": "PBI-Readers"}]),
        json!([]),
    )
}

fn group(id: &str, name: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.group", "id": id, "displayName": name, "securityEnabled": true})
}

/// How the second server answers.
struct Tenant {
    settings: Value,
    /// `value` (current doc) or `tenantSettings` (older doc, ScubaGear).
    shape: &'static str,
    groups: Vec<Value>,
    assignments: Vec<Value>,
    password_end: String,
    graph_status: Option<(u16, Value, Option<&'static str>)>,
    fabric_status: Option<u16>,
}

impl Default for Tenant {
    fn default() -> Self {
        Self {
            settings: json!([readers_only()]),
            shape: "value",
            groups: vec![group(DATA_ENG, "Data-Eng")],
            assignments: Vec::new(),
            password_end: (chrono::Utc::now() + chrono::Duration::days(200)).to_rfc3339(),
            graph_status: None,
            fabric_status: None,
        }
    }
}

async fn mount(server: &MockServer, p: &str, status: u16, body: Value) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("Content-Type", "application/json")
                .insert_header("request-id", "3c4d5e6f-0000-4000-8000-000000000001")
                .set_body_json(body),
        )
        .mount(server)
        .await;
}

async fn serve(tenant: &Tenant) -> MockServer {
    let server = MockServer::start().await;
    match tenant.fabric_status {
        Some(status) => {
            mount(&server, "/v1/admin/tenantsettings", status, json!({"requestId": "f0e1d2c3-0000-4000-8000-000000000002", "errorCode": "Forbidden", "message": "The caller doesn't have permissions to call the API."})).await
        }
        None => {
            let mut body = serde_json::Map::new();
            body.insert(tenant.shape.to_owned(), tenant.settings.clone());
            mount(&server, "/v1/admin/tenantsettings", 200, Value::Object(body)).await;
        }
    }
    if let Some((status, body, retry_after)) = &tenant.graph_status {
        let mut template = ResponseTemplate::new(*status)
            .insert_header("Content-Type", "application/json")
            .set_body_json(body.clone());
        if let Some(after) = retry_after {
            template = template.insert_header("Retry-After", *after);
        }
        Mock::given(method("GET"))
            .and(path(format!(
                "/v1.0/servicePrincipals(appId='{CLIENT_ID}')"
            )))
            .respond_with(template)
            .mount(&server)
            .await;
        return server;
    }
    mount(
        &server,
        &format!("/v1.0/servicePrincipals(appId='{CLIENT_ID}')"),
        200,
        json!({"id": SP_ID, "appId": CLIENT_ID, "displayName": "pbi-reader-app"}),
    )
    .await;
    mount(
        &server,
        &format!("/v1.0/servicePrincipals/{SP_ID}/transitiveMemberOf"),
        200,
        json!({"value": tenant.groups}),
    )
    .await;
    mount(
        &server,
        "/v1.0/servicePrincipals(appId='00000009-0000-0000-c000-000000000000')",
        200,
        json!({"id": PBI_SP_ID, "appRoles": [
            {"id": TENANT_READ_ALL, "value": "Tenant.Read.All", "displayName": "View all content in tenant", "allowedMemberTypes": ["Application"], "isEnabled": true}
        ]}),
    )
    .await;
    mount(
        &server,
        &format!("/v1.0/servicePrincipals/{SP_ID}/appRoleAssignments"),
        200,
        json!({"value": tenant.assignments}),
    )
    .await;
    mount(
        &server,
        &format!("/v1.0/servicePrincipals/{SP_ID}/oauth2PermissionGrants"),
        200,
        json!({"value": []}),
    )
    .await;
    mount(
        &server,
        &format!("/v1.0/applications(appId='{CLIENT_ID}')"),
        200,
        json!({"passwordCredentials": [
            {"keyId": "1b2c3d4e-0000-4000-8000-000000000003", "displayName": "ci", "hint": "abc", "startDateTime": "2025-01-01T00:00:00Z", "endDateTime": tenant.password_end}
        ], "keyCredentials": []}),
    )
    .await;
    server
}

struct Run {
    report: Value,
    human: String,
    requests: Vec<wiremock::Request>,
    recording: String,
}

async fn second_look(tenant: Tenant, extra: &[&str]) -> Run {
    let server = serve(&tenant).await;
    run_on(&server, "sp-readonly-admin-api-disabled", extra).await
}

/// Runs a scenario's `check` with the administrator's tokens and hosts on `server`, once for the
/// JSON report (recorded) and once for the human one.
async fn run_on(server: &MockServer, name: &str, extra: &[&str]) -> Run {
    let dir = tempdir();
    let fabric = dir.join("fabric.txt");
    let graph = dir.join("graph.txt");
    std::fs::write(&fabric, FABRIC_TOKEN).unwrap();
    std::fs::write(&graph, format!("Bearer {GRAPH_TOKEN}\n")).unwrap();
    let uri = server.uri();
    let (fabric, graph) = (fabric.display().to_string(), graph.display().to_string());
    let mut args = vec![
        "--fabric-api",
        uri.as_str(),
        "--graph-api",
        uri.as_str(),
        "--admin-fabric-token-file",
        fabric.as_str(),
        "--admin-graph-token-file",
        graph.as_str(),
    ];
    args.extend_from_slice(extra);
    let scenario = scenario(name);
    let mut json_args = args.clone();
    json_args.extend_from_slice(&["--format", "json"]);
    let live = run_live_env(&scenario, &json_args, &[]).await;
    let report = json_report("second look", &live.output);
    let requests = server.received_requests().await.unwrap_or_default();
    let human = run_live_env(&scenario, &args, &[]).await;
    let human = String::from_utf8_lossy(&human.output.stdout).into_owned();
    for text in [report.to_string(), human.clone()] {
        assert!(
            !text.contains(FABRIC_TOKEN) && !text.contains(GRAPH_TOKEN),
            "{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        report,
        human,
        requests,
        recording: live.recording,
    }
}

fn cause<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["causes"].as_array()?.iter().find(|c| c["id"] == id)
}

fn confidence(report: &Value, id: &str) -> Option<String> {
    cause(report, id).map(|c| c["confidence"].as_str().unwrap().to_owned())
}

fn ruled_out(report: &Value) -> Vec<String> {
    report["ruled_out"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn fix(report: &Value, id: &str) -> String {
    cause(report, id)
        .map(|c| c["fix"].to_string())
        .unwrap_or_default()
}

fn tenant_settings_calls(requests: &[wiremock::Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.url.path() == "/v1/admin/tenantsettings")
        .count()
}

#[tokio::test]
async fn enabled_for_other_groups_confirms_the_missing_membership_with_the_real_ids() {
    let run = second_look(Tenant::default(), &[]).await;
    let r = &run.report;
    assert_eq!(
        confidence(r, "sp-not-in-admin-api-group").as_deref(),
        Some("confirmed")
    );
    assert_eq!(r["causes"][0]["id"], "sp-not-in-admin-api-group");
    let steps = fix(r, "sp-not-in-admin-api-group");
    assert!(
        steps.contains(&format!(
            "az ad group member add --group {READERS} --member-id {SP_ID}"
        )) && steps.contains("PBI-Readers"),
        "{steps}"
    );
    // The setting is on and the app holds no Power BI permission: both read back.
    let out = ruled_out(r);
    assert!(
        out.contains(&"sp-readonly-admin-api-disabled".to_owned()),
        "{out:?}"
    );
    assert!(
        out.contains(&"forbidden-extra-permissions".to_owned()),
        "{out:?}"
    );
    assert!(cause(r, "sp-readonly-admin-api-disabled").is_none());
    let because = r["ruled_out"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "sp-readonly-admin-api-disabled")
        .unwrap()["because"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(because.contains("PBI-Readers"), "{because}");
    assert!(run.human.contains("Ruled out"), "{}", run.human);
    assert!(run.human.contains("Data-Eng"), "{}", run.human);
    // GET only, one tenant-settings call, the admin's tokens to the admin's hosts.
    assert!(run.requests.iter().all(|q| q.method.as_str() == "GET"));
    assert_eq!(tenant_settings_calls(&run.requests), 1);
    for q in &run.requests {
        let auth = q.headers.get("authorization").unwrap().to_str().unwrap();
        let want = if q.url.path().starts_with("/v1/") {
            FABRIC_TOKEN
        } else {
            GRAPH_TOKEN
        };
        assert_eq!(auth, format!("Bearer {want}"));
    }
}

#[tokio::test]
async fn a_disabled_setting_is_confirmed_and_the_group_causes_do_not_apply() {
    let tenant = Tenant {
        settings: json!([setting(
            "AllowServicePrincipalsUseReadAdminAPIs",
            false,
            json!([]),
            json!([])
        )]),
        ..Tenant::default()
    };
    let r = second_look(tenant, &[]).await.report;
    assert_eq!(
        confidence(&r, "sp-readonly-admin-api-disabled").as_deref(),
        Some("confirmed")
    );
    assert_eq!(r["causes"][0]["id"], "sp-readonly-admin-api-disabled");
    assert!(cause(&r, "sp-not-in-admin-api-group").is_none());
    assert!(ruled_out(&r).contains(&"forbidden-extra-permissions".to_owned()));
}

#[tokio::test]
async fn an_excluded_group_is_confirmed_with_the_group_to_leave() {
    let tenant = Tenant {
        settings: json!([setting(
            "AllowServicePrincipalsUseReadAdminAPIs",
            true,
            json!([{"graphId": READERS, "name": "PBI-Readers"}]),
            json!([{"graphId": DATA_ENG, "name": "Data-Eng"}])
        )]),
        groups: vec![group(READERS, "PBI-Readers"), group(DATA_ENG, "Data-Eng")],
        ..Tenant::default()
    };
    let r = second_look(tenant, &[]).await.report;
    assert_eq!(
        confidence(&r, "sp-in-excluded-admin-api-group").as_deref(),
        Some("confirmed")
    );
    let steps = fix(&r, "sp-in-excluded-admin-api-group");
    assert!(
        steps.contains(&format!(
            "az ad group member remove --group {DATA_ENG} --member-id {SP_ID}"
        )) && steps.contains("Data-Eng"),
        "{steps}"
    );
    assert!(ruled_out(&r).contains(&"sp-readonly-admin-api-disabled".to_owned()));
    assert!(cause(&r, "sp-not-in-admin-api-group").is_none());
}

#[tokio::test]
async fn nested_membership_counts_and_leaves_propagation_with_the_request_ids() {
    // transitiveMemberOf lists the outer group the SP reaches through Data-Eng.
    let tenant = Tenant {
        settings: json!([setting(
            "AllowServicePrincipalsUseReadAdminAPIs",
            true,
            json!([{"graphId": OUTER, "name": "All-Readers"}]),
            json!([])
        )]),
        groups: vec![group(DATA_ENG, "Data-Eng"), group(OUTER, "All-Readers")],
        ..Tenant::default()
    };
    let run = second_look(tenant, &[]).await;
    let r = &run.report;
    assert_eq!(
        confidence(r, "configuration-correct-still-refused").as_deref(),
        Some("confirmed")
    );
    let out = ruled_out(r);
    for id in [
        "sp-readonly-admin-api-disabled",
        "sp-not-in-admin-api-group",
        "sp-in-excluded-admin-api-group",
        "forbidden-extra-permissions",
    ] {
        assert!(out.contains(&id.to_owned()), "{id} not in {out:?}");
        assert!(cause(r, id).is_none(), "{id} still ranked");
    }
    assert!(fix(r, "configuration-correct-still-refused").contains("RequestId"));
}

#[tokio::test]
async fn an_app_role_present_is_confirmed_with_the_assignment_to_delete() {
    let tenant = Tenant {
        settings: json!([readers_only()]),
        groups: vec![group(READERS, "PBI-Readers")],
        assignments: vec![json!({
            "id": ASSIGNMENT, "appRoleId": TENANT_READ_ALL, "principalId": SP_ID,
            "principalType": "ServicePrincipal", "principalDisplayName": "pbi-reader-app",
            "resourceId": PBI_SP_ID, "resourceDisplayName": "Power BI Service",
            "createdDateTime": "2025-03-01T10:00:00Z"
        })],
        ..Tenant::default()
    };
    let r = second_look(tenant, &[]).await.report;
    assert_eq!(
        confidence(&r, "forbidden-extra-permissions").as_deref(),
        Some("confirmed")
    );
    let steps = fix(&r, "forbidden-extra-permissions");
    assert!(
        steps.contains(&format!(
            "az rest --method DELETE --url https://graph.microsoft.com/v1.0/servicePrincipals/{SP_ID}/appRoleAssignments/{ASSIGNMENT}"
        )),
        "{steps}"
    );
    let evidence = cause(&r, "forbidden-extra-permissions").unwrap()["evidence"].to_string();
    assert!(evidence.contains("Tenant.Read.All"), "{evidence}");
    assert!(ruled_out(&r).contains(&"sp-not-in-admin-api-group".to_owned()));
}

#[tokio::test]
async fn an_expiring_secret_is_a_warning_with_its_date_and_an_expectation() {
    let end = chrono::Utc::now() + chrono::Duration::days(10);
    let tenant = Tenant {
        password_end: end.to_rfc3339(),
        ..Tenant::default()
    };
    let r = second_look(tenant, &["--expect", "secret-valid-days>=30"])
        .await
        .report;
    assert_eq!(
        confidence(&r, "credential-expiring-soon").as_deref(),
        Some("confirmed")
    );
    let date = end.format("%Y-%m-%d").to_string();
    assert!(fix(&r, "credential-expiring-soon").contains(&date));
    let expectation = &r["expectations"][0];
    assert_eq!(expectation["holds"], false, "{expectation}");
}

#[tokio::test]
async fn an_admin_without_permission_is_named_and_the_likely_answer_stays() {
    let tenant = Tenant {
        fabric_status: Some(403),
        graph_status: Some((
            403,
            json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation.", "innerError": {"request-id": "1a2b3c4d-0000-4000-8000-000000000004", "date": "2026-11-29T23:00:00"}}}),
            None,
        )),
        ..Tenant::default()
    };
    let r = second_look(tenant, &[]).await.report;
    assert_eq!(
        confidence(&r, "sp-readonly-admin-api-disabled").as_deref(),
        Some("likely")
    );
    assert!(ruled_out(&r).is_empty());
    let checks = r["checks"].as_array().unwrap();
    let summary = |id: &str| {
        checks.iter().find(|c| c["id"] == id).unwrap()["summary"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(summary("directory").contains("Application.Read.All"));
    assert!(summary("tenant-settings").contains("Fabric administrator"));
}

#[tokio::test]
async fn throttled_graph_keeps_the_likely_answer_and_says_so() {
    let tenant = Tenant {
        graph_status: Some((
            429,
            json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}),
            Some("30"),
        )),
        ..Tenant::default()
    };
    let run = second_look(tenant, &[]).await;
    let r = &run.report;
    assert_eq!(
        confidence(r, "sp-readonly-admin-api-disabled").as_deref(),
        Some("likely")
    );
    let directory = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "directory")
        .unwrap();
    assert_eq!(directory["status"], "warn");
    assert_eq!(directory["signals"]["directory.throttled"][0], "30");
    // Never retried: one Graph call.
    let graph_calls = run
        .requests
        .iter()
        .filter(|q| q.url.path().starts_with("/v1.0/"))
        .count();
    assert_eq!(graph_calls, 1);
}

#[tokio::test]
async fn both_tenant_settings_shapes_read_the_same() {
    for shape in ["value", "tenantSettings"] {
        let tenant = Tenant {
            shape,
            ..Tenant::default()
        };
        let run = second_look(tenant, &[]).await;
        assert_eq!(
            confidence(&run.report, "sp-not-in-admin-api-group").as_deref(),
            Some("confirmed"),
            "{shape}"
        );
        assert_eq!(tenant_settings_calls(&run.requests), 1, "{shape}");
    }
}

#[tokio::test]
async fn a_user_without_an_admin_role_is_confirmed_from_the_directory() {
    // The delegated scenario: Megan Bowen's token, GetGroupsAsAdmin 401. Graph lists her active
    // roles through transitiveMemberOf: Global Reader only, through a group.
    let server = MockServer::start().await;
    mount(
        &server,
        "/v1.0/users/5b2e7c1d-0000-4000-8000-00000000b001/transitiveMemberOf",
        200,
        json!({"value": [
            group(DATA_ENG, "Data-Eng"),
            {"@odata.type": "#microsoft.graph.directoryRole", "id": "2d3e4f5a-0000-4000-8000-000000000005", "displayName": "Global Reader", "roleTemplateId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"}
        ]}),
    )
    .await;
    let run = run_on(&server, "delegated-user-not-admin", &[]).await;
    let r = &run.report;
    assert_eq!(
        confidence(r, "delegated-user-not-admin").as_deref(),
        Some("confirmed")
    );
    let checks = r["checks"].as_array().unwrap();
    let directory = checks.iter().find(|c| c["id"] == "directory").unwrap();
    assert!(
        directory["summary"]
            .as_str()
            .unwrap()
            .contains("Global Reader"),
        "{directory}"
    );
    // The service-principal switches do not apply to a user: not read.
    assert_eq!(tenant_settings_calls(&run.requests), 0);
    let settings = checks
        .iter()
        .find(|c| c["id"] == "tenant-settings")
        .unwrap();
    assert_eq!(settings["status"], "skip");
}

#[tokio::test]
async fn a_recording_replays_the_second_look() {
    let run = second_look(Tenant::default(), &[]).await;
    assert!(run.recording.contains("/v1/admin/tenantsettings"));
    assert!(!run.recording.contains(FABRIC_TOKEN) && !run.recording.contains(GRAPH_TOKEN));
    let dir = tempdir();
    let file = dir.join("recorded.json");
    std::fs::write(&file, &run.recording).unwrap();
    let again = crate::harness::run(
        &["replay", file.to_str().unwrap(), "--format", "json"],
        None,
    );
    let replayed = json_report("replayed second look", &again);
    assert_eq!(
        confidence(&replayed, "sp-not-in-admin-api-group").as_deref(),
        Some("confirmed")
    );
    assert_eq!(ruled_out(&replayed), ruled_out(&run.report));
    assert_eq!(
        fix(&replayed, "sp-not-in-admin-api-group"),
        fix(&run.report, "sp-not-in-admin-api-group")
    );
    // The CI formats carry what was ruled out too: JUnit in the suite's output, Azure Pipelines
    // as a collapsed group of log lines.
    let titles: Vec<(String, String)> = replayed["ruled_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_owned();
            let title = replayed_title(&id);
            (id, title)
        })
        .collect();
    assert!(!titles.is_empty());
    for format in ["junit", "azure-devops"] {
        let out = crate::harness::run(
            &["replay", file.to_str().unwrap(), "--format", format],
            None,
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Ruled out"), "{format}: {text}");
        for (id, title) in &titles {
            assert!(
                text.contains(&format!("{title} ({id}): ")),
                "{format}: {id} missing in {text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A cause's title, as the catalogue words it.
fn replayed_title(id: &str) -> String {
    let catalogue = pbi_doctor::catalogue::Catalogue::embedded().unwrap();
    catalogue.get(id).unwrap().title.trim().to_owned()
}

#[tokio::test]
async fn the_api_switch_names_the_group_of_its_own_setting_in_the_fix() {
    // The scenario: the tenant switch refuses the SP on every call. The second look reads
    // "Service principals can call Fabric public APIs" enabled for PBI-API-Users only.
    const API_USERS: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let tenant = Tenant {
        settings: json!([
            readers_only(),
            setting(
                "ServicePrincipalAccessPermissionAPIs",
                true,
                json!([{"graphId": API_USERS, "name": "PBI-API-Users"}]),
                json!([])
            )
        ]),
        ..Tenant::default()
    };
    let server = serve(&tenant).await;
    let run = run_on(&server, "sp-api-access-disabled", &[]).await;
    let r = &run.report;
    assert_eq!(
        confidence(r, "sp-api-access-disabled").as_deref(),
        Some("confirmed")
    );
    let steps = fix(r, "sp-api-access-disabled");
    assert!(
        steps.contains(&format!(
            "az ad group member add --group {API_USERS} --member-id {SP_ID}"
        )),
        "{steps}"
    );
    assert!(!steps.contains(READERS), "{steps}");
}

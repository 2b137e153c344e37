//! ## What it checks
//! The second look at the tenant settings: one `GET {fabric}/v1/admin/tenantsettings` with the
//! administrator's Fabric token (List Tenant Settings; both the documented `value` shape and the
//! older `tenantSettings` one, continuation pages followed on the same origin), then, for the
//! service-principal switches, whether each lets this service principal through: disabled,
//! enabled for the whole organization, enabled for security groups it is (or is not) a member of,
//! or excluding one of its groups. Group membership comes from the directory check (transitive,
//! so nested groups count).
//! ## Evidence collected
//! Status and `RequestId` of the call; each switch with its enabled and excluded groups.
//!
//! Then, for each `--workspace` (at most [`MAX_WORKSPACES`]), its access list read as an
//! administrator, `GET {api}/v1.0/myorg/admin/groups/{id}/users` (GetGroupUsersAsAdmin, 200 calls
//! an hour per tenant: never retried, left out with `--skip-admin`), matched against the service
//! principal's object id and its groups.
//! ## Requires
//! An administrator's identity (`--admin-auth`, `--admin-fabric-token-file`) holding the Fabric
//! administrator role (or a service principal allowed to call admin APIs). Refused or throttled:
//! a warning naming what is missing, and the diagnosis keeps today's likely/possible answer.

use serde_json::Value;
use url::Url;

use crate::check::directory::DirectoryFacts;
use crate::check::signal::*;
use crate::check::{CheckId, Context, Finding, Outcome};
use crate::secret::Secret;
use crate::transport::{Request, Retry};

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    TENANT_SETTINGS_READ,
    TENANT_SETTINGS_ADMIN_API,
    TENANT_SETTINGS_FABRIC_API,
    TENANT_SETTINGS_ALLOWED_GROUP,
    TENANT_SETTINGS_EXCLUDED_GROUP,
    TENANT_SETTINGS_FABRIC_API_GROUP,
    TENANT_SETTINGS_WORKSPACE_ACCESS,
    TENANT_SETTINGS_WORKSPACE_WITHOUT_SP,
];

/// Workspace access lists read per run at most: a twentieth of GetGroupUsersAsAdmin's hourly
/// quota, so repeated runs leave the tenant's own jobs room.
pub const MAX_WORKSPACES: usize = 10;

/// The path read.
pub const PATH: &str = "/v1/admin/tenantsettings";

/// Continuation pages followed at most.
const MAX_PAGES: usize = 5;

/// The switches this check reads, by `settingName` (facts §5.2), the signal each sets (the
/// first one present wins for a signal), and the title people know it by.
const SWITCHES: &[(&str, Option<&str>, &str)] = &[
    (
        "AllowServicePrincipalsUseReadAdminAPIs",
        Some(TENANT_SETTINGS_ADMIN_API),
        "Service principals can access read-only admin APIs",
    ),
    (
        "ServicePrincipalAccessPermissionAPIs",
        Some(TENANT_SETTINGS_FABRIC_API),
        "Service principals can call Fabric public APIs",
    ),
    (
        "ServicePrincipalAccess",
        Some(TENANT_SETTINGS_FABRIC_API),
        "Service principals can use Fabric APIs",
    ),
    (
        "ServicePrincipalAccessGlobalAPIs",
        None,
        "Service principals can create workspaces, connections, and deployment pipelines",
    ),
    (
        "AllowServicePrincipalsUseWriteAdminAPIs",
        None,
        "Service principals can access admin APIs used for updates",
    ),
];

fn groups(setting: &Value, key: &str) -> Vec<(String, String)> {
    setting
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let id = g.get("graphId").and_then(Value::as_str)?.to_owned();
            let name = g
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&id)
                .to_owned();
            Some((id, name))
        })
        .collect()
}

fn shown(groups: &[(String, String)]) -> String {
    crate::words::list(
        &groups
            .iter()
            .map(|(id, name)| format!("{name} ({id})"))
            .collect::<Vec<_>>(),
    )
}

/// What a switch means for a service principal in `member_of` (`None`: not read).
pub fn judge(setting: &Value, member_of: Option<&[(String, String)]>) -> &'static str {
    if setting.get("enabled").and_then(Value::as_bool) != Some(true) {
        return "off";
    }
    let enabled = groups(setting, "enabledSecurityGroups");
    let excluded = groups(setting, "excludedSecurityGroups");
    let Some(member_of) = member_of else {
        return if enabled.is_empty() && excluded.is_empty() {
            "allowed"
        } else {
            "membership-unknown"
        };
    };
    let is_member =
        |(id, _): &(String, String)| member_of.iter().any(|(m, _)| m.eq_ignore_ascii_case(id));
    if excluded.iter().any(is_member) {
        "excluded"
    } else if enabled.is_empty() || enabled.iter().any(is_member) {
        // No enabled group: the whole organization [inferred, facts §5.3].
        "allowed"
    } else {
        "not-in-group"
    }
}

/// Reads every page of the tenant settings: the items, or the finding's words for why not.
async fn read(
    ctx: &Context<'_>,
    finding: &mut Finding,
    token: &Secret,
) -> Result<Vec<Value>, (&'static str, String)> {
    let base = &ctx.settings.fabric_api;
    let mut url = crate::settings::endpoint(base, PATH);
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let label = format!("GET {}", ctx.redactor.clean(url.as_str()));
        let response = match ctx
            .transport
            .send(Request::get(url.clone(), token.clone(), Retry::ONCE))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                finding.evidence(label, e.to_string());
                return Err(("failed", format!("no answer: {e}")));
            }
        };
        let mut facts = format!("HTTP {}", response.status);
        for header in ["RequestId", "x-ms-public-api-error-code", "Retry-After"] {
            if let Some(v) = response.header(header) {
                facts.push_str(&format!(", {header}: {}", ctx.redactor.clean(v)));
            }
        }
        finding.evidence(label, facts);
        match response.status {
            200 => {}
            401 | 403 => {
                return Err((
                    "forbidden",
                    format!(
                        "the administrator's identity was refused (HTTP {}): it needs the Fabric administrator role (a user) or, for a service principal, the setting Service principals can access read-only admin APIs",
                        response.status
                    ),
                ));
            }
            429 => {
                return Err((
                    "throttled",
                    "the Fabric API throttled the call (HTTP 429; List Tenant Settings allows 25 calls a minute)".to_owned(),
                ));
            }
            other => return Err(("failed", format!("the Fabric API answered HTTP {other}"))),
        }
        let Ok(body) = serde_json::from_str::<Value>(&response.body) else {
            return Err(("failed", "the answer is not JSON".to_owned()));
        };
        // The documented `value` and the older `tenantSettings` (facts §5.3): both are read.
        let Some(list) = body
            .get("value")
            .or_else(|| body.get("tenantSettings"))
            .and_then(Value::as_array)
        else {
            return Err((
                "failed",
                "the answer holds neither a value nor a tenantSettings list".to_owned(),
            ));
        };
        items.extend(list.iter().cloned());
        let next = body
            .get("continuationUri")
            .and_then(Value::as_str)
            .and_then(|u| Url::parse(u).ok())
            .or_else(|| {
                let token = body.get("continuationToken").and_then(Value::as_str)?;
                let mut next = crate::settings::endpoint(base, PATH);
                next.query_pairs_mut()
                    .append_pair("continuationToken", token);
                Some(next)
            });
        match next {
            // The token goes to the Fabric origin only.
            Some(next) if next.origin() == base.origin() => url = next,
            _ => return Ok(items),
        }
    }
    Ok(items)
}

/// Runs the read and judges the switches for the service principal the directory check found.
pub async fn run(
    ctx: &Context<'_>,
    token: &Result<Secret, String>,
    powerbi: &Result<Secret, String>,
    directory: &DirectoryFacts,
) -> Finding {
    let mut finding = settings(ctx, token, directory).await;
    let read = workspace_access(ctx, &mut finding, powerbi, directory).await;
    if !read.is_empty() {
        finding.summary.push_str(&format!("; {}", read.join("; ")));
    }
    finding
}

/// Reads each `--workspace`'s access list as an administrator: what was found, for the summary.
async fn workspace_access(
    ctx: &Context<'_>,
    finding: &mut Finding,
    powerbi: &Result<Secret, String>,
    directory: &DirectoryFacts,
) -> Vec<String> {
    let mut said = Vec::new();
    if ctx.settings.workspaces.is_empty() || ctx.settings.skip_admin {
        return said;
    }
    let Some(sp) = directory.sp_object_id.as_deref() else {
        return said;
    };
    let token = match powerbi {
        Ok(t) => t,
        Err(why) => {
            said.push(format!("workspace access lists not read: {why}"));
            return said;
        }
    };
    let groups = directory.groups.as_deref().unwrap_or_default();
    for id in ctx.settings.workspaces.iter().take(MAX_WORKSPACES) {
        let url = crate::settings::endpoint(
            &ctx.settings.powerbi_api,
            &format!("/v1.0/myorg/admin/groups/{id}/users"),
        );
        let label = format!("GET {}", ctx.redactor.clean(url.as_str()));
        let response = match ctx
            .transport
            .send(Request::get(url, token.clone(), Retry::ONCE))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                finding.evidence(label, e.to_string());
                said.push(format!("workspace {id}: no answer"));
                continue;
            }
        };
        let mut shown = format!("HTTP {}", response.status);
        if let Some(v) = response.header("RequestId") {
            shown.push_str(&format!(", RequestId: {}", ctx.redactor.clean(v)));
        }
        match response.status {
            200 => {}
            401 | 403 => {
                finding.evidence(label, shown);
                said.push(format!(
                    "workspace access lists not read: the administrator's identity was refused (HTTP {}): it needs the Fabric administrator role and, for a user, the scope Tenant.Read.All",
                    response.status
                ));
                break;
            }
            429 => {
                finding.evidence(label, shown);
                said.push(
                    "workspace access lists not read: GetGroupUsersAsAdmin throttled the call (HTTP 429; 200 calls an hour per tenant)".to_owned(),
                );
                break;
            }
            other => {
                finding.evidence(label, shown);
                said.push(format!("workspace {id}: HTTP {other}"));
                continue;
            }
        }
        let users: Vec<Value> = serde_json::from_str::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("value").and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let id_of = |u: &Value| -> Vec<String> {
            ["graphId", "identifier"]
                .iter()
                .filter_map(|k| u.get(*k).and_then(Value::as_str).map(str::to_owned))
                .collect()
        };
        let kind = |u: &Value| {
            u.get("principalType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let right = |u: &Value| {
            u.get("groupUserAccessRight")
                .and_then(Value::as_str)
                .unwrap_or("a role")
                .to_owned()
        };
        let direct = users
            .iter()
            .find(|u| kind(u) == "App" && id_of(u).iter().any(|i| i.eq_ignore_ascii_case(sp)));
        let through = users.iter().find_map(|u| {
            (kind(u) == "Group")
                .then(|| {
                    groups
                        .iter()
                        .find(|(g, _)| id_of(u).iter().any(|i| i.eq_ignore_ascii_case(g)))
                        .map(|(_, name)| (u, name))
                })
                .flatten()
        });
        let verdict = match (direct, through) {
            (Some(u), _) => {
                shown.push_str(&format!(", the service principal itself as {}", right(u)));
                "direct"
            }
            (None, Some((u, name))) => {
                shown.push_str(&format!(", through the group {name} as {}", right(u)));
                "group"
            }
            (None, None) => {
                finding.signal(TENANT_SETTINGS_WORKSPACE_WITHOUT_SP, id.clone());
                shown.push_str(&format!(
                    ", {} listed, neither the service principal nor a group of it",
                    crate::words::count(users.len() as u64, "principal", "principals")
                ));
                "none"
            }
        };
        finding.evidence(label, shown);
        finding.signal(TENANT_SETTINGS_WORKSPACE_ACCESS, verdict);
        said.push(format!(
            "workspace {id}: {}",
            match verdict {
                "direct" => "the service principal is on its access list",
                "group" => "a group of the service principal is on its access list",
                _ => "neither the service principal nor a group of it is on its access list",
            }
        ));
    }
    said
}

/// Reads the tenant settings and judges the switches.
async fn settings(
    ctx: &Context<'_>,
    token: &Result<Secret, String>,
    directory: &DirectoryFacts,
) -> Finding {
    let mut finding = Finding::new(CheckId::TenantSettings, Outcome::Pass, "");
    let token = match token {
        Ok(t) => t,
        Err(why) => {
            finding.outcome = Outcome::Warn;
            finding.summary = format!("the tenant settings were not read: {why}");
            return finding;
        }
    };
    let items = match read(ctx, &mut finding, token).await {
        Ok(items) => items,
        Err((signal, words)) => {
            finding.signal(TENANT_SETTINGS_READ, signal);
            finding.outcome = Outcome::Warn;
            finding.summary = format!("the tenant settings were not read: {words}");
            return finding;
        }
    };
    finding.signal(TENANT_SETTINGS_READ, "ok");
    let member_of = directory.groups.as_deref();
    let mut said = Vec::new();
    for (name, signal, title) in SWITCHES {
        let Some(setting) = items
            .iter()
            .find(|s| s.get("settingName").and_then(Value::as_str) == Some(*name))
        else {
            continue;
        };
        let verdict = judge(setting, member_of);
        let enabled = groups(setting, "enabledSecurityGroups");
        let excluded = groups(setting, "excludedSecurityGroups");
        let mut words = if setting.get("enabled").and_then(Value::as_bool) == Some(true) {
            if enabled.is_empty() {
                "enabled for the entire organization".to_owned()
            } else {
                format!("enabled for {}", shown(&enabled))
            }
        } else {
            "disabled".to_owned()
        };
        if !excluded.is_empty() {
            words.push_str(&format!(", except {}", shown(&excluded)));
        }
        finding.evidence(format!("{title} ({name})"), words);
        if let Some(signal) = signal
            && finding.signals.get(signal).is_empty()
        {
            finding.signal(signal, verdict);
            said.push(format!("{title}: {}", verdict.replace('-', " ")));
            if *signal == TENANT_SETTINGS_FABRIC_API {
                for (id, name) in &enabled {
                    finding.signal(TENANT_SETTINGS_FABRIC_API_GROUP, format!("{id} {name}"));
                }
            }
            if *signal == TENANT_SETTINGS_ADMIN_API {
                for (id, name) in &enabled {
                    finding.signal(TENANT_SETTINGS_ALLOWED_GROUP, format!("{id} {name}"));
                }
                for (id, name) in excluded.iter().filter(|(id, _)| {
                    member_of
                        .unwrap_or_default()
                        .iter()
                        .any(|(m, _)| m.eq_ignore_ascii_case(id))
                }) {
                    finding.signal(TENANT_SETTINGS_EXCLUDED_GROUP, format!("{id} {name}"));
                }
            }
        }
    }
    finding.summary = if said.is_empty() {
        format!(
            "read {}; none of the service-principal switches is among them",
            crate::words::count(items.len() as u64, "tenant setting", "tenant settings")
        )
    } else {
        format!("read back the tenant settings: {}", said.join("; "))
    };
    finding
}

#[cfg(test)]
mod tests {
    use super::{judge, run};
    use crate::check::directory::DirectoryFacts;
    use crate::check::signal::*;
    use crate::check::testing::{Harness, ODATA_JSON, TestSettings, answer};
    use crate::check::{Finding, Signals};
    use crate::secret::Secret;
    use serde_json::json;

    const WS: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
    const SP: &str = "3d9b93c6-7b6d-4801-a491-1738910904fd";
    const GROUP: &str = "785e192c-0f1f-41ca-ae7a-a85da28e565a";

    /// The tenant settings (`value` shape, facts §5.3) and one workspace's access list read as
    /// admin (GetGroupUsersAsAdmin's documented sample shape), the SP in `groups`.
    async fn access(users: serde_json::Value, groups: &[(&str, &str)]) -> Finding {
        let settings = TestSettings::new().workspaces(&[WS]).build();
        let json = [("Content-Type", ODATA_JSON)];
        let exchanges = vec![
            answer(
                "GET",
                "/v1/admin/tenantsettings",
                200,
                &json,
                &json!({"value": [{"settingName": "AllowServicePrincipalsUseReadAdminAPIs", "enabled": true}]}).to_string(),
            ),
            answer(
                "GET",
                &format!("/v1.0/myorg/admin/groups/{WS}/users"),
                200,
                &json,
                &json!({ "value": users }).to_string(),
            ),
        ];
        let h = Harness::new(settings, exchanges);
        let facts = DirectoryFacts {
            sp_object_id: Some(SP.to_owned()),
            groups: Some(
                groups
                    .iter()
                    .map(|(i, n)| ((*i).to_owned(), (*n).to_owned()))
                    .collect(),
            ),
        };
        let token = Ok(Secret::new("admin-token-for-tests"));
        run(&h.ctx(), &token, &token, &facts).await
    }

    /// Hostile answers: a continuation token is followed once; a continuationUri on another
    /// origin is not (the administrator's token goes to the Fabric host only); a body that is
    /// not a settings list is a warning, not a verdict.
    #[tokio::test]
    async fn continuation_stays_on_the_fabric_origin_and_a_bad_body_is_no_verdict() {
        let json = [("Content-Type", ODATA_JSON)];
        let off =
            json!({"settingName": "AllowServicePrincipalsUseReadAdminAPIs", "enabled": false});
        let exchanges = vec![
            answer(
                "GET",
                "/v1/admin/tenantsettings",
                200,
                &json,
                &json!({"value": [], "continuationToken": "page-2"}).to_string(),
            ),
            answer(
                "GET",
                "/v1/admin/tenantsettings?continuationToken=page-2",
                200,
                &json,
                &json!({"value": [off], "continuationUri": "https://evil.example/v1/admin/tenantsettings?continuationToken=page-3"}).to_string(),
            ),
        ];
        let h = Harness::new(TestSettings::new().build(), exchanges);
        let token = Ok(Secret::new("admin-token-for-tests"));
        let f = run(&h.ctx(), &token, &token, &DirectoryFacts::default()).await;
        assert_eq!(f.signals.get(TENANT_SETTINGS_ADMIN_API), ["off"]);
        assert_eq!(
            f.evidence
                .iter()
                .filter(|e| e.label.starts_with("GET "))
                .count(),
            2
        );
        assert!(!f.evidence.iter().any(|e| e.label.contains("evil.example")));

        for body in ["<html>proxy</html>", r#"{"settings": []}"#] {
            let exchanges = vec![answer("GET", "/v1/admin/tenantsettings", 200, &json, body)];
            let h = Harness::new(TestSettings::new().build(), exchanges);
            let f = run(&h.ctx(), &token, &token, &DirectoryFacts::default()).await;
            assert_eq!(f.outcome, crate::check::Outcome::Warn, "{body}");
            assert_eq!(f.signals.get(TENANT_SETTINGS_READ), ["failed"]);
            assert!(f.signals.get(TENANT_SETTINGS_ADMIN_API).is_empty());
        }
    }

    #[tokio::test]
    async fn a_workspace_access_list_is_matched_against_the_principal_and_its_groups() {
        let app = json!({"displayName": "ContosoTestApp", "groupUserAccessRight": "Admin", "identifier": SP, "graphId": SP, "principalType": "App"});
        let group = json!({"displayName": "Data-Eng", "groupUserAccessRight": "Member", "identifier": GROUP, "graphId": GROUP, "principalType": "Group"});
        let user = json!({"displayName": "John Nick", "emailAddress": "john@contoso.com", "groupUserAccessRight": "Admin", "identifier": "john@contoso.com", "graphId": "3fadb6e4-130c-4a8f-aeac-416e38b66756", "principalType": "User"});

        let f = access(json!([user.clone(), app]), &[]).await;
        assert_eq!(f.signals.get(TENANT_SETTINGS_WORKSPACE_ACCESS), ["direct"]);
        let f = access(json!([user.clone(), group.clone()]), &[(GROUP, "Data-Eng")]).await;
        assert_eq!(f.signals.get(TENANT_SETTINGS_WORKSPACE_ACCESS), ["group"]);
        assert!(
            f.summary.contains("a group of the service principal"),
            "{}",
            f.summary
        );
        let f = access(json!([user, group]), &[]).await;
        assert_eq!(f.signals.get(TENANT_SETTINGS_WORKSPACE_ACCESS), ["none"]);
        assert_eq!(f.signals.get(TENANT_SETTINGS_WORKSPACE_WITHOUT_SP), [WS]);

        // The diagnosis confirms the missing access with the real ids in the fix.
        let mut signals = Signals::default();
        signals.extend(&f.signals);
        for (name, value) in [
            (IDENTITY_KIND, "application"),
            (WORKSPACE_API_TARGET_STATUS, "404"),
            (DIRECTORY_SP_OBJECT_ID, SP),
        ] {
            signals.0.insert(name.to_owned(), vec![value.to_owned()]);
        }
        let catalogue = crate::catalogue::Catalogue::embedded().unwrap();
        let d = crate::diagnose::diagnose_signals(&[], &signals, catalogue);
        let cause = d
            .causes
            .iter()
            .find(|c| c.cause.id == "sp-not-in-workspace")
            .expect("sp-not-in-workspace");
        assert_eq!(cause.confidence, crate::catalogue::Confidence::Confirmed);
        let fix = cause.fix().join("\n");
        assert!(
            fix.contains(&format!(
                "-Id {WS} -AccessRight Member -PrincipalType App -Identifier {SP}"
            )),
            "{fix}"
        );
    }

    #[test]
    fn a_switch_is_judged_by_its_groups_and_the_principals() {
        let member = vec![("g1".to_owned(), "Data-Eng".to_owned())];
        let on = |enabled: Value, excluded: Value| {
            json!({"settingName": "AllowServicePrincipalsUseReadAdminAPIs", "enabled": true,
                   "enabledSecurityGroups": enabled, "excludedSecurityGroups": excluded})
        };
        use serde_json::Value;
        assert_eq!(judge(&json!({"enabled": false}), Some(&member)), "off");
        assert_eq!(judge(&json!({"enabled": true}), Some(&member)), "allowed");
        assert_eq!(
            judge(
                &on(json!([{"graphId": "g2", "name": "PBI"}]), json!([])),
                Some(&member)
            ),
            "not-in-group"
        );
        assert_eq!(
            judge(
                &on(json!([{"graphId": "G1", "name": "x"}]), json!([])),
                Some(&member)
            ),
            "allowed"
        );
        assert_eq!(
            judge(&on(json!([]), json!([{"graphId": "g1"}])), Some(&member)),
            "excluded"
        );
        assert_eq!(
            judge(&on(json!([{"graphId": "g2"}]), json!([])), None),
            "membership-unknown"
        );
    }
}

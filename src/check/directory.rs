//! ## What it checks
//! The second look, in Microsoft Graph, with the administrator's Graph token: for an application
//! caller, the app's service principal (its object id), the security groups it is in (transitive,
//! so nested groups count), its app role assignments on the Power BI Service principal (role ids
//! named from that principal's `appRoles`, read at run time), its delegated grants, and the app
//! registration's secret and certificate end dates; for a delegated caller, the user's active
//! directory roles (group-based ones included: `transitiveMemberOf`). GET only, each read once;
//! a list follows `@odata.nextLink` on Graph's own origin, at most [`MAX_PAGES`] pages.
//! ## Evidence collected
//! Each read's status and `request-id`; what it found.
//! ## Requires
//! An administrator's identity (`--admin-auth`, `--admin-graph-token-file`) and a usable token
//! check. A refused read names the permission the administrator lacks (least privileged, facts
//! §7) and the run goes on; a throttled one (429) stops the Graph reads, never retried.

use serde_json::Value;
use url::Url;

use crate::check::signal::*;
use crate::check::{CheckId, Context, Finding, Outcome};
use crate::secret::Secret;
use crate::transport::{Request, Retry};

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    DIRECTORY_SP_OBJECT_ID,
    DIRECTORY_SP,
    DIRECTORY_READ,
    DIRECTORY_GROUPS,
    DIRECTORY_POWERBI_SP_ID,
    DIRECTORY_POWERBI_APP_ROLES,
    DIRECTORY_POWERBI_ROLE_ASSIGNMENT,
    DIRECTORY_DELEGATED_GRANTS,
    DIRECTORY_CREDENTIAL_EXPIRY,
    DIRECTORY_CREDENTIAL_ENDS,
    DIRECTORY_CREDENTIAL_DAYS_LEFT,
    DIRECTORY_USER_ADMIN,
    DIRECTORY_MISSING_PERMISSION,
    DIRECTORY_THROTTLED,
];

/// The Power BI Service application's id, the same in every tenant.
pub const POWERBI_APP_ID: &str = "00000009-0000-0000-c000-000000000000";

/// Pages a list read follows at most (4 MiB each): 500 groups at Graph's default page size,
/// and a bound on what a hostile nextLink chain can make the run hold.
pub const MAX_PAGES: usize = 5;

/// Days before its end at which a secret or certificate is reported as ending soon.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// What the tenant-settings check needs from this one.
#[derive(Clone, Debug, Default)]
pub struct DirectoryFacts {
    /// The service principal's object id.
    pub sp_object_id: Option<String>,
    /// Its security groups (id, name), when they were read.
    pub groups: Option<Vec<(String, String)>>,
}

/// How one read ended.
enum Read {
    Ok(Vec<Value>),
    NotFound,
    Refused,
    Throttled(Option<String>),
    Failed(String),
}

struct Graph<'a, 'c> {
    ctx: &'a Context<'c>,
    token: &'a Secret,
    base: &'a Url,
    throttled: bool,
}

impl Graph<'_, '_> {
    fn url(&self, path: &str) -> Url {
        crate::settings::endpoint(self.base, path)
    }

    /// One GET (and its next pages): the objects of a `value` list, or the object itself.
    async fn get(&mut self, finding: &mut Finding, path: &str) -> Read {
        if self.throttled {
            return Read::Failed("not asked: Graph throttled an earlier read".to_owned());
        }
        let mut url = self.url(path);
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let label = format!("GET {}", self.ctx.redactor.clean(url.as_str()));
            let sent = self
                .ctx
                .transport
                .send(Request::get(url.clone(), self.token.clone(), Retry::ONCE))
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    finding.evidence(label, e.to_string());
                    return Read::Failed(e.to_string());
                }
            };
            let mut shown = format!("HTTP {}", response.status);
            if let Some(id) = response.header("request-id") {
                shown.push_str(&format!(", request-id: {}", self.ctx.redactor.clean(id)));
            }
            let code = serde_json::from_str::<Value>(&response.body)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/code")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            if let Some(code) = &code {
                shown.push_str(&format!(", {}", self.ctx.redactor.clean(code)));
            }
            finding.evidence(label, shown);
            match response.status {
                200 => {}
                404 => return Read::NotFound,
                429 => {
                    self.throttled = true;
                    return Read::Throttled(response.header("Retry-After").map(str::to_owned));
                }
                401 | 403 => return Read::Refused,
                other => return Read::Failed(format!("HTTP {other}")),
            }
            let Ok(body) = serde_json::from_str::<Value>(&response.body) else {
                return Read::Failed("the answer is not JSON".to_owned());
            };
            match body.get("value").and_then(Value::as_array) {
                Some(list) => items.extend(list.iter().cloned()),
                None => return Read::Ok(vec![body]),
            }
            // The next page only on Graph's own origin: the token goes nowhere else.
            match body
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .and_then(|n| Url::parse(n).ok())
            {
                Some(next) if next.origin() == self.base.origin() => url = next,
                _ => return Read::Ok(items),
            }
        }
        Read::Ok(items)
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Records a read that gave nothing: the permission it needed, or the throttling.
fn not_read(
    finding: &mut Finding,
    read: &Read,
    permission: &str,
    what: &str,
    gaps: &mut Vec<String>,
) {
    match read {
        Read::Refused => {
            finding.signal(DIRECTORY_MISSING_PERMISSION, permission);
            gaps.push(format!(
                "{what}: the administrator's identity lacks {permission}"
            ));
        }
        Read::Throttled(after) => {
            finding.signal(
                DIRECTORY_THROTTLED,
                after.clone().unwrap_or_else(|| "unknown".to_owned()),
            );
            gaps.push(format!("{what}: Microsoft Graph throttled the read (429)"));
        }
        Read::NotFound => gaps.push(format!("{what}: not found")),
        Read::Failed(why) => gaps.push(format!("{what}: {why}")),
        Read::Ok(_) => {}
    }
}

/// Runs the Graph reads. `kind` is the diagnosed caller's (`identity.kind`), `oid` its object id
/// claim.
pub async fn run(
    ctx: &Context<'_>,
    token: &Result<Secret, String>,
    kind: Option<&str>,
    oid: Option<&str>,
    client_id: Option<&str>,
) -> (Finding, DirectoryFacts) {
    let mut finding = Finding::new(CheckId::Directory, Outcome::Pass, "");
    let mut facts = DirectoryFacts::default();
    let token = match token {
        Ok(t) => t,
        Err(why) => {
            finding.outcome = Outcome::Warn;
            finding.summary = format!("the directory was not read: {why}");
            return (finding, facts);
        }
    };
    let mut graph = Graph {
        ctx,
        token,
        base: &ctx.settings.graph_api,
        throttled: false,
    };
    let mut gaps = Vec::new();
    let mut found = Vec::new();
    if kind == Some("delegated") {
        if let Some(oid) = oid {
            user_roles(&mut graph, &mut finding, oid, &mut gaps, &mut found).await;
        }
    } else if let Some(client_id) = client_id {
        app_reads(
            &mut graph,
            &mut finding,
            client_id,
            &mut facts,
            &mut gaps,
            &mut found,
        )
        .await;
    } else {
        gaps.push("no client id to look the service principal up by".to_owned());
    }
    finding.summary = match (found.is_empty(), gaps.is_empty()) {
        (_, true) => format!("read back from the directory: {}", found.join("; ")),
        (true, false) => {
            finding.outcome = Outcome::Warn;
            format!("the directory could not be read: {}", gaps.join("; "))
        }
        (false, false) => {
            finding.outcome = Outcome::Warn;
            format!(
                "read back from the directory: {}; not read: {}",
                found.join("; "),
                gaps.join("; ")
            )
        }
    };
    if finding
        .signals
        .get(DIRECTORY_CREDENTIAL_EXPIRY)
        .iter()
        .any(|v| v != "valid")
    {
        finding.outcome = Outcome::Warn;
    }
    (finding, facts)
}

async fn user_roles(
    graph: &mut Graph<'_, '_>,
    finding: &mut Finding,
    oid: &str,
    gaps: &mut Vec<String>,
    found: &mut Vec<String>,
) {
    let read = graph
        .get(finding, &format!("/v1.0/users/{oid}/transitiveMemberOf"))
        .await;
    let Read::Ok(items) = &read else {
        not_read(
            finding,
            &read,
            "Directory.Read.All",
            "the user's directory roles",
            gaps,
        );
        return;
    };
    finding.signal(DIRECTORY_READ, "user-roles");
    let roles: Vec<&(&str, &str, &str, bool)> = items
        .iter()
        .filter(|i| text(i, "@odata.type").as_deref() == Some("#microsoft.graph.directoryRole"))
        .filter_map(|i| text(i, "roleTemplateId"))
        .filter_map(|t| {
            crate::check::identity_kind::DIRECTORY_ROLES
                .iter()
                .find(|(id, ..)| id.eq_ignore_ascii_case(&t))
        })
        .collect();
    let admin = roles.iter().any(|(_, _, _, admin)| *admin);
    finding.signal(DIRECTORY_USER_ADMIN, admin.to_string());
    found.push(if roles.is_empty() {
        "the user holds none of the directory roles that matter here".to_owned()
    } else {
        format!(
            "the user holds {}",
            crate::words::list(&roles.iter().map(|r| r.2.to_owned()).collect::<Vec<_>>())
        )
    });
}

async fn app_reads(
    graph: &mut Graph<'_, '_>,
    finding: &mut Finding,
    client_id: &str,
    facts: &mut DirectoryFacts,
    gaps: &mut Vec<String>,
    found: &mut Vec<String>,
) {
    let client_id = client_id.trim();
    if !crate::shape::is_guid(client_id) {
        gaps.push("the client id is not a GUID to look the service principal up by".to_owned());
        return;
    }
    let read = graph
        .get(
            finding,
            &format!("/v1.0/servicePrincipals(appId='{client_id}')?$select=id,appId,displayName"),
        )
        .await;
    let sp = match &read {
        Read::Ok(items) => items.first().and_then(|i| text(i, "id")),
        Read::NotFound => {
            finding.signal(DIRECTORY_READ, "service-principal");
            finding.signal(DIRECTORY_SP, "not-found");
            found.push(format!(
                "the app {client_id} has no service principal in the tenant"
            ));
            return;
        }
        _ => None,
    };
    let Some(sp) = sp.filter(|id| crate::shape::is_guid(id)) else {
        not_read(
            finding,
            &read,
            "Application.Read.All",
            "the service principal",
            gaps,
        );
        return;
    };
    finding.signal(DIRECTORY_READ, "service-principal");
    finding.signal(DIRECTORY_SP, "found");
    finding.signal(DIRECTORY_SP_OBJECT_ID, sp.clone());
    facts.sp_object_id = Some(sp.clone());
    found.push(format!("service principal {sp}"));

    // Security groups, nested ones included.
    let read = graph
        .get(
            finding,
            &format!("/v1.0/servicePrincipals/{sp}/transitiveMemberOf"),
        )
        .await;
    if let Read::Ok(items) = &read {
        finding.signal(DIRECTORY_READ, "groups");
        let groups: Vec<(String, String)> = items
            .iter()
            .filter(|i| text(i, "@odata.type").as_deref() == Some("#microsoft.graph.group"))
            .filter(|i| i.get("securityEnabled").and_then(Value::as_bool) != Some(false))
            .filter_map(|i| {
                let id = text(i, "id")?;
                // Without the right to read a group, Graph gives its id alone.
                let name = text(i, "displayName").unwrap_or_else(|| id.clone());
                Some((id, name))
            })
            .collect();
        for (id, name) in &groups {
            finding.signal(DIRECTORY_GROUPS, format!("{id} {name}"));
        }
        found.push(format!(
            "member of {}",
            crate::words::count(groups.len() as u64, "security group", "security groups")
        ));
        facts.groups = Some(groups);
    } else {
        not_read(finding, &read, "Application.Read.All", "its groups", gaps);
    }

    // The Power BI Service principal: its id, and the names of its app roles.
    let read = graph
        .get(
            finding,
            &format!("/v1.0/servicePrincipals(appId='{POWERBI_APP_ID}')?$select=id,appRoles"),
        )
        .await;
    let powerbi = match &read {
        Read::Ok(items) => items.first().cloned(),
        _ => {
            not_read(
                finding,
                &read,
                "Application.Read.All",
                "the Power BI Service principal",
                gaps,
            );
            None
        }
    };
    if let Some(powerbi) = powerbi.as_ref()
        && let Some(powerbi_id) = text(powerbi, "id")
    {
        finding.signal(DIRECTORY_POWERBI_SP_ID, powerbi_id.clone());
        let role_name = |role_id: &str| -> String {
            powerbi
                .get("appRoles")
                .and_then(Value::as_array)
                .and_then(|roles| {
                    roles
                        .iter()
                        .find(|r| text(r, "id").is_some_and(|id| id.eq_ignore_ascii_case(role_id)))
                })
                .and_then(|r| text(r, "value"))
                .unwrap_or_else(|| role_id.to_owned())
        };
        let read = graph
            .get(
                finding,
                &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignments"),
            )
            .await;
        if let Read::Ok(items) = &read {
            finding.signal(DIRECTORY_READ, "app-roles");
            let mut names = Vec::new();
            for a in items.iter().filter(|a| {
                text(a, "resourceId").is_some_and(|r| r.eq_ignore_ascii_case(&powerbi_id))
            }) {
                let name = role_name(&text(a, "appRoleId").unwrap_or_default());
                finding.signal(DIRECTORY_POWERBI_APP_ROLES, name.clone());
                if let Some(id) = text(a, "id") {
                    finding.signal(DIRECTORY_POWERBI_ROLE_ASSIGNMENT, id);
                }
                names.push(name);
            }
            found.push(if names.is_empty() {
                "no Power BI application permission".to_owned()
            } else {
                format!(
                    "Power BI application permissions {}",
                    crate::words::list(&names)
                )
            });
        } else {
            not_read(
                finding,
                &read,
                "Application.Read.All",
                "its app role assignments",
                gaps,
            );
        }
        let read = graph
            .get(
                finding,
                &format!("/v1.0/servicePrincipals/{sp}/oauth2PermissionGrants"),
            )
            .await;
        if let Read::Ok(items) = &read {
            finding.signal(DIRECTORY_READ, "grants");
            for g in items.iter().filter(|g| {
                text(g, "resourceId").is_some_and(|r| r.eq_ignore_ascii_case(&powerbi_id))
            }) {
                for scope in text(g, "scope").unwrap_or_default().split_whitespace() {
                    finding.signal(DIRECTORY_DELEGATED_GRANTS, scope);
                }
            }
        } else {
            not_read(
                finding,
                &read,
                "Directory.Read.All",
                "its delegated grants",
                gaps,
            );
        }
    }

    // The app registration's secrets and certificates. A multitenant app's registration lives in
    // its home tenant: 404 here.
    let read = graph
        .get(
            finding,
            &format!(
                "/v1.0/applications(appId='{client_id}')?$select=passwordCredentials,keyCredentials"
            ),
        )
        .await;
    match &read {
        Read::Ok(items) => {
            finding.signal(DIRECTORY_READ, "application");
            if let Some(app) = items.first() {
                credentials(graph.ctx.now, app, finding, found);
            }
        }
        Read::NotFound => found.push(
            "the app registration is not in this tenant (a multitenant app): its secrets were not read"
                .to_owned(),
        ),
        _ => not_read(finding, &read, "Application.Read.All", "the app registration", gaps),
    }
}

/// Judges the app's secrets and certificates by their end dates.
fn credentials(now: i64, app: &Value, finding: &mut Finding, found: &mut Vec<String>) {
    let ends: Vec<i64> = ["passwordCredentials", "keyCredentials"]
        .iter()
        .filter_map(|k| app.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| text(c, "endDateTime"))
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.timestamp())
        .collect();
    if ends.is_empty() {
        return;
    }
    let Some(soonest) = ends.iter().copied().filter(|e| *e > now).min() else {
        finding.signal(DIRECTORY_CREDENTIAL_EXPIRY, "expired");
        found.push("every secret and certificate of the app has ended".to_owned());
        return;
    };
    let days = (soonest - now) / 86_400;
    let date = chrono::DateTime::from_timestamp(soonest, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    finding.signal(
        DIRECTORY_CREDENTIAL_EXPIRY,
        if days < EXPIRY_WARNING_DAYS {
            "expiring-soon"
        } else {
            "valid"
        },
    );
    finding.signal(DIRECTORY_CREDENTIAL_ENDS, date.clone());
    finding.signal(DIRECTORY_CREDENTIAL_DAYS_LEFT, days.to_string());
    found.push(format!(
        "the soonest-ending secret or certificate ends on {date}"
    ));
}

#[cfg(test)]
mod tests {
    //! Hostile Graph answers, on the replay harness: a nextLink to another origin is not
    //! followed (the administrator's Graph token goes to Graph only).

    use serde_json::json;

    use super::run;
    use crate::check::signal::*;
    use crate::check::testing::{CLIENT_ID, Harness, ODATA_JSON, TestSettings, answer};
    use crate::secret::Secret;

    #[tokio::test]
    async fn a_next_link_to_another_origin_is_not_followed() {
        let sp = "5d0b6c4e-1f2a-4b3c-8d9e-0a1b2c3d4e5f";
        let json = [("Content-Type", ODATA_JSON)];
        let exchanges = vec![
            answer(
                "GET",
                &format!(
                    "/v1.0/servicePrincipals(appId='{CLIENT_ID}')?$select=id,appId,displayName"
                ),
                200,
                &json,
                &json!({"id": sp, "appId": CLIENT_ID, "displayName": "app"}).to_string(),
            ),
            answer(
                "GET",
                &format!("/v1.0/servicePrincipals/{sp}/transitiveMemberOf"),
                200,
                &json,
                &json!({
                    "value": [{"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Data-Eng", "securityEnabled": true}],
                    "@odata.nextLink": "https://evil.example/v1.0/servicePrincipals/x/transitiveMemberOf?$skiptoken=2"
                })
                .to_string(),
            ),
        ];
        let h = Harness::new(TestSettings::new().build(), exchanges);
        let token = Ok(Secret::new("admin-graph-token-for-tests"));
        let (f, facts) = run(&h.ctx(), &token, Some("application"), None, Some(CLIENT_ID)).await;
        assert_eq!(f.signals.get(DIRECTORY_SP_OBJECT_ID), [sp]);
        assert_eq!(f.signals.get(DIRECTORY_GROUPS), ["g1 Data-Eng"]);
        assert_eq!(facts.groups.as_deref().map(<[_]>::len), Some(1));
        assert!(!f.evidence.iter().any(|e| e.label.contains("evil.example")));
    }
}

//! ## What it checks
//! What the caller can reach on Fabric's REST API (facts §4.4–4.6, §6.4):
//! `GET {fabric}/v1/workspaces` (the workspaces this identity can see), and for each
//! `--workspace`, `GET {fabric}/v1/workspaces/{id}`, which needs Viewer or above. No Fabric API
//! shows the caller's own role on a workspace without more rights (role assignments need a
//! higher role), so a workspace that answers is reported as "Viewer or above".
//!
//! No admin probe on the Fabric side: Fabric's admin reads (`/v1/admin/workspaces`, `/v1/admin/items`,
//! 200 an hour) are rate-limited per tenant like the Power BI admin API, and the one with a
//! generous limit (`/v1/admin/tenantsettings`, 25 a minute) needs a Fabric administrator, which the
//! identity being diagnosed rarely is; the Power BI admin probe already answers whether the admin
//! APIs accept it.
//! ## Evidence collected
//! For each call: status, `requestid`, `x-ms-public-api-error-code`, the Fabric error shape
//! (`errorCode`, `message`, `moreDetails`, `relatedResource`, `isRetriable`, `requestId`),
//! `Retry-After`; the workspaces listed and whether each `--workspace` is among them.
//! ## Requires
//! A token whose audience Fabric accepts (Fabric's own or Power BI's) and valid claims; runs
//! with `--api fabric` or `--api both`.

use serde_json::Value;

use crate::apis::Apis;
use crate::check::identity_kind::{Kind, kind};
use crate::check::probe::{Answer, Shape, Unlisted, probe_shaped, refusal_words};
use crate::check::signal::{self, Probe, ProbeField};
use crate::check::{CheckId, Context, Finding, Outcome, Probes, Skip, TokenInHand};
use crate::settings::endpoint;
use crate::transport::Retry;

const LIST: [&str; 8] = Probe::FabricList.signals();
const TARGET: [&str; 8] = Probe::FabricTarget.signals();

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    LIST[0],
    LIST[1],
    LIST[2],
    LIST[3],
    LIST[4],
    LIST[5],
    LIST[6],
    LIST[7],
    TARGET[0],
    TARGET[1],
    TARGET[2],
    TARGET[3],
    TARGET[4],
    TARGET[5],
    TARGET[6],
    TARGET[7],
    signal::FABRIC_API_LISTED,
    signal::FABRIC_API_REACHABLE,
    signal::FABRIC_API_TARGET_LISTED,
    signal::FABRIC_API_RETRIABLE,
];

/// How many workspace calls are in flight at once, as on the Power BI side.
pub(crate) const IN_FLIGHT: usize = super::workspace_api::IN_FLIGHT;

/// Whether the run shows this check at all: only when Fabric is asked for and the APIs are
/// called. Offline commands and `--api powerbi` runs show no Fabric line.
pub fn shown(apis: Apis, probes: &Probes) -> bool {
    apis.fabric() && matches!(probes, Probes::Run { .. })
}

/// Why the Power BI probes do not run, beyond the chain's own reasons: `--api fabric`, or a
/// Fabric-audience token in a run of both families (Power BI's `/v1.0/myorg` paths refuse it,
/// facts §1.3; the scope check says so).
pub fn powerbi_skip(apis: Apis, findings: &[Finding]) -> Option<Skip> {
    if !apis.powerbi() {
        return Some(Skip::Flag("--api fabric"));
    }
    let fabric_token = findings
        .iter()
        .any(|f| f.check == CheckId::Scope && f.signals.get(signal::SCOPE_AUDIENCE) == ["fabric"]);
    (fabric_token && apis.fabric()).then_some(Skip::Check(CheckId::Scope))
}

/// Whether a URL is a Fabric REST call (`/v1/…`, not Power BI's `/v1.0/…`), whatever the host:
/// `api.fabric.microsoft.com` serves both families.
pub fn is_fabric_url(url: &url::Url) -> bool {
    let path = url.path();
    path == "/v1" || path.starts_with("/v1/")
}

/// The Fabric API family a path belongs to, for people: what refused an identity type.
pub fn api_family(path: &str) -> &'static str {
    let path = path.to_ascii_lowercase();
    let has = |part: &str| path.split('/').any(|p| p == part);
    if has("admin") {
        "Fabric's admin API"
    } else if has("git") {
        "Fabric's Git integration API"
    } else if has("deploymentpipelines") {
        "Fabric's deployment pipelines API"
    } else if has("connections") {
        "Fabric's connections API"
    } else if has("items") {
        "Fabric's items API"
    } else if has("workspaces") {
        "Fabric's workspaces API"
    } else {
        "Fabric's REST API"
    }
}

/// Reads what the Fabric error shape carries beyond code and message (facts §4.4):
/// `moreDetails`, `relatedResource`, `isRetriable`. Called by the probe on a refusal.
pub(super) fn read_details(ctx: &Context<'_>, finding: &mut Finding, body: &str) {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body.trim()) else {
        return;
    };
    if !map.contains_key("errorCode") {
        return;
    }
    let resource = |v: &Value| {
        let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("?");
        format!("{} {}", field("resourceType"), field("resourceId"))
    };
    if let Some(details) = map.get("moreDetails").and_then(Value::as_array) {
        let shown: Vec<String> = details
            .iter()
            .take(5)
            .map(|d| {
                let code = d.get("errorCode").and_then(Value::as_str).unwrap_or("?");
                let message = d.get("message").and_then(Value::as_str).unwrap_or("");
                match d.get("relatedResource") {
                    Some(r) => format!("{code}: {message} ({})", resource(r)),
                    None => format!("{code}: {message}"),
                }
            })
            .collect();
        if !shown.is_empty() {
            finding.evidence("moreDetails", ctx.redactor.clean(&shown.join("; ")));
        }
    }
    if let Some(r) = map.get("relatedResource") {
        finding.evidence("relatedResource", ctx.redactor.clean(&resource(r)));
    }
    if let Some(retriable) = map.get("isRetriable").and_then(Value::as_bool) {
        finding.signal(signal::FABRIC_API_RETRIABLE, retriable.to_string());
        finding.evidence("isRetriable", retriable.to_string());
    }
}

fn part() -> Finding {
    Finding::new(CheckId::FabricApi, Outcome::Pass, "")
}

/// Runs the probes: the list and each `--workspace`, a few at a time.
pub async fn run(ctx: &Context<'_>, token: &TokenInHand) -> Finding {
    let api = &ctx.settings.fabric_api;
    let list = async {
        let mut finding = part();
        let answer = probe_shaped(
            ctx,
            &mut finding,
            Probe::FabricList,
            endpoint(api, "/v1/workspaces"),
            token,
            Retry::TRANSIENT,
            Shape::List,
        )
        .await;
        (finding, answer)
    };
    let targets = ctx.settings.workspaces.iter().map(|id| async move {
        let mut finding = part();
        let url = endpoint(api, &format!("/v1/workspaces/{id}"));
        let answer = probe_shaped(
            ctx,
            &mut finding,
            Probe::FabricTarget,
            url,
            token,
            Retry::TRANSIENT,
            Shape::Object,
        )
        .await;
        (finding, answer)
    });
    let (listed, targets) = tokio::join!(
        list,
        crate::check::join_bounded(targets.collect(), IN_FLIGHT)
    );
    judge(ctx, token, listed, targets)
}

/// Why a refusal matters, beyond its code: the API family that refuses an identity type.
fn refusal(finding: &Finding, which: Probe, status: u16, path: &str) -> String {
    let words = refusal_words(finding, which, status);
    let code = finding.signals.get(which.signal(ProbeField::ErrorCode));
    if code.iter().any(|c| c == "PrincipalTypeNotSupported") {
        format!(
            "{words} ({} does not accept this identity type)",
            api_family(path)
        )
    } else {
        words
    }
}

/// A named workspace the caller's Fabric list leaves out.
const UNLISTED: Unlisted = Unlisted {
    signal: signal::FABRIC_API_TARGET_LISTED,
    answered: "not in the list Fabric gave for the caller, but its own call succeeded",
    refused: "not among the workspaces Fabric lists for the caller",
};

fn judge(
    ctx: &Context<'_>,
    token: &TokenInHand,
    (list_finding, list_answer): (Finding, Answer),
    targets: Vec<(Finding, Answer)>,
) -> Finding {
    let mut finding = part();
    let mut problems: Vec<String> = Vec::new();
    let mut unverified: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    merge(&mut finding, &list_finding);
    let application = matches!(&token.decoded, Ok(jwt) if kind(&jwt.claims) == Kind::Application);

    let listed: Option<Vec<(String, String)>> = match list_answer {
        Answer::Success(response) => {
            let workspaces = parse_workspaces(&response.body);
            finding.signal(signal::FABRIC_API_LISTED, workspaces.len().to_string());
            let names: Vec<String> = workspaces
                .iter()
                .take(5)
                .map(|(id, name)| format!("{name} ({id})"))
                .collect();
            finding.evidence(
                "workspaces listed",
                ctx.redactor.clean(&format!(
                    "{}{}",
                    workspaces.len(),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", names.join(", "))
                    }
                )),
            );
            let words = format!(
                "Fabric lists {}",
                crate::words::count(workspaces.len() as u64, "workspace", "workspaces")
            );
            if workspaces.is_empty() && application {
                warnings.push(format!("{words}: the caller has a role in no workspace"));
            } else {
                notes.push(words);
            }
            Some(workspaces)
        }
        Answer::Redirected(status) => {
            warnings.push(format!(
                "Fabric's workspace list redirected (HTTP {status})"
            ));
            None
        }
        Answer::Refused(status) => {
            problems.push(format!(
                "Fabric refused to list workspaces: {}",
                refusal(&list_finding, Probe::FabricList, status, "/v1/workspaces")
            ));
            None
        }
        Answer::Unreadable(why) | Answer::Unverified(why) => {
            unverified.push(format!("listing workspaces on Fabric: {why}"));
            None
        }
    };

    for (id, (target, answer)) in ctx.settings.workspaces.iter().zip(targets) {
        UNLISTED.judge(&mut finding, listed.as_deref(), id, &answer);
        merge(&mut finding, &target);
        match answer {
            Answer::Success(_) => {
                finding.signal(signal::FABRIC_API_REACHABLE, id.clone());
                // Get Workspace needs Viewer or above (facts §6.4); no field names the role.
                finding.evidence(format!("role in {id}"), "Viewer or above");
                notes.push(format!("workspace {id} reachable (Viewer or above)"));
            }
            Answer::Redirected(status) => {
                warnings.push(format!("workspace {id} redirected (HTTP {status})"))
            }
            Answer::Refused(status) => problems.push(format!(
                "Fabric refused workspace {id}: {}",
                refusal(&target, Probe::FabricTarget, status, "/v1/workspaces")
            )),
            Answer::Unreadable(why) | Answer::Unverified(why) => {
                unverified.push(format!("workspace {id} on Fabric: {why}"))
            }
        }
    }

    (finding.outcome, finding.summary) = if !problems.is_empty() {
        (Outcome::Fail, problems.join("; "))
    } else if !unverified.is_empty() {
        (
            Outcome::Error,
            format!("no verdict: {}", unverified.join("; ")),
        )
    } else if !warnings.is_empty() {
        (Outcome::Warn, warnings.join("; "))
    } else {
        (Outcome::Pass, notes.join("; "))
    };
    finding
}

fn merge(finding: &mut Finding, part: &Finding) {
    finding.evidence.extend(part.evidence.iter().cloned());
    finding.signals.extend(&part.signals);
}

/// (id, displayName) of each workspace in Fabric's `{"value":[…]}` list.
fn parse_workspaces(body: &str) -> Vec<(String, String)> {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    value
        .get("value")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|w| {
                    let field = |k: &str| w.get(k).and_then(Value::as_str);
                    (
                        field("id").unwrap_or("?").to_owned(),
                        field("displayName")
                            .or_else(|| field("name"))
                            .unwrap_or("?")
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    //! Which families run, and the Fabric URL helpers; the probes themselves are judged end to
    //! end by the wiremock scenarios in `tests/it/fabric.rs`.

    use super::{api_family, is_fabric_url, parse_workspaces, powerbi_skip};
    use crate::apis::Apis;
    use crate::check::{CheckId, Finding, Outcome, Skip};

    #[test]
    fn fabric_urls_are_v1_paths_whatever_the_host() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert!(is_fabric_url(&url(
            "https://api.fabric.microsoft.com/v1/workspaces"
        )));
        assert!(is_fabric_url(&url(
            "https://api.powerbigov.us/v1/admin/tenantsettings"
        )));
        assert!(!is_fabric_url(&url(
            "https://api.fabric.microsoft.com/v1.0/myorg/groups"
        )));
        assert!(!is_fabric_url(&url(
            "https://api.powerbi.com/v1.0/myorg/groups"
        )));
    }

    #[test]
    fn the_family_is_named_from_the_path() {
        assert_eq!(
            api_family("/v1/workspaces/1/git/connect"),
            "Fabric's Git integration API"
        );
        assert_eq!(
            api_family("/v1/deploymentPipelines/1/deploy"),
            "Fabric's deployment pipelines API"
        );
        assert_eq!(api_family("/v1/admin/domains"), "Fabric's admin API");
        assert_eq!(api_family("/v1/workspaces"), "Fabric's workspaces API");
    }

    #[test]
    fn power_bi_probes_stop_for_fabric_only_runs_and_fabric_tokens() {
        assert_eq!(
            powerbi_skip(Apis::Fabric, &[]),
            Some(Skip::Flag("--api fabric"))
        );
        assert_eq!(powerbi_skip(Apis::Both, &[]), None);
        let mut scope = Finding::new(CheckId::Scope, Outcome::Warn, "");
        scope.signal("scope.audience", "fabric");
        assert_eq!(
            powerbi_skip(Apis::Both, std::slice::from_ref(&scope)),
            Some(Skip::Check(CheckId::Scope))
        );
        assert_eq!(powerbi_skip(Apis::PowerBi, &[scope]), None);
    }

    /// The ErrorResponse schema of facts §4.4, every optional field present.
    #[test]
    fn the_fabric_error_shape_is_read_whole() {
        use crate::check::testing::{Harness, TestSettings, evidence, signal};
        let h = Harness::new(TestSettings::new().build(), Vec::new());
        let mut f = Finding::new(CheckId::FabricApi, Outcome::Fail, "");
        super::read_details(
            &h.ctx(),
            &mut f,
            r#"{"requestId":"r-1","errorCode":"InsufficientWorkspaceRole","message":"m","moreDetails":[{"errorCode":"Forbidden","message":"d1","relatedResource":{"resourceId":"w-1","resourceType":"Workspace"}}],"relatedResource":{"resourceId":"w-1","resourceType":"Workspace"},"isRetriable":true}"#,
        );
        assert_eq!(
            evidence(&f, "moreDetails"),
            Some("Forbidden: d1 (Workspace w-1)")
        );
        assert_eq!(evidence(&f, "relatedResource"), Some("Workspace w-1"));
        assert_eq!(signal(&f, "fabric_api.retriable"), ["true"]);
        // Not Fabric's shape: nothing read.
        let mut g = Finding::new(CheckId::FabricApi, Outcome::Fail, "");
        super::read_details(&h.ctx(), &mut g, r#"{"error":{"code":"TokenExpired"}}"#);
        assert!(g.evidence.is_empty() && g.signals.0.is_empty());
    }

    #[test]
    fn workspaces_are_read_by_display_name() {
        assert_eq!(
            parse_workspaces(r#"{"value":[{"id":"a","displayName":"Sales","type":"Workspace"}]}"#),
            [("a".to_owned(), "Sales".to_owned())]
        );
        assert!(parse_workspaces("not json").is_empty());
    }
}

//! ## What it checks
//! What the caller can reach as a workspace member: `GET {api}/v1.0/myorg/groups` (for a service
//! principal an empty list means it was added to no workspace), and for each `--workspace`,
//! `GET {api}/v1.0/myorg/groups/{id}/datasets`, a call scoped to that workspace.
//! ## Evidence collected
//! For each call: status, `RequestId`, `X-PowerBI-Error-Info`, error code and message; the number
//! of workspaces listed and whether each `--workspace` is among them.
//! ## Requires
//! A token for Power BI whose claims are valid.

use crate::check::identity_kind::{Kind, kind};
use crate::check::probe::{Answer, probe, refusal_words};
use crate::check::signal::Probe;
use crate::check::{CheckId, Context, Finding, Outcome, TokenInHand, signal};
use crate::settings::endpoint;
use crate::transport::Retry;

const LIST: [&str; 8] = Probe::WorkspaceList.signals();
const TARGET: [&str; 8] = Probe::WorkspaceTarget.signals();

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
    signal::WORKSPACE_API_COUNT,
    signal::WORKSPACE_API_TARGET_LISTED,
    signal::WORKSPACE_API_LISTED,
    signal::WORKSPACE_API_REACHABLE,
];

/// How many workspace calls are in flight at once: enough that a hanging workspace costs the run
/// one timeout, few enough not to hammer the API.
const IN_FLIGHT: usize = 4;

/// One probe's own finding, merged into the check's in `--workspace` order.
fn part() -> Finding {
    Finding::new(CheckId::WorkspaceApi, Outcome::Pass, "")
}

/// Runs the probes: the list and each `--workspace`, a few at a time.
pub async fn run(ctx: &Context<'_>, token: &TokenInHand) -> Finding {
    let api = &ctx.settings.powerbi_api;
    let list = async {
        let mut finding = part();
        let answer = probe(
            ctx,
            &mut finding,
            Probe::WorkspaceList,
            endpoint(api, "/v1.0/myorg/groups"),
            token,
            Retry::TRANSIENT,
        )
        .await;
        (finding, answer)
    };
    let targets = ctx.settings.workspaces.iter().map(|id| async move {
        let mut finding = part();
        let url = endpoint(api, &format!("/v1.0/myorg/groups/{id}/datasets"));
        let answer = probe(
            ctx,
            &mut finding,
            Probe::WorkspaceTarget,
            url,
            token,
            Retry::TRANSIENT,
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

/// Turns the answers into the check's finding: evidence and signals in call order.
fn judge(
    ctx: &Context<'_>,
    token: &TokenInHand,
    (list_finding, list_answer): (Finding, Answer),
    targets: Vec<(Finding, Answer)>,
) -> Finding {
    let mut finding = part();
    let mut problems: Vec<String> = Vec::new();
    let mut unverified: Vec<(String, String)> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    merge(&mut finding, &list_finding);

    let listed: Option<Vec<(String, String)>> = match list_answer {
        Answer::Success(response) => {
            let workspaces = parse_workspaces(&response.body);
            finding.signal(
                signal::WORKSPACE_API_COUNT,
                if workspaces.is_empty() { "0" } else { "some" },
            );
            finding.signal(signal::WORKSPACE_API_LISTED, workspaces.len().to_string());
            let names: Vec<String> = workspaces
                .iter()
                .take(5)
                .map(|(id, name)| format!("{name} ({id})"))
                .collect();
            finding.evidence(
                "workspaces listed",
                format!(
                    "{}{}",
                    workspaces.len(),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", names.join(", "))
                    }
                ),
            );
            if workspaces.is_empty() {
                if matches!(&token.decoded, Ok(jwt) if kind(&jwt.claims) == Kind::Application) {
                    warnings.push("the caller is a member of no workspace".to_owned());
                } else {
                    notes.push("the caller is a member of no workspace".to_owned());
                }
            } else {
                notes.push(format!("{} workspace(s) listed", workspaces.len()));
            }
            Some(workspaces)
        }
        Answer::Redirected(status) => {
            warnings.push(format!("the workspace list redirected (HTTP {status})"));
            None
        }
        Answer::Refused(status) => {
            problems.push(format!(
                "listing workspaces was refused: {}",
                refusal_words(&list_finding, Probe::WorkspaceList, status)
            ));
            None
        }
        Answer::Unreadable(why) | Answer::Unverified(why) => {
            unverified.push(("listing workspaces".to_owned(), why));
            None
        }
    };

    for (id, (target, answer)) in ctx.settings.workspaces.iter().zip(targets) {
        if let Some(list) = &listed
            && !list
                .iter()
                .any(|(listed_id, _)| listed_id.eq_ignore_ascii_case(id))
        {
            finding.signal(signal::WORKSPACE_API_TARGET_LISTED, "no");
            finding.evidence(
                format!("workspace {id}"),
                "not among the workspaces the caller is a member of",
            );
        }
        merge(&mut finding, &target);
        match answer {
            Answer::Success(_) => {
                finding.signal(signal::WORKSPACE_API_REACHABLE, id.clone());
                notes.push(format!("workspace {id} reachable"));
            }
            Answer::Redirected(status) => {
                warnings.push(format!("workspace {id} redirected (HTTP {status})"))
            }
            Answer::Refused(status) => problems.push(format!(
                "workspace {id} refused: {}",
                refusal_words(&target, Probe::WorkspaceTarget, status)
            )),
            Answer::Unreadable(why) | Answer::Unverified(why) => {
                unverified.push((format!("workspace {id}"), why))
            }
        }
    }

    (finding.outcome, finding.summary) = if !problems.is_empty() {
        (Outcome::Fail, problems.join("; "))
    } else if !unverified.is_empty() {
        (
            Outcome::Error,
            format!("no verdict: {}", grouped(unverified)),
        )
    } else if !warnings.is_empty() {
        (Outcome::Warn, warnings.join("; "))
    } else {
        (Outcome::Pass, notes.join("; "))
    };
    finding
}

/// "a, b: why; c: other" — calls that came out the same way named once, in call order.
fn grouped(items: Vec<(String, String)>) -> String {
    let mut groups: Vec<(Vec<String>, String)> = Vec::new();
    for (what, why) in items {
        match groups.iter_mut().find(|(_, w)| *w == why) {
            Some((whats, _)) => whats.push(what),
            None => groups.push((vec![what], why)),
        }
    }
    groups
        .into_iter()
        .map(|(whats, why)| format!("{}: {why}", whats.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Adds one probe's evidence and signals to the check's finding.
fn merge(finding: &mut Finding, part: &Finding) {
    finding.evidence.extend(part.evidence.iter().cloned());
    finding.signals.extend(&part.signals);
}

/// (id, name) of each workspace in a `{"value":[…]}` list.
fn parse_workspaces(body: &str) -> Vec<(String, String)> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    value
        .get("value")
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .map(|w| {
                    let field =
                        |k: &str| w.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
                    (field("id"), field("name"))
                })
                .collect()
        })
        .unwrap_or_default()
}

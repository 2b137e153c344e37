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
use crate::check::probe::{Answer, Unlisted, probe, refusal_words};
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
    signal::WORKSPACE_API_ROUTE,
];

/// How many workspace calls are in flight at once (besides the list and the admin call): enough
/// that 50 workspaces take two round trips (with 16 they took four: 2.05 times one workspace's
/// run at 50 ms a request) and a hanging workspace costs the run one timeout, few enough not to
/// hammer the API. Over HTTP/2 they share one connection; over HTTP/1.1 each in flight holds
/// one of the pool's connections, reused by the next.
pub(crate) const IN_FLIGHT: usize = 25;

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

/// A named workspace the caller's list leaves out.
const UNLISTED: Unlisted = Unlisted {
    signal: signal::WORKSPACE_API_TARGET_LISTED,
    answered: "not in the list of the caller's workspaces, but its own call succeeded",
    refused: "not among the workspaces the caller is a member of",
};

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
                notes.push(format!(
                    "{} listed",
                    crate::words::count(workspaces.len() as u64, "workspace", "workspaces")
                ));
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
        UNLISTED.judge(&mut finding, listed.as_deref(), id, &answer);
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

#[cfg(test)]
mod tests {
    //! The workspace check judged on its finding, against the answers the fixtures recorded: the
    //! list and each `--workspace`, merged in `--workspace` order into one verdict.

    use super::run;
    use crate::check::testing::{
        API, EMPTY_LIST, GROUPS_SALES, Harness, NOW, ODATA_JSON, SALES, TestSettings, answer,
        app_claims, assert_clean, evidence, no_answer, pbi_error, signal, token, user_claims,
    };
    use crate::check::{Finding, Outcome};
    use crate::session::{Exchange, NetworkKind};

    const GROUPS: &str = "/v1.0/myorg/groups";
    /// The workspace of `user-not-in-workspace`.
    const OTHER: &str = "3d9b93c6-7b6d-4801-a491-1738910904fd";
    const CONNECT: &str = "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)";

    fn datasets(id: &str) -> String {
        format!("/v1.0/myorg/groups/{id}/datasets")
    }

    fn ok(path: &str, body: &str) -> Exchange {
        answer("GET", path, 200, &[("Content-Type", ODATA_JSON)], body)
    }

    fn refused(path: &str, status: u16, code: &str) -> Exchange {
        answer(
            "GET",
            path,
            status,
            &[("Content-Type", "application/json; charset=utf-8")],
            &pbi_error(code),
        )
    }

    async fn workspaces(
        ids: &[&str],
        claims: serde_json::Value,
        exchanges: Vec<Exchange>,
    ) -> Finding {
        let h = Harness::new(TestSettings::new().workspaces(ids).build(), exchanges);
        let token = h.token_in_hand(&token(&claims));
        let finding = run(&h.ctx(), &token).await;
        assert_clean(&finding, &[]);
        finding
    }

    #[tokio::test]
    async fn a_listed_and_reachable_workspace_passes() {
        let finding = workspaces(
            &[SALES],
            app_claims(NOW),
            vec![ok(GROUPS, GROUPS_SALES), ok(&datasets(SALES), EMPTY_LIST)],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(
            finding.summary,
            format!("1 workspace listed; workspace {SALES} reachable")
        );
        assert_eq!(signal(&finding, "workspace_api.count"), ["some"]);
        assert_eq!(signal(&finding, "workspace_api.listed"), ["1"]);
        assert_eq!(signal(&finding, "workspace_api.reachable"), [SALES]);
        assert_eq!(signal(&finding, "workspace_api.status"), ["200"]);
        assert_eq!(signal(&finding, "workspace_api.target_status"), ["200"]);
        assert!(signal(&finding, "workspace_api.target_listed").is_empty());
        assert_eq!(
            evidence(&finding, "workspaces listed"),
            Some(format!("1: Sales ({SALES})").as_str())
        );
    }

    #[tokio::test]
    async fn a_workspace_that_answers_is_reachable_though_the_list_leaves_it_out() {
        // A list cut short or behind a new membership: the workspace's own call decides, and
        // nothing says the caller lacks access.
        let other = "00000000-0000-4000-8000-0000000000b2";
        let finding = workspaces(
            &[SALES, other],
            app_claims(NOW),
            vec![
                ok(GROUPS, GROUPS_SALES),
                ok(&datasets(SALES), EMPTY_LIST),
                ok(&datasets(other), EMPTY_LIST),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Pass, "{}", finding.summary);
        assert!(signal(&finding, "workspace_api.target_listed").is_empty());
        assert_eq!(signal(&finding, "workspace_api.reachable"), [SALES, other]);
        assert_eq!(
            evidence(&finding, &format!("workspace {other}")),
            Some("not in the list of the caller's workspaces, but its own call succeeded")
        );
    }

    #[tokio::test]
    async fn a_service_principal_in_no_workspace_is_refused_the_one_named() {
        // `sp-not-in-workspace`.
        let finding = workspaces(
            &[SALES],
            app_claims(NOW),
            vec![
                ok(GROUPS, EMPTY_LIST),
                refused(&datasets(SALES), 401, "PowerBINotAuthorizedException"),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            format!("workspace {SALES} refused: HTTP 401 PowerBINotAuthorizedException")
        );
        assert_eq!(signal(&finding, "workspace_api.count"), ["0"]);
        assert_eq!(signal(&finding, "workspace_api.listed"), ["0"]);
        assert_eq!(signal(&finding, "workspace_api.target_listed"), ["no"]);
        assert_eq!(signal(&finding, "workspace_api.target_status"), ["401"]);
        assert_eq!(
            signal(&finding, "workspace_api.target_error_code"),
            ["PowerBINotAuthorizedException"]
        );
        assert!(signal(&finding, "workspace_api.reachable").is_empty());
        assert_eq!(
            evidence(&finding, &format!("workspace {SALES}")),
            Some("not among the workspaces the caller is a member of")
        );
    }

    #[tokio::test]
    async fn group_not_accessible_is_read_from_the_header() {
        // `sp-not-in-workspace-group-not-accessible`: an empty body, the reason in a header.
        let finding = workspaces(
            &[SALES],
            app_claims(NOW),
            vec![
                ok(GROUPS, EMPTY_LIST),
                answer(
                    "GET",
                    &datasets(SALES),
                    401,
                    &[
                        ("Content-Type", "application/octet-stream"),
                        ("X-PowerBI-Error-Info", "GroupNotAccessible"),
                        ("RequestId", "c5c284fa-fa3f-5ec4-9a29-f607f028b828"),
                    ],
                    "",
                ),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            format!("workspace {SALES} refused: HTTP 401 GroupNotAccessible")
        );
        assert_eq!(
            signal(&finding, "workspace_api.target_error_info"),
            ["GroupNotAccessible"]
        );
        assert_eq!(signal(&finding, "workspace_api.target_body"), ["empty"]);
    }

    #[tokio::test]
    async fn a_workspace_that_does_not_exist_is_refused_with_404() {
        // `workspace-not-found`.
        let missing = "c1a2b3d4-0000-4000-8000-0000000000ee";
        let finding = workspaces(
            &[missing],
            app_claims(NOW),
            vec![
                ok(GROUPS, GROUPS_SALES),
                refused(&datasets(missing), 404, "PowerBIEntityNotFound"),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            format!("workspace {missing} refused: HTTP 404 PowerBIEntityNotFound")
        );
        assert_eq!(signal(&finding, "workspace_api.target_status"), ["404"]);
        assert_eq!(signal(&finding, "workspace_api.target_listed"), ["no"]);
    }

    #[tokio::test]
    async fn an_empty_list_warns_for_an_application_and_not_for_a_user() {
        let finding = workspaces(&[], app_claims(NOW), vec![ok(GROUPS, EMPTY_LIST)]).await;
        assert_eq!(finding.outcome, Outcome::Warn);
        assert_eq!(finding.summary, "the caller is a member of no workspace");
        assert_eq!(evidence(&finding, "workspaces listed"), Some("0"));
        let finding = workspaces(&[], user_claims(NOW), vec![ok(GROUPS, EMPTY_LIST)]).await;
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(finding.summary, "the caller is a member of no workspace");
    }

    #[tokio::test]
    async fn a_refused_list_fails_with_the_tenant_switch() {
        // `sp-api-access-disabled`.
        let finding = workspaces(
            &[],
            app_claims(NOW),
            vec![answer(
                "GET",
                GROUPS,
                401,
                &[
                    ("Content-Type", "application/octet-stream"),
                    (
                        "X-PowerBI-Error-Info",
                        "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
                    ),
                    ("RequestId", "ad8b30fb-6f1c-5972-93d5-03035b3e2978"),
                ],
                "",
            )],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "listing workspaces was refused: HTTP 401 ServicePrincipalIsNotAllowedByTenantAdminSwitch"
        );
        assert_eq!(
            signal(&finding, "workspace_api.error_info"),
            ["ServicePrincipalIsNotAllowedByTenantAdminSwitch"]
        );
        assert!(signal(&finding, "workspace_api.count").is_empty());
    }

    #[tokio::test]
    async fn calls_without_an_answer_are_no_verdict_named_once() {
        // `network-error-api`.
        let finding = workspaces(
            &[SALES],
            app_claims(NOW),
            vec![
                no_answer("GET", GROUPS, NetworkKind::Connect, CONNECT),
                no_answer("GET", &datasets(SALES), NetworkKind::Connect, CONNECT),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Error);
        assert_eq!(
            finding.summary,
            format!(
                "no verdict: listing workspaces, workspace {SALES}: no answer: the connection was refused or reset"
            )
        );
        assert_eq!(signal(&finding, "workspace_api.network"), ["connect"]);
        assert_eq!(
            signal(&finding, "workspace_api.target_network"),
            ["connect"]
        );
        // Nothing listed: whether the workspace is among them is not known, so not claimed.
        assert!(signal(&finding, "workspace_api.target_listed").is_empty());
    }

    #[tokio::test]
    async fn several_workspaces_are_reported_in_the_order_named() {
        // `healthy-service-principal` and `user-not-in-workspace` together.
        let finding = workspaces(
            &[OTHER, SALES],
            user_claims(NOW),
            vec![
                ok(GROUPS, GROUPS_SALES),
                ok(&datasets(SALES), EMPTY_LIST),
                refused(&datasets(OTHER), 401, "PowerBINotAuthorizedException"),
            ],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            format!("workspace {OTHER} refused: HTTP 401 PowerBINotAuthorizedException")
        );
        assert_eq!(signal(&finding, "workspace_api.reachable"), [SALES]);
        let labels: Vec<&str> = finding.evidence.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                format!("GET {API}{GROUPS}").as_str(),
                "workspaces listed",
                &format!("workspace {OTHER}"),
                &format!("GET {API}{}", datasets(OTHER)),
                &format!("GET {API}{}", datasets(SALES)),
            ]
        );
    }
}

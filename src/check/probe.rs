//! What the API probes share: one GET with the token, and reading its answer into evidence and
//! the probe's signals ([`Probe`]: `admin_api.`, `workspace_api.`, `workspace_api.target_`):
//! status, error code (every body shape and the Fabric headers), `X-PowerBI-Error-Info`, message,
//! body kind, `Retry-After`, a `WWW-Authenticate` challenge, or the network failure. A 2xx whose
//! body is not the whole JSON list every probed call returns is "could not be read", never an
//! empty list.

use url::Url;

use crate::api_error::{self, BodyKind};
use crate::check::signal::{Probe, ProbeField};
use crate::check::token_acquisition::{excerpt, network_words};
use crate::check::{Context, Finding, TokenInHand};
use crate::transport::{Failure, Request, Response, Retry};

/// How a probe came out.
pub(super) enum Answer {
    /// 2xx with the `{"value":[…]}` list every probed call returns: the response.
    Success(Response),
    /// 2xx whose body could not be read (cut off, not JSON, not a list): why.
    Unreadable(String),
    /// 3xx: redirected (to the home cluster, usually).
    Redirected(u16),
    /// 4xx, including 429: refused. A throttled call is a finding, not a failure to run: the
    /// jobs that depend on this API are refused the same way right now.
    Refused(u16),
    /// No verdict: server error, no answer, or not in the session.
    Unverified(String),
}

/// How a `--workspace` missing from the caller's list is worded: the evidence when its own call
/// succeeded, and when it did not (then the `target_listed` signal marks it).
pub(super) struct Unlisted {
    /// The check's `…target_listed` signal.
    pub(super) signal: &'static str,
    /// Evidence for a workspace whose own call succeeded.
    pub(super) answered: &'static str,
    /// Evidence for one whose call did not.
    pub(super) refused: &'static str,
}

impl Unlisted {
    /// Records workspace `id` if `listed` (the list, when it was read) leaves it out. Its own call
    /// decides: one that succeeded is reachable whatever the list says (a list can be cut short
    /// or lag behind a new membership), so only the others are marked as not the caller's.
    pub(super) fn judge(
        &self,
        finding: &mut Finding,
        listed: Option<&[(String, String)]>,
        id: &str,
        answer: &Answer,
    ) {
        let Some(list) = listed else {
            return;
        };
        if list
            .iter()
            .any(|(listed_id, _)| listed_id.eq_ignore_ascii_case(id))
        {
            return;
        }
        let words = if matches!(answer, Answer::Success(_)) {
            self.answered
        } else {
            finding.signal(self.signal, "no");
            self.refused
        };
        finding.evidence(format!("workspace {id}"), words);
    }
}

/// What a successful answer must hold to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// The `{"value":[…]}` list of the list calls.
    List,
    /// One JSON object with an `id` (Fabric's `GET /v1/workspaces/{id}`).
    Object,
}

/// Sends one GET and records what came back as `which`'s signals.
pub(super) async fn probe(
    ctx: &Context<'_>,
    finding: &mut Finding,
    which: Probe,
    url: Url,
    token: &TokenInHand,
    retry: Retry,
) -> Answer {
    probe_shaped(ctx, finding, which, url, token, retry, Shape::List).await
}

/// [`probe`] of a call whose success has the given shape.
pub(super) async fn probe_shaped(
    ctx: &Context<'_>,
    finding: &mut Finding,
    which: Probe,
    url: Url,
    token: &TokenInHand,
    retry: Retry,
    shape: Shape,
) -> Answer {
    let label = format!("GET {}", ctx.redactor.clean(url.as_str()));
    let request_url = url.clone();
    let result = ctx
        .transport
        .send(Request::get(url, token.secret.clone(), retry))
        .await;
    let signal = |finding: &mut Finding, field: ProbeField, value: String| {
        finding.signal(which.signal(field), value)
    };
    let response = match result {
        Ok(response) => response,
        Err(Failure::Network {
            kind,
            message,
            attempts,
        }) => {
            signal(finding, ProbeField::Network, kind.signal().to_owned());
            finding.evidence(
                label,
                format!(
                    "no answer: {} ({message}; {})",
                    network_words(kind),
                    crate::words::count(u64::from(attempts), "attempt", "attempts")
                ),
            );
            return Answer::Unverified(format!("no answer: {}", network_words(kind)));
        }
        Err(other) => {
            finding.evidence(label, other.to_string());
            return Answer::Unverified(other.to_string());
        }
    };
    let status = response.status;
    let mut facts = vec![format!("HTTP {status}")];
    for name in [
        "RequestId",
        "X-PowerBI-Error-Info",
        "X-PowerBI-Error-Details",
        "x-ms-public-api-error-code",
        "Retry-After",
        "home-cluster-uri",
        "Location",
    ] {
        if let Some(value) = response.header(name) {
            let value = ctx.redactor.clean(value);
            facts.push(if name == "Retry-After" {
                format!("{name}: {}", crate::words::retry_after(&value))
            } else {
                format!("{name}: {value}")
            });
        }
    }
    if response.attempts > 1 {
        facts.push(format!("{} attempts", response.attempts));
    }
    if (200..300).contains(&status) {
        signal(finding, ProbeField::Status, status.to_string());
        let Some(why) = unreadable(&response, shape) else {
            finding.evidence(label, facts.join(", "));
            return Answer::Success(response);
        };
        signal(finding, ProbeField::Body, body_kind(&response).to_owned());
        facts.push(why.clone());
        if !response.body.trim().is_empty() {
            facts.push(format!(
                "body: {}",
                excerpt(&ctx.redactor.clean(&response.body))
            ));
        }
        finding.evidence(label, facts.join(", "));
        return Answer::Unreadable(format!(
            "HTTP {status} came, but the answer could not be read: {why}"
        ));
    }
    let header = |name: &str| response.header(name).map(str::to_owned);
    let error = api_error::parse(&response.body, header);
    api_error::signal_into(finding, which, Some(status), &error, header, None);
    // `truncated` when the body was cut: its kind would describe only the part read.
    signal(finding, ProbeField::Body, body_kind(&response).to_owned());
    if let Some(challenge) = response
        .header("WWW-Authenticate")
        .and_then(api_error::challenge_error)
    {
        facts.push(format!("WWW-Authenticate error: {challenge}"));
    }
    if let Some(id) = &error.request_id {
        facts.push(format!("requestId: {}", ctx.redactor.clean(id)));
    }
    if let Some(why) = response.incomplete() {
        facts.push(why);
    }
    facts.push(match BodyKind::of(&response.body) {
        BodyKind::Empty => "empty body".to_owned(),
        _ => format!("body: {}", excerpt(&ctx.redactor.clean(&response.body))),
    });
    finding.evidence(label, facts.join(", "));
    // Fabric's error shape carries more than code and message; shown after the call it explains.
    if matches!(which, Probe::FabricList | Probe::FabricTarget) {
        super::fabric_api::read_details(ctx, finding, &response.body);
    }
    match status {
        // Redirected to itself: no cluster to name and nothing to judge.
        300..=399 if redirects_to_itself(&response, &request_url) => Answer::Unverified(format!(
            "HTTP {status} redirects to the same URL: a redirect loop, no answer to judge"
        )),
        300..=399 => Answer::Redirected(status),
        400..=499 => Answer::Refused(status),
        _ => Answer::Unverified(format!("server error (HTTP {status})")),
    }
}

/// Whether a redirect's `Location` is the URL that was asked for.
fn redirects_to_itself(response: &Response, asked: &Url) -> bool {
    response
        .header("Location")
        .and_then(|l| asked.join(l.trim()).ok())
        .is_some_and(|to| &to == asked)
}

/// The `<probe>.body` signal: `truncated` when the body is not whole, else its kind.
fn body_kind(response: &Response) -> &'static str {
    if response.truncated {
        "truncated"
    } else {
        BodyKind::of(&response.body).signal()
    }
}

/// Why a 2xx answer is not what the probed call returns (the `{"value":[…]}` list, or one
/// object with an `id`), if it is not.
fn unreadable(response: &Response, shape: Shape) -> Option<String> {
    if let Some(why) = response.incomplete() {
        return Some(why);
    }
    let value = serde_json::from_str::<serde_json::Value>(&response.body).ok();
    let readable = match shape {
        Shape::List => {
            value.is_some_and(|v| v.get("value").is_some_and(serde_json::Value::is_array))
        }
        Shape::Object => {
            value.is_some_and(|v| v.get("id").is_some_and(serde_json::Value::is_string))
        }
    };
    if readable {
        return None;
    }
    Some(
        match BodyKind::of(&response.body) {
            BodyKind::Empty => "the body is empty",
            BodyKind::Html => "the body is an HTML page, as a proxy or sign-in page sends",
            BodyKind::Json if shape == Shape::Object => "the body is JSON without an `id`",
            BodyKind::Json => "the body is JSON without the `value` list",
            BodyKind::Text => "the body is not JSON",
        }
        .to_owned(),
    )
}

/// A short description of a refusal for a summary line: status plus the most telling code.
pub(super) fn refusal_words(finding: &Finding, which: Probe, status: u16) -> String {
    let first = |field: ProbeField| finding.signals.get(which.signal(field)).first().cloned();
    let detail = first(ProbeField::ErrorInfo)
        .or_else(|| first(ProbeField::ErrorCode))
        .or_else(|| first(ProbeField::Message));
    match detail {
        Some(d) => format!("HTTP {status} {d}"),
        None => format!(
            "HTTP {status} with {}",
            first(ProbeField::Body)
                .as_deref()
                .and_then(BodyKind::words)
                .unwrap_or("no detail")
        ),
    }
}

#[cfg(test)]
mod tests {
    //! One probe against recorded answers: which [`Answer`] it gives, and the evidence and
    //! signals it leaves under its prefix. The checks' own tests judge the summaries.

    use super::{Answer, probe, refusal_words};
    use crate::check::signal::Probe;
    use crate::check::testing::{
        API, EMPTY_LIST, GROUPS_SALES, Harness, NOW, ODATA_JSON, PBI_TOKEN_EXPIRED, PROXY_502_HTML,
        TestSettings, answer, app_claims, assert_clean, evidence, no_answer, signal, token,
    };
    use crate::check::{CheckId, Finding, Outcome};
    use crate::session::{Exchange, NetworkKind};
    use crate::transport::Retry;

    const GROUPS: &str = "/v1.0/myorg/groups";

    /// Probes `GET {api}/v1.0/myorg/groups` under `workspace_api.`; the answer and the finding.
    async fn probe_groups(exchanges: Vec<Exchange>) -> (Answer, Finding) {
        let h = Harness::new(TestSettings::new().build(), exchanges);
        let token = h.token_in_hand(&token(&app_claims(NOW)));
        let mut finding = Finding::new(CheckId::WorkspaceApi, Outcome::Pass, "");
        let url = url::Url::parse(&format!("{API}{GROUPS}")).unwrap();
        let answer = probe(
            &h.ctx(),
            &mut finding,
            Probe::WorkspaceList,
            url,
            &token,
            Retry::TRANSIENT,
        )
        .await;
        assert_clean(&finding, &[]);
        (answer, finding)
    }

    fn label() -> String {
        format!("GET {API}{GROUPS}")
    }

    #[tokio::test]
    async fn a_list_is_a_success_and_an_empty_list_is_still_a_list() {
        for body in [GROUPS_SALES, EMPTY_LIST] {
            let (got, finding) = probe_groups(vec![answer(
                "GET",
                GROUPS,
                200,
                &[
                    ("Content-Type", ODATA_JSON),
                    ("RequestId", "2aacbc49-3812-5bbf-b057-a7ce44716fe4"),
                ],
                body,
            )])
            .await;
            let Answer::Success(response) = got else {
                panic!("{body} is a list");
            };
            assert_eq!(response.body, body);
            assert_eq!(signal(&finding, "workspace_api.status"), ["200"]);
            assert!(signal(&finding, "workspace_api.body").is_empty());
            assert_eq!(
                evidence(&finding, &label()),
                Some("HTTP 200, RequestId: 2aacbc49-3812-5bbf-b057-a7ce44716fe4")
            );
        }
    }

    #[tokio::test]
    async fn a_page_in_place_of_the_list_is_unreadable_not_empty() {
        // The proxy's page of `network-error-proxy-html`, as a captive portal sends it with 200.
        let (got, finding) = probe_groups(vec![answer(
            "GET",
            GROUPS,
            200,
            &[("Content-Type", "text/html")],
            PROXY_502_HTML,
        )])
        .await;
        let Answer::Unreadable(why) = got else {
            panic!("a page is not a list");
        };
        assert_eq!(
            why,
            "HTTP 200 came, but the answer could not be read: the body is an HTML page, as a proxy or sign-in page sends"
        );
        assert_eq!(signal(&finding, "workspace_api.status"), ["200"]);
        assert_eq!(signal(&finding, "workspace_api.body"), ["html"]);
        let shown = evidence(&finding, &label()).expect("the call's evidence");
        assert!(shown.contains("body: <html>"), "{shown}");
    }

    #[tokio::test]
    async fn a_refusal_reads_headers_and_body() {
        let (got, finding) = probe_groups(vec![answer(
            "GET",
            GROUPS,
            403,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-PowerBI-Error-Info", "TokenExpired"),
                ("RequestId", "52b42ca8-da51-5e8a-aa95-6f0a20360899"),
            ],
            PBI_TOKEN_EXPIRED,
        )])
        .await;
        assert!(matches!(got, Answer::Refused(403)));
        assert_eq!(signal(&finding, "workspace_api.status"), ["403"]);
        assert_eq!(
            signal(&finding, "workspace_api.error_code"),
            ["TokenExpired"]
        );
        assert_eq!(
            signal(&finding, "workspace_api.error_info"),
            ["TokenExpired"]
        );
        assert_eq!(signal(&finding, "workspace_api.body"), ["json"]);
        let shown = evidence(&finding, &label()).expect("the call's evidence");
        for part in [
            "HTTP 403",
            "RequestId: 52b42ca8-da51-5e8a-aa95-6f0a20360899",
            "X-PowerBI-Error-Info: TokenExpired",
            "body: {\"error\":{\"code\":\"TokenExpired\"",
        ] {
            assert!(shown.contains(part), "{part} missing from {shown}");
        }
        assert_eq!(
            refusal_words(&finding, Probe::WorkspaceList, 403),
            "HTTP 403 TokenExpired"
        );
    }

    #[tokio::test]
    async fn a_server_error_is_no_verdict() {
        let (got, finding) = probe_groups(vec![answer(
            "GET",
            GROUPS,
            502,
            &[("Content-Type", "text/html")],
            PROXY_502_HTML,
        )])
        .await;
        let Answer::Unverified(why) = got else {
            panic!("a 502 is no verdict");
        };
        assert_eq!(why, "server error (HTTP 502)");
        assert_eq!(signal(&finding, "workspace_api.status"), ["502"]);
        assert_eq!(signal(&finding, "workspace_api.body"), ["html"]);
    }

    #[tokio::test]
    async fn no_answer_records_the_network_failure() {
        let (got, finding) = probe_groups(vec![no_answer(
            "GET",
            GROUPS,
            NetworkKind::Timeout,
            "error sending request: operation timed out",
        )])
        .await;
        let Answer::Unverified(why) = got else {
            panic!("no answer is no verdict");
        };
        assert_eq!(why, "no answer: it did not answer in time");
        assert_eq!(signal(&finding, "workspace_api.network"), ["timeout"]);
        assert!(signal(&finding, "workspace_api.status").is_empty());
        assert_eq!(
            evidence(&finding, &label()),
            Some(
                "no answer: it did not answer in time (error sending request: operation timed out; 1 attempt)"
            )
        );
    }

    #[tokio::test]
    async fn a_call_missing_from_a_session_is_no_verdict_with_no_signal() {
        let (got, finding) = probe_groups(Vec::new()).await;
        let Answer::Unverified(why) = got else {
            panic!("not recorded is no verdict");
        };
        assert_eq!(
            why,
            format!("the session has no recorded answer for GET {API}{GROUPS}")
        );
        assert!(finding.signals.0.is_empty());
        assert_eq!(evidence(&finding, &label()), Some(why.as_str()));
    }

    #[test]
    fn refusal_words_prefer_error_info_then_code_then_message_then_body() {
        let mut finding = Finding::new(CheckId::AdminApi, Outcome::Fail, "");
        assert_eq!(
            refusal_words(&finding, Probe::Admin, 401),
            "HTTP 401 with no detail"
        );
        finding.signal("admin_api.body", "empty");
        assert_eq!(
            refusal_words(&finding, Probe::Admin, 429),
            "HTTP 429 with an empty body"
        );
        finding.signal("admin_api.message", "Access token has expired");
        assert_eq!(
            refusal_words(&finding, Probe::Admin, 403),
            "HTTP 403 Access token has expired"
        );
        finding.signal("admin_api.error_code", "TokenExpired");
        assert_eq!(
            refusal_words(&finding, Probe::Admin, 403),
            "HTTP 403 TokenExpired"
        );
        finding.signal("admin_api.error_info", "GroupNotAccessible");
        assert_eq!(
            refusal_words(&finding, Probe::Admin, 401),
            "HTTP 401 GroupNotAccessible"
        );
    }
}

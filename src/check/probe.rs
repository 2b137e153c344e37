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

/// Sends one GET and records what came back as `which`'s signals.
pub(super) async fn probe(
    ctx: &Context<'_>,
    finding: &mut Finding,
    which: Probe,
    url: Url,
    token: &TokenInHand,
    retry: Retry,
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
                    "no answer: {} ({message}; {attempts} attempt(s))",
                    network_words(kind)
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
            facts.push(format!("{name}: {}", ctx.redactor.clean(value)));
        }
    }
    if response.attempts > 1 {
        facts.push(format!("{} attempts", response.attempts));
    }
    if (200..300).contains(&status) {
        signal(finding, ProbeField::Status, status.to_string());
        let Some(why) = unreadable(&response) else {
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

/// Why a 2xx answer is not the `{"value":[…]}` list the probed calls return, if it is not.
fn unreadable(response: &Response) -> Option<String> {
    if let Some(why) = response.incomplete() {
        return Some(why);
    }
    let list = serde_json::from_str::<serde_json::Value>(&response.body)
        .ok()
        .is_some_and(|v| v.get("value").is_some_and(serde_json::Value::is_array));
    if list {
        return None;
    }
    Some(
        match BodyKind::of(&response.body) {
            BodyKind::Empty => "the body is empty",
            BodyKind::Html => "the body is an HTML page, as a proxy or sign-in page sends",
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
                .map(|b| format!("{b} body"))
                .unwrap_or_else(|| "no detail".to_owned())
        ),
    }
}

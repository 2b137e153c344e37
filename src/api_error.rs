//! The error answers of the Power BI and Fabric REST APIs (facts §4): the three Power BI body
//! shapes (`{"error":{"code","message"}}`, the `pbi.error` form, `{"Message":…}`), the inner
//! `pbi.error` object some wrappers print alone, the Fabric `errorCode` shape, and empty or HTML
//! bodies; plus the headers that carry the same information.

use serde_json::Value;

use crate::check::signal::{Probe, ProbeField};

/// What kind of body came back. The names are the `*.body` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A JSON document.
    Json,
    /// Nothing (common on 401/403 from Power BI).
    Empty,
    /// An HTML page: a proxy, a firewall or a sign-in page answered.
    Html,
    /// Other text.
    Text,
}

impl BodyKind {
    /// The signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Empty => "empty",
            Self::Html => "html",
            Self::Text => "text",
        }
    }

    /// What a `*.body` signal value means, for people: "an empty body", "an HTML page"; also
    /// `truncated`, which is no kind but a body not read whole.
    pub fn words(value: &str) -> Option<&'static str> {
        Some(match value {
            "json" => "a JSON body",
            "empty" => "an empty body",
            "html" => "an HTML page",
            "text" => "a body that is not JSON",
            "truncated" => "a body cut off before its end",
            _ => return None,
        })
    }

    /// Classifies a body.
    pub fn of(body: &str) -> Self {
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            Self::Empty
        } else if trimmed.starts_with('<') {
            Self::Html
        } else if serde_json::from_str::<Value>(trimmed).is_ok() {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// The error information in an API answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiError {
    /// `error.code`, `pbi.error.code`, Fabric `errorCode`, or the `x-ms-public-api-error-code` /
    /// `x-ms-error-code` header.
    pub code: Option<String>,
    /// `error.message`, `Message`/`message` or Fabric `message`.
    pub message: Option<String>,
    /// Fabric's `requestId` in the body.
    pub request_id: Option<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn from_error_object(obj: &serde_json::Map<String, Value>) -> ApiError {
    let pbi_code = obj.get("pbi.error").and_then(|p| text(p.get("code")));
    ApiError {
        code: text(obj.get("code")).or(pbi_code),
        message: text(obj.get("message")).or_else(|| text(obj.get("Message"))),
        request_id: None,
    }
}

/// Parses an API error body. Unknown JSON shapes and non-JSON bodies give an empty [`ApiError`].
pub fn parse_body(body: &str) -> ApiError {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body.trim()) else {
        return ApiError::default();
    };
    if let Some(Value::Object(inner)) = map.get("error") {
        return from_error_object(inner);
    }
    if map.contains_key("errorCode") {
        return ApiError {
            code: text(map.get("errorCode")),
            message: text(map.get("message")),
            request_id: text(map.get("requestId")),
        };
    }
    if map.contains_key("pbi.error") || (map.contains_key("code") && !map.contains_key("value")) {
        return from_error_object(&map);
    }
    ApiError {
        code: None,
        message: text(map.get("Message")).or_else(|| text(map.get("message"))),
        request_id: None,
    }
}

/// Parses an answer: body first, then the Fabric error-code headers for a missing code.
pub fn parse(body: &str, header: impl Fn(&str) -> Option<String>) -> ApiError {
    let mut error = parse_body(body);
    if error.code.is_none() {
        error.code = header("x-ms-public-api-error-code").or_else(|| header("x-ms-error-code"));
    }
    error
}

/// Names the signals of an API answer as `probe`'s fields (`admin_api.`, `workspace_api.`,
/// `workspace_api.target_`): the one reading shared by the live probes, replay and `explain`, so
/// an answer means the same thing whichever way it arrived. `body` is the kind of body when it
/// was seen (a paste often shows none).
pub fn signal_into(
    finding: &mut crate::check::Finding,
    probe: Probe,
    status: Option<u16>,
    error: &ApiError,
    header: impl Fn(&str) -> Option<String>,
    body: Option<BodyKind>,
) {
    let mut signal = |field: ProbeField, value: String| {
        finding.signal(probe.signal(field), value);
    };
    if let Some(status) = status {
        signal(ProbeField::Status, status.to_string());
    }
    // A message the index knows is named in its canonical wording (whatever the server's
    // punctuation or a wrapper's changes), with the code the service documents beside it.
    let known = error
        .message
        .as_deref()
        .and_then(crate::explain::messages::api_message);
    match (&error.code, known.and_then(|k| k.api_code())) {
        (Some(code), _) => signal(ProbeField::ErrorCode, code.clone()),
        (None, Some(code)) => signal(ProbeField::ErrorCode, code.to_owned()),
        (None, None) => {}
    }
    if let Some(message) = &error.message {
        let message = known.map_or_else(|| message.clone(), |k| k.text.clone());
        signal(ProbeField::Message, message);
    }
    if let Some(info) = header("X-PowerBI-Error-Info") {
        signal(ProbeField::ErrorInfo, info.trim().to_owned());
    }
    if let Some(after) = header("Retry-After") {
        signal(ProbeField::RetryAfter, after.trim().to_owned());
    }
    if let Some(challenge) = header("WWW-Authenticate").and_then(|h| challenge_error(&h)) {
        signal(ProbeField::Challenge, challenge);
    }
    if let Some(kind) = body {
        signal(ProbeField::Body, kind.signal().to_owned());
    }
}

/// The `error` parameter of a `WWW-Authenticate: Bearer …` challenge, e.g. `insufficient_claims`.
pub fn challenge_error(www_authenticate: &str) -> Option<String> {
    let start = www_authenticate.find("error=")? + "error=".len();
    let rest = www_authenticate[start..].trim_start_matches('"');
    let value: String = rest
        .chars()
        .take_while(|c| *c != '"' && *c != ',' && !c.is_whitespace())
        .collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_known_shape() {
        let simple = parse_body(
            r#"{"error":{"code":"TokenExpired","message":"Access token has expired, resubmit with a new access token"}}"#,
        );
        assert_eq!(simple.code.as_deref(), Some("TokenExpired"));
        let pbi = parse_body(
            r#"{"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}}"#,
        );
        assert_eq!(pbi.code.as_deref(), Some("PowerBINotAuthorizedException"));
        let inner = parse_body(
            r#"{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}"#,
        );
        assert_eq!(inner.code.as_deref(), Some("PowerBINotAuthorizedException"));
        let capital = parse_body(r#"{"Message":"API is not accessible for application"}"#);
        assert_eq!(
            (capital.code, capital.message.as_deref()),
            (None, Some("API is not accessible for application"))
        );
        let fabric = parse_body(
            r#"{"requestId":"r-1","errorCode":"InsufficientScopes","message":"The caller does not have sufficient scopes to perform this operation","isRetriable":false}"#,
        );
        assert_eq!(fabric.code.as_deref(), Some("InsufficientScopes"));
        assert_eq!(fabric.request_id.as_deref(), Some("r-1"));
        assert_eq!(parse_body(""), ApiError::default());
        assert_eq!(parse_body("<html>502</html>"), ApiError::default());
    }

    #[test]
    fn falls_back_to_fabric_headers() {
        let e = parse("", |h| {
            (h == "x-ms-public-api-error-code").then(|| "TokenExpired".to_owned())
        });
        assert_eq!(e.code.as_deref(), Some("TokenExpired"));
    }

    #[test]
    fn classifies_bodies_and_challenges() {
        assert_eq!(BodyKind::of(""), BodyKind::Empty);
        assert_eq!(BodyKind::of("  <!DOCTYPE html>"), BodyKind::Html);
        assert_eq!(BodyKind::of("{}"), BodyKind::Json);
        assert_eq!(BodyKind::of("oops"), BodyKind::Text);
        assert_eq!(
            challenge_error(r#"Bearer authorization_uri="https://login.microsoftonline.com/x", error="insufficient_claims", claims="e30=""#).as_deref(),
            Some("insufficient_claims")
        );
    }
}

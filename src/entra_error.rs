//! The error answers of the Entra ID token endpoint (facts §3.1): `error`, `error_description`,
//! `error_codes`, `timestamp`, `trace_id`, `correlation_id`, optional `error_uri`, `suberror`,
//! `claims`. Codes are also pulled out of free text (`AADSTS7000215: …`) because wrappers often
//! keep only the description.

use serde_json::Value;

use crate::check::signal;

/// A parsed token-endpoint error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntraError {
    /// OAuth `error`, e.g. `invalid_client`.
    pub error: Option<String>,
    /// `error_description`, first line (the AADSTS message without the trailer).
    pub description: Option<String>,
    /// Every AADSTS code, from `error_codes` and the description.
    pub codes: Vec<u32>,
    /// `trace_id` (or the `Trace ID:` line).
    pub trace_id: Option<String>,
    /// `correlation_id` (or the `Correlation ID:` line).
    pub correlation_id: Option<String>,
    /// `timestamp` (or the `Timestamp:` line).
    pub timestamp: Option<String>,
    /// `suberror`, e.g. `consent_required`.
    pub suberror: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
}

impl EntraError {
    /// Names the token-acquisition signals of this error: the one reading shared by the live
    /// token request, replay and `explain`.
    pub fn signal_into(&self, finding: &mut crate::check::Finding, status: Option<u16>) {
        if let Some(status) = status {
            finding.signal(signal::TOKEN_STATUS, status.to_string());
        }
        if let Some(e) = &self.error {
            finding.signal(signal::TOKEN_ERROR, e.clone());
        }
        for code in &self.codes {
            finding.signal(signal::TOKEN_AADSTS, code.to_string());
        }
        if let Some(sub) = &self.suberror {
            finding.signal(signal::TOKEN_SUBERROR, sub.clone());
        }
    }

    /// The AADSTS code to name in a summary, e.g. `AADSTS7000215`.
    pub fn headline_code(&self) -> Option<String> {
        self.codes.first().map(|c| format!("AADSTS{c}"))
    }

    /// The support ids and the message, as evidence lines (label, value).
    pub fn evidence(&self) -> Vec<(&'static str, String)> {
        let mut lines = Vec::new();
        if let Some(description) = &self.description {
            lines.push(("message", description.clone()));
        }
        for (label, value) in [
            ("trace id", &self.trace_id),
            ("correlation id", &self.correlation_id),
            ("timestamp", &self.timestamp),
            ("error uri", &self.error_uri),
        ] {
            if let Some(v) = value {
                lines.push((label, v.clone()));
            }
        }
        lines
    }
}

/// The most AADSTS codes kept from one answer or paste. An Entra answer carries one to three; more
/// means a log of many failures, whose first codes are the ones that matter, and every code
/// becomes a signal value, so an unbounded list would make the diagnosis quadratic.
pub const MAX_CODES: usize = 16;

/// Adds `code` to `codes` unless it is there or the list is full.
fn push_code(codes: &mut Vec<u32>, code: u32) {
    if codes.len() < MAX_CODES && !codes.contains(&code) {
        codes.push(code);
    }
}

/// The first [`MAX_CODES`] distinct `AADSTS<digits>` codes in `text`, in order. Linear: the search
/// resumes after each code, and the list it checks for duplicates is bounded.
pub fn aadsts_codes_in(text: &str) -> Vec<u32> {
    let mut codes = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while codes.len() < MAX_CODES
        && let Some(pos) = text[i..].find("AADSTS")
    {
        let start = i + pos + "AADSTS".len();
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
        if let Ok(code) = text[start..end].parse::<u32>() {
            push_code(&mut codes, code);
        }
        i = end.max(start);
    }
    codes
}

/// The value after `label` on its line in a description, e.g. `Trace ID: <guid>`.
fn trailer(text: &str, label: &str) -> Option<String> {
    let start = text.find(label)? + label.len();
    let value: String = text[start..]
        .trim_start()
        .chars()
        .take_while(|c| *c != '\r' && *c != '\n')
        .collect();
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

fn string_field(map: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    map.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

/// Parses a token-endpoint error body. `None` when the body is not a JSON object with `error` or
/// `error_codes`.
pub fn parse(body: &str) -> Option<EntraError> {
    let Value::Object(map) = serde_json::from_str::<Value>(body.trim()).ok()? else {
        return None;
    };
    // Power BI's `{"error":{…}}` has an object there; Entra ID's `error` is a string.
    let oauth_error = map.get("error").is_some_and(Value::is_string);
    if !oauth_error && !map.contains_key("error_codes") {
        return None;
    }
    let full_description = string_field(&map, "error_description").unwrap_or_default();
    let mut codes = Vec::new();
    let listed = map.get("error_codes").and_then(Value::as_array);
    for code in listed
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
        .chain(aadsts_codes_in(&full_description))
    {
        push_code(&mut codes, code);
    }
    Some(EntraError {
        error: string_field(&map, "error"),
        description: full_description
            .lines()
            .next()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty()),
        codes,
        trace_id: string_field(&map, "trace_id")
            .or_else(|| trailer(&full_description, "Trace ID:")),
        correlation_id: string_field(&map, "correlation_id")
            .or_else(|| trailer(&full_description, "Correlation ID:")),
        timestamp: string_field(&map, "timestamp")
            .or_else(|| trailer(&full_description, "Timestamp:")),
        suberror: string_field(&map, "suberror"),
        error_uri: string_field(&map, "error_uri"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_SAMPLE: &str = r#"{
  "error": "invalid_scope",
  "error_description": "AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope https://foo.microsoft.com/.default is not valid.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 02:02:12Z",
  "error_codes": [70011],
  "timestamp": "2016-01-09 02:02:12Z",
  "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
  "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
  "error_uri": "https://login.microsoftonline.com/error?code=70011"
}"#;

    #[test]
    fn parses_the_documented_error_body() {
        let e = parse(DOC_SAMPLE).unwrap();
        assert_eq!(e.error.as_deref(), Some("invalid_scope"));
        assert_eq!(e.codes, vec![70011]);
        assert_eq!(
            e.trace_id.as_deref(),
            Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("aaaa0000-bb11-2222-33cc-444444dddddd")
        );
        assert!(
            e.description
                .unwrap()
                .starts_with("AADSTS70011: The provided value")
        );
    }

    #[test]
    fn reads_ids_from_the_description_when_fields_are_missing() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01 00:00:00Z"}"#;
        let e = parse(body).unwrap();
        assert_eq!(e.codes, vec![7000215]);
        assert_eq!(e.trace_id.as_deref(), Some("t-1"));
        assert_eq!(e.correlation_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn finds_codes_in_free_text() {
        assert_eq!(
            aadsts_codes_in(
                "ClientSecretCredential authentication failed. AADSTS7000215: x AADSTS7000215 AADSTS50076"
            ),
            vec![7000215, 50076]
        );
        assert!(aadsts_codes_in("AADSTS and nothing").is_empty());
        let many: String = (0..100).map(|c| format!("AADSTS{c} ")).collect();
        assert_eq!(aadsts_codes_in(&many), (0..16).collect::<Vec<u32>>());
        assert!(parse("<html>").is_none());
        assert!(parse("{\"value\":[]}").is_none());
        assert!(parse(r#"{"error":{"code":"TokenExpired","message":"x"}}"#).is_none());
    }
}

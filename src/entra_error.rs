//! The error answers of the Entra ID token endpoint (facts §3.1): `error`, `error_description`,
//! `error_codes`, `timestamp`, `trace_id`, `correlation_id`, optional `error_uri`, `suberror`,
//! `claims`. Codes are also pulled out of free text (`AADSTS7000215: …`, the legacy ACS form
//! `ACS90014: …`, an `error?code=…` link) because wrappers often keep only the description, and
//! from the message alone (`explain::messages`) when a wrapper dropped the code too. The
//! description also says what the request lacked or which client id it named: those become
//! signals beside the codes.

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
    /// Token-side signals the text shows besides its codes (name, value): the parameter the
    /// request lacked, a client id that is no GUID, what a code-less sign-in text means.
    pub hints: Vec<(&'static str, String)>,
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
        for (name, value) in &self.hints {
            finding.signal(name, value.clone());
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

/// The digits at the start of `bytes`, as a code, when there are at least `min` of them.
fn code_at(bytes: &[u8], min: usize) -> Option<u32> {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits < min {
        return None;
    }
    std::str::from_utf8(&bytes[..digits]).ok()?.parse().ok()
}

/// Every `marker<digits>` in `text` as (position, code), at most [`MAX_CODES`] of them; `word`
/// requires the marker to start a word. Linear: the search resumes after each marker.
fn codes_after(text: &str, marker: &str, word: bool, min: usize) -> Vec<(usize, u32)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while found.len() < MAX_CODES
        && let Some(pos) = text[i..].find(marker)
    {
        let at = i + pos;
        let start = at + marker.len();
        let starts_word = !word || at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        if starts_word && let Some(code) = code_at(&bytes[start..], min) {
            found.push((at, code));
        }
        i = start;
    }
    found
}

/// The first [`MAX_CODES`] distinct codes in `text`, in order: `AADSTS<digits>`; the legacy
/// Access Control Service form `ACS<digits>` (ADAL and the first Power BI samples print it; its
/// numbers are the AADSTS numbers of today, e.g. `ACS90014` is AADSTS90014); and the code of a
/// `login.microsoftonline.com/error?code=<digits>` link (or a national cloud's), which some tools
/// print instead. Linear:
/// each search resumes after the marker it found, and the lists are bounded.
pub fn aadsts_codes_in(text: &str) -> Vec<u32> {
    let mut found = codes_after(text, "AADSTS", false, 1);
    found.extend(codes_after(text, "ACS", true, 5));
    for host in [
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.partner.microsoftonline.cn",
        "login.chinacloudapi.cn",
    ] {
        found.extend(codes_after(text, &format!("{host}/error?code="), false, 1));
    }
    found.sort_unstable_by_key(|(at, _)| *at);
    let mut codes = Vec::new();
    for (_, code) in found {
        push_code(&mut codes, code);
    }
    codes
}

/// The parameter named after "must contain the following parameter" (AADSTS90014, 900144,
/// 7000218 and the older 70002 and ACS90014): `client_credential` when it is the secret or the
/// assertion, else the parameter's name.
fn missing_parameter(text: &str) -> Option<String> {
    const MARKER: &str = "must contain the following parameter";
    let start = text.find(MARKER)? + MARKER.len();
    let rest: String = text[start..]
        .chars()
        .take(120)
        .take_while(|c| !matches!(c, '.' | '\r' | '\n'))
        .collect();
    let named = rest.trim_start_matches([':', ' ', '\'', '"', '\\']);
    let name: String = named
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if rest.contains("client_secret") || rest.contains("client_assertion") {
        Some("client_credential".to_owned())
    } else {
        (!name.is_empty()).then_some(name)
    }
}

/// The client id Entra ID names in "Application with identifier '…' was not found", when it is
/// not a GUID: a user name, an app name or a typo was sent as the client id. A masked value
/// (`***`, as pipelines print secrets) or a URI says nothing about the client id's shape.
fn named_client_id_not_guid(text: &str) -> bool {
    let Some(at) = [
        "Application with identifier ",
        "application with identifier ",
    ]
    .iter()
    .find_map(|m| text.find(m).map(|p| p + m.len())) else {
        return false;
    };
    let rest = text[at..].trim_start_matches(['\\', '\'', '"']);
    let id: String = rest
        .chars()
        .take(200)
        .take_while(|c| !matches!(c, '\'' | '"' | '\\'))
        .collect();
    let id = id.trim();
    !id.is_empty()
        && !id.chars().all(|c| c == '*')
        && !id.contains('/')
        && !id.contains(':')
        && !id.chars().any(char::is_whitespace)
        && !crate::shape::is_guid(id)
}

/// The signals an Entra ID description or a pasted sign-in text shows besides its codes.
pub fn hints_in(text: &str) -> Vec<(&'static str, String)> {
    let mut hints = Vec::new();
    if let Some(parameter) = missing_parameter(text) {
        hints.push((signal::TOKEN_MISSING_PARAMETER, parameter));
    }
    if named_client_id_not_guid(text) {
        hints.push((signal::TOKEN_CLIENT_ID_SHAPE, "not-guid".to_owned()));
    }
    hints
}

/// The codes and hints of a pasted text that holds no token-endpoint JSON. Codes written in the
/// text come first, then those its messages are the text of (`explain::messages`), so that a
/// wrapper that kept only "The user or administrator has not consented…" still means AADSTS65001,
/// and a code-less sign-in text (a library's or the sign-in page's) still means something. When
/// the text is a Power BI or Fabric answer (`api_answer`, or a service message the index knows),
/// an Entra message quoted inside it is that service's detail, not a failed token request: no
/// code or hint is read from messages then.
pub fn evidence_in(text: &str, api_answer: bool) -> (Vec<u32>, Vec<(&'static str, String)>) {
    let mut codes = aadsts_codes_in(text);
    if api_answer && codes.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let found = crate::explain::messages::find(text);
    if codes.is_empty() && found.api().is_some() {
        return (Vec::new(), Vec::new());
    }
    // The messages' codes join the written ones: an older server's pair such as "AADSTS70002:
    // Error validating credentials. AADSTS50012: Invalid client secret is provided." means
    // what today's AADSTS7000215 means, and its wording says so.
    let written = !codes.is_empty();
    let written_codes = codes.clone();
    for entry in &found.entries {
        // A wording several codes share (AADSTS90014 and 900144) is settled by the code written
        // beside it (ACS90014: …): the others are not added.
        let shared = entry.aadsts().len() > 1;
        if shared && entry.aadsts().iter().any(|c| written_codes.contains(c)) {
            continue;
        }
        for code in entry.aadsts() {
            push_code(&mut codes, *code);
        }
    }
    let mut hints = hints_in(text);
    if !written && codes.is_empty() {
        hints.extend(found.token_signals());
    }
    (codes, hints)
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
        .chain(crate::explain::messages::find(&full_description).aadsts())
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
        hints: hints_in(&full_description),
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

    #[test]
    fn reads_legacy_acs_codes_and_error_links_in_order() {
        assert_eq!(
            aadsts_codes_in(
                "ACS90014: The request body must contain … see https://login.microsoftonline.com/error?code=9002313 and AADSTS50011"
            ),
            vec![90014, 9002313, 50011]
        );
        // Not a code: a word that ends in ACS, too few digits, another site's error link.
        assert!(
            aadsts_codes_in("MACS50012 ACS12 and ACS https://example.com/error?code=500")
                .is_empty()
        );
    }

    #[test]
    fn reads_what_the_request_lacked_and_a_client_id_that_is_no_guid() {
        let hints = |t: &str| hints_in(t);
        assert_eq!(
            hints(
                "AADSTS70002: The request body must contain the following parameter: 'client_secret or client_assertion'."
            ),
            vec![(
                signal::TOKEN_MISSING_PARAMETER,
                "client_credential".to_owned()
            )]
        );
        assert_eq!(
            hints(
                r"AADSTS90014: The request body must contain the following parameter: \'client_id\'."
            ),
            vec![(signal::TOKEN_MISSING_PARAMETER, "client_id".to_owned())]
        );
        assert_eq!(
            hints(
                "AADSTS70001: Application with identifier 'adm-jdoe' was not found in the directory analysis.windows.net"
            ),
            vec![(signal::TOKEN_CLIENT_ID_SHAPE, "not-guid".to_owned())]
        );
        // A GUID, a masked value or an App ID URI says nothing about the shape.
        for named in [
            "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90",
            "***",
            "https://analysis.windows.net/powerbi/api",
        ] {
            assert!(
                hints(&format!(
                    "Application with identifier '{named}' was not found in the directory 'x'"
                ))
                .is_empty(),
                "{named}"
            );
        }
    }

    #[test]
    fn reads_a_message_without_its_code_unless_a_service_answer_quotes_it() {
        let consent =
            "The user or administrator has not consented to use the application with ID '…'";
        assert_eq!(evidence_in(consent, false).0, vec![65001]);
        assert!(evidence_in(consent, true).0.is_empty());
        // A code in the text wins over what its message would say.
        assert_eq!(
            evidence_in(
                "AADSTS500113: No reply address is registered for the application.",
                false
            )
            .0,
            vec![500113]
        );
        // A code-less sign-in text is a hint, not a code.
        let (codes, hints) = evidence_in(
            "Exception calling \"AcquireToken\": \"missing_federation_metadata_url: Federation Metadata Url is missing for federated user. This user type is unsupported.\"",
            false,
        );
        assert!(codes.is_empty());
        assert_eq!(
            hints,
            vec![(
                signal::TOKEN_MESSAGE,
                "federated-user-unsupported".to_owned()
            )]
        );
        // A Power BI message the index knows makes the text a service answer.
        assert_eq!(
            evidence_in(
                "403 Forbidden\nAccess token has expired, resubmit with a new access token",
                false
            ),
            (Vec::new(), Vec::new())
        );
    }
}

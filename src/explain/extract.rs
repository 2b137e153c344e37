//! Pulling evidence out of pasted text: an error as it arrives in the wild. A token-endpoint error
//! JSON or just a line with `AADSTS<code>: …` (inside a stack trace, a PowerShell error record, an
//! MSAL or azure-identity message); a Power BI or Fabric error body in any known shape; an HTTP
//! response dump (`curl -i`, Postman, a raw `HTTP/1.1 401` block) with its headers; other tools'
//! renderings (`Invoke-RestMethod`, Data Factory / Fabric pipeline errors, Terraform
//! `Error Code: … Request ID: …` blocks, Python `HTTPError … for url:` lines). Nothing here
//! decides what it means; it only finds what is there.

use serde_json::Value;
use url::Url;

use crate::api_error::{self, ApiError};
use crate::entra_error::{self, EntraError};

/// Power BI and Fabric error codes recognised in free text (facts §4), longest first so that a
/// code that contains another is found first.
pub const KNOWN_API_CODES: &[&str] = &[
    "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
    "UserDoesNotBelongToCurrentCluster",
    "PowerBINotAuthorizedException",
    "InsufficientWorkspaceRole",
    "ItemDisplayNameAlreadyInUse",
    "PrincipalTypeNotSupported",
    "InsufficientPrivileges",
    "PowerBIEntityNotFound",
    "TenantSwitchDisabled",
    "FeatureNotAvailable",
    "InsufficientScopes",
    "GroupNotAccessible",
    "WorkspaceNotFound",
    "TooManyRequests",
    "LoadReportFailed",
    "EntityNotFound",
    "InvalidRequest",
    "ItemNotFound",
    "TokenExpired",
    "InvalidToken",
    "UnknownError",
];

/// Headers worth keeping from a dump.
const HEADERS: &[&str] = &[
    "X-PowerBI-Error-Info",
    "X-PowerBI-Error-Details",
    "x-ms-public-api-error-code",
    "x-ms-error-code",
    "Retry-After",
    "WWW-Authenticate",
    "RequestId",
    "x-ms-request-id",
    "request-id",
    "requestid",
    "x-ms-operation-id",
    "home-cluster-uri",
];

/// Everything found in a paste.
#[derive(Clone, Debug, Default)]
pub struct Extracted {
    /// The HTTP status, when the text states one.
    pub status: Option<u16>,
    /// The URL the failed request went to.
    pub url: Option<Url>,
    /// Known headers, as (canonical name, value).
    pub headers: Vec<(String, String)>,
    /// A token-endpoint error document, or one rebuilt from an AADSTS line.
    pub entra: Option<EntraError>,
    /// A Power BI / Fabric error.
    pub api: Option<ApiError>,
    /// A JWT found in the text (an `Authorization: Bearer` line of a dump, a pasted token).
    pub jwt: Option<String>,
    /// The paste shows an HTTP response whose body is empty (status line, headers, blank line,
    /// nothing): only then is "empty body" evidence, not just a paste that shows no body.
    pub body_shown_empty: bool,
    /// Words that say a service principal was calling (`ClientSecretCredential`, `-ServicePrincipal`…).
    pub application_hint: Option<String>,
}

impl Extracted {
    /// The value of a kept header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether anything recognisable was found.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.entra.is_none()
            && self.api.is_none()
            && self.jwt.is_none()
            && self.headers.is_empty()
    }
}

/// Bytes handed to the JSON parser, at most, per byte of text (plus [`PARSE_BUDGET_MIN`]): every
/// candidate is parsed once, and one that fails is followed by the candidates inside it, so
/// nested objects that all fail would otherwise cost their depth times their length.
const PARSE_BUDGET_FACTOR: usize = 2;

/// The parse budget of a short text.
const PARSE_BUDGET_MIN: usize = 1 << 20;

/// Open braces whose position is remembered. The JSON parser refuses nesting deeper than 128, so
/// a `{` with more than this many open braces inside it can never be an object; its position is
/// forgotten (only counted), which keeps `{` × 16 MiB from taking memory per brace.
const MAX_OPEN: usize = 256;

/// Candidates remembered inside one outermost `{…}` (or an unclosed one); the first are kept.
const MAX_CANDIDATES: usize = 1 << 16;

/// Objects returned, at most: the readers want the first error answer, not a whole log of them.
const MAX_OBJECTS: usize = 64;

/// Keys that make an object worth returning: those the answer readers look at.
const ANSWER_KEYS: &[&str] = &[
    "error",
    "error_codes",
    "errorCode",
    "pbi.error",
    "code",
    "message",
    "Message",
];

/// What the text of an object with an [`ANSWER_KEYS`] key contains: `"error…`, `"code"`,
/// `"message"`, `"Message"` or `"pbi.error"`. Looking is far cheaper than parsing, and a log of
/// millions of small JSON objects that are not answers is then scanned, not parsed.
fn may_hold_answer(object: &str) -> bool {
    [
        "\"error",
        "\"code\"",
        "\"message\"",
        "\"Message\"",
        "\"pbi.error\"",
    ]
    .iter()
    .any(|needle| object.contains(needle))
}

/// Whether the text after a `{` can start an object worth parsing: whitespace, then a key.
/// Rejects `{{`, `{}`, `{0}` and Python dicts without asking the parser.
fn opens_object(after_brace: &[u8]) -> bool {
    after_brace
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .is_some_and(|b| *b == b'"')
}

/// Parses `spans` (start and end of balanced braces, any order) outermost first, skipping those
/// inside an object found, within `budget` bytes of parsing; appends answer-like objects.
fn parse_candidates(
    text: &str,
    spans: &mut Vec<(u32, u32)>,
    budget: &mut usize,
    found: &mut Vec<serde_json::Map<String, Value>>,
) {
    spans.sort_unstable();
    let mut next = 0;
    for &(start, end) in spans.iter() {
        let (start, end) = (start as usize, end as usize);
        let len = end + 1 - start;
        if start < next || len > *budget || found.len() >= MAX_OBJECTS {
            continue;
        }
        *budget -= len;
        let object = &text[start..=end];
        if !may_hold_answer(object) {
            continue;
        }
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(object) {
            next = end + 1;
            if ANSWER_KEYS.iter().any(|k| map.contains_key(*k)) {
                found.push(map);
            }
        }
    }
    spans.clear();
}

/// Every balanced `{…}` in `text` that parses as a JSON object with a key an error answer has
/// ([`ANSWER_KEYS`]), outermost first, at most [`MAX_OBJECTS`]. Strings and escapes are respected
/// so braces inside messages do not confuse the scan.
///
/// Linear in the text and bounded in memory: one pass pairs every `{` met outside a string with
/// its `}` (a stack, not a scan from each `{`); quotes between objects are noise and ignored; a
/// raw line break ends a string, since JSON strings cannot hold one (a stray quote in a log line
/// must not swallow the rest). Each outermost pair's candidates are then parsed, outermost first,
/// within a budget of parser work proportional to the text.
pub fn json_objects(text: &str) -> Vec<serde_json::Map<String, Value>> {
    let bytes = text.as_bytes();
    if u32::try_from(bytes.len()).is_err() {
        // Far above the input cap; positions are kept as u32.
        return Vec::new();
    }
    let mut budget = text
        .len()
        .saturating_mul(PARSE_BUDGET_FACTOR)
        .saturating_add(PARSE_BUDGET_MIN);
    let mut found = Vec::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut open: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
    let mut forgotten = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"' | b'\n') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if !open.is_empty() || forgotten > 0 => in_string = true,
            b'{' => {
                if open.len() == MAX_OPEN {
                    open.pop_front();
                    forgotten += 1;
                }
                open.push_back(i as u32);
            }
            b'}' => match open.pop_back() {
                Some(start) => {
                    if spans.len() < MAX_CANDIDATES && opens_object(&bytes[start as usize + 1..i]) {
                        spans.push((start, i as u32));
                    }
                    if open.is_empty() && forgotten == 0 {
                        parse_candidates(text, &mut spans, &mut budget, &mut found);
                    }
                }
                None => forgotten = forgotten.saturating_sub(1),
            },
            _ => {}
        }
    }
    // Objects inside braces that never close (a paste cut short).
    parse_candidates(text, &mut spans, &mut budget, &mut found);
    found
}

/// The status stated in the text: a status line, `StatusCode: 401`, `(401)`, `401 Unauthorized`,
/// `401 Client Error`, `status code 403`.
fn find_status(text: &str) -> Option<u16> {
    let lower = text.to_ascii_lowercase();
    let number_after = |marker: &str| -> Option<u16> {
        let pos = lower.find(marker)? + marker.len();
        let digits: String = lower[pos..]
            .trim_start_matches([' ', ':', '=', '"', '('])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok().filter(|s| (100..600).contains(s))
    };
    for marker in [
        "http/1.1 ",
        "http/1.0 ",
        "http/2 ",
        "http/2.0 ",
        "does not indicate success:",
        "statuscode",
        "status code",
        "\"status\"",
        "status:",
        "status ",
    ] {
        if let Some(status) = number_after(marker) {
            return Some(status);
        }
    }
    for (phrase, status) in [
        ("401 unauthorized", 401),
        ("(401)", 401),
        ("401 client error", 401),
        ("403 forbidden", 403),
        ("(403)", 403),
        ("403 client error", 403),
        ("429 too many requests", 429),
        ("(429)", 429),
        ("404 not found", 404),
        ("400 bad request", 400),
        ("(unauthorized)", 401),
        ("(forbidden)", 403),
        ("'unauthorized'", 401),
        ("'forbidden'", 403),
    ] {
        if lower.contains(phrase) {
            return Some(status);
        }
    }
    None
}

/// The first URL of a Microsoft endpoint in the text (an API call or a token endpoint). Linear:
/// a candidate starts at `http://` or `https://` and runs to a delimiter; the next one is looked
/// for after it, so a line of `https://https://…` is read once, not once per `http`.
fn find_url(text: &str) -> Option<Url> {
    let mut candidates = Vec::new();
    let mut next = 0;
    for (i, _) in text.match_indices("http") {
        let rest = &text[i..];
        if i < next || !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | ']' | '`' | ',')
            })
            .unwrap_or(rest.len());
        next = i + end;
        if let Ok(url) = Url::parse(rest[..end].trim_end_matches(['.', ';'])) {
            candidates.push(url);
        }
    }
    let interesting = |u: &Url| {
        let path = u.path().to_ascii_lowercase();
        path.contains("/v1.0/myorg") || path.starts_with("/v1/") || path.contains("/oauth2/")
    };
    candidates
        .iter()
        .find(|u| interesting(u))
        .cloned()
        .or_else(|| verbose_request_url(text).filter(interesting))
}

/// The URL of a `curl -v` request: `> GET /v1/workspaces HTTP/1.1` and `> Host: …`.
fn verbose_request_url(text: &str) -> Option<Url> {
    let lines = || {
        text.lines()
            .map(|l| l.trim_start_matches(['>', ' ']).trim())
    };
    let path = lines().find_map(|l| {
        let (method, rest) = l.split_once(' ')?;
        let (path, version) = rest.split_once(' ')?;
        (["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method)
            && path.starts_with('/')
            && version.starts_with("HTTP/"))
        .then_some(path)
    })?;
    let host = lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("host")
            .then(|| value.trim())
    })?;
    Url::parse(&format!("https://{host}{path}")).ok()
}

/// The status an error code implies when the text states none: codes documented with one
/// status (facts §4.1, §4.5).
fn implied_status(code: &str) -> Option<u16> {
    match code {
        "PowerBINotAuthorizedException" | "Unauthorized" => Some(401),
        "PowerBIEntityNotFound" => Some(404),
        "TooManyRequests" => Some(429),
        _ => None,
    }
}

fn find_headers(text: &str) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches(['<', '>', ' ', '-', '*'])
            .trim();
        // `Name: value`, a JSON or Python dict entry, or a `Name<TAB>value` table row (Postman).
        let Some((name, value)) = line
            .split_once('\t')
            .filter(|(n, _)| HEADERS.iter().any(|h| h.eq_ignore_ascii_case(n.trim())))
            .or_else(|| line.split_once(':'))
        else {
            continue;
        };
        let name = name.trim().trim_matches(['"', '\'']);
        if let Some(canonical) = HEADERS.iter().find(|h| h.eq_ignore_ascii_case(name)) {
            let value = value.trim().trim_matches([',', '"', '\'']).trim();
            if !value.is_empty()
                && !headers
                    .iter()
                    .any(|(n, _): &(String, String)| n.eq_ignore_ascii_case(canonical))
            {
                headers.push(((*canonical).to_owned(), value.to_owned()));
            }
        }
    }
    headers
}

/// The value after `label` on the same line, e.g. Terraform's `Request ID: …`.
fn labelled(text: &str, label: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let pos = lower.find(&label.to_ascii_lowercase())? + label.len();
    let value: String = text[pos..]
        .trim_start_matches([' ', ':', '=', '"'])
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '\\' | ',' | ';' | ')'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// The first API error among JSON objects. A Data Factory or Fabric pipeline activity error
/// wraps the service's answer as text in `message`, under a numeric `errorCode` of its own
/// (e.g. `{"errorCode":"2108","message":"…{\"error\":{…}}…"}`): that code is the activity's, so
/// the answer inside is read instead.
fn api_error_in_objects(objects: &[serde_json::Map<String, Value>]) -> Option<ApiError> {
    for object in objects {
        let activity_code = object
            .get("errorCode")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()));
        if activity_code {
            if let Some(found) = object
                .get("message")
                .and_then(Value::as_str)
                .and_then(|m| api_error_in_objects(&json_objects(m)))
            {
                return Some(found);
            }
            continue;
        }
        let parsed = api_error::parse_body(&Value::Object(object.clone()).to_string());
        if parsed.code.is_some() || parsed.message.is_some() {
            return Some(parsed);
        }
    }
    None
}

fn find_api_error(
    text: &str,
    objects: &[serde_json::Map<String, Value>],
    headers: &[(String, String)],
) -> Option<ApiError> {
    if let Some(found) = api_error_in_objects(objects) {
        return Some(found);
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let code = KNOWN_API_CODES
        .iter()
        .find(|c| text.contains(**c))
        .map(|c| (*c).to_owned())
        .or_else(|| {
            labelled(text, "Error Code:").filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        })
        .or_else(|| header("x-ms-public-api-error-code"))
        .or_else(|| header("x-ms-error-code"));
    // Known messages (checks/messages.toml), in their canonical wording.
    let message = super::messages::api_message(text).map(|e| e.text.clone());
    (code.is_some() || message.is_some()).then(|| ApiError {
        code,
        message,
        request_id: labelled(text, "Request ID:"),
    })
}

fn find_jwt(text: &str) -> Option<String> {
    let start = text.find("eyJ")?;
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (token.matches('.').count() >= 2).then_some(token)
}

fn application_hint(text: &str) -> Option<String> {
    [
        "ClientSecretCredential",
        "ClientCertificateCredential",
        "client_credentials",
        "-ServicePrincipal",
        "ServicePrincipalCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        // Power BI's own words for an application caller (facts §4.1, §4.2).
        "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
        "API is not accessible for application",
    ]
    .into_iter()
    .find(|hint| text.contains(hint))
    .map(str::to_owned)
}

/// Whether `text` shows an HTTP response (a status line and headers) whose body is empty.
fn shows_empty_body(text: &str) -> bool {
    let Some(start) = text.find("HTTP/") else {
        return false;
    };
    let rest = &text[start..];
    let blank = rest
        .find("\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| rest.find("\n\n").map(|i| i + 2));
    blank.is_some_and(|i| rest[i..].trim().is_empty())
}

/// Finds everything recognisable in `text`.
pub fn extract(text: &str) -> Extracted {
    let objects = json_objects(text);
    let headers = find_headers(text);
    let entra = objects
        .iter()
        .find_map(|o| entra_error::parse(&Value::Object(o.clone()).to_string()))
        .or_else(|| {
            let (codes, hints) =
                entra_error::evidence_in(text, api_error_in_objects(&objects).is_some());
            (!codes.is_empty() || !hints.is_empty()).then(|| {
                let description = text.lines().find(|l| l.contains("AADSTS")).map(|l| {
                    let from = l.find("AADSTS").unwrap_or(0);
                    let line = &l[from..];
                    let to = ["Trace ID:", "\\r\\n", "\\n"]
                        .iter()
                        .filter_map(|m| line.find(m))
                        .min()
                        .unwrap_or(line.len());
                    line[..to].trim().trim_end_matches(['"', ',']).to_owned()
                });
                EntraError {
                    error: [
                        "invalid_client",
                        "invalid_grant",
                        "invalid_request",
                        "invalid_scope",
                        "unauthorized_client",
                        "invalid_resource",
                        "interaction_required",
                    ]
                    .into_iter()
                    .find(|e| text.contains(e))
                    .map(str::to_owned),
                    description,
                    codes,
                    trace_id: labelled(text, "Trace ID:"),
                    correlation_id: labelled(text, "Correlation ID:"),
                    timestamp: text
                        .find("Timestamp:")
                        .map(|p| {
                            // Only the date and time: not a `\r\n` escape, a closing quote
                            // or a ` - Correlation ID: …` tail that follows on the same line.
                            let value: String = text[p + 10..]
                                .trim_start()
                                .chars()
                                .take_while(|c| c.is_ascii_digit() || " -:.TZ".contains(*c))
                                .collect();
                            value.trim_end_matches([' ', '-']).to_owned()
                        })
                        .filter(|s| !s.is_empty()),
                    suberror: None,
                    error_uri: None,
                    hints,
                }
            })
        });
    let api = if entra.is_some() {
        None
    } else {
        find_api_error(text, &objects, &headers)
    };
    Extracted {
        body_shown_empty: shows_empty_body(text),
        status: find_status(text).or_else(|| {
            api.as_ref()
                .and_then(|a| a.code.as_deref())
                .and_then(implied_status)
        }),
        url: find_url(text),
        headers,
        entra,
        api,
        jwt: find_jwt(text),
        application_hint: application_hint(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_json_inside_noise() {
        let objects = json_objects(
            r#"Invoke-RestMethod : {"error":{"code":"X","message":"a } b"}} At line:1 char:1 {not json}"#,
        );
        assert_eq!(objects.len(), 1);
        assert!(objects[0].contains_key("error"));
    }

    #[test]
    fn reads_a_curl_dump() {
        let dump = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/octet-stream\r\nRequestId: 1a2b\r\nX-PowerBI-Error-Info: ServicePrincipalIsNotAllowedByTenantAdminSwitch\r\n\r\n";
        let e = extract(dump);
        assert_eq!(e.status, Some(401));
        assert_eq!(
            e.header("x-powerbi-error-info"),
            Some("ServicePrincipalIsNotAllowedByTenantAdminSwitch")
        );
        assert_eq!(e.header("RequestId"), Some("1a2b"));
    }

    #[test]
    fn reads_an_aadsts_line_in_a_wrapper() {
        let e = extract(
            "azure.identity.ClientSecretCredential: ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided. Trace ID: t-1 Correlation ID: c-1 Timestamp: 2026-01-01 00:00:00Z",
        );
        let entra = e.entra.unwrap();
        assert_eq!(entra.codes, vec![7000215]);
        assert_eq!(entra.trace_id.as_deref(), Some("t-1"));
        assert_eq!(entra.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(
            e.application_hint.as_deref(),
            Some("ClientSecretCredential")
        );
    }

    #[test]
    fn reads_the_answer_inside_a_pipeline_activity_error() {
        let adf = r#"{"errorCode":"2108","message":"Error calling the endpoint 'https://api.powerbi.com/v1.0/myorg/admin/groups?$top=100'. Response status code: 'ClientSideException HttpStatusCode : 401, HttpStatusString: Unauthorized'. Response content: '{\"error\":{\"code\":\"PowerBINotAuthorizedException\",\"pbi.error\":{\"code\":\"PowerBINotAuthorizedException\",\"parameters\":{},\"details\":[],\"exceptionCulprit\":1}}}'","failureType":"UserError","target":"Web1","details":[]}"#;
        let e = extract(adf);
        assert_eq!(
            e.api.unwrap().code.as_deref(),
            Some("PowerBINotAuthorizedException")
        );
        assert_eq!(e.status, Some(401));
        assert_eq!(e.url.unwrap().path(), "/v1.0/myorg/admin/groups");
    }

    #[test]
    fn reads_a_curl_verbose_dump_and_a_postman_header_table() {
        let verbose = extract(
            "> GET /v1/workspaces HTTP/1.1\n> Host: api.fabric.microsoft.com\n>\n< HTTP/1.1 401 Unauthorized\n< x-ms-public-api-error-code: TokenExpired\n",
        );
        assert_eq!(
            verbose.url.unwrap().as_str(),
            "https://api.fabric.microsoft.com/v1/workspaces"
        );
        assert_eq!(verbose.api.unwrap().code.as_deref(), Some("TokenExpired"));
        let postman = extract(
            "Status: 401 Unauthorized   Time: 212 ms\nKey\tValue\nRequestId\t0b2d\nX-PowerBI-Error-Info\tGroupNotAccessible\nDate\tFri, 20 Nov 2026 09:14:03 GMT\n",
        );
        assert_eq!(postman.status, Some(401));
        assert_eq!(
            postman.header("X-PowerBI-Error-Info"),
            Some("GroupNotAccessible")
        );
        assert_eq!(postman.header("RequestId"), Some("0b2d"));
        let python =
            extract("Headers: {\n  'x-ms-public-api-error-code': 'InsufficientWorkspaceRole',\n}");
        assert_eq!(
            python.header("x-ms-public-api-error-code"),
            Some("InsufficientWorkspaceRole")
        );
    }

    #[test]
    fn finds_a_message_wrapped_by_terraform_and_implies_the_status() {
        let tf = extract(
            "│ Could not create resource: Authorization Context Requested but not\n│ available\n│ \n│ Error Code: Unauthorized\n",
        );
        let api = tf.api.unwrap();
        assert_eq!(
            api.message.as_deref(),
            Some("Authorization Context Requested but not available")
        );
        assert_eq!(api.code.as_deref(), Some("Unauthorized"));
        assert_eq!(tf.status, Some(401));
        let no_status = extract(
            r#"Invoke-RestMethod : {"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}}"#,
        );
        assert_eq!(no_status.status, Some(401));
        let dotnet = extract(
            "System.Net.Http.HttpRequestException: Response status code does not indicate success: 404 (Not Found).",
        );
        assert_eq!(dotnet.status, Some(404));
    }

    #[test]
    fn reads_ids_inside_a_python_dict_and_the_callers_kind_from_power_bi_words() {
        let e = extract(
            r"{'error': 'invalid_scope', 'error_description': 'AADSTS1002012: The provided value for scope x is not valid.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-11-20 09:14:03Z', 'error_codes': [1002012]}",
        );
        let entra = e.entra.unwrap();
        assert_eq!(entra.trace_id.as_deref(), Some("t-1"));
        assert_eq!(entra.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(entra.timestamp.as_deref(), Some("2026-11-20 09:14:03Z"));
        let switch = extract(
            "HTTP/1.1 401 Unauthorized\r\nX-PowerBI-Error-Info: ServicePrincipalIsNotAllowedByTenantAdminSwitch\r\n",
        );
        assert_eq!(
            switch.application_hint.as_deref(),
            Some("ServicePrincipalIsNotAllowedByTenantAdminSwitch")
        );
    }

    #[test]
    fn reads_python_and_terraform_renderings() {
        let py = extract(
            "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://api.powerbi.com/v1.0/myorg/admin/groups?$top=1",
        );
        assert_eq!(py.status, Some(403));
        assert_eq!(py.url.unwrap().path(), "/v1.0/myorg/admin/groups");
        let tf = extract(
            "Error: Failed to create\n\nError Code: InsufficientScopes\nRequest ID: 7c9e6679-7425-40de-944b-e07fc1f90ae7\n",
        );
        let api = tf.api.unwrap();
        assert_eq!(api.code.as_deref(), Some("InsufficientScopes"));
        assert_eq!(
            api.request_id.as_deref(),
            Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
        );
    }
}

//! Pulling evidence out of pasted text: an error as it arrives in the wild. A token-endpoint error
//! JSON or just a line with `AADSTS<code>: …` (inside a stack trace, a PowerShell error record, an
//! MSAL or azure-identity message, a sign-in redirect's URL-encoded `error_description`, Entra's
//! `/error?code=` page); a Power BI or Fabric error body in any known shape, also when a CSV export
//! doubled its quotes, a log escaped them or the paste cut it short; an HTTP response dump
//! (`curl -i`, Postman, a raw `HTTP/1.1 401` block, a PowerShell 7 response listing) with its
//! headers; the status in any rendering ([`super::status`]); other tools' renderings
//! (`Invoke-RestMethod`, Data Factory / Fabric pipeline errors, Terraform `Error Code: … Request
//! ID: …` blocks, Python `HTTPError … for url:` lines); the URL called, its route and its cloud
//! ([`super::hosts`]); who was calling, from the credential classes and cmdlets named; command
//! lines ([`super::command`]). Nothing here decides what it means; it only finds what is there.

use serde_json::Value;
use url::Url;

use super::command::{self, CommandEvidence};
use super::hosts;
use crate::api_error::{self, ApiError};
use crate::cloud::Cloud;
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
    "SPNBasedRefreshNotAllowed",
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
    /// Words that say a signed-in user was calling (`InteractiveBrowserCredential`, Power Query…).
    pub delegated_hint: Option<String>,
    /// What command lines in the paste say (route, authority, cloud, warnings).
    pub command: CommandEvidence,
    /// Hosts of different clouds in the paste, in words.
    pub cloud_clash: Option<String>,
    /// The Power BI cloud of the URL called, when its host names one.
    pub url_cloud: Option<Cloud>,
    /// A multi-tenant authority (`common`, `organizations`, `consumers`) in a token endpoint URL
    /// of the paste, or the one a command line signs in on.
    pub multi_tenant_authority: Option<String>,
}

impl Extracted {
    /// The value of a kept header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether anything recognisable was found: a status, a code or message, a token, a known
    /// header, the URL of a Power BI, Fabric or Entra endpoint, hosts of two clouds, a
    /// multi-tenant authority. Who was calling alone is not enough.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.entra.is_none()
            && self.api.is_none()
            && self.jwt.is_none()
            && self.headers.is_empty()
            && self.url.is_none()
            && self.cloud_clash.is_none()
            && self.multi_tenant_authority.is_none()
    }
}

/// The paste lower-cased (ASCII: the same bytes at the same places) for every case-insensitive
/// search, with the set of bytes it holds: a needle with a byte the text lacks is not searched
/// for, so a paste of one repeated character is not scanned once per needle.
pub struct Lowered {
    text: String,
    present: [bool; 256],
}

impl Lowered {
    /// Lower-cases `text` and notes its bytes.
    pub fn new(text: &str) -> Self {
        let text = text.to_ascii_lowercase();
        let mut present = [false; 256];
        for b in text.bytes() {
            present[usize::from(b)] = true;
        }
        Lowered { text, present }
    }

    /// Whether every byte of `needle`, lower-cased, occurs somewhere in the text: `false` means
    /// the needle cannot occur, in either case.
    pub fn may_hold(&self, needle: &str) -> bool {
        needle
            .bytes()
            .all(|b| self.present[usize::from(b.to_ascii_lowercase())])
    }

    /// Whether the text holds `needle` (lower case).
    pub fn holds(&self, needle: &str) -> bool {
        self.may_hold(needle) && self.text.contains(needle)
    }

    /// Where the text holds `needle` (lower case).
    pub fn positions<'a>(&'a self, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
        // Not searched at all when a byte is missing.
        self.may_hold(needle)
            .then(|| self.text.match_indices(needle).map(|(at, _)| at))
            .into_iter()
            .flatten()
    }
}

impl std::ops::Deref for Lowered {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
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
/// (`ANSWER_KEYS`), outermost first, at most `MAX_OBJECTS`. Strings and escapes are respected
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

/// URLs kept from one paste, at most: enough for every host of a long log.
const MAX_URLS: usize = 256;

/// A URL is read this far at most.
const MAX_URL_LEN: usize = 8192;

/// Every URL of the text (`http`, `https`, `powerbi`), in order, at most `MAX_URLS`. Linear: a
/// candidate starts at `://` and runs to a delimiter; the next one is looked for after it, so a
/// line of `https://https://…` is read once, not once per `://`. A `<placeholder>` or
/// `{placeholder}` people put where an id was is part of the URL; an XMLA endpoint's workspace
/// name may hold spaces, so `powerbi://` runs to the end of its connection-string value.
pub fn url_candidates(text: &str) -> Vec<Url> {
    let bytes = text.as_bytes();
    let mut urls = Vec::new();
    let mut next = 0;
    for (i, _) in text.match_indices("://") {
        if i < next || urls.len() >= MAX_URLS {
            continue;
        }
        let scheme_start = text[..i]
            .bytes()
            .rev()
            .take(8)
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let start = i - scheme_start;
        let scheme = text[start..i].to_ascii_lowercase();
        let xmla = scheme == "powerbi";
        if !(scheme == "http" || scheme == "https" || xmla) {
            continue;
        }
        let mut end = i + 3;
        while end < bytes.len() && end - start < MAX_URL_LEN {
            let b = bytes[end];
            let stop = if xmla {
                matches!(b, b';' | b'"' | b'\'' | b'\n' | b'\r' | b')' | b'`')
            } else if b == b'<' {
                // `<workspace-id>`: a placeholder, kept; `<` of markup ends the URL.
                // Looked for within the placeholder's length only: a line of `<` stays linear.
                let window = &bytes[end..(end + 42).min(bytes.len())];
                match window.iter().position(|c| *c == b'>') {
                    Some(close)
                        if close > 1
                            && close <= 40
                            && text[end + 1..end + close].bytes().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, b' ' | b'_' | b'-')
                            }) =>
                    {
                        end += close + 1;
                        continue;
                    }
                    _ => true,
                }
            } else {
                b.is_ascii_whitespace()
                    || matches!(b, b'"' | b'\'' | b'>' | b')' | b']' | b'`' | b',' | b'\\')
            };
            if stop {
                break;
            }
            end += 1;
        }
        while end > i + 3 && !text.is_char_boundary(end) {
            end -= 1;
        }
        next = end;
        let candidate = text[start..end].trim_end_matches(['.', ';', ':', ' ']);
        if let Ok(url) = Url::parse(candidate) {
            urls.push(url);
        }
    }
    urls
}

/// Whether a URL is a call to a Power BI, Fabric or Entra token endpoint (not a portal page, a
/// resource URI or a documentation link).
pub fn is_call(url: &Url) -> bool {
    if url.scheme() == "powerbi" {
        return true;
    }
    let path = url.path().to_ascii_lowercase();
    if path.contains("/oauth2/") {
        return true;
    }
    if path.starts_with("/powerbi/api") {
        return false;
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    // On an API host, API paths (`//v1/…` as some tools join it) or the bare host, which names
    // the API but not the route; `https://api.fabric.microsoft.com/.default` is a scope.
    let trimmed = path.trim_start_matches('/');
    let api_path = trimmed.is_empty()
        || ["v1/", "v1.0/", "beta/"]
            .iter()
            .any(|p| trimmed.starts_with(p));
    let api_host = api_path && host.starts_with("api.") && hosts::powerbi_cloud(&host).is_some();
    let cluster = host.starts_with("wabi-") && hosts::powerbi_cloud(&host).is_some();
    // `/v1.0/myorg` also behind a gateway or a proxy of the user's own.
    api_host || cluster || path.contains("/v1.0/myorg")
}

/// The URL the failed call went to: a token endpoint when the paste holds Entra's answer, else
/// the first other call; a `curl -v` request when no URL is written out.
fn find_url(text: &str, urls: &[Url], token_endpoint_first: bool) -> Option<Url> {
    let mut calls: Vec<&Url> = urls.iter().filter(|u| is_call(u)).collect();
    // A URL with a path says more than a bare API host.
    calls.sort_by_key(|u| u.path().trim_matches('/').is_empty());
    let token_endpoint = |u: &&&Url| u.path().to_ascii_lowercase().contains("/oauth2/");
    calls
        .iter()
        .find(|u| token_endpoint(u) == token_endpoint_first)
        .or_else(|| calls.first())
        .map(|u| (*u).clone())
        .or_else(|| verbose_request_url(text).filter(is_call))
}

/// A multi-tenant authority in a token endpoint URL: `…/common/oauth2/…`.
fn multi_tenant_authority(urls: &[Url]) -> Option<String> {
    urls.iter().find_map(|u| {
        let host = u.host_str()?;
        crate::cloud::issuer_cloud(&format!("https://{host}/"))?;
        let tenant = u.path_segments()?.next()?.to_ascii_lowercase();
        let oauth = u.path().to_ascii_lowercase().contains("/oauth2/");
        (oauth && matches!(tenant.as_str(), "common" | "organizations" | "consumers"))
            .then(|| format!("the token endpoint {host}/{tenant} is a multi-tenant authority"))
    })
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

fn find_headers(text: &str, lower: &Lowered) -> Vec<(String, String)> {
    // Each header is looked for where its name occurs (not line by line through a long log);
    // the first occurrence that reads as the header wins, and they are kept in text order.
    let mut found: Vec<(usize, String, String)> = Vec::new();
    for name in HEADERS {
        let lower_name = name.to_ascii_lowercase();
        if let Some((at, value)) = lower.positions(&lower_name).find_map(|at| {
            header_line_at(text, at, name)
                .or_else(|| inline_header_at(text, at, name))
                .map(|value| (at, value))
        }) {
            found.push((at, (*name).to_owned(), value));
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    found
        .into_iter()
        .map(|(_, name, value)| (name, value))
        .collect()
}

/// How far back the start of a header line is looked for, and how far its value is read.
const HEADER_REACH: usize = 4096;

/// A header line whose name starts at `at`: `Name: value`, `< Name: value` (curl), `"Name":
/// "value",` (JSON, a Python dict), or a `Name<TAB>value` table row (Postman).
fn header_line_at(text: &str, at: usize, name: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // Only prefix characters between the start of the line and the name.
    let mut i = at;
    while i > 0 && at - i < 64 {
        match bytes[i - 1] {
            b'\n' => break,
            b'<' | b'>' | b' ' | b'-' | b'*' | b'\t' | b'"' | b'\'' | b'\r' => i -= 1,
            _ => return None,
        }
    }
    if i > 0 && bytes[i - 1] != b'\n' {
        return None;
    }
    let mut end = (at + HEADER_REACH).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line = text[at..end].split('\n').next().unwrap_or_default();
    let after = line[name.len()..].trim_start_matches(['"', '\'']);
    let value = match after.strip_prefix('\t') {
        Some(value) => value,
        None => after.trim_start().strip_prefix(':')?,
    };
    let value = value.trim().trim_matches([',', '"', '\'']).trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A header written inside a line rather than opening one: a Python dict on one line
/// (`{'RequestId': '0b2d', …}`), PowerShell's dictionary (`[Retry-After, 3392]`) or `Key Value`
/// table (`Retry-After {3392}`, `Retry-After   3392`). The name must be a whole name (not the
/// tail of `x-ms-request-id`) followed by a separator, so a header named as a value
/// (`'Access-Control-Expose-Headers': 'RequestId'`) is not read as one.
fn inline_header_at(text: &str, at: usize, name: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let before = at.checked_sub(1).map(|p| bytes[p]);
    if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return None;
    }
    let mut i = at + name.len();
    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    let rest = &text[i..];
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let after = &rest[spaces..];
    let separated =
        after.starts_with([':', '=']) || (after.starts_with(',') && before == Some(b'['));
    let value_start = if separated {
        &after[1..]
    } else if after.starts_with('{') || (spaces >= 2 && !after.starts_with(['\r', '\n'])) {
        after
    } else {
        return None;
    };
    let value = value_start.trim_start_matches([' ', '\t', '"', '\'', '{']);
    // A header value is short: looked at within 256 bytes.
    let mut window = value.len().min(256);
    while !value.is_char_boundary(window) {
        window -= 1;
    }
    let value = &value[..window];
    let end = value
        .find(['\r', '\n', '"', '\'', '}', ']', ','])
        .unwrap_or(value.len());
    let value = value[..end].trim();
    // `[Retry-After, System.String[]]`: PowerShell named the type, not the value.
    (!value.is_empty() && !value.starts_with("System.")).then(|| value.to_owned())
}

/// The value after `label` on the same line, e.g. Terraform's `Request ID: …`. `lower` is `text`
/// lower-cased (ASCII): the same bytes at the same places.
fn labelled(text: &str, lower: &Lowered, label: &str) -> Option<String> {
    let label_lower = label.to_ascii_lowercase();
    let pos = lower.positions(&label_lower).next()? + label.len();
    let value: String = text[pos..]
        .trim_start_matches([' ', ':', '=', '"', '\''])
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
    lower: &Lowered,
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
    let (broken_code, broken_message) = fields_of_broken_json(text, lower);
    let code = broken_code
        .or_else(|| fabric_cli_code(text))
        .or_else(|| {
            KNOWN_API_CODES
                .iter()
                .find(|c| lower.may_hold(c) && text.contains(**c))
                .map(|c| (*c).to_owned())
        })
        .or_else(|| {
            labelled(text, lower, "Error Code:")
                .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        })
        .or_else(|| header("x-ms-public-api-error-code"))
        .or_else(|| header("x-ms-error-code"));
    // Known messages (checks/messages.toml), in their canonical wording; else a message cut
    // out of JSON too broken to parse.
    let message = super::messages::api_message(text)
        .map(|e| e.text.clone())
        .or(broken_message);
    (code.is_some() || message.is_some()).then(|| ApiError {
        code,
        message,
        request_id: labelled(text, lower, "Request ID:"),
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

/// Words that name an application caller: credential classes, flows and parameters of the
/// libraries, and Power BI's own words for one (facts §4.1, §4.2).
const APPLICATION_WORDS: &[&str] = &[
    "ClientSecretCredential",
    "ClientCertificateCredential",
    "ClientAssertionCredential",
    "client_credentials",
    "-ServicePrincipal",
    "--service-principal",
    "ServicePrincipalCredential",
    "WorkloadIdentityCredential",
    "ManagedIdentityCredential",
    "AcquireTokenForClient",
    "acquire_token_for_client",
    "acquireTokenByClientCredential",
    // An XMLA connection string signing in as an app: `User ID=app:<app id>@<tenant>`.
    "User ID=app:",
    "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
    "API is not accessible for application",
];

/// Words that name a signed-in user: interactive, device code and password flows; Power Query
/// (`Web.Contents` signs in with an organizational account); semantic link in a notebook (runs
/// as the notebook's user).
const DELEGATED_WORDS: &[&str] = &[
    "InteractiveBrowserCredential",
    "DeviceCodeCredential",
    "UsernamePasswordCredential",
    "AcquireTokenInteractive",
    "AcquireTokenByUsernamePassword",
    "AcquireTokenWithDeviceCode",
    "AcquireTokenByIntegratedWindowsAuth",
    "acquire_token_interactive",
    "acquire_token_by_username_password",
    "acquire_token_by_device_flow",
    "acquireTokenByDeviceCode",
    "grant_type=password",
    "Web.Contents",
    "Expression.Error",
];

/// The first of `words` in the lower-cased text, without case (people retype `web.contents`).
fn first_word_in(lower: &Lowered, words: &[&str]) -> Option<String> {
    words
        .iter()
        .find(|word| lower.holds(&word.to_ascii_lowercase()))
        .map(|word| (*word).to_owned())
}

fn application_hint(lower: &Lowered) -> Option<String> {
    first_word_in(lower, APPLICATION_WORDS)
}

fn delegated_hint(lower: &Lowered, command: &CommandEvidence) -> Option<String> {
    first_word_in(lower, DELEGATED_WORDS).or_else(|| {
        (command.service_principal == Some(false))
            .then(|| "Connect-PowerBIServiceAccount without -ServicePrincipal".to_owned())
    })
}

/// `"code": "…"` and `"message": "…"` of an error body that does not parse: cut short by the
/// paste, or a Python dict (`{'errorCode': '…'}`). Numeric codes are a pipeline activity's own,
/// not the service's.
fn fields_of_broken_json(text: &str, lower: &Lowered) -> (Option<String>, Option<String>) {
    let value_after = |key: &str, max: usize, allow: fn(char) -> bool| -> Option<String> {
        if !lower.may_hold(key) {
            return None;
        }
        let mut from = 0;
        while let Some(found) = text[from..].find(key) {
            let at = from + found;
            from = at + key.len();
            let rest = &text[from..];
            let Some(rest) = rest.strip_prefix(['"', '\'']) else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                continue;
            };
            let body = &rest[1..];
            let Some(end) = body.find(quote).filter(|e| *e <= max) else {
                continue;
            };
            let value = &body[..end];
            if !value.is_empty()
                && value.chars().all(allow)
                && !value.chars().all(|c| c.is_ascii_digit())
            {
                return Some(value.to_owned());
            }
        }
        None
    };
    let code_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ' ' | '-');
    let code = ["\"errorCode", "'errorCode", "\"code", "'code"]
        .iter()
        .find_map(|key| value_after(key, 80, code_char));
    let message = ["\"message", "'message", "\"Message", "'Message"]
        .iter()
        .find_map(|key| value_after(key, 400, |c| c != '\n'));
    (code, message)
}

/// The code of a Fabric CLI error line: `x <command>: [<errorCode>] <message>` (`fab` prints the
/// API's `errorCode` in brackets, then `∟ Request Id: …`).
fn fabric_cli_code(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("x ")?;
        let (command, rest) = rest.split_once(": [")?;
        if command.is_empty() || command.len() > 40 || command.contains(char::is_whitespace) {
            return None;
        }
        let (code, _) = rest.split_once(']')?;
        (!code.is_empty()
            && code.len() <= 80
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !code.chars().all(|c| c.is_ascii_digit()))
        .then(|| code.to_owned())
    })
}

/// What a CSV export, a log or a redirect did to the error, undone: `""` doubled quotes and
/// `\"` escaped ones made plain, and the `error`, `error_description` of a sign-in redirect URL
/// (and the code of Entra's `/error?code=` page) decoded. Appended to the text as extra lines,
/// so every reader sees them; `None` when there is nothing to undo.
fn undone_layers(text: &str, urls: &[Url]) -> Option<String> {
    let mut extra = String::new();
    // Only the lines that hold a quoted object: a long log is not copied whole.
    for (markers, from, to) in [
        (["{\"\"", "\"\":"], "\"\"", "\""),
        (["{\\\"", "\\\":"], "\\\"", "\""),
    ] {
        if !markers.iter().any(|m| text.contains(m)) {
            continue;
        }
        for line in text
            .lines()
            .filter(|l| markers.iter().any(|m| l.contains(m)))
        {
            extra.push_str(&line.replace(from, to));
            extra.push('\n');
        }
    }
    // Access Control Service, Entra's predecessor, numbered its errors as Entra does
    // (ACS90014 is AADSTS90014, same text): old samples and ADAL still print them.
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices("ACS").take(1024) {
        if at
            .checked_sub(1)
            .is_some_and(|p| bytes[p].is_ascii_alphanumeric())
        {
            continue;
        }
        let digits = bytes[at + 3..]
            .iter()
            .take(9)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits >= 5 {
            // The same line with today's prefix: the description reads as Entra's.
            let line_end = text[at..].find('\n').map_or(text.len(), |e| at + e);
            let mut end = line_end.min(at + 1024);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            extra.push_str("AADSTS");
            extra.push_str(text[at + 3..end].trim_end());
            extra.push('\n');
        }
    }
    for url in urls {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let login = crate::cloud::issuer_cloud(&format!("https://{host}/")).is_some();
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "error" | "error_description" | "error_codes" | "error_subcode" => {
                    extra.push_str(&format!("{key}: {value}\n"));
                }
                "code"
                    if login
                        && url.path().trim_end_matches('/').ends_with("/error")
                        && value.chars().all(|c| c.is_ascii_digit()) =>
                {
                    extra.push_str(&format!(
                        "AADSTS{value}: (the code of Entra's error page)\n"
                    ));
                }
                _ => {}
            }
        }
    }
    (!extra.is_empty()).then_some(extra)
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
pub fn extract(original: &str) -> Extracted {
    let urls = url_candidates(original);
    let layers = undone_layers(original, &urls);
    let joined;
    let text = match &layers {
        Some(extra) => {
            joined = format!("{original}\n{extra}");
            joined.as_str()
        }
        None => original,
    };
    // One lower-cased copy serves every case-insensitive search (ASCII: same bytes, same places).
    let lower = Lowered::new(text);
    let objects = json_objects(text);
    let headers = find_headers(text, &lower);
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
                    trace_id: labelled(text, &lower, "Trace ID:"),
                    correlation_id: labelled(text, &lower, "Correlation ID:"),
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
        find_api_error(text, &lower, &objects, &headers)
    };
    let command = command::read_in(text, &lower);
    let url = find_url(text, &urls, entra.is_some()).or_else(|| command.url.clone());
    let url_cloud = url
        .as_ref()
        .and_then(|u| u.host_str())
        .and_then(hosts::powerbi_cloud)
        .or(command.cloud);
    Extracted {
        body_shown_empty: shows_empty_body(original),
        status: super::status::find_in(text, &lower).or_else(|| {
            api.as_ref()
                .and_then(|a| a.code.as_deref())
                .and_then(implied_status)
        }),
        url,
        headers,
        entra,
        api,
        jwt: find_jwt(text),
        application_hint: application_hint(&lower),
        delegated_hint: delegated_hint(&lower, &command),
        cloud_clash: hosts::clash(&urls),
        url_cloud,
        multi_tenant_authority: multi_tenant_authority(&urls)
            .or_else(|| command.multi_tenant_authority.clone()),
        command,
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

    #[test]
    fn reads_a_powershell_7_response_dump_with_its_retry_after() {
        // `$_.Exception.Response` and `$_.Exception.Response.Headers` as PowerShell 7 prints them.
        let dump = "Invoke-RestMethod: Response status code does not indicate success: 429 (Too Many Requests).\n\nPS> $_.Exception.Response\n\nVersion             : 1.1\nContent             : System.Net.Http.HttpConnectionResponseContent\nStatusCode          : TooManyRequests\nReasonPhrase        : Too Many Requests\nHeaders             : {[Retry-After, System.String[]], [RequestId, System.String[]]}\n\nPS> $_.Exception.Response.Headers\n\nKey                        Value\n---                        -----\nRetry-After                {3392}\nRequestId                  {5b0e6a13-8f2c-4d7e-a1b9-3c6f0d2e84a7}\n";
        let e = extract(dump);
        assert_eq!(e.status, Some(429));
        assert_eq!(e.header("Retry-After"), Some("3392"));
        assert_eq!(
            e.header("RequestId"),
            Some("5b0e6a13-8f2c-4d7e-a1b9-3c6f0d2e84a7")
        );
        // The word alone, as `StatusCode : TooManyRequests` without the exception line.
        assert_eq!(
            extract("StatusCode          : TooManyRequests").status,
            Some(429)
        );
    }

    #[test]
    fn reads_headers_inside_a_one_line_python_dict() {
        let e = extract(
            "Headers: {'Content-Length': '0', 'Access-Control-Expose-Headers': 'RequestId', 'RequestId': 'a5f0c3e8-6b21-4d97-9e4c-1f8d2a7b6c30', 'x-ms-public-api-error-code': 'InsufficientScopes'}",
        );
        assert_eq!(
            e.header("RequestId"),
            Some("a5f0c3e8-6b21-4d97-9e4c-1f8d2a7b6c30")
        );
        assert_eq!(
            e.header("x-ms-public-api-error-code"),
            Some("InsufficientScopes")
        );
        // `request-id` is not the tail of `x-ms-request-id`.
        let only_ms = extract("{'x-ms-request-id': 'abc'}");
        assert_eq!(only_ms.header("request-id"), None);
        assert_eq!(only_ms.header("x-ms-request-id"), Some("abc"));
    }

    #[test]
    fn reads_every_url_family_and_its_route() {
        use super::super::Route;
        let route = |text: &str| extract(text).url.as_ref().map(Route::of);
        for (text, expected) in [
            (
                "GET https://api.powerbi.com/v1.0/myorg/admin/groups?$top=1 401",
                Route::Admin,
            ),
            (
                "POST https://api.powerbi.com/v1.0/myorg/groups/<workspace-id>/users",
                Route::Workspace,
            ),
            (
                "GET https://api.powerbi.com/v1.0/myorg/groups/{groupId}/reports",
                Route::Workspace,
            ),
            (
                "GET https://api.powerbi.com/v1.0/myorg/datasets/{datasetId}/datasources",
                Route::MyOrg,
            ),
            (
                "GET https://api.powerbi.com/v1.0/myorg/groups?$filter=name eq 'x'",
                Route::MyOrg,
            ),
            (
                "calling POST on 'https://api.powerbi.com/v1/workspaces/xxxx/items'",
                Route::Workspace,
            ),
            (
                "calling GET on 'https://api.fabric.microsoft.com/v1/workspaces'",
                Route::Fabric,
            ),
            (
                "https://api.fabric.microsoft.com/v1/capacities",
                Route::Fabric,
            ),
            (
                "https://api.fabric.microsoft.com/v1/admin/tenantsettings",
                Route::Admin,
            ),
            (
                "POST https://api.fabric.microsoft.com/v1/mcp/powerbi 401",
                Route::Fabric,
            ),
            (
                "403 Error - https://wabi-us-north-central-redirect.analysis.windows.net/metadata/cluster",
                Route::Cluster,
            ),
            (
                "Data Source=powerbi://api.powerbi.com/v1.0/myorg/Sales Analytics;User ID=app:x@y",
                Route::Xmla,
            ),
            (
                "https://api.high.powerbigov.us/v1.0/myorg/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/datasets",
                Route::Workspace,
            ),
        ] {
            assert_eq!(route(text), Some(expected), "{text}");
        }
        // A Fabric URL is never the `/myorg/` words.
        assert_ne!(
            route("https://api.fabric.microsoft.com/v1/connections"),
            Some(Route::MyOrg)
        );
        // Portal pages, resources and docs are not calls.
        assert_eq!(
            route(
                "see https://app.powerbi.com/groups/me/list and https://learn.microsoft.com/rest/api/power-bi/"
            ),
            None
        );
        assert_eq!(
            route("scope https://analysis.windows.net/powerbi/api/.default"),
            None
        );
        // The cloud of the URL called.
        assert_eq!(
            extract("GET https://api.mil.powerbigov.us/v1.0/myorg/groups 401").url_cloud,
            Some(Cloud::Usdod)
        );
        // The XMLA connection string names an application.
        assert_eq!(
            extract("Data Source=powerbi://api.powerbi.com/v1.0/myorg/Sales;User ID=app:8a1d5c3e@contoso.com;Password=x").application_hint.as_deref(),
            Some("User ID=app:")
        );
    }

    #[test]
    fn hosts_of_two_clouds_and_multi_tenant_authorities_are_evidence() {
        let e = extract(
            "INFO Initializing with authority: https://login.microsoftonline.us/72f988bf-0000-4000-8000-000000000001\nWARNING 403 Client Error: Forbidden for url: https://api.powerbi.com/v1.0/myorg/admin/groups",
        );
        assert!(e.cloud_clash.is_some());
        assert!(!e.is_empty());
        let common = extract(
            "POST https://login.microsoftonline.com/common/oauth2/v2.0/token\nHTTP/1.1 400 Bad Request",
        );
        assert!(common.multi_tenant_authority.is_some());
        assert_eq!(
            extract("POST https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token")
                .multi_tenant_authority,
            None
        );
    }

    #[test]
    fn undoes_csv_quotes_log_escapes_and_url_encoding() {
        // A CSV export doubles the quotes of the JSON in a cell.
        let csv = extract(
            "Timestamp,Status,Body\n2026-11-20T09:14:03Z,401,\"{\"\"requestId\"\":\"\"r-1\"\",\"\"errorCode\"\":\"\"InsufficientScopes\"\",\"\"message\"\":\"\"The caller does not have sufficient scopes\"\"}\"\n",
        );
        let api = csv.api.unwrap();
        assert_eq!(api.code.as_deref(), Some("InsufficientScopes"));
        // Only the parsed body gives Fabric's request id.
        assert_eq!(api.request_id.as_deref(), Some("r-1"));
        // A log escapes it inside a string.
        let escaped = extract(
            r#"level=error msg="request failed" body="{\"requestId\":\"r-1\",\"errorCode\":\"InsufficientScopes\",\"message\":\"The caller does not have sufficient scopes to perform this operation\"}""#,
        );
        assert_eq!(
            escaped.api.unwrap().code.as_deref(),
            Some("InsufficientScopes")
        );
        // A paste cut inside the body, and a Python dict.
        let cut = extract(
            "{\n  \"error\": {\n    \"code\": \"DMTS_OAuthTokenRefreshFailedError\",\n    \"pbi.error\": {",
        );
        assert_eq!(
            cut.api.unwrap().code.as_deref(),
            Some("DMTS_OAuthTokenRefreshFailedError")
        );
        let dict = extract(
            "[{'errorCode': 'ItemDisplayNameAlreadyInUse', 'message': \"Item name 'x' is already in use.\"}]",
        );
        assert_eq!(
            dict.api.unwrap().code.as_deref(),
            Some("ItemDisplayNameAlreadyInUse")
        );
        // A sign-in redirect with the error URL-encoded, and Entra's error page.
        let redirect = extract(
            "http://localhost:5000/signin-oidc?error=invalid_client&error_description=AADSTS7000215%3a+Invalid+client+secret+provided.+Trace+ID%3a+t-1+Correlation+ID%3a+c-1&state=x",
        );
        let entra = redirect.entra.unwrap();
        assert_eq!(entra.codes, vec![7000215]);
        assert_eq!(entra.error.as_deref(), Some("invalid_client"));
        assert_eq!(entra.trace_id.as_deref(), Some("t-1"));
        assert_eq!(entra.correlation_id.as_deref(), Some("c-1"));
        let page = extract("https://login.microsoftonline.com/error?code=7000222");
        assert_eq!(page.entra.unwrap().codes, vec![7000222]);
        // The legacy Access Control Service numbering.
        let acs = extract(
            "ACS90014: The request body must contain the following parameter: 'client_secret or client_assertion'",
        );
        assert_eq!(acs.entra.unwrap().codes, vec![90014]);
    }

    #[test]
    fn names_who_was_calling_from_the_tools_words() {
        assert_eq!(
            extract("Expression.Error: Access to the resource is forbidden.")
                .delegated_hint
                .as_deref(),
            Some("Expression.Error")
        );
        assert_eq!(
            extract("web.contents failed to get contents from 'https://api.powerbi.com/v1.0/myorg/groups' (403): Forbidden").delegated_hint.as_deref(),
            Some("Web.Contents")
        );
        assert_eq!(
            extract("msal PublicClientApplication.acquire_token_interactive(scopes) -> 401")
                .delegated_hint
                .as_deref(),
            Some("acquire_token_interactive")
        );
        assert_eq!(
            extract("result = app.acquire_token_for_client(scopes=[...])\n401 Client Error")
                .application_hint
                .as_deref(),
            Some("acquire_token_for_client")
        );
    }

    #[test]
    fn a_text_without_any_signal_is_empty() {
        for text in [
            "",
            "It does not work, please help",
            "Get-PowerBIReport",
            "See https://learn.microsoft.com/power-bi/developer/embedded/embed-service-principal",
            "At line:401 char:1",
        ] {
            assert!(extract(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn reads_the_fabric_cli_error_line() {
        let e = extract(
            "PS> fab ls \"/Finance.Workspace\"\nx ls: [WorkspaceNotFound] The requested workspace was not found\n∟ Request Id: 2f7c1a90-6b3e-4d85-9e12-c04a8b5d73f6\n",
        );
        let api = e.api.unwrap();
        assert_eq!(api.code.as_deref(), Some("WorkspaceNotFound"));
        assert_eq!(
            api.request_id.as_deref(),
            Some("2f7c1a90-6b3e-4d85-9e12-c04a8b5d73f6")
        );
        let unknown = extract("x get: [UnknownItemType] something");
        assert_eq!(
            unknown.api.unwrap().code.as_deref(),
            Some("UnknownItemType")
        );
    }
}

//! The HTTP status of a failed call, from whatever rendering a tool gave it: a status line, a
//! number with its reason (`401 Unauthorized`, `401 (Unauthorized)`, `401: Unauthorized`,
//! `403 Client Error`, the localised `.NET` `429 ()`), a number after a label (`StatusCode: 401`,
//! `status code 403`, `HTTP Error: 401`, `"status": 429`), a number in parentheses (`(401)`), or a
//! word: .NET's `HttpStatusCode` names (`Unauthorized`, `Forbidden`, `TooManyRequests`,
//! `NotFound`…), reason phrases in quotes or parentheses (`'Not Found'`), the words a message
//! uses (`… is forbidden.`, `throttled`), and the usual misspellings of the two that matter most
//! (`Unathourized`, `Unauthorised`, `Forbiden`).
//!
//! Linear: every candidate is looked at once, with a bounded look around it.

use super::extract::Lowered;

/// Reason phrases, as the HTTP spec and .NET's `HttpStatusCode` write them (compared without
/// case, spaces or `-`).
const REASONS: &[(u16, &str)] = &[
    (400, "badrequest"),
    (401, "unauthorized"),
    (401, "unauthorised"),
    (403, "forbidden"),
    (404, "notfound"),
    (405, "methodnotallowed"),
    (407, "proxyauthenticationrequired"),
    (408, "requesttimeout"),
    (409, "conflict"),
    (429, "toomanyrequests"),
    (500, "internalservererror"),
    (502, "badgateway"),
    (503, "serviceunavailable"),
    (504, "gatewaytimeout"),
];

/// Words after a number that say it is a status (besides its own reason phrase).
const STATUS_TAILS: &[&str] = &["clienterror", "servererror", "error"];

/// Labels after which a number is a status, compared on the lower-cased text before it.
const LABELS: &[&str] = &[
    "http/1.1",
    "http/1.0",
    "http/2.0",
    "http/2",
    "http/3",
    "statuscode",
    "status code",
    "status_code",
    "status",
    "http error",
    "http status",
    "does not indicate success",
    // Localised .NET: "Der Antwortstatuscode gibt keinen Erfolg an: 429 ()".
    "erfolg an",
];

/// Words that name a status anywhere, whole words without case.
const WORDS_ANYWHERE: &[(u16, &str)] = &[
    (401, "unauthorized"),
    (401, "unauthorised"),
    (403, "forbidden"),
    (429, "too many requests"),
    (429, "throttled"),
    (407, "proxy authentication required"),
];

/// .NET `HttpStatusCode` names, whole words with their case: distinctive enough anywhere.
const ENUM_NAMES: &[(u16, &str)] = &[
    (400, "BadRequest"),
    (404, "NotFound"),
    (405, "MethodNotAllowed"),
    (407, "ProxyAuthenticationRequired"),
    (408, "RequestTimeout"),
    (429, "TooManyRequests"),
    (500, "InternalServerError"),
    (502, "BadGateway"),
    (503, "ServiceUnavailable"),
    (504, "GatewayTimeout"),
];

/// The status stated in the text, numeric forms first (they are explicit), then words.
pub fn find(text: &str) -> Option<u16> {
    find_in(text, &Lowered::new(text))
}

/// [`find`] with `text` already lower-cased.
pub fn find_in(text: &str, lower: &Lowered) -> Option<u16> {
    numeric(text, lower)
        .or_else(|| worded(text, lower))
        .or_else(|| misspelt(text))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text[from..to]` moved inwards to char boundaries.
fn slice(text: &str, mut from: usize, mut to: usize) -> &str {
    to = to.min(text.len());
    while to > from && !text.is_char_boundary(to) {
        to -= 1;
    }
    while from < to && !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..to]
}

/// Whether the (lower-cased) text after a number says it is a status: its reason phrase (any
/// status's, as tools print `401 (Unauthorized)` or `401: Unauthorized - Error: null`), `Client
/// Error`, `Error`, or the empty parentheses localised .NET prints. Allocation-free: a log holds
/// many numbers.
fn reason_follows(after: &str) -> bool {
    if after.trim_start().starts_with("()") {
        return true;
    }
    let rest = after.trim_start_matches([' ', ':', '-', '(', '\t']);
    if !rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    REASONS
        .iter()
        .map(|(_, r)| *r)
        .chain(STATUS_TAILS.iter().copied())
        .any(|r| phrase_len(rest, r).is_some())
}

/// Whether the (lower-cased) text before a number ends with a label that makes it a status.
fn label_precedes(before: &str) -> bool {
    let trimmed = before.trim_end_matches([' ', ':', '=', '(', '"', '\'', '\t', '#']);
    LABELS.iter().any(|l| trimmed.ends_with(l))
}

/// Numeric statuses: a three-digit number, not part of a longer word or number, that a label
/// precedes, a reason follows, parentheses enclose, or that opens a line before a `:`.
fn numeric(text: &str, lower: &Lowered) -> Option<u16> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let end = i;
        let prev = start.checked_sub(1).map(|p| bytes[p]);
        let next = bytes.get(end).copied();
        if end - start != 3
            || prev.is_some_and(|b| is_word_byte(b) || b == b'.' || b == b'-')
            || next.is_some_and(|b| {
                is_word_byte(b) || b == b'.' && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
            })
        {
            continue;
        }
        // The milliseconds of a timestamp (`09:14:03,402`, `09:14:03.402`) are not a status.
        let after_time_separator = prev.is_some_and(|b| matches!(b, b',' | b':'))
            && start
                .checked_sub(2)
                .is_some_and(|p| bytes[p].is_ascii_digit());
        if after_time_separator {
            continue;
        }
        let Ok(code) = text[start..end].parse::<u16>() else {
            continue;
        };
        if !(100..600).contains(&code) {
            continue;
        }
        let error = code >= 400;
        let before = slice(lower, start.saturating_sub(40), start);
        let after = slice(lower, end, end + 48);
        let in_parens = prev == Some(b'(') && next == Some(b')');
        let line_start = || {
            before
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim_start_matches([' ', '\t', '>', '<', '\r']).is_empty())
        };
        // Cheapest first: a log holds many numbers.
        if (error && (in_parens || reason_follows(after)))
            || label_precedes(before)
            || (error && next == Some(b':') && line_start())
        {
            return Some(code);
        }
    }
    None
}

/// The first status word of the text, whole words only.
fn worded(text: &str, lower: &Lowered) -> Option<u16> {
    let mut best: Option<(usize, u16)> = None;
    fn consider(best: &mut Option<(usize, u16)>, at: usize, code: u16) {
        if best.is_none_or(|(b, _)| at < b) {
            *best = Some((at, code));
        }
    }
    let whole = |hay: &str, at: usize, len: usize| {
        let b = hay.as_bytes();
        !at.checked_sub(1).is_some_and(|p| is_word_byte(b[p]))
            && !b.get(at + len).is_some_and(|n| is_word_byte(*n))
    };
    for (code, word) in WORDS_ANYWHERE {
        if let Some(at) = lower
            .positions(word)
            .find(|at| whole(lower, *at, word.len()))
        {
            consider(&mut best, at, *code);
        }
    }
    for (code, name) in ENUM_NAMES.iter().filter(|(_, n)| lower.may_hold(n)) {
        if let Some(at) = text
            .match_indices(name)
            .map(|(at, _)| at)
            .find(|at| whole(text, *at, name.len()))
        {
            consider(&mut best, at, *code);
        }
    }
    // Reason phrases in quotes or parentheses, or after a label: `'Not Found'`, `(Bad Request)`,
    // `status code 'Conflict'`. One pass over the openers and the labels, not one per phrase.
    let bytes = lower.as_bytes();
    let reason_at = |at: usize| -> Option<(u16, usize)> {
        let candidate = slice(lower, at, at + 40);
        let first = candidate.as_bytes().first()?;
        REASONS
            .iter()
            .filter(|(_, r)| r.as_bytes().first() == Some(first))
            .find_map(|(code, r)| phrase_len(candidate, r).map(|len| (*code, len)))
            .filter(|(_, len)| whole(lower, at, *len))
    };
    for (i, b) in bytes.iter().enumerate() {
        if best.is_some_and(|(at, _)| at <= i) {
            break;
        }
        let close = match b {
            b'\'' => b'\'',
            b'"' => b'"',
            b'(' => b')',
            _ => continue,
        };
        if let Some((code, len)) = reason_at(i + 1)
            && bytes.get(i + 1 + len) == Some(&close)
        {
            consider(&mut best, i + 1, code);
        }
    }
    for at in lower.positions("status") {
        if best.is_some_and(|(b, _)| b <= at) {
            break;
        }
        let after = slice(lower, at + 6, at + 24);
        let rest = after.trim_start_matches([' ', ':', '=', '\'', '"', '(', '\t']);
        let rest = rest.strip_prefix("code").unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', ':', '=', '\'', '"', '(', '\t']);
        let start = rest.as_ptr() as usize - lower.as_ptr() as usize;
        if let Some((code, _)) = reason_at(start) {
            consider(&mut best, start, code);
        }
    }
    best.map(|(_, code)| code)
}

/// The length of `candidate`'s start that spells `reason` with optional spaces or `-` between
/// its letters, if it does.
fn phrase_len(candidate: &str, reason: &str) -> Option<usize> {
    let mut wanted = reason.bytes().peekable();
    for (i, b) in candidate.bytes().enumerate() {
        match wanted.peek() {
            None => return Some(i),
            Some(w) if *w == b => {
                wanted.next();
            }
            Some(_) if matches!(b, b' ' | b'-') && i > 0 => {}
            Some(_) => return None,
        }
    }
    wanted.peek().is_none().then_some(candidate.len())
}

/// Misspellings of the two statuses that matter most: a word within two edits of `unauthorized`
/// that starts with `un` (so `authorized` is not one), or within one edit of `forbidden`.
fn misspelt(text: &str) -> Option<u16> {
    // Words as the other readings see them: `unauthorized_client` is one word, not a status.
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word_byte(bytes[i]) {
            i += 1;
        }
        let word = &bytes[start..i];
        if !(7..=14).contains(&word.len()) || !word.iter().all(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut buffer = [0u8; 14];
        let w = &mut buffer[..word.len()];
        w.copy_from_slice(word);
        w.make_ascii_lowercase();
        if w.starts_with(b"un") && osa(w, b"unauthorized") <= 2 {
            return Some(401);
        }
        if w.starts_with(b"f") && osa(w, b"forbidden") <= 1 {
            return Some(403);
        }
    }
    None
}

/// Optimal string alignment distance (edits, with adjacent transpositions) of two words of at
/// most 14 letters.
fn osa(a: &[u8], b: &[u8]) -> usize {
    let mut d = [[0usize; 15]; 15];
    for (i, row) in d.iter_mut().enumerate().take(a.len() + 1) {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_rendering_of_a_status() {
        let cases: &[(&str, u16)] = &[
            ("HTTP/1.1 401 Unauthorized", 401),
            ("< HTTP/2 403", 403),
            (
                "Response status code does not indicate success: 401 (Unauthorized).",
                401,
            ),
            ("Der Antwortstatuscode gibt keinen Erfolg an: 429 ().", 429),
            (
                "Invoke-RestMethod : The remote server returned an error: (403) Forbidden.",
                403,
            ),
            (
                "Invoke-RestMethod : Le serveur distant a retourné une erreur : (401) Non autorisé.",
                401,
            ),
            (
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://x",
                401,
            ),
            ("401: Unauthorized - Error: null", 401),
            ("401: Unauthorized-Error:null", 401),
            (
                "429: {\"requestId\":\"r\",\"errorCode\":\"RequestBlocked\"}",
                429,
            ),
            ("... 407: Proxy Authentication Required...", 407),
            (
                "Import-FabricItem updateDefinition : 401 (Unauthorized).; API error code: 'Unauthorized'",
                401,
            ),
            (
                "403 Error - https://wabi-us-north-central-redirect.analysis.windows.net/metadata/cluster",
                403,
            ),
            ("Error 403 Forbidden", 403),
            ("HTTP ERROR 400", 400),
            ("Response Status: 500", 500),
            ("StatusCode        : 429", 429),
            ("\"status\": 404,", 404),
            (
                "ClientSideException HttpStatusCode : 401, HttpStatusString: Unauthorized",
                401,
            ),
            (
                "Get Token request returned http error: 401 and server response",
                401,
            ),
            ("received HTTP status 405 with response", 405),
            ("status code 403", 403),
            // worded
            (
                "Operation returned an invalid status code 'Unauthorized'",
                401,
            ),
            ("Operation returned status code \"Forbidden\"", 403),
            ("Operation returned an invalid status code 'NotFound'", 404),
            (
                "Operation returned an invalid status code 'BadRequest'",
                400,
            ),
            (
                "StatusCode          : TooManyRequests\nReasonPhrase        : Too Many Requests",
                429,
            ),
            (
                "PbiTools.Deployments.DeploymentException: HTTP Error: Unauthorized",
                401,
            ),
            (
                "Expression.Error: Access to the resource is forbidden.",
                403,
            ),
            ("\"code\": \"Request Throttled\"", 429),
            ("The request failed: (Not Found)", 404),
            // misspelt
            ("The API call results in an \"Unathourized\" response.", 401),
            ("Unauthorised", 401),
            ("Forbiden", 403),
        ];
        for (text, status) in cases {
            assert_eq!(find(text), Some(*status), "{text}");
        }
    }

    #[test]
    fn numbers_and_words_that_are_not_statuses() {
        for text in [
            "At line:401 char:1",
            "Regel 403: var x = 1;",
            "Trace ID: 4c1d2e7a-93b0-4f6e-a8d5-2b7f90c3e611",
            "AADSTS50011: The reply address does not match",
            "error=unauthorized_client",
            "System.UnauthorizedAccessException: Access to the path is denied.",
            "The executing identity is not authorized to call GET",
            "Application with identifier 'x' was not found in the directory",
            "version 1.0.401.0",
            "PowerBIEntityNotFound",
            "listening on port 8401",
            "Took 403 ms",
            "2026-11-20 09:14:03,402 ERROR inventory: token acquired",
            "09:14:03:401 error",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }
}

//! Normalising a token as people actually paste it: a bare JWT, `Bearer …`, `Authorization: Bearer
//! …`, a JSON token response (`access_token`, az's `accessToken`, MSAL.NET's `AccessToken`,
//! Get-AzAccessToken's `Token`), with quotes or whitespace around it; or a tool's printout holding
//! it: a PowerShell object listing (`Token : eyJ…`), an MSAL Python dict, an azure-identity
//! `AccessToken(token='…')`, a `curl -H 'Authorization: Bearer …'` or PowerShell `-Headers
//! @{"Authorization"="Bearer …"}` command line, a browser's or Postman's header list. The wrappers
//! found are kept: quotes and a doubled `Bearer` are findings, because the user's own script
//! probably sends them.

use serde_json::Value;

/// One layer that was peeled off the pasted text. The names are the `token.input` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    /// Nothing around the token.
    Bare,
    /// A `Bearer ` prefix.
    Bearer,
    /// An `Authorization:` header name.
    AuthorizationHeader,
    /// A JSON token response (`access_token`, `accessToken`, `AccessToken` or `Token` field).
    JsonResponse,
    /// Quotes around the token.
    Quoted,
    /// `Bearer Bearer …`: the prefix twice.
    DoubleBearer,
    /// One field of a tool's printout: an object listing, a Python dict, a command line.
    ToolOutput,
}

impl Wrapper {
    /// The `token.input` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Bearer => "bearer",
            Self::AuthorizationHeader => "authorization-header",
            Self::JsonResponse => "json-response",
            Self::Quoted => "quoted",
            Self::DoubleBearer => "double-bearer",
            Self::ToolOutput => "tool-output",
        }
    }

    /// Every wrapper, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Bare,
        Self::Bearer,
        Self::AuthorizationHeader,
        Self::JsonResponse,
        Self::Quoted,
        Self::DoubleBearer,
        Self::ToolOutput,
    ];

    /// The wrapper whose `token.input` value this is.
    pub fn from_signal(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.signal() == value)
    }

    /// How the token was given, for people, to follow "given": "in quotes", "with a Bearer
    /// prefix".
    pub fn words(self) -> &'static str {
        match self {
            Self::Bare => "bare, with nothing around it",
            Self::Bearer => "with a Bearer prefix",
            Self::AuthorizationHeader => "as an Authorization header",
            Self::JsonResponse => "as a JSON token response",
            Self::Quoted => "in quotes",
            Self::DoubleBearer => "with Bearer twice",
            Self::ToolOutput => "as one field of a tool's printout",
        }
    }

    /// Whether this wrapper means the caller's own requests are probably malformed.
    pub fn is_suspicious(self) -> bool {
        matches!(self, Self::Quoted | Self::DoubleBearer)
    }
}

/// The token found in pasted text and the wrappers around it, outermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInput {
    /// The token itself (may still be garbage: the claims check judges it).
    pub token: String,
    /// What was peeled off.
    pub wrappers: Vec<Wrapper>,
    /// `expires_in`, `expires_on`, `resource`, `tenant`… from a token response or a printout,
    /// when there was one.
    pub response_fields: Vec<(String, String)>,
    /// What the text holds instead of a token, when it says so (a SecureString).
    pub hint: Option<&'static str>,
}

/// Fields that name the access token, by priority: the `…token` of a response that also holds an
/// id token and a refresh token is the one named for access. Compared without case or `_`.
const TOKEN_KEYS: [&str; 2] = ["accesstoken", "token"];

/// Fields of a response or a printout worth showing, compared without case or `_`: none of them
/// is a secret.
const FIELD_KEYS: &[&str] = &[
    "tokentype",
    "type",
    "expiresin",
    "expireson",
    "notbefore",
    "resource",
    "tenant",
    "tenantid",
];

/// What a SecureString prints as where a token was expected (`Get-AzAccessToken` in Az.Accounts
/// 3 and later, `-AsSecureString`).
const SECURE_STRING_HINT: &str = "the text holds a SecureString, not the token: Get-AzAccessToken returns the token as a SecureString in current Az.Accounts; print it with `[System.Net.NetworkCredential]::new('', $t.Token).Password` (or `ConvertFrom-SecureString -AsPlainText` in PowerShell 7)";

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The position of `sub`, a slice of `base`, in `base`.
fn range_in(base: &str, sub: &str) -> std::ops::Range<usize> {
    let start = sub.as_ptr() as usize - base.as_ptr() as usize;
    start..start + sub.len()
}

/// A key compared the way [`TOKEN_KEYS`] and [`FIELD_KEYS`] are written: lower case, no `_`.
fn key_form(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The access token of a JSON token response, with the fields worth showing.
fn json_response(map: &serde_json::Map<String, Value>) -> Option<(String, Vec<(String, String)>)> {
    let token = TOKEN_KEYS.iter().find_map(|wanted| {
        map.iter()
            .find(|(k, v)| key_form(k) == *wanted && v.is_string())
            .and_then(|(_, v)| v.as_str())
    })?;
    let mut fields = Vec::new();
    for (key, value) in map {
        if !FIELD_KEYS.contains(&key_form(key).as_str()) {
            continue;
        }
        match value {
            Value::String(s) => fields.push((key.clone(), s.clone())),
            Value::Number(n) => fields.push((key.clone(), n.to_string())),
            _ => {}
        }
    }
    Some((token.to_owned(), fields))
}

/// Whether the text, once peeled, can be a token as it stands: one word of the characters
/// tokens are made of (a JWT, or another opaque token the claims check will judge).
fn token_like(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=' | b'~')
        })
}

/// Peels every wrapper off `text`; where what is left is not one token, finds the token in the
/// printout around it.
///
/// Linear in the text: layers are peeled by narrowing a range, never by copying what is left
/// (800 KB of `"` used to take half a minute), and the JSON parser sees only text that starts
/// with `{`. A token response nested in a token response doubles its escapes at every level, so
/// there are only logarithmically many of those. The printout is scanned once.
pub fn normalize(text: &str) -> TokenInput {
    let peeled = peel(text);
    if token_like(&peeled.token) {
        return peeled;
    }
    if let Some(found) = in_printout(text) {
        return found;
    }
    if text.contains("System.Security.SecureString") {
        return TokenInput {
            hint: Some(SECURE_STRING_HINT),
            ..peeled
        };
    }
    peeled
}

fn peel(text: &str) -> TokenInput {
    let mut wrappers = Vec::new();
    let mut response_fields = Vec::new();
    // The text being peeled: the paste, or the token of the innermost JSON response so far.
    let mut base: std::borrow::Cow<'_, str> = std::borrow::Cow::Borrowed(text);
    let mut range = range_in(text, text.trim());
    let mut bearers = 0;
    loop {
        let mut peeled = false;
        let current = &base[range.clone()];
        let response = if current.starts_with('{')
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(current)
        {
            json_response(&map)
        } else {
            None
        };
        if let Some((token, fields)) = response {
            wrappers.push(Wrapper::JsonResponse);
            response_fields.extend(fields);
            base = std::borrow::Cow::Owned(token);
            range = range_in(&base, base.trim());
            peeled = true;
        }
        let mut current = &base[range.clone()];
        if let Some(rest) = strip_prefix_ignore_case(current, "authorization:") {
            wrappers.push(Wrapper::AuthorizationHeader);
            current = rest.trim();
            peeled = true;
        }
        while let Some(rest) = strip_prefix_ignore_case(current, "bearer") {
            if !rest.starts_with(char::is_whitespace) {
                break;
            }
            bearers += 1;
            current = rest.trim();
            peeled = true;
        }
        for quote in ['"', '\'', '`'] {
            if current.len() >= 2 && current.starts_with(quote) && current.ends_with(quote) {
                wrappers.push(Wrapper::Quoted);
                current = current[1..current.len() - 1].trim();
                peeled = true;
            }
        }
        range = range_in(&base, current);
        if !peeled {
            break;
        }
    }
    match bearers {
        0 => {}
        1 => wrappers.push(Wrapper::Bearer),
        _ => wrappers.push(Wrapper::DoubleBearer),
    }
    wrappers.dedup();
    if wrappers.is_empty() {
        wrappers.push(Wrapper::Bare);
    }
    TokenInput {
        token: base[range].to_owned(),
        wrappers,
        response_fields,
        hint: None,
    }
}

/// The characters a key of a printout is made of.
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Bytes between a key and its value that are syntax, not content: quotes (escaped or not),
/// spaces, `@{`.
fn is_filler(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'\\' | b' ' | b'\t')
}

/// A value in a printout, after its key: `key <sep> value` where the separator is `:` or `=`
/// (or, when `loose`, only whitespace), with quotes and spaces around either side. Returns the
/// value's start and whether it was quoted.
fn value_after(bytes: &[u8], key_end: usize, loose: bool) -> Option<(usize, bool)> {
    let mut i = key_end;
    while i < bytes.len() && is_filler(bytes[i]) {
        i += 1;
    }
    let separated = matches!(bytes.get(i), Some(b':' | b'='));
    if separated {
        i += 1;
    } else if !loose || i == key_end {
        return None;
    }
    let start = i;
    while i < bytes.len() && is_filler(bytes[i]) {
        i += 1;
    }
    let quoted = bytes[start..i].iter().any(|b| matches!(b, b'"' | b'\''));
    Some((i, quoted))
}

/// The run of token characters at `start`.
fn token_at(text: &str, start: usize) -> &str {
    let end = text[start..]
        .bytes()
        .position(|b| {
            !(b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'+' | b'/' | b'=' | b'~'))
        })
        .map_or(text.len(), |p| start + p);
    &text[start..end]
}

/// A printout's field value: to the closing quote when quoted, else to the end of the line or a
/// `,`, `)` or `}`.
fn field_value(text: &str, start: usize, quoted: bool) -> &str {
    // A field value is short; looking no further keeps a text of keys without delimiters linear.
    let mut limit = (start + 256).min(text.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let rest = &text[start..limit];
    let end = if quoted {
        rest.find(['"', '\'', '\\', '\n']).unwrap_or(rest.len())
    } else {
        rest.find(['\n', '\r', ',', ')', '}', ';'])
            .unwrap_or(rest.len())
    };
    rest[..end].trim()
}

/// A token in a printout: the value of an `Authorization` header (`Bearer …`), else of an access
/// token field, else of a `token` field, else the first JWT not named an id token or refresh
/// token. Minimum lengths keep `token: null` and a word of prose out.
fn in_printout(text: &str) -> Option<TokenInput> {
    let bytes = text.as_bytes();
    // Best candidate per rank: 0 an Authorization header, 1 an access token field, 2 a token field.
    let mut best: [Option<(usize, usize, bool)>; 3] = [None, None, None];
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_key_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_key_byte(bytes[i]) {
            i += 1;
        }
        // A key is a whole word: not the tail of a longer name (`$token`, `id_token` are words of
        // their own; `-Token` is a parameter, read like a key).
        let word = &text[start..i];
        // The keys looked for are 4 to 13 letters (without `_`): most words are not looked at.
        if !(4..=16).contains(&word.len()) {
            continue;
        }
        let mut buffer = [0u8; 16];
        let mut len = 0;
        for b in word.bytes().filter(|b| *b != b'_') {
            buffer[len] = b.to_ascii_lowercase();
            len += 1;
        }
        let Ok(key) = std::str::from_utf8(&buffer[..len]) else {
            continue;
        };
        if key == "authorization" {
            if best[0].is_some() {
                continue;
            }
            let Some((value, _)) = value_after(bytes, i, true) else {
                continue;
            };
            let rest = &text[value..];
            let Some(after) = strip_prefix_ignore_case(rest, "bearer") else {
                continue;
            };
            let skip = after.len() - after.trim_start().len();
            if skip == 0 {
                continue;
            }
            let at = value + "bearer".len() + skip;
            let token = token_at(text, at);
            if token.len() >= 16 {
                best[0] = Some((at, at + token.len(), true));
            }
        } else if let Some(rank) = TOKEN_KEYS.iter().position(|k| *k == key) {
            if best[rank + 1].is_some() {
                continue;
            }
            let Some((value, _)) = value_after(bytes, i, true) else {
                continue;
            };
            let (at, bearer) = match strip_prefix_ignore_case(&text[value..], "bearer ") {
                Some(rest) => (text.len() - rest.trim_start().len(), true),
                None => (value, false),
            };
            let token = token_at(text, at);
            // A field separated by whitespace only (Postman's `Token  eyJ…`) must look like a JWT.
            let separated = text[i..value].contains([':', '=']);
            let secure_string = token == "System.Security.SecureString";
            if token.len() >= 16 && !secure_string && (separated || token.starts_with("eyJ")) {
                best[rank + 1] = Some((at, at + token.len(), bearer));
            }
        } else if FIELD_KEYS.contains(&key)
            // `Content-Type: …` is a header, not a field of the printout.
            && !matches!(start.checked_sub(1).map(|p| bytes[p]), Some(b'-' | b'.'))
            && fields.len() < FIELD_KEYS.len()
            && !fields.iter().any(|(k, _)| key_form(k) == key)
            && let Some((value, quoted)) = value_after(bytes, i, false)
        {
            let v = field_value(text, value, quoted);
            if !v.is_empty() && v.len() <= 64 {
                fields.push((word.to_owned(), v.to_owned()));
            }
        }
    }
    let (rank, (start, end, bearer)) = best
        .iter()
        .enumerate()
        .find_map(|(rank, b)| b.map(|b| (rank, b)))
        .or_else(|| first_access_jwt(text).map(|(s, e)| (3, (s, e, false))))?;
    let mut wrappers = vec![Wrapper::ToolOutput];
    if rank == 0 {
        wrappers.push(Wrapper::AuthorizationHeader);
    }
    if bearer {
        wrappers.push(Wrapper::Bearer);
    }
    Some(TokenInput {
        token: text[start..end].to_owned(),
        wrappers,
        response_fields: fields,
        hint: None,
    })
}

/// The first JWT in the text (`eyJ…` with two dots) that no `id_token` / `refresh_token` key
/// names.
fn first_access_jwt(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("eyJ") {
        let start = from + found;
        let token = token_at(text, start);
        from = start + token.len().max(3);
        if token.matches('.').count() < 2 {
            continue;
        }
        let mut from_key = start.saturating_sub(32);
        while !text.is_char_boundary(from_key) {
            from_key += 1;
        }
        let before = &text[from_key..start];
        let named = before
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
            .map(key_form);
        if matches!(named.as_deref(), Some("idtoken" | "refreshtoken")) {
            continue;
        }
        return Some((start, start + token.len()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peels_what_people_paste() {
        let cases: &[(&str, &[Wrapper])] = &[
            ("eyJa.eyJb.c", &[Wrapper::Bare]),
            ("  eyJa.eyJb.c\n", &[Wrapper::Bare]),
            ("Bearer eyJa.eyJb.c", &[Wrapper::Bearer]),
            (
                "Authorization: Bearer eyJa.eyJb.c",
                &[Wrapper::AuthorizationHeader, Wrapper::Bearer],
            ),
            ("\"eyJa.eyJb.c\"", &[Wrapper::Quoted]),
            (
                "Bearer \"eyJa.eyJb.c\"",
                &[Wrapper::Quoted, Wrapper::Bearer],
            ),
            ("Bearer Bearer eyJa.eyJb.c", &[Wrapper::DoubleBearer]),
            (
                "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"eyJa.eyJb.c\"}",
                &[Wrapper::JsonResponse],
            ),
        ];
        for (text, expected) in cases {
            let input = normalize(text);
            assert_eq!(input.token, "eyJa.eyJb.c", "{text}");
            assert_eq!(&input.wrappers, expected, "{text}");
        }
    }

    #[test]
    fn keeps_v1_string_fields_of_a_json_response() {
        let input = normalize(
            r#"{"token_type":"Bearer","expires_in":"3599","expires_on":"1700003599","resource":"https://analysis.windows.net/powerbi/api","access_token":"eyJa.eyJb.c"}"#,
        );
        assert!(
            input
                .response_fields
                .contains(&("expires_on".to_owned(), "1700003599".to_owned()))
        );
        assert!(
            input
                .response_fields
                .contains(&("expires_in".to_owned(), "3599".to_owned()))
        );
    }

    #[test]
    fn leaves_garbage_for_the_claims_check() {
        assert_eq!(normalize("<html>nope</html>").token, "<html>nope</html>");
        assert_eq!(normalize("").token, "");
        assert_eq!(normalize("Bearer").token, "Bearer");
    }

    /// A JWT-shaped token for the printouts below.
    const T: &str =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2FuYWx5c2lzIn0.c2lnbmF0dXJl";

    #[test]
    fn finds_the_token_in_what_tools_print() {
        let cases: Vec<(String, &[Wrapper])> = vec![
            // az account get-access-token (JSON, the README's own command without --query)
            (
                format!(
                    "{{\n  \"accessToken\": \"{T}\",\n  \"expiresOn\": \"2026-11-20 10:14:03.000000\",\n  \"expires_on\": 1795169643,\n  \"subscription\": \"0b1c2d3e-0000-4000-8000-000000000001\",\n  \"tenant\": \"72f988bf-0000-4000-8000-000000000001\",\n  \"tokenType\": \"Bearer\"\n}}\n"
                ),
                &[Wrapper::JsonResponse],
            ),
            // Get-AzAccessToken | ConvertTo-Json
            (
                format!(
                    "{{\r\n    \"Token\":  \"{T}\",\r\n    \"ExpiresOn\":  \"\\/Date(1795169643000)\\/\",\r\n    \"Type\":  \"Bearer\",\r\n    \"TenantId\":  \"72f988bf-0000-4000-8000-000000000001\"\r\n}}"
                ),
                &[Wrapper::JsonResponse],
            ),
            // MSAL.NET AuthenticationResult serialized
            (
                format!(
                    "{{\"AccessToken\":\"{T}\",\"IdToken\":\"eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ4In0.aWQ\",\"TokenType\":\"Bearer\"}}"
                ),
                &[Wrapper::JsonResponse],
            ),
            // Get-AzAccessToken as an object listing (Az.Accounts 2)
            (
                format!(
                    "\r\nToken     : {T}\r\nExpiresOn : 11/20/2026 10:14:03 +00:00\r\nType      : Bearer\r\nTenantId  : 72f988bf-0000-4000-8000-000000000001\r\nUserId    : someone@contoso.com\r\n\r\n"
                ),
                &[Wrapper::ToolOutput],
            ),
            // MSAL Python result dict, id token first
            (
                format!(
                    "{{'token_type': 'Bearer', 'scope': 'https://analysis.windows.net/powerbi/api/.default', 'expires_in': 3599, 'ext_expires_in': 3599, 'id_token': 'eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ4In0.aWQ', 'refresh_token': '1.AXEAv4j5cvGGr0GRqy180BHbR0ZIf3kAutdPukPawfj2MBNxAAA', 'access_token': '{T}'}}"
                ),
                &[Wrapper::ToolOutput],
            ),
            // MSAL.NET AuthenticationResult as a debugger or log line
            (
                format!("AccessToken: {T}\nExpiresOn: 11/20/2026 10:14:03 AM +00:00"),
                &[Wrapper::ToolOutput],
            ),
            // azure-identity (Python) and @azure/identity (JavaScript)
            (
                format!("AccessToken(token='{T}', expires_on=1795169643)"),
                &[Wrapper::ToolOutput],
            ),
            (
                format!("{{ token: '{T}', expiresOnTimestamp: 1795169643000 }}"),
                &[Wrapper::ToolOutput],
            ),
            // browser devtools: request headers, and "Copy as cURL"
            (
                format!(
                    "accept: application/json\nauthorization: Bearer {T}\ncontent-type: application/json"
                ),
                &[
                    Wrapper::ToolOutput,
                    Wrapper::AuthorizationHeader,
                    Wrapper::Bearer,
                ],
            ),
            (
                format!(
                    "curl 'https://api.powerbi.com/v1.0/myorg/groups' \\\n  -H 'accept: */*' \\\n  -H 'authorization: Bearer {T}' \\\n  --compressed"
                ),
                &[
                    Wrapper::ToolOutput,
                    Wrapper::AuthorizationHeader,
                    Wrapper::Bearer,
                ],
            ),
            // PowerShell Invoke-RestMethod headers, both spellings
            (
                format!(
                    "Invoke-RestMethod -Uri $uri -Headers @{{\"Authorization\"=\"Bearer {T}\"}}"
                ),
                &[
                    Wrapper::ToolOutput,
                    Wrapper::AuthorizationHeader,
                    Wrapper::Bearer,
                ],
            ),
            (
                format!("$headers = @{{ Authorization = \"Bearer {T}\" }}"),
                &[
                    Wrapper::ToolOutput,
                    Wrapper::AuthorizationHeader,
                    Wrapper::Bearer,
                ],
            ),
            // Postman: the Authorization tab's Token field, the headers table
            (
                format!("Type\tBearer Token\nToken\t{T}"),
                &[Wrapper::ToolOutput],
            ),
            (
                format!("Key\tValue\nAuthorization\tBearer {T}\nAccept\t*/*"),
                &[
                    Wrapper::ToolOutput,
                    Wrapper::AuthorizationHeader,
                    Wrapper::Bearer,
                ],
            ),
            // a JSON response quoted again by a log, and a JWT with a shell prompt after it
            (
                format!(
                    "\"{{\\\"accessToken\\\": \\\"{T}\\\", \\\"tokenType\\\": \\\"Bearer\\\"}}\""
                ),
                &[Wrapper::ToolOutput],
            ),
            (format!("{T}\nPS C:\\>"), &[Wrapper::ToolOutput]),
        ];
        for (text, expected) in &cases {
            let input = normalize(text);
            assert_eq!(input.token, T, "{text}");
            assert_eq!(&input.wrappers, expected, "{text}");
        }
    }

    #[test]
    fn keeps_the_fields_of_a_printout_and_none_of_its_secrets() {
        let az = normalize(&format!(
            "{{\"accessToken\": \"{T}\", \"expiresOn\": \"2026-11-20 10:14:03.000000\", \"expires_on\": 1795169643, \"tenant\": \"72f988bf-0000-4000-8000-000000000001\", \"tokenType\": \"Bearer\"}}"
        ));
        assert!(
            az.response_fields
                .contains(&("expires_on".to_owned(), "1795169643".to_owned()))
        );
        assert!(az.response_fields.contains(&(
            "tenant".to_owned(),
            "72f988bf-0000-4000-8000-000000000001".to_owned()
        )));
        let listing = normalize(&format!(
            "Token     : {T}\r\nExpiresOn : 11/20/2026 10:14:03 +00:00\r\nType      : Bearer\r\n"
        ));
        assert_eq!(
            listing.response_fields,
            vec![
                (
                    "ExpiresOn".to_owned(),
                    "11/20/2026 10:14:03 +00:00".to_owned()
                ),
                ("Type".to_owned(), "Bearer".to_owned())
            ]
        );
        let msal = normalize(&format!(
            "{{'token_type': 'Bearer', 'refresh_token': '1.AXEAv4j5cvGGr0GRqy180BHbR0ZIf3kAutdPukPawfj2', 'access_token': '{T}'}}"
        ));
        assert!(
            msal.response_fields
                .iter()
                .all(|(_, v)| !v.contains("AXEA") && !v.contains("eyJ")),
            "{:?}",
            msal.response_fields
        );
        let curl = normalize(&format!(
            "curl -H 'Content-Type: application/json' -H 'Authorization: Bearer {T}'"
        ));
        assert!(
            curl.response_fields.is_empty(),
            "{:?}",
            curl.response_fields
        );
    }

    #[test]
    fn says_when_a_secure_string_was_printed_instead_of_the_token() {
        let input = normalize(
            "Token     : System.Security.SecureString\r\nExpiresOn : 11/20/2026 10:14:03 +00:00\r\nType      : Bearer\r\n",
        );
        assert!(input.hint.is_some_and(|h| h.contains("SecureString")));
        assert!(normalize(T).hint.is_none());
    }

    #[test]
    fn prose_and_short_values_are_not_tokens() {
        for text in [
            "token: null",
            "my token is wrong",
            "Authorization: Bearer $token",
        ] {
            assert_ne!(normalize(text).wrappers, [Wrapper::ToolOutput], "{text}");
        }
    }
}

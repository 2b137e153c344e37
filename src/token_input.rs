//! Normalising a token as people actually paste it: a bare JWT, `Bearer …`, `Authorization: Bearer
//! …`, a JSON token response, with quotes or whitespace around it. The wrappers found are kept:
//! quotes and a doubled `Bearer` are findings, because the user's own script probably sends them.

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
    /// A JSON token response (`access_token` field).
    JsonResponse,
    /// Quotes around the token.
    Quoted,
    /// `Bearer Bearer …`: the prefix twice.
    DoubleBearer,
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
        }
    }

    /// Every wrapper, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::Bare,
        Self::Bearer,
        Self::AuthorizationHeader,
        Self::JsonResponse,
        Self::Quoted,
        Self::DoubleBearer,
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
    /// `expires_in`, `expires_on` or `resource` from a JSON token response, when there was one.
    pub response_fields: Vec<(String, String)>,
}

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

/// Peels every wrapper off `text`.
///
/// Linear in the text: layers are peeled by narrowing a range, never by copying what is left
/// (800 KB of `"` used to take half a minute), and the JSON parser sees only text that starts
/// with `{`. A token response nested in a token response doubles its escapes at every level, so
/// there are only logarithmically many of those.
pub fn normalize(text: &str) -> TokenInput {
    let mut wrappers = Vec::new();
    let mut response_fields = Vec::new();
    // The text being peeled: the paste, or the token of the innermost JSON response so far.
    let mut base: std::borrow::Cow<'_, str> = std::borrow::Cow::Borrowed(text);
    let mut range = range_in(text, text.trim());
    let mut bearers = 0;
    loop {
        let mut peeled = false;
        let current = &base[range.clone()];
        let response_token = if current.starts_with('{')
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(current)
            && let Some(Value::String(token)) = map.get("access_token")
        {
            for field in [
                "token_type",
                "expires_in",
                "expires_on",
                "not_before",
                "resource",
            ] {
                match map.get(field) {
                    Some(Value::String(s)) => response_fields.push((field.to_owned(), s.clone())),
                    Some(Value::Number(n)) => {
                        response_fields.push((field.to_owned(), n.to_string()))
                    }
                    _ => {}
                }
            }
            Some(token.clone())
        } else {
            None
        };
        if let Some(token) = response_token {
            wrappers.push(Wrapper::JsonResponse);
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
    }
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
}

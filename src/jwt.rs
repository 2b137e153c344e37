//! Decoding access tokens without verifying them: the doctor reads claims, it does not trust
//! them. Any input, however broken, yields either claims or a [`DecodeError`] that names what is
//! wrong; nothing here panics.

use base64::Engine as _;
use serde_json::{Map, Value};

/// Why a token could not be read as a JWT. The names are the `claims.decode` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Nothing was given.
    Empty,
    /// The text does not look like a JWT at all (an HTML page, an opaque string, a secret).
    NotJwt,
    /// Five segments: an encrypted token (JWE), which no client can read.
    Encrypted,
    /// A segment is missing or cut short: the token was truncated when copied.
    Truncated,
    /// A segment is not base64url.
    BadBase64,
    /// A segment decodes but is not a JSON object.
    BadJson,
    /// A Power BI embed token (GenerateToken's answer, gzip in base64: `H4sI…`), which is not a
    /// Microsoft Entra access token.
    EmbedToken,
}

impl DecodeError {
    /// The `claims.decode` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotJwt => "not-jwt",
            Self::Encrypted => "encrypted",
            Self::Truncated => "truncated",
            Self::BadBase64 => "bad-base64",
            Self::BadJson => "bad-json",
            Self::EmbedToken => "embed-token",
        }
    }

    /// A sentence for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Empty => "the token is empty",
            Self::NotJwt => "this is not a JWT access token (it should look like eyJ….eyJ….…)",
            Self::Encrypted => {
                "this is an encrypted token (JWE, five segments); Power BI access tokens are signed JWTs"
            }
            Self::Truncated => "the token is cut short: a segment is missing or incomplete",
            Self::BadBase64 => {
                "a segment of the token is not base64url: characters were changed or added"
            }
            Self::BadJson => "a segment of the token does not decode to JSON claims",
            Self::EmbedToken => {
                "this is a Power BI embed token (from GenerateToken), not a Microsoft Entra access token"
            }
        }
    }
}

/// A decoded token: header and claims, never the signature.
#[derive(Clone, Debug)]
pub struct Jwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Claims,
}

/// The payload, with typed accessors for the claims the doctor reads.
#[derive(Clone, Debug, Default)]
pub struct Claims(pub Map<String, Value>);

/// The latest instant a time claim is read as, 9999-12-31T23:59:59Z; the earliest is its negative.
pub const MAX_CLAIM_TIME: i64 = 253_402_300_799;

impl Claims {
    /// A string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// A numeric-date claim (seconds since the epoch); tolerates floats and numeric strings.
    pub fn time(&self, name: &str) -> Option<i64> {
        let time = match self.0.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        // Kept within about 8,000 years of 1970, so that differences with now cannot overflow.
        time.map(|t| t.clamp(-MAX_CLAIM_TIME, MAX_CLAIM_TIME))
    }

    /// A claim that is a list of strings, or a single string (then split on spaces, as `scp` is).
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }

    /// The audiences: `aud` may be a string or a list.
    pub fn audiences(&self) -> Vec<String> {
        match self.0.get("aud") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// Whether the claim is present at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// The calling application: `appid` (v1) or `azp` (v2).
    pub fn client_app(&self) -> Option<&str> {
        self.str("appid").or_else(|| self.str("azp"))
    }

    /// The signed-in user's name, for delegated tokens.
    pub fn user_name(&self) -> Option<&str> {
        self.str("upn")
            .or_else(|| self.str("unique_name"))
            .or_else(|| self.str("preferred_username"))
    }
}

fn decode_segment(segment: &str) -> Result<Vec<u8>, DecodeError> {
    // Tolerate padding and the standard alphabet: people paste tokens through tools that add them.
    let cleaned: String = segment
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    if cleaned.len() % 4 == 1 {
        return Err(DecodeError::Truncated);
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cleaned.as_bytes())
        .map_err(|_| DecodeError::BadBase64)
}

fn decode_object(segment: &str) -> Result<Map<String, Value>, DecodeError> {
    let bytes = decode_segment(segment)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(DecodeError::BadJson),
        Err(e) if e.is_eof() => Err(DecodeError::Truncated),
        Err(_) => Err(DecodeError::BadJson),
    }
}

/// Decodes a compact JWT without checking its signature.
pub fn decode(token: &str) -> Result<Jwt, DecodeError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(DecodeError::Empty);
    }
    let looks_like_jwt = token.starts_with("eyJ")
        && token.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/')
        });
    if !looks_like_jwt {
        // Embed tokens are gzip data in base64, which always starts `H4sI`.
        let embed = token.starts_with("H4sI")
            && token.len() > 64
            && token.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/')
            });
        return Err(if embed {
            DecodeError::EmbedToken
        } else {
            DecodeError::NotJwt
        });
    }
    let segments: Vec<&str> = token.split('.').collect();
    match segments.len() {
        5 => return Err(DecodeError::Encrypted),
        3 => {}
        n if n < 3 => return Err(DecodeError::Truncated),
        _ => return Err(DecodeError::NotJwt),
    }
    let header = decode_object(segments[0])?;
    let claims = decode_object(segments[1])?;
    if segments[2].is_empty() {
        // No signature at all: cut off after the payload, or an unsigned token.
        return Err(DecodeError::Truncated);
    }
    Ok(Jwt {
        header,
        claims: Claims(claims),
    })
}

/// Encodes a header and claims as an unsigned-looking compact JWT with a placeholder signature.
/// Used to re-time recorded tokens and to build test tokens; never to make a usable token.
pub fn encode_unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        engine.encode(header.to_string()),
        engine.encode(claims.to_string()),
        signature
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(claims: Value) -> String {
        encode_unsigned(&json!({"typ": "JWT", "alg": "RS256"}), &claims, "c2ln")
    }

    #[test]
    fn extreme_times_are_clamped_so_arithmetic_with_now_cannot_overflow() {
        let jwt = decode(&token(json!({
            "exp": i64::MAX, "nbf": i64::MIN, "iat": -1e300, "xms_x": "18446744073709551615"
        })))
        .unwrap();
        assert_eq!(jwt.claims.time("exp"), Some(MAX_CLAIM_TIME));
        assert_eq!(jwt.claims.time("nbf"), Some(-MAX_CLAIM_TIME));
        assert_eq!(jwt.claims.time("iat"), Some(-MAX_CLAIM_TIME));
        assert_eq!(jwt.claims.time("xms_x"), None);
        let now = 1_800_000_000i64;
        assert!(jwt.claims.time("nbf").unwrap().checked_sub(now).is_some());
        assert!(now.checked_sub(jwt.claims.time("nbf").unwrap()).is_some());
    }

    #[test]
    fn reads_claims_of_a_well_formed_token() {
        let jwt = decode(&token(json!({"aud": "https://analysis.windows.net/powerbi/api", "exp": 1_800_000_000, "scp": "a b"}))).unwrap();
        assert_eq!(
            jwt.claims.audiences(),
            vec!["https://analysis.windows.net/powerbi/api"]
        );
        assert_eq!(jwt.claims.time("exp"), Some(1_800_000_000));
        assert_eq!(jwt.claims.list("scp"), vec!["a", "b"]);
    }

    #[test]
    fn names_what_is_wrong_with_broken_input() {
        let good = token(json!({"aud": "x"}));
        assert_eq!(decode("").unwrap_err(), DecodeError::Empty);
        assert_eq!(
            decode("<html><body>Sign in</body></html>").unwrap_err(),
            DecodeError::NotJwt
        );
        assert_eq!(
            decode("eyJhbGciOiJSUzI1NiJ9").unwrap_err(),
            DecodeError::Truncated
        );
        assert_eq!(
            decode(&good[..good.len() - 5]).unwrap_err(),
            DecodeError::Truncated
        );
        let cut_payload = {
            let parts: Vec<&str> = good.split('.').collect();
            format!("{}.{}.sig", parts[0], &parts[1][..parts[1].len() - 3])
        };
        assert!(matches!(
            decode(&cut_payload).unwrap_err(),
            DecodeError::Truncated | DecodeError::BadJson | DecodeError::BadBase64
        ));
        assert_eq!(
            decode("eyJhIjoxfQ.eyJhIjoxfQ.eyJhIjoxfQ.x.y").unwrap_err(),
            DecodeError::Encrypted
        );
        assert_eq!(
            decode("eyJhIjoxfQ.bm90IGpzb24.sig").unwrap_err(),
            DecodeError::BadJson
        );
    }

    #[test]
    fn tells_an_embed_token_from_other_text() {
        // GenerateToken's answer: gzip data in base64 (shape of the documented samples).
        let embed = format!("H4sIAAAAAAAEAB2Wxw6sVgJE{}", "x".repeat(80));
        assert_eq!(decode(&embed).unwrap_err(), DecodeError::EmbedToken);
        assert_eq!(decode("H4sI").unwrap_err(), DecodeError::NotJwt);
        assert_eq!(
            decode(&format!("H4sI {}", "x".repeat(80))).unwrap_err(),
            DecodeError::NotJwt
        );
    }
}

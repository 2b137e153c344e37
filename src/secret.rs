//! Secrets and their redaction. Redaction happens where evidence is built: every piece of text the
//! doctor keeps from the network or the user passes through a [`Redactor`] first.

use std::fmt;

/// What replaces a secret value wherever it would otherwise appear.
pub const REDACTED: &str = "[redacted]";

/// What replaces a JWT's signature segment: the claims stay readable, the token is unusable.
pub const REDACTED_SIGNATURE: &str = "REDACTED";

/// A secret string (client secret, access token). It has no `Display`, and `Debug` hides it, so it
/// cannot reach a report by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Removes known secrets and every JWT signature from text before it is kept anywhere.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    /// Adds a secret whose literal value must never appear in kept text. Values shorter than six
    /// characters are ignored: replacing them would mangle ordinary words.
    pub fn add(&mut self, secret: &Secret) {
        if secret.expose().len() >= 6 {
            self.secrets.push(secret.clone());
        }
    }

    /// The text with known secrets replaced and JWT signatures removed.
    pub fn clean(&self, text: &str) -> String {
        let mut out = redact_jwt_signatures(text);
        for secret in &self.secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), REDACTED);
            }
        }
        out
    }
}

fn is_b64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Replaces the signature of every JWT-shaped run (`eyJ….….sig`) in `text` with
/// [`REDACTED_SIGNATURE`], keeping header and payload so that claims remain readable.
pub fn redact_jwt_signatures(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 3 <= bytes.len() {
        let starts_token = &bytes[i..i + 3] == b"eyJ" && (i == 0 || !is_b64url(bytes[i - 1]));
        if !starts_token {
            i += 1;
            continue;
        }
        // Walk header '.' payload '.' signature.
        let mut j = i;
        let mut dots = Vec::new();
        while j < bytes.len() && (is_b64url(bytes[j]) || bytes[j] == b'.') {
            if bytes[j] == b'.' {
                dots.push(j);
            }
            j += 1;
        }
        if dots.len() >= 2 {
            let sig_start = dots[1] + 1;
            let sig_end = if dots.len() > 2 { dots[2] } else { j };
            if sig_end > sig_start && &text[sig_start..sig_end] != REDACTED_SIGNATURE {
                out.push_str(&text[copied..sig_start]);
                out.push_str(REDACTED_SIGNATURE);
                copied = sig_end;
            }
        }
        i = j.max(i + 1);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_replaced_and_claims_kept() {
        let text =
            "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl and more";
        assert_eq!(
            redact_jwt_signatures(text),
            "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.REDACTED and more"
        );
    }

    #[test]
    fn text_without_tokens_is_untouched() {
        let text = "eyJ alone, a.b.c, and émoji ✓ stay";
        assert_eq!(redact_jwt_signatures(text), text);
    }

    #[test]
    fn known_secrets_are_replaced() {
        let mut redactor = Redactor::default();
        redactor.add(&Secret::new("s3cr3t~value"));
        assert_eq!(
            redactor.clean("sent s3cr3t~value twice s3cr3t~value"),
            "sent [redacted] twice [redacted]"
        );
        assert_eq!(format!("{:?}", Secret::new("s3cr3t~value")), "[redacted]");
    }
}

//! Secrets and their redaction, by construction.
//!
//! A [`Redactor`] is made once per run and shared: it learns every secret the run holds (client
//! secret, assertion, certificate password, request tokens) and every token the run sees (JWT or
//! opaque), in the forms an answer may echo them (raw, form-encoded, percent-encoded,
//! JSON-escaped). Nothing reaches a report or a session except through [`Redactor::seal`], which
//! returns a [`Sealed`] value: the only type the renderers and the session writer accept, and one
//! no other code can construct. Sealing removes every known secret, the signature of anything
//! JWT-shaped (in either base64 alphabet) and URL userinfo, and — for text people read — makes
//! server text inert: control characters are shown escaped and CI workflow-command prefixes are
//! broken, so an answer cannot drive the terminal or the CI log.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, RwLock};

/// What replaces a secret value wherever it would otherwise appear.
pub const REDACTED: &str = "[redacted]";

/// What replaces a JWT's signature segment: the claims stay readable, the token is unusable.
pub const REDACTED_SIGNATURE: &str = "REDACTED";

/// Secrets shorter than this cannot be redacted without mangling ordinary words, so they are
/// refused as credentials instead of being half-redacted.
pub const MIN_SECRET_LEN: usize = 8;

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

/// Knows the run's secrets and removes them. Clones share what they know, so a token the
/// transport sees mid-run is redacted from evidence built before it arrived.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    needles: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Learns a secret, in every form an answer may echo it. Values shorter than
    /// [`MIN_SECRET_LEN`] are not learnt (the credential layer refuses them as secrets).
    pub fn add(&self, secret: &Secret) {
        let raw = secret.expose().trim();
        if raw.chars().count() < MIN_SECRET_LEN {
            return;
        }
        self.learn(encoded_forms(raw));
    }

    /// Learns a token seen during the run: an opaque token whole, a JWT by its signature (its
    /// claims stay readable, and a signature is redacted wherever it is found anyway).
    pub fn add_token(&self, token: &str) {
        let token = token.trim();
        let parts: Vec<&str> = token.split('.').collect();
        let needle = if parts.len() == 3 && token.starts_with("eyJ") {
            parts[2]
        } else {
            token
        };
        if needle.len() >= MIN_SECRET_LEN && needle != REDACTED_SIGNATURE {
            self.learn(encoded_forms(needle));
        }
    }

    /// Learns every token a text carries as a JSON-like field (`"access_token": "…"`,
    /// `refresh_token`, `id_token`, `device_code`, az's `accessToken`), whether or not the text is
    /// valid JSON: a body cut at the cap, a token file holding a whole token response, a log line.
    /// Linear: one pass per field name.
    pub fn add_tokens_in(&self, text: &str) {
        const FIELDS: [&str; 5] = [
            "\"access_token\"",
            "\"refresh_token\"",
            "\"id_token\"",
            "\"device_code\"",
            "\"accessToken\"",
        ];
        for field in FIELDS {
            let mut rest = text;
            while let Some(at) = rest.find(field) {
                rest = &rest[at + field.len()..];
                let value = rest.trim_start();
                let Some(value) = value.strip_prefix(':') else {
                    continue;
                };
                let Some(value) = value.trim_start().strip_prefix('"') else {
                    continue;
                };
                // A cut body may end inside the value: what is there is still learnt.
                let end = value.find('"').unwrap_or(value.len());
                self.add_token(&value[..end]);
            }
        }
    }

    fn learn(&self, forms: Vec<String>) {
        let mut needles = self.needles.write().unwrap_or_else(|p| p.into_inner());
        for form in forms {
            if !needles.contains(&form) {
                needles.push(form);
            }
        }
        // Longest first, so a form that contains another is replaced whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// The text with known secrets, URL userinfo and JWT signatures removed.
    pub fn clean(&self, text: &str) -> String {
        let needles = self.needles.read().unwrap_or_else(|p| p.into_inner());
        replace_needles(redact_userinfo(&redact_jwt_signatures(text)), &needles)
    }

    /// Seals a value for output: every string in it cleaned, and made inert when people read it.
    pub fn seal<T: Scrub>(&self, mut value: T) -> Sealed<T> {
        value.scrub(&Scrubber {
            redactor: self,
            inert: true,
        });
        Sealed(value)
    }

    /// Seals data kept for a machine (a session file): cleaned, but byte-exact otherwise so that
    /// replay reads what was answered.
    pub fn seal_data<T: Scrub>(&self, mut value: T) -> Sealed<T> {
        value.scrub(&Scrubber {
            redactor: self,
            inert: false,
        });
        Sealed(value)
    }
}

/// The run's redactor, once a command has built it: the error printer and the crash guard sit
/// above the command and would otherwise know no secret.
static RUN_REDACTOR: std::sync::OnceLock<Redactor> = std::sync::OnceLock::new();

impl Redactor {
    /// Makes this the run's redactor for [`Redactor::of_run`] (the first one registered wins;
    /// clones share what they learn, so later tokens are known too).
    pub fn register_for_run(&self) {
        let _ = RUN_REDACTOR.set(self.clone());
    }

    /// The run's redactor, or one that knows no secret when no command built one yet.
    pub fn of_run() -> Redactor {
        RUN_REDACTOR.get().cloned().unwrap_or_default()
    }

    /// [`Redactor::clean`] that never waits: for the crash guard, which may run while this
    /// thread holds the lock. Without the lock, only what needs no knowledge is scrubbed.
    pub fn clean_without_waiting(&self, text: &str) -> String {
        let out = redact_userinfo(&redact_jwt_signatures(text));
        match self.needles.try_read() {
            Ok(needles) => replace_needles(out, &needles),
            Err(_) => out,
        }
    }
}

/// Every known secret in `text` replaced, longest first (the needles are kept in that order).
fn replace_needles(mut text: String, needles: &[String]) -> String {
    for needle in needles {
        if text.contains(needle.as_str()) {
            text = text.replace(needle.as_str(), REDACTED);
        }
    }
    text
}

/// A value that went through a [`Redactor`]. Only [`Redactor::seal`] and
/// [`Redactor::seal_data`] make one, so output code that takes a `Sealed` cannot be handed
/// text that skipped redaction.
#[derive(Debug)]
pub struct Sealed<T>(T);

impl<T> Deref for Sealed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// How a value is scrubbed: the run's redactor, and whether the text is for people (made inert).
pub struct Scrubber<'r> {
    redactor: &'r Redactor,
    inert: bool,
}

impl Scrubber<'_> {
    /// Scrubs one string in place.
    pub fn text(&self, text: &mut String) {
        let cleaned = self.redactor.clean(text);
        *text = if self.inert {
            make_inert(&cleaned)
        } else {
            cleaned
        };
    }
}

/// Every string in a value, scrubbed. Implementations destructure their type exhaustively, so a
/// new field that is not scrubbed does not compile.
pub trait Scrub {
    /// Scrubs every string in place.
    fn scrub(&mut self, s: &Scrubber<'_>);
}

impl Scrub for String {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        s.text(self);
    }
}

impl<T: Scrub> Scrub for Vec<T> {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        for item in self {
            item.scrub(s);
        }
    }
}

impl<T: Scrub> Scrub for Option<T> {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        if let Some(item) = self {
            item.scrub(s);
        }
    }
}

impl<A: Scrub, B: Scrub> Scrub for (A, B) {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        self.0.scrub(s);
        self.1.scrub(s);
    }
}

/// The forms in which a secret may come back in an answer or a URL.
fn encoded_forms(raw: &str) -> Vec<String> {
    let mut forms = vec![raw.to_owned()];
    forms.push(url::form_urlencoded::byte_serialize(raw.as_bytes()).collect());
    forms.push(percent_encode(raw, false));
    forms.push(percent_encode(raw, true));
    if let Ok(json) = serde_json::to_string(raw) {
        let inner = json[1..json.len() - 1].to_owned();
        forms.push(inner.replace('/', "\\/"));
        forms.push(ascii_json(&inner));
        forms.push(inner);
    }
    forms.sort();
    forms.dedup();
    forms.retain(|f| !f.is_empty());
    forms
}

/// Every byte outside RFC 3986's unreserved set as `%XX`.
fn percent_encode(raw: &str, lower: bool) -> String {
    let mut out = String::with_capacity(raw.len() * 3);
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else if lower {
            out.push_str(&format!("%{byte:02x}"));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A JSON string body with every non-ASCII character as `\uXXXX` (some serializers do that).
fn ascii_json(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Whether a byte can be part of a JWT segment: base64url, standard base64 (`+`, `/`) and padding.
fn is_b64(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'+' | b'/' | b'=')
}

/// Whether a byte before `eyJ` makes it the middle of a word rather than a token's start. `/`,
/// `+` and `=` do not: `?access_token=eyJ…` and `/eyJ…` start tokens.
fn continues_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_')
}

/// Replaces the signature of every JWT-shaped run (`eyJ….….sig`) in `text` with
/// [`REDACTED_SIGNATURE`], keeping header and payload so that claims remain readable. Both base64
/// alphabets are recognised, so a signature is never cut short at a `+` or `/`. Linear time: each
/// byte is visited a bounded number of times.
pub fn redact_jwt_signatures(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 3 <= bytes.len() {
        let starts_token = &bytes[i..i + 3] == b"eyJ" && (i == 0 || !continues_word(bytes[i - 1]));
        if !starts_token {
            i += 1;
            continue;
        }
        // Walk header '.' payload '.' signature.
        let mut j = i;
        let mut dots = [0usize; 3];
        let mut count = 0;
        while j < bytes.len() && (is_b64(bytes[j]) || bytes[j] == b'.') {
            if bytes[j] == b'.' {
                if count < 3 {
                    dots[count] = j;
                }
                count += 1;
            }
            j += 1;
        }
        if count >= 2 {
            let sig_start = dots[1] + 1;
            let sig_end = if count > 2 { dots[2] } else { j };
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

/// Replaces the userinfo of every URL (`scheme://user:password@host`) with [`REDACTED`].
pub fn redact_userinfo(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let start = pos + 3;
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        // The authority ends at the path, query or fragment; its userinfo at its last `@` (a
        // password may hold an `@` of its own).
        let end = after
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>')
            })
            .unwrap_or(after.len());
        match after[..end].rfind('@') {
            Some(at) if at > 0 => {
                out.push_str(REDACTED);
                rest = &after[at..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Text from outside made safe to print: control characters (C0, DEL, C1) and bidirectional
/// overrides are shown as escapes (line breaks become `\n`), and the prefixes of GitHub and
/// Azure Pipelines workflow commands are broken with a zero-width space so a CI log does not
/// run them.
pub fn make_inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A bare carriage return would overwrite the line on a terminal.
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            _ => out.push(c),
        }
    }
    neutralise_workflow_commands(&out)
}

/// Breaks `::cmd` and `##[cmd]` at the start of a word (so of a line) and `##vso[` anywhere.
fn neutralise_workflow_commands(text: &str) -> String {
    const BREAK: &str = "\u{200b}";
    let mut out = String::with_capacity(text.len());
    let mut at_word_start = true;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("##vso[") || (at_word_start && rest.starts_with("##[")) {
            out.push('#');
            out.push_str(BREAK);
            i += 1;
            at_word_start = false;
            continue;
        }
        if at_word_start && rest.starts_with("::") {
            out.push(':');
            out.push_str(BREAK);
            i += 1;
            at_word_start = false;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        at_word_start = c.is_whitespace();
        i += c.len_utf8();
    }
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
    fn standard_base64_signatures_are_replaced_whole() {
        let text = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.ab+cd/ef+gh== tail";
        assert_eq!(
            redact_jwt_signatures(text),
            "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.REDACTED tail"
        );
    }

    #[test]
    fn tokens_after_an_equals_sign_or_a_slash_are_found() {
        for prefix in ["?access_token=", "client_assertion=", "/v1/"] {
            let text = format!("{prefix}eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl");
            assert!(
                redact_jwt_signatures(&text).ends_with(".REDACTED"),
                "{prefix}"
            );
        }
    }

    #[test]
    fn tokens_in_json_like_text_are_learnt_even_when_cut() {
        let redactor = Redactor::default();
        redactor.add_tokens_in(
            r#"{"token_type":"Bearer","refresh_token": "0.AXoA-opaque-refresh","access_token":"opaque-access-cut-here"#,
        );
        assert_eq!(
            redactor.clean("0.AXoA-opaque-refresh and opaque-access-cut-here"),
            "[redacted] and [redacted]"
        );
    }

    #[test]
    fn text_without_tokens_is_untouched() {
        let text = "eyJ alone, a.b.c, and émoji ✓ stay";
        assert_eq!(redact_jwt_signatures(text), text);
    }

    #[test]
    fn known_secrets_are_replaced_in_every_encoding() {
        let redactor = Redactor::default();
        let secret = "Ab1~c%d&e+f=g h/é";
        redactor.add(&Secret::new(secret));
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(secret).unwrap();
        for echoed in [
            secret.to_owned(),
            form,
            percent_encode(secret, false),
            percent_encode(secret, true),
            json.clone(),
            json.replace('/', "\\/"),
            ascii_json(&json),
        ] {
            let cleaned = redactor.clean(&format!("x {echoed} y"));
            assert!(cleaned.contains(REDACTED), "{echoed} -> {cleaned}");
            assert!(!cleaned.contains("Ab1"), "{echoed} -> {cleaned}");
        }
        assert_eq!(format!("{:?}", Secret::new(secret)), "[redacted]");
    }

    #[test]
    fn short_secrets_are_not_learnt_and_tokens_seen_later_are() {
        let redactor = Redactor::default();
        redactor.add(&Secret::new("short"));
        assert_eq!(redactor.clean("a short word"), "a short word");
        let shared = redactor.clone();
        shared.add_token("opaque-access-token-value");
        assert_eq!(
            redactor.clean("Bearer opaque-access-token-value"),
            "Bearer [redacted]"
        );
    }

    #[test]
    fn url_userinfo_is_removed() {
        assert_eq!(
            redact_userinfo("AZURE_AUTHORITY_HOST https://user:p4ss@login.example/ and http://x/"),
            "AZURE_AUTHORITY_HOST https://[redacted]@login.example/ and http://x/"
        );
        assert_eq!(redact_userinfo("a://@b"), "a://@b");
        assert_eq!(
            redact_userinfo("https://u:p@ss@host/x"),
            "https://[redacted]@host/x"
        );
    }

    #[test]
    fn server_text_is_made_inert() {
        assert_eq!(
            make_inert("red \u{1b}[31mX\u{1b}]8;;\u{7}\r\nnext\u{85}"),
            "red \\x1b[31mX\\x1b]8;;\\x07\nnext\\x85"
        );
        let neutral = make_inert("::error::owned ##vso[task.setvariable]x ##[group]");
        assert!(!neutral.contains("::error"), "{neutral}");
        assert!(!neutral.contains("##vso["), "{neutral}");
        assert!(!neutral.contains("##["), "{neutral}");
        assert_eq!(
            make_inert("hyper_util::client fe80::1"),
            "hyper_util::client fe80::1"
        );
        assert_eq!(make_inert("\u{202e}evil"), "\\u{202e}evil");
    }

    #[test]
    fn sealing_scrubs_every_string() {
        let redactor = Redactor::default();
        redactor.add(&Secret::new("s3cr3t-value"));
        let sealed = redactor.seal(vec![(
            "s3cr3t-value".to_owned(),
            Some("\u{1b}[2J s3cr3t-value".to_owned()),
        )]);
        assert_eq!(
            sealed[0],
            (
                "[redacted]".to_owned(),
                Some("\\x1b[2J [redacted]".to_owned())
            )
        );
        let data = redactor.seal_data("line\nnext s3cr3t-value".to_owned());
        assert_eq!(*data, "line\nnext [redacted]");
    }
}

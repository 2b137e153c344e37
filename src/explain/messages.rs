//! The message index (`checks/messages.toml`): the canonical wording of every Entra ID (AADSTS),
//! Power BI and Fabric error a caller of these APIs meets, so that a message whose code a wrapper
//! stripped, cut short or reworded still yields what its code yields. Entra ID and the services
//! word their errors in stable texts; this module finds them in any paste.
//!
//! Matching is on normalised text (lower case, words of letters and digits separated by one
//! space, quotes and contractions unified, JSON escapes undone), by fragments chosen to be unique
//! to their entry. One pass over the text finds every fragment: a fragment is looked up by the
//! first four bytes of each word, so the cost is linear in the paste, whatever the index's size.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::check::signal;

/// The most bytes of other words allowed where a fragment says `…` (a placeholder such as an app
/// id, a URL or a tenant name).
const GAP: usize = 240;

/// Tries of one fragment's first part before it is given up: a paste that repeats the start of
/// a long fragment millions of times would otherwise cost a window search each time.
const MAX_ATTEMPTS: u32 = 4096;

/// What a text in the index means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// The text of these AADSTS codes (several when the wording is shared).
    Aadsts(Vec<u32>),
    /// A message in a Power BI or Fabric answer (or in what answered instead), with the error
    /// code the service documents beside it.
    Api {
        /// The error code that comes with the message, when there is one.
        code: Option<String>,
    },
    /// Token-side signals (name, value) the text means although it carries no code.
    Token(Vec<(&'static str, String)>),
}

/// One entry of the index.
#[derive(Clone, Debug)]
pub struct Entry {
    /// What the text means.
    pub meaning: Meaning,
    /// The canonical wording; `{braces}` mark the parts that vary.
    pub text: String,
    /// Other wordings of the same error.
    pub variants: Vec<String>,
    /// Where the wording or its meaning is documented.
    pub source: String,
    /// The fragments, each as its normalised parts (`…` separates parts).
    fragments: Vec<Vec<String>>,
}

impl Entry {
    /// The AADSTS codes of the text, if it is an Entra ID message.
    pub fn aadsts(&self) -> &[u32] {
        match &self.meaning {
            Meaning::Aadsts(codes) => codes,
            _ => &[],
        }
    }

    /// Whether the text is a message of a Power BI or Fabric answer.
    pub fn is_api(&self) -> bool {
        matches!(self.meaning, Meaning::Api { .. })
    }

    /// The error code documented with an API message.
    pub fn api_code(&self) -> Option<&str> {
        match &self.meaning {
            Meaning::Api { code } => code.as_deref(),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexFile {
    message: Vec<EntryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    #[serde(default)]
    aadsts: Vec<u32>,
    #[serde(default)]
    api: bool,
    api_code: Option<String>,
    #[serde(default)]
    token: toml::Table,
    text: String,
    #[serde(default)]
    variants: Vec<String>,
    #[serde(rename = "match")]
    fragments: Vec<String>,
    source: String,
}

/// The parsed index and the tables its one-pass search uses.
#[derive(Debug)]
pub struct Index {
    entries: Vec<Entry>,
    /// Every fragment as (entry, fragment of that entry).
    fragments: Vec<(usize, usize)>,
    /// The fragments whose first part starts with these four bytes.
    by_start: HashMap<[u8; 4], Vec<usize>>,
    /// A bit per 16-bit hash of those four bytes: most words of a paste start no fragment, and
    /// this tells so without a map lookup.
    starts: Vec<u64>,
}

/// The 16-bit hash of a fragment's first four bytes.
fn start_hash(key: [u8; 4]) -> usize {
    (u32::from_le_bytes(key).wrapping_mul(0x9E37_79B1) >> 16) as usize
}

/// What a paste's text holds, as the index reads it.
#[derive(Debug, Default)]
pub struct Found<'i> {
    /// The entries found, in the order their text appears; a text contained in a longer one
    /// found at the same place is left out.
    pub entries: Vec<&'i Entry>,
}

impl<'i> Found<'i> {
    /// The AADSTS codes of the Entra ID messages found, in order, without repeats.
    pub fn aadsts(&self) -> Vec<u32> {
        let mut codes = Vec::new();
        for code in self.entries.iter().flat_map(|e| e.aadsts()) {
            if !codes.contains(code) {
                codes.push(*code);
            }
        }
        codes
    }

    /// The first Power BI / Fabric message found.
    pub fn api(&self) -> Option<&'i Entry> {
        self.entries.iter().copied().find(|e| e.is_api())
    }

    /// The token-side signals of the code-less sign-in texts found.
    pub fn token_signals(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for e in &self.entries {
            if let Meaning::Token(signals) = &e.meaning {
                for s in signals {
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
            }
        }
        out
    }
}

/// Whether `c` is part of a word.
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// The character a JSON `\uXXXX` escape at the start of `rest` (after the backslash and `u`)
/// stands for.
fn unicode_escape(rest: &str) -> Option<char> {
    let hex = rest.get(..4)?;
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

/// Normalises text for matching: lower case; every run of characters that are not letters or
/// digits becomes one space; JSON escapes (`\r`, `\n`, `\t`, `\uXXXX`) are undone; typographic
/// quotes count as the apostrophe; an apostrophe inside a word is dropped (`client's` →
/// `clients`); contractions are spelt out (`isn't` → `is not`, `can't` → `cannot`), so that the
/// older and newer wordings of a server meet. Linear in the text, with a fast path for ASCII.
pub fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            out.push(b.to_ascii_lowercase());
            i += 1;
            continue;
        }
        if b.is_ascii() && !matches!(b, b'\\' | b'\'' | b'`') {
            space = true;
            i += 1;
            continue;
        }
        let Some(mut c) = text[i..].chars().next() else {
            break;
        };
        let mut next = i + c.len_utf8();
        if c == '\\' {
            match bytes.get(next) {
                Some(b'r' | b'n' | b't') => {
                    space = true;
                    i = next + 1;
                    continue;
                }
                Some(b'u') => match unicode_escape(&text[next + 1..]) {
                    Some(decoded) => {
                        c = decoded;
                        next += 5;
                    }
                    None => {
                        i = next;
                        continue;
                    }
                },
                _ => {
                    // Another escape (`\'`, `\"`, `\\`): the backslash itself means nothing.
                    i = next;
                    continue;
                }
            }
        }
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}') {
            let mut after = text[next..].chars();
            let first = after.next();
            let second = after.next();
            let ends_word = second.is_none_or(|s| !is_word(s));
            if !space && out.last() == Some(&b'n') && matches!(first, Some('t' | 'T')) && ends_word
            {
                // A contraction: `n't`.
                let word_start = out.iter().rposition(|&x| x == b' ').map_or(0, |p| p + 1);
                match &out[word_start..] {
                    b"can" => out.extend_from_slice(b"not"),
                    b"won" => {
                        out.truncate(word_start);
                        out.extend_from_slice(b"will not");
                    }
                    _ => {
                        out.pop();
                        out.extend_from_slice(b" not");
                    }
                }
                i = next + 1;
                continue;
            }
            let inside_word = !space && !out.is_empty() && first.is_some_and(is_word);
            if !inside_word {
                space = true;
            }
            i = next;
            continue;
        }
        if is_word(c) {
            if space && !out.is_empty() {
                out.push(b' ');
            }
            space = false;
            let mut buf = [0u8; 4];
            for l in c.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        } else {
            space = true;
        }
        i = next;
    }
    // Only whole characters were copied, so the bytes are UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The first four bytes of a normalised part, the key of the one-pass search.
fn key(part: &str) -> Option<[u8; 4]> {
    part.as_bytes().get(..4).map(|b| [b[0], b[1], b[2], b[3]])
}

/// The largest char boundary of `s` at or below `at`.
fn floor_boundary(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether a word ends at `end` of normalised `t`.
fn ends_word(t: &[u8], end: usize) -> bool {
    end == t.len() || t[end] == b' '
}

/// Where `part` occurs as whole words in `t`, starting in `from..=to`; returns its end.
fn find_part(t: &str, part: &str, from: usize, to: usize) -> Option<usize> {
    if from > t.len() {
        return None;
    }
    let bytes = t.as_bytes();
    let limit = floor_boundary(t, to.saturating_add(part.len()));
    let mut at = from;
    while at < limit {
        let pos = at + t[at..limit].find(part)?;
        if pos > to {
            return None;
        }
        let end = pos + part.len();
        if (pos == 0 || bytes[pos - 1] == b' ') && ends_word(bytes, end) {
            return Some(end);
        }
        at = pos + 1;
        while !t.is_char_boundary(at) {
            at += 1;
        }
    }
    None
}

impl Index {
    /// The embedded index, parsed once. The tests hold the file valid, so a failure here is a
    /// build that skipped them.
    pub fn embedded() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| {
            Index::parse(crate::catalogue::MESSAGE_INDEX)
                .unwrap_or_else(|e| panic!("checks/messages.toml: {e}"))
        })
    }

    /// Parses and validates an index.
    pub fn parse(text: &str) -> Result<Index, String> {
        let file: IndexFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut entries = Vec::with_capacity(file.message.len());
        let mut all_fragments = Vec::new();
        let mut by_start: HashMap<[u8; 4], Vec<usize>> = HashMap::new();
        let mut starts = vec![0u64; 1 << 10];
        for (n, e) in file.message.into_iter().enumerate() {
            let at = format!("message {} ({:?})", n + 1, e.text);
            let token: Vec<(&'static str, String)> = e
                .token
                .iter()
                .map(|(k, v)| {
                    let name = format!("token.{k}");
                    let name = signal::ALL
                        .iter()
                        .copied()
                        .find(|s| *s == name)
                        .ok_or_else(|| format!("{at}: {name} is not a signal"))?;
                    let value = v
                        .as_str()
                        .ok_or_else(|| format!("{at}: {name} must be a string"))?;
                    Ok((name, value.to_owned()))
                })
                .collect::<Result<_, String>>()?;
            if e.api_code.is_some() && !e.api {
                return Err(format!("{at}: api_code belongs to an api message"));
            }
            let meaning = match (!e.aadsts.is_empty(), e.api, !token.is_empty()) {
                (true, false, false) => Meaning::Aadsts(e.aadsts),
                (false, true, false) => Meaning::Api { code: e.api_code },
                (false, false, true) => Meaning::Token(token),
                _ => return Err(format!("{at}: give exactly one of aadsts, api or token")),
            };
            if !e.source.starts_with("https://") {
                return Err(format!("{at}: source must be an https link"));
            }
            if e.fragments.is_empty() {
                return Err(format!("{at}: no fragment to match"));
            }
            let mut fragments = Vec::new();
            for (f, fragment) in e.fragments.iter().enumerate() {
                let parts: Vec<String> = fragment
                    .split('\u{2026}')
                    .map(normalize)
                    .filter(|p| !p.is_empty())
                    .collect();
                let Some(k) = parts.first().and_then(|p| key(p)) else {
                    return Err(format!(
                        "{at}: fragment {fragment:?} must start with four or more characters"
                    ));
                };
                by_start.entry(k).or_default().push(all_fragments.len());
                let h = start_hash(k);
                starts[h / 64] |= 1 << (h % 64);
                all_fragments.push((n, f));
                fragments.push(parts);
            }
            entries.push(Entry {
                meaning,
                text: e.text,
                variants: e.variants,
                source: e.source,
                fragments,
            });
        }
        Ok(Index {
            entries,
            fragments: all_fragments,
            by_start,
            starts,
        })
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Where fragment `f` of entry `e` matches normalised `t` at `pos`: its end.
    fn match_at(&self, e: usize, f: usize, t: &str, pos: usize) -> Option<usize> {
        let parts = &self.entries[e].fragments[f];
        let first = &parts[0];
        if !t[pos..].starts_with(first.as_str()) || !ends_word(t.as_bytes(), pos + first.len()) {
            return None;
        }
        let mut end = pos + first.len();
        for part in &parts[1..] {
            end = find_part(t, part, end + 1, end + 1 + GAP)?;
        }
        Some(end)
    }

    /// What `text` holds.
    pub fn find(&self, text: &str) -> Found<'_> {
        self.find_normalized(&normalize(text))
    }

    /// What normalised text holds. One pass: at each word's start, the fragments that begin
    /// with its first four bytes are tried; each fragment is kept at its first match.
    pub fn find_normalized(&self, t: &str) -> Found<'_> {
        let bytes = t.as_bytes();
        let mut first_match: Vec<Option<(usize, usize)>> = vec![None; self.fragments.len()];
        let mut attempts: Vec<u32> = vec![0; self.fragments.len()];
        let mut pos = 0;
        while pos + 4 <= bytes.len() {
            let k = [bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]];
            let h = start_hash(k);
            if self.starts[h / 64] & (1 << (h % 64)) != 0
                && let Some(candidates) = self.by_start.get(&k)
            {
                for &g in candidates {
                    if first_match[g].is_some() || attempts[g] >= MAX_ATTEMPTS {
                        continue;
                    }
                    attempts[g] += 1;
                    let (e, f) = self.fragments[g];
                    if let Some(end) = self.match_at(e, f, t, pos) {
                        first_match[g] = Some((pos, end));
                    }
                }
            }
            match t[pos..].find(' ') {
                Some(space) => pos += space + 1,
                None => break,
            }
        }
        // A match inside a longer match of another entry is that entry's text, not its own.
        let spans: Vec<(usize, usize, usize)> = first_match
            .iter()
            .enumerate()
            .filter_map(|(g, m)| m.map(|(start, end)| (self.fragments[g].0, start, end)))
            .collect();
        let mut kept: Vec<(usize, usize)> = spans
            .iter()
            .filter(|&&(e, start, end)| {
                !spans.iter().any(|&(other, s, t_end)| {
                    other != e && s <= start && end <= t_end && t_end - s > end - start
                })
            })
            .map(|&(e, start, _)| (start, e))
            .collect();
        kept.sort_unstable();
        let mut entries: Vec<&Entry> = Vec::new();
        for (_, e) in kept {
            let entry = &self.entries[e];
            if !entries.iter().any(|x| std::ptr::eq(*x, entry)) {
                entries.push(entry);
            }
        }
        Found { entries }
    }
}

/// What `text` holds, by the embedded index.
pub fn find(text: &str) -> Found<'static> {
    Index::embedded().find(text)
}

/// The API entry a service's message is, when the index knows it: its canonical wording is then
/// the message signal, whatever the server's punctuation or a wrapper's changes.
pub fn api_message(message: &str) -> Option<&'static Entry> {
    find(message).api()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> &'static Index {
        Index::embedded()
    }

    /// The text with its placeholders filled in, as a server would send it.
    fn filled(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            match rest[open..].find('}') {
                Some(close) => {
                    out.push_str("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90");
                    rest = &rest[open + close + 1..];
                }
                None => {
                    rest = &rest[open..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn found_texts(text: &str) -> Vec<String> {
        index()
            .find(text)
            .entries
            .iter()
            .map(|e| e.text.clone())
            .collect()
    }

    #[test]
    fn the_embedded_index_parses() {
        assert!(index().entries().len() > 60);
    }

    #[test]
    fn every_entry_is_found_from_its_text_and_its_variants_alone() {
        let mut failures = Vec::new();
        for entry in index().entries() {
            for text in std::iter::once(&entry.text).chain(&entry.variants) {
                let found = found_texts(&filled(text));
                if found != vec![entry.text.clone()] {
                    failures.push(format!("{text:?} is found as {found:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Whether fragment `f` of entry `e` matches normalised `t` anywhere.
    fn fragment_matches(e: usize, f: usize, t: &str) -> bool {
        let mut pos = 0;
        loop {
            if index().match_at(e, f, t, pos).is_some() {
                return true;
            }
            match t[pos..].find(' ') {
                Some(s) => pos += s + 1,
                None => return false,
            }
        }
    }

    #[test]
    fn every_fragment_matches_its_own_entry_and_no_other_text() {
        let mut failures = Vec::new();
        let entries = index().entries();
        for (e, entry) in entries.iter().enumerate() {
            let own: Vec<String> = std::iter::once(&entry.text)
                .chain(&entry.variants)
                .map(|t| normalize(&filled(t)))
                .collect();
            for f in 0..entry.fragments.len() {
                if !own.iter().any(|t| fragment_matches(e, f, t)) {
                    failures.push(format!(
                        "fragment {} of {:?} matches none of its texts",
                        f + 1,
                        entry.text
                    ));
                }
                // Unique: no other entry's wording holds it, unless that entry's own longer
                // fragment holds it too (then the longer wins).
                for (o, other) in entries.iter().enumerate().filter(|(o, _)| *o != e) {
                    for text in std::iter::once(&other.text).chain(&other.variants) {
                        let t = normalize(&filled(text));
                        if fragment_matches(e, f, &t)
                            && found_texts(&filled(text)).contains(&entry.text)
                        {
                            failures.push(format!(
                                "fragment {} of {:?} is found in {:?} (entry {})",
                                f + 1,
                                entry.text,
                                text,
                                o + 1
                            ));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn normalizes_quotes_escapes_and_contractions() {
        assert_eq!(
            normalize("AADSTS650053: asked for scope \u{2018}x\u{2019} that doesn\u{2019}t exist"),
            "aadsts650053 asked for scope x that does not exist"
        );
        assert_eq!(
            normalize(r#"The client\u0027s app can't, won't or isn't.\r\nTrace"#),
            "the clients app cannot will not or is not trace"
        );
        assert_eq!(normalize("  …  "), "");
        assert_eq!(normalize("Ünïcode-Wörter"), "ünïcode wörter");
    }

    #[test]
    fn finds_messages_stripped_reworded_or_cut_short_by_a_wrapper() {
        let codes = |text: &str| index().find(text).aadsts();
        // The examples of the issue: a wrapper kept only the message.
        assert_eq!(
            codes(
                "Error: The user or administrator has not consented to use the application with ID '…'"
            ),
            vec![65001]
        );
        // Upper case, line breaks, doubled quotes of a CSV export, an ellipsis for the id.
        assert_eq!(
            codes(
                "THE REPLY URL SPECIFIED IN THE REQUEST\n   DOES NOT MATCH THE REPLY URLS configured for the application: \"\"…\"\""
            ),
            vec![50011]
        );
        // The newer "isn't" wording and the older "is not" meet.
        assert_eq!(
            codes("The provided value for the input parameter 'scope' is not valid."),
            vec![70011]
        );
        // A longer message that contains a shorter one is the longer one.
        assert_eq!(
            codes(
                "No matching federated identity record found for presented assertion subject 'repo:x:ref:refs/heads/main'"
            ),
            vec![700213]
        );
        assert_eq!(
            codes("The request body must contain the following parameter: 'client_id'."),
            vec![90014, 900144]
        );
        assert_eq!(
            codes(
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
            ),
            vec![7000218]
        );
        // Placeholders of any length, within reason.
        assert_eq!(
            codes(
                "Application with identifier 'https://contoso.example/very/long/app-id-uri' was not found in the directory 'Contoso Ltd'"
            ),
            vec![70001]
        );
        // Two messages in one paste, in order.
        assert_eq!(
            codes(
                "Error validating credentials due to invalid username or password. Then: The password is expired."
            ),
            vec![50126, 50055]
        );
        assert!(codes("Everything worked; no error here.").is_empty());
        assert!(codes("the user account").is_empty());
    }

    #[test]
    fn api_messages_keep_their_canonical_wording_and_code() {
        let entry = api_message(
            "403 Forbidden\nAccess token has expired, resubmit with a new access token.",
        )
        .unwrap();
        assert_eq!(
            entry.text,
            "Access token has expired, resubmit with a new access token"
        );
        assert_eq!(entry.api_code(), Some("TokenExpired"));
        assert!(api_message("AADSTS7000215: Invalid client secret provided.").is_none());
        let token = find(
            "missing_federation_metadata_url: Federation Metadata Url is missing for federated user.",
        );
        assert_eq!(
            token.token_signals(),
            vec![(
                signal::TOKEN_MESSAGE,
                "federated-user-unsupported".to_owned()
            )]
        );
    }

    #[test]
    fn the_search_is_linear_and_bounded_on_hostile_input() {
        // The start of a long fragment repeated: every try fails at its second part.
        let hostile = "application with identifier ".repeat(200_000);
        let start = std::time::Instant::now();
        assert!(find(&hostile).entries.is_empty());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn refuses_a_malformed_index() {
        let err = Index::parse(
            "[[message]]\naadsts = [1]\napi = true\ntext = \"x\"\nmatch = [\"xxxx\"]\nsource = \"https://x\"\n",
        )
        .unwrap_err();
        assert!(err.contains("exactly one"), "{err}");
        let err = Index::parse(
            "[[message]]\naadsts = [1]\ntext = \"x\"\nmatch = [\"ab\"]\nsource = \"https://x\"\n",
        )
        .unwrap_err();
        assert!(err.contains("four or more"), "{err}");
        let err = Index::parse(
            "[[message]]\ntoken = { nonsense = \"x\" }\ntext = \"x\"\nmatch = [\"xxxx\"]\nsource = \"https://x\"\n",
        )
        .unwrap_err();
        assert!(err.contains("not a signal"), "{err}");
    }
}

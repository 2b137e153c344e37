//! The cause catalogue: `checks/*.toml`, embedded at build time, parsed and validated once. A
//! cause holds its words (title, what happened, why, fix steps, docs) and declarative matchers
//! over signals: `[[when]]` blocks are any-of, conditions inside a block all-of; a string is
//! equality, a list any-of, `present`/`absent` name signals by presence. The message index
//! (`checks/messages.toml`) is embedded here too and read by `explain::messages`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::check::signal;
use crate::error::DoctorError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
/// The message index's text (`checks/messages.toml`), parsed by `explain::messages`.
pub(crate) use embedded::MESSAGES as MESSAGE_INDEX;
pub use embedded::SCENARIOS;

/// How sure a diagnosis is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// An honest alternative.
    Possible,
    /// The evidence points this way.
    Likely,
    /// The evidence means one thing.
    Confirmed,
}

impl Confidence {
    /// The word used in reports.
    pub fn word(self) -> &'static str {
        match self {
            Self::Possible => "possible",
            Self::Likely => "likely",
            Self::Confirmed => "confirmed",
        }
    }
}

/// How bad a cause is, for ranking ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; does not break calls by itself.
    Warning,
    /// Breaks calls.
    Error,
}

/// One condition of a matcher block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The signal has one of these values.
    OneOf(String, Vec<String>),
    /// The signal was emitted.
    Present(String),
    /// The signal was not emitted.
    Absent(String),
}

impl Condition {
    /// The signal the condition is about.
    pub fn signal(&self) -> &str {
        match self {
            Self::OneOf(s, _) | Self::Present(s) | Self::Absent(s) => s,
        }
    }
}

/// A `[[when]]` block.
#[derive(Clone, Debug)]
pub struct Rule {
    /// What a match gives.
    pub confidence: Confidence,
    /// All must hold.
    pub conditions: Vec<Condition>,
}

/// A cause: its words and its matchers.
#[derive(Clone, Debug)]
pub struct Cause {
    /// Stable kebab-case id, equal to the file stem.
    pub id: String,
    /// One line.
    pub title: String,
    /// token-endpoint, token-content, identity, tenant-workspace, transport.
    pub group: String,
    /// For ranking ties.
    pub severity: Severity,
    /// What happened.
    pub what: String,
    /// Why.
    pub why: String,
    /// Numbered fix steps.
    pub fix: Vec<String>,
    /// Sources.
    pub docs: Vec<String>,
    /// Set when no `check` scenario can reach the cause: how it is reached instead.
    pub offline_only: Option<String>,
    /// Matchers.
    pub rules: Vec<Rule>,
    /// `[[ruled_out]]` blocks: records that exclude the cause (the second look's).
    pub ruled_out: Vec<Exclusion>,
}

/// A `[[ruled_out]]` block: when every condition holds, the records exclude the cause.
#[derive(Clone, Debug)]
pub struct Exclusion {
    /// Why, in a sentence for people; the matched records follow it.
    pub because: String,
    /// All must hold.
    pub conditions: Vec<Condition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CauseFile {
    id: String,
    title: String,
    group: String,
    severity: Severity,
    what: String,
    why: String,
    fix: Vec<String>,
    docs: Vec<String>,
    offline_only: Option<String>,
    #[serde(default)]
    when: Vec<toml::Table>,
    #[serde(default)]
    ruled_out: Vec<toml::Table>,
}

/// All causes, in id order.
#[derive(Debug)]
pub struct Catalogue {
    causes: Vec<Cause>,
}

const GROUPS: [&str; 5] = [
    "token-endpoint",
    "token-content",
    "identity",
    "tenant-workspace",
    "transport",
];

fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn names(value: &toml::Value, what: &str) -> Result<Vec<String>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("{what} must be a list of signal names"))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what} must hold strings"))
        })
        .collect()
}

/// Flattens a `[[when]]` table (dotted keys may arrive nested) into conditions.
fn conditions(prefix: &str, table: &toml::Table, out: &mut Vec<Condition>) -> Result<(), String> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (name.as_str(), value) {
            ("confidence", _) | ("because", _) => {}
            ("present", v) => out.extend(names(v, "present")?.into_iter().map(Condition::Present)),
            ("absent", v) => out.extend(names(v, "absent")?.into_iter().map(Condition::Absent)),
            (_, toml::Value::Table(inner)) => conditions(&name, inner, out)?,
            (_, toml::Value::Array(items)) => {
                let values = items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{name}: a list of strings"))?;
                out.push(Condition::OneOf(name, values));
            }
            (_, v) => out.push(Condition::OneOf(
                name.clone(),
                vec![scalar(v).ok_or_else(|| format!("{name}: unsupported value"))?],
            )),
        }
    }
    Ok(())
}

fn parse_cause(stem: &str, text: &str) -> Result<Cause, String> {
    let file: CauseFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.id != stem {
        return Err(format!("id {:?} differs from the file name", file.id));
    }
    if !GROUPS.contains(&file.group.as_str()) {
        return Err(format!("group {:?} is not one of {GROUPS:?}", file.group));
    }
    if file.fix.is_empty() || file.docs.is_empty() || file.title.trim().is_empty() {
        return Err("title, fix and docs must not be empty".to_owned());
    }
    let mut rules = Vec::new();
    for table in &file.when {
        let confidence: Confidence = table
            .get("confidence")
            .ok_or("every [[when]] block needs a confidence")?
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| format!("confidence: {e}"))?;
        let mut conds = Vec::new();
        conditions("", table, &mut conds)?;
        if conds.is_empty() {
            return Err("a [[when]] block has no condition".to_owned());
        }
        // The names are checked against the one list of signal constants, which a unit test in
        // `check::signal` holds equal to what the checks declare.
        for c in &conds {
            if !signal::ALL.contains(&c.signal()) {
                return Err(format!("signal {:?} is emitted by no check", c.signal()));
            }
        }
        rules.push(Rule {
            confidence,
            conditions: conds,
        });
    }
    if rules.is_empty() {
        return Err("a cause needs at least one [[when]] block".to_owned());
    }
    let mut ruled_out = Vec::new();
    for table in &file.ruled_out {
        let because = table
            .get("because")
            .and_then(toml::Value::as_str)
            .ok_or("every [[ruled_out]] block needs a because sentence")?
            .to_owned();
        let mut conds = Vec::new();
        conditions("", table, &mut conds)?;
        if conds.is_empty() {
            return Err("a [[ruled_out]] block has no condition".to_owned());
        }
        if let Some(c) = conds.iter().find(|c| !signal::ALL.contains(&c.signal())) {
            return Err(format!("signal {:?} is emitted by no check", c.signal()));
        }
        ruled_out.push(Exclusion {
            because,
            conditions: conds,
        });
    }
    Ok(Cause {
        id: file.id,
        title: file.title,
        group: file.group,
        severity: file.severity,
        what: file.what,
        why: file.why,
        fix: file.fix,
        docs: file.docs,
        offline_only: file.offline_only,
        rules,
        ruled_out,
    })
}

impl Catalogue {
    /// Parses and validates a set of (file stem, contents).
    pub fn parse(files: &[(&str, &str)]) -> Result<Self, String> {
        let mut causes = Vec::with_capacity(files.len());
        let mut seen = BTreeSet::new();
        for (stem, text) in files {
            let cause = parse_cause(stem, text).map_err(|e| format!("checks/{stem}.toml: {e}"))?;
            if !seen.insert(cause.id.clone()) {
                return Err(format!("duplicate cause id {}", cause.id));
            }
            causes.push(cause);
        }
        causes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self { causes })
    }

    /// The embedded catalogue, parsed once.
    pub fn embedded() -> Result<&'static Catalogue, DoctorError> {
        static CATALOGUE: OnceLock<Result<Catalogue, String>> = OnceLock::new();
        CATALOGUE
            .get_or_init(|| Catalogue::parse(embedded::CAUSE_FILES))
            .as_ref()
            .map_err(|e| DoctorError::Catalogue(e.clone()))
    }

    /// Every cause, in id order.
    pub fn causes(&self) -> &[Cause] {
        &self.causes
    }

    /// A cause by id.
    pub fn get(&self, id: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| c.id == id)
    }
}

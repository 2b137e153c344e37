//! The JSON report, `schema_version` 1 (documented in the README). Stable field names: scripts
//! and CI jobs read them.

use serde::Serialize;

use crate::check::{Evidence, Outcome, Signals};
use crate::diagnose::RuledOut;
use crate::expect::ExpectationOutcome;
use crate::report::{Target, Verdict};
use crate::token_profile::Profile;

/// The schema version written in every JSON report.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    verdict: Verdict,
    /// The verdict in the sentence the human report ends with.
    summary: String,
    exit_code: u8,
    target: &'a Target,
    checks: Vec<Check<'a>>,
    causes: Vec<Cause<'a>>,
    unexplained: Vec<Unexplained<'a>>,
    /// Causes the second look's records exclude (only when it ran and excluded one).
    #[serde(skip_serializing_if = "<[RuledOut]>::is_empty")]
    ruled_out: &'a [RuledOut],
    #[serde(skip_serializing_if = "<[ExpectationOutcome]>::is_empty")]
    expectations: &'a [ExpectationOutcome],
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a Profile>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Check<'a> {
    id: &'static str,
    status: &'static str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped_because: Option<String>,
    evidence: &'a [Evidence],
    signals: &'a Signals,
}

#[derive(Serialize)]
struct Because<'a> {
    signal: &'a str,
    values: &'a [String],
}

#[derive(Serialize)]
struct Cause<'a> {
    rank: usize,
    id: &'a str,
    confidence: &'static str,
    severity: crate::catalogue::Severity,
    title: &'a str,
    what: &'a str,
    why: &'a str,
    fix: &'a [String],
    docs: &'a [String],
    evidence: Vec<Because<'a>>,
    checks: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'a str>,
}

#[derive(Serialize)]
struct Unexplained<'a> {
    check: &'static str,
    status: &'static str,
    summary: &'a str,
    evidence: &'a [Evidence],
}

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "pbi-doctor",
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: report.verdict,
        summary: crate::report::conclusion::sentence(report),
        exit_code: report.verdict.exit_status() as u8,
        target: &report.target,
        checks: report
            .findings
            .iter()
            .map(|f| Check {
                id: f.check.id(),
                status: f.outcome.status(),
                summary: &f.summary,
                skipped_because: match &f.outcome {
                    Outcome::Skipped(skip) => Some(skip.reason()),
                    _ => None,
                },
                evidence: &f.evidence,
                signals: &f.signals,
            })
            .collect(),
        causes: report
            .diagnoses
            .causes
            .iter()
            .enumerate()
            .map(|(i, d)| Cause {
                rank: i + 1,
                id: &d.cause.id,
                confidence: d.confidence.word(),
                severity: d.cause.severity,
                title: &d.cause.title,
                what: &d.cause.what,
                why: &d.cause.why,
                fix: d.fix(),
                docs: &d.cause.docs,
                evidence: d
                    .because
                    .iter()
                    .map(|m| Because {
                        signal: &m.signal,
                        values: &m.values,
                    })
                    .collect(),
                checks: d.explains().into_iter().map(|c| c.id()).collect(),
                condition: d.condition.as_deref(),
            })
            .collect(),
        unexplained: report
            .diagnoses
            .unexplained
            .iter()
            .filter_map(|check| report.findings.iter().find(|f| f.check == *check))
            .map(|f| Unexplained {
                check: f.check.id(),
                status: f.outcome.status(),
                summary: &f.summary,
                evidence: &f.evidence,
            })
            .collect(),
        ruled_out: &report.diagnoses.ruled_out,
        expectations: &report.expectations,
        token: report.profile.as_ref(),
        notes: &report.notes,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}

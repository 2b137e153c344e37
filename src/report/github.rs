//! The GitHub Actions format: workflow commands the runner turns into annotations, and the
//! Markdown job summary (for `$GITHUB_STEP_SUMMARY`).
//!
//! One `::error` per failed check and per check without a verdict, titled with the check and the
//! first ranked cause that explains it (or `unexplained`), carrying the summary and the cause's
//! first fix step; one `::warning` per check that warned; one `::error` per failed expectation;
//! and one closing `::notice` with the verdict, the checks that passed or were skipped, and the
//! notes. The token's profile is only in the job summary.
//!
//! Escaping is the runner's (`actions/toolkit` `packages/core/src/command.ts`, parsed back by
//! `actions/runner` `ActionCommand.cs`): in the message, `%` → `%25`, `\r` → `%0D`, `\n` →
//! `%0A`; in property values also `:` → `%3A` and `,` → `%2C`, so neither can end a property
//! or the property list. A message therefore stays on one line and cannot start a command.

use std::fmt::Write as _;

use crate::check::{Finding, Outcome};
use crate::report::Report;
use crate::report::markdown::{self, cause_for, diagnosis, unexplained_words, verdict_line};

/// Escapes a command's message (`escapeData` in the toolkit).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`escapeProperty` in the toolkit).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command line: `::name title=…::message`.
fn command(out: &mut String, name: &str, title: &str, message: &str) {
    let _ = writeln!(
        out,
        "::{name} title={}::{}",
        escape_property(title),
        escape_data(message)
    );
}

/// A failed check, or one without a verdict.
fn problem(out: &mut String, report: &Report<'_>, finding: &Finding) {
    let title = finding.check.title();
    let mut message = finding.summary.clone();
    let cause = match cause_for(report, finding.check) {
        Some(d) => {
            if let Some(step) = d.fix().first() {
                let _ = write!(message, "\nFix: {}", step.trim());
            }
            d.cause.id.as_str()
        }
        _ => {
            let _ = write!(message, "\n{}", unexplained_words(report));
            "unexplained"
        }
    };
    command(out, "error", &format!("{title}: {cause}"), &message);
}

/// A check that warned: named with the cause that explains it, if one does.
fn warning(out: &mut String, report: &Report<'_>, finding: &Finding) {
    let mut title = finding.check.title().to_owned();
    let mut message = finding.summary.clone();
    if let Some(d) = cause_for(report, finding.check) {
        let _ = write!(title, ": {}", d.cause.id);
        if let Some(step) = d.fix().first() {
            let _ = write!(message, "\nFix: {}", step.trim());
        }
    }
    command(out, "warning", &title, &message);
}

fn closing_notice(out: &mut String, report: &Report<'_>) {
    let verdict = match report.verdict {
        crate::report::Verdict::Healthy => "healthy",
        crate::report::Verdict::Problems => "problems found",
        crate::report::Verdict::Error => "could not finish",
    };
    let mut message = verdict_line(report);
    let passed: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Pass)
        .map(|f| f.check.id())
        .collect();
    if !passed.is_empty() {
        let _ = write!(message, "\nPassed: {}", passed.join(", "));
    }
    let skipped: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| match &f.outcome {
            Outcome::Skipped(skip) => Some(format!("{} ({})", f.check.id(), skip.words())),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        let _ = write!(message, "\nSkipped: {}", skipped.join("; "));
    }
    for note in &report.notes {
        let _ = write!(message, "\nNote: {note}");
    }
    command(out, "notice", &format!("pbi-doctor: {verdict}"), &message);
}

/// Renders the report as workflow commands, one per line.
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        match finding.outcome {
            Outcome::Fail | Outcome::Error => problem(&mut out, report, finding),
            Outcome::Warn => warning(&mut out, report, finding),
            Outcome::Pass | Outcome::Skipped(_) => {}
        }
    }
    for e in report.expectations.iter().filter(|e| !e.holds) {
        let cause = e.cause.as_deref().unwrap_or("unexplained");
        let mut message = e.detail.clone();
        if let Some(step) = e
            .cause
            .as_deref()
            .and_then(|id| diagnosis(report, id))
            .and_then(|d| d.fix().first())
        {
            let _ = write!(message, "\nFix: {}", step.trim());
        }
        command(
            &mut out,
            "error",
            &format!("Expectation {}: {cause}", e.spec),
            &message,
        );
    }
    closing_notice(&mut out, report);
    out
}

/// The Markdown job summary, to append to `$GITHUB_STEP_SUMMARY`: the Markdown report.
pub fn step_summary(report: &crate::report::SealedReport<'_>) -> String {
    markdown::render(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_first_then_line_breaks() {
        assert_eq!(escape_data("100%"), "100%25");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a\r\nb\nc\rd"), "a%0D%0Ab%0Ac%0Dd");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_data("::error::x"), "::error::x");
        assert_eq!(escape_data("Zürich ✓"), "Zürich ✓");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("Admin API: x, y"), "Admin API%3A x%2C y");
        assert_eq!(escape_property("50%\r\n"), "50%25%0D%0A");
        assert_eq!(escape_property("%3A"), "%253A");
        assert_eq!(escape_property("a=b;c]"), "a=b;c]");
    }
}

//! The Azure Pipelines format: logging commands the agent turns into issues on the run and a
//! result for the step.
//!
//! One `##vso[task.logissue type=error;code=<cause>;]` per failed check, per check without a
//! verdict and per failed expectation, one `type=warning` per check that warned (`code` is the
//! first ranked cause that explains the check, or `unexplained` for a problem no cause
//! explains), then `##vso[task.complete result=…;]` with the verdict line: `Failed` for the
//! problems and error verdicts, `SucceededWithIssues` when healthy with warnings, `Succeeded`
//! otherwise. The result follows the report's verdict alone. The token's profile and the notes
//! are left to the other formats: an issue is something to fix. Causes the second look ruled out
//! are log lines inside `##[group]Ruled out` … `##[endgroup]` (formatting commands of the log,
//! collapsed by default), before the result.
//!
//! Escaping is `azure-pipelines-task-lib` `node/taskcommand.ts` (`escapedata`, `escape`), which
//! the agent undoes in `CommandStringConvertor.Unescape`: in the message, `%` → `%AZP25`, `\r` →
//! `%0D`, `\n` → `%0A`; in property values also `]` → `%5D` and `;` → `%3B`. `%AZP25` rather than
//! `%25` is the agent's own choice (`docs/design/percentEncoding.md`): `%25` occurs in real data.

use std::fmt::Write as _;

use crate::check::{Finding, Outcome};
use crate::report::markdown::{cause_for, diagnosis, unexplained_words, verdict_line, warnings};
use crate::report::{Report, Verdict, ruled_out_line};

/// Escapes a command's message (`escapedata` in the task library).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`escape` in the task library).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(']', "%5D").replace(';', "%3B")
}

/// One `task.logissue` line; a property without a value is left out, as the task library does.
fn issue(out: &mut String, kind: &str, code: Option<&str>, message: &str) {
    let code = code
        .map(|c| format!("code={};", escape_property(c)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "##vso[task.logissue type={};{code}]{}",
        escape_property(kind),
        escape_data(message)
    );
}

fn check_issue(out: &mut String, report: &Report<'_>, finding: &Finding, kind: &str) {
    let mut message = format!("{}: {}", finding.check.title(), finding.summary);
    let code = match cause_for(report, finding.check) {
        Some(d) => {
            if let Some(step) = d.fix().first() {
                let _ = write!(message, "\nFix: {}", step.trim());
            }
            Some(d.cause.id.as_str())
        }
        // A warning no cause explains is just a warning; a problem is said to be unexplained.
        _ if kind == "warning" => None,
        _ => {
            let _ = write!(message, "\n{}", unexplained_words(report));
            Some("unexplained")
        }
    };
    issue(out, kind, code, &message);
}

/// Renders the report as logging commands, one per line, ending with `task.complete`.
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        match finding.outcome {
            Outcome::Fail | Outcome::Error => check_issue(&mut out, report, finding, "error"),
            Outcome::Warn => check_issue(&mut out, report, finding, "warning"),
            Outcome::Pass | Outcome::Skipped(_) => {}
        }
    }
    for e in report.expectations.iter().filter(|e| !e.holds) {
        let mut message = format!("Expectation {}: {}", e.spec, e.detail);
        if let Some(step) = e
            .cause
            .as_deref()
            .and_then(|id| diagnosis(report, id))
            .and_then(|d| d.fix().first())
        {
            let _ = write!(message, "\nFix: {}", step.trim());
        }
        issue(
            &mut out,
            "error",
            Some(e.cause.as_deref().unwrap_or("unexplained")),
            &message,
        );
    }
    // What the second look's records excluded: not an issue, a collapsed group of log lines.
    if !report.diagnoses.ruled_out.is_empty() {
        let _ = writeln!(out, "##[group]Ruled out");
        // One line each: a line break would start another log line.
        for r in &report.diagnoses.ruled_out {
            let _ = writeln!(out, "{}", ruled_out_line(r));
        }
        let _ = writeln!(out, "##[endgroup]");
    }
    let result = match report.verdict {
        Verdict::Problems | Verdict::Error => "Failed",
        Verdict::Healthy if warnings(report) > 0 => "SucceededWithIssues",
        Verdict::Healthy => "Succeeded",
    };
    let _ = writeln!(
        out,
        "##vso[task.complete result={};]{}",
        escape_property(result),
        escape_data(&format!("pbi-doctor: {}", verdict_line(report)))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_as_azp25_then_line_breaks() {
        assert_eq!(escape_data("100%"), "100%AZP25");
        assert_eq!(escape_data("%0A"), "%AZP250A");
        assert_eq!(escape_data("a\r\nb"), "a%0D%0Ab");
        assert_eq!(escape_data("a;b]c"), "a;b]c");
    }

    #[test]
    fn properties_also_escape_bracket_and_semicolon() {
        assert_eq!(escape_property("a;b]c"), "a%3Bb%5Dc");
        assert_eq!(escape_property("%3B"), "%AZP253B");
        assert_eq!(escape_property("x\n"), "x%0A");
        assert_eq!(escape_property("a:b,c"), "a:b,c");
    }
}

//! The JUnit XML report, for the test views of Jenkins, GitLab, Azure Pipelines and the like.
//!
//! One `<testsuite name="pbi-doctor">` with one `<testcase>` per check (`classname`
//! `pbi-doctor.check`, `name` the check id) and one per expectation (`pbi-doctor.expect`, `name`
//! the expectation as given):
//!
//! - a failed check is a `<failure>` whose `message` is the id and title of the first ranked
//!   cause that explains it, whose `type` is that id, and whose text holds the cause's numbered
//!   fix steps and documentation; a check no cause explains (the diagnosis lists it as
//!   unexplained) has `unexplained` as message and type, and the run's most likely cause is only
//!   mentioned in the text, since its fix is not this check's;
//! - a check without a verdict is an `<error>` worded the same way;
//! - a skipped check is `<skipped>` with the reason as its `message`;
//! - a check that warned **passes**, with the property `severity` = `warning`: JUnit has no
//!   warning status, and a failure would break builds the exit code lets through (a warning alone
//!   exits 0). The property sits in the test case, where pytest and others put theirs; strict
//!   `junit-10.xsd` validation does not allow properties there, and readers that ignore them
//!   still see the warning in `system-out`;
//! - a failed expectation is a `<failure>` with the detail as its `message` and the cause id
//!   from the expectation as its `type`.
//!
//! Every test case carries the check's summary and evidence (already redacted) as `system-out`;
//! the suite's `system-out` holds what belongs to the run: the token's profile and the notes.
//! Nothing depends on the clock: the only timestamp is the suite's, the instant the report was
//! judged at (`target.evaluated_at`), and no durations are written. Line endings in text are
//! normalised to `\n` (an XML parser would do it anyway), and attribute values are kept on one
//! line, since a parser turns line breaks in attributes into spaces.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use crate::check::{Finding, Outcome};
use crate::diagnose::Diagnosis;
use crate::report::Report;
use crate::report::markdown::{cause_for, diagnosis, unexplained_words};

/// The classname of the test cases for checks.
pub const CHECK_CLASSNAME: &str = "pbi-doctor.check";
/// The classname of the test cases for expectations.
pub const EXPECT_CLASSNAME: &str = "pbi-doctor.expect";

/// Text for an element: `\r\n` and `\r` become `\n`, as XML parsers read them.
fn text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Text for an attribute: one line, runs of whitespace as one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn system_out(finding: &Finding) -> String {
    let mut out = String::new();
    if finding.outcome == Outcome::Warn {
        out.push_str("warning: ");
    }
    let _ = writeln!(out, "{}", finding.summary);
    for e in &finding.evidence {
        let _ = writeln!(out, "{}: {}", e.label, e.value);
    }
    text(&out)
}

/// The cause's words for a failure's text: title, what happened, fix steps, docs.
fn cause_text(out: &mut String, d: &Diagnosis<'_>) {
    let c = d.cause;
    let _ = writeln!(
        out,
        "{} ({}): {}",
        c.id,
        d.confidence.word(),
        c.title.trim()
    );
    if let Some(condition) = &d.condition {
        let _ = writeln!(out, "Applies {}.", condition.trim());
    }
    let _ = writeln!(out, "What happened: {}", c.what.trim());
    let _ = writeln!(out, "Fix:");
    for (n, step) in c.fix.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, step.trim());
    }
    let _ = writeln!(out, "Docs:");
    for url in &c.docs {
        let _ = writeln!(out, "  {}", url.trim());
    }
}

fn check_case(report: &Report<'_>, finding: &Finding) -> TestCase {
    let status = match &finding.outcome {
        Outcome::Pass | Outcome::Warn => TestCaseStatus::success(),
        Outcome::Skipped(_) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(one_line(&finding.summary));
            status
        }
        Outcome::Fail | Outcome::Error => {
            let kind = if finding.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            let mut description = String::new();
            match cause_for(report, finding.check) {
                Some(d) => {
                    status.set_message(one_line(&format!("{}: {}", d.cause.id, d.cause.title)));
                    status.set_type(d.cause.id.as_str());
                    cause_text(&mut description, d);
                }
                _ => {
                    status.set_message("unexplained");
                    status.set_type("unexplained");
                    let _ = writeln!(
                        description,
                        "{} The evidence is in system-out.",
                        unexplained_words(report)
                    );
                }
            }
            status.set_description(text(&description));
            status
        }
    };
    let mut case = TestCase::new(finding.check.id(), status);
    case.set_classname(CHECK_CLASSNAME);
    if finding.outcome == Outcome::Warn {
        case.add_property(Property::new("severity", "warning"));
    }
    case.set_system_out(system_out(finding));
    case
}

fn expectation_case(report: &Report<'_>, e: &crate::expect::ExpectationOutcome) -> TestCase {
    let status = if e.holds {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(one_line(&e.detail));
        let mut description = String::new();
        match e.cause.as_deref() {
            Some(id) => {
                status.set_type(id);
                match diagnosis(report, id) {
                    Some(d) => cause_text(&mut description, d),
                    None => {
                        let _ = writeln!(description, "cause: {id}");
                    }
                }
            }
            None => {
                status.set_type("unexplained");
                description.push_str("No cause in the catalogue explains it.\n");
            }
        }
        status.set_description(text(&description));
        status
    };
    let mut case = TestCase::new(e.spec.as_str(), status);
    case.set_classname(EXPECT_CLASSNAME);
    case.set_system_out(text(&format!("{}\n", e.detail)));
    case
}

/// What belongs to the run rather than to a check: the token's profile and the notes.
fn suite_out(report: &Report<'_>) -> Option<String> {
    let mut out = String::new();
    if let Some(profile) = &report.profile {
        for (title, lines) in [
            ("What the token is", &profile.what),
            ("What it can do with Power BI", &profile.can_do),
        ] {
            let _ = writeln!(out, "{title}:");
            for line in lines {
                let _ = writeln!(out, "  {}: {}", line.label, line.value);
            }
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "Notes:");
        for note in &report.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    (!out.is_empty()).then(|| text(&out))
}

/// Renders the report as a JUnit XML document (UTF-8, with a trailing newline).
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let mut suite = TestSuite::new("pbi-doctor");
    let verdict = match report.verdict {
        crate::report::Verdict::Healthy => "healthy",
        crate::report::Verdict::Problems => "problems",
        crate::report::Verdict::Error => "error",
    };
    suite.add_property(Property::new("verdict", verdict));
    suite.add_property(Property::new("command", report.target.command.as_str()));
    suite.add_property(Property::new("cloud", report.target.cloud.as_str()));
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&report.target.evaluated_at) {
        suite.set_timestamp(at);
    }
    for finding in &report.findings {
        suite.add_test_case(check_case(report, finding));
    }
    for e in &report.expectations {
        suite.add_test_case(expectation_case(report, e));
    }
    if let Some(out) = suite_out(report) {
        suite.set_system_out(out);
    }
    let mut junit = quick_junit::Report::new("pbi-doctor");
    junit.add_test_suite(suite);
    junit.to_string().unwrap_or_else(|e| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pbi-doctor could not write the JUnit report: {} -->\n",
            one_line(&e.to_string()).replace("--", "- -")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_stay_on_one_line_and_text_uses_lf() {
        assert_eq!(one_line("a\r\n b\tc  d"), "a b c d");
        assert_eq!(text("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}

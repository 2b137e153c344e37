//! The JUnit XML report, for the test views of Jenkins, GitLab, Azure Pipelines, GitHub test
//! reporters and the like. It is valid against both schemas CI tools hold JUnit files to:
//! Jenkins' `junit-10.xsd` (xunit-plugin) and the Apache Ant schema `JUnit.xsd` (windyroad); both
//! are vendored under `tests/data/`, and the suite checks every shipped scenario against them.
//! Where they differ, the stricter rule wins:
//!
//! ```xml
//! <testsuites>                         <!-- no attributes: JUnit.xsd allows none here -->
//!   <testsuite name="pbi-doctor" package="pbi-doctor" id="0" tests=… failures=… errors=…
//!              skipped=… time="0" timestamp="2026-11-20T09:14:03" hostname="localhost">
//!     <properties>…</properties>       <!-- first, and always there -->
//!     <testcase name="admin-api" classname="pbi-doctor.check" time="0">
//!       <failure message=… type=…>…</failure>   <!-- at most one outcome, nothing else -->
//!     </testcase>
//!     <system-out>…</system-out>        <!-- last two, always there -->
//!     <system-err></system-err>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! One `<testcase>` per check (`classname` `pbi-doctor.check`, `name` the check id) and one per
//! expectation (`pbi-doctor.expect`, `name` the expectation as given):
//!
//! - a failed check is a `<failure>` whose `message` is the id and title of the first ranked
//!   cause that explains it, whose `type` is that id, and whose text holds the cause's numbered
//!   fix steps and documentation, then the check's evidence; a check no cause explains (the
//!   diagnosis lists it as unexplained) has `unexplained` as message and type, and the run's most
//!   likely cause is only mentioned in the text, since its fix is not this check's;
//! - a check without a verdict is an `<error>` worded the same way;
//! - a skipped check is `<skipped>` with the reason as its `message`;
//! - a check that warned **passes**: JUnit has no warning status, and a failure would break
//!   builds the exit code lets through (a warning alone exits 0). Neither schema allows anything
//!   but an outcome inside a `<testcase>`, so the warning is a suite property `warning` (`check:
//!   summary`) and a line of the suite's `system-out`;
//! - a failed expectation is a `<failure>` with the detail as its `message` and the cause id
//!   from the expectation as its `type`.
//!
//! What GitHub test reporters and Azure Pipelines' PublishTestResults show of a test (its name,
//! outcome, the failure's message and text) therefore carries the cause, the fix and the
//! evidence. The evidence of every check, passing ones included, is in the suite's `system-out`
//! with what belongs to the run: the token's profile and the notes.
//!
//! Nothing depends on the clock or the machine: the timestamp is the instant the report was
//! judged at (`target.evaluated_at`, in UTC: JUnit.xsd allows no zone, so it is also a
//! property `evaluated-at` with its `Z`), durations are `0` (nothing measures them and both
//! schemas require one) and the host is `localhost`, as JUnit.xsd asks when it is not known. Line
//! endings in text are `\n` (an XML parser would make them so anyway), attribute values are kept on
//! one line, and characters XML 1.0 cannot carry are written as `\xNN`.

use std::fmt::Write as _;

use crate::check::{Finding, Outcome};
use crate::diagnose::Diagnosis;
use crate::report::markdown::{cause_for, diagnosis, unexplained_words};
use crate::report::{Report, one_line, ruled_out_line};

/// The classname of the test cases for checks.
pub const CHECK_CLASSNAME: &str = "pbi-doctor.check";
/// The classname of the test cases for expectations.
pub const EXPECT_CLASSNAME: &str = "pbi-doctor.expect";

/// Text for an element: `\r\n` and `\r` become `\n`, as XML parsers read them.
fn text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Escapes text for XML 1.0 content or a quoted attribute: the five markup characters as
/// entities, characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) as
/// `\xNN` or U+FFFD. Sealed reports have no controls left; this holds for any text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// One element, its attributes and text, written as XML.
struct Element {
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<Element>,
}

impl Element {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            attributes: Vec::new(),
            text: None,
            children: Vec::new(),
        }
    }

    fn attribute(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        self.attributes.push((name, one_line(value.as_ref())));
        self
    }

    fn text(mut self, text: impl AsRef<str>) -> Self {
        self.text = Some(crate::report::junit::text(text.as_ref()));
        self
    }

    fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    fn write(&self, out: &mut String, depth: usize) {
        let indent = "    ".repeat(depth);
        let _ = write!(out, "{indent}<{}", self.name);
        for (name, value) in &self.attributes {
            let _ = write!(out, " {name}=\"{}\"", escape(value));
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str("/>\n"),
            (Some(text), true) => {
                let _ = writeln!(out, ">{}</{}>", escape(text), self.name);
            }
            (text, false) => {
                out.push_str(">\n");
                if let Some(text) = text {
                    out.push_str(&escape(text));
                }
                for child in &self.children {
                    child.write(out, depth + 1);
                }
                let _ = writeln!(out, "{indent}</{}>", self.name);
            }
        }
    }
}

/// The check's summary and evidence, one fact a line.
fn evidence(finding: &Finding) -> String {
    let mut out = String::new();
    if finding.outcome == Outcome::Warn {
        out.push_str("warning: ");
    }
    let _ = writeln!(out, "{}", finding.summary);
    for e in &finding.evidence {
        let _ = writeln!(out, "{}: {}", e.label, e.value);
    }
    out
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
    for (n, step) in d.fix().iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, step.trim());
    }
    let _ = writeln!(out, "Docs:");
    for url in &c.docs {
        let _ = writeln!(out, "  {}", url.trim());
    }
}

/// A test case: the three attributes both schemas accept, and at most one outcome.
fn case(classname: &str, name: &str, outcome: Option<Element>) -> Element {
    let case = Element::new("testcase")
        .attribute("name", name)
        .attribute("classname", classname)
        .attribute("time", "0");
    match outcome {
        Some(outcome) => case.child(outcome),
        None => case,
    }
}

fn check_case(report: &Report<'_>, finding: &Finding) -> Element {
    let outcome = match &finding.outcome {
        Outcome::Pass | Outcome::Warn => None,
        Outcome::Skipped(_) => {
            let skipped = Element::new("skipped").attribute("message", &finding.summary);
            Some(if finding.evidence.is_empty() {
                skipped
            } else {
                skipped.text(evidence(finding))
            })
        }
        Outcome::Fail | Outcome::Error => {
            let name = if finding.outcome == Outcome::Fail {
                "failure"
            } else {
                "error"
            };
            let mut description = String::new();
            let (message, kind) = match cause_for(report, finding.check) {
                Some(d) => {
                    cause_text(&mut description, d);
                    (
                        format!("{}: {}", d.cause.id, d.cause.title),
                        d.cause.id.clone(),
                    )
                }
                None => {
                    let _ = writeln!(
                        description,
                        "{} The evidence follows.",
                        unexplained_words(report)
                    );
                    ("unexplained".to_owned(), "unexplained".to_owned())
                }
            };
            let _ = write!(description, "Evidence:\n{}", evidence(finding));
            Some(
                Element::new(name)
                    .attribute("message", message)
                    .attribute("type", kind)
                    .text(description),
            )
        }
    };
    case(CHECK_CLASSNAME, finding.check.id(), outcome)
}

fn expectation_case(report: &Report<'_>, e: &crate::expect::ExpectationOutcome) -> Element {
    let outcome = (!e.holds).then(|| {
        let mut description = String::new();
        let kind = match e.cause.as_deref() {
            Some(id) => {
                match diagnosis(report, id) {
                    Some(d) => cause_text(&mut description, d),
                    None => {
                        let _ = writeln!(description, "cause: {id}");
                    }
                }
                id
            }
            None => {
                description.push_str("No cause in the catalogue explains it.\n");
                "unexplained"
            }
        };
        let _ = writeln!(description, "Detail: {}", e.detail);
        Element::new("failure")
            .attribute("message", &e.detail)
            .attribute("type", kind)
            .text(description)
    });
    case(EXPECT_CLASSNAME, e.spec.as_str(), outcome)
}

/// The suite's `system-out`: every check with its evidence, then what belongs to the run (the
/// token's profile, expectations that hold, the causes the records ruled out, the notes).
fn suite_out(report: &Report<'_>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "{} ({}):",
            finding.check.id(),
            outcome_word(&finding.outcome)
        );
        for line in evidence(finding).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
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
    if !report.expectations.is_empty() {
        let _ = writeln!(out, "Expectations:");
        for e in &report.expectations {
            let mark = if e.holds { "holds" } else { "does not hold" };
            let _ = writeln!(out, "  {} {mark}: {}", e.spec, one_line(&e.detail));
        }
    }
    if !report.diagnoses.ruled_out.is_empty() {
        let _ = writeln!(out, "Ruled out:");
        for r in &report.diagnoses.ruled_out {
            let _ = writeln!(out, "  {}", ruled_out_line(r));
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "Notes:");
        for note in &report.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    out
}

fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "passed",
        Outcome::Warn => "passed with a warning",
        Outcome::Fail => "failed",
        Outcome::Error => "no verdict",
        Outcome::Skipped(_) => "skipped",
    }
}

/// `evaluated_at` as JUnit.xsd's timestamp: UTC without a zone or fraction
/// (`2026-11-20T09:14:03`); the epoch when it is missing, since the attribute is required.
fn timestamp(evaluated_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(evaluated_at)
        .map(|at| at.with_timezone(&chrono::Utc))
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Renders the report as a JUnit XML document (UTF-8, with a trailing newline).
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let verdict = match report.verdict {
        crate::report::Verdict::Healthy => "healthy",
        crate::report::Verdict::Problems => "problems",
        crate::report::Verdict::Error => "error",
    };
    let property = |name: &str, value: &str| {
        Element::new("property")
            .attribute("name", name)
            .attribute("value", value)
    };
    let mut properties = Element::new("properties")
        .child(property("verdict", verdict))
        .child(property("command", &report.target.command))
        .child(property("cloud", &report.target.cloud))
        .child(property("evaluated-at", &report.target.evaluated_at));
    for finding in report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Warn)
    {
        properties = properties.child(property(
            "warning",
            &format!("{}: {}", finding.check.id(), finding.summary),
        ));
    }
    let mut cases: Vec<Element> = report
        .findings
        .iter()
        .map(|finding| check_case(report, finding))
        .collect();
    cases.extend(
        report
            .expectations
            .iter()
            .map(|e| expectation_case(report, e)),
    );
    let count = |outcome: &str| {
        cases
            .iter()
            .filter(|c| c.children.iter().any(|o| o.name == outcome))
            .count()
            .to_string()
    };
    let mut suite = Element::new("testsuite")
        .attribute("name", "pbi-doctor")
        .attribute("package", "pbi-doctor")
        .attribute("id", "0")
        .attribute("tests", cases.len().to_string())
        .attribute("failures", count("failure"))
        .attribute("errors", count("error"))
        .attribute("skipped", count("skipped"))
        .attribute("time", "0")
        .attribute("timestamp", timestamp(&report.target.evaluated_at))
        .attribute("hostname", "localhost")
        .child(properties);
    for case in cases {
        suite = suite.child(case);
    }
    let suite = suite
        .child(Element::new("system-out").text(suite_out(report)))
        .child(Element::new("system-err").text(""));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    Element::new("testsuites").child(suite).write(&mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_stay_on_one_line_and_text_uses_lf() {
        assert_eq!(one_line("a\r\n b\tc  d"), "a b c d");
        assert_eq!(text("a\r\nb\rc\n"), "a\nb\nc\n");
    }

    #[test]
    fn markup_and_characters_xml_cannot_carry_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(
            escape("\u{1b}[31m\u{0}\t\n\u{fffe}é"),
            "\\x1b[31m\\x00\t\n\u{fffd}é"
        );
    }

    #[test]
    fn the_timestamp_is_utc_without_a_zone() {
        assert_eq!(timestamp("2026-11-20T09:14:03Z"), "2026-11-20T09:14:03");
        assert_eq!(
            timestamp("2026-11-20T10:14:03.250+01:00"),
            "2026-11-20T09:14:03"
        );
        assert_eq!(timestamp(""), "1970-01-01T00:00:00");
    }

    #[test]
    fn an_empty_element_is_closed_and_text_is_not_indented() {
        let mut out = String::new();
        Element::new("a")
            .attribute("x", "1 & 2")
            .child(Element::new("b"))
            .child(Element::new("c").text("line\r\nnext"))
            .write(&mut out, 0);
        assert_eq!(
            out,
            "<a x=\"1 &amp; 2\">\n    <b/>\n    <c>line\nnext</c>\n</a>\n"
        );
    }
}

//! The Markdown report, for a pull-request comment, a CI job summary or a support ticket: the
//! verdict as a heading, what the token is and can do (`pbi-doctor token`), a table of checks,
//! the expectations when there are any, the ranked causes with their confidence, fix steps,
//! evidence and documentation, the unexplained checks, the notes, and the evidence of every check
//! folded away at the end.
//!
//! Text that came from the outside (summaries, evidence, signal values, the target) is escaped
//! for Markdown, or shown in code spans and a fenced block, where nothing is interpreted; the
//! catalogue's own words are written as they are, since they use Markdown on purpose (`az …`).
//!
//! This module also owns the few words every CI format shares: the check marks, the verdict line
//! and the cause a renderer names for a check (`cause_for`).

use std::fmt::Write as _;

use crate::check::{CheckId, Finding, Outcome};
use crate::diagnose::Diagnosis;
use crate::report::Report;

/// The mark of a check, as in the human report.
pub(crate) fn mark(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✓",
        Outcome::Warn => "!",
        Outcome::Fail => "✗",
        Outcome::Skipped(_) => "-",
        Outcome::Error => "?",
    }
}

fn count(report: &Report<'_>, outcome: &Outcome) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.outcome == *outcome)
        .count()
}

/// The number of checks that warned.
pub(crate) fn warnings(report: &Report<'_>) -> usize {
    count(report, &Outcome::Warn)
}

/// The verdict in one plain sentence (no Markdown), as the human report's last line says it.
pub(crate) fn verdict_line(report: &Report<'_>) -> String {
    crate::report::conclusion::sentence(report)
}

/// The cause a CI format names for a check: the first ranked diagnosis whose
/// [`Diagnosis::explains`] holds it. A failed check without one is a check the diagnosis lists
/// as unexplained; the formats call it `unexplained` and mention the run's most likely cause only
/// for reference ([`unexplained_words`]), never with its fix, which is another check's.
pub(crate) fn cause_for<'r, 'c>(
    report: &'r Report<'c>,
    check: CheckId,
) -> Option<&'r Diagnosis<'c>> {
    report
        .diagnoses
        .causes
        .iter()
        .find(|d| d.explains().contains(&check))
}

/// What the CI formats say about a failed check no cause explains.
pub(crate) fn unexplained_words(report: &Report<'_>) -> String {
    let top = report
        .diagnoses
        .causes
        .first()
        .map(|d| {
            format!(
                " (the run's most likely cause, {}, rests on other checks)",
                d.cause.id
            )
        })
        .unwrap_or_default();
    format!(
        "No cause in the catalogue fits this check{top}. {}",
        report.target.support_words()
    )
}

/// The diagnosis of a cause id, when the run ranked it.
pub(crate) fn diagnosis<'r, 'c>(report: &'r Report<'c>, id: &str) -> Option<&'r Diagnosis<'c>> {
    report.diagnoses.causes.iter().find(|d| d.cause.id == id)
}

/// Backslash-escapes what inline Markdown (and GitHub's extensions: tables, strikethrough, math)
/// would interpret; line breaks become `newline`.
fn escape(text: &str, newline: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str(newline);
            }
            '\n' => out.push_str(newline),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Outside text inside a table cell: escaped, line breaks as `<br>`.
fn cell(text: &str) -> String {
    escape(text, "<br>")
}

/// Outside text in a paragraph: escaped, line breaks as spaces.
fn inline(text: &str) -> String {
    escape(text, " ")
}

/// The doctor's own sentences that may quote outside text (notes): code spans in backticks are
/// kept, everything else is escaped; with unbalanced backticks, all of it is escaped.
fn prose(text: &str) -> String {
    if text.matches('`').count() % 2 == 1 {
        return inline(text);
    }
    text.split('`')
        .enumerate()
        .map(
            |(i, part)| {
                if i % 2 == 1 { code(part) } else { inline(part) }
            },
        )
        .collect()
}

/// A code span that holds any text: the fence is longer than any run of backticks inside, and
/// line breaks become spaces. In a table cell, `|` must still be escaped ([`cell_code`]).
fn code(text: &str) -> String {
    let text = text.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A code span in a table cell (GitHub reads `\|` as a pipe even inside code spans).
fn cell_code(text: &str) -> String {
    code(text).replace('|', "\\|")
}

fn longest_run(text: &str, of: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == of { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn heading(out: &mut String, report: &Report<'_>) {
    let title = format!(
        "{} pbi-doctor: {}",
        crate::report::conclusion::mark(report.verdict),
        crate::report::conclusion::headline(report)
    );
    let _ = writeln!(out, "## {title}\n");
    let t = &report.target;
    let mut parts = vec![code(&format!("pbi-doctor {}", t.command))];
    if let Some(tenant) = &t.tenant {
        parts.push(format!("tenant {}", code(tenant)));
    }
    if let Some(client) = &t.client_id {
        parts.push(format!("app {}", code(client)));
    }
    parts.push(inline(&t.credential.replace('-', " ")));
    parts.push(format!("{} cloud", inline(&t.cloud)));
    parts.push(format!("judged at {}", code(&t.evaluated_at)));
    if let Some(session) = &t.session {
        parts.push(format!("replaying {}", code(session)));
    }
    let _ = writeln!(out, "{}\n", parts.join(" · "));
    let _ = writeln!(out, "{}\n", verdict_line(report));
}

fn profile(out: &mut String, report: &Report<'_>) {
    let Some(profile) = &report.profile else {
        return;
    };
    for (title, lines) in [
        ("What the token is", &profile.what),
        ("What it can do with Power BI", &profile.can_do),
    ] {
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title}\n");
        for line in lines {
            let _ = writeln!(
                out,
                "- **{}:** {}",
                inline(&line.label),
                inline(&line.value)
            );
        }
        let _ = writeln!(out);
    }
}

fn checks_table(out: &mut String, report: &Report<'_>) {
    let _ = writeln!(out, "| | Check | Status | Summary |");
    let _ = writeln!(out, "|:-:|---|---|---|");
    for f in &report.findings {
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} | {} |",
            mark(&f.outcome),
            f.check.title(),
            cell_code(f.check.id()),
            f.outcome.status(),
            cell(&f.summary)
        );
    }
    let _ = writeln!(out);
}

fn expectations_table(out: &mut String, report: &Report<'_>) {
    if report.expectations.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Expectations\n");
    let _ = writeln!(out, "| | Expectation | Result | Detail | Cause |");
    let _ = writeln!(out, "|:-:|---|---|---|---|");
    for e in &report.expectations {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            if e.holds { "✓" } else { "✗" },
            cell_code(&e.spec),
            if e.holds { "holds" } else { "fails" },
            cell(&e.detail),
            e.cause.as_deref().map(cell_code).unwrap_or_default()
        );
    }
    let _ = writeln!(out);
}

/// A numbered list item from the catalogue; continuation lines are indented under it.
fn list_item(out: &mut String, n: usize, text: &str) {
    let marker = format!("{n}. ");
    let indent = " ".repeat(marker.len());
    let mut lines = text.trim().lines();
    let _ = writeln!(out, "{marker}{}", lines.next().unwrap_or_default());
    for line in lines {
        let _ = writeln!(out, "{indent}{line}");
    }
}

fn cause(out: &mut String, rank: usize, d: &Diagnosis<'_>) {
    let c = d.cause;
    let _ = writeln!(out, "#### {rank}. {}\n", c.title.trim());
    let explains: Vec<String> = d.explains().into_iter().map(|c| code(c.id())).collect();
    let mut facts = vec![
        code(&c.id),
        format!("**{}**", d.confidence.word()),
        format!("severity {}", severity(c.severity)),
    ];
    if !explains.is_empty() {
        facts.push(format!("explains {}", explains.join(", ")));
    }
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    if let Some(condition) = &d.condition {
        let _ = writeln!(out, "*Applies {}.*\n", inline(condition.trim()));
    }
    let _ = writeln!(out, "**What happened:** {}\n", c.what.trim());
    let _ = writeln!(out, "**Why:** {}\n", c.why.trim());
    let _ = writeln!(out, "**Fix:**\n");
    for (n, step) in d.fix().iter().enumerate() {
        list_item(out, n + 1, step);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "**Evidence:**\n");
    for m in &d.because {
        let values: Vec<String> = m.values.iter().map(|v| code(v)).collect();
        let _ = writeln!(out, "- {} = {}", code(&m.signal), values.join(" | "));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "**Docs:**\n");
    for url in &c.docs {
        let _ = writeln!(out, "- <{}>", url.trim());
    }
    let _ = writeln!(out);
}

fn severity(severity: crate::catalogue::Severity) -> &'static str {
    match severity {
        crate::catalogue::Severity::Error => "error",
        crate::catalogue::Severity::Warning => "warning",
    }
}

fn causes(out: &mut String, report: &Report<'_>) {
    let causes = &report.diagnoses.causes;
    if causes.is_empty() {
        return;
    }
    let title = if causes.len() == 1 {
        "Cause"
    } else {
        "Causes, most likely first"
    };
    let _ = writeln!(out, "### {title}\n");
    for (i, d) in causes.iter().enumerate() {
        if i == 1 {
            let _ = writeln!(out, "### Other explanations that fit the evidence\n");
        }
        cause(out, i + 1, d);
    }
}

fn ruled_out(out: &mut String, report: &Report<'_>) {
    if report.diagnoses.ruled_out.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Ruled out\n");
    for r in &report.diagnoses.ruled_out {
        let _ = writeln!(
            out,
            "- **{}** ({}): {}",
            inline(r.title.trim()),
            code(&r.id),
            inline(r.because.trim())
        );
    }
    let _ = writeln!(out);
}

fn unexplained(out: &mut String, report: &Report<'_>) {
    if report.diagnoses.unexplained.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Unexplained\n");
    for check in &report.diagnoses.unexplained {
        let summary = report
            .findings
            .iter()
            .find(|f| f.check == *check)
            .map(|f| format!(" ({}): {}", f.outcome.status(), inline(&f.summary)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{}** {}{summary}. No cause in the catalogue fits; the evidence is below. {}",
            check.title(),
            code(check.id()),
            prose(report.target.support_words())
        );
    }
    let _ = writeln!(out);
}

/// One check's evidence as plain lines, for the fenced block.
fn evidence_lines(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "[{}] {}: {}",
        mark(&finding.outcome),
        finding.check.id(),
        plain(&finding.summary, "    ")
    );
    for e in &finding.evidence {
        let _ = writeln!(
            out,
            "    {}: {}",
            plain(&e.label, "      "),
            plain(&e.value, "      ")
        );
    }
}

/// Text for a fenced block: line endings normalised, continuation lines indented.
fn plain(text: &str, indent: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', &format!("\n{indent}"))
}

fn notes(out: &mut String, report: &Report<'_>) {
    if report.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Notes\n");
    for note in &report.notes {
        let _ = writeln!(out, "- {}", prose(note));
    }
    let _ = writeln!(out);
}

fn evidence(out: &mut String, report: &Report<'_>) {
    let mut block = String::new();
    for finding in &report.findings {
        evidence_lines(&mut block, finding);
    }
    let fence = "`".repeat((longest_run(&block, '`') + 1).max(3));
    let _ = writeln!(
        out,
        "<details>\n<summary>Evidence collected by each check</summary>\n"
    );
    let _ = write!(out, "{fence}text\n{block}{fence}\n");
    let _ = writeln!(out, "\n</details>");
}

/// Renders the report as GitHub-flavoured Markdown, ending with a newline.
pub fn render(report: &crate::report::SealedReport<'_>) -> String {
    let mut out = String::new();
    heading(&mut out, report);
    profile(&mut out, report);
    checks_table(&mut out, report);
    expectations_table(&mut out, report);
    causes(&mut out, report);
    ruled_out(&mut out, report);
    unexplained(&mut out, report);
    notes(&mut out, report);
    evidence(&mut out, report);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_markup_and_line_breaks() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("x\r\ny\nz\rw"), "x<br>y<br>z<br>w");
        assert_eq!(
            cell("<b>*1*</b> & $x$"),
            "\\<b\\>\\*1\\*\\</b\\> \\& \\$x\\$"
        );
        assert_eq!(cell("Zürich ✓"), "Zürich ✓");
    }

    #[test]
    fn prose_keeps_code_spans_and_escapes_the_rest() {
        assert_eq!(
            prose("add `--url <the URL called>` to narrow <x>"),
            "add `--url <the URL called>` to narrow \\<x\\>"
        );
        assert_eq!(prose("a ` b <c>"), "a \\` b \\<c\\>");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a\nb"), "`a b`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
    }
}

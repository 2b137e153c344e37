//! The human report, in the manner of `flutter doctor` and `gh auth status`: a mark and one line
//! per check, the expectations, the ranked causes with their fix steps and links, and a verdict
//! sentence ([`conclusion`]); laid out to the terminal's width ([`crate::report::wrap`]). Styles are
//! always written; `anstream` strips them when the stream is not a terminal, `NO_COLOR` is set or
//! `--color never` was given.

use anstyle::{AnsiColor, Style};

use crate::check::{Finding, Outcome};
use crate::report::wrap::{paragraph, visible_width};
use crate::report::{Report, Verdict, conclusion};

const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const RED: Style = AnsiColor::Red.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

fn mark(outcome: &Outcome) -> (Style, &'static str) {
    match outcome {
        Outcome::Pass => (GREEN, "[✓]"),
        Outcome::Warn => (YELLOW, "[!]"),
        Outcome::Fail => (RED, "[✗]"),
        Outcome::Skipped(_) => (DIM, "[-]"),
        Outcome::Error => (RED, "[?]"),
    }
}

fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn header(out: &mut String, report: &Report<'_>, width: usize) {
    let t = &report.target;
    let mut parts = vec![format!("pbi-doctor {}", t.command)];
    if let Some(tenant) = &t.tenant {
        parts.push(format!("tenant {tenant}"));
    }
    if let Some(client) = &t.client_id {
        parts.push(format!("app {client}"));
    }
    parts.push(t.credential.replace('-', " "));
    parts.push(format!("{} cloud", t.cloud));
    paragraph(out, "", 2, &styled(BOLD, &parts.join(" · ")), width);
    if let Some(session) = &t.session {
        let replaying = format!("replaying {session}, judged at {}", t.evaluated_at);
        paragraph(out, "", 2, &styled(DIM, &replaying), width);
    }
    out.push('\n');
}

fn finding_line(out: &mut String, finding: &Finding, verbose: bool, width: usize) {
    let (style, symbol) = mark(&finding.outcome);
    let first = format!(
        "{} {}: ",
        styled(style, symbol),
        styled(BOLD, finding.check.title())
    );
    paragraph(out, &first, 4, &finding.summary, width);
    let show = verbose
        || matches!(
            finding.outcome,
            Outcome::Warn | Outcome::Fail | Outcome::Error
        );
    if show {
        for e in &finding.evidence {
            let first = format!("    {} {}: ", styled(DIM, "•"), e.label);
            paragraph(out, &first, 6, &e.value, width);
        }
    }
}

fn section(out: &mut String, title: &str) {
    out.push('\n');
    out.push_str(&styled(BOLD, title));
    out.push('\n');
}

fn expectations(out: &mut String, report: &Report<'_>, width: usize) {
    if report.expectations.is_empty() {
        return;
    }
    section(out, "Expectations");
    for e in &report.expectations {
        let (style, symbol) = if e.holds {
            (GREEN, "[✓]")
        } else {
            (RED, "[✗]")
        };
        let first = format!("  {} {}: ", styled(style, symbol), styled(BOLD, &e.spec));
        let text = match &e.cause {
            Some(cause) => format!("{} (most likely cause: {cause})", e.detail),
            None => e.detail.clone(),
        };
        paragraph(out, &first, 6, &text, width);
    }
}

fn causes(out: &mut String, report: &Report<'_>, width: usize) {
    let causes = &report.diagnoses.causes;
    if causes.is_empty() {
        return;
    }
    section(
        out,
        if causes.len() == 1 {
            "Cause"
        } else {
            "Causes, most likely first"
        },
    );
    for (i, d) in causes.iter().enumerate() {
        if i == 1 {
            out.push('\n');
            paragraph(
                out,
                "",
                0,
                &styled(DIM, "Other explanations that fit the evidence:"),
                width,
            );
        }
        let c = d.cause;
        let style = if i == 0 { RED } else { YELLOW };
        let tag = match &d.condition {
            Some(condition) => format!("[{} · {} · {condition}]", c.id, d.confidence.word()),
            None => format!("[{} · {}]", c.id, d.confidence.word()),
        };
        out.push('\n');
        paragraph(
            out,
            &format!("{:>2}. ", i + 1),
            4,
            &format!(
                "{} {}",
                styled(style.bold(), c.title.trim()),
                styled(DIM, &tag)
            ),
            width,
        );
        let label = |text: &str| format!("    {} ", styled(BOLD, text));
        paragraph(out, &label("What happened:"), 6, c.what.trim(), width);
        paragraph(out, &label("Why:"), 6, c.why.trim(), width);
        paragraph(out, &label("Fix:"), 6, "", width);
        for (n, step) in d.fix().iter().enumerate() {
            let first = format!("      {}. ", n + 1);
            let indent = visible_width(&first);
            paragraph(out, &first, indent, step.trim(), width);
        }
        paragraph(out, &label("Evidence:"), 6, "", width);
        for m in &d.because {
            let first = format!("      {} ", styled(DIM, "•"));
            paragraph(out, &first, 8, &m.describe(), width);
        }
        paragraph(out, &label("Docs:"), 6, "", width);
        for link in &c.docs {
            paragraph(out, "      ", 6, link, width);
        }
    }
}

fn ruled_out(out: &mut String, report: &Report<'_>, width: usize) {
    if report.diagnoses.ruled_out.is_empty() {
        return;
    }
    section(out, "Ruled out");
    for r in &report.diagnoses.ruled_out {
        let first = format!("  {} {} ", styled(GREEN, "✗"), styled(BOLD, r.title.trim()));
        let text = format!("[{}] {}", r.id, r.because.trim());
        paragraph(out, &first, 4, &text, width);
    }
}

fn unexplained(out: &mut String, report: &Report<'_>, width: usize) {
    if report.diagnoses.unexplained.is_empty() {
        return;
    }
    let attach = report.target.support_words();
    section(out, "Unexplained");
    for check in &report.diagnoses.unexplained {
        let first = format!("  {} {}: ", styled(YELLOW, "?"), check.title());
        let text = format!("no cause in the catalogue fits; the evidence is above. {attach}");
        paragraph(out, &first, 4, &text, width);
    }
}

/// Renders the report for people, laid out to `width` columns.
pub fn render(report: &crate::report::SealedReport<'_>, verbose: bool, width: usize) -> String {
    let mut out = String::new();
    header(&mut out, report, width);
    if let Some(profile) = &report.profile {
        for (title, lines) in [
            ("What the token is", &profile.what),
            ("What it can do with Power BI", &profile.can_do),
        ] {
            paragraph(&mut out, "", 0, &styled(BOLD, title), width);
            for l in lines {
                let first = format!("  {:<28} ", format!("{}:", l.label));
                let indent = visible_width(&first);
                paragraph(&mut out, &first, indent, &l.value, width);
            }
            out.push('\n');
        }
    }
    for finding in &report.findings {
        finding_line(&mut out, finding, verbose, width);
    }
    expectations(&mut out, report, width);
    causes(&mut out, report, width);
    ruled_out(&mut out, report, width);
    unexplained(&mut out, report, width);
    if !report.notes.is_empty() {
        section(&mut out, "Notes");
        for note in &report.notes {
            paragraph(
                &mut out,
                &format!("  {} ", styled(DIM, "•")),
                4,
                note,
                width,
            );
        }
    }
    out.push('\n');
    let style = match report.verdict {
        Verdict::Healthy => GREEN.bold(),
        Verdict::Problems | Verdict::Error => RED.bold(),
    };
    let line = format!(
        "{} {}",
        conclusion::mark(report.verdict),
        conclusion::sentence(report)
    );
    paragraph(&mut out, "", 2, &styled(style, &line), width);
    out
}

//! The human report, in the manner of `flutter doctor` and `gh auth status`: a mark and one line
//! per check, the ranked causes with their fix steps and links, and a one-line verdict. Styles are
//! always written; `anstream` strips them when the stream is not a terminal, `NO_COLOR` is set or
//! `--color never` was given.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::check::{Finding, Outcome};
use crate::report::{Report, Verdict};

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

fn header(out: &mut String, report: &Report<'_>) {
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
    let _ = writeln!(out, "{}", styled(BOLD, &parts.join(" · ")));
    if let Some(session) = &t.session {
        let _ = writeln!(
            out,
            "{}",
            styled(
                DIM,
                &format!("replaying {session}, judged at {}", t.evaluated_at)
            )
        );
    }
    let _ = writeln!(out);
}

fn finding_line(out: &mut String, finding: &Finding, verbose: bool) {
    let (style, symbol) = mark(&finding.outcome);
    let _ = writeln!(
        out,
        "{} {}: {}",
        styled(style, symbol),
        styled(BOLD, finding.check.title()),
        finding.summary
    );
    let show = verbose
        || matches!(
            finding.outcome,
            Outcome::Warn | Outcome::Fail | Outcome::Error
        );
    if show {
        for e in &finding.evidence {
            let _ = writeln!(out, "    {} {}: {}", styled(DIM, "•"), e.label, e.value);
        }
    }
}

/// Renders the report for people.
pub fn render(report: &crate::report::SealedReport<'_>, verbose: bool) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if let Some(profile) = &report.profile {
        for (title, lines) in [
            ("What the token is", &profile.what),
            ("What it can do with Power BI", &profile.can_do),
        ] {
            let _ = writeln!(out, "{}", styled(BOLD, title));
            for l in lines {
                let _ = writeln!(out, "  {:<28} {}", format!("{}:", l.label), l.value);
            }
            let _ = writeln!(out);
        }
    }
    for finding in &report.findings {
        finding_line(&mut out, finding, verbose);
    }
    let causes = &report.diagnoses.causes;
    if !causes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            styled(
                BOLD,
                if causes.len() == 1 {
                    "Cause"
                } else {
                    "Causes, most likely first"
                }
            )
        );
        for (i, d) in causes.iter().enumerate() {
            if i == 1 {
                let _ = writeln!(
                    out,
                    "\n{}",
                    styled(DIM, "Other explanations that fit the evidence:")
                );
            }
            let c = d.cause;
            let style = if i == 0 { RED } else { YELLOW };
            let tag = match &d.condition {
                Some(condition) => format!("[{} · {} · {condition}]", c.id, d.confidence.word()),
                None => format!("[{} · {}]", c.id, d.confidence.word()),
            };
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:>2}. {}  {}",
                i + 1,
                styled(style.bold(), &c.title),
                styled(DIM, &tag)
            );
            let _ = writeln!(
                out,
                "    {} {}",
                styled(BOLD, "What happened:"),
                c.what.trim()
            );
            let _ = writeln!(out, "    {} {}", styled(BOLD, "Why:"), c.why.trim());
            let _ = writeln!(out, "    {}", styled(BOLD, "Fix:"));
            for (n, step) in c.fix.iter().enumerate() {
                let _ = writeln!(out, "      {}. {}", n + 1, step.trim());
            }
            let evidence: Vec<String> = d
                .because
                .iter()
                .map(|m| format!("{} = {}", m.signal, m.values.join(" | ")))
                .collect();
            let _ = writeln!(
                out,
                "    {} {}",
                styled(BOLD, "Evidence:"),
                evidence.join("; ")
            );
            let _ = writeln!(out, "    {} {}", styled(BOLD, "Docs:"), c.docs.join("  "));
        }
    }
    if !report.diagnoses.unexplained.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", styled(BOLD, "Unexplained"));
        for check in &report.diagnoses.unexplained {
            let _ = writeln!(
                out,
                "  {} {}: no cause in the catalogue fits; the evidence is above. Run with --record FILE and attach the file to a support request.",
                styled(YELLOW, "?"),
                check.id()
            );
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", styled(BOLD, "Notes"));
        for note in &report.notes {
            let _ = writeln!(out, "  {} {note}", styled(DIM, "•"));
        }
    }
    let _ = writeln!(out);
    let failed = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .count();
    let warned = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Warn)
        .count();
    let line = match report.verdict {
        Verdict::Healthy if warned == 0 => styled(GREEN.bold(), "✓ Healthy: every check passed."),
        Verdict::Healthy => styled(
            GREEN.bold(),
            &format!("✓ Healthy, with {warned} warning(s)."),
        ),
        Verdict::Problems => {
            let top = causes
                .first()
                .map(|d| format!(" Most likely: {}.", d.cause.id))
                .unwrap_or_default();
            styled(
                RED.bold(),
                &format!("✗ Problems found: {failed} failed check(s), {warned} warning(s).{top}"),
            )
        }
        Verdict::Error => styled(
            RED.bold(),
            "? Could not finish: some checks got no answer, so there is no verdict for them.",
        ),
    };
    let _ = writeln!(out, "{line}");
    out
}

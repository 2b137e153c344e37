//! The report's last line: one sentence that is always true of the marks above it. It names what
//! failed, what got no answer, what warned, what was not judged and why, and how the
//! expectations came out; "every check passed" only when every check ran and passed. Every format
//! that states a verdict in words takes it from here.

use crate::check::{CheckId, Finding, Outcome, Skip};
use crate::report::{Report, Verdict};

/// The verdict's mark: `✓`, `✗` or `?`.
pub fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Healthy => "✓",
        Verdict::Problems => "✗",
        Verdict::Error => "?",
    }
}

/// The verdict in a short phrase, for headings ("healthy", "problems found", …).
pub fn headline(report: &Report<'_>) -> String {
    let tally = Tally::of(&report.findings);
    match report.verdict {
        Verdict::Healthy if !tally.failed.is_empty() || !tally.no_answer.is_empty() => {
            "expectations held".to_owned()
        }
        Verdict::Healthy if !tally.not_judged.is_empty() => {
            "no problems in what was checked".to_owned()
        }
        Verdict::Healthy if tally.warned.is_empty() => "healthy".to_owned(),
        Verdict::Healthy => format!("healthy, with {}", count(tally.warned.len(), "warning")),
        Verdict::Problems => "problems found".to_owned(),
        Verdict::Error => "could not finish".to_owned(),
    }
}

/// The verdict in one plain sentence, without the mark.
pub fn sentence(report: &Report<'_>) -> String {
    let tally = Tally::of(&report.findings);
    let expectations = expectations_clause(report);
    let not_judged = not_judged_clause(&tally.not_judged);
    let mut parts: Vec<String> = Vec::new();
    let opening = match report.verdict {
        Verdict::Healthy => {
            let held = expectations.clone();
            if !tally.failed.is_empty() || !tally.no_answer.is_empty() {
                // Exit 0 with a red mark above: say that the expectations, not the checks, passed.
                let mut what = Vec::new();
                if !tally.failed.is_empty() {
                    what.push(format!("{} failed", list(&tally.failed)));
                }
                if !tally.no_answer.is_empty() {
                    what.push(format!("{} got no answer", list(&tally.no_answer)));
                }
                parts.push(format!(
                    "{}, which the expectations do not cover",
                    sentence_case(&what.join(" and "))
                ));
                format!("Passes: {}", held.unwrap_or_default())
            } else if !tally.not_judged.is_empty() {
                if let Some(held) = held {
                    parts.push(held);
                }
                "No problems in the checks that ran".to_owned()
            } else {
                if let Some(held) = held {
                    parts.push(held);
                }
                if tally.warned.is_empty() {
                    "Healthy: every check passed".to_owned()
                } else {
                    format!("Healthy, with a warning on {}", list(&tally.warned))
                }
            }
        }
        Verdict::Problems => {
            let mut what = Vec::new();
            if !tally.failed.is_empty() {
                what.push(format!("{} failed", list(&tally.failed)));
            }
            if !tally.no_answer.is_empty() {
                what.push(format!("{} got no answer", list(&tally.no_answer)));
            }
            let gated = report.gate.is_some_and(|g| !g.passes);
            if let Some(expectations) =
                expectations.filter(|_| report.expectations.iter().any(|e| !e.holds))
            {
                what.push(expectations);
            }
            let fail_on_warn = report.gate.is_some_and(|g| g.fail_on_warn);
            if !tally.warned.is_empty() {
                what.push(if gated && fail_on_warn {
                    format!(
                        "{} warned, and --fail-on warn counts a warning as a failure",
                        list(&tally.warned)
                    )
                } else if !gated && tally.failed.is_empty() && tally.no_answer.is_empty() {
                    // The verdict rests on a likely cause of error severity behind a warning.
                    format!(
                        "the warning on {} points to a cause that breaks calls",
                        list(&tally.warned)
                    )
                } else {
                    format!("a warning on {}", list(&tally.warned))
                });
            }
            let mut opening = format!("Problems found: {}", what.join("; "));
            if let Some(top) = report.diagnoses.causes.first() {
                opening.push_str(&format!(
                    ". Most likely: {} ({})",
                    top.cause.title.trim(),
                    top.cause.id
                ));
            }
            opening
        }
        Verdict::Error => {
            let which = if tally.no_answer.is_empty() {
                "some checks got no answer".to_owned()
            } else {
                format!("{} got no answer", list(&tally.no_answer))
            };
            let them = if tally.no_answer.len() == 1 {
                "it"
            } else {
                "them"
            };
            format!("Could not finish: {which}, so there is no verdict for {them}")
        }
    };
    let mut text = opening;
    for part in parts {
        text.push_str(". ");
        text.push_str(&sentence_case(&part));
    }
    if let Some(not_judged) = not_judged {
        text.push_str(". ");
        text.push_str(&not_judged);
    }
    text.push('.');
    text
}

/// The checks by what became of them.
struct Tally {
    failed: Vec<&'static str>,
    no_answer: Vec<&'static str>,
    warned: Vec<&'static str>,
    not_judged: Vec<(&'static str, Skip)>,
}

impl Tally {
    fn of(findings: &[Finding]) -> Self {
        let mut tally = Tally {
            failed: Vec::new(),
            no_answer: Vec::new(),
            warned: Vec::new(),
            not_judged: Vec::new(),
        };
        for f in findings {
            let title = f.check.title();
            let seen = |v: &Vec<&'static str>| v.contains(&title);
            match &f.outcome {
                Outcome::Pass => {}
                Outcome::Warn if !seen(&tally.warned) => tally.warned.push(title),
                Outcome::Fail if !seen(&tally.failed) => tally.failed.push(title),
                Outcome::Error if !seen(&tally.no_answer) => tally.no_answer.push(title),
                Outcome::Skipped(skip) if !tally.not_judged.iter().any(|(t, _)| *t == title) => {
                    tally.not_judged.push((title, skip.clone()));
                }
                _ => {}
            }
        }
        tally
    }
}

/// Why checks were not judged, in words; `several` when the words speak of more than one.
fn why_not_judged(skip: &Skip, several: bool) -> String {
    match skip {
        Skip::Check(earlier) => format!(
            "{} {} to pass first",
            if several { "they need" } else { "it needs" },
            title_of(*earlier)
        ),
        Skip::Flag(flag) => format!("{flag} was given"),
        Skip::Offline => "nothing is called offline".to_owned(),
        Skip::Budget { next_slot_at } => format!(
            "the admin-probe budget for this tenant is used up until {}",
            crate::words::timestamp(*next_slot_at)
        ),
        Skip::NotInPaste => "the pasted text does not show it".to_owned(),
    }
}

fn title_of(check: CheckId) -> &'static str {
    check.title()
}

fn not_judged_clause(not_judged: &[(&'static str, Skip)]) -> Option<String> {
    if not_judged.is_empty() {
        return None;
    }
    // Checks skipped for the same reason are named together.
    let mut groups: Vec<(Vec<&'static str>, &Skip)> = Vec::new();
    for (title, skip) in not_judged {
        match groups.iter_mut().find(|(_, s)| *s == skip) {
            Some((titles, _)) => titles.push(title),
            None => groups.push((vec![title], skip)),
        }
    }
    let groups: Vec<String> = groups
        .iter()
        .map(|(titles, skip)| {
            format!(
                "{} ({})",
                list(titles),
                why_not_judged(skip, titles.len() > 1)
            )
        })
        .collect();
    Some(format!("Not judged: {}", groups.join("; ")))
}

fn expectations_clause(report: &Report<'_>) -> Option<String> {
    let total = report.expectations.len();
    if total == 0 {
        return None;
    }
    let failed: Vec<&str> = report
        .expectations
        .iter()
        .filter(|e| !e.holds)
        .map(|e| e.spec.as_str())
        .collect();
    Some(match failed.len() {
        0 if total == 1 => "the expectation held".to_owned(),
        0 => format!("all {total} expectations held"),
        1 if total == 1 => format!("the expectation {} failed", failed.join("")),
        n => format!("{n} of {total} expectations failed ({})", failed.join(", ")),
    })
}

fn count(n: usize, noun: &str) -> String {
    crate::words::count(n as u64, noun, &format!("{noun}s"))
}

fn list(items: &[&str]) -> String {
    crate::words::list(items)
}

fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckId::{
        AdminApi, Claims, IdentityKind, Scope, TokenAcquisition, WorkspaceApi,
    };
    use crate::diagnose::Diagnoses;
    use crate::expect::ExpectationOutcome;
    use crate::report::{Gate, Target};

    fn target() -> Target {
        crate::report::test_target("check", None)
    }

    fn finding(check: CheckId, outcome: Outcome) -> Finding {
        Finding::new(check, outcome, "")
    }

    /// Every check passing except the ones given.
    fn chain(changed: &[(CheckId, Outcome)]) -> Vec<Finding> {
        [
            TokenAcquisition,
            Scope,
            Claims,
            IdentityKind,
            AdminApi,
            WorkspaceApi,
        ]
        .into_iter()
        .map(|check| {
            let outcome = changed
                .iter()
                .find(|(c, _)| *c == check)
                .map_or(Outcome::Pass, |(_, o)| o.clone());
            finding(check, outcome)
        })
        .collect()
    }

    fn expectation(spec: &str, holds: bool) -> ExpectationOutcome {
        ExpectationOutcome {
            spec: spec.to_owned(),
            holds,
            detail: String::new(),
            cause: None,
        }
    }

    fn said(
        findings: Vec<Finding>,
        expectations: Vec<ExpectationOutcome>,
        fail_on_warn: bool,
    ) -> (Verdict, String, String) {
        let diagnoses = Diagnoses {
            causes: Vec::new(),
            unexplained: Vec::new(),
            ruled_out: Vec::new(),
        };
        let gate = (!expectations.is_empty() || fail_on_warn).then(|| Gate {
            expectations_given: !expectations.is_empty(),
            passes: expectations.iter().all(|e| e.holds)
                && !(fail_on_warn && findings.iter().any(|f| f.outcome == Outcome::Warn))
                && (!expectations.is_empty()
                    || findings
                        .iter()
                        .all(|f| !matches!(f.outcome, Outcome::Fail | Outcome::Error))),
            fail_on_warn,
        });
        let report = Report::judged(target(), findings, diagnoses, expectations, gate);
        (report.verdict, headline(&report), sentence(&report))
    }

    /// (what happened, findings, expectations, --fail-on warn, verdict, headline, sentence)
    type Row = (
        &'static str,
        Vec<Finding>,
        Vec<ExpectationOutcome>,
        bool,
        Verdict,
        &'static str,
        &'static str,
    );

    const BUDGET: Outcome = Outcome::Skipped(Skip::Budget {
        next_slot_at: 1_795_000_000,
    });

    #[test]
    fn the_sentence_never_contradicts_the_marks() {
        use Verdict::{Error, Healthy, Problems};
        let warn = Outcome::Warn;
        let fail = Outcome::Fail;
        let table: Vec<Row> = vec![
            (
                "all passed",
                chain(&[]),
                vec![],
                false,
                Healthy,
                "healthy",
                "Healthy: every check passed.",
            ),
            (
                "a warning",
                chain(&[(IdentityKind, warn.clone())]),
                vec![],
                false,
                Healthy,
                "healthy, with 1 warning",
                "Healthy, with a warning on Identity.",
            ),
            (
                "two warnings",
                chain(&[(Claims, warn.clone()), (IdentityKind, warn.clone())]),
                vec![],
                false,
                Healthy,
                "healthy, with 2 warnings",
                "Healthy, with a warning on Claims and Identity.",
            ),
            (
                "a failure",
                chain(&[(AdminApi, fail.clone())]),
                vec![],
                false,
                Problems,
                "problems found",
                "Problems found: Admin API failed.",
            ),
            (
                "a failure and a warning",
                chain(&[(IdentityKind, warn.clone()), (AdminApi, fail.clone())]),
                vec![],
                false,
                Problems,
                "problems found",
                "Problems found: Admin API failed; a warning on Identity.",
            ),
            (
                "no answer",
                chain(&[(AdminApi, Outcome::Error)]),
                vec![],
                false,
                Error,
                "could not finish",
                "Could not finish: Admin API got no answer, so there is no verdict for it.",
            ),
            (
                "skipped by flag",
                chain(&[(AdminApi, Outcome::Skipped(Skip::Flag("--skip-admin")))]),
                vec![],
                false,
                Healthy,
                "no problems in what was checked",
                "No problems in the checks that ran. Not judged: Admin API (--skip-admin was given).",
            ),
            (
                "skipped by the budget",
                chain(&[(AdminApi, BUDGET)]),
                vec![],
                false,
                Healthy,
                "no problems in what was checked",
                "No problems in the checks that ran. Not judged: Admin API (the admin-probe budget for this tenant is used up until 2026-11-18 11:06:40Z).",
            ),
            (
                "offline",
                chain(&[
                    (AdminApi, Outcome::Skipped(Skip::Offline)),
                    (WorkspaceApi, Outcome::Skipped(Skip::Offline)),
                ]),
                vec![],
                false,
                Healthy,
                "no problems in what was checked",
                "No problems in the checks that ran. Not judged: Admin API and Workspace API (nothing is called offline).",
            ),
            (
                "expectations hold",
                chain(&[]),
                vec![
                    expectation("admin-api", true),
                    expectation("workspaces>=1", true),
                ],
                false,
                Healthy,
                "healthy",
                "Healthy: every check passed. All 2 expectations held.",
            ),
            (
                "expectations hold over a failure",
                chain(&[(AdminApi, fail.clone())]),
                vec![expectation("workspaces>=1", true)],
                false,
                Healthy,
                "expectations held",
                "Passes: the expectation held. Admin API failed, which the expectations do not cover.",
            ),
            (
                "an expectation fails, every check passed",
                chain(&[]),
                vec![
                    expectation("admin-api", true),
                    expectation("workspaces>=3", false),
                ],
                false,
                Problems,
                "problems found",
                "Problems found: 1 of 2 expectations failed (workspaces>=3).",
            ),
            (
                "an expectation fails over a skip",
                chain(&[(AdminApi, BUDGET)]),
                vec![expectation("workspaces>=3", false)],
                false,
                Problems,
                "problems found",
                "Problems found: the expectation workspaces>=3 failed. Not judged: Admin API (the admin-probe budget for this tenant is used up until 2026-11-18 11:06:40Z).",
            ),
            (
                "--fail-on warn",
                chain(&[(IdentityKind, warn.clone())]),
                vec![],
                true,
                Problems,
                "problems found",
                "Problems found: Identity warned, and --fail-on warn counts a warning as a failure.",
            ),
        ];
        for (what, findings, expectations, fail_on_warn, verdict, headline, sentence) in table {
            assert_eq!(
                said(findings, expectations, fail_on_warn),
                (verdict, headline.to_owned(), sentence.to_owned()),
                "{what}"
            );
        }
    }

    #[test]
    fn every_check_passed_is_said_only_when_every_check_ran_and_passed() {
        let outcomes = [
            Outcome::Pass,
            Outcome::Warn,
            Outcome::Fail,
            Outcome::Error,
            Outcome::Skipped(Skip::Offline),
            Outcome::Skipped(Skip::Check(TokenAcquisition)),
        ];
        for check in [TokenAcquisition, Claims, AdminApi, WorkspaceApi] {
            for outcome in &outcomes {
                let (_, _, sentence) = said(chain(&[(check, outcome.clone())]), vec![], false);
                assert_eq!(
                    sentence.contains("every check passed"),
                    *outcome == Outcome::Pass,
                    "{check:?} {outcome:?}: {sentence}"
                );
            }
        }
    }
}

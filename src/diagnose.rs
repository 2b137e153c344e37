//! Signals × catalogue → ranked causes. A pure function: no I/O, no printing. The signals of all
//! checks are combined, so a cause can rest on evidence from several (an application token with
//! Power BI roles *and* a 401 from the admin API). Ranking: confidence, then the number of
//! conditions matched (specificity), then severity. A failed check no cause explains is
//! reported as unexplained.

use std::collections::BTreeSet;

use crate::catalogue::{Catalogue, Cause, Condition, Confidence, Rule};
use crate::check::{CheckId, Finding, Outcome, Signals};
use crate::secret::{Scrub, Scrubber};

/// One matched condition and the values that satisfied it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The signal.
    pub signal: String,
    /// What it held (`absent` for an absence condition).
    pub values: Vec<String>,
}

/// A cause the evidence points to.
#[derive(Clone, Debug)]
pub struct Diagnosis<'c> {
    /// The cause.
    pub cause: &'c Cause,
    /// How sure.
    pub confidence: Confidence,
    /// The conditions of every matching block, best block first, each signal once.
    pub because: Vec<Matched>,
    /// Conditions in the best matching block: how specific the match is.
    pub specificity: usize,
    /// When the evidence leaves something open (`explain` without a URL or a token): the
    /// assumption under which this cause fits, e.g. "if a service principal was calling".
    pub condition: Option<String>,
    /// Under how many readings of ambiguous evidence the cause holds (1 when nothing is
    /// ambiguous): a cause that needs fewer assumptions ranks first among conditional ones.
    pub support: usize,
    /// The fix steps with the tenant's real values, when the second look read them.
    pub fix: Option<Vec<String>>,
}

/// A cause the second look's records exclude.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuledOut {
    /// The cause's id.
    pub id: String,
    /// The cause's title.
    #[serde(skip)]
    pub title: String,
    /// Why, with the records that exclude it.
    pub because: String,
}

impl Matched {
    /// The matched condition as a sentence for people (see [`crate::check::signal::describe`]).
    pub fn describe(&self) -> String {
        crate::check::signal::describe(&self.signal, &self.values)
    }
}

impl Scrub for Matched {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Matched { signal: _, values } = self;
        values.scrub(s);
    }
}

impl Scrub for Diagnosis<'_> {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        // The cause's words are the catalogue's, embedded in the binary.
        let Diagnosis {
            cause: _,
            confidence: _,
            because,
            specificity: _,
            condition,
            support: _,
            fix,
        } = self;
        because.scrub(s);
        condition.scrub(s);
        fix.scrub(s);
    }
}

impl Scrub for Diagnoses<'_> {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Diagnoses {
            causes,
            unexplained: _,
            ruled_out,
        } = self;
        causes.scrub(s);
        for r in ruled_out {
            r.because.scrub(s);
        }
    }
}

impl Diagnosis<'_> {
    /// The fix steps: the tenant's real values where the second look read them, else the
    /// catalogue's.
    pub fn fix(&self) -> &[String] {
        self.fix.as_deref().unwrap_or(&self.cause.fix)
    }

    /// The checks whose findings this diagnosis rests on.
    pub fn explains(&self) -> BTreeSet<CheckId> {
        self.because
            .iter()
            .filter(|m| m.values != ["absent"])
            .filter_map(|m| CheckId::of_signal(&m.signal))
            .collect()
    }
}

/// The outcome of the diagnosis.
#[derive(Clone, Debug)]
pub struct Diagnoses<'c> {
    /// Ranked causes, most likely first.
    pub causes: Vec<Diagnosis<'c>>,
    /// Checks that failed or errored with no cause explaining them.
    pub unexplained: Vec<CheckId>,
    /// Causes the second look's records exclude.
    pub ruled_out: Vec<RuledOut>,
}

fn evaluate(rule: &Rule, signals: &Signals) -> Option<Vec<Matched>> {
    rule.conditions
        .iter()
        .map(|condition| {
            let values = signals.get(condition.signal());
            let holds = match condition {
                Condition::OneOf(_, wanted) => values
                    .iter()
                    .any(|v| wanted.iter().any(|w| w.eq_ignore_ascii_case(v))),
                Condition::Present(_) => !values.is_empty(),
                Condition::Absent(_) => values.is_empty(),
            };
            holds.then(|| Matched {
                signal: condition.signal().to_owned(),
                values: if matches!(condition, Condition::Absent(_)) {
                    vec!["absent".to_owned()]
                } else {
                    values.to_vec()
                },
            })
        })
        .collect()
}

/// Matches one cause. Its confidence and specificity are those of its best block (by confidence,
/// then conditions); its evidence is that of every block that holds, so that a cause seen by two
/// probes explains both.
pub fn match_cause<'c>(cause: &'c Cause, signals: &Signals) -> Option<Diagnosis<'c>> {
    let mut matches: Vec<(Confidence, Vec<Matched>)> = cause
        .rules
        .iter()
        .filter_map(|rule| evaluate(rule, signals).map(|because| (rule.confidence, because)))
        .collect();
    matches.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.len().cmp(&a.1.len())));
    let (confidence, specificity) = matches.first().map(|(c, m)| (*c, m.len()))?;
    let mut because: Vec<Matched> = Vec::new();
    for matched in matches.into_iter().flat_map(|(_, m)| m) {
        if !because.iter().any(|b| b.signal == matched.signal) {
            because.push(matched);
        }
    }
    Some(Diagnosis {
        cause,
        confidence,
        because,
        specificity,
        condition: None,
        support: 1,
        fix: None,
    })
}

/// Ranks every matching cause for a set of findings.
pub fn diagnose<'c>(findings: &[Finding], catalogue: &'c Catalogue) -> Diagnoses<'c> {
    let mut signals = Signals::default();
    for finding in findings {
        signals.extend(&finding.signals);
    }
    diagnose_signals(findings, &signals, catalogue)
}

/// Ranks every cause matching `signals`; `findings` decide what is left unexplained.
pub fn diagnose_signals<'c>(
    findings: &[Finding],
    signals: &Signals,
    catalogue: &'c Catalogue,
) -> Diagnoses<'c> {
    let mut causes: Vec<Diagnosis<'c>> = catalogue
        .causes()
        .iter()
        .filter_map(|c| match_cause(c, signals))
        .collect();
    let ruled_out = ruled_out(catalogue, signals);
    // What the records exclude leaves the list, unless other records confirm it.
    causes.retain(|d| {
        d.confidence == Confidence::Confirmed || !ruled_out.iter().any(|r| r.id == d.cause.id)
    });
    for d in &mut causes {
        d.fix = crate::second_look::fill_fix(&d.cause.id, &d.cause.fix, signals);
    }
    rank(&mut causes);
    let unexplained = unexplained(findings, &causes);
    Diagnoses {
        causes,
        unexplained,
        ruled_out,
    }
}

/// The causes whose `[[ruled_out]]` blocks hold, each with the first block's sentence and the
/// records it rests on.
pub fn ruled_out(catalogue: &Catalogue, signals: &Signals) -> Vec<RuledOut> {
    catalogue
        .causes()
        .iter()
        .filter_map(|cause| {
            cause.ruled_out.iter().find_map(|block| {
                let rule = Rule {
                    confidence: Confidence::Confirmed,
                    conditions: block.conditions.clone(),
                };
                let matched = evaluate(&rule, signals)?;
                let records: Vec<String> = matched
                    .iter()
                    // The records read, not what was missing from them: the block's own
                    // sentence says that.
                    .filter(|m| m.values != ["absent"])
                    .filter(|m| {
                        crate::check::CheckId::of_signal(&m.signal).is_some_and(|c| c.second_look())
                    })
                    .map(Matched::describe)
                    .collect();
                let mut because = block.because.clone();
                if !records.is_empty() {
                    because.push(' ');
                    because.push_str(&records.join(" "));
                }
                Some(RuledOut {
                    id: cause.id.clone(),
                    title: cause.title.clone(),
                    because,
                })
            })
        })
        .collect()
}

/// Sorts causes: unconditional first, then confidence, specificity, severity, id.
pub fn rank(causes: &mut [Diagnosis<'_>]) {
    causes.sort_by(|a, b| {
        a.condition
            .is_some()
            .cmp(&b.condition.is_some())
            .then(b.confidence.cmp(&a.confidence))
            .then(b.support.cmp(&a.support))
            .then(b.specificity.cmp(&a.specificity))
            .then(b.cause.severity.cmp(&a.cause.severity))
            .then(a.cause.id.cmp(&b.cause.id))
    });
}

/// The failed or errored checks no cause explains.
pub fn unexplained(findings: &[Finding], causes: &[Diagnosis<'_>]) -> Vec<CheckId> {
    let explained: BTreeSet<CheckId> = causes.iter().flat_map(|d| d.explains()).collect();
    findings
        .iter()
        .filter(|f| {
            matches!(f.outcome, Outcome::Fail | Outcome::Error) && !explained.contains(&f.check)
        })
        .map(|f| f.check)
        .collect()
}

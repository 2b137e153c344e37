//! The report: findings, ranked causes and the verdict, assembled once; renderers turn it into
//! text and never re-derive anything. Only `lib.rs` writes what they return.

pub mod azure_devops;
pub mod conclusion;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod wrap;

use serde::Serialize;

use crate::catalogue::{Confidence, Severity};
use crate::check::{Finding, Outcome};
use crate::diagnose::Diagnoses;
use crate::exit::ExitStatus;
use crate::expect::ExpectationOutcome;
use crate::secret::{Scrub, Scrubber, Sealed};
use crate::token_profile::Profile;

/// The run's overall conclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing wrong.
    Healthy,
    /// Something is broken (exit 1).
    Problems,
    /// The doctor could not reach a verdict (exit 2).
    Error,
}

impl Verdict {
    /// The exit status that goes with it.
    pub fn exit_status(self) -> ExitStatus {
        match self {
            Self::Healthy => ExitStatus::Healthy,
            Self::Problems => ExitStatus::ProblemsFound,
            Self::Error => ExitStatus::Error,
        }
    }
}

/// What the run was pointed at, for the report header. Nothing secret.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// `check` or `replay`.
    pub command: String,
    /// Tenant as given.
    pub tenant: Option<String>,
    /// Client id as given.
    pub client_id: Option<String>,
    /// `client-secret` or `token-file`.
    pub credential: String,
    /// Cloud name.
    pub cloud: String,
    /// Authority host.
    pub authority_host: String,
    /// Power BI API base.
    pub powerbi_api: String,
    /// When time claims were judged (RFC 3339).
    pub evaluated_at: String,
    /// Set on replay: the session's origin.
    pub session: Option<String>,
}

impl Scrub for Target {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Target {
            command,
            tenant,
            client_id,
            credential,
            cloud,
            authority_host,
            powerbi_api,
            evaluated_at,
            session,
        } = self;
        for text in [
            command,
            credential,
            cloud,
            authority_host,
            powerbi_api,
            evaluated_at,
        ] {
            text.scrub(s);
        }
        for text in [tenant, client_id, session] {
            text.scrub(s);
        }
    }
}

impl Target {
    /// Whether this command can record its exchanges: only `check` talks to the tenant, so only
    /// `check --record FILE` writes a session (`replay`, `token` and `explain` have no such flag).
    pub fn can_record(&self) -> bool {
        self.command == "check"
    }

    /// What to attach to a support request when no cause fits, as a sentence that suits the
    /// command the run was: `--record` where the command has it, the replayed session on
    /// `replay`, a `check` run otherwise.
    pub fn support_words(&self) -> &'static str {
        if self.can_record() {
            "Run again with `--record FILE` and attach the file to a support request."
        } else if self.session.is_some() {
            "Attach the session file you replayed to a support request (it is redacted)."
        } else {
            "Run `pbi-doctor check --record FILE` against the tenant and attach the file to a support request."
        }
    }
}

/// Everything a renderer needs. Renderers take it [`Sealed`]: only the run's redactor makes one.
#[derive(Clone)]
pub struct Report<'c> {
    /// What was checked.
    pub target: Target,
    /// One per check, chain order.
    pub findings: Vec<Finding>,
    /// Ranked causes and unexplained failures.
    pub diagnoses: Diagnoses<'c>,
    /// Expectations given with `--expect`, in the order given (empty without).
    pub expectations: Vec<ExpectationOutcome>,
    /// What a token is and can do (`pbi-doctor token`).
    pub profile: Option<Profile>,
    /// Remarks for people: what else would settle an ambiguity, ids for support, codes that are
    /// known but not an authorization problem.
    pub notes: Vec<String>,
    /// What `--expect` and `--fail-on` concluded, when they were given a say (`check`).
    pub gate: Option<Gate>,
    /// The conclusion.
    pub verdict: Verdict,
}

impl Scrub for Report<'_> {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Report {
            target,
            findings,
            diagnoses,
            expectations,
            profile,
            notes,
            gate: _,
            verdict: _,
        } = self;
        target.scrub(s);
        findings.scrub(s);
        diagnoses.scrub(s);
        expectations.scrub(s);
        profile.scrub(s);
        notes.scrub(s);
    }
}

/// A report ready for the renderers.
pub type SealedReport<'c> = Sealed<Report<'c>>;

/// Text on one line: runs of whitespace, line breaks included, as one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cause the second look ruled out, on one line: `title (id): because`.
pub(crate) fn ruled_out_line(r: &crate::diagnose::RuledOut) -> String {
    format!(
        "{} ({}): {}",
        one_line(&r.title),
        r.id,
        one_line(&r.because)
    )
}

/// The verdict: any failed check means problems; otherwise a check without a verdict means the
/// doctor could not finish; otherwise a likely or confirmed cause of error severity (a warning
/// that will break calls, such as a quoted token) still means problems. A merely possible cause
/// behind a warning (a service principal in no workspace, which admin-only apps are) does not.
///
/// With `--expect` or `--fail-on` (`gate`), the expectations decide between healthy and
/// problems, except that a run whose first check got no answer stays exit 2. This is the one
/// place the verdict is computed.
pub fn verdict(findings: &[Finding], diagnoses: &Diagnoses<'_>, gate: Option<Gate>) -> Verdict {
    let judged = judged_by_findings(findings, diagnoses);
    let Some(gate) = gate else {
        return judged;
    };
    let no_answer = findings
        .first()
        .is_some_and(|f| f.outcome == Outcome::Error)
        && judged == Verdict::Error;
    match (gate.expectations_given, gate.passes) {
        _ if no_answer => Verdict::Error,
        (true, true) => Verdict::Healthy,
        (true, false) => Verdict::Problems,
        (false, false) if judged == Verdict::Healthy => Verdict::Problems,
        (false, _) => judged,
    }
}

/// What `--expect` and `--fail-on` concluded.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    /// Whether any `--expect` was given.
    pub expectations_given: bool,
    /// Whether the expectations hold and `--fail-on` is not tripped.
    pub passes: bool,
    /// Whether `--fail-on warn` was given: a warning fails the run.
    pub fail_on_warn: bool,
}

fn judged_by_findings(findings: &[Finding], diagnoses: &Diagnoses<'_>) -> Verdict {
    if findings.iter().any(|f| f.outcome == Outcome::Fail) {
        Verdict::Problems
    } else if findings.iter().any(|f| f.outcome == Outcome::Error) {
        Verdict::Error
    } else if diagnoses
        .causes
        .iter()
        .any(|d| d.cause.severity == Severity::Error && d.confidence >= Confidence::Likely)
    {
        Verdict::Problems
    } else {
        Verdict::Healthy
    }
}

impl<'c> Report<'c> {
    /// Assembles a report and its verdict.
    pub fn new(target: Target, findings: Vec<Finding>, diagnoses: Diagnoses<'c>) -> Self {
        Self::judged(target, findings, diagnoses, Vec::new(), None)
    }

    /// Assembles a report whose verdict also weighs the expectations.
    pub fn judged(
        target: Target,
        findings: Vec<Finding>,
        diagnoses: Diagnoses<'c>,
        expectations: Vec<ExpectationOutcome>,
        gate: Option<Gate>,
    ) -> Self {
        let verdict = verdict(&findings, &diagnoses, gate);
        Self {
            target,
            findings,
            diagnoses,
            expectations,
            profile: None,
            notes: Vec::new(),
            gate,
            verdict,
        }
    }
}

/// A target for unit tests of the report's parts.
#[cfg(test)]
pub(crate) fn test_target(command: &str, session: Option<&str>) -> Target {
    Target {
        command: command.to_owned(),
        tenant: None,
        client_id: None,
        credential: "client-secret".to_owned(),
        cloud: "public".to_owned(),
        authority_host: "https://login.microsoftonline.com".to_owned(),
        powerbi_api: "https://api.powerbi.com".to_owned(),
        evaluated_at: "2026-11-20T09:14:03Z".to_owned(),
        session: session.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::test_target as target;

    /// Only `check` has `--record`: the advice on any other command must not name a flag the
    /// command refuses.
    #[test]
    fn support_advice_names_record_only_where_the_command_has_it() {
        let check = target("check", None);
        assert!(check.can_record());
        assert!(
            check
                .support_words()
                .contains("Run again with `--record FILE`")
        );
        let replay = target("replay", Some("session.json"));
        assert!(!replay.can_record());
        assert!(!replay.support_words().contains("--record"));
        assert!(replay.support_words().contains("session file you replayed"));
        for command in ["token", "explain"] {
            let offline = target(command, None);
            assert!(!offline.can_record());
            assert!(
                offline
                    .support_words()
                    .starts_with("Run `pbi-doctor check --record FILE`"),
                "{command}"
            );
        }
    }
}

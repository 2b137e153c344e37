//! `pbi-doctor check`: resolve the settings, decide the admin-probe budget, run the chain against the
//! real endpoints (recording if asked), judge the expectations, write the report and the session.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use super::{redactor_for, rfc3339, run_checks};
use crate::catalogue::Catalogue;
use crate::cli::CheckArgs;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::{apply_color, emit};
use crate::report::{self, Report};
use crate::secret::Redactor;
use crate::session::{SESSION_FORMAT, Session};
use crate::settings::resolve;
use crate::settings::{Credential, Settings};
use crate::transport::{Live, Transport};
use crate::{expect, fsio, profile, quota};

/// Judges expectations and `--fail-on`: with expectations, the run passes when every one holds;
/// "network down before any answer" stays exit 2.
pub(crate) fn apply_expectations(
    report: &mut Report<'_>,
    expectations: &[expect::Expectation],
    fail_on: expect::FailOn,
) {
    report.expectations = expect::evaluate(expectations, &report.findings, &report.diagnoses);
    // A probe the budget saved is not a failure of the tenant: it is not judged this run.
    let budget_skip = report.findings.iter().any(|f| {
        f.check == crate::check::CheckId::AdminApi
            && f.outcome
                == crate::check::Outcome::Skipped(crate::check::Skip::Flag(ADMIN_BUDGET_REASON))
    });
    if budget_skip {
        for (outcome, expectation) in report.expectations.iter_mut().zip(expectations) {
            if expectation.check() == crate::check::CheckId::AdminApi {
                outcome.holds = true;
                outcome.cause = None;
                outcome.detail = "not judged this run: the admin-probe budget for this tenant is used up (see the notes)".to_owned();
            }
        }
    }
    let no_answer = report
        .findings
        .first()
        .is_some_and(|f| f.outcome == crate::check::Outcome::Error)
        && report.verdict == report::Verdict::Error;
    let passes = expect::passes(&report.expectations, &report.findings, fail_on);
    report.verdict = match (expectations.is_empty(), passes) {
        (_, _) if no_answer => report::Verdict::Error,
        (false, true) => report::Verdict::Healthy,
        (false, false) => report::Verdict::Problems,
        (true, false) if report.verdict == report::Verdict::Healthy => report::Verdict::Problems,
        (true, _) => report.verdict,
    };
}

/// How long a run may take by default: well under the two minutes a CI step or a person waits.
pub(crate) const DEFAULT_DEADLINE: u64 = 60;

/// The default with `--device-code`: a device code lives 15 minutes, and a person signs in.
pub(crate) const DEVICE_CODE_DEADLINE: u64 = 1200;

/// Why the admin probe was skipped when the budget is used up.
pub(crate) const ADMIN_BUDGET_REASON: &str = "admin-probe budget reached";

/// Where the admin-probe budget is remembered: next to the profiles file.
pub(crate) fn quota_path(env: &Env) -> Option<std::path::PathBuf> {
    profile::default_path(env).and_then(|p| p.parent().map(quota::cache_file))
}

pub(crate) fn run(args: CheckArgs, env: &Env) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    let mut settings = resolve(&args, env)?;
    let redactor = redactor_for(&settings);
    let now = chrono::Utc::now().timestamp();
    let mut notes = Vec::new();
    let quota = (!args.no_cache && !settings.skip_admin)
        .then(|| quota_path(env))
        .flatten();
    let tenant_key = settings.tenant.clone().unwrap_or_default();
    if let Some(path) = &quota
        && let quota::Decision::Skip {
            used,
            budget,
            next_slot_at,
        } = quota::decide(path, &tenant_key, now, args.admin_probe_budget)
    {
        settings.skip_admin = true;
        settings.admin_skip_reason = ADMIN_BUDGET_REASON;
        notes.push(format!(
                "the admin API was not called: {used} of the {budget} probes allowed an hour for this tenant were used (--admin-probe-budget); the next is allowed at {} (GetGroupsAsAdmin allows 50 calls an hour per tenant)",
                rfc3339(next_slot_at)
            ));
    }
    let live = Live::new(
        Duration::from_secs(args.timeout),
        settings.token_origin(),
        args.record.is_some(),
        redactor.clone(),
    )
    .map_err(DoctorError::HttpClient)?
    .with_deadline(crate::transport::Deadline::after(args.deadline.unwrap_or(
        if matches!(settings.credential, Credential::DeviceCode) {
            DEVICE_CODE_DEADLINE
        } else {
            DEFAULT_DEADLINE
        },
    )));
    let transport = Transport::Live(live);
    let catalogue = Catalogue::embedded()?;
    let (mut report, ran) = run_checks(
        "check", &settings, &transport, now, None, &redactor, catalogue,
    )?;
    report.notes.extend(notes);
    let admin_called = report.findings.iter().any(|f| {
        f.check == crate::check::CheckId::AdminApi
            && !matches!(f.outcome, crate::check::Outcome::Skipped(_))
    });
    if let (Some(path), true) = (&quota, admin_called)
        && let Err(e) = quota::record(path, &tenant_key, now)
    {
        report
            .notes
            .push(format!("the admin-probe cache could not be updated: {e}"));
    }
    apply_expectations(&mut report, &args.expectations, args.fail_on);
    let report = redactor.seal(report);
    emit(&report, &args.output, &ran.masks, env)?;
    if let Some(path) = &args.record {
        write_session(path, &ran.settings, &transport, now, &redactor, ran.record)?;
        let _ = writeln!(
            anstream::stderr(),
            "pbi-doctor: session recorded to {} (redacted: no secret, no token signature)",
            path.display()
        );
    }
    Ok(report.verdict.exit_status())
}

pub(crate) fn write_session(
    path: &Path,
    settings: &Settings,
    transport: &Transport,
    now: i64,
    redactor: &Redactor,
    record: crate::check::CredentialRecord,
) -> Result<(), DoctorError> {
    let session = Session {
        pbi_doctor_session: SESSION_FORMAT,
        recorded_at: rfc3339(now),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        settings: settings.to_session(redactor, record.facts, record.token),
        exchanges: transport.recorded(),
    };
    let mut text = serde_json::to_string_pretty(&session).unwrap_or_default();
    text.push('\n');
    let text = redactor.seal_data(text);
    fsio::write_atomically(path, text.as_bytes(), fsio::Access::Private).map_err(|source| {
        DoctorError::WriteFile {
            what: "the session",
            path: path.to_owned(),
            source,
        }
    })
}

//! `pbi-doctor check`: resolve the settings, decide the admin-probe budget, run the chain against the
//! real endpoints (recording if asked), judge the expectations, write the report and the session.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use super::{redactor_for, rfc3339, run_checks, target};
use crate::catalogue::Catalogue;
use crate::check::{CheckId, Finding, Outcome, Probes, Skip, signal};
use crate::cli::CheckArgs;
use crate::env_vars::{Env, Platform};
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::{apply_color, emit};
use crate::report::Gate;
use crate::report::Report;
use crate::secret::Redactor;
use crate::session::{SESSION_FORMAT, Session};
use crate::settings::resolve;
use crate::settings::{Credential, Settings};
use crate::transport::{Live, Transport};
use crate::{expect, fsio, profile, quota};

/// Judges the expectations. A probe the budget saved is not a failure of the tenant: the
/// expectations on it are "not judged this run".
fn judge_expectations(
    expectations: &[expect::Expectation],
    findings: &[Finding],
    diagnoses: &crate::diagnose::Diagnoses<'_>,
) -> Vec<expect::ExpectationOutcome> {
    let mut outcomes = expect::evaluate(expectations, findings, diagnoses);
    let budget_skip = findings.iter().any(|f| {
        f.check == CheckId::AdminApi && matches!(f.outcome, Outcome::Skipped(Skip::Budget { .. }))
    });
    if budget_skip {
        for (outcome, expectation) in outcomes.iter_mut().zip(expectations) {
            if expectation.check() == CheckId::AdminApi {
                outcome.holds = true;
                outcome.cause = None;
                outcome.detail = "not judged this run: the admin-probe budget for this tenant is used up (see the notes)".to_owned();
            }
        }
    }
    outcomes
}

/// How long a run may take by default: well under the two minutes a CI step or a person waits.
pub(crate) const DEFAULT_DEADLINE: u64 = 60;

/// The default with `--device-code`: a device code lives 15 minutes, and a person signs in.
pub(crate) const DEVICE_CODE_DEADLINE: u64 = 1200;

/// Where the admin-probe budget is remembered: next to the profiles file.
pub(crate) fn quota_path(env: &Env) -> Option<std::path::PathBuf> {
    quota_path_for(env, Platform::CURRENT)
}

/// The per-tenant cache of OpenID configurations, beside the admin-probe cache.
fn discovery_cache_path(env: &Env) -> Option<std::path::PathBuf> {
    let platform = Platform::CURRENT;
    let folder = profile::folder_for(env, platform)?;
    Some(platform.join(
        &folder.display().to_string(),
        &[crate::cloud_discovery::CACHE_FILE],
    ))
}

/// [`quota_path`] with the platform given.
fn quota_path_for(env: &Env, platform: Platform) -> Option<std::path::PathBuf> {
    let folder = profile::folder_for(env, platform)?;
    Some(platform.join(&folder.display().to_string(), &[quota::FILE_NAME]))
}

/// Runs `check`: settings, the admin-probe decision, the chain live, expectations, session, report.
pub(crate) fn run(args: CheckArgs, env: &Env, quiet: bool) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color, env);
    let settings = resolve(&args, env)?;
    let redactor = redactor_for(&settings);
    let progress = crate::progress::Progress::live(quiet, &redactor);
    let now = chrono::Utc::now().timestamp();
    let mut notes = Vec::new();
    let mut admin_skipped = settings.skip_admin.then_some(Skip::Flag("--skip-admin"));
    let quota = (!args.no_cache && !settings.skip_admin && settings.apis.powerbi())
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
        admin_skipped = Some(Skip::Budget { next_slot_at });
        notes.push(format!(
            "the admin API was not called: {} made in the last hour for this tenant, and \
             --admin-probe-budget allows {budget}; the next is allowed at {} (GetGroupsAsAdmin \
             allows 50 calls an hour per tenant)",
            crate::words::count(u64::from(used), "probe was", "probes were"),
            crate::words::timestamp(next_slot_at)
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
        if matches!(settings.credential, Credential::DeviceCode)
            || matches!(
                settings.admin,
                Some(crate::second_look::AdminAuth::DeviceCode)
            )
        {
            DEVICE_CODE_DEADLINE
        } else {
            DEFAULT_DEADLINE
        },
    )))
    .with_progress(progress.clone());
    // The tenant's cloud as read in the last day: discovery off the critical path. Not when
    // recording, so that the session holds the exchange its replay asks for.
    let cache = if args.no_cache || args.record.is_some() {
        None
    } else {
        discovery_cache_path(env)
    };
    let live = match cache {
        Some(path) => live.with_discovery_cache(path, now),
        None => live,
    };
    let transport = Transport::Live(live);
    let catalogue = Catalogue::embedded()?;
    // A recording replays the budget's skip as a skip: the admin answer was never asked for.
    let budget_skipped = matches!(admin_skipped, Some(Skip::Budget { .. }));
    let ran = run_checks(
        &settings,
        &transport,
        now,
        Probes::Run { admin_skipped },
        &redactor,
        catalogue,
        &progress,
    )?;
    // Counted only when a request went out: a status or a network failure was seen, not a skip
    // nor a deadline that passed before the call.
    let admin_called = ran.findings.iter().any(|f| {
        f.check == CheckId::AdminApi
            && !matches!(f.outcome, Outcome::Skipped(_))
            && (!f.signals.get(signal::ADMIN_API_STATUS).is_empty()
                || !f.signals.get(signal::ADMIN_API_NETWORK).is_empty())
    });
    if let (Some(path), true) = (&quota, admin_called)
        && let Err(e) = quota::record(path, &tenant_key, now)
    {
        notes.push(format!("the admin-probe cache could not be updated: {e}"));
    }
    let expectations = judge_expectations(&args.expectations, &ran.findings, &ran.diagnoses);
    let gate = Gate {
        expectations_given: !args.expectations.is_empty(),
        passes: expect::passes(&expectations, &ran.findings, args.fail_on),
        fail_on_warn: args.fail_on == expect::FailOn::Warn,
    };
    // The session first: a report that cannot be written must not also lose the recording.
    if let Some(path) = &args.record {
        let mut recorded = ran.settings.clone();
        recorded.skip_admin |= budget_skipped;
        write_session(path, &recorded, &transport, now, &redactor, ran.record)?;
        if !quiet {
            let _ = writeln!(
                anstream::stderr(),
                "pbi-doctor: session recorded to {} (redacted: no secret, no token signature)",
                path.display()
            );
        }
    }
    let mut report = Report::judged(
        target("check", &ran.settings, now, None),
        ran.findings,
        ran.diagnoses,
        expectations,
        Some(gate),
    );
    report.notes.extend(notes);
    let report = redactor.seal(report);
    emit(&report, &args.output, &ran.masks, env)?;
    Ok(report.verdict.exit_status())
}

/// Writes the `--record` session: serialized, sealed as data (redacted, byte-exact otherwise),
/// 0600, atomically.
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
    let mut text =
        serde_json::to_string_pretty(&session).map_err(|source| DoctorError::Serialize {
            what: "the session",
            source,
        })?;
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_admin_probe_cache_lives_beside_the_profiles() {
        let windows = env_of(&[
            ("APPDATA", "C:\\Users\\ada\\AppData\\Roaming"),
            ("HOME", "/home/ada"),
        ]);
        assert_eq!(
            quota_path_for(&windows, Platform::Windows),
            Some(PathBuf::from(
                "C:\\Users\\ada\\AppData\\Roaming\\pbi-doctor\\admin-probe-cache.json"
            ))
        );
        assert_eq!(
            quota_path_for(&windows, Platform::Unix),
            Some(PathBuf::from(
                "/home/ada/.config/pbi-doctor/admin-probe-cache.json"
            ))
        );
        let given = env_of(&[
            ("PBI_DOCTOR_PROFILES", "/etc/pbi/profiles.toml"),
            ("APPDATA", "C:\\AppData"),
        ]);
        assert_eq!(
            quota_path_for(&given, Platform::Unix),
            Some(PathBuf::from("/etc/pbi/admin-probe-cache.json"))
        );
        // A profiles file named without a folder: the cache is in the current folder too.
        let bare = env_of(&[("PBI_DOCTOR_PROFILES", "profiles.toml")]);
        assert_eq!(
            quota_path_for(&bare, Platform::Unix),
            Some(PathBuf::from("admin-probe-cache.json"))
        );
        assert_eq!(quota_path_for(&env_of(&[]), Platform::Windows), None);
    }
}

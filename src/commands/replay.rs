//! `pbi-doctor replay`: a recorded or shipped session diagnosed offline, at its recorded instant.

use super::{redactor_for, run_checks, target};
use crate::catalogue::{Catalogue, SCENARIOS};
use crate::cli::ReplayArgs;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::{apply_color, emit, print};
use crate::report::Report;
use crate::session::Session;
use crate::settings::Settings;
use crate::transport::{Replay, Transport};

/// Runs `replay` on a session file, a shipped scenario, or the default one; `--list` names them.
pub(crate) fn run(args: ReplayArgs, env: &Env) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color, env);
    crate::settings::validate_offline(&args.output, None, None)?;
    if args.list {
        let mut text = String::new();
        for (name, _) in SCENARIOS {
            text.push_str(name);
            text.push('\n');
        }
        print(&text)?;
        return Ok(ExitStatus::Healthy);
    }
    let (origin, text) = match (&args.file, &args.scenario) {
        (Some(file), _) => (file.clone(), crate::fsio::read_source(file, "the session")?),
        (None, name) => {
            let name = name.as_deref().unwrap_or(crate::DEFAULT_SCENARIO);
            let (_, json) = SCENARIOS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                DoctorError::UnknownScenario {
                    name: name.to_owned(),
                    closest: crate::suggest::closest(name, SCENARIOS.iter().map(|(n, _)| *n)),
                }
            })?;
            (format!("the shipped scenario {name}"), (*json).to_owned())
        }
    };
    let session = Session::parse(&text, &origin)?;
    let now = session
        .recorded_instant()
        .map_err(|reason| DoctorError::BadSession {
            path: origin.clone(),
            reason,
        })?;
    let settings = Settings::from_session(&session.settings, &origin)?;
    let redactor = redactor_for(&settings);
    let transport = Transport::Replay(Replay::new(session.exchanges, settings.token_origin()));
    let catalogue = Catalogue::embedded()?;
    // A recorded `--skip-admin` replays as one; no budget applies offline.
    let admin_skipped = settings
        .skip_admin
        .then_some(crate::check::Skip::Flag("--skip-admin"));
    let ran = run_checks(
        &settings,
        &transport,
        now,
        crate::check::Probes::Run { admin_skipped },
        &redactor,
        catalogue,
        // A replay never prompts, waits or counts down: its answers are all in the session.
        crate::progress::Progress::none(),
    )?;
    let report = Report::new(
        target("replay", &ran.settings, now, Some(origin)),
        ran.findings,
        ran.diagnoses,
    );
    let report = redactor.seal(report);
    emit(&report, &args.output, &[], env)?;
    Ok(report.verdict.exit_status())
}

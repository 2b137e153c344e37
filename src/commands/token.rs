//! `pbi-doctor token`: the offline chain on a token in hand, and what it can do.

use super::{offline_chain, read_input, redactor_for, target};
use crate::catalogue::Catalogue;
use crate::cli::TokenArgs;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::{apply_color, emit};
use crate::report::Report;
use crate::settings::offline_settings;
use crate::{diagnose, token_profile};

/// Runs `token`: the offline chain on the token given, and its profile.
pub(crate) fn run(args: TokenArgs, env: &Env, quiet: bool) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color, env);
    crate::settings::validate_offline(
        &args.output,
        args.expect_tenant.as_deref(),
        args.expect_client_id.as_deref(),
    )?;
    let (text, source) = read_input(
        args.token.as_deref(),
        args.file.as_deref(),
        "the token",
        "no token: give it as an argument, with --file PATH, or on standard input (`-`)",
        quiet,
    )?;
    let settings = offline_settings(
        text,
        source,
        args.expect_tenant,
        args.expect_client_id,
        args.cloud,
        args.for_api,
    )?;
    let redactor = redactor_for(&settings);
    let now = chrono::Utc::now().timestamp();
    let chain = offline_chain(&settings, now, &redactor)?;
    let catalogue = Catalogue::embedded()?;
    let diagnoses = diagnose::diagnose(&chain.findings, catalogue);
    let mut report = Report::new(
        target("token", &settings, now, None),
        chain.findings,
        diagnoses,
    );
    // The chain decoded the token once; the profile reads the same claims.
    report.profile = chain
        .token
        .map(|jwt| token_profile::profile(&jwt.claims, settings.cloud, now));
    let report = redactor.seal(report);
    emit(&report, &args.output, &[], env)?;
    Ok(report.verdict.exit_status())
}

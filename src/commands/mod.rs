//! One module per command (`check`, `replay`, `token`, `explain`, `causes`, `completions` and
//! `man`), and what they share:
//! the runtime, the chain run with a report, the report's target line, and reading an input.

pub(crate) mod causes;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod explain;
pub(crate) mod replay;
pub(crate) mod token;

use crate::catalogue::Catalogue;
use crate::check::{Context, Probes, Settled, run_chain};
use crate::error::DoctorError;
use crate::progress::Progress;
use crate::report::Target;
use crate::secret::{Redactor, Secret};
use crate::settings::{Credential, Settings};
use crate::transport::{Replay, Transport};
use crate::{diagnose, fsio, token_input};

/// One thread is enough: the run waits on the network, and the probes overlap on it.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, DoctorError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DoctorError::Runtime)
}

/// What the report header names: the command, who was asked, with what, where and when.
pub(crate) fn target(
    command: &str,
    settings: &Settings,
    now: i64,
    session: Option<String>,
) -> Target {
    Target {
        command: command.to_owned(),
        tenant: settings.tenant.clone(),
        client_id: settings.client_id.clone(),
        credential: match command {
            "explain" => "pasted text".to_owned(),
            "token" => "given token".to_owned(),
            _ => settings.credential.kind().signal().to_owned(),
        },
        cloud: settings.cloud.name().to_owned(),
        authority_host: settings
            .authority_host
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        powerbi_api: settings
            .powerbi_api
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        evaluated_at: rfc3339(now),
        session,
    }
}

/// An instant as RFC 3339 in UTC (empty for one out of range).
pub(crate) fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The run's redactor: it learns the credential's secrets now and every token seen later, and
/// is registered for the error printer and the crash guard.
pub(crate) fn redactor_for(settings: &Settings) -> Redactor {
    let redactor = Redactor::default();
    match &settings.credential {
        Credential::ClientSecret(secret) => redactor.add(secret),
        Credential::Token { text, .. } => {
            redactor.add_token(&token_input::normalize(text.expose()).token);
            // A token file may hold a whole token response, refresh token included.
            redactor.add_tokens_in(text.expose());
        }
        Credential::Certificate {
            password: Some(password),
            ..
        } => redactor.add(password),
        Credential::GithubOidc { request_token, .. } => redactor.add(request_token),
        Credential::Certificate { .. }
        | Credential::FederatedFile(_)
        | Credential::AzureCli { .. }
        | Credential::DeviceCode
        | Credential::Replayed { .. } => {}
    }
    for secret in settings.admin.iter().flat_map(|a| a.secrets()) {
        redactor.add_token(secret.expose());
    }
    redactor.register_for_run();
    redactor
}

/// What a run of the chain leaves: its findings and their diagnosis, and what the command needs
/// besides (the settings it ran with, masks, the credential's facts).
pub(crate) struct Ran<'c> {
    /// One per check, chain order.
    pub(crate) findings: Vec<crate::check::Finding>,
    /// Ranked causes.
    pub(crate) diagnoses: crate::diagnose::Diagnoses<'c>,
    /// The settings the chain ran with (a detected cloud's).
    pub(crate) settings: Settings,
    /// Values to mask on CI platforms.
    pub(crate) masks: Vec<Secret>,
    /// What the credential showed, for `--record`.
    pub(crate) record: crate::check::CredentialRecord,
}

/// Runs the chain and diagnoses it; `progress` watches it (silent on replay) and is cleared
/// before the report.
pub(crate) fn run_checks<'c>(
    settings: &Settings,
    transport: &Transport,
    now: i64,
    probes: Probes,
    redactor: &Redactor,
    catalogue: &'c Catalogue,
    progress: &Progress,
) -> Result<Ran<'c>, DoctorError> {
    let runtime = runtime()?;
    // The seconds left are redrawn once a second while anything is drawn; the timer sleeps
    // between, and ends with the run.
    let ticker = progress
        .drawing()
        .then(|| runtime.spawn(progress.clone().ticking()));
    // The cloud is settled first; discovery's answer is the token check's evidence, and a
    // client's token request may go out beside it (see `settle_cloud`). The API connections of
    // the cloud as given open meanwhile (no request is sent on them): a detected cloud keeps them
    // in most runs; one that moves elsewhere leaves them unused, and the chain opens its own.
    let given = Context {
        settings,
        transport,
        now,
        redactor,
        progress,
    };
    let (settings, settled) = runtime.block_on(async {
        if settings.detect_cloud {
            transport.prewarm(&crate::check::probe_connections(settings, &probes));
        }
        crate::check::settle_cloud(&given).await
    });
    let ctx = Context {
        settings: &settings,
        transport,
        now,
        redactor,
        progress,
    };
    let chain = runtime.block_on(run_chain(&ctx, probes, settled));
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    progress.clear();
    let diagnoses = diagnose::diagnose(&chain.findings, catalogue);
    Ok(Ran {
        findings: chain.findings,
        diagnoses,
        settings,
        masks: chain.masks,
        record: chain.record,
    })
}

/// Reads an input given as an argument, a file, or standard input (`-`, or nothing on a pipe).
/// Standard input on a terminal is asked for with a prompt on stderr, unless `quiet`.
pub(crate) fn read_input(
    arg: Option<&str>,
    file: Option<&str>,
    what: &'static str,
    missing: &'static str,
    quiet: bool,
) -> Result<(String, String), DoctorError> {
    if file == Some("-") || (file.is_none() && arg == Some("-")) {
        crate::progress::paste_prompt(what, quiet);
    }
    match (arg, file) {
        (_, Some(path)) => Ok((
            fsio::read_source(path, what)?,
            if path == "-" {
                "standard input".to_owned()
            } else {
                format!("file {path}")
            },
        )),
        (Some("-"), None) => Ok((fsio::read_source("-", what)?, "standard input".to_owned())),
        (Some(text), None) => Ok((text.to_owned(), "the command line".to_owned())),
        (None, None) if !std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
            Ok((fsio::read_source("-", what)?, "standard input".to_owned()))
        }
        (None, None) => Err(DoctorError::NoInput(missing)),
    }
}

/// The offline chain on a given token: token, scope, claims, identity; the probes skipped.
pub(crate) fn offline_chain(
    settings: &Settings,
    now: i64,
    redactor: &Redactor,
) -> Result<crate::check::ChainOutput, DoctorError> {
    let transport = Transport::Replay(Replay::new(Vec::new(), settings.token_origin()));
    let ctx = Context {
        settings,
        transport: &transport,
        now,
        redactor,
        progress: Progress::none(),
    };
    Ok(runtime()?.block_on(run_chain(&ctx, Probes::Offline, Settled::default())))
}

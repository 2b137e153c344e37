//! pbi-doctor: diagnoses refused Power BI and Microsoft Fabric REST API calls.
//!
//! The flow is one way: settings → credential → the chain of checks (each returns a
//! [`check::Finding`] with redacted evidence and flat signals) → [`diagnose::diagnose`] against the
//! embedded cause catalogue → a [`report::Report`] → a renderer → stdout. [`run`] is the whole
//! program and returns the exit status; `main` only calls it.

#![warn(missing_docs)]

pub mod api_error;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod cloud;
pub mod credential;
pub mod diagnose;
pub mod entra_error;
pub mod error;
pub mod exit;
pub mod expect;
pub mod explain;
pub mod jwt;
pub mod report;
pub mod secret;
pub mod session;
pub mod settings;
pub mod shape;
pub mod token_input;
pub mod token_profile;
pub mod transport;

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::Duration;

use clap::Parser as _;

use crate::catalogue::{Catalogue, SCENARIOS};
use crate::check::{Context, Probes, run_chain};
use crate::cli::{
    CausesArgs, CheckArgs, Cli, ColorChoice, Command, ExplainArgs, Format, OutputArgs, ReplayArgs,
    TokenArgs,
};
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::report::{Report, Target};
use crate::secret::{Redactor, Secret};
use crate::session::{SESSION_FORMAT, Session};
use crate::settings::{Credential, Settings, validate_endpoint, validate_workspaces};
use crate::transport::{Live, Replay, Transport};

/// The shipped scenario `pbi-doctor replay` shows when given no file.
pub const DEFAULT_SCENARIO: &str = "forbidden-extra-permissions";

/// Runs the program with these arguments and returns how it should exit.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitStatus {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Healthy
            };
        }
    };
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Replay(args) => replay(args),
        Command::Token(args) => token(args),
        Command::Explain(args) => explain(args),
        Command::Causes(args) => causes(args),
    };
    result.unwrap_or_else(|error| {
        let mut stderr = anstream::stderr();
        let _ = writeln!(
            stderr,
            "{}pbi-doctor: error:{} {error}",
            anstyle::AnsiColor::Red.on_default().bold(),
            anstyle::Reset
        );
        ExitStatus::Error
    })
}

fn apply_color(choice: ColorChoice) {
    let choice = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Writes the report to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut stdout = anstream::stdout();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn read_source(source: &str, what: &'static str) -> Result<String, DoctorError> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| DoctorError::ReadStdin { what, source })?;
        Ok(text)
    } else {
        std::fs::read_to_string(source).map_err(|e| DoctorError::ReadFile {
            what,
            path: source.into(),
            source: e,
        })
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, DoctorError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DoctorError::Runtime)
}

fn resolve(args: &CheckArgs) -> Result<Settings, DoctorError> {
    if args.client_secret.is_some() {
        return Err(DoctorError::SecretOnCommandLine);
    }
    if args.token_file.as_deref() == Some("-") && args.client_secret_stdin {
        return Err(DoctorError::StdinTwice);
    }
    let credential = if let Some(source) = &args.token_file {
        let text = read_source(source, "the token")?;
        let shown = if source == "-" {
            "standard input".to_owned()
        } else {
            format!("file {source}")
        };
        Credential::Token {
            text: Secret::new(text),
            source: shown,
        }
    } else {
        let secret = if let Some(path) = &args.client_secret_file {
            std::fs::read_to_string(path).map_err(|source| DoctorError::ReadFile {
                what: "the client secret",
                path: path.clone(),
                source,
            })?
        } else if args.client_secret_stdin {
            read_source("-", "the client secret")?
        } else {
            std::env::var("AZURE_CLIENT_SECRET").map_err(|_| {
                DoctorError::Missing(
                    "no credential: set AZURE_CLIENT_SECRET (with --client-id and --tenant), use --client-secret-file PATH or \
                     --client-secret-stdin, or diagnose an existing token with --token-file PATH"
                        .to_owned(),
                )
            })?
        };
        let secret = secret.trim_end_matches(['\r', '\n']).to_owned();
        if secret.trim().is_empty() {
            return Err(DoctorError::Missing(
                "the client secret is empty; check the variable or file it comes from".to_owned(),
            ));
        }
        Credential::ClientSecret(Secret::new(secret))
    };
    let needs_app = matches!(credential, Credential::ClientSecret(_));
    if needs_app && args.tenant.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(DoctorError::Missing(
            "no tenant: give --tenant <tenant id or domain> or set AZURE_TENANT_ID".to_owned(),
        ));
    }
    if needs_app
        && args
            .client_id
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(DoctorError::Missing(
            "no client id: give --client-id <Application (client) ID> or set AZURE_CLIENT_ID"
                .to_owned(),
        ));
    }
    let authority = args
        .authority_host
        .clone()
        .unwrap_or_else(|| args.cloud.authority_host().to_owned());
    let api = args
        .powerbi_api
        .clone()
        .unwrap_or_else(|| args.cloud.powerbi_api().to_owned());
    let secret_looks_like_guid =
        matches!(&credential, Credential::ClientSecret(s) if shape::is_guid(s.expose()));
    Ok(Settings {
        tenant: args
            .tenant
            .as_ref()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty()),
        client_id: args
            .client_id
            .as_ref()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        credential,
        secret_looks_like_guid,
        cloud: args.cloud,
        authority_host: validate_endpoint("--authority-host", &authority)?,
        powerbi_api: validate_endpoint("--powerbi-api", &api)?,
        workspaces: validate_workspaces(&args.workspaces)?,
        skip_admin: args.skip_admin,
    })
}

fn render(report: &Report<'_>, output: &OutputArgs) -> String {
    match output.format {
        Format::Human => report::human::render(report, output.verbose),
        Format::Json => report::json::render(report),
    }
}

fn target(command: &str, settings: &Settings, now: i64, session: Option<String>) -> Target {
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

fn rfc3339(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn redactor_for(settings: &Settings) -> Redactor {
    let mut redactor = Redactor::default();
    match &settings.credential {
        Credential::ClientSecret(secret) => redactor.add(secret),
        Credential::Token { text, .. } => {
            redactor.add(&Secret::new(token_input::normalize(text.expose()).token));
        }
    }
    redactor
}

fn diagnose_and_render(
    command: &str,
    settings: &Settings,
    transport: &Transport,
    now: i64,
    session: Option<String>,
    output: &OutputArgs,
    redactor: &Redactor,
) -> Result<ExitStatus, DoctorError> {
    let catalogue = Catalogue::embedded()?;
    let ctx = Context {
        settings,
        transport,
        now,
        redactor,
    };
    let findings = runtime()?.block_on(run_chain(&ctx, Probes::Run));
    let diagnoses = diagnose::diagnose(&findings, catalogue);
    let report = Report::new(target(command, settings, now, session), findings, diagnoses);
    print(&render(&report, output));
    Ok(report.verdict.exit_status())
}

fn check(args: CheckArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    let settings = resolve(&args)?;
    let redactor = redactor_for(&settings);
    let live = Live::new(
        Duration::from_secs(args.timeout),
        settings.token_origin(),
        args.record.is_some(),
        redactor.clone(),
    )
    .map_err(DoctorError::HttpClient)?;
    let transport = Transport::Live(live);
    let now = chrono::Utc::now().timestamp();
    let status = diagnose_and_render(
        "check",
        &settings,
        &transport,
        now,
        None,
        &args.output,
        &redactor,
    )?;
    if let Some(path) = &args.record {
        write_session(path, &settings, &transport, now, &redactor)?;
        let _ = writeln!(
            anstream::stderr(),
            "pbi-doctor: session recorded to {} (redacted: no secret, no token signature)",
            path.display()
        );
    }
    Ok(status)
}

fn write_session(
    path: &Path,
    settings: &Settings,
    transport: &Transport,
    now: i64,
    redactor: &Redactor,
) -> Result<(), DoctorError> {
    let session = Session {
        pbi_doctor_session: SESSION_FORMAT,
        recorded_at: rfc3339(now),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        settings: settings.to_session(redactor),
        exchanges: transport.recorded(),
    };
    let mut text = serde_json::to_string_pretty(&session).unwrap_or_default();
    text.push('\n');
    let text = redactor.clean(&text);
    std::fs::write(path, text).map_err(|source| DoctorError::WriteFile {
        what: "the session",
        path: path.to_owned(),
        source,
    })
}

fn replay(args: ReplayArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    if args.list {
        let mut text = String::new();
        for (name, _) in SCENARIOS {
            text.push_str(name);
            text.push('\n');
        }
        print(&text);
        return Ok(ExitStatus::Healthy);
    }
    let (origin, text) = match (&args.file, &args.scenario) {
        (Some(file), _) => (file.clone(), read_source(file, "the session")?),
        (None, name) => {
            let name = name.as_deref().unwrap_or(DEFAULT_SCENARIO);
            let (_, json) = SCENARIOS
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| DoctorError::UnknownScenario(name.to_owned()))?;
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
    diagnose_and_render(
        "replay",
        &settings,
        &transport,
        now,
        Some(origin),
        &args.output,
        &redactor,
    )
}

fn causes(args: CausesArgs) -> Result<ExitStatus, DoctorError> {
    let catalogue = Catalogue::embedded()?;
    let text = match args.format {
        Format::Json => {
            let list: Vec<_> = catalogue
                .causes()
                .iter()
                .map(|c| serde_json::json!({"id": c.id, "group": c.group, "severity": c.severity, "title": c.title, "docs": c.docs}))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            )
        }
        Format::Human => {
            let width = catalogue
                .causes()
                .iter()
                .map(|c| c.id.len())
                .max()
                .unwrap_or(0);
            catalogue
                .causes()
                .iter()
                .map(|c| format!("{:width$}  {:17} {}\n", c.id, c.group, c.title))
                .collect()
        }
    };
    print(&text);
    Ok(ExitStatus::Healthy)
}

/// Reads an input given as an argument, a file, or standard input (`-`, or nothing on a pipe).
fn read_input(
    arg: Option<&str>,
    file: Option<&str>,
    what: &'static str,
    missing: &'static str,
) -> Result<(String, String), DoctorError> {
    match (arg, file) {
        (_, Some(path)) => Ok((
            read_source(path, what)?,
            if path == "-" {
                "standard input".to_owned()
            } else {
                format!("file {path}")
            },
        )),
        (Some("-"), None) => Ok((read_source("-", what)?, "standard input".to_owned())),
        (Some(text), None) => Ok((text.to_owned(), "the command line".to_owned())),
        (None, None) if !std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
            Ok((read_source("-", what)?, "standard input".to_owned()))
        }
        (None, None) => Err(DoctorError::NoInput(missing)),
    }
}

/// Settings for the offline commands: a given token, no endpoints called.
fn offline_settings(
    text: String,
    source: String,
    tenant: Option<String>,
    client_id: Option<String>,
    cloud: cloud::Cloud,
) -> Result<Settings, DoctorError> {
    Ok(Settings {
        tenant,
        client_id,
        credential: Credential::Token {
            text: Secret::new(text),
            source,
        },
        secret_looks_like_guid: false,
        cloud,
        authority_host: validate_endpoint("--authority-host", cloud.authority_host())?,
        powerbi_api: validate_endpoint("--powerbi-api", cloud.powerbi_api())?,
        workspaces: Vec::new(),
        skip_admin: true,
    })
}

/// The offline chain on a given token: token, scope, claims, identity; the probes skipped.
fn offline_findings(
    settings: &Settings,
    now: i64,
    redactor: &Redactor,
) -> Result<Vec<check::Finding>, DoctorError> {
    let transport = Transport::Replay(Replay::new(Vec::new(), settings.token_origin()));
    let ctx = Context {
        settings,
        transport: &transport,
        now,
        redactor,
    };
    Ok(runtime()?.block_on(run_chain(&ctx, Probes::Offline)))
}

fn token(args: TokenArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    let (text, source) = read_input(
        args.token.as_deref(),
        args.file.as_deref(),
        "the token",
        "no token: give it as an argument, with --file PATH, or on standard input (`-`)",
    )?;
    let settings = offline_settings(
        text,
        source,
        args.expect_tenant,
        args.expect_client_id,
        args.cloud,
    )?;
    let redactor = redactor_for(&settings);
    let now = chrono::Utc::now().timestamp();
    let findings = offline_findings(&settings, now, &redactor)?;
    let catalogue = Catalogue::embedded()?;
    let diagnoses = diagnose::diagnose(&findings, catalogue);
    let mut report = Report::new(target("token", &settings, now, None), findings, diagnoses);
    if let Credential::Token { text, .. } = &settings.credential
        && let Ok(jwt) = jwt::decode(&token_input::normalize(text.expose()).token)
    {
        report.profile = Some(token_profile::profile(&jwt.claims, settings.cloud, now));
    }
    print(&render(&report, &args.output));
    Ok(report.verdict.exit_status())
}

fn explain(args: ExplainArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    let (text, _) = read_input(
        args.text.as_deref(),
        args.file.as_deref(),
        "the error text",
        "no error text: give it as an argument, with --file PATH, or on standard input (`-`)",
    )?;
    let mut extracted = explain::extract::extract(&text);
    if let Some(status) = args.status {
        extracted.status = Some(status);
    }
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| DoctorError::BadHeader(header.clone()))?;
        extracted
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name.trim()));
        extracted
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    if let Some(url) = &args.url {
        let parsed = url::Url::parse(url).map_err(|e| DoctorError::BadEndpoint {
            flag: "--url",
            url: url.clone(),
            reason: e.to_string(),
        })?;
        extracted.url = Some(parsed);
    }
    if extracted.is_empty() {
        return Err(DoctorError::NothingRecognised);
    }
    let now = chrono::Utc::now().timestamp();
    let catalogue = Catalogue::embedded()?;
    let (settings, token_findings) = match &extracted.jwt {
        Some(jwt) => {
            let settings = offline_settings(
                jwt.clone(),
                "the pasted text".to_owned(),
                None,
                None,
                args.cloud,
            )?;
            let redactor = redactor_for(&settings);
            let findings = offline_findings(&settings, now, &redactor)?;
            (settings, Some(findings))
        }
        None => (
            offline_settings(
                String::new(),
                "the pasted text".to_owned(),
                None,
                None,
                args.cloud,
            )?,
            None,
        ),
    };
    let explanation = explain::explain(&extracted, token_findings, catalogue);
    let mut report = Report::new(
        target("explain", &settings, now, None),
        explanation.findings,
        explanation.diagnoses,
    );
    report.notes = explanation.notes;
    print(&render(&report, &args.output));
    Ok(report.verdict.exit_status())
}

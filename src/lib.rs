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
pub mod cloud_discovery;
pub mod crash;
pub mod credential;
pub mod diagnose;
pub mod entra_error;
pub mod error;
pub mod exit;
pub mod expect;
pub mod explain;
mod fsio;
pub mod jwt;
pub mod profile;
pub mod quota;
pub mod report;
pub mod secret;
pub mod session;
pub mod settings;
pub mod shape;
pub mod token_input;
pub mod token_profile;
pub mod transport;

use std::ffi::OsString;
use std::io::Write as _;
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
use crate::report::{Report, SealedReport, Target};
use crate::secret::{Redactor, Secret};
use crate::session::{CredentialKind, SESSION_FORMAT, Session};
use crate::settings::{Credential, Settings, validate_endpoint, validate_workspaces};
use crate::transport::{Live, Replay, Transport};

/// The shipped scenario `pbi-doctor replay` shows when given no file.
pub const DEFAULT_SCENARIO: &str = "forbidden-extra-permissions";

/// Runs the program with these arguments and returns how it should exit.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitStatus {
    crash::install();
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
        Command::Check(args) => check(*args),
        Command::Replay(args) => replay(args),
        Command::Token(args) => token(args),
        Command::Explain(args) => explain(args),
        Command::Causes(args) => causes(args),
    };
    result.unwrap_or_else(|error| {
        let mut stderr = anstream::stderr();
        // The error may quote a value the user gave (a URL with a password in it): no run
        // redactor exists yet, so what needs no knowledge of secrets is removed here.
        let message = Redactor::default().seal(error.to_string());
        let _ = writeln!(
            stderr,
            "{}pbi-doctor: error:{} {}",
            anstyle::AnsiColor::Red.on_default().bold(),
            anstyle::Reset,
            *message
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

/// Writes the report to stdout; a closed pipe (`| head`) is not an error, a full disk is.
fn print(text: &str) -> Result<(), DoctorError> {
    let mut stdout = anstream::stdout();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(DoctorError::WriteStdout(e)),
        _ => Ok(()),
    }
}

/// A file or standard input (`-`), read through the input cap.
fn read_source(source: &str, what: &'static str) -> Result<String, DoctorError> {
    fsio::read_source(source, what)
}

fn runtime() -> Result<tokio::runtime::Runtime, DoctorError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(DoctorError::Runtime)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_secret_file(path: &Path, what: &'static str) -> Result<Secret, DoctorError> {
    let text = fsio::read_file(path, what, fsio::Decoding::Strict)?;
    Ok(Secret::new(text.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Picks the credential: `--auth`, else explicit flags, else the environment in the
/// azure-identity order (secret, certificate, federated token file), then GitHub Actions OIDC,
/// then the Azure CLI.
fn choose_credential(
    args: &CheckArgs,
    profile: &profile::Profile,
) -> Result<Credential, DoctorError> {
    use cli::AuthKind;
    let explicit: Vec<(&str, AuthKind)> = [
        (args.token_file.is_some(), "--token-file", AuthKind::Token),
        (
            args.client_secret_file.is_some() || args.client_secret_stdin,
            "--client-secret-file/--client-secret-stdin",
            AuthKind::Secret,
        ),
        (
            args.certificate.is_some() && env("AZURE_CLIENT_CERTIFICATE_PATH").is_none(),
            "--certificate",
            AuthKind::Certificate,
        ),
        (
            args.federated_token_file.is_some() && env("AZURE_FEDERATED_TOKEN_FILE").is_none(),
            "--federated-token-file",
            AuthKind::Federated,
        ),
        (args.device_code, "--device-code", AuthKind::DeviceCode),
    ]
    .into_iter()
    .filter(|(given, ..)| *given)
    .map(|(_, flag, kind)| (flag, kind))
    .collect();
    if explicit.len() > 1 {
        return Err(DoctorError::Missing(format!(
            "{} and {} both name a credential; give one. --token-file diagnoses a token you already have; the others request a new one",
            explicit[0].0, explicit[1].0
        )));
    }
    // The profile's secret is read only when a client secret is what gets used.
    let profile_secret = || -> Result<Option<Secret>, DoctorError> {
        match (&profile.client_secret_env, &profile.client_secret_file) {
            (Some(var), _) => Ok(env(var).map(Secret::new)),
            (None, Some(path)) => read_secret_file(path, "the client secret").map(Some),
            _ => Ok(None),
        }
    };
    let profile_has_secret = profile.client_secret_env.as_deref().and_then(env).is_some()
        || profile.client_secret_file.is_some();
    let secret_available = args.client_secret_file.is_some()
        || args.client_secret_stdin
        || env("AZURE_CLIENT_SECRET").is_some()
        || profile_has_secret;
    let certificate = args
        .certificate
        .clone()
        .or_else(|| profile.certificate.clone());
    let federated = args
        .federated_token_file
        .clone()
        .or_else(|| profile.federated_token_file.clone());
    let github = env("ACTIONS_ID_TOKEN_REQUEST_URL").zip(env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
    let profile_auth = profile.auth;
    let kind = match (args.auth, explicit.first(), profile_auth) {
        (Some(auth), Some((flag, kind)), _) if auth != *kind => {
            return Err(DoctorError::Missing(format!(
                "--auth {} and {flag} disagree; give one",
                clap::ValueEnum::to_possible_value(&auth)
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default()
            )));
        }
        (Some(auth), ..) => auth,
        (None, Some((_, kind)), _) => *kind,
        (None, None, Some(kind)) => kind,
        (None, None, None) if secret_available => AuthKind::Secret,
        (None, None, None) if certificate.is_some() => AuthKind::Certificate,
        (None, None, None) if federated.is_some() => AuthKind::Federated,
        (None, None, None) if github.is_some() => AuthKind::GithubOidc,
        (None, None, None) if which("az").is_some() => AuthKind::AzureCli,
        (None, None, None) => {
            return Err(DoctorError::Missing(
                "no credential: set AZURE_CLIENT_SECRET (with --client-id and --tenant), use --client-secret-file PATH, \
                 --certificate PATH, --federated-token-file PATH, --auth github-oidc, --auth azure-cli or --device-code, \
                 or diagnose an existing token with --token-file PATH"
                    .to_owned(),
            ));
        }
    };
    if args.token_file.is_some() && kind != AuthKind::Token {
        return Err(DoctorError::Missing("--token-file diagnoses a token you already have; it cannot be combined with --auth requesting a new one".to_owned()));
    }
    Ok(match kind {
        AuthKind::Token => {
            let source = args.token_file.clone().ok_or_else(|| {
                DoctorError::Missing(
                    "--auth token needs --token-file PATH (- for standard input)".to_owned(),
                )
            })?;
            if args.client_secret_stdin && source == "-" {
                return Err(DoctorError::StdinTwice);
            }
            let text = read_source(&source, "the token")?;
            let shown = if source == "-" {
                "standard input".to_owned()
            } else {
                format!("file {source}")
            };
            Credential::Token {
                text: Secret::new(text),
                source: shown,
            }
        }
        AuthKind::Secret => {
            let secret = if let Some(path) = &args.client_secret_file {
                read_secret_file(path, "the client secret")?
            } else if args.client_secret_stdin {
                Secret::new(
                    read_source("-", "the client secret")?
                        .trim_end_matches(['\r', '\n'])
                        .to_owned(),
                )
            } else if let Some(secret) =
                profile_secret()?.or_else(|| env("AZURE_CLIENT_SECRET").map(Secret::new))
            {
                // A profile's reference wins: switching tenants must not pick up another one's
                // ambient secret.
                secret
            } else {
                return Err(DoctorError::Missing("--auth secret needs a client secret: set AZURE_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin".to_owned()));
            };
            if secret.expose().trim().is_empty() {
                return Err(DoctorError::Missing(
                    "the client secret is empty; check the variable or file it comes from"
                        .to_owned(),
                ));
            }
            // Entra ID's secrets are 40 characters; one this short is a typo or a placeholder,
            // and could not be redacted without mangling ordinary words in the report.
            if secret.expose().trim().chars().count() < secret::MIN_SECRET_LEN {
                return Err(DoctorError::Missing(format!(
                    "the client secret is shorter than {} characters: that is not a secret Entra ID issues. \
                     Copy the secret's Value (not its ID) from the app registration's Certificates & secrets page",
                    secret::MIN_SECRET_LEN
                )));
            }
            Credential::ClientSecret(secret)
        }
        AuthKind::Certificate => {
            let path = certificate.ok_or_else(|| {
                DoctorError::Missing(
                    "--auth certificate needs --certificate PATH or AZURE_CLIENT_CERTIFICATE_PATH"
                        .to_owned(),
                )
            })?;
            let bytes = fsio::read_file_bytes(&path, "the certificate")?;
            let password_var = profile
                .certificate_password_env
                .clone()
                .unwrap_or_else(|| "AZURE_CLIENT_CERTIFICATE_PASSWORD".to_owned());
            Credential::Certificate {
                path: path.display().to_string(),
                bytes,
                password: env(&password_var).map(Secret::new),
            }
        }
        AuthKind::Federated => Credential::FederatedFile(federated.ok_or_else(|| {
            DoctorError::Missing(
                "--auth federated needs --federated-token-file PATH or AZURE_FEDERATED_TOKEN_FILE"
                    .to_owned(),
            )
        })?),
        AuthKind::GithubOidc => {
            let (request_url, request_token) = github.ok_or_else(|| {
                DoctorError::Missing(
                    "--auth github-oidc needs ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN: run in GitHub Actions \
                     with `permissions: id-token: write` on the job"
                        .to_owned(),
                )
            })?;
            Credential::GithubOidc {
                request_url,
                request_token: Secret::new(request_token),
                audience: args.oidc_audience.clone(),
            }
        }
        AuthKind::AzureCli => Credential::AzureCli {
            program: which("az").unwrap_or_else(|| "az".into()),
        },
        AuthKind::DeviceCode => Credential::DeviceCode {
            // Tests only: the wiremock device-code scenario polls without waiting.
            poll_interval_override: env("PBI_DOCTOR_TEST_POLL_INTERVAL_MS")
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis),
        },
    })
}

/// The program on PATH, if there is one.
fn which(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn resolve(args: &CheckArgs) -> Result<Settings, DoctorError> {
    if args.client_secret.is_some() {
        return Err(DoctorError::SecretOnCommandLine);
    }
    let profile = match &args.profile {
        Some(name) => {
            let path = args.profiles.clone().or_else(|| profile::default_path(&env)).ok_or_else(|| {
                DoctorError::Missing("--profile needs a profiles file: give --profiles PATH or set PBI_DOCTOR_PROFILES".to_owned())
            })?;
            profile::load(&path, name).map_err(|e| DoctorError::Missing(e.to_string()))?
        }
        None => profile::Profile::default(),
    };
    let credential = choose_credential(args, &profile)?;
    let tenant = args
        .tenant
        .clone()
        .or_else(|| profile.tenant.clone())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let client_id = args
        .client_id
        .clone()
        .or_else(|| profile.client_id.clone())
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let kind = credential.kind();
    let needs_tenant = !matches!(kind, CredentialKind::TokenFile | CredentialKind::AzureCli);
    if needs_tenant && tenant.is_none() {
        return Err(DoctorError::Missing(
            "no tenant: give --tenant <tenant id or domain> or set AZURE_TENANT_ID".to_owned(),
        ));
    }
    if needs_tenant && client_id.is_none() {
        return Err(DoctorError::Missing(
            "no client id: give --client-id <Application (client) ID> or set AZURE_CLIENT_ID"
                .to_owned(),
        ));
    }
    let cloud_given = args.cloud.or(profile.cloud);
    let cloud = cloud_given.unwrap_or(cloud::Cloud::Public);
    let authority_given = args
        .authority_host
        .clone()
        .or_else(|| profile.authority_host.clone());
    let api_given = args
        .powerbi_api
        .clone()
        .or_else(|| profile.powerbi_api.clone());
    let authority = authority_given
        .clone()
        .unwrap_or_else(|| cloud.authority_host().to_owned());
    let api = api_given
        .clone()
        .unwrap_or_else(|| cloud.powerbi_api().to_owned());
    let secret_looks_like_guid =
        matches!(&credential, Credential::ClientSecret(s) if shape::is_guid(s.expose()));
    let mut workspaces = args.workspaces.clone();
    if workspaces.is_empty() {
        workspaces = profile.workspaces.clone();
    }
    // `--expect workspace=<id>` is judged by probing that workspace.
    for id in args
        .expectations
        .iter()
        .filter_map(expect::Expectation::workspace)
    {
        if !workspaces.iter().any(|w| w.eq_ignore_ascii_case(id)) {
            workspaces.push(id.to_owned());
        }
    }
    Ok(Settings {
        detect_cloud: cloud_given.is_none()
            && tenant.is_some()
            && kind != CredentialKind::TokenFile,
        tenant,
        client_id,
        credential,
        secret_looks_like_guid,
        cloud,
        authority_host: validate_endpoint("--authority-host", &authority)?,
        powerbi_api: validate_endpoint("--powerbi-api", &api)?,
        workspaces: validate_workspaces(&workspaces)?,
        skip_admin: args.skip_admin,
        admin_skip_reason: "--skip-admin",
        authority_overridden: authority_given.is_some(),
        api_overridden: api_given.is_some(),
    })
}

/// The format on stdout: the one asked for, or the CI platform's.
fn stdout_format(output: &OutputArgs) -> Format {
    output.format.unwrap_or_else(|| Format::detect(env))
}

fn render_as(report: &SealedReport<'_>, format: Format, verbose: bool) -> String {
    match format {
        Format::Human => report::human::render(report, verbose),
        Format::Json => report::json::render(report),
        Format::Junit => report::junit::render(report),
        Format::Github => report::github::render(report),
        Format::AzureDevops => report::azure_devops::render(report),
        Format::Markdown => report::markdown::render(report),
    }
}

/// Mask commands for values a later step could print (the access token's signature): only in
/// the platform's own format and only when running on that platform, whose runner hides them.
fn mask_lines(format: Format, masks: &[Secret]) -> String {
    let on = |var: &str| env(var).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    masks
        .iter()
        .filter(|m| !m.expose().is_empty())
        .map(|m| match format {
            Format::Github if on("GITHUB_ACTIONS") => format!("::add-mask::{}\n", m.expose()),
            Format::AzureDevops if on("TF_BUILD") => {
                format!("##vso[task.setsecret]{}\n", m.expose())
            }
            _ => String::new(),
        })
        .collect()
}

/// Writes the report: stdout in its format, each `--output FORMAT=PATH`, and the GitHub job
/// summary when `$GITHUB_STEP_SUMMARY` is set and the format is github.
fn emit(
    report: &SealedReport<'_>,
    output: &OutputArgs,
    masks: &[Secret],
) -> Result<(), DoctorError> {
    let format = stdout_format(output);
    let mut text = mask_lines(format, masks);
    text.push_str(&render_as(report, format, output.verbose));
    // Every output is attempted; the first failure is the exit-2 error.
    let mut failed = print(&text).err();
    for extra in &output.outputs {
        let rendered = render_as(report, extra.format, output.verbose);
        let plain = anstream::adapter::strip_str(&rendered).to_string();
        if let Err(source) =
            fsio::write_atomically(&extra.path, plain.as_bytes(), fsio::Access::Shared)
        {
            failed.get_or_insert(DoctorError::WriteFile {
                what: "the report",
                path: extra.path.clone(),
                source,
            });
        }
    }
    if format == Format::Github
        && let Some(summary) = env("GITHUB_STEP_SUMMARY")
    {
        let path = std::path::PathBuf::from(summary);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| DoctorError::WriteFile {
                what: "the job summary",
                path: path.clone(),
                source,
            })?;
        file.write_all(report::github::step_summary(report).as_bytes())
            .map_err(|source| DoctorError::WriteFile {
                what: "the job summary",
                path,
                source,
            })?;
    }
    failed.map_or(Ok(()), Err)
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
    let redactor = Redactor::default();
    match &settings.credential {
        Credential::ClientSecret(secret) => redactor.add(secret),
        Credential::Token { text, .. } => {
            redactor.add_token(&token_input::normalize(text.expose()).token);
        }
        Credential::Certificate {
            password: Some(password),
            ..
        } => redactor.add(password),
        Credential::GithubOidc { request_token, .. } => redactor.add(request_token),
        Credential::Certificate { .. }
        | Credential::FederatedFile(_)
        | Credential::AzureCli { .. }
        | Credential::DeviceCode { .. }
        | Credential::Replayed { .. } => {}
    }
    redactor
}

/// What a run leaves besides its report.
struct Ran {
    /// The settings the chain ran with (a detected cloud's).
    settings: Settings,
    /// Values to mask on CI platforms.
    masks: Vec<Secret>,
    /// What the credential showed, for `--record`.
    record: check::CredentialRecord,
}

/// Runs the chain and diagnoses it.
fn run_checks<'c>(
    command: &str,
    settings: &Settings,
    transport: &Transport,
    now: i64,
    session: Option<String>,
    redactor: &Redactor,
    catalogue: &'c Catalogue,
) -> Result<(Report<'c>, Ran), DoctorError> {
    let record = std::sync::Mutex::new(check::CredentialRecord::default());
    // Prompts quote the server (the device-code message): sealed like everything printed.
    let progress = |line: &str| {
        let line = redactor.seal(line.to_owned());
        let _ = writeln!(anstream::stderr(), "{}", *line);
    };
    let ctx = Context {
        settings,
        transport,
        now,
        redactor,
        record: &record,
        progress: &progress,
    };
    let chain = runtime()?.block_on(run_chain(&ctx, Probes::Run));
    let check::ChainOutput {
        findings,
        settings,
        masks,
    } = chain;
    let diagnoses = diagnose::diagnose(&findings, catalogue);
    let report = Report::new(
        target(command, &settings, now, session),
        findings,
        diagnoses,
    );
    let record = record.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((
        report,
        Ran {
            settings,
            masks,
            record,
        },
    ))
}

/// Judges expectations and `--fail-on`: with expectations, the run passes when every one holds;
/// "network down before any answer" stays exit 2.
fn apply_expectations(
    report: &mut Report<'_>,
    expectations: &[expect::Expectation],
    fail_on: expect::FailOn,
) {
    report.expectations = expect::evaluate(expectations, &report.findings, &report.diagnoses);
    // A probe the budget saved is not a failure of the tenant: it is not judged this run.
    let budget_skip = report.findings.iter().any(|f| {
        f.check == check::CheckId::AdminApi
            && f.outcome == check::Outcome::Skipped(check::Skip::Flag(ADMIN_BUDGET_REASON))
    });
    if budget_skip {
        for (outcome, expectation) in report.expectations.iter_mut().zip(expectations) {
            if expectation.check() == check::CheckId::AdminApi {
                outcome.holds = true;
                outcome.cause = None;
                outcome.detail = "not judged this run: the admin-probe budget for this tenant is used up (see the notes)".to_owned();
            }
        }
    }
    let no_answer = report
        .findings
        .first()
        .is_some_and(|f| f.outcome == check::Outcome::Error)
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
const DEFAULT_DEADLINE: u64 = 60;

/// The default with `--device-code`: a device code lives 15 minutes, and a person signs in.
const DEVICE_CODE_DEADLINE: u64 = 1200;

/// Why the admin probe was skipped when the budget is used up.
const ADMIN_BUDGET_REASON: &str = "admin-probe budget reached";

/// Where the admin-probe budget is remembered: next to the profiles file.
fn quota_path() -> Option<std::path::PathBuf> {
    profile::default_path(&env).and_then(|p| p.parent().map(quota::cache_file))
}

fn check(args: CheckArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
    let mut settings = resolve(&args)?;
    let redactor = redactor_for(&settings);
    let now = chrono::Utc::now().timestamp();
    let mut notes = Vec::new();
    let quota = (!args.no_cache && !settings.skip_admin)
        .then(quota_path)
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
    .with_deadline(transport::Deadline::after(args.deadline.unwrap_or(
        if matches!(settings.credential, Credential::DeviceCode { .. }) {
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
        f.check == check::CheckId::AdminApi && !matches!(f.outcome, check::Outcome::Skipped(_))
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
    emit(&report, &args.output, &ran.masks)?;
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

fn write_session(
    path: &Path,
    settings: &Settings,
    transport: &Transport,
    now: i64,
    redactor: &Redactor,
    record: check::CredentialRecord,
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

fn replay(args: ReplayArgs) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color);
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
    let catalogue = Catalogue::embedded()?;
    let (report, _) = run_checks(
        "replay",
        &settings,
        &transport,
        now,
        Some(origin),
        &redactor,
        catalogue,
    )?;
    let report = redactor.seal(report);
    emit(&report, &args.output, &[])?;
    Ok(report.verdict.exit_status())
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
        _ => {
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
    print(&text)?;
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
        admin_skip_reason: "offline",
        detect_cloud: false,
        authority_overridden: false,
        api_overridden: false,
    })
}

/// The offline chain on a given token: token, scope, claims, identity; the probes skipped.
fn offline_findings(
    settings: &Settings,
    now: i64,
    redactor: &Redactor,
) -> Result<Vec<check::Finding>, DoctorError> {
    let transport = Transport::Replay(Replay::new(Vec::new(), settings.token_origin()));
    let record = std::sync::Mutex::new(check::CredentialRecord::default());
    let ctx = Context {
        settings,
        transport: &transport,
        now,
        redactor,
        record: &record,
        progress: &|_| {},
    };
    Ok(runtime()?
        .block_on(run_chain(&ctx, Probes::Offline))
        .findings)
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
    let report = redactor.seal(report);
    emit(&report, &args.output, &[])?;
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
        // Fabric's error-code headers name the error when the paste has no body.
        let fabric_code = ["x-ms-public-api-error-code", "x-ms-error-code"]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name.trim()));
        if fabric_code {
            let api = extracted
                .api
                .get_or_insert_with(api_error::ApiError::default);
            api.code.get_or_insert_with(|| value.trim().to_owned());
        }
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
    // A paste is the user's own text; what the redactor knows of it is the token it holds.
    let redactor = redactor_for(&settings);
    let report = redactor.seal(report);
    emit(&report, &args.output, &[])?;
    Ok(report.verdict.exit_status())
}

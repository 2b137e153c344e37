//! Command-line interface: subcommands, flags and the `AZURE_*` variables they fall back to.
//! Secrets never arrive as flag values: `--client-secret VALUE` exists only to refuse it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cloud::Cloud;

/// Diagnoses refused Power BI and Microsoft Fabric REST API calls (401 Unauthorized, 403
/// Forbidden): which layer is broken, the likely causes with their evidence, and the fix.
#[derive(Debug, Parser)]
#[command(name = "pbi-doctor", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress, paste prompt or notices on stderr (errors and the device-code sign-in still show).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the check chain against a tenant: token, scope, claims, identity, admin API, workspace API.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// Diagnose a recorded session offline (no tenant, no network). Without FILE, replays a shipped example.
    Replay(ReplayArgs),
    /// Read a token offline: what it is, what it can do with Power BI, and what is wrong with it.
    #[command(after_help = TOKEN_EXAMPLES)]
    Token(TokenArgs),
    /// Map an error you already have (AADSTS message, API error body, HTTP dump, tool output) to causes, offline.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// List the causes the doctor knows, with their stable ids.
    Causes(CausesArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) for your profile.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), for packagers: `pbi-doctor man > pbi-doctor.1`.
    #[command(hide = true)]
    Man(ManArgs),
}

/// `completions --help`'s examples: where each shell looks for them.
const COMPLETIONS_EXAMPLES: &str = "\
Examples (bash):
  pbi-doctor completions bash > ~/.local/share/bash-completion/completions/pbi-doctor

Examples (zsh, with ~/.zfunc in fpath):
  pbi-doctor completions zsh > ~/.zfunc/_pbi-doctor

Examples (fish):
  pbi-doctor completions fish > ~/.config/fish/completions/pbi-doctor.fish

Examples (PowerShell, in $PROFILE):
  pbi-doctor completions powershell | Out-String | Invoke-Expression";

/// `check --help`'s examples, for both shells people run it from.
const CHECK_EXAMPLES: &str = "\
Examples (bash):
  export AZURE_CLIENT_SECRET='…'
  pbi-doctor check --tenant contoso.onmicrosoft.com --client-id <app id>
  pbi-doctor check --tenant contoso.onmicrosoft.com --auth azure-cli

Examples (PowerShell):
  $env:AZURE_CLIENT_SECRET = '…'
  pbi-doctor check --tenant contoso.onmicrosoft.com --client-id <app id>
  pbi-doctor check --tenant contoso.onmicrosoft.com --auth azure-cli";

/// `token --help`'s examples: how to get a token with the tools people have, in both shells.
const TOKEN_EXAMPLES: &str = "\
Examples (bash or PowerShell, with az):
  az account get-access-token --resource https://analysis.windows.net/powerbi/api --query accessToken -o tsv | pbi-doctor token -

Examples (PowerShell):
  $t = (Get-AzAccessToken -ResourceUrl https://analysis.windows.net/powerbi/api).Token
  [System.Net.NetworkCredential]::new('', $t).Password | pbi-doctor token -
  Get-PowerBIAccessToken -AsString | pbi-doctor token -

At a terminal, end pasted input with Ctrl-D (bash) or Ctrl-Z then Enter (Windows).";

/// `explain --help`'s examples, for both shells.
const EXPLAIN_EXAMPLES: &str = "\
Examples (bash):
  pbi-doctor explain 'AADSTS7000215: Invalid client secret provided.'
  pbi-doctor explain - --status 401 < error.txt

Examples (PowerShell):
  $Error[0] | Out-String | pbi-doctor explain -
  Get-Content error.txt -Raw | pbi-doctor explain - --status 401";

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: a line per check, then the causes and their fixes.
    Human,
    /// For scripts: the JSON document described in the README (schema_version 1).
    Json,
    /// JUnit XML: a test case per check and per expectation (CI test tabs).
    Junit,
    /// GitHub Actions workflow commands (::error, ::warning, ::notice) and a job summary.
    Github,
    /// Azure Pipelines logging commands (##vso[task.logissue], ##vso[task.complete]).
    AzureDevops,
    /// Markdown, for a pull-request comment or a support ticket.
    Markdown,
}

impl Format {
    /// The format a CI platform reads, when its environment says which one runs us:
    /// `GITHUB_ACTIONS=true` or `TF_BUILD=True`.
    pub fn detect(env: impl Fn(&str) -> Option<String>) -> Format {
        if env(crate::env_vars::GITHUB_ACTIONS).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            Format::Github
        } else if env(crate::env_vars::TF_BUILD).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            Format::AzureDevops
        } else {
            Format::Human
        }
    }
}

/// `--output FORMAT=PATH`: an extra report written to a file in the same run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraOutput {
    /// The format.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

/// Parses `FORMAT=PATH`.
pub fn parse_output(value: &str) -> Result<ExtraOutput, String> {
    let (format, path) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?} is not FORMAT=PATH, e.g. junit=pbi-doctor.xml"))?;
    let format = <Format as ValueEnum>::from_str(format.trim(), true).map_err(|_| {
        format!("{format:?} is not a format: human, json, junit, github, azure-devops, markdown")
    })?;
    if path.trim().is_empty() {
        return Err(format!("{value:?} names no file"));
    }
    Ok(ExtraOutput {
        format,
        path: PathBuf::from(path.trim()),
    })
}

/// When to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How the report is written.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format on stdout [default: github when GITHUB_ACTIONS=true, azure-devops when
    /// TF_BUILD=True, human otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the report in FORMAT to PATH, e.g. junit=pbi-doctor.xml. Repeatable.
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<ExtraOutput>,
    /// Colour in the human report.
    /// [default: auto, or PBI_DOCTOR_COLOR]
    #[arg(long, value_enum)]
    pub color: Option<ColorChoice>,
    /// Show the evidence of passing checks too.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Flags of `pbi-doctor check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Tenant: directory (tenant) id or a verified domain such as contoso.onmicrosoft.com
    /// [or AZURE_TENANT_ID].
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Application (client) id of the app registration (not its object id) [or AZURE_CLIENT_ID].
    #[arg(long, value_name = "APP_ID")]
    pub client_id: Option<String>,
    /// Read the client secret from this file (otherwise from AZURE_CLIENT_SECRET).
    #[arg(long, value_name = "PATH", conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<PathBuf>,
    /// Read the client secret from standard input.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// How to get the token. Without it, the environment decides, in the azure-identity order:
    /// client secret, certificate, federated token file, GitHub Actions OIDC, then the Azure CLI.
    #[arg(long, value_enum, value_name = "KIND")]
    pub auth: Option<crate::credential::CredentialKind>,
    /// Certificate (PEM with its key, or PFX/PKCS#12) for certificate credentials; a PFX password
    /// comes from AZURE_CLIENT_CERTIFICATE_PASSWORD [or AZURE_CLIENT_CERTIFICATE_PATH].
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,
    /// A federated token (workload identity federation) to present as the client assertion
    /// [or AZURE_FEDERATED_TOKEN_FILE].
    #[arg(long, value_name = "PATH")]
    pub federated_token_file: Option<PathBuf>,
    /// The audience of the GitHub Actions OIDC token to request.
    #[arg(
        long,
        value_name = "AUDIENCE",
        default_value = "api://AzureADTokenExchange"
    )]
    pub oidc_audience: String,
    /// Sign in as a user with the device code flow (same as --auth device-code); --client-id
    /// names a public client app.
    #[arg(long)]
    pub device_code: bool,
    /// Read tenant, client id, credential source and cloud from this profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The profiles file [default: PBI_DOCTOR_PROFILES, else
    /// $XDG_CONFIG_HOME/pbi-doctor/profiles.toml, else %APPDATA%\pbi-doctor\profiles.toml on
    /// Windows, else ~/.config/pbi-doctor/profiles.toml].
    #[arg(long, value_name = "PATH")]
    pub profiles: Option<PathBuf>,
    /// Refused: a secret on the command line ends up in shell history and `ps`.
    #[arg(long, hide = true, num_args = 0..=1, value_name = "SECRET")]
    pub client_secret: Option<Option<String>>,
    /// Diagnose a token you already have, from this file (`-` for standard input). Accepts a bare
    /// JWT, `Bearer …`, `Authorization: Bearer …` or a JSON token response.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<String>,
    /// Also probe this workspace (its id, a GUID). Repeatable.
    #[arg(long = "workspace", value_name = "ID")]
    pub workspaces: Vec<String>,
    /// The cloud: authority host, Power BI resource and API base. Without it, the tenant's
    /// OpenID configuration tells (one request). Also read: gcc, gcc-high, dod, mooncake.
    #[arg(long, value_enum, ignore_case = true)]
    pub cloud: Option<Cloud>,
    /// Entra ID authority host, overriding the cloud's (https, or http on loopback only)
    /// [or AZURE_AUTHORITY_HOST].
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Power BI REST API base, overriding the cloud's, e.g. https://api.fabric.microsoft.com.
    #[arg(long, value_name = "URL")]
    pub powerbi_api: Option<String>,
    /// Do not call the admin API (its quota is 50 calls an hour per tenant).
    #[arg(long)]
    pub skip_admin: bool,
    /// Fabric REST API base, overriding the cloud's, e.g. https://api.fabric.microsoft.com.
    #[arg(long, value_name = "URL")]
    pub fabric_api: Option<String>,
    /// Which REST APIs to probe: Power BI's (/v1.0/myorg), Fabric's (/v1), or both.
    #[arg(long, value_enum, value_name = "API", default_value_t = crate::apis::Apis::Both)]
    pub api: crate::apis::Apis,
    /// Microsoft Graph base, overriding the cloud's, e.g. https://graph.microsoft.com.
    #[arg(long, value_name = "URL")]
    pub graph_api: Option<String>,
    /// A second identity, an administrator's, reads the tenant's configuration back (tenant
    /// settings, the service principal's groups and permissions) to confirm or rule out causes.
    /// Needs a Fabric administrator and Application.Read.All on Graph. azure-cli: as signed in
    /// with `az login`; device-code: sign in as the administrator now.
    #[arg(long, value_enum, value_name = "KIND")]
    pub admin_auth: Option<crate::second_look::AdminAuthKind>,
    /// The administrator's Fabric token (resource https://api.fabric.microsoft.com), from this file.
    #[arg(long, value_name = "PATH")]
    pub admin_fabric_token_file: Option<PathBuf>,
    /// The administrator's Microsoft Graph token (resource https://graph.microsoft.com), from this file.
    #[arg(long, value_name = "PATH")]
    pub admin_graph_token_file: Option<PathBuf>,
    /// The administrator's Power BI token (resource https://analysis.windows.net/powerbi/api),
    /// from this file: reads each --workspace's access list (GetGroupUsersAsAdmin).
    #[arg(long, value_name = "PATH")]
    pub admin_powerbi_token_file: Option<PathBuf>,
    /// Save the run as a redacted session file, for `pbi-doctor replay` or a support request.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// What this tenant must provide, e.g. admin-api, workspace=<id>, workspaces>=2,
    /// identity=application, role=Tenant.Read.All, role!=Tenant.Read.All, token-lifetime>=30,
    /// api=fabric, fabric-workspace=<id>.
    /// The run passes when every expectation holds. Repeatable.
    #[arg(long = "expect", value_name = "EXPECTATION", value_parser = crate::expect::parse_for_clap)]
    pub expectations: Vec<crate::expect::Expectation>,
    /// Whether warnings fail the run too.
    #[arg(long, value_enum, default_value_t = crate::expect::FailOn::Fail)]
    pub fail_on: crate::expect::FailOn,
    /// Admin API probes allowed per tenant and hour (its quota is 50); over it, the probe is
    /// skipped with a notice.
    #[arg(long, value_name = "N", default_value_t = crate::quota::DEFAULT_BUDGET)]
    pub admin_probe_budget: u32,
    /// Do not read or write the caches: admin probes made, tenants' clouds.
    #[arg(long)]
    pub no_cache: bool,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Seconds the whole run may take; checks not finished by then are reported as not judged.
    /// Default 60, or 1200 with --device-code (the sign-in waits for a person).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub deadline: Option<u64>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Flags of `pbi-doctor replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A session file written by `check --record` (`-` for standard input).
    #[arg(value_name = "FILE", conflicts_with_all = ["scenario", "list"])]
    pub file: Option<String>,
    /// Replay one of the shipped scenarios by name.
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// List the shipped scenarios.
    #[arg(long)]
    pub list: bool,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Flags of `pbi-doctor token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The token (`-` for standard input): a bare JWT, `Bearer …`, `Authorization: Bearer …` or a
    /// JSON token response. Prefer --file or stdin: an argument stays in your shell history.
    #[arg(value_name = "TOKEN", conflicts_with = "file")]
    pub token: Option<String>,
    /// Read the token from this file.
    #[arg(long, value_name = "PATH")]
    pub file: Option<String>,
    /// The tenant (id) the token should come from.
    #[arg(long, value_name = "TENANT")]
    pub expect_tenant: Option<String>,
    /// The application (client) id the token should have been issued to.
    #[arg(long, value_name = "APP_ID")]
    pub expect_client_id: Option<String>,
    /// The cloud the token should be for.
    #[arg(long, value_enum, ignore_case = true, default_value_t = Cloud::Public)]
    pub cloud: Cloud,
    /// The API the token is for: Power BI's (/v1.0/myorg), Fabric's (/v1), or both (say what it
    /// can call).
    #[arg(long = "for", value_enum, value_name = "API", default_value_t = crate::apis::Apis::Both)]
    pub for_api: crate::apis::Apis,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Flags of `pbi-doctor explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error text (`-` for standard input).
    #[arg(value_name = "TEXT", conflicts_with = "file")]
    pub text: Option<String>,
    /// Read the error text from this file.
    #[arg(long, value_name = "PATH")]
    pub file: Option<String>,
    /// The HTTP status, when the text lacks it.
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub status: Option<u16>,
    /// A response header, when the text lacks it: 'Name: value'. Repeatable.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// The URL that was called: tells an admin route from a workspace route.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The cloud (for a token found in the text) [default: the cloud of the URL in the text, else
    /// public].
    #[arg(long, value_enum, ignore_case = true)]
    pub cloud: Option<Cloud>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Arguments of `pbi-doctor completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `pbi-doctor man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The page of one command (`check` gives pbi-doctor-check.1) instead of the main page.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Flags of `pbi-doctor causes`.
#[derive(Debug, Args)]
pub struct CausesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

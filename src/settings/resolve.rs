//! Settings resolved in one place, in a fixed precedence: a flag first, then its azure-identity
//! variable, then the profile, then the ambient environment; for the credential, `--auth`, then
//! an explicit credential flag, then the profile's `auth`, then detection in the azure-identity
//! order. The environment is injected ([`Env`]), never read here.

use std::path::{Path, PathBuf};

use crate::cli::{CheckArgs, OutputArgs};
use crate::credential::CredentialKind;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::secret::{self, Secret};
use crate::settings::validate::{Given, Inputs, Origin, validate};
use crate::settings::{Credential, Settings, validate_endpoint, validate_workspaces};
use crate::{cloud, expect, fsio, profile, shape};

/// A secret kept in a file, without its trailing line break.
pub(crate) fn read_secret_file(path: &Path, what: &'static str) -> Result<Secret, DoctorError> {
    let text = fsio::read_file(path, what, fsio::Decoding::Strict)?;
    Ok(Secret::new(text.trim_end_matches(['\r', '\n']).to_owned()))
}

/// Picks the credential: `--auth`, else explicit flags, else the environment in the
/// azure-identity order (secret, certificate, federated token file), then GitHub Actions OIDC,
/// then the Azure CLI.
pub(crate) fn choose_credential(
    args: &CheckArgs,
    profile: &profile::Profile,
    env: &Env,
) -> Result<Credential, DoctorError> {
    let explicit: Vec<(&str, CredentialKind)> = [
        (
            args.token_file.is_some(),
            "--token-file",
            CredentialKind::TokenFile,
        ),
        (
            args.client_secret_file.is_some() || args.client_secret_stdin,
            "--client-secret-file/--client-secret-stdin",
            CredentialKind::ClientSecret,
        ),
        (
            args.certificate.is_some(),
            "--certificate",
            CredentialKind::Certificate,
        ),
        (
            args.federated_token_file.is_some(),
            "--federated-token-file",
            CredentialKind::Federated,
        ),
        (
            args.device_code,
            "--device-code",
            CredentialKind::DeviceCode,
        ),
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
        || env(crate::env_vars::AZURE_CLIENT_SECRET).is_some()
        || profile_has_secret;
    // A flag, then the variable azure-identity reads, then the profile.
    let certificate = args
        .certificate
        .clone()
        .or_else(|| env(crate::env_vars::AZURE_CLIENT_CERTIFICATE_PATH).map(PathBuf::from))
        .or_else(|| profile.certificate.clone());
    let federated = args
        .federated_token_file
        .clone()
        .or_else(|| env(crate::env_vars::AZURE_FEDERATED_TOKEN_FILE).map(PathBuf::from))
        .or_else(|| profile.federated_token_file.clone());
    let github = env(crate::env_vars::ACTIONS_ID_TOKEN_REQUEST_URL)
        .zip(env(crate::env_vars::ACTIONS_ID_TOKEN_REQUEST_TOKEN));
    let profile_auth = profile.auth;
    let kind = match (args.auth, explicit.first(), profile_auth) {
        (Some(auth), Some((flag, kind)), _) if auth != *kind => {
            return Err(DoctorError::Missing(format!(
                "--auth {} and {flag} disagree; give one",
                auth.signal()
            )));
        }
        (Some(auth), ..) => auth,
        (None, Some((_, kind)), _) => *kind,
        (None, None, Some(kind)) => kind,
        (None, None, None) if secret_available => CredentialKind::ClientSecret,
        (None, None, None) if certificate.is_some() => CredentialKind::Certificate,
        (None, None, None) if federated.is_some() => CredentialKind::Federated,
        (None, None, None) if github.is_some() => CredentialKind::GithubOidc,
        (None, None, None) if which("az", env).is_some() => CredentialKind::AzureCli,
        (None, None, None) => {
            return Err(DoctorError::Missing(
                "no credential: set AZURE_CLIENT_SECRET (with --client-id and --tenant), use --client-secret-file PATH, \
                 --certificate PATH, --federated-token-file PATH, --auth github-oidc, --auth azure-cli or --device-code, \
                 or diagnose an existing token with --token-file PATH"
                    .to_owned(),
            ));
        }
    };
    if args.token_file.is_some() && kind != CredentialKind::TokenFile {
        return Err(DoctorError::Missing("--token-file diagnoses a token you already have; it cannot be combined with --auth requesting a new one".to_owned()));
    }
    Ok(match kind {
        CredentialKind::TokenFile => {
            let source = args.token_file.clone().ok_or_else(|| {
                DoctorError::Missing(
                    "--auth token-file needs --token-file PATH (- for standard input)".to_owned(),
                )
            })?;
            if args.client_secret_stdin && source == "-" {
                return Err(DoctorError::StdinTwice);
            }
            let text = crate::fsio::read_source(&source, "the token")?;
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
        CredentialKind::ClientSecret => {
            let secret = if let Some(path) = &args.client_secret_file {
                read_secret_file(path, "the client secret")?
            } else if args.client_secret_stdin {
                Secret::new(
                    crate::fsio::read_source("-", "the client secret")?
                        .trim_end_matches(['\r', '\n'])
                        .to_owned(),
                )
            } else if let Some(secret) = profile_secret()?
                .or_else(|| env(crate::env_vars::AZURE_CLIENT_SECRET).map(Secret::new))
            {
                // A profile's reference wins: switching tenants must not pick up another one's
                // ambient secret.
                secret
            } else {
                return Err(DoctorError::Missing("--auth client-secret needs a client secret: set AZURE_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin".to_owned()));
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
        CredentialKind::Certificate => {
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
                .unwrap_or_else(|| crate::env_vars::AZURE_CLIENT_CERTIFICATE_PASSWORD.to_owned());
            Credential::Certificate {
                path: path.display().to_string(),
                bytes,
                password: env(&password_var).map(Secret::new),
            }
        }
        CredentialKind::Federated => Credential::FederatedFile(federated.ok_or_else(|| {
            DoctorError::Missing(
                "--auth federated needs --federated-token-file PATH or AZURE_FEDERATED_TOKEN_FILE"
                    .to_owned(),
            )
        })?),
        CredentialKind::GithubOidc => {
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
        CredentialKind::AzureCli => Credential::AzureCli {
            program: which("az", env).unwrap_or_else(|| "az".into()),
        },
        CredentialKind::DeviceCode => Credential::DeviceCode,
    })
}

/// The program on PATH, if there is one, found by this platform's rules (`az.cmd` on Windows).
pub(crate) fn which(program: &str, env: &Env) -> Option<std::path::PathBuf> {
    crate::credential::azure_cli::find_on_path(
        program,
        &env(crate::env_vars::PATH)?,
        env(crate::env_vars::PATHEXT).as_deref(),
        crate::env_vars::Platform::CURRENT,
        &|candidate| candidate.is_file(),
    )
}

/// The first value given, with its source; blank counts as not given, and a blank flag still
/// hides the variable and the profile (as it always has: `--tenant ""` is no tenant).
fn first_given(candidates: [(Option<String>, Origin); 3]) -> Option<Given> {
    candidates
        .into_iter()
        .find(|(value, _)| value.is_some())
        .and_then(|(value, origin)| {
            let value = value?.trim().to_owned();
            (!value.is_empty()).then_some(Given { value, origin })
        })
}

/// The settings of `check`, built once: profile, then every value given checked (tenant, client
/// id, workspaces, the files to write, endpoints), then the credential, then what the credential
/// needs. Nothing is read from a credential's files or standard input before the inputs pass.
pub(crate) fn resolve(args: &CheckArgs, env: &Env) -> Result<Settings, DoctorError> {
    if args.client_secret.is_some() {
        return Err(DoctorError::SecretOnCommandLine);
    }
    let profile = match &args.profile {
        Some(name) => {
            let path = args.profiles.clone().or_else(|| profile::default_path(env)).ok_or_else(|| {
                DoctorError::Missing("--profile needs a profiles file: give --profiles PATH or set PBI_DOCTOR_PROFILES".to_owned())
            })?;
            profile::load(&path, name).map_err(|e| DoctorError::Missing(e.to_string()))?
        }
        None => profile::Profile::default(),
    };
    let in_profile = |key: &'static str| Origin::Profile {
        key,
        name: profile.name.clone(),
        file: profile.source.clone(),
    };
    // Each value: its flag, then its azure-identity variable, then the profile.
    let tenant = first_given([
        (args.tenant.clone(), Origin::Flag("--tenant")),
        (
            env(crate::env_vars::AZURE_TENANT_ID),
            Origin::Variable(crate::env_vars::AZURE_TENANT_ID),
        ),
        (profile.tenant.clone(), in_profile("tenant")),
    ]);
    let client_id = first_given([
        (args.client_id.clone(), Origin::Flag("--client-id")),
        (
            env(crate::env_vars::AZURE_CLIENT_ID),
            Origin::Variable(crate::env_vars::AZURE_CLIENT_ID),
        ),
        (profile.client_id.clone(), in_profile("client_id")),
    ]);
    let (listed, origin) = if args.workspaces.is_empty() {
        (&profile.workspaces, in_profile("workspaces"))
    } else {
        (&args.workspaces, Origin::Flag("--workspace"))
    };
    let listed: Vec<Given> = listed
        .iter()
        .map(|id| Given {
            value: id.trim().to_owned(),
            origin: origin.clone(),
        })
        .collect();
    validate(
        &Inputs {
            tenant: tenant.clone(),
            client_id: client_id.clone(),
            workspaces: listed.clone(),
            outputs: Vec::new(),
        }
        .with_outputs(&args.output, args.record.as_deref()),
    )?;
    let cloud_given = args.cloud.or(profile.cloud);
    let cloud = cloud_given.unwrap_or(cloud::Cloud::Public);
    let authority_given = args
        .authority_host
        .clone()
        .or_else(|| env(crate::env_vars::AZURE_AUTHORITY_HOST))
        .or_else(|| profile.authority_host.clone());
    let api_given = args
        .powerbi_api
        .clone()
        .or_else(|| profile.powerbi_api.clone());
    let authority_host = validate_endpoint(
        "--authority-host",
        authority_given
            .as_deref()
            .unwrap_or_else(|| cloud.authority_host()),
    )?;
    let powerbi_api = validate_endpoint(
        "--powerbi-api",
        api_given.as_deref().unwrap_or_else(|| cloud.powerbi_api()),
    )?;
    let fabric_given = args
        .fabric_api
        .clone()
        .or_else(|| profile.fabric_api.clone());
    let fabric_api = validate_endpoint(
        "--fabric-api",
        fabric_given
            .as_deref()
            .unwrap_or_else(|| cloud.fabric_api()),
    )?;
    let graph_given = args.graph_api.clone().or_else(|| profile.graph_api.clone());
    let graph_api = validate_endpoint(
        "--graph-api",
        graph_given.as_deref().unwrap_or_else(|| cloud.graph_api()),
    )?;
    let admin = crate::second_look::resolve_admin(args, env)?;
    let credential = choose_credential(args, &profile, env)?;
    let tenant = tenant.map(|t| t.value);
    let client_id = client_id.map(|c| c.value);
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
    let secret_looks_like_guid =
        matches!(&credential, Credential::ClientSecret(s) if shape::is_guid(s.expose()));
    let mut workspaces: Vec<String> = listed.into_iter().map(|w| w.value).collect();
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
        authority_host,
        powerbi_api,
        fabric_api,
        apis: args.api,
        graph_api,
        admin,
        workspaces: validate_workspaces(&workspaces)?,
        skip_admin: args.skip_admin,
        authority_overridden: authority_given.is_some(),
        api_overridden: api_given.is_some(),
        fabric_overridden: fabric_given.is_some(),
        graph_overridden: graph_given.is_some(),
    })
}

/// The inputs of the offline commands checked before anything is read: the tenant and client id
/// a token is compared with (`token --expect-tenant/--expect-client-id`) and the files to write.
pub(crate) fn validate_offline(
    output: &OutputArgs,
    tenant: Option<&str>,
    client_id: Option<&str>,
) -> Result<(), DoctorError> {
    let given = |value: Option<&str>, flag| {
        value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|value| Given {
                value: value.to_owned(),
                origin: Origin::Flag(flag),
            })
    };
    validate(
        &Inputs {
            tenant: given(tenant, "--expect-tenant"),
            client_id: given(client_id, "--expect-client-id"),
            ..Inputs::default()
        }
        .with_outputs(output, None),
    )?;
    Ok(())
}

/// Settings for the offline commands: a given token, no endpoints called.
pub(crate) fn offline_settings(
    text: String,
    source: String,
    tenant: Option<String>,
    client_id: Option<String>,
    cloud: cloud::Cloud,
    apis: crate::apis::Apis,
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
        fabric_api: validate_endpoint("--fabric-api", cloud.fabric_api())?,
        apis,
        graph_api: validate_endpoint("--graph-api", cloud.graph_api())?,
        admin: None,
        workspaces: Vec::new(),
        skip_admin: true,
        detect_cloud: false,
        authority_overridden: false,
        api_overridden: false,
        fabric_overridden: false,
        graph_overridden: false,
    })
}

#[cfg(test)]
mod tests {
    //! Settings resolution as a table: every credential and every source of tenant and client id,
    //! from flags, a profile and an injected environment, and the refusals (two credentials,
    //! `--auth` disagreeing with a flag, a short secret, a secret on the command line, none).
    //!
    //! The environment is the `env` closure of each case: clap reads no variable, so nothing of
    //! the test process's own environment takes part.

    use std::path::{Path, PathBuf};

    use clap::Parser as _;

    use super::resolve;
    use crate::cli::{Cli, Command};
    use crate::error::DoctorError;
    use crate::settings::{Credential, Settings};

    const TENANT: &str = "contoso.onmicrosoft.com";
    const CLIENT: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
    const SECRET: &str = "Xq8Q~resolve.test.secret.value-0123456789";
    const OTHER_SECRET: &str = "Zz9Z~the.profile.secret.value-9876543210";
    const SALES: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";

    /// Files a run may be pointed at, in a folder of their own.
    struct Files {
        dir: PathBuf,
    }

    impl Files {
        fn new() -> Self {
            let dir =
                std::env::temp_dir().join(format!("pbi-doctor-resolve-{}", uuid::Uuid::new_v4()));
            let bin = dir.join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
            write("secret.txt", &format!("{SECRET}\r\n"));
            write("short-secret.txt", "abc123\n");
            write("empty-secret.txt", "\n");
            write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
            write("federated.jwt", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
            write("token.txt", "\"eyJ0eXAiOiJKV1QifQ.e30.c2lnbmF0dXJl\"\n");
            write(
                "profiles.toml",
                &format!(
                    "[profiles.device]\ntenant = \"fabrikam.onmicrosoft.com\"\nclient_id = \"9c3e1f2a-0000-4000-8000-00000000c001\"\nauth = \"device-code\"\n\
                     [profiles.contoso]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT}\"\nclient_secret_env = \"CONTOSO_SECRET\"\ncloud = \"usgov\"\nworkspaces = [\"{SALES}\"]\n\
                     [profiles.cert]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT}\"\ncertificate = \"cert.pem\"\n\
                     [profiles.typo]\ntenant = \"fabrikam\"\nclient_id = \"{CLIENT}\"\n\
                     [profiles.typo-workspace]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT}\"\nworkspaces = [\"Sales\"]\n"
                ),
            );
            // `which` looks for a file named az on PATH.
            let az = bin.join("az");
            std::fs::write(&az, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            Self { dir }
        }

        fn path(&self, name: &str) -> String {
            self.dir.join(name).display().to_string()
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// Parses `pbi-doctor check ARGS` (`{dir}` stands for the files' folder) and resolves it
    /// with this environment (`{dir}` likewise; blank values unset, as `main` gives them).
    fn resolve_with(
        files: &Files,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Settings, DoctorError> {
        let dir = files.dir.display().to_string();
        let fill = |s: &str| s.replace("{dir}", &dir);
        let argv = ["pbi-doctor", "check"]
            .into_iter()
            .map(str::to_owned)
            .chain(args.iter().map(|a| fill(a)));
        let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let Command::Check(check) = cli.command else {
            panic!("not check");
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), fill(v)))
            .collect();
        let lookup = move |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.trim().is_empty())
        };
        resolve(&check, &lookup)
    }

    /// The credential in one line: kind and what it holds (secrets shown, they are test values).
    fn describe(credential: &Credential) -> String {
        match credential {
            Credential::ClientSecret(s) => format!("secret {}", s.expose()),
            Credential::Certificate {
                path,
                bytes,
                password,
            } => format!(
                "certificate {path} ({} bytes, password {})",
                bytes.len(),
                password.as_ref().map_or("none", |p| p.expose())
            ),
            Credential::FederatedFile(path) => format!("federated {}", path.display()),
            Credential::GithubOidc {
                request_url,
                request_token,
                audience,
            } => format!(
                "github-oidc {request_url} {} {audience}",
                request_token.expose()
            ),
            Credential::AzureCli { program } => format!("azure-cli {}", program.display()),
            Credential::DeviceCode => "device-code".to_owned(),
            Credential::Token { text, source } => {
                format!("token from {source}: {}", text.expose().trim())
            }
            Credential::Replayed { kind, .. } => format!("replayed {}", kind.signal()),
        }
    }

    /// A case: its name, the arguments, the environment, and the credential or error words.
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

    const WHO: [&str; 4] = ["--tenant", TENANT, "--client-id", CLIENT];
    const AZ_PATH: (&str, &str) = ("PATH", "/nonexistent:{dir}/bin");
    const GITHUB: [(&str, &str); 2] = [
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "https://pipelines.actions.githubusercontent.com/0a1b2c3d4e5f/idtoken",
        ),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "github-request-token-value",
        ),
    ];
    const GITHUB_WORDS: &str = "github-oidc https://pipelines.actions.githubusercontent.com/0a1b2c3d4e5f/idtoken github-request-token-value api://AzureADTokenExchange";

    #[test]
    fn every_credential_from_every_source() {
        let files = Files::new();
        let secret = ("AZURE_CLIENT_SECRET", SECRET);
        let cert_env = ("AZURE_CLIENT_CERTIFICATE_PATH", "{dir}/cert.pem");
        let fed_env = ("AZURE_FEDERATED_TOKEN_FILE", "{dir}/federated.jwt");
        let dir = files.dir.display().to_string();
        let cert = format!("certificate {dir}/cert.pem (28 bytes, password none)");
        let fed = format!("federated {dir}/federated.jwt");
        let az = format!("azure-cli {dir}/bin/az");
        let token =
            format!("token from file {dir}/token.txt: \"eyJ0eXAiOiJKV1QifQ.e30.c2lnbmF0dXJl\"");
        let secret_words = format!("secret {SECRET}");
        #[rustfmt::skip]
        let table: Vec<Case<'_>> = vec![
            // --auth, each kind.
            ("--auth secret", vec!["--auth", "secret"], vec![secret], &secret_words),
            ("--auth certificate", vec!["--auth", "certificate", "--certificate", "{dir}/cert.pem"], vec![], &cert),
            ("--auth federated", vec!["--auth", "federated", "--federated-token-file", "{dir}/federated.jwt"], vec![], &fed),
            ("--auth github-oidc", vec!["--auth", "github-oidc"], GITHUB.to_vec(), GITHUB_WORDS),
            ("--auth azure-cli", vec!["--auth", "azure-cli"], vec![AZ_PATH], &az),
            ("--auth azure-cli, no az on PATH", vec!["--auth", "azure-cli"], vec![], "azure-cli az"),
            ("--auth device-code", vec!["--auth", "device-code"], vec![], "device-code"),
            ("--auth token", vec!["--auth", "token", "--token-file", "{dir}/token.txt"], vec![], &token),
            // --auth wins over what the environment would pick.
            ("--auth device-code over a secret", vec!["--auth", "device-code"], vec![secret], "device-code"),
            ("--auth azure-cli over GitHub", vec!["--auth", "azure-cli"], vec![GITHUB[0], GITHUB[1], AZ_PATH], &az),
            // An explicit credential flag, no --auth.
            ("--client-secret-file", vec!["--client-secret-file", "{dir}/secret.txt"], vec![], &secret_words),
            ("--client-secret-file over AZURE_CLIENT_SECRET", vec!["--client-secret-file", "{dir}/secret.txt"], vec![("AZURE_CLIENT_SECRET", OTHER_SECRET)], &secret_words),
            ("--certificate", vec!["--certificate", "{dir}/cert.pem"], vec![], &cert),
            ("--certificate over AZURE_CLIENT_SECRET", vec!["--certificate", "{dir}/cert.pem"], vec![secret], &cert),
            ("--federated-token-file", vec!["--federated-token-file", "{dir}/federated.jwt"], vec![secret], &fed),
            ("--device-code", vec!["--device-code"], vec![secret], "device-code"),
            ("--token-file", vec!["--token-file", "{dir}/token.txt"], vec![secret], &token),
            ("--device-code with --auth device-code", vec!["--device-code", "--auth", "device-code"], vec![], "device-code"),
            // The profile's auth.
            ("profile auth", vec!["--profiles", "{dir}/profiles.toml", "--profile", "device"], vec![secret], "device-code"),
            // Detection, in the azure-identity order.
            ("AZURE_CLIENT_SECRET", vec![], vec![secret, cert_env, fed_env, GITHUB[0], GITHUB[1], AZ_PATH], &secret_words),
            ("AZURE_CLIENT_CERTIFICATE_PATH", vec![], vec![cert_env, fed_env, GITHUB[0], GITHUB[1], AZ_PATH], &cert),
            ("AZURE_FEDERATED_TOKEN_FILE", vec![], vec![fed_env, GITHUB[0], GITHUB[1], AZ_PATH], &fed),
            ("GitHub Actions OIDC", vec![], vec![GITHUB[0], GITHUB[1], AZ_PATH], GITHUB_WORDS),
            ("az on PATH", vec![], vec![AZ_PATH], &az),
            ("a profile's certificate", vec!["--profiles", "{dir}/profiles.toml", "--profile", "cert"], vec![GITHUB[0], GITHUB[1]], &cert),
        ];
        for (name, args, env, want) in table {
            let args: Vec<&str> = WHO.iter().copied().chain(args).collect();
            match resolve_with(&files, &args, &env) {
                Ok(settings) => assert_eq!(describe(&settings.credential), want, "{name}"),
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }

    #[test]
    fn one_github_variable_alone_is_not_github() {
        let files = Files::new();
        let err = resolve_with(&files, &WHO, &[GITHUB[0]]).unwrap_err();
        assert!(err.to_string().starts_with("no credential:"), "{err}");
    }

    #[test]
    fn the_refusals_say_what_is_wrong() {
        let files = Files::new();
        let secret = ("AZURE_CLIENT_SECRET", SECRET);
        #[rustfmt::skip]
        let table: Vec<Case<'_>> = vec![
            ("no credential", vec![], vec![("PATH", "/nonexistent")],
             "no credential: set AZURE_CLIENT_SECRET (with --client-id and --tenant)"),
            ("two credential flags", vec!["--certificate", "{dir}/cert.pem", "--device-code"], vec![],
             "--certificate and --device-code both name a credential; give one"),
            ("a token and a secret file", vec!["--token-file", "{dir}/token.txt", "--client-secret-file", "{dir}/secret.txt"], vec![],
             "--token-file and --client-secret-file/--client-secret-stdin both name a credential"),
            ("--auth disagreeing with a flag", vec!["--auth", "certificate", "--client-secret-file", "{dir}/secret.txt"], vec![],
             "--auth certificate and --client-secret-file/--client-secret-stdin disagree; give one"),
            ("--auth disagreeing with --device-code", vec!["--auth", "secret", "--device-code"], vec![secret],
             "--auth client-secret and --device-code disagree; give one"),
            ("--auth secret without a secret", vec!["--auth", "secret"], vec![],
             "--auth client-secret needs a client secret"),
            ("--auth certificate without one", vec!["--auth", "certificate"], vec![],
             "--auth certificate needs --certificate PATH or AZURE_CLIENT_CERTIFICATE_PATH"),
            ("--auth federated without a file", vec!["--auth", "federated"], vec![],
             "--auth federated needs --federated-token-file PATH or AZURE_FEDERATED_TOKEN_FILE"),
            ("--auth github-oidc outside GitHub", vec!["--auth", "github-oidc"], vec![GITHUB[0]],
             "--auth github-oidc needs ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
            ("--auth token without a file", vec!["--auth", "token"], vec![],
             "--auth token-file needs --token-file PATH"),
            ("a short secret", vec![], vec![("AZURE_CLIENT_SECRET", "abc123")],
             "the client secret is shorter than 8 characters"),
            ("a short secret file", vec!["--client-secret-file", "{dir}/short-secret.txt"], vec![],
             "the client secret is shorter than 8 characters"),
            ("an empty secret file", vec!["--client-secret-file", "{dir}/empty-secret.txt"], vec![],
             "the client secret is empty"),
            ("no tenant", vec!["--client-id", CLIENT], vec![secret], "no tenant:"),
            ("no client id", vec!["--tenant", TENANT], vec![secret], "no client id:"),
            ("a blank tenant", vec!["--tenant", "  ", "--client-id", CLIENT], vec![secret], "no tenant:"),
            ("a workspace that is not a GUID", vec!["--tenant", TENANT, "--client-id", CLIENT, "--workspace", "Sales"], vec![secret],
             "Sales"),
            ("plain http to a remote authority", vec!["--tenant", TENANT, "--client-id", CLIENT, "--authority-host", "http://login.example.com"], vec![secret],
             "--authority-host \"http://login.example.com\" is not usable"),
            ("an unknown profile", vec!["--tenant", TENANT, "--client-id", CLIENT, "--profiles", "{dir}/profiles.toml", "--profile", "nope"], vec![secret],
             "no profile is named \"nope\""),
            ("a tenant that is no tenant", vec!["--tenant", "contoso", "--client-id", CLIENT], vec![secret],
             "--tenant \"contoso\" is neither a tenant id (GUID) nor a domain; did you mean contoso.onmicrosoft.com?"),
            ("a tenant variable that is no tenant", vec!["--client-id", CLIENT], vec![secret, ("AZURE_TENANT_ID", "contoso")],
             "AZURE_TENANT_ID \"contoso\" is neither"),
            ("a profile's tenant that is no tenant", vec!["--profiles", "{dir}/profiles.toml", "--profile", "typo"], vec![secret],
             "/profiles.toml: profile \"typo\": tenant \"fabrikam\" is neither a tenant id (GUID) nor a domain; did you mean fabrikam.onmicrosoft.com?"),
            ("a client id that is a name", vec!["--tenant", TENANT, "--client-id", "my-powerbi-app"], vec![secret],
             "--client-id \"my-powerbi-app\" is not an application (client) id"),
            ("a client id variable that is a name", vec!["--tenant", TENANT], vec![secret, ("AZURE_CLIENT_ID", "my-powerbi-app")],
             "AZURE_CLIENT_ID \"my-powerbi-app\" is not an application (client) id"),
            ("a profile's workspace that is a name", vec!["--profiles", "{dir}/profiles.toml", "--profile", "typo-workspace"], vec![secret],
             "profile \"typo-workspace\": workspaces \"Sales\" is not a workspace id"),
            ("a record file in no folder", vec!["--tenant", TENANT, "--client-id", CLIENT, "--record", "{dir}/no/such/session.json"], vec![secret],
             "/no/such does not exist"),
            // Checked before the credential is read: a missing token file is not reached.
            ("a bad tenant and a missing token file", vec!["--tenant", "contoso", "--token-file", "{dir}/missing.txt"], vec![],
             "--tenant \"contoso\" is neither"),
        ];
        for (name, args, env, want) in table {
            match resolve_with(&files, &args, &env) {
                Ok(s) => panic!("{name}: resolved to {}", describe(&s.credential)),
                Err(e) => assert!(e.to_string().contains(want), "{name}: {e}"),
            }
        }
    }

    #[test]
    fn a_secret_on_the_command_line_is_refused_with_or_without_a_value() {
        let files = Files::new();
        for args in [
            &["--client-secret", SECRET][..],
            &["--client-secret"][..],
            &["--client-secret", SECRET, "--auth", "device-code"][..],
        ] {
            let args: Vec<&str> = WHO.iter().copied().chain(args.iter().copied()).collect();
            let err = resolve_with(&files, &args, &[("AZURE_CLIENT_SECRET", SECRET)]).unwrap_err();
            assert!(
                matches!(err, DoctorError::SecretOnCommandLine),
                "{args:?}: {err}"
            );
            assert!(!err.to_string().contains(SECRET), "{err}");
        }
    }

    #[test]
    fn tenant_client_id_cloud_and_workspaces_come_from_flags_then_the_profile() {
        let files = Files::new();
        let profile = ["--profiles", "{dir}/profiles.toml", "--profile", "contoso"];
        let env = [
            ("CONTOSO_SECRET", OTHER_SECRET),
            ("AZURE_CLIENT_SECRET", SECRET),
        ];
        // All from the profile; its secret reference wins over the ambient secret.
        let s = resolve_with(&files, &profile, &env).unwrap();
        assert_eq!(s.tenant.as_deref(), Some(TENANT));
        assert_eq!(s.client_id.as_deref(), Some(CLIENT));
        assert_eq!(s.cloud, crate::cloud::Cloud::Usgov);
        assert!(!s.detect_cloud, "a profile's cloud is a given cloud");
        // GCC signs in at the public authority; its API is its own.
        assert_eq!(s.powerbi_api.as_str(), "https://api.powerbigov.us/");
        assert_eq!(s.workspaces, [SALES]);
        assert_eq!(describe(&s.credential), format!("secret {OTHER_SECRET}"));
        // Flags win over the profile, one by one.
        let other_ws = "3d9b93c6-7b6d-4801-a491-1738910904fd";
        let args: Vec<&str> = profile
            .iter()
            .copied()
            .chain([
                "--tenant",
                " 72f988bf-0000-4000-8000-000000000001 ",
                "--client-id",
                "9c3e1f2a-0000-4000-8000-00000000c001",
                "--cloud",
                "public",
                "--workspace",
                other_ws,
            ])
            .collect();
        let s = resolve_with(&files, &args, &env).unwrap();
        assert_eq!(
            s.tenant.as_deref(),
            Some("72f988bf-0000-4000-8000-000000000001"),
            "trimmed"
        );
        assert_eq!(
            s.client_id.as_deref(),
            Some("9c3e1f2a-0000-4000-8000-00000000c001")
        );
        assert_eq!(s.cloud, crate::cloud::Cloud::Public);
        assert_eq!(s.workspaces, [other_ws]);
        // The azure-identity variables sit between the flags and the profile.
        let with_vars = [
            env[0],
            env[1],
            ("AZURE_TENANT_ID", "fabrikam.onmicrosoft.com"),
            ("AZURE_CLIENT_ID", "9c3e1f2a-0000-4000-8000-00000000c002"),
            ("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9"),
        ];
        let s = resolve_with(&files, &profile, &with_vars).unwrap();
        assert_eq!(s.tenant.as_deref(), Some("fabrikam.onmicrosoft.com"));
        assert_eq!(
            s.client_id.as_deref(),
            Some("9c3e1f2a-0000-4000-8000-00000000c002")
        );
        assert_eq!(s.authority_host.as_str(), "http://127.0.0.1:9/");
        let s = resolve_with(&files, &args, &with_vars).unwrap();
        assert_eq!(
            s.tenant.as_deref(),
            Some("72f988bf-0000-4000-8000-000000000001"),
            "a flag wins over its variable"
        );
    }

    #[test]
    fn defaults_without_a_profile() {
        let files = Files::new();
        let expect = format!("workspace={SALES}");
        let args: Vec<&str> = WHO
            .iter()
            .copied()
            .chain(["--expect", expect.as_str()])
            .collect();
        let s = resolve_with(&files, &args, &[("AZURE_CLIENT_SECRET", SECRET)]).unwrap();
        assert_eq!(s.cloud, crate::cloud::Cloud::Public);
        assert!(
            s.detect_cloud,
            "no --cloud: the tenant's configuration tells"
        );
        assert!(!s.authority_overridden && !s.api_overridden);
        assert_eq!(
            s.authority_host.as_str(),
            "https://login.microsoftonline.com/"
        );
        assert_eq!(s.powerbi_api.as_str(), "https://api.powerbi.com/");
        assert_eq!(s.fabric_api.as_str(), "https://api.fabric.microsoft.com/");
        assert_eq!(s.apis, crate::apis::Apis::Both);
        // A detected cloud moves the Fabric host with it; a given one stays.
        assert_eq!(
            s.with_cloud(crate::cloud::Cloud::Usgovhigh)
                .fabric_api
                .as_str(),
            "https://api.high.powerbigov.us/"
        );
        let given: Vec<&str> = args
            .iter()
            .copied()
            .chain(["--fabric-api", "http://127.0.0.1:8080", "--api", "fabric"])
            .collect();
        let g = resolve_with(&files, &given, &[("AZURE_CLIENT_SECRET", SECRET)]).unwrap();
        assert_eq!(g.fabric_api.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(g.apis, crate::apis::Apis::Fabric);
        assert_eq!(
            g.with_cloud(crate::cloud::Cloud::Usgov).fabric_api.as_str(),
            "http://127.0.0.1:8080/"
        );
        // Given, even as the public cloud's own host: it stays, as --powerbi-api does.
        let public: Vec<&str> = args
            .iter()
            .copied()
            .chain(["--fabric-api", "https://api.fabric.microsoft.com"])
            .chain(["--graph-api", "https://graph.microsoft.com"])
            .collect();
        let p = resolve_with(&files, &public, &[("AZURE_CLIENT_SECRET", SECRET)]).unwrap();
        let moved = p.with_cloud(crate::cloud::Cloud::Usgovhigh);
        assert_eq!(
            moved.fabric_api.as_str(),
            "https://api.fabric.microsoft.com/"
        );
        assert_eq!(moved.graph_api.as_str(), "https://graph.microsoft.com/");
        assert_eq!(
            s.with_cloud(crate::cloud::Cloud::Usgovhigh)
                .graph_api
                .as_str(),
            "https://graph.microsoft.us/"
        );
        let plain: Vec<&str> = args
            .iter()
            .copied()
            .chain(["--fabric-api", "http://fabric.example.com"])
            .collect();
        let err = resolve_with(&files, &plain, &[("AZURE_CLIENT_SECRET", SECRET)]).unwrap_err();
        assert!(err.to_string().contains("--fabric-api"), "{err}");
        assert!(!s.skip_admin);
        assert!(!s.secret_looks_like_guid);
        // `--expect workspace=<id>` is probed.
        assert_eq!(s.workspaces, [SALES]);
    }

    #[test]
    fn a_secret_shaped_like_a_guid_is_noted() {
        let files = Files::new();
        let s = resolve_with(
            &files,
            &WHO,
            &[(
                "AZURE_CLIENT_SECRET",
                "5b2e7c1d-0000-4000-8000-00000000a001",
            )],
        )
        .unwrap();
        assert!(s.secret_looks_like_guid);
    }

    #[test]
    fn tokens_and_the_azure_cli_need_no_tenant_or_client_id() {
        let files = Files::new();
        let s = resolve_with(&files, &["--token-file", "{dir}/token.txt"], &[]).unwrap();
        assert!(s.tenant.is_none() && s.client_id.is_none());
        assert!(!s.detect_cloud, "a given token is judged as given");
        let s = resolve_with(&files, &["--auth", "azure-cli"], &[AZ_PATH]).unwrap();
        assert!(matches!(s.credential, Credential::AzureCli { .. }));
        assert!(s.tenant.is_none());
    }

    #[test]
    fn a_certificate_password_comes_from_its_variable() {
        let files = Files::new();
        let args: Vec<&str> = WHO
            .iter()
            .copied()
            .chain(["--certificate", "{dir}/cert.pem"])
            .collect();
        let s = resolve_with(
            &files,
            &args,
            &[("AZURE_CLIENT_CERTIFICATE_PASSWORD", "pfx-password-value")],
        )
        .unwrap();
        assert!(
            describe(&s.credential).ends_with("password pfx-password-value)"),
            "{}",
            describe(&s.credential)
        );
    }

    #[test]
    fn an_explicit_certificate_flag_wins_even_when_the_variable_is_set() {
        // A flag given on the command line is explicit: it wins over a secret in the environment
        // and over the variable naming another file.
        let files = Files::new();
        let args: Vec<&str> = WHO
            .iter()
            .copied()
            .chain(["--certificate", "{dir}/cert.pem"])
            .collect();
        let s = resolve_with(
            &files,
            &args,
            &[
                ("AZURE_CLIENT_CERTIFICATE_PATH", "{dir}/other.pem"),
                ("AZURE_CLIENT_SECRET", SECRET),
            ],
        )
        .unwrap();
        assert!(
            matches!(s.credential, Credential::Certificate { .. }),
            "{}",
            describe(&s.credential)
        );
    }

    #[test]
    fn files_are_read_from_where_they_were_named() {
        // Guards the Files helper: a case passing for the wrong reason would show here.
        let files = Files::new();
        assert!(Path::new(&files.path("bin/az")).is_file());
        assert!(Path::new(&files.path("profiles.toml")).is_file());
    }
}

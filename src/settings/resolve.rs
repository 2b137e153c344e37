//! Settings resolved in one place, in a fixed precedence: a flag (or the variable clap reads for
//! it) first, then the profile, then the ambient environment; for the credential, `--auth`, then
//! an explicit credential flag, then the profile's `auth`, then detection in the azure-identity
//! order. The environment is injected ([`Env`]), never read here.

use std::path::Path;

use crate::cli::CheckArgs;
use crate::credential::CredentialKind;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::secret::{self, Secret};
use crate::settings::{Credential, Settings, validate_endpoint, validate_workspaces};
use crate::{cloud, expect, fsio, profile, shape};

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
            args.certificate.is_some()
                && env(crate::env_vars::AZURE_CLIENT_CERTIFICATE_PATH).is_none(),
            "--certificate",
            CredentialKind::Certificate,
        ),
        (
            args.federated_token_file.is_some()
                && env(crate::env_vars::AZURE_FEDERATED_TOKEN_FILE).is_none(),
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
    let certificate = args
        .certificate
        .clone()
        .or_else(|| profile.certificate.clone());
    let federated = args
        .federated_token_file
        .clone()
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

/// The program on PATH, if there is one.
pub(crate) fn which(program: &str, env: &Env) -> Option<std::path::PathBuf> {
    let path = env(crate::env_vars::PATH)?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

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
    let credential = choose_credential(args, &profile, env)?;
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
        authority_overridden: authority_given.is_some(),
        api_overridden: api_given.is_some(),
    })
}

/// Settings for the offline commands: a given token, no endpoints called.
pub(crate) fn offline_settings(
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
        detect_cloud: false,
        authority_overridden: false,
        api_overridden: false,
    })
}

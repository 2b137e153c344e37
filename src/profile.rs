//! Named profiles (`--profile NAME`): the settings of one tenant and app kept in a TOML file, one
//! table per name, so a run is `pbi-doctor check --profile contoso` instead of a line of flags.
//!
//! ```toml
//! [profiles.contoso]
//! tenant = "contoso.onmicrosoft.com"
//! client_id = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90"
//! auth = "client-secret"       # client-secret | certificate | federated | github-oidc | azure-cli | device-code | token-file
//! cloud = "public"             # public | usgov (gcc) | usgovhigh (gcc-high) | usdod (dod) | china (mooncake)
//! client_secret_env = "CONTOSO_SECRET"
//! workspaces = ["f089354e-8366-4e18-aea3-4cb4a3a50b48"]
//! ```
//!
//! Other keys: `client_secret_file`, `certificate`, `certificate_password_env`,
//! `federated_token_file`, `token_file`, `authority_host`, `powerbi_api`, `fabric_api`. Paths that are relative
//! are taken from the profiles file's folder; `~` is not expanded.
//!
//! Secrets are referenced, never stored: a key that would hold one (`client_secret`, `password`,
//! `certificate_password`, `token`, …) is refused wherever it appears, with what to write
//! instead, and no message ever repeats its value. Unknown keys are refused too, so a typo is
//! named instead of silently ignored.
//!
//! Where the file is: [`default_path`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cloud::Cloud;
use crate::credential::CredentialKind;
use crate::env_vars::{self, Platform};

/// The variable naming the profiles file, ahead of the usual places.
pub(crate) const PROFILES_VARIABLE: &str = "PBI_DOCTOR_PROFILES";

/// One profile, as read. Everything is optional: flags and variables fill in the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The profile's name.
    pub name: String,
    /// The file it was read from.
    pub source: PathBuf,
    /// Tenant id or verified domain.
    pub tenant: Option<String>,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// How to get a token (checked when the file is read).
    pub auth: Option<CredentialKind>,
    /// The cloud.
    pub cloud: Option<Cloud>,
    /// The environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// The file holding the client secret.
    pub client_secret_file: Option<PathBuf>,
    /// The certificate (PEM or PFX) with its private key.
    pub certificate: Option<PathBuf>,
    /// The environment variable holding the certificate's password.
    pub certificate_password_env: Option<String>,
    /// The file holding a federated (workload identity) token.
    pub federated_token_file: Option<PathBuf>,
    /// The file holding an access token to diagnose.
    pub token_file: Option<PathBuf>,
    /// The authority host, overriding the cloud's.
    pub authority_host: Option<String>,
    /// The Power BI API base, overriding the cloud's.
    pub powerbi_api: Option<String>,
    /// The Fabric API base, overriding the cloud's.
    pub fabric_api: Option<String>,
    /// The Microsoft Graph base, overriding the cloud's.
    pub graph_api: Option<String>,
    /// Workspaces to probe.
    pub workspaces: Vec<String>,
}

/// Why a profile could not be loaded. No message carries the value of a secret.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProfileError {
    /// The file could not be read.
    #[error("cannot read the profiles file {}: {source}{}", .path.display(), read_hint(.source))]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a value has the wrong type, or a key is unknown.
    #[error("{}, line {line}, column {column}: {message}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong (the parser's message, without a quote of the line).
        message: String,
    },
    /// A key would store a secret in the file.
    #[error(
        "{}{}: `{key}` in [{table}] holds a secret, and secrets are not kept in the profiles file \
         (its value is not shown here). Remove it and reference the secret instead: {instead}",
        .path.display(),
        .line.map(|l| format!(", line {l}")).unwrap_or_default()
    )]
    StoredSecret {
        /// The file.
        path: PathBuf,
        /// The line of the key, when found.
        line: Option<usize>,
        /// The table holding the key, e.g. `profiles.contoso`.
        table: String,
        /// The key, as written.
        key: String,
        /// What to write instead.
        instead: &'static str,
    },
    /// No profile has this name.
    #[error("{}: no profile is named {name:?}{}", .path.display(), unknown_text(.name, .available))]
    UnknownProfile {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The names the file has, sorted.
        available: Vec<String>,
    },
    /// A value is present but unusable.
    #[error("{}: profile {profile:?}: `{key}` {reason}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// The key.
        key: &'static str,
        /// What is wrong and what to do (never the value).
        reason: &'static str,
    },
}

fn read_hint(error: &std::io::Error) -> &'static str {
    if error.kind() == std::io::ErrorKind::NotFound {
        ". Create it with a [profiles.NAME] table, or point PBI_DOCTOR_PROFILES at the file that has one"
    } else if error.kind() == std::io::ErrorKind::InvalidData {
        // Too large or not text: the message already says what is wrong.
        ". Check that PBI_DOCTOR_PROFILES or --profiles names the profiles file"
    } else {
        ". Check the path and its permissions"
    }
}

/// After "no profile is named X": the closest names, then every name.
fn unknown_text(name: &str, names: &[String]) -> String {
    let closest = crate::suggest::closest(name, names.iter().map(String::as_str));
    format!(
        "{} {}",
        crate::suggest::did_you_mean(&closest),
        available_text(names)
    )
}

fn available_text(names: &[String]) -> String {
    if names.is_empty() {
        "The file has no profiles: add a [profiles.NAME] table".to_owned()
    } else {
        format!("The profiles are: {}", names.join(", "))
    }
}

/// Keys that would hold a secret (compared case-insensitively, `-` as `_`), and what to write
/// instead.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("client_secret", CLIENT_SECRET_INSTEAD),
    ("client_secret_value", CLIENT_SECRET_INSTEAD),
    ("secret", CLIENT_SECRET_INSTEAD),
    ("password", CERTIFICATE_PASSWORD_INSTEAD),
    ("certificate_password", CERTIFICATE_PASSWORD_INSTEAD),
    ("pfx_password", CERTIFICATE_PASSWORD_INSTEAD),
    ("token", TOKEN_INSTEAD),
    ("access_token", TOKEN_INSTEAD),
    ("refresh_token", TOKEN_INSTEAD),
    ("bearer", TOKEN_INSTEAD),
    ("client_assertion", FEDERATED_INSTEAD),
    ("federated_token", FEDERATED_INSTEAD),
    ("id_token", FEDERATED_INSTEAD),
];

const CLIENT_SECRET_INSTEAD: &str = "the name of an environment variable with client_secret_env = \"VARIABLE\", \
     or a file with client_secret_file = \"PATH\"";
const CERTIFICATE_PASSWORD_INSTEAD: &str = "the name of an environment variable holding the certificate's password with \
     certificate_password_env = \"VARIABLE\"";
const TOKEN_INSTEAD: &str =
    "a file holding the token with token_file = \"PATH\" (or give --token-file)";
const FEDERATED_INSTEAD: &str =
    "a file holding the federated token with federated_token_file = \"PATH\"";

fn secret_key(key: &str) -> Option<&'static str> {
    let normal = key.trim().to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS
        .iter()
        .find(|(k, _)| *k == normal)
        .map(|(_, instead)| *instead)
}

/// The file as written: `[profiles.NAME]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    tenant: Option<String>,
    client_id: Option<String>,
    auth: Option<CredentialKind>,
    cloud: Option<Cloud>,
    client_secret_env: Option<String>,
    client_secret_file: Option<String>,
    certificate: Option<String>,
    certificate_password_env: Option<String>,
    federated_token_file: Option<String>,
    token_file: Option<String>,
    authority_host: Option<String>,
    powerbi_api: Option<String>,
    fabric_api: Option<String>,
    graph_api: Option<String>,
    #[serde(default)]
    workspaces: Vec<String>,
}

/// Where the profiles file is, from the environment (`env` reads a variable):
/// `PBI_DOCTOR_PROFILES`, else `$XDG_CONFIG_HOME/pbi-doctor/profiles.toml`, else (on Windows)
/// `%APPDATA%\pbi-doctor\profiles.toml`, else `$HOME/.config/pbi-doctor/profiles.toml`. `None`
/// when none of these variables is set. The file may not exist.
pub(crate) fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    path_for(env, Platform::CURRENT)
}

/// [`default_path`] with the platform given: the same environment gives `%APPDATA%` only on
/// Windows.
pub(crate) fn path_for(
    env: &dyn Fn(&str) -> Option<String>,
    platform: Platform,
) -> Option<PathBuf> {
    if let Some(path) = env(PROFILES_VARIABLE).filter(|v| !v.trim().is_empty()) {
        return Some(PathBuf::from(path));
    }
    config_folder(env, platform).map(|folder| platform.join(&folder, &["profiles.toml"]))
}

/// The folder of the profiles file, where the admin-probe cache is kept too: the folder of
/// `PBI_DOCTOR_PROFILES` when it is set, else the configuration folder.
pub(crate) fn folder_for(
    env: &dyn Fn(&str) -> Option<String>,
    platform: Platform,
) -> Option<PathBuf> {
    if let Some(path) = env(PROFILES_VARIABLE).filter(|v| !v.trim().is_empty()) {
        return Path::new(&path).parent().map(Path::to_path_buf);
    }
    config_folder(env, platform).map(PathBuf::from)
}

/// pbi-doctor's configuration folder: `$XDG_CONFIG_HOME/pbi-doctor` (when absolute), else on
/// Windows `%APPDATA%\pbi-doctor`, else `$HOME/.config/pbi-doctor`.
fn config_folder(env: &dyn Fn(&str) -> Option<String>, platform: Platform) -> Option<String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let folder = |base: &str, parts: &[&str]| platform.join(base, parts).display().to_string();
    // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
    if let Some(xdg) = var(env_vars::XDG_CONFIG_HOME).filter(|v| platform.is_absolute(v)) {
        return Some(folder(&xdg, &["pbi-doctor"]));
    }
    if platform == Platform::Windows
        && let Some(appdata) = var(env_vars::APPDATA)
    {
        return Some(folder(&appdata, &["pbi-doctor"]));
    }
    var(env_vars::HOME).map(|home| folder(&home, &[".config", "pbi-doctor"]))
}

/// The 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

fn syntax(path: &Path, text: &str, error: &toml::de::Error) -> ProfileError {
    let (line, column) = error
        .span()
        .map(|span| line_column(text, span.start))
        .unwrap_or((1, 1));
    ProfileError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message: error.message().trim().to_owned(),
    }
}

/// The line a key is written on, when it starts a line (`key = …`, `"key" = …`).
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")));
            rest.is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The first key anywhere in the document that would hold a secret.
fn find_secret(table: &toml::Table, at: &str) -> Option<(String, String, &'static str)> {
    for (key, value) in table {
        if let Some(instead) = secret_key(key) {
            let where_ = if at.is_empty() {
                "top level".to_owned()
            } else {
                at.to_owned()
            };
            return Some((where_, key.clone(), instead));
        }
        let inner = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        let found = match value {
            toml::Value::Table(t) => find_secret(t, &inner),
            toml::Value::Array(items) => items.iter().find_map(|item| match item {
                toml::Value::Table(t) => find_secret(t, &inner),
                _ => None,
            }),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Reads profile `name` from the file at `path`.
pub(crate) fn load(path: &Path, name: &str) -> Result<Profile, ProfileError> {
    let text =
        crate::fsio::read_file_text(path, crate::fsio::INPUT_CAP, crate::fsio::Decoding::Lossy)
            .map_err(|e| ProfileError::Read {
                path: path.to_owned(),
                source: e.into_io(),
            })?;
    parse(&text, path, name)
}

/// Reads profile `name` from the text of a profiles file; `path` names it in messages and anchors
/// relative paths.
fn parse(text: &str, path: &Path, name: &str) -> Result<Profile, ProfileError> {
    // 1. Syntax, 2. stored secrets (before any value is looked at), 3. keys and types.
    let document: toml::Table = toml::from_str(text).map_err(|e| syntax(path, text, &e))?;
    if let Some((table, key, instead)) = find_secret(&document, "") {
        return Err(ProfileError::StoredSecret {
            path: path.to_owned(),
            line: key_line(text, &key),
            table,
            key,
            instead,
        });
    }
    let file: ProfilesFile = toml::from_str(text).map_err(|e| {
        let mut error = syntax(path, text, &e);
        if let ProfileError::Syntax { message, .. } = &mut error
            && message.ends_with("expected `profiles`")
        {
            message.push_str("; write each profile as a [profiles.NAME] table");
        }
        error
    })?;
    let available: Vec<String> = file.profiles.keys().cloned().collect();
    let Some(raw) = file
        .profiles
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p)
    else {
        return Err(ProfileError::UnknownProfile {
            path: path.to_owned(),
            name: name.to_owned(),
            available,
        });
    };
    let invalid = |key: &'static str, reason: &'static str| ProfileError::Invalid {
        path: path.to_owned(),
        profile: name.to_owned(),
        key,
        reason,
    };
    for (key, value) in [
        ("client_secret_env", &raw.client_secret_env),
        ("certificate_password_env", &raw.certificate_password_env),
    ] {
        if value
            .as_deref()
            .is_some_and(|v| !is_variable_name(v.trim()))
        {
            return Err(invalid(
                key,
                "must be the name of an environment variable (letters, digits and _), not the secret itself",
            ));
        }
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let file_path =
        |key: &'static str, value: Option<String>| -> Result<Option<PathBuf>, ProfileError> {
            let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            if value == "~" || value.starts_with("~/") || value.starts_with("~\\") {
                return Err(invalid(
                    key,
                    "starts with ~, which is not expanded; write the full path",
                ));
            }
            let value = PathBuf::from(value);
            Ok(Some(if value.is_absolute() {
                value
            } else {
                base.join(value)
            }))
        };
    let trimmed = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    Ok(Profile {
        name: name.to_owned(),
        source: path.to_owned(),
        tenant: trimmed(raw.tenant),
        client_id: trimmed(raw.client_id),
        auth: raw.auth,
        cloud: raw.cloud,
        client_secret_env: trimmed(raw.client_secret_env),
        client_secret_file: file_path("client_secret_file", raw.client_secret_file)?,
        certificate: file_path("certificate", raw.certificate)?,
        certificate_password_env: trimmed(raw.certificate_password_env),
        federated_token_file: file_path("federated_token_file", raw.federated_token_file)?,
        token_file: file_path("token_file", raw.token_file)?,
        authority_host: trimmed(raw.authority_host),
        powerbi_api: trimmed(raw.powerbi_api),
        fabric_api: trimmed(raw.fabric_api),
        graph_api: trimmed(raw.graph_api),
        workspaces: raw.workspaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# Profiles for pbi-doctor.
[profiles.contoso]
tenant = "contoso.onmicrosoft.com"
client_id = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90"
# The older word for client-secret, still read.
auth = "secret"
cloud = "public"
client_secret_env = "CONTOSO_SECRET"
workspaces = ["f089354e-8366-4e18-aea3-4cb4a3a50b48"]

[profiles.fabrikam-gov]
tenant = "fabrikam.onmicrosoft.us"
client_id = "11111111-2222-4333-8444-555555555555"
auth = "certificate"
cloud = "usgovhigh"
certificate = "certs/fabrikam.pfx"
certificate_password_env = "FABRIKAM_PFX_PASSWORD"

[profiles.me]
auth = "device-code"
tenant = "organizations"
client_secret_file = "/run/secrets/unused"
federated_token_file = "/var/run/secrets/azure/tokens/azure-identity-token"
token_file = "token.txt"
authority_host = "https://login.microsoftonline.com"
powerbi_api = "https://api.fabric.microsoft.com"
fabric_api = "https://api.fabric.microsoft.com"
"#;

    fn path() -> PathBuf {
        PathBuf::from("/home/ada/.config/pbi-doctor/profiles.toml")
    }

    fn read(text: &str, name: &str) -> Result<Profile, ProfileError> {
        parse(text, &path(), name)
    }

    #[test]
    fn profiles_are_read_with_every_key() {
        let p = read(FILE, "contoso").unwrap();
        assert_eq!(p.name, "contoso");
        assert_eq!(p.source, path());
        assert_eq!(p.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
        assert_eq!(
            p.client_id.as_deref(),
            Some("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90")
        );
        assert_eq!(p.auth, Some(CredentialKind::ClientSecret));
        assert_eq!(p.cloud, Some(Cloud::Public));
        assert_eq!(p.client_secret_env.as_deref(), Some("CONTOSO_SECRET"));
        assert_eq!(p.workspaces, vec!["f089354e-8366-4e18-aea3-4cb4a3a50b48"]);

        let p = read(FILE, "fabrikam-gov").unwrap();
        assert_eq!(p.auth, Some(CredentialKind::Certificate));
        assert_eq!(p.cloud, Some(Cloud::Usgovhigh));
        // Relative paths are taken from the profiles file's folder.
        assert_eq!(
            p.certificate,
            Some(PathBuf::from(
                "/home/ada/.config/pbi-doctor/certs/fabrikam.pfx"
            ))
        );
        assert_eq!(
            p.certificate_password_env.as_deref(),
            Some("FABRIKAM_PFX_PASSWORD")
        );

        let p = read(FILE, "me").unwrap();
        assert_eq!(p.auth, Some(CredentialKind::DeviceCode));
        assert_eq!(
            p.client_secret_file,
            Some(PathBuf::from("/run/secrets/unused"))
        );
        assert_eq!(
            p.token_file,
            Some(PathBuf::from("/home/ada/.config/pbi-doctor/token.txt"))
        );
        assert_eq!(
            p.powerbi_api.as_deref(),
            Some("https://api.fabric.microsoft.com")
        );
        assert_eq!(
            p.fabric_api.as_deref(),
            Some("https://api.fabric.microsoft.com")
        );
        assert!(p.workspaces.is_empty());
    }

    #[test]
    fn every_auth_and_cloud_name_is_accepted() {
        for auth in <CredentialKind as clap::ValueEnum>::value_variants() {
            let name = clap::ValueEnum::to_possible_value(auth)
                .unwrap()
                .get_name()
                .to_owned();
            let text = format!("[profiles.p]\nauth = \"{name}\"\n");
            assert_eq!(read(&text, "p").unwrap().auth, Some(*auth));
        }
        for cloud in crate::cloud::ALL {
            let text = format!("[profiles.p]\ncloud = \"{}\"\n", cloud.name());
            assert_eq!(read(&text, "p").unwrap().cloud, Some(cloud));
        }
        // The names people type for them, in any case.
        for (alias, cloud) in [
            ("gcc", Cloud::Usgov),
            ("GCC-High", Cloud::Usgovhigh),
            ("gcchigh", Cloud::Usgovhigh),
            ("DoD", Cloud::Usdod),
            ("mooncake", Cloud::China),
        ] {
            let text = format!("[profiles.p]\ncloud = \"{alias}\"\n");
            assert_eq!(read(&text, "p").unwrap().cloud, Some(cloud), "{alias}");
        }
        let err = read("[profiles.p]\ncloud = \"germany\"\n", "p").unwrap_err();
        assert!(matches!(err, ProfileError::Syntax { line: 2, .. }), "{err}");
        assert!(
            err.to_string()
                .contains("unknown cloud \"germany\": use one of public (commercial), usgov (gcc)"),
            "{err}"
        );
    }

    #[test]
    fn a_stored_secret_is_refused_without_repeating_it() {
        let value = "Xk8Q~s3cr3t.valueFromThePortal";
        for (key, hint) in [
            ("client_secret", "client_secret_env"),
            ("password", "certificate_password_env"),
            ("certificate_password", "certificate_password_env"),
            ("token", "token_file"),
            ("Client-Secret", "client_secret_file"),
        ] {
            let text =
                format!("[profiles.contoso]\ntenant = \"contoso.com\"\n{key} = \"{value}\"\n");
            let err = read(&text, "contoso").unwrap_err();
            let message = err.to_string();
            assert!(
                matches!(err, ProfileError::StoredSecret { line: Some(3), .. }),
                "{message}"
            );
            assert!(!message.contains(value), "{message}");
            assert!(message.contains(hint), "{message}");
            assert!(message.contains("profiles.contoso"), "{message}");
        }
        // Wherever it is, even in a profile other than the one asked for, or inline.
        let text = format!(
            "[profiles.a]\ntenant = \"a\"\n[profiles.b]\ncreds = {{ client_secret = \"{value}\" }}\n"
        );
        let err = read(&text, "a").unwrap_err();
        assert!(matches!(err, ProfileError::StoredSecret { .. }), "{err}");
        assert!(!err.to_string().contains(value));
        // A non-string value is refused the same way.
        let err = read("[profiles.a]\ntoken = 12345678\n", "a").unwrap_err();
        assert!(!err.to_string().contains("12345678"));
    }

    #[test]
    fn a_secret_in_a_variable_name_is_refused_without_repeating_it() {
        let value = "Xk8Q~s3cr3t.valueFromThePortal";
        let text = format!("[profiles.p]\nclient_secret_env = \"{value}\"\n");
        let err = read(&text, "p").unwrap_err();
        assert!(
            matches!(
                err,
                ProfileError::Invalid {
                    key: "client_secret_env",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains(value), "{err}");
    }

    #[test]
    fn a_syntax_error_names_the_line_and_does_not_quote_it() {
        let value = "Xk8Q~s3cr3t.valueFromThePortal";
        let text = format!("[profiles.p]\ntenant = \"t\"\nclient_secret = \"{value}\n");
        let err = read(&text, "p").unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, ProfileError::Syntax { line: 3, .. }),
            "{message}"
        );
        assert!(!message.contains(value), "{message}");
        assert!(message.contains("profiles.toml, line 3"), "{message}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line() {
        let err = read(
            "[profiles.p]\ntenant = \"t\"\nclient_secert_env = \"X\"\n",
            "p",
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, ProfileError::Syntax { line: 3, .. }),
            "{message}"
        );
        assert!(message.contains("client_secert_env"), "{message}");
        let err = read("[profiles.p]\nworkspaces = \"w\"\n", "p").unwrap_err();
        assert!(matches!(err, ProfileError::Syntax { line: 2, .. }), "{err}");
        let err = read("[profiles.p]\nauth = \"password\"\n", "p").unwrap_err();
        assert!(matches!(err, ProfileError::Syntax { line: 2, .. }), "{err}");
        // A profile outside [profiles]: the way to write it.
        let err = read("[contoso]\ntenant = \"t\"\n", "contoso").unwrap_err();
        assert!(err.to_string().contains("[profiles.NAME]"), "{err}");
    }

    #[test]
    fn an_unknown_profile_lists_the_names() {
        let err = read(FILE, "contosoo").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/home/ada/.config/pbi-doctor/profiles.toml: no profile is named \"contosoo\"; \
             did you mean contoso? The profiles are: contoso, fabrikam-gov, me"
        );
        let err = read(FILE, "Fabrikam_Gov").unwrap_err();
        assert!(
            err.to_string().contains("did you mean fabrikam-gov?"),
            "{err}"
        );
        // Nothing close: the list alone.
        let err = read(FILE, "production").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/home/ada/.config/pbi-doctor/profiles.toml: no profile is named \"production\". \
             The profiles are: contoso, fabrikam-gov, me"
        );
        let err = read("# empty\n", "x").unwrap_err();
        assert!(err.to_string().contains("has no profiles"), "{err}");
    }

    #[test]
    fn an_unreadable_file_names_its_path() {
        let missing = std::env::temp_dir()
            .join(format!("pbi-doctor-no-such-{}", uuid::Uuid::new_v4()))
            .join("profiles.toml");
        let err = load(&missing, "contoso").unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ProfileError::Read { .. }), "{message}");
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("PBI_DOCTOR_PROFILES"), "{message}");
    }

    #[test]
    fn load_reads_a_real_file() {
        let dir =
            std::env::temp_dir().join(format!("pbi-doctor-profiles-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("profiles.toml");
        std::fs::write(&file, FILE).unwrap();
        let p = load(&file, "fabrikam-gov").unwrap();
        assert_eq!(p.certificate, Some(dir.join("certs/fabrikam.pfx")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tilde_paths_are_refused_with_a_way_out() {
        let err = read("[profiles.p]\ncertificate = \"~/c.pem\"\n", "p").unwrap_err();
        assert!(err.to_string().contains("full path"), "{err}");
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_default_path_follows_the_documented_order() {
        let all = [
            ("PBI_DOCTOR_PROFILES", "/etc/pbi/profiles.toml"),
            ("XDG_CONFIG_HOME", "/home/ada/.xdg"),
            ("APPDATA", "C:\\Users\\ada\\AppData\\Roaming"),
            ("HOME", "/home/ada"),
        ];
        let env = env_of(&all);
        assert_eq!(
            path_for(&env, Platform::Unix),
            Some(PathBuf::from("/etc/pbi/profiles.toml"))
        );
        let env = env_of(&all[1..]);
        assert_eq!(
            path_for(&env, Platform::Unix),
            Some(PathBuf::from("/home/ada/.xdg/pbi-doctor/profiles.toml"))
        );
        // A relative XDG_CONFIG_HOME is ignored, as the XDG spec asks; an empty variable too.
        let env = env_of(&[
            ("XDG_CONFIG_HOME", "rel"),
            ("PBI_DOCTOR_PROFILES", ""),
            ("HOME", "/home/ada"),
        ]);
        assert_eq!(
            path_for(&env, Platform::Unix),
            Some(PathBuf::from("/home/ada/.config/pbi-doctor/profiles.toml"))
        );
        let env = env_of(&all[2..]);
        assert_eq!(
            path_for(&env, Platform::Unix),
            Some(PathBuf::from("/home/ada/.config/pbi-doctor/profiles.toml"))
        );
        // Windows: %APPDATA%, with Windows' separators whatever the host running the test.
        assert_eq!(
            path_for(&env, Platform::Windows),
            Some(PathBuf::from(
                "C:\\Users\\ada\\AppData\\Roaming\\pbi-doctor\\profiles.toml"
            ))
        );
        // A Unix-style XDG_CONFIG_HOME is not absolute on Windows; a drive path is.
        let env = env_of(&all[1..]);
        assert_eq!(
            path_for(&env, Platform::Windows),
            Some(PathBuf::from(
                "C:\\Users\\ada\\AppData\\Roaming\\pbi-doctor\\profiles.toml"
            ))
        );
        let env = env_of(&[("XDG_CONFIG_HOME", "D:/xdg/"), ("APPDATA", "C:\\AppData")]);
        assert_eq!(
            path_for(&env, Platform::Windows),
            Some(PathBuf::from("D:/xdg\\pbi-doctor\\profiles.toml"))
        );
        // Without APPDATA (a service account's bare environment), HOME as on Unix.
        let env = env_of(&[("HOME", "C:\\Users\\ada")]);
        assert_eq!(
            path_for(&env, Platform::Windows),
            Some(PathBuf::from(
                "C:\\Users\\ada\\.config\\pbi-doctor\\profiles.toml"
            ))
        );
        assert_eq!(path_for(&env_of(&[]), Platform::Unix), None);
        assert_eq!(path_for(&env_of(&[]), Platform::Windows), None);
        assert_eq!(
            default_path(&env_of(&all)),
            Some(PathBuf::from("/etc/pbi/profiles.toml"))
        );
    }
}

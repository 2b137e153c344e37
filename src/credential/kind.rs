//! The one name of each way of getting a token. The same kebab-case word is the `--auth` value,
//! a profile's `auth`, the `credential` of a session file and the `token.source` signal value, so
//! a user, a recording and the catalogue never disagree on what `client-secret` means. The older
//! `--auth` words `secret` and `token` stay accepted as aliases, so existing scripts and profiles
//! keep working.

use serde::{Deserialize, Serialize};

/// How the doctor gets its token (`--auth`, a profile's `auth`, a session's `credential`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// Client credentials with a client secret (AZURE_CLIENT_SECRET, --client-secret-file, --client-secret-stdin).
    #[value(alias = "secret")]
    #[serde(alias = "secret")]
    ClientSecret,
    /// Client credentials with a certificate (--certificate / AZURE_CLIENT_CERTIFICATE_PATH).
    Certificate,
    /// Client credentials with a federated token file (--federated-token-file / AZURE_FEDERATED_TOKEN_FILE).
    Federated,
    /// Client credentials with a GitHub Actions OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN).
    GithubOidc,
    /// The token of an existing `az login`.
    AzureCli,
    /// A user's sign-in with the device code flow.
    DeviceCode,
    /// A token you already have (--token-file).
    #[value(alias = "token")]
    #[serde(alias = "token")]
    TokenFile,
}

impl CredentialKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [Self; 7] = [
        Self::ClientSecret,
        Self::Certificate,
        Self::Federated,
        Self::GithubOidc,
        Self::AzureCli,
        Self::DeviceCode,
        Self::TokenFile,
    ];

    /// The canonical name: the `--auth` value, the session's `credential` and the `token.source`
    /// signal value (a test holds the three equal).
    pub fn signal(self) -> &'static str {
        match self {
            Self::ClientSecret => "client-secret",
            Self::Certificate => "certificate",
            Self::Federated => "federated",
            Self::GithubOidc => "github-oidc",
            Self::AzureCli => "azure-cli",
            Self::DeviceCode => "device-code",
            Self::TokenFile => "token-file",
        }
    }

    /// Words for the report ("signed in as application … with a certificate").
    pub fn words(self) -> &'static str {
        match self {
            Self::ClientSecret => "a client secret",
            Self::Certificate => "a certificate",
            Self::Federated => "a federated token",
            Self::GithubOidc => "a GitHub Actions OIDC token",
            Self::AzureCli => "the Azure CLI login",
            Self::DeviceCode => "a device code sign-in",
            Self::TokenFile => "a given token",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum as _;

    use super::CredentialKind;

    #[test]
    fn one_name_for_the_flag_the_session_and_the_signal() {
        assert_eq!(CredentialKind::ALL, CredentialKind::value_variants());
        for kind in CredentialKind::ALL {
            let flag = kind.to_possible_value().unwrap();
            assert_eq!(flag.get_name(), kind.signal());
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.signal()));
            assert_eq!(serde_json::from_str::<CredentialKind>(&json).unwrap(), kind);
            assert_eq!(CredentialKind::from_str(kind.signal(), false), Ok(kind));
        }
    }

    #[test]
    fn the_older_words_stay_accepted() {
        for (old, kind) in [
            ("secret", CredentialKind::ClientSecret),
            ("token", CredentialKind::TokenFile),
        ] {
            assert_eq!(CredentialKind::from_str(old, false), Ok(kind));
            assert_eq!(
                serde_json::from_str::<CredentialKind>(&format!("\"{old}\"")).unwrap(),
                kind
            );
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from([
                "pbi-doctor",
                "check",
                "--auth",
                old,
            ])
            .unwrap();
            let crate::cli::Command::Check(args) = cli.command else {
                panic!("not a check")
            };
            assert_eq!(args.auth, Some(kind));
        }
    }
}

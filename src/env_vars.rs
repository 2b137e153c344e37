//! Every environment variable the doctor reads outside clap's own flags, and the one way it reads
//! them: an [`Env`] handed down from `main`, so nothing below `main` touches the process
//! environment and tests can give any environment they like.

/// Looks a variable up. Empty or blank values count as unset.
pub type Env = dyn Fn(&str) -> Option<String>;

/// The tenant (azure-identity's name).
pub(crate) const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
/// The application (client) id (azure-identity's name).
pub(crate) const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// The authority host (azure-identity's name).
pub(crate) const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
/// `--color`'s default: auto, always or never.
pub(crate) const PBI_DOCTOR_COLOR: &str = "PBI_DOCTOR_COLOR";
/// The client secret (azure-identity's name).
pub(crate) const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
/// A certificate file (azure-identity's name).
pub(crate) const AZURE_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
/// The certificate's password (azure-identity's name).
pub(crate) const AZURE_CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
/// A federated token file (azure-identity's and AKS workload identity's name).
pub(crate) const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// GitHub Actions: where to ask for an OIDC token.
pub(crate) const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions: the bearer for that request.
pub(crate) const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// GitHub Actions: set to `true` in a workflow run.
pub(crate) const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
/// GitHub Actions: the job summary file.
pub(crate) const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
/// Azure Pipelines: set to `True` in a pipeline run.
pub(crate) const TF_BUILD: &str = "TF_BUILD";
/// Where programs are looked for (`az`).
pub(crate) const PATH: &str = "PATH";
/// Windows: the extensions a program name without one is tried with (`az` is `az.cmd`).
pub(crate) const PATHEXT: &str = "PATHEXT";
/// Windows: the roaming application-data folder, where profiles and the admin-probe cache live.
pub(crate) const APPDATA: &str = "APPDATA";
/// The XDG base directory for configuration, where it is set to an absolute path.
pub(crate) const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// The home folder (Unix, and Git Bash or MSYS on Windows).
pub(crate) const HOME: &str = "HOME";
/// The terminal's width in columns, as shells export it; the human report is laid out to it.
pub(crate) const COLUMNS: &str = "COLUMNS";

/// Whose conventions a file location or a program lookup follows. Passed down rather than read
/// from `cfg!` where the choice is made, so Windows' rules (`%APPDATA%`, `az.cmd` through
/// PATHEXT, `;` in PATH) are unit-tested on Linux too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Platform {
    /// Linux, macOS and the other Unixes.
    Unix,
    /// Windows.
    Windows,
}

impl Platform {
    /// The platform this binary was built for.
    pub(crate) const CURRENT: Platform = if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Unix
    };

    /// Whether `path` is absolute by this platform's rules, whatever the host: `/…` on Unix;
    /// `C:\…`, `C:/…` or a UNC path `\\server\…` on Windows (`\…` alone is relative to the
    /// current drive, so it is not).
    pub(crate) fn is_absolute(self, path: &str) -> bool {
        match self {
            Platform::Unix => path.starts_with('/'),
            Platform::Windows => {
                let bytes = path.as_bytes();
                path.starts_with(r"\\")
                    || (bytes.len() >= 3
                        && bytes[0].is_ascii_alphabetic()
                        && bytes[1] == b':'
                        && matches!(bytes[2], b'\\' | b'/'))
            }
        }
    }

    /// `parts` under `folder`, with this platform's separator (the host's `Path::join` would put
    /// a `/` into a Windows path when tested on Linux). An empty folder is the current one.
    pub(crate) fn join(self, folder: &str, parts: &[&str]) -> std::path::PathBuf {
        let (separator, trailing): (&str, &[char]) = match self {
            Platform::Unix => ("/", &['/']),
            Platform::Windows => ("\\", &['\\', '/']),
        };
        let mut path = folder.trim_end_matches(trailing).to_owned();
        for (n, part) in parts.iter().enumerate() {
            // Between parts always; after the folder unless it is the current one ("").
            if n > 0 || !folder.is_empty() {
                path.push_str(separator);
            }
            path.push_str(part);
        }
        std::path::PathBuf::from(path)
    }
}

#[cfg(test)]
mod tests {
    use super::Platform::{Unix, Windows};
    use std::path::PathBuf;

    #[test]
    fn absolute_paths_by_each_platforms_rules() {
        for (path, unix, windows) in [
            ("/home/ada", true, false),
            ("C:\\Users\\ada", false, true),
            ("c:/tools", false, true),
            ("\\\\server\\share", false, true),
            ("\\tools", false, false),
            ("C:tools", false, false),
            ("bin", false, false),
            ("", false, false),
        ] {
            assert_eq!(Unix.is_absolute(path), unix, "{path:?} on Unix");
            assert_eq!(Windows.is_absolute(path), windows, "{path:?} on Windows");
        }
    }

    #[test]
    fn joins_with_the_platforms_separator() {
        assert_eq!(
            Windows.join("C:\\Users\\ada\\", &["pbi-doctor", "x.json"]),
            PathBuf::from("C:\\Users\\ada\\pbi-doctor\\x.json")
        );
        assert_eq!(Unix.join("/etc/", &["x"]), PathBuf::from("/etc/x"));
        assert_eq!(Unix.join("/", &["x"]), PathBuf::from("/x"));
        assert_eq!(Unix.join("", &["x"]), PathBuf::from("x"));
        assert_eq!(Windows.join("", &["a", "b"]), PathBuf::from("a\\b"));
    }
}

//! The input checks run before a credential or a transport exists: the shapes of the tenant, the
//! client id and the workspace ids, and that the files a run will write have a folder to go to.
//! A bad input is the user's to fix (exit 2), named with where it came from (a flag, a variable,
//! a profile) and what to give instead; it is never sent to learn that it is bad.

use std::path::{Path, PathBuf};

use crate::cli::{Format, OutputArgs};
use crate::shape::{TenantShape, guid_in, is_guid, tenant_shape, tenant_suggestion};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Variable(&'static str),
    /// A key of a profile.
    Profile {
        /// The key, e.g. `tenant`.
        key: &'static str,
        /// The profile's name.
        name: String,
        /// The profiles file.
        file: PathBuf,
    },
}

/// A value as given, with where it came from. Displays as the user would find it: `--tenant
/// "contoso"`, `AZURE_TENANT_ID "contoso"`, `profiles.toml: profile "x": tenant "contoso"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    /// The value (trimmed).
    pub value: String,
    /// Its source.
    pub origin: Origin,
}

impl std::fmt::Display for Given {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = &self.value;
        match &self.origin {
            Origin::Flag(flag) => write!(f, "{flag} {value:?}"),
            Origin::Variable(var) => write!(f, "{var} {value:?}"),
            Origin::Profile { key, name, file } => {
                write!(f, "{}: profile {name:?}: {key} {value:?}", file.display())
            }
        }
    }
}

/// A file the run will write: the flag as typed (`--output junit=x.xml`, `--record x.json`) and
/// the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OutputFile {
    /// The flag and its value, as the user typed them.
    pub flag: String,
    /// The file.
    pub path: PathBuf,
    /// A file name to suggest when the path is a folder.
    pub example: &'static str,
}

/// What [`validate`] looks at.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inputs {
    /// The tenant the run will use, if any.
    pub tenant: Option<Given>,
    /// The client id the run will use, if any.
    pub client_id: Option<Given>,
    /// The workspace ids to probe.
    pub workspaces: Vec<Given>,
    /// The files the run will write.
    pub outputs: Vec<OutputFile>,
}

impl Inputs {
    /// The `--output FORMAT=PATH` files of these output flags, then `--record FILE`.
    pub(crate) fn with_outputs(mut self, output: &OutputArgs, record: Option<&Path>) -> Self {
        for extra in &output.outputs {
            let format = clap::ValueEnum::to_possible_value(&extra.format)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default();
            let example = match extra.format {
                Format::Json => "pbi-doctor.json",
                Format::Junit => "pbi-doctor.xml",
                Format::Markdown => "pbi-doctor.md",
                Format::Human | Format::Github | Format::AzureDevops => "pbi-doctor.txt",
            };
            self.outputs.push(OutputFile {
                flag: format!("--output {format}={}", extra.path.display()),
                path: extra.path.clone(),
                example,
            });
        }
        if let Some(path) = record {
            self.outputs.push(OutputFile {
                flag: format!("--record {}", path.display()),
                path: path.to_owned(),
                example: "pbi-doctor-session.json",
            });
        }
        self
    }
}

/// An input that cannot be used, and what to give instead.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The tenant is neither a GUID, nor a domain, nor a multi-tenant alias.
    #[error(
        "{given} is neither a tenant id (GUID) nor a domain{} Give the Tenant ID shown on the \
         Microsoft Entra admin center's Overview page, or a verified domain such as \
         contoso.onmicrosoft.com",
        did_you_mean(.suggestion)
    )]
    Tenant {
        /// The value and its source.
        given: Given,
        /// What it probably meant.
        suggestion: Option<String>,
    },
    /// The client id is not a GUID.
    #[error(
        "{given} is not an application (client) id{} It is a GUID such as \
         8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90, shown as Application (client) ID on the app \
         registration's Overview page (not the app's name)",
        did_you_mean(.suggestion)
    )]
    ClientId {
        /// The value and its source.
        given: Given,
        /// The GUID found in it.
        suggestion: Option<String>,
    },
    /// A workspace id is not a GUID.
    #[error(
        "{given} is not a workspace id{} A workspace id is a GUID: open the workspace in the browser, \
         it is the part after /groups/ in https://app.powerbi.com/groups/<id>/list{}",
        did_you_mean(.suggestion),
        if given.value.eq_ignore_ascii_case("me") {
            "; `me` stands for a user's My workspace, which has no such id and which service principals cannot use"
        } else {
            ""
        }
    )]
    WorkspaceId {
        /// The value and its source.
        given: Given,
        /// The GUID found in it (a pasted workspace URL).
        suggestion: Option<String>,
    },
    /// The folder of a file to write does not exist.
    #[error(
        "{flag}: the folder {} does not exist. Create it first (the file is written when the run \
         ends), or name a file in a folder that exists",
        .folder.display()
    )]
    NoFolder {
        /// The flag as typed.
        flag: String,
        /// The missing folder.
        folder: PathBuf,
    },
    /// What should be the folder of a file to write is not a folder.
    #[error(
        "{flag}: {} is not a folder, so no file can be written in it. Name a file in a folder",
        .folder.display()
    )]
    NotAFolder {
        /// The flag as typed.
        flag: String,
        /// What is there instead.
        folder: PathBuf,
    },
    /// The file to write is a folder.
    #[error(
        "{flag}: {} is a folder; name a file in it, such as {}",
        .path.display(),
        .path.join(.example).display()
    )]
    IsAFolder {
        /// The flag as typed.
        flag: String,
        /// The folder.
        path: PathBuf,
        /// A file name to suggest.
        example: &'static str,
    },
}

/// `; did you mean X?`, or `.`: the end of the sentence naming the bad value.
fn did_you_mean(suggestion: &Option<String>) -> String {
    crate::suggest::did_you_mean(suggestion.as_slice())
}

/// Checks a tenant: a GUID, a domain, or `common`/`organizations`/`consumers` (which the token
/// check judges: a user may sign in through them, an app may not).
pub(crate) fn tenant(given: &Given) -> Result<(), InputError> {
    match tenant_shape(&given.value) {
        TenantShape::Guid | TenantShape::Domain | TenantShape::CommonEndpoint => Ok(()),
        TenantShape::Invalid => Err(InputError::Tenant {
            suggestion: tenant_suggestion(&given.value),
            given: given.clone(),
        }),
    }
}

/// Checks a client id: a GUID.
pub(crate) fn client_id(given: &Given) -> Result<(), InputError> {
    if is_guid(&given.value) {
        Ok(())
    } else {
        Err(InputError::ClientId {
            suggestion: guid_in(&given.value),
            given: given.clone(),
        })
    }
}

/// Checks a workspace id: a GUID.
pub(crate) fn workspace(given: &Given) -> Result<(), InputError> {
    if is_guid(&given.value) {
        Ok(())
    } else {
        Err(InputError::WorkspaceId {
            suggestion: guid_in(&given.value),
            given: given.clone(),
        })
    }
}

/// Checks a file to write: its folder exists and is a folder, and the file is not a folder.
/// Nothing is created: a run that fails to start leaves no file behind.
pub(crate) fn output(file: &OutputFile) -> Result<(), InputError> {
    let path = &file.path;
    if path.is_dir() {
        return Err(InputError::IsAFolder {
            flag: file.flag.clone(),
            path: path.clone(),
            example: file.example,
        });
    }
    // `report.xml` has the empty path as its parent: the current folder.
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(InputError::NotAFolder {
            flag: file.flag.clone(),
            folder: folder.to_owned(),
        }),
        Err(_) => Err(InputError::NoFolder {
            flag: file.flag.clone(),
            folder: folder.to_owned(),
        }),
    }
}

/// The one validation pass, in the order the inputs are read: tenant, client id, workspaces,
/// files to write. The first problem is the answer.
pub(crate) fn validate(inputs: &Inputs) -> Result<(), InputError> {
    if let Some(given) = &inputs.tenant {
        tenant(given)?;
    }
    if let Some(given) = &inputs.client_id {
        client_id(given)?;
    }
    for given in &inputs.workspaces {
        workspace(given)?;
    }
    for file in &inputs.outputs {
        output(file)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(flag: &'static str, value: &str) -> Given {
        Given {
            value: value.to_owned(),
            origin: Origin::Flag(flag),
        }
    }

    #[test]
    fn tenants_as_a_table() {
        // (value, accepted, words the refusal must hold)
        let table: &[(&str, bool, &str)] = &[
            ("72f988bf-86f1-41af-91ab-2d7cd011db47", true, ""),
            ("contoso.onmicrosoft.com", true, ""),
            ("contoso.com", true, ""),
            ("organizations", true, ""),
            ("common", true, ""),
            ("consumers", true, ""),
            (
                "contoso",
                false,
                "--tenant \"contoso\" is neither a tenant id (GUID) nor a domain; did you mean contoso.onmicrosoft.com?",
            ),
            (
                "https://login.microsoftonline.com/contoso.com/",
                false,
                "did you mean contoso.com?",
            ),
            ("ada@contoso.com", false, "did you mean contoso.com?"),
            (
                "contoso_ltd",
                false,
                "nor a domain. Give the Tenant ID shown on the Microsoft Entra admin center's Overview page",
            ),
        ];
        for (value, ok, words) in table {
            match tenant(&flag("--tenant", value)) {
                Ok(()) => assert!(ok, "{value:?} accepted"),
                Err(e) => {
                    assert!(!ok, "{value:?} refused: {e}");
                    assert!(e.to_string().contains(words), "{value:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn client_ids_and_workspaces_are_guids() {
        let id = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
        assert!(client_id(&flag("--client-id", id)).is_ok());
        assert!(client_id(&flag("--client-id", &format!("{{{id}}}"))).is_ok());
        let e = client_id(&flag("--client-id", "my-powerbi-app")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--client-id \"my-powerbi-app\" is not an application (client) id. It is a GUID such as \
             8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90, shown as Application (client) ID on the app \
             registration's Overview page (not the app's name)"
        );
        let e = client_id(&flag("--client-id", "8a1d5c3e0b7f4e2a9c612f4d8e7b1a90")).unwrap_err();
        assert!(
            e.to_string().contains(&format!("did you mean {id}?")),
            "{e}"
        );

        let ws = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
        assert!(workspace(&flag("--workspace", ws)).is_ok());
        let url = format!("https://app.powerbi.com/groups/{ws}/list");
        let e = workspace(&flag("--workspace", &url)).unwrap_err();
        assert!(
            e.to_string().contains(&format!("did you mean {ws}?")),
            "{e}"
        );
        let e = workspace(&flag("--workspace", "me")).unwrap_err();
        assert!(e.to_string().contains("My workspace"), "{e}");
        let e = workspace(&flag("--workspace", "Sales")).unwrap_err();
        assert!(!e.to_string().contains("did you mean"), "{e}");
    }

    #[test]
    fn the_source_is_named() {
        let variable = Given {
            value: "contoso".to_owned(),
            origin: Origin::Variable("AZURE_TENANT_ID"),
        };
        assert_eq!(variable.to_string(), "AZURE_TENANT_ID \"contoso\"");
        let profile = Given {
            value: "contoso".to_owned(),
            origin: Origin::Profile {
                key: "tenant",
                name: "prod".to_owned(),
                file: PathBuf::from("/home/ada/.config/pbi-doctor/profiles.toml"),
            },
        };
        assert_eq!(
            profile.to_string(),
            "/home/ada/.config/pbi-doctor/profiles.toml: profile \"prod\": tenant \"contoso\""
        );
    }

    #[test]
    fn files_to_write_need_a_folder() {
        let dir =
            std::env::temp_dir().join(format!("pbi-doctor-validate-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let a_file = dir.join("a-file");
        std::fs::write(&a_file, "x").unwrap();
        let out = |path: PathBuf| OutputFile {
            flag: format!("--output junit={}", path.display()),
            path,
            example: "pbi-doctor.xml",
        };
        // (path, words of the refusal, or None when accepted)
        let table: Vec<(PathBuf, Option<&str>)> = vec![
            (dir.join("report.xml"), None),
            (a_file.clone(), None),
            (PathBuf::from("report.xml"), None),
            (
                dir.join("no-such-folder/report.xml"),
                Some("does not exist"),
            ),
            (a_file.join("report.xml"), Some("is not a folder")),
            (dir.clone(), Some("is a folder; name a file in it, such as")),
        ];
        for (path, refusal) in table {
            let result = output(&out(path.clone()));
            match (result, refusal) {
                (Ok(()), None) => {}
                (Err(e), Some(words)) => {
                    let message = e.to_string();
                    assert!(message.contains(words), "{}: {message}", path.display());
                    assert!(message.starts_with("--output junit="), "{message}");
                }
                (result, _) => panic!("{}: {result:?}", path.display()),
            }
        }
        // Nothing was created.
        assert!(!dir.join("report.xml").exists());
        assert!(!dir.join("no-such-folder").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_first_problem_is_the_answer() {
        let inputs = Inputs {
            tenant: Some(flag("--tenant", "contoso.com")),
            client_id: Some(flag("--client-id", "app")),
            workspaces: vec![flag("--workspace", "Sales")],
            outputs: Vec::new(),
        };
        assert!(matches!(
            validate(&inputs),
            Err(InputError::ClientId { .. })
        ));
        assert!(validate(&Inputs::default()).is_ok());
    }
}

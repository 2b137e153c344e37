//! The administrator's second look: a second identity, separate from the one diagnosed, that
//! reads the tenant's configuration back (Fabric tenant settings, Microsoft Graph) so that causes
//! become confirmed or ruled out. This file owns that identity (flags, tokens, redaction) and the
//! tenant's real values in fix steps; the reads themselves are the `directory` and
//! `tenant-settings` checks.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::check::{Context, Signals, signal};
use crate::cli::CheckArgs;
use crate::error::DoctorError;
use crate::secret::Secret;

/// How the administrator's identity gets its tokens, as sessions record it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AdminAuthKind {
    /// `az account get-access-token` for Fabric and for Graph, as the administrator signed in
    /// with `az login`.
    AzureCli,
    /// Tokens the administrator already has (`--admin-fabric-token-file`,
    /// `--admin-graph-token-file`).
    #[value(skip)]
    TokenFiles,
}

/// The administrator's identity.
#[derive(Clone, Debug)]
pub enum AdminAuth {
    /// The Azure CLI (the program to run).
    AzureCli {
        /// `az`.
        program: PathBuf,
    },
    /// Tokens given in files; either may be missing, and its reads are then not made.
    Files {
        /// For the Fabric API.
        fabric: Option<Secret>,
        /// For Microsoft Graph.
        graph: Option<Secret>,
    },
    /// A replayed session: the recorded answers stand in for the services, no token is needed.
    Replayed,
}

impl AdminAuth {
    /// The kind, as sessions name it.
    pub fn kind(&self) -> AdminAuthKind {
        match self {
            Self::AzureCli { .. } => AdminAuthKind::AzureCli,
            Self::Files { .. } | Self::Replayed => AdminAuthKind::TokenFiles,
        }
    }

    /// Every secret this identity holds, for the run's redactor.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Self::Files { fabric, graph } => fabric.iter().chain(graph.iter()).collect(),
            Self::AzureCli { .. } | Self::Replayed => Vec::new(),
        }
    }
}

fn read_token(path: &std::path::Path) -> Result<Secret, DoctorError> {
    let text = crate::fsio::read_source(&path.display().to_string(), "the admin token")?;
    let token = crate::token_input::normalize(&text).token;
    if token.trim().is_empty() {
        return Err(DoctorError::Missing(format!(
            "{} holds no token: write the administrator's access token into it (`az account get-access-token --resource … --query accessToken -o tsv`)",
            path.display()
        )));
    }
    Ok(Secret::new(token))
}

/// The administrator's identity from the flags, or `None` when no second look was asked for.
pub(crate) fn resolve_admin(
    args: &CheckArgs,
    env: &crate::env_vars::Env,
) -> Result<Option<AdminAuth>, DoctorError> {
    let files = args.admin_fabric_token_file.is_some() || args.admin_graph_token_file.is_some();
    match (args.admin_auth, files) {
        (Some(AdminAuthKind::AzureCli), true) => Err(DoctorError::Missing(
            "--admin-auth azure-cli gets the administrator's tokens itself: drop --admin-fabric-token-file/--admin-graph-token-file, or drop --admin-auth".to_owned(),
        )),
        (Some(AdminAuthKind::AzureCli), false) => Ok(Some(AdminAuth::AzureCli {
            program: crate::settings::resolve::which("az", env).unwrap_or_else(|| "az".into()),
        })),
        (Some(AdminAuthKind::TokenFiles), _) | (None, true) => Ok(Some(AdminAuth::Files {
            fabric: args
                .admin_fabric_token_file
                .as_deref()
                .map(read_token)
                .transpose()?,
            graph: args
                .admin_graph_token_file
                .as_deref()
                .map(read_token)
                .transpose()?,
        })),
        (None, false) => Ok(None),
    }
}

/// The administrator's tokens, or why each could not be had.
pub(crate) struct AdminTokens {
    /// For the Fabric API (tenant settings).
    pub fabric: Result<Secret, String>,
    /// For Microsoft Graph.
    pub graph: Result<Secret, String>,
}

/// The resource the administrator's Fabric token is for: Fabric's in the public cloud; elsewhere
/// the Power BI resource, as ScubaGear calls the gov hosts' tenant settings (facts §1.4).
fn fabric_resource(cloud: crate::cloud::Cloud) -> &'static str {
    match cloud {
        crate::cloud::Cloud::Public => "https://api.fabric.microsoft.com",
        other => other.powerbi_resource(),
    }
}

/// Gets the administrator's tokens and teaches them to the redactor.
pub(crate) async fn acquire(ctx: &Context<'_>, admin: &AdminAuth) -> AdminTokens {
    let tokens = match admin {
        AdminAuth::Replayed => AdminTokens {
            fabric: Ok(Secret::new("replayed-admin-token")),
            graph: Ok(Secret::new("replayed-admin-token")),
        },
        AdminAuth::Files { fabric, graph } => AdminTokens {
            fabric: fabric
                .clone()
                .ok_or_else(|| "no --admin-fabric-token-file was given".to_owned()),
            graph: graph
                .clone()
                .ok_or_else(|| "no --admin-graph-token-file was given".to_owned()),
        },
        AdminAuth::AzureCli { program } => {
            let cloud = ctx.settings.cloud;
            let tenant = ctx.settings.tenant.clone();
            let program = program.clone();
            let budget = std::time::Duration::from_secs(60).min(ctx.transport.time_left());
            let run = tokio::task::spawn_blocking(move || {
                let get = |resource: &str| {
                    crate::credential::azure_cli::get_access_token(
                        &program,
                        resource,
                        tenant.as_deref(),
                        budget,
                    )
                    .map(|t| t.token)
                    .map_err(|e| {
                        format!(
                            "`{}` failed: {e}",
                            crate::credential::azure_cli::command_line(resource, tenant.as_deref())
                        )
                    })
                };
                (get(fabric_resource(cloud)), get(cloud.graph_api()))
            })
            .await;
            match run {
                Ok((fabric, graph)) => AdminTokens { fabric, graph },
                Err(e) => AdminTokens {
                    fabric: Err(format!("the Azure CLI could not be run: {e}")),
                    graph: Err(format!("the Azure CLI could not be run: {e}")),
                },
            }
        }
    };
    for token in [&tokens.fabric, &tokens.graph].into_iter().flatten() {
        ctx.redactor.add_token(token.expose());
    }
    tokens
}

/// The placeholders of the catalogue's fix steps that the second look can fill, with the signal
/// whose values fill them. A value `"<id> <name>"` gives `<group-id>` and `<group-name>`.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("<sp-object-id>", signal::DIRECTORY_SP_OBJECT_ID),
    ("<powerbi-sp-id>", signal::DIRECTORY_POWERBI_SP_ID),
    ("<assignment-id>", signal::DIRECTORY_POWERBI_ROLE_ASSIGNMENT),
    ("<group-id>", signal::TENANT_SETTINGS_ALLOWED_GROUP),
    (
        "<excluded-group-id>",
        signal::TENANT_SETTINGS_EXCLUDED_GROUP,
    ),
    ("<expiry-date>", signal::DIRECTORY_CREDENTIAL_ENDS),
];

/// The id part of a `"<id> <name>"` value.
fn id_of(value: &str) -> &str {
    value.split_once(' ').map_or(value, |(id, _)| id)
}

/// The name part of a `"<id> <name>"` value (the id when there is no name).
fn name_of(value: &str) -> &str {
    value.split_once(' ').map_or(value, |(_, name)| name)
}

/// The fix steps with the tenant's real values in place of the placeholders the second look
/// read; `None` when no step changes. A step whose placeholder has several values (two app role
/// assignments to remove) is repeated once per value.
pub fn fill_fix(steps: &[String], signals: &Signals) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(steps.len());
    let mut changed = false;
    for step in steps {
        let mut variants = vec![step.clone()];
        for (placeholder, name) in PLACEHOLDERS {
            let values = signals.get(name);
            if values.is_empty() || !step.contains(placeholder) {
                continue;
            }
            changed = true;
            variants = variants
                .iter()
                .flat_map(|v| {
                    values.iter().map(move |value| {
                        let filled = v.replace(placeholder, id_of(value));
                        if placeholder.ends_with("group-id>") {
                            let name_placeholder = placeholder.replace("-id>", "-name>");
                            filled.replace(&name_placeholder, name_of(value))
                        } else {
                            filled
                        }
                    })
                })
                .collect();
        }
        out.extend(variants);
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::fill_fix;
    use crate::check::{Signals, signal};

    #[test]
    fn placeholders_take_the_tenants_values_and_repeat_per_value() {
        let mut signals = Signals::default();
        signals.0.insert(
            signal::DIRECTORY_SP_OBJECT_ID.to_owned(),
            vec!["11111111-2222-3333-4444-555555555555".to_owned()],
        );
        signals.0.insert(
            signal::TENANT_SETTINGS_ALLOWED_GROUP.to_owned(),
            vec!["aaaaaaaa-0000-0000-0000-000000000001 PBI-Readers".to_owned()],
        );
        signals.0.insert(
            signal::DIRECTORY_POWERBI_ROLE_ASSIGNMENT.to_owned(),
            vec!["x1".to_owned(), "x2".to_owned()],
        );
        let steps = vec![
            "Add <sp-object-id> to <group-name> (<group-id>)".to_owned(),
            "DELETE …/appRoleAssignedTo/<assignment-id>".to_owned(),
            "Wait".to_owned(),
        ];
        let filled = fill_fix(&steps, &signals).expect("filled");
        assert_eq!(
            filled,
            [
                "Add 11111111-2222-3333-4444-555555555555 to PBI-Readers (aaaaaaaa-0000-0000-0000-000000000001)",
                "DELETE …/appRoleAssignedTo/x1",
                "DELETE …/appRoleAssignedTo/x2",
                "Wait",
            ]
        );
        assert!(fill_fix(&["Wait".to_owned()], &signals).is_none());
    }
}

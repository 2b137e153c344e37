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
    /// The administrator signs in now with a device code, through the Azure CLI's public client
    /// ([`AZURE_CLI_CLIENT_ID`]): one sign-in for Fabric, its refresh token for Graph.
    DeviceCode,
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
    /// A device code sign-in, now.
    DeviceCode,
    /// Tokens given in files; either may be missing, and its reads are then not made.
    Files {
        /// For the Fabric API.
        fabric: Option<Secret>,
        /// For Microsoft Graph.
        graph: Option<Secret>,
        /// For the Power BI admin API (workspace access lists).
        powerbi: Option<Secret>,
    },
    /// A replayed session: the recorded answers stand in for the services, no token is needed.
    Replayed,
}

impl AdminAuth {
    /// The kind, as sessions name it.
    pub fn kind(&self) -> AdminAuthKind {
        match self {
            Self::AzureCli { .. } => AdminAuthKind::AzureCli,
            Self::DeviceCode => AdminAuthKind::DeviceCode,
            Self::Files { .. } | Self::Replayed => AdminAuthKind::TokenFiles,
        }
    }

    /// Every secret this identity holds, for the run's redactor.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Self::Files {
                fabric,
                graph,
                powerbi,
            } => fabric.iter().chain(graph).chain(powerbi).collect(),
            Self::AzureCli { .. } | Self::DeviceCode | Self::Replayed => Vec::new(),
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
    let files = args.admin_fabric_token_file.is_some()
        || args.admin_graph_token_file.is_some()
        || args.admin_powerbi_token_file.is_some();
    match (args.admin_auth, files) {
        (Some(kind @ (AdminAuthKind::AzureCli | AdminAuthKind::DeviceCode)), true) => {
            Err(DoctorError::Missing(format!(
                "--admin-auth {} gets the administrator's tokens itself: drop --admin-fabric-token-file/--admin-graph-token-file, or drop --admin-auth",
                if kind == AdminAuthKind::AzureCli {
                    "azure-cli"
                } else {
                    "device-code"
                }
            )))
        }
        (Some(AdminAuthKind::DeviceCode), false) => Ok(Some(AdminAuth::DeviceCode)),
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
            powerbi: args
                .admin_powerbi_token_file
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
    /// For the Power BI admin API (GetGroupUsersAsAdmin).
    pub powerbi: Result<Secret, String>,
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
            powerbi: Ok(Secret::new("replayed-admin-token")),
        },
        AdminAuth::Files {
            fabric,
            graph,
            powerbi,
        } => AdminTokens {
            fabric: fabric
                .clone()
                .ok_or_else(|| "no --admin-fabric-token-file was given".to_owned()),
            graph: graph
                .clone()
                .ok_or_else(|| "no --admin-graph-token-file was given".to_owned()),
            powerbi: powerbi
                .clone()
                .ok_or_else(|| "no --admin-powerbi-token-file was given".to_owned()),
        },
        AdminAuth::DeviceCode => device_code(ctx).await,
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
                (
                    get(fabric_resource(cloud)),
                    get(cloud.graph_api()),
                    get(cloud.powerbi_resource()),
                )
            })
            .await;
            match run {
                Ok((fabric, graph, powerbi)) => AdminTokens {
                    fabric,
                    graph,
                    powerbi,
                },
                Err(e) => AdminTokens {
                    fabric: Err(format!("the Azure CLI could not be run: {e}")),
                    graph: Err(format!("the Azure CLI could not be run: {e}")),
                    powerbi: Err(format!("the Azure CLI could not be run: {e}")),
                },
            }
        }
    };
    for token in [&tokens.fabric, &tokens.graph, &tokens.powerbi]
        .into_iter()
        .flatten()
    {
        ctx.redactor.add_token(token.expose());
    }
    tokens
}

/// The Microsoft Azure CLI's application id: a Microsoft first-party public client, the one
/// `az login --use-device-code` signs in with, so an administrator needs no app registration of
/// their own.
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// The administrator signs in with a device code for Fabric; the refresh token of that sign-in
/// then gets the Graph token without a second prompt.
async fn device_code(ctx: &Context<'_>) -> AdminTokens {
    use crate::credential::device_code as dc;
    use crate::transport::{FormValue, Method, Request, Retry, Transport};
    let failed = |why: String| AdminTokens {
        fabric: Err(why.clone()),
        graph: Err(why.clone()),
        powerbi: Err(why),
    };
    let settings = ctx.settings;
    let Some(tenant) = settings.tenant.clone() else {
        return failed("the administrator's device code sign-in needs --tenant".to_owned());
    };
    let authority = &settings.authority_host;
    let scope = format!(
        "{}/.default offline_access",
        fabric_resource(settings.cloud)
    );
    let code = match dc::start(
        ctx.transport,
        authority,
        &tenant,
        AZURE_CLI_CLIENT_ID,
        &scope,
    )
    .await
    {
        Ok(code) => code,
        Err(dc::StartError::Refused(r)) => {
            return failed(format!(
                "the device code request was refused (HTTP {})",
                r.status
            ));
        }
        Err(dc::StartError::Failed(f)) => return failed(format!("no device code: {f}")),
    };
    let replaying = matches!(ctx.transport, Transport::Replay(_));
    ctx.progress.prompt(&format!(
        "Administrator's sign-in (the second look): {}",
        code.message
    ));
    let timing = dc::PollTiming {
        interval_override: replaying.then_some(std::time::Duration::ZERO),
    };
    let mut report = |p: dc::Progress| {
        let dc::Progress::Waiting { seconds_left } = p;
        ctx.progress
            .sign_in(Some(std::time::Duration::from_secs(seconds_left)));
    };
    let polled = dc::poll(
        ctx.transport,
        authority,
        &tenant,
        AZURE_CLI_CLIENT_ID,
        &code,
        timing,
        &mut report,
    )
    .await;
    ctx.progress.sign_in(None);
    let field = |body: &str, name: &str| {
        serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get(name).and_then(|t| t.as_str()).map(str::to_owned))
    };
    let response = match polled {
        Ok(r) if r.status == 200 => r,
        Ok(r) => {
            let error = field(&r.body, "error").unwrap_or_else(|| format!("HTTP {}", r.status));
            return failed(format!(
                "the administrator's sign-in did not complete ({error})"
            ));
        }
        Err(f) => return failed(format!("the administrator's sign-in got no answer: {f}")),
    };
    let Some(fabric) = field(&response.body, "access_token") else {
        return failed("the administrator's sign-in gave no access token".to_owned());
    };
    let Some(refresh) = field(&response.body, "refresh_token") else {
        let why = "the sign-in gave no refresh token to ask for the Graph and Power BI tokens with";
        return AdminTokens {
            fabric: Ok(Secret::new(fabric)),
            graph: Err(why.to_owned()),
            powerbi: Err(why.to_owned()),
        };
    };
    ctx.redactor.add_token(&refresh);
    let Some(url) = settings.token_endpoint() else {
        return failed("no token endpoint".to_owned());
    };
    // One refresh-token request per resource, in order: Graph, then Power BI.
    let exchange = async |scope: String| -> Result<Secret, String> {
        let request = Request {
            method: Method::Post,
            url: url.clone(),
            form: vec![
                ("grant_type", FormValue::Plain("refresh_token".to_owned())),
                (
                    "client_id",
                    FormValue::Plain(AZURE_CLI_CLIENT_ID.to_owned()),
                ),
                (
                    "refresh_token",
                    FormValue::Secret(Secret::new(refresh.clone())),
                ),
                ("scope", FormValue::Plain(scope)),
            ],
            bearer: None,
            retry: Retry::ONCE,
        };
        match ctx.transport.send(request).await {
            Ok(r) if r.status == 200 => field(&r.body, "access_token")
                .map(Secret::new)
                .ok_or_else(|| "the token answer held no access token".to_owned()),
            Ok(r) => Err(format!(
                "the token request was refused ({})",
                field(&r.body, "error").unwrap_or_else(|| format!("HTTP {}", r.status))
            )),
            Err(f) => Err(format!("the token request got no answer: {f}")),
        }
    };
    let graph = exchange(format!("{}/.default", settings.cloud.graph_api())).await;
    let powerbi = exchange(format!("{}/.default", settings.cloud.powerbi_resource())).await;
    AdminTokens {
        fabric: Ok(Secret::new(fabric)),
        graph,
        powerbi,
    }
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
    (
        "<workspace-id>",
        signal::TENANT_SETTINGS_WORKSPACE_WITHOUT_SP,
    ),
];

/// The id part of a `"<id> <name>"` value.
fn id_of(value: &str) -> &str {
    value.split_once(' ').map_or(value, |(id, _)| id)
}

/// The name part of a `"<id> <name>"` value (the id when there is no name).
fn name_of(value: &str) -> &str {
    value.split_once(' ').map_or(value, |(_, name)| name)
}

/// The fix steps of cause `cause_id` with the tenant's real values in place of the placeholders
/// the second look read; `None` when no step changes. A step whose placeholder has several values
/// (two app role assignments to remove) is repeated once per value. `<group-id>` is the group of
/// the setting the cause is about: the service-principal API setting for
/// `sp-api-access-disabled`, the read-only admin API setting otherwise.
pub fn fill_fix(cause_id: &str, steps: &[String], signals: &Signals) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(steps.len());
    let mut changed = false;
    for step in steps {
        let mut variants = vec![step.clone()];
        for (placeholder, name) in PLACEHOLDERS {
            let name = if *placeholder == "<group-id>" && cause_id == "sp-api-access-disabled" {
                signal::TENANT_SETTINGS_FABRIC_API_GROUP
            } else {
                name
            };
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
    use super::{AdminAuth, acquire, fill_fix};
    use crate::check::testing::{Harness, TENANT, TestSettings, answer};
    use crate::check::{Signals, signal};

    /// One device code sign-in gives the Fabric token; its refresh token, redacted, the Graph
    /// one, without a second prompt. Bodies: facts §1.8 (devicecode) and §1.1 (token response).
    #[tokio::test]
    async fn a_device_code_sign_in_gives_both_tokens_and_hides_the_refresh_token() {
        let devicecode = format!("/{TENANT}/oauth2/v2.0/devicecode");
        let token = format!("/{TENANT}/oauth2/v2.0/token");
        let json = [("Content-Type", "application/json; charset=utf-8")];
        let refresh = "0.AAAA-admin-refresh-token-opaque-value-123456";
        let exchanges = vec![
            answer(
                "POST",
                &devicecode,
                200,
                &json,
                r#"{"user_code":"ABCD1234","device_code":"DAQABAAEAAAD-device-code-value","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate."}"#,
            ),
            answer(
                "POST",
                &token,
                200,
                &json,
                &format!(
                    r#"{{"token_type":"Bearer","scope":"https://api.fabric.microsoft.com/.default","expires_in":3599,"ext_expires_in":3599,"access_token":"fabric-access-token-value-0123456789","refresh_token":"{refresh}"}}"#
                ),
            ),
            answer(
                "POST",
                &token,
                200,
                &json,
                r#"{"token_type":"Bearer","scope":"https://graph.microsoft.com/.default","expires_in":3599,"ext_expires_in":3599,"access_token":"graph-access-token-value-0123456789"}"#,
            ),
            answer(
                "POST",
                &token,
                200,
                &json,
                r#"{"token_type":"Bearer","scope":"https://analysis.windows.net/powerbi/api/.default","expires_in":3599,"ext_expires_in":3599,"access_token":"powerbi-access-token-value-0123456789"}"#,
            ),
        ];
        let mut settings = TestSettings::new().build();
        settings.admin = Some(AdminAuth::DeviceCode);
        let h = Harness::new(settings, exchanges);
        let ctx = h.ctx();
        let tokens = acquire(&ctx, &AdminAuth::DeviceCode).await;
        assert_eq!(
            tokens.fabric.unwrap().expose(),
            "fabric-access-token-value-0123456789"
        );
        assert_eq!(
            tokens.graph.unwrap().expose(),
            "graph-access-token-value-0123456789"
        );
        assert_eq!(
            tokens.powerbi.unwrap().expose(),
            "powerbi-access-token-value-0123456789"
        );
        assert!(!ctx.redactor.clean(refresh).contains(refresh));
        assert!(
            !ctx.redactor
                .clean("graph-access-token-value-0123456789")
                .contains("graph-access")
        );
    }

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
        let filled = fill_fix("sp-not-in-admin-api-group", &steps, &signals).expect("filled");
        assert_eq!(
            filled,
            [
                "Add 11111111-2222-3333-4444-555555555555 to PBI-Readers (aaaaaaaa-0000-0000-0000-000000000001)",
                "DELETE …/appRoleAssignedTo/x1",
                "DELETE …/appRoleAssignedTo/x2",
                "Wait",
            ]
        );
        assert!(fill_fix("any", &["Wait".to_owned()], &signals).is_none());
        // Another setting's cause takes that setting's groups, not the admin API's.
        assert!(
            fill_fix("sp-api-access-disabled", &steps[..1], &signals)
                .is_some_and(|s| s[0].contains("<group-name>"))
        );
    }
}

//! What a token is and what it can do with Power BI, for `pbi-doctor token`: the facts a person
//! wants first (resource by name, tenant, caller, lifetime, auth methods) and what they mean for
//! the admin and workspace APIs. Computed here so the renderers only render.

use serde::Serialize;

use crate::check::identity_kind::{Kind, delegated_access, forbidden_app_roles, kind};
use crate::cloud::{Cloud, classify_audiences, issuer_cloud};
use crate::jwt::Claims;
use crate::words::relative;

/// One line of the profile.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Line {
    /// What it is about.
    pub label: String,
    /// The fact or its meaning.
    pub value: String,
}

/// The profile of a token.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Profile {
    /// What the token is.
    pub what: Vec<Line>,
    /// What it can do with Power BI.
    pub can_do: Vec<Line>,
}

impl crate::secret::Scrub for Line {
    fn scrub(&mut self, s: &crate::secret::Scrubber<'_>) {
        let Line { label, value } = self;
        label.scrub(s);
        value.scrub(s);
    }
}

impl crate::secret::Scrub for Profile {
    fn scrub(&mut self, s: &crate::secret::Scrubber<'_>) {
        let Profile { what, can_do } = self;
        what.scrub(s);
        can_do.scrub(s);
    }
}

fn line(label: &str, value: impl Into<String>) -> Line {
    Line {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn moment(claims: &Claims, name: &str, now: i64) -> Option<String> {
    let t = claims.time(name)?;
    let when = chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_default();
    let rel = relative(t - now);
    Some(if name == "exp" && t <= now {
        format!("{when} (expired {rel})")
    } else {
        format!("{when} ({rel})")
    })
}

fn client_auth(value: &str) -> &'static str {
    match value {
        "0" => "public client (no credential: a user signed in)",
        "1" => "client secret",
        "2" => "certificate or federated assertion",
        _ => "unknown",
    }
}

/// Builds the profile of a decoded token, judged at `now`, for the cloud in use.
pub fn profile(claims: &Claims, cloud: Cloud, now: i64) -> Profile {
    let mut p = Profile::default();
    let auds = claims.audiences();
    let audience = classify_audiences(&auds, cloud);
    p.what.push(line(
        "for",
        format!(
            "{} ({})",
            audience.describe(),
            if auds.is_empty() {
                "no aud".to_owned()
            } else {
                auds.join(", ")
            }
        ),
    ));
    if let Some(iss) = claims.str("iss") {
        let cloud_words = issuer_cloud(iss)
            .map(|c| {
                format!(
                    "{} Entra ID cloud",
                    crate::check::signal::entra_cloud_words(c.signal()).unwrap_or("another")
                )
            })
            .unwrap_or_else(|| "an unrecognised issuer".to_owned());
        p.what
            .push(line("issued by", format!("{iss} ({cloud_words})")));
    }
    if let Some(tid) = claims.str("tid") {
        p.what.push(line("tenant", tid));
    }
    let k = kind(claims);
    let app = claims.client_app().unwrap_or("?");
    match k {
        Kind::Application => {
            let who = if let Some(mirid) = claims.str("xms_mirid") {
                format!("managed identity {mirid}")
            } else {
                "service principal".to_owned()
            };
            p.what.push(line(
                "caller",
                format!(
                    "{who} of application {app}, object id {}",
                    claims.str("oid").unwrap_or("?")
                ),
            ));
        }
        Kind::Delegated => {
            let name = claims
                .str("name")
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            p.what.push(line(
                "caller",
                format!(
                    "user {}{name} through application {app}",
                    claims.user_name().unwrap_or("?")
                ),
            ));
            if let (Some(idp), Some(iss)) = (claims.str("idp"), claims.str("iss"))
                && idp != iss
            {
                p.what.push(line(
                    "guest",
                    format!("the user comes from another identity provider ({idp})"),
                ));
            }
        }
        Kind::Unknown => p.what.push(line(
            "caller",
            format!(
                "not told by the token (neither a user's nor an application's); application {app}"
            ),
        )),
    }
    if let Some(acr) = claims.str("appidacr").or_else(|| claims.str("azpacr")) {
        p.what
            .push(line("client authenticated with", client_auth(acr)));
    }
    let amr = claims.list("amr");
    if !amr.is_empty() {
        p.what.push(line("sign-in methods (amr)", amr.join(", ")));
    }
    for (label, name) in [("issued", "iat"), ("valid from", "nbf"), ("expires", "exp")] {
        if let Some(m) = moment(claims, name, now) {
            p.what.push(line(label, m));
        }
    }
    if let Some(ver) = claims.str("ver") {
        p.what.push(line("token version", ver));
    }

    // What it can call, for both API families (facts §1.3): Fabric accepts a Power BI-audience
    // token; Power BI's /v1.0/myorg paths refuse a Fabric-audience one.
    p.can_do.push(line(
        "REST APIs",
        match audience {
            crate::cloud::Audience::PowerBi => {
                "Power BI's (/v1.0/myorg) and Fabric's (/v1): both accept a Power BI-audience token"
            }
            crate::cloud::Audience::Fabric => {
                "Fabric's (/v1) only: Power BI's /v1.0/myorg paths refuse a Fabric-audience token"
            }
            _ => "neither Power BI's nor Fabric's: request a token for Power BI",
        },
    ));
    let roles = claims.list("roles");
    let scopes = claims.list("scp");
    match k {
        Kind::Application => {
            p.can_do.push(line(
                "application permissions (roles)",
                if roles.is_empty() {
                    "none".to_owned()
                } else {
                    roles.join(", ")
                },
            ));
            let forbidden = forbidden_app_roles(claims);
            p.can_do.push(line(
                "admin APIs",
                if forbidden.is_empty() {
                    "allowed only if the tenant setting \"Service principals can access read-only admin APIs\" names a security group that contains this service principal".to_owned()
                } else {
                    format!("refused: read-only admin APIs refuse a service principal whose app has the Power BI application permission {} (remove it and get a new token)", forbidden.join(" and "))
                },
            ));
            p.can_do.push(line(
                "workspace APIs",
                "only in workspaces the service principal was added to (directly or through a group), and only if service principals may use Fabric APIs in this tenant",
            ));
        }
        Kind::Delegated => {
            p.can_do.push(line(
                "delegated scopes (scp)",
                if scopes.is_empty() {
                    "none".to_owned()
                } else {
                    scopes.join(", ")
                },
            ));
            let access = delegated_access(claims);
            let names = access.role_names();
            p.can_do.push(line(
                "directory roles (wids)",
                match &access.directory_roles {
                    None => "not in the token".to_owned(),
                    Some(_) if names.is_empty() => "none that matter for Power BI".to_owned(),
                    Some(_) => names.join(", "),
                },
            ));
            let admin = match (access.admin_scope, access.fabric_admin()) {
                (false, _) => "refused: admin APIs need the Tenant.Read.All or Tenant.ReadWrite.All scope, which this token lacks".to_owned(),
                (true, Some(true)) => "allowed: admin scope and a Fabric administrator role".to_owned(),
                (true, Some(false)) => "refused: the user holds no Fabric, Global or Power Platform Administrator role".to_owned(),
                (true, None) => "allowed only if the user is a Fabric administrator (the token does not list directory roles)".to_owned(),
            };
            p.can_do.push(line("admin APIs", admin));
            let workspace_scope = scopes.iter().any(|s| {
                s.starts_with("Workspace.")
                    || s.starts_with("Dataset.")
                    || s.starts_with("Report.")
                    || s.starts_with("Item.")
            });
            p.can_do.push(line(
                "workspace APIs",
                if workspace_scope {
                    "in workspaces where the user has a role, for what the scopes allow"
                } else {
                    "limited: no Workspace.*, Dataset.*, Report.* or Item.* scope"
                },
            ));
        }
        Kind::Unknown => {}
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims(v.as_object().unwrap().clone())
    }

    #[test]
    fn application_with_tenant_read_all_is_refused_by_admin_apis() {
        let p = profile(
            &claims(
                json!({"aud": "https://analysis.windows.net/powerbi/api", "idtyp": "app", "roles": ["Tenant.Read.All"], "appid": "a", "oid": "o", "sub": "o"}),
            ),
            Cloud::Public,
            0,
        );
        let admin = p.can_do.iter().find(|l| l.label == "admin APIs").unwrap();
        assert!(
            admin.value.starts_with("refused") && admin.value.contains("Tenant.Read.All"),
            "{admin:?}"
        );
        assert_eq!(
            p.what[0].value,
            "Power BI (https://analysis.windows.net/powerbi/api)"
        );
    }

    #[test]
    fn delegated_user_without_admin_role_is_refused() {
        let p = profile(
            &claims(
                json!({"aud": "https://analysis.windows.net/powerbi/api", "scp": "Tenant.Read.All", "upn": "a@b.c", "wids": ["b79fbf4d-3ef9-4689-8143-76b194e85509"]}),
            ),
            Cloud::Public,
            0,
        );
        let admin = p.can_do.iter().find(|l| l.label == "admin APIs").unwrap();
        assert!(
            admin
                .value
                .contains("no Fabric, Global or Power Platform Administrator"),
            "{admin:?}"
        );
    }

    #[test]
    fn managed_identity_and_graph_audience_are_named() {
        let p = profile(
            &claims(
                json!({"aud": "https://graph.microsoft.com", "idtyp": "app", "xms_mirid": "/subscriptions/s/resourcegroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi", "oid": "o", "sub": "o"}),
            ),
            Cloud::Public,
            0,
        );
        assert!(p.what[0].value.starts_with("Microsoft Graph"));
        assert!(
            p.what
                .iter()
                .any(|l| l.value.starts_with("managed identity"))
        );
    }
}

//! ## What it checks
//! Who is calling: a delegated user (`scp` present) or an application (`roles` or `idtyp=app`, no
//! `scp`), and what that identity carries for Power BI. For applications: the Power BI application
//! permissions in `roles` (`Tenant.Read.All`, `Tenant.ReadWrite.All`), which read-only admin APIs
//! refuse for service principals. For users: the scopes, and the directory roles in `wids`
//! (Fabric, Global or Power Platform Administrator may call admin APIs).
//! ## Evidence collected
//! Kind, application and object ids, user, scopes, roles, directory roles by name.
//! ## Requires
//! A decodable token.

use crate::check::{CheckId, Finding, Outcome, signal};
use crate::jwt::{Claims, Jwt};

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    signal::IDENTITY_KIND,
    signal::IDENTITY_SOURCE,
    signal::IDENTITY_MANAGED_IDENTITY,
    signal::IDENTITY_POWERBI_APP_ROLES,
    signal::IDENTITY_ADMIN_SCOPE,
    signal::IDENTITY_FABRIC_ADMIN,
    signal::IDENTITY_DIRECTORY_ROLES,
    signal::IDENTITY_ROLES,
];

/// Power BI application permissions that break read-only admin APIs for service principals.
pub const FORBIDDEN_APP_ROLES: [&str; 2] = ["Tenant.Read.All", "Tenant.ReadWrite.All"];

/// Directory role template ids seen in `wids` (facts §2.3): (template id, signal name, display
/// name, counts as Fabric administrator).
pub const DIRECTORY_ROLES: &[(&str, &str, &str, bool)] = &[
    (
        "a9ea8996-122f-4c74-9520-8edcd192826c",
        "fabric-administrator",
        "Fabric Administrator",
        true,
    ),
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "global-administrator",
        "Global Administrator",
        true,
    ),
    (
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "power-platform-administrator",
        "Power Platform Administrator",
        true,
    ),
    (
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "global-reader",
        "Global Reader",
        false,
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "privileged-role-administrator",
        "Privileged Role Administrator",
        false,
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "application-administrator",
        "Application Administrator",
        false,
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "cloud-application-administrator",
        "Cloud Application Administrator",
        false,
    ),
    (
        "44367163-eba1-44c3-98af-f5787879f96a",
        "dynamics-365-administrator",
        "Dynamics 365 Administrator",
        false,
    ),
];

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A signed-in user (delegated permissions).
    Delegated,
    /// An application: service principal or managed identity.
    Application,
    /// The token does not say.
    Unknown,
}

impl Kind {
    /// The `identity.kind` signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Delegated => "delegated",
            Self::Application => "application",
            Self::Unknown => "unknown",
        }
    }
}

/// Tells a delegated token from an application token (facts §2.2).
pub fn kind(claims: &Claims) -> Kind {
    if claims.has("scp") || claims.str("idtyp") == Some("user") {
        return Kind::Delegated;
    }
    let app_only_shape = claims.user_name().is_none()
        && claims.str("oid").is_some()
        && claims.str("oid") == claims.str("sub");
    if claims.str("idtyp") == Some("app") || claims.has("roles") || app_only_shape {
        return Kind::Application;
    }
    if claims.user_name().is_some() {
        Kind::Delegated
    } else {
        Kind::Unknown
    }
}

/// The Power BI application permissions in `roles` that read-only admin APIs refuse.
pub fn forbidden_app_roles(claims: &Claims) -> Vec<&'static str> {
    let roles = claims.list("roles");
    FORBIDDEN_APP_ROLES
        .into_iter()
        .filter(|r| roles.iter().any(|x| x == r))
        .collect()
}

/// What a delegated token says about admin access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegatedAccess {
    /// `Tenant.Read.All` or `Tenant.ReadWrite.All` is in `scp`.
    pub admin_scope: bool,
    /// The known directory roles in `wids` (`None` when the token has no `wids` claim).
    pub directory_roles: Option<Vec<&'static (&'static str, &'static str, &'static str, bool)>>,
}

impl DelegatedAccess {
    /// Whether the user holds a role that counts as Fabric administrator (`None`: unknown).
    pub fn fabric_admin(&self) -> Option<bool> {
        self.directory_roles
            .as_ref()
            .map(|roles| roles.iter().any(|(.., admin)| *admin))
    }

    /// The display names of the known directory roles.
    pub fn role_names(&self) -> Vec<&'static str> {
        self.directory_roles
            .iter()
            .flatten()
            .map(|(_, _, name, _)| *name)
            .collect()
    }
}

/// Reads a delegated token's admin scope and directory roles.
pub fn delegated_access(claims: &Claims) -> DelegatedAccess {
    let scopes = claims.list("scp");
    let wids = claims.list("wids");
    DelegatedAccess {
        admin_scope: scopes
            .iter()
            .any(|s| FORBIDDEN_APP_ROLES.contains(&s.as_str())),
        directory_roles: claims.has("wids").then(|| {
            DIRECTORY_ROLES
                .iter()
                .filter(|(id, ..)| wids.iter().any(|w| w.eq_ignore_ascii_case(id)))
                .collect()
        }),
    }
}

/// Runs the check.
pub fn run(jwt: &Jwt) -> Finding {
    let claims = &jwt.claims;
    let kind = kind(claims);
    let mut finding = Finding::new(CheckId::IdentityKind, Outcome::Pass, "");
    finding.signal(signal::IDENTITY_KIND, kind.signal());
    finding.signal(signal::IDENTITY_SOURCE, "token");
    let app = claims.client_app().unwrap_or("?").to_owned();
    finding.evidence("kind", kind.signal());
    finding.evidence("application", app.clone());
    if let Some(oid) = claims.str("oid") {
        finding.evidence("object id (oid)", oid);
    }
    let roles = claims.list("roles");
    if !roles.is_empty() {
        finding.evidence("roles", roles.join(" "));
    }
    for role in &roles {
        finding.signal(signal::IDENTITY_ROLES, role.clone());
    }
    match kind {
        Kind::Application => {
            let managed = claims.has("xms_mirid");
            if managed {
                finding.signal(signal::IDENTITY_MANAGED_IDENTITY, "true");
            }
            let forbidden = forbidden_app_roles(claims);
            for role in &forbidden {
                finding.signal(signal::IDENTITY_POWERBI_APP_ROLES, *role);
            }
            let who = if managed {
                "managed identity"
            } else {
                "service principal"
            };
            if forbidden.is_empty() {
                finding.summary = format!(
                    "application token: {who} of app {app}, no Power BI application permissions (as admin APIs require)"
                );
            } else {
                finding.outcome = Outcome::Warn;
                finding.summary = format!(
                    "application token: {who} of app {app} carrying Power BI application permission {}, which read-only admin APIs refuse",
                    forbidden.join(" and ")
                );
            }
        }
        Kind::Delegated => {
            let scopes = claims.list("scp");
            finding.evidence(
                "scopes (scp)",
                if scopes.is_empty() {
                    "(none)".to_owned()
                } else {
                    scopes.join(" ")
                },
            );
            let access = delegated_access(claims);
            let admin_scope = access.admin_scope;
            finding.signal(
                signal::IDENTITY_ADMIN_SCOPE,
                if admin_scope { "present" } else { "absent" },
            );
            let user = claims.user_name().unwrap_or("a user").to_owned();
            for (_, signal, ..) in access.directory_roles.iter().flatten() {
                finding.signal(signal::IDENTITY_DIRECTORY_ROLES, *signal);
            }
            let names = access.role_names();
            let admin_words = match access.fabric_admin() {
                None => {
                    finding.signal(signal::IDENTITY_FABRIC_ADMIN, "unknown");
                    "directory roles unknown (no wids claim)".to_owned()
                }
                Some(admin) => {
                    finding.evidence(
                        "directory roles (wids)",
                        if names.is_empty() {
                            "none that matter here".to_owned()
                        } else {
                            names.join(", ")
                        },
                    );
                    finding.signal(
                        signal::IDENTITY_FABRIC_ADMIN,
                        if admin { "true" } else { "false" },
                    );
                    if admin {
                        format!("{} (a Fabric administrator)", names.join(", "))
                    } else {
                        "no Fabric administrator role".to_owned()
                    }
                }
            };
            finding.summary = format!(
                "delegated token: user {user} via app {app}; {}; {admin_words}",
                if admin_scope {
                    "has an admin scope (Tenant.Read.All or Tenant.ReadWrite.All)"
                } else {
                    "no admin scope (Tenant.Read.All / Tenant.ReadWrite.All)"
                }
            );
        }
        Kind::Unknown => {
            finding.outcome = Outcome::Warn;
            finding.summary = "the token says neither that it is a user's (scp) nor an application's (roles, idtyp)".to_owned();
        }
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn claims(v: Value) -> Claims {
        Claims(v.as_object().unwrap().clone())
    }

    #[test]
    fn tells_delegated_from_application() {
        assert_eq!(
            kind(&claims(json!({"scp": "Dataset.Read.All", "upn": "a@b.c"}))),
            Kind::Delegated
        );
        assert_eq!(
            kind(&claims(json!({"idtyp": "app", "oid": "1", "sub": "1"}))),
            Kind::Application
        );
        assert_eq!(
            kind(&claims(json!({"roles": ["Tenant.Read.All"]}))),
            Kind::Application
        );
        assert_eq!(
            kind(&claims(json!({"oid": "1", "sub": "1"}))),
            Kind::Application
        );
        assert_eq!(
            kind(&claims(json!({"oid": "1", "sub": "2"}))),
            Kind::Unknown
        );
    }
}

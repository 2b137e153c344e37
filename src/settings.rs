//! Resolved settings: who to ask (tenant, client, cloud, endpoints), with what credential, and
//! what to probe. Built from flags and `AZURE_*` variables for `check`, or from a session for
//! `replay`. Endpoints are validated here: https, or plain http on a loopback address only.

use std::net::IpAddr;

use url::Url;

use crate::cloud::Cloud;
use crate::error::DoctorError;
use crate::secret::{Redactor, Secret, redact_jwt_signatures};
use std::path::PathBuf;

use crate::credential::CredentialKind;
use crate::session::{CredentialFacts, SessionSettings};

pub(crate) mod resolve;
pub(crate) mod validate;
pub(crate) use resolve::{offline_settings, resolve, validate_offline};

/// How the doctor gets its token.
#[derive(Clone, Debug)]
pub enum Credential {
    /// Client credentials with this secret.
    ClientSecret(Secret),
    /// Client credentials with a certificate: the file's bytes and the password that opens it.
    Certificate {
        /// The file as named.
        path: String,
        /// Its contents (read when the settings are resolved).
        bytes: Vec<u8>,
        /// `AZURE_CLIENT_CERTIFICATE_PASSWORD`, for a PFX.
        password: Option<Secret>,
    },
    /// Client credentials with a federated token read from a file.
    FederatedFile(PathBuf),
    /// Client credentials with a GitHub Actions OIDC token requested by the doctor.
    GithubOidc {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL`.
        request_url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
        request_token: Secret,
        /// The audience to ask for (default `api://AzureADTokenExchange`).
        audience: String,
    },
    /// A token from `az account get-access-token`.
    AzureCli {
        /// The program to run (`az`).
        program: PathBuf,
    },
    /// A user's token through the device code flow.
    DeviceCode,
    /// A token the user already has, as pasted.
    Token {
        /// The text given (may hold quotes, `Bearer`, JSON).
        text: Secret,
        /// Where it came from, for the report.
        source: String,
    },
    /// Replaying a recorded session: what the credential showed then.
    Replayed {
        /// The kind recorded.
        kind: CredentialKind,
        /// Its facts.
        facts: Box<CredentialFacts>,
        /// For azure-cli: the recorded token (signature removed).
        token: Option<Secret>,
    },
}

impl Credential {
    /// The kind, as sessions and signals name it.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Self::ClientSecret(_) => CredentialKind::ClientSecret,
            Self::Certificate { .. } => CredentialKind::Certificate,
            Self::FederatedFile(_) => CredentialKind::Federated,
            Self::GithubOidc { .. } => CredentialKind::GithubOidc,
            Self::AzureCli { .. } => CredentialKind::AzureCli,
            Self::DeviceCode { .. } => CredentialKind::DeviceCode,
            Self::Token { .. } => CredentialKind::TokenFile,
            Self::Replayed { kind, .. } => *kind,
        }
    }
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Tenant id or domain, as given.
    pub tenant: Option<String>,
    /// Application (client) id, as given.
    pub client_id: Option<String>,
    /// The credential.
    pub credential: Credential,
    /// The client secret looks like a GUID: probably the secret's ID, not its value.
    pub secret_looks_like_guid: bool,
    /// The cloud.
    pub cloud: Cloud,
    /// Entra ID authority host.
    pub authority_host: Url,
    /// Power BI REST API base.
    pub powerbi_api: Url,
    /// Fabric REST API base (the Fabric probes, and the second look's tenant settings).
    pub fabric_api: Url,
    /// The API families probed (`--api`) or judged (`token --for`).
    pub apis: crate::apis::Apis,
    /// Microsoft Graph base (the second look's directory reads).
    pub graph_api: Url,
    /// The administrator's identity for the second look, when one was given.
    pub admin: Option<crate::second_look::AdminAuth>,
    /// Workspaces to probe specifically.
    pub workspaces: Vec<String>,
    /// Skip the admin probe.
    pub skip_admin: bool,
    /// Detect the cloud from the tenant's OpenID configuration (no `--cloud` given).
    pub detect_cloud: bool,
    /// `--authority-host` was given: a detected cloud does not change it.
    pub authority_overridden: bool,
    /// `--powerbi-api` was given: a detected cloud does not change it.
    pub api_overridden: bool,
    /// `--fabric-api` (or the profile's `fabric_api`) was given: a detected cloud does not change
    /// it.
    pub fabric_overridden: bool,
    /// `--graph-api` (or the profile's `graph_api`) was given: a detected cloud does not change
    /// it.
    pub graph_overridden: bool,
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Parses and checks an endpoint: https anywhere, http only on loopback (tests, local mocks).
pub fn validate_endpoint(flag: &'static str, raw: &str) -> Result<Url, DoctorError> {
    let bad = |reason: String| DoctorError::BadEndpoint {
        flag,
        url: raw.to_owned(),
        reason,
    };
    let url = Url::parse(raw.trim()).map_err(|e| {
        bad(format!(
            "{e}; give a full URL such as https://login.microsoftonline.com"
        ))
    })?;
    if url.username() != "" || url.password().is_some() {
        return Err(bad(
            "it carries credentials; remove the user:password@ part".to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "give the base URL only, without ?query or #fragment".to_owned()
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(bad("plain http is accepted only for loopback addresses (127.0.0.1, ::1, localhost); use https".to_owned())),
        other => return Err(bad(format!("scheme {other}: is not supported; use https"))),
    }
    let mut url = url;
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// Workspace ids as the API takes them: lowercase, without braces. Their shape was checked by
/// `validate::validate`; one that is not a GUID is refused here too.
pub fn validate_workspaces(ids: &[String]) -> Result<Vec<String>, DoctorError> {
    ids.iter()
        .map(|id| {
            let id = id.trim().trim_start_matches('{').trim_end_matches('}');
            let given = validate::Given {
                value: id.to_owned(),
                origin: validate::Origin::Flag("--workspace"),
            };
            validate::workspace(&given)?;
            Ok(id.to_ascii_lowercase())
        })
        .collect()
}

/// Joins a path (and query) onto a base URL that may itself have a path.
pub fn endpoint(base: &Url, path_and_query: &str) -> Url {
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path_and_query);
    Url::parse(&joined).unwrap_or_else(|_| base.clone())
}

impl Settings {
    /// The token endpoint for the tenant.
    pub fn token_endpoint(&self) -> Option<Url> {
        let tenant = self.tenant.as_deref()?;
        Some(endpoint(
            &self.authority_host,
            &format!("/{}/oauth2/v2.0/token", tenant.trim()),
        ))
    }

    /// The origin POSTs may go to (the authority's).
    pub fn token_origin(&self) -> String {
        self.authority_host.origin().ascii_serialization()
    }

    /// The same settings in another cloud: endpoints follow unless they were given explicitly.
    pub fn with_cloud(&self, cloud: Cloud) -> Settings {
        let mut next = self.clone();
        next.cloud = cloud;
        if !self.authority_overridden {
            next.authority_host =
                Url::parse(cloud.authority_host()).unwrap_or_else(|_| self.authority_host.clone());
        }
        if !self.api_overridden {
            next.powerbi_api =
                Url::parse(cloud.powerbi_api()).unwrap_or_else(|_| self.powerbi_api.clone());
        }
        if !self.fabric_overridden {
            next.fabric_api =
                Url::parse(cloud.fabric_api()).unwrap_or_else(|_| self.fabric_api.clone());
        }
        if !self.graph_overridden {
            next.graph_api =
                Url::parse(cloud.graph_api()).unwrap_or_else(|_| self.graph_api.clone());
        }
        next
    }

    /// The session form of these settings: nothing secret, token signatures removed.
    pub fn to_session(
        &self,
        redactor: &Redactor,
        facts: CredentialFacts,
        token_input: Option<String>,
    ) -> SessionSettings {
        SessionSettings {
            tenant: self.tenant.clone(),
            client_id: self.client_id.clone(),
            credential: self.credential.kind(),
            secret_looks_like_guid: self.secret_looks_like_guid,
            cloud: self.cloud,
            authority_host: self
                .authority_host
                .to_string()
                .trim_end_matches('/')
                .to_owned(),
            powerbi_api: self
                .powerbi_api
                .to_string()
                .trim_end_matches('/')
                .to_owned(),
            workspaces: self.workspaces.clone(),
            skip_admin: self.skip_admin,
            fabric_api: (self.admin.is_some() || self.apis.fabric())
                .then(|| self.fabric_api.as_str().trim_end_matches('/').to_owned()),
            apis: self.apis,
            graph_api: self
                .admin
                .as_ref()
                .map(|_| self.graph_api.as_str().trim_end_matches('/').to_owned()),
            admin_auth: self.admin.as_ref().map(|a| a.kind()),
            token_input: match &self.credential {
                Credential::Token { text, .. } => {
                    Some(redactor.clean(&redact_jwt_signatures(text.expose())))
                }
                _ => token_input.map(|t| redactor.clean(&redact_jwt_signatures(&t))),
            },
            credential_facts: facts,
            cloud_detected: self.detect_cloud,
        }
    }

    /// Settings to replay a session with. The endpoints are the recorded ones; no secret is
    /// needed because the recorded answers stand in for the services.
    pub fn from_session(s: &SessionSettings, origin: &str) -> Result<Self, DoctorError> {
        let parse = |flag, raw: &str| {
            Url::parse(raw).map_err(|e| DoctorError::BadSession {
                path: origin.to_owned(),
                reason: format!("{flag} {raw:?}: {e}"),
            })
        };
        let credential = match s.credential {
            CredentialKind::ClientSecret => Credential::ClientSecret(Secret::new("")),
            CredentialKind::TokenFile => Credential::Token {
                text: Secret::new(s.token_input.clone().unwrap_or_default()),
                source: "the recorded session".to_owned(),
            },
            kind => Credential::Replayed {
                kind,
                facts: Box::new(s.credential_facts.clone()),
                token: s.token_input.clone().map(Secret::new),
            },
        };
        Ok(Self {
            tenant: s.tenant.clone(),
            client_id: s.client_id.clone(),
            credential,
            secret_looks_like_guid: s.secret_looks_like_guid,
            cloud: s.cloud,
            authority_host: parse("authority_host", &s.authority_host)?,
            powerbi_api: parse("powerbi_api", &s.powerbi_api)?,
            fabric_api: parse(
                "fabric_api",
                s.fabric_api.as_deref().unwrap_or(s.cloud.fabric_api()),
            )?,
            apis: s.apis,
            graph_api: parse(
                "graph_api",
                s.graph_api.as_deref().unwrap_or(s.cloud.graph_api()),
            )?,
            admin: s
                .admin_auth
                .map(|_| crate::second_look::AdminAuth::Replayed),
            workspaces: s.workspaces.clone(),
            skip_admin: s.skip_admin,
            detect_cloud: s.cloud_detected,
            authority_overridden: true,
            api_overridden: true,
            // Recorded hosts are the ones the run used; older sessions name none and follow.
            fabric_overridden: s.fabric_api.is_some(),
            graph_overridden: s.graph_api.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        assert!(validate_endpoint("--powerbi-api", "https://api.powerbi.com").is_ok());
        assert!(validate_endpoint("--powerbi-api", "http://127.0.0.1:8080").is_ok());
        assert!(validate_endpoint("--powerbi-api", "http://[::1]:8080").is_ok());
        assert!(validate_endpoint("--powerbi-api", "http://localhost:1").is_ok());
        assert!(validate_endpoint("--powerbi-api", "http://api.powerbi.com").is_err());
        assert!(validate_endpoint("--powerbi-api", "http://10.0.0.1").is_err());
        assert!(validate_endpoint("--powerbi-api", "ftp://x").is_err());
        assert!(validate_endpoint("--powerbi-api", "api.powerbi.com").is_err());
        assert!(validate_endpoint("--powerbi-api", "https://user:pw@api.powerbi.com").is_err());
    }

    #[test]
    fn endpoints_join_paths_on_bases_with_paths() {
        let base = validate_endpoint("x", "http://127.0.0.1:9/mock/").unwrap();
        assert_eq!(
            endpoint(&base, "/v1.0/myorg/admin/groups?$top=1").as_str(),
            "http://127.0.0.1:9/mock/v1.0/myorg/admin/groups?$top=1"
        );
    }

    #[test]
    fn workspace_ids_are_guids() {
        assert_eq!(
            validate_workspaces(&["{AAAAAAAA-0000-4000-8000-000000000001}".to_owned()]).unwrap(),
            vec!["aaaaaaaa-0000-4000-8000-000000000001"]
        );
        assert!(validate_workspaces(&["Sales".to_owned()]).is_err());
    }
}

//! Sessions: one JSON format for recordings (`--record`), offline replays (`pbi-doctor replay`) and
//! the scenario fixtures. A session holds the run's settings and every HTTP exchange, redacted: no
//! secret, no assertion, no token signature. See `fixtures/README.md` for the format.

use serde::{Deserialize, Serialize};

use crate::cloud::Cloud;
use crate::credential::CredentialKind;
use crate::error::DoctorError;

/// The format version written in `pbi_doctor_session`.
pub const SESSION_FORMAT: u32 = 1;

/// A recorded run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Format version, [`SESSION_FORMAT`].
    pub pbi_doctor_session: u32,
    /// When the run happened (RFC 3339); replay judges token times at this instant.
    pub recorded_at: String,
    /// The doctor version that recorded it.
    pub tool_version: String,
    /// The settings of the run, without secrets.
    pub settings: SessionSettings,
    /// Every request and its answer, in order.
    pub exchanges: Vec<Exchange>,
}

/// What the credential showed before any token request: kept in sessions so a replay reports
/// the same evidence without the certificate, assertion or CLI at hand. Nothing secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialFacts {
    /// The certificate used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateFacts>,
    /// The federated assertion presented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<AssertionFacts>,
    /// The Azure CLI run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_cli: Option<CliFacts>,
}

impl CredentialFacts {
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A certificate's public facts, or why it could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateFacts {
    /// The file as named.
    pub path: String,
    /// SHA-1 thumbprint in uppercase hex, as the Azure portal shows it.
    #[serde(default)]
    pub thumbprint: Option<String>,
    /// Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Validity window, seconds since the epoch.
    #[serde(default)]
    pub not_before: Option<i64>,
    /// Validity window, seconds since the epoch.
    #[serde(default)]
    pub not_after: Option<i64>,
    /// The `token.certificate` signal value when it could not be used.
    #[serde(default)]
    pub problem: Option<String>,
    /// What went wrong, in words.
    #[serde(default)]
    pub message: Option<String>,
}

/// A federated assertion's claims, or why there was none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertionFacts {
    /// Where it came from (file path, GitHub OIDC).
    pub source: String,
    /// `iss`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// `sub`.
    #[serde(default)]
    pub subject: Option<String>,
    /// `aud`.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// `exp`.
    #[serde(default)]
    pub expires: Option<i64>,
    /// The `token.assertion` signal value when there was none to send.
    #[serde(default)]
    pub problem: Option<String>,
    /// What went wrong, in words.
    #[serde(default)]
    pub message: Option<String>,
}

/// An Azure CLI run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CliFacts {
    /// The command run.
    pub command: String,
    /// The `token.azure_cli` signal value when it gave no token.
    #[serde(default)]
    pub problem: Option<String>,
    /// What it said, redacted.
    #[serde(default)]
    pub detail: Option<String>,
    /// AADSTS codes it printed.
    #[serde(default)]
    pub aadsts: Vec<u32>,
    /// The tenant `az account show` names.
    #[serde(default)]
    pub signed_in_tenant: Option<String>,
}

/// The settings a session keeps: everything needed to re-run the diagnosis, nothing secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// The tenant asked for, as given.
    pub tenant: Option<String>,
    /// The application (client) id, as given.
    pub client_id: Option<String>,
    /// How the token was obtained.
    pub credential: CredentialKind,
    /// Whether the client secret looked like a GUID (probably the secret's ID, not its value).
    #[serde(default)]
    pub secret_looks_like_guid: bool,
    /// The cloud.
    pub cloud: Cloud,
    /// The authority host used.
    pub authority_host: String,
    /// The Power BI API base used.
    pub powerbi_api: String,
    /// Workspaces probed specifically.
    #[serde(default)]
    pub workspaces: Vec<String>,
    /// Whether the admin probe was skipped.
    #[serde(default)]
    pub skip_admin: bool,
    /// The Fabric API base used, when the Fabric probes or the second look ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fabric_api: Option<String>,
    /// The API families probed; sessions from before the Fabric probes probed Power BI only.
    #[serde(
        default = "crate::apis::Apis::recorded_default",
        skip_serializing_if = "crate::apis::Apis::is_recorded_default"
    )]
    pub apis: crate::apis::Apis,
    /// The Graph base the second look read, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_api: Option<String>,
    /// How the administrator's identity signed in, when a second look ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_auth: Option<crate::second_look::AdminAuthKind>,
    /// For token-file and azure-cli runs: the token text, with every JWT signature replaced by
    /// `REDACTED`.
    #[serde(default)]
    pub token_input: Option<String>,
    /// What the credential showed (certificate, assertion, CLI).
    #[serde(default, skip_serializing_if = "CredentialFacts::is_empty")]
    pub credential_facts: CredentialFacts,
    /// Whether the cloud was detected from the tenant's OpenID configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cloud_detected: bool,
}

/// One request and what came back.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// The request, redacted.
    pub request: RecordedRequest,
    /// The HTTP answer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<RecordedResponse>,
    /// Why there was no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<NetworkFailure>,
}

/// A request as recorded: no headers (the only interesting one is a secret).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Form fields of a token request, secrets replaced by `[redacted]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<(String, String)>,
}

/// An HTTP answer as recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// Status code.
    pub status: u16,
    /// Headers in order, as (name, value).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body text, redacted.
    #[serde(default)]
    pub body: String,
}

/// How a request failed without an HTTP answer. The names are the `*.network` signal values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkKind {
    /// The connection was refused or reset.
    Connect,
    /// No answer in time.
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed (often a proxy with its own CA).
    Tls,
    /// Anything else.
    Other,
}

impl NetworkKind {
    /// The signal value.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Dns => "dns",
            Self::Tls => "tls",
            Self::Other => "other",
        }
    }
}

/// A request that got no HTTP answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFailure {
    /// What kind of failure.
    pub kind: NetworkKind,
    /// The error message, redacted.
    pub message: String,
}

impl Session {
    /// Parses a session, naming `origin` in the error.
    pub fn parse(text: &str, origin: &str) -> Result<Self, DoctorError> {
        let session: Session = serde_json::from_str(text).map_err(|e| DoctorError::BadSession {
            path: origin.to_owned(),
            reason: e.to_string(),
        })?;
        if session.pbi_doctor_session != SESSION_FORMAT {
            return Err(DoctorError::BadSession {
                path: origin.to_owned(),
                reason: format!(
                    "it is format {} and this pbi-doctor reads format {SESSION_FORMAT}",
                    session.pbi_doctor_session
                ),
            });
        }
        session
            .recorded_instant()
            .map_err(|reason| DoctorError::BadSession {
                path: origin.to_owned(),
                reason,
            })?;
        Ok(session)
    }

    /// `recorded_at` as seconds since the epoch.
    pub fn recorded_instant(&self) -> Result<i64, String> {
        chrono::DateTime::parse_from_rfc3339(&self.recorded_at)
            .map(|t| t.timestamp())
            .map_err(|e| {
                format!(
                    "recorded_at {:?} is not an RFC 3339 time ({e})",
                    self.recorded_at
                )
            })
    }
}

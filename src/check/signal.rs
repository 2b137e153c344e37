//! Signal names: the contract between the checks, which emit them, and the cause catalogue
//! (`checks/*.toml`), which matches on them. Each name is written once, here; the checks'
//! `SIGNALS` lists, `expect`, `explain`, the catalogue validation and the tests use the
//! constants, so a misspelt name is a compile error instead of a signal no cause ever matches.
//! The values each signal takes are documented in `checks/README.md` (a test keeps the two
//! aligned).
//!
//! Names stay `&str` constants rather than an enum: a finding's signals, the JSON report and the
//! catalogue's TOML all key on the text, so a constant costs no conversion at any of those
//! boundaries, while a name that is not one of these constants is still refused, by the debug
//! assertion in `Finding::signal` and by the catalogue validation.
//!
//! The API probes emit one family of fields under three prefixes; [`Probe`] and [`ProbeField`]
//! name a member of that family without building the name from text.
//!
//! [`describe`] turns a matched signal and its values into a sentence for people, so that the
//! names stay the machine's: the human report shows the sentence, the JSON report the name.

/// Declares the signal constants and [`ALL`], the list of them, from one table.
macro_rules! signals {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $value;)*

        /// Every signal name, in declaration order.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

signals! {
    // token-acquisition
    /// `client-secret`, `certificate`, `federated`, `github-oidc`, `azure-cli`, `device-code`, `token-file`
    TOKEN_SOURCE = "token.source";
    /// `guid`, `domain`, `common-endpoint` (common/organizations/consumers), `invalid`
    TOKEN_TENANT_SHAPE = "token.tenant_shape";
    /// `guid`, `not-guid`; also `not-guid` when Entra ID's answer names a client id that is no GUID
    TOKEN_CLIENT_ID_SHAPE = "token.client_id_shape";
    /// `guid` (only emitted when the secret looks like a GUID: probably the secret's ID)
    TOKEN_SECRET_SHAPE = "token.secret_shape";
    /// HTTP status of the token endpoint's answer
    TOKEN_STATUS = "token.status";
    /// OAuth `error`, e.g. `invalid_client`, `invalid_scope`, `unauthorized_client`
    TOKEN_ERROR = "token.error";
    /// every AADSTS code of the answer, digits only, e.g. `7000215`
    TOKEN_AADSTS = "token.aadsts";
    /// `suberror`, e.g. `consent_required`
    TOKEN_SUBERROR = "token.suberror";
    /// the parameter the token request lacked ("must contain the following parameter"): `client_credential` (client_secret or client_assertion), `client_id`, or the parameter's name, e.g. `grant_type`
    TOKEN_MISSING_PARAMETER = "token.missing_parameter";
    /// a failed sign-in's text that carries no AADSTS code, as the message index reads it: `federated-user-unsupported`, `federated-idp-refused`, `assembly-load-failed`, `broker-failed`, `sign-in-bad-request`
    TOKEN_MESSAGE = "token.message";
    /// `json`, `html`, `empty`, `text`: only when the answer was not a token; `truncated` when it could not be read whole
    TOKEN_BODY = "token.body";
    /// `connect`, `timeout`, `dns`, `tls`, `other`: the request got no HTTP answer
    TOKEN_NETWORK = "token.network";
    /// how a given token was wrapped: `bare`, `bearer`, `authorization-header`, `json-response`, `quoted`, `double-bearer`, `tool-output` (one field of a printout: an object listing, a Python dict, a command line)
    TOKEN_INPUT = "token.input";
    /// `valid`, `expired`, `not-yet-valid`, or why it could not be used: `not-a-certificate`, `unreadable`, `no-certificate`, `no-private-key`, `encrypted-pem-key`, `wrong-password`, `password-required`, `key-does-not-match`, `not-rsa`, `signing`
    TOKEN_CERTIFICATE = "token.certificate";
    /// the federated token presented: `valid`, `expired`, or `unreadable`, `empty`, `not-a-jwt`, `oidc-refused`, `oidc-no-value`, `oidc-network`, `missing-permission`
    TOKEN_ASSERTION = "token.assertion";
    /// why `az account get-access-token` gave no token: `missing`, `not-logged-in`, `failed`, `bad-output`, `timeout`
    TOKEN_AZURE_CLI = "token.azure_cli";
    /// the device code flow's last `error`: `authorization_declined`, `expired_token`, `bad_verification_code`, `refused` (the devicecode request itself) …
    TOKEN_DEVICE_CODE = "token.device_code";
    /// the tenant's cloud from its OpenID configuration: `public`, `usgov`, `usgovhigh`, `usdod`, `china`, `unknown`
    TOKEN_TENANT_CLOUD = "token.tenant_cloud";
    /// `match`, `mismatch`: the authority or API host in use belongs to another cloud than the tenant's
    TOKEN_CLOUD = "token.cloud";

    // scope
    /// `powerbi`, `fabric`, `graph`, `aad-graph`, `arm`, `powerbi-other-cloud`, `other`, `missing`
    SCOPE_AUDIENCE = "scope.audience";
    /// the API family a Fabric-audience token was judged for: `powerbi`, `fabric`, `both`
    SCOPE_API = "scope.api";
    /// cloud of a Power BI audience: `public`, `usgov`, `usgovhigh`, `usdod`, `china`
    SCOPE_AUDIENCE_CLOUD = "scope.audience_cloud";

    // claims
    /// `ok`, `empty`, `not-jwt`, `truncated`, `bad-base64`, `bad-json`, `encrypted`, `embed-token` (a Power BI embed token, `H4sI…`)
    CLAIMS_DECODE = "claims.decode";
    /// `valid`, `expiring-soon` (under 5 minutes left), `expired`, `missing`
    CLAIMS_EXPIRY = "claims.expiry";
    /// `future` (nbf after now, beyond 5 minutes of skew), `ok`
    CLAIMS_NOT_BEFORE = "claims.not_before";
    /// `match`, `mismatch`, `not-compared` (tenant given as a domain)
    CLAIMS_TENANT = "claims.tenant";
    /// `public`, `usgov`, `china`, `unknown`
    CLAIMS_ISSUER_CLOUD = "claims.issuer_cloud";
    /// `match`, `mismatch` (issuer's cloud differs from the cloud asked for)
    CLAIMS_CLOUD = "claims.cloud";
    /// `1.0`, `2.0`
    CLAIMS_VER = "claims.ver";
    /// `match`, `mismatch`: the token's `appid`/`azp` against `--client-id` / `--expect-client-id`
    CLAIMS_CLIENT = "claims.client";
    /// whole minutes until `exp` (0 when expired)
    CLAIMS_MINUTES_LEFT = "claims.minutes_left";

    // identity-kind
    /// `application`, `delegated`, `unknown`
    IDENTITY_KIND = "identity.kind";
    /// `token` (read from the token's claims), `assumed` (`explain` without a token: roles, scopes and directory roles are unknown, not absent)
    IDENTITY_SOURCE = "identity.source";
    /// `true` (the token carries `xms_mirid`)
    IDENTITY_MANAGED_IDENTITY = "identity.managed_identity";
    /// `Tenant.Read.All`, `Tenant.ReadWrite.All`: Power BI application permissions in `roles`
    IDENTITY_POWERBI_APP_ROLES = "identity.powerbi_app_roles";
    /// `present`, `absent`: delegated token has `Tenant.Read.All` or `Tenant.ReadWrite.All` in `scp`
    IDENTITY_ADMIN_SCOPE = "identity.admin_scope";
    /// `true`, `false`, `unknown` (no `wids` claim): delegated user holds Fabric, Global or Power Platform Administrator
    IDENTITY_FABRIC_ADMIN = "identity.fabric_admin";
    /// `fabric-administrator`, `global-administrator`, `power-platform-administrator`, `global-reader`, ...
    IDENTITY_DIRECTORY_ROLES = "identity.directory_roles";
    /// every value of `roles` (application permissions, or app roles of a user)
    IDENTITY_ROLES = "identity.roles";

    // admin-api: the admin probe (GetGroupsAsAdmin)
    /// HTTP status, e.g. `401`
    ADMIN_API_STATUS = "admin_api.status";
    /// `error.code`, `pbi.error.code` or Fabric `errorCode`, or the `x-ms-public-api-error-code` header, e.g. `PowerBINotAuthorizedException`, `TokenExpired`, `InsufficientScopes`
    ADMIN_API_ERROR_CODE = "admin_api.error_code";
    /// `X-PowerBI-Error-Info` header, e.g. `ServicePrincipalIsNotAllowedByTenantAdminSwitch`, `GroupNotAccessible`, `TokenExpired`, `InvalidToken`
    ADMIN_API_ERROR_INFO = "admin_api.error_info";
    /// the body's message text, e.g. `API is not accessible for application`; a message the index knows (`messages.toml`) in its canonical wording
    ADMIN_API_MESSAGE = "admin_api.message";
    /// `json`, `empty`, `html`, `text`, or `truncated` (cut at 4 MiB, or the connection stopped before its end); on a 2xx only when the answer could not be read
    ADMIN_API_BODY = "admin_api.body";
    /// the `Retry-After` header's value
    ADMIN_API_RETRY_AFTER = "admin_api.retry_after";
    /// the `error` of a `WWW-Authenticate` challenge, e.g. `insufficient_claims`
    ADMIN_API_CHALLENGE = "admin_api.challenge";
    /// `connect`, `timeout`, `dns`, `tls`, `other`
    ADMIN_API_NETWORK = "admin_api.network";

    // workspace-api: the list probe (`/myorg/groups`)
    /// HTTP status, e.g. `401`
    WORKSPACE_API_STATUS = "workspace_api.status";
    /// `error.code`, `pbi.error.code` or Fabric `errorCode`, or the `x-ms-public-api-error-code` header, e.g. `PowerBINotAuthorizedException`, `TokenExpired`, `InsufficientScopes`
    WORKSPACE_API_ERROR_CODE = "workspace_api.error_code";
    /// `X-PowerBI-Error-Info` header, e.g. `ServicePrincipalIsNotAllowedByTenantAdminSwitch`, `GroupNotAccessible`, `TokenExpired`, `InvalidToken`
    WORKSPACE_API_ERROR_INFO = "workspace_api.error_info";
    /// the body's message text, e.g. `API is not accessible for application`; a message the index knows (`messages.toml`) in its canonical wording
    WORKSPACE_API_MESSAGE = "workspace_api.message";
    /// `json`, `empty`, `html`, `text`, or `truncated` (cut at 4 MiB, or the connection stopped before its end); on a 2xx only when the answer could not be read
    WORKSPACE_API_BODY = "workspace_api.body";
    /// the `Retry-After` header's value
    WORKSPACE_API_RETRY_AFTER = "workspace_api.retry_after";
    /// the `error` of a `WWW-Authenticate` challenge, e.g. `insufficient_claims`
    WORKSPACE_API_CHALLENGE = "workspace_api.challenge";
    /// `connect`, `timeout`, `dns`, `tls`, `other`
    WORKSPACE_API_NETWORK = "workspace_api.network";

    // workspace-api: the probe of each `--workspace`
    /// HTTP status, e.g. `401`
    WORKSPACE_API_TARGET_STATUS = "workspace_api.target_status";
    /// `error.code`, `pbi.error.code` or Fabric `errorCode`, or the `x-ms-public-api-error-code` header, e.g. `PowerBINotAuthorizedException`, `TokenExpired`, `InsufficientScopes`
    WORKSPACE_API_TARGET_ERROR_CODE = "workspace_api.target_error_code";
    /// `X-PowerBI-Error-Info` header, e.g. `ServicePrincipalIsNotAllowedByTenantAdminSwitch`, `GroupNotAccessible`, `TokenExpired`, `InvalidToken`
    WORKSPACE_API_TARGET_ERROR_INFO = "workspace_api.target_error_info";
    /// the body's message text, e.g. `API is not accessible for application`; a message the index knows (`messages.toml`) in its canonical wording
    WORKSPACE_API_TARGET_MESSAGE = "workspace_api.target_message";
    /// `json`, `empty`, `html`, `text`, or `truncated` (cut at 4 MiB, or the connection stopped before its end); on a 2xx only when the answer could not be read
    WORKSPACE_API_TARGET_BODY = "workspace_api.target_body";
    /// the `Retry-After` header's value
    WORKSPACE_API_TARGET_RETRY_AFTER = "workspace_api.target_retry_after";
    /// the `error` of a `WWW-Authenticate` challenge, e.g. `insufficient_claims`
    WORKSPACE_API_TARGET_CHALLENGE = "workspace_api.target_challenge";
    /// `connect`, `timeout`, `dns`, `tls`, `other`
    WORKSPACE_API_TARGET_NETWORK = "workspace_api.target_network";

    // workspace-api, beyond its probes
    /// `0` or `some` (list call succeeded)
    WORKSPACE_API_COUNT = "workspace_api.count";
    /// how many workspaces the list call returned, e.g. `3`
    WORKSPACE_API_LISTED = "workspace_api.listed";
    /// each `--workspace` id whose scoped call succeeded
    WORKSPACE_API_REACHABLE = "workspace_api.reachable";
    /// `no`: a `--workspace` id absent from a successful list
    WORKSPACE_API_TARGET_LISTED = "workspace_api.target_listed";

    // fabric-api: the list probe (`GET {fabric}/v1/workspaces`)
    /// HTTP status, e.g. `401`
    FABRIC_API_STATUS = "fabric_api.status";
    /// Fabric `errorCode`, or the `x-ms-public-api-error-code` header, e.g. `TokenExpired`, `InsufficientScopes`, `PrincipalTypeNotSupported`
    FABRIC_API_ERROR_CODE = "fabric_api.error_code";
    /// `X-PowerBI-Error-Info` header, e.g. `ServicePrincipalIsNotAllowedByTenantAdminSwitch`
    FABRIC_API_ERROR_INFO = "fabric_api.error_info";
    /// the body's message text; a message the index knows (`messages.toml`) in its canonical wording
    FABRIC_API_MESSAGE = "fabric_api.message";
    /// `json`, `empty`, `html`, `text`, or `truncated` (cut at 4 MiB, or the connection stopped before its end); on a 2xx only when the answer could not be read
    FABRIC_API_BODY = "fabric_api.body";
    /// the `Retry-After` header's value
    FABRIC_API_RETRY_AFTER = "fabric_api.retry_after";
    /// the `error` of a `WWW-Authenticate` challenge, e.g. `insufficient_claims`
    FABRIC_API_CHALLENGE = "fabric_api.challenge";
    /// `connect`, `timeout`, `dns`, `tls`, `other`
    FABRIC_API_NETWORK = "fabric_api.network";

    // fabric-api: the probe of each `--workspace` (`GET {fabric}/v1/workspaces/{id}`)
    /// HTTP status, e.g. `401`
    FABRIC_API_TARGET_STATUS = "fabric_api.target_status";
    /// Fabric `errorCode`, or the `x-ms-public-api-error-code` header, e.g. `TokenExpired`, `InsufficientScopes`, `PrincipalTypeNotSupported`
    FABRIC_API_TARGET_ERROR_CODE = "fabric_api.target_error_code";
    /// `X-PowerBI-Error-Info` header, e.g. `ServicePrincipalIsNotAllowedByTenantAdminSwitch`
    FABRIC_API_TARGET_ERROR_INFO = "fabric_api.target_error_info";
    /// the body's message text; a message the index knows (`messages.toml`) in its canonical wording
    FABRIC_API_TARGET_MESSAGE = "fabric_api.target_message";
    /// `json`, `empty`, `html`, `text`, or `truncated` (cut at 4 MiB, or the connection stopped before its end); on a 2xx only when the answer could not be read
    FABRIC_API_TARGET_BODY = "fabric_api.target_body";
    /// the `Retry-After` header's value
    FABRIC_API_TARGET_RETRY_AFTER = "fabric_api.target_retry_after";
    /// the `error` of a `WWW-Authenticate` challenge, e.g. `insufficient_claims`
    FABRIC_API_TARGET_CHALLENGE = "fabric_api.target_challenge";
    /// `connect`, `timeout`, `dns`, `tls`, `other`
    FABRIC_API_TARGET_NETWORK = "fabric_api.target_network";

    // fabric-api, beyond its probes
    /// how many workspaces the Fabric list returned, e.g. `3`
    FABRIC_API_LISTED = "fabric_api.listed";
    /// each `--workspace` id Fabric's `GET /v1/workspaces/{id}` answered
    FABRIC_API_REACHABLE = "fabric_api.reachable";
    /// `no`: a `--workspace` id absent from a successful Fabric list
    FABRIC_API_TARGET_LISTED = "fabric_api.target_listed";
    /// `true`, `false`: a Fabric refusal's `isRetriable`
    FABRIC_API_RETRIABLE = "fabric_api.retriable";
    // directory (the second look, Microsoft Graph)
    /// the object id of the app's service principal in the tenant, e.g. `11111111-2222-3333-4444-555555555555`
    DIRECTORY_SP_OBJECT_ID = "directory.sp_object_id";
    /// `found`, `not-found`: whether the app has a service principal in the tenant
    DIRECTORY_SP = "directory.sp";
    /// what Graph answered: `service-principal`, `groups`, `app-roles`, `grants`, `application`, `user-roles`
    DIRECTORY_READ = "directory.read";
    /// every security group the service principal is a member of, directly or through nested groups, as `<id> <name>`
    DIRECTORY_GROUPS = "directory.groups";
    /// the object id of the Power BI Service principal in the tenant
    DIRECTORY_POWERBI_SP_ID = "directory.powerbi_sp_id";
    /// the Power BI application permissions assigned to the app, by name, e.g. `Tenant.Read.All`
    DIRECTORY_POWERBI_APP_ROLES = "directory.powerbi_app_roles";
    /// the id of each Power BI app role assignment of the app
    DIRECTORY_POWERBI_ROLE_ASSIGNMENT = "directory.powerbi_role_assignment";
    /// the delegated Power BI permissions granted to the app, e.g. `Tenant.Read.All`
    DIRECTORY_DELEGATED_GRANTS = "directory.delegated_grants";
    /// `valid`, `expiring-soon` (a secret or certificate ends within 30 days), `expired` (none is valid)
    DIRECTORY_CREDENTIAL_EXPIRY = "directory.credential_expiry";
    /// the date the soonest-ending valid secret or certificate ends, e.g. `2026-12-10`
    DIRECTORY_CREDENTIAL_ENDS = "directory.credential_ends";
    /// whole days until then, e.g. `11`
    DIRECTORY_CREDENTIAL_DAYS_LEFT = "directory.credential_days_left";
    /// `true`, `false`: the delegated caller holds a Fabric, Global or Power Platform Administrator role, read from Graph
    DIRECTORY_USER_ADMIN = "directory.user_admin";
    /// a permission the administrator's identity lacks, e.g. `Application.Read.All`, `Fabric administrator`
    DIRECTORY_MISSING_PERMISSION = "directory.missing_permission";
    /// the `Retry-After` of a throttled Graph read, or `unknown`
    DIRECTORY_THROTTLED = "directory.throttled";

    // tenant-settings (the second look, Fabric admin API)
    /// `ok`, `forbidden`, `throttled`, `failed`
    TENANT_SETTINGS_READ = "tenant_settings.read";
    /// the read-only admin API setting for this service principal: `off`, `allowed`, `not-in-group`, `excluded`, `membership-unknown`
    TENANT_SETTINGS_ADMIN_API = "tenant_settings.admin_api";
    /// the service-principal API setting (Fabric public APIs) for this service principal: same values
    TENANT_SETTINGS_FABRIC_API = "tenant_settings.fabric_api";
    /// each security group the read-only admin API setting is enabled for, as `<id> <name>`
    TENANT_SETTINGS_ALLOWED_GROUP = "tenant_settings.allowed_group";
    /// each excluded security group that holds the service principal, as `<id> <name>`
    TENANT_SETTINGS_EXCLUDED_GROUP = "tenant_settings.excluded_group";
    /// each security group the service-principal API setting is enabled for, as `<id> <name>`
    TENANT_SETTINGS_FABRIC_API_GROUP = "tenant_settings.fabric_api_group";
    /// how the service principal is on the access list of a `--workspace` (GetGroupUsersAsAdmin): `direct`, `group`, `none`
    TENANT_SETTINGS_WORKSPACE_ACCESS = "tenant_settings.workspace_access";
    /// each `--workspace` id whose access list holds neither the service principal nor a group of it
    TENANT_SETTINGS_WORKSPACE_WITHOUT_SP = "tenant_settings.workspace_without_sp";

    // explain: where a pasted error came from
    /// the kind of endpoint outside the admin API a pasted error came from (`explain` only): `myorg`, `workspace`, `fabric`, `cluster` (wabi-…), `xmla` (powerbi://)
    WORKSPACE_API_ROUTE = "workspace_api.route";
}

/// A probe of the Power BI API: each emits the same [`ProbeField`]s under its own prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The admin probe (`admin_api.`).
    Admin,
    /// The workspace list (`workspace_api.`).
    WorkspaceList,
    /// A `--workspace` scoped call (`workspace_api.target_`).
    WorkspaceTarget,
    /// Fabric's workspace list (`fabric_api.`).
    FabricList,
    /// Fabric's `GET /v1/workspaces/{id}` of a `--workspace` (`fabric_api.target_`).
    FabricTarget,
}

impl Probe {
    /// Every probe.
    pub const ALL: [Probe; 5] = [
        Self::Admin,
        Self::WorkspaceList,
        Self::WorkspaceTarget,
        Self::FabricList,
        Self::FabricTarget,
    ];
}

/// What a probe records about its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeField {
    /// `<probe>.status`.
    Status,
    /// `<probe>.error_code`.
    ErrorCode,
    /// `<probe>.error_info`.
    ErrorInfo,
    /// `<probe>.message`.
    Message,
    /// `<probe>.body`.
    Body,
    /// `<probe>.retry_after`.
    RetryAfter,
    /// `<probe>.challenge`.
    Challenge,
    /// `<probe>.network`.
    Network,
}

impl ProbeField {
    /// Every field, in the order of [`Probe::signals`].
    pub const ALL: [Self; 8] = [
        Self::Status,
        Self::ErrorCode,
        Self::ErrorInfo,
        Self::Message,
        Self::Body,
        Self::RetryAfter,
        Self::Challenge,
        Self::Network,
    ];

    /// The part of the name after the probe's prefix, as `checks/README.md` writes
    /// `<probe>.{suffix}`.
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::ErrorCode => "error_code",
            Self::ErrorInfo => "error_info",
            Self::Message => "message",
            Self::Body => "body",
            Self::RetryAfter => "retry_after",
            Self::Challenge => "challenge",
            Self::Network => "network",
        }
    }
}

impl Probe {
    /// The probe's signals, in [`ProbeField::ALL`] order.
    pub const fn signals(self) -> [&'static str; 8] {
        match self {
            Self::Admin => [
                ADMIN_API_STATUS,
                ADMIN_API_ERROR_CODE,
                ADMIN_API_ERROR_INFO,
                ADMIN_API_MESSAGE,
                ADMIN_API_BODY,
                ADMIN_API_RETRY_AFTER,
                ADMIN_API_CHALLENGE,
                ADMIN_API_NETWORK,
            ],
            Self::WorkspaceList => [
                WORKSPACE_API_STATUS,
                WORKSPACE_API_ERROR_CODE,
                WORKSPACE_API_ERROR_INFO,
                WORKSPACE_API_MESSAGE,
                WORKSPACE_API_BODY,
                WORKSPACE_API_RETRY_AFTER,
                WORKSPACE_API_CHALLENGE,
                WORKSPACE_API_NETWORK,
            ],
            Self::WorkspaceTarget => [
                WORKSPACE_API_TARGET_STATUS,
                WORKSPACE_API_TARGET_ERROR_CODE,
                WORKSPACE_API_TARGET_ERROR_INFO,
                WORKSPACE_API_TARGET_MESSAGE,
                WORKSPACE_API_TARGET_BODY,
                WORKSPACE_API_TARGET_RETRY_AFTER,
                WORKSPACE_API_TARGET_CHALLENGE,
                WORKSPACE_API_TARGET_NETWORK,
            ],
            Self::FabricList => [
                FABRIC_API_STATUS,
                FABRIC_API_ERROR_CODE,
                FABRIC_API_ERROR_INFO,
                FABRIC_API_MESSAGE,
                FABRIC_API_BODY,
                FABRIC_API_RETRY_AFTER,
                FABRIC_API_CHALLENGE,
                FABRIC_API_NETWORK,
            ],
            Self::FabricTarget => [
                FABRIC_API_TARGET_STATUS,
                FABRIC_API_TARGET_ERROR_CODE,
                FABRIC_API_TARGET_ERROR_INFO,
                FABRIC_API_TARGET_MESSAGE,
                FABRIC_API_TARGET_BODY,
                FABRIC_API_TARGET_RETRY_AFTER,
                FABRIC_API_TARGET_CHALLENGE,
                FABRIC_API_TARGET_NETWORK,
            ],
        }
    }

    /// The name of one field of this probe, e.g. `admin_api.status`.
    pub const fn signal(self, field: ProbeField) -> &'static str {
        self.signals()[field as usize]
    }

    /// The prefix the fields are written under, e.g. `admin_api.`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Admin => "admin_api.",
            Self::WorkspaceList => "workspace_api.",
            Self::WorkspaceTarget => "workspace_api.target_",
            Self::FabricList => "fabric_api.",
            Self::FabricTarget => "fabric_api.target_",
        }
    }
}

/// One matched signal in a short sentence for people: what the human report's "Evidence" line
/// shows instead of the raw `name = value` (the JSON report keeps the raw signals).
///
/// `values` are what the diagnosis matched: the signal's values, or `["absent"]` when a
/// catalogue condition asked for the signal not to be emitted (`absent = [...]`). The one signal
/// whose own value can be `absent`, [`IDENTITY_ADMIN_SCOPE`], reads the same either way.
pub fn describe(signal: &str, values: &[String]) -> String {
    sentence(signal, values).unwrap_or_else(|| {
        // Not a signal of this table: the catalogue validation refuses such a name, so this is
        // only reached by a caller passing something else; say what it held, plainly.
        format!("Evidence {signal} held {}.", crate::words::list(values))
    })
}

fn sentence(signal: &str, values: &[String]) -> Option<String> {
    let absent = values.is_empty() || (values == ["absent"] && signal != IDENTITY_ADMIN_SCOPE);
    if absent {
        return absent_sentence(signal).map(str::to_owned);
    }
    if let Some((probe, field)) = probe_field(signal) {
        return Some(probe_sentence(probe, field, values));
    }
    // One sentence per value of a signal whose values are words of ours.
    let each = |one: &dyn Fn(&str) -> String| -> String {
        values.iter().map(|v| one(v)).collect::<Vec<_>>().join(" ")
    };
    // One sentence listing the values of a signal that holds names, codes or ids.
    let listed = |shown: &dyn Fn(&str) -> String| -> String {
        crate::words::list(&values.iter().map(|v| shown(v)).collect::<Vec<_>>())
    };
    let plural = |one: &str, many: &str| if values.len() == 1 { one } else { many }.to_owned();
    Some(match signal {
        TOKEN_SOURCE => each(&|v| match crate::credential::CredentialKind::ALL
            .into_iter()
            .find(|k| k.signal() == v)
        {
            Some(crate::credential::CredentialKind::TokenFile) => {
                "The token was given to pbi-doctor, not requested.".to_owned()
            }
            Some(kind) => format!("The token was requested with {}.", kind.words()),
            None => format!("The token came from {v}."),
        }),
        TOKEN_TENANT_SHAPE => each(&|v| {
            match v {
                "guid" => "The tenant was given as a tenant id (a GUID).",
                "domain" => "The tenant was given as a domain name.",
                "common-endpoint" => {
                    "The tenant was given as common, organizations or consumers, which names no tenant."
                }
                _ => "The tenant is neither a tenant id (a GUID) nor a domain name.",
            }
            .to_owned()
        }),
        TOKEN_CLIENT_ID_SHAPE => each(&|v| {
            if v == "guid" {
                "The client id is a GUID.".to_owned()
            } else {
                "The client id is not a GUID.".to_owned()
            }
        }),
        TOKEN_SECRET_SHAPE => {
            "The client secret looks like a GUID: the shape of a secret's ID, not of its value."
                .to_owned()
        }
        TOKEN_STATUS => format!("Entra ID answered {}.", listed(&|v| format!("HTTP {v}"))),
        TOKEN_ERROR => format!(
            "Entra ID answered with the {} {}.",
            plural("error", "errors"),
            listed(&|v| v.to_owned())
        ),
        TOKEN_AADSTS => format!(
            "Entra ID answered with {}.",
            listed(&|v| format!("AADSTS{v}"))
        ),
        TOKEN_SUBERROR => format!(
            "Entra ID's answer carried the {} {}.",
            plural("suberror", "suberrors"),
            listed(&|v| v.to_owned())
        ),
        TOKEN_BODY => each(&|v| {
            format!(
                "The answer to the token request came with {}, not a token or an Entra ID error.",
                crate::api_error::BodyKind::words(v).unwrap_or("an unexpected body")
            )
        }),
        TOKEN_NETWORK => each(&|v| format!("The token request got no answer: {}.", network(v))),
        WORKSPACE_API_ROUTE => each(&|v| {
            match v {
                "myorg" => "The pasted error came from a Power BI API outside any workspace.",
                "workspace" => "The pasted error came from a workspace-scoped Power BI API.",
                "fabric" => "The pasted error came from the Fabric REST API.",
                "cluster" => "The pasted error came from a Power BI cluster (wabi) endpoint.",
                "xmla" => "The pasted error came from an XMLA endpoint (powerbi://).",
                _ => "The pasted error came from another Power BI endpoint.",
            }
            .to_owned()
        }),
        TOKEN_INPUT => format!(
            "The token was given {}.",
            listed(&|v| {
                crate::token_input::Wrapper::from_signal(v)
                    .map(|w| w.words().to_owned())
                    .unwrap_or_else(|| format!("wrapped ({v})"))
            })
        ),
        TOKEN_CERTIFICATE => each(&|v| {
            match v {
                "valid" => "The certificate is within its validity dates.",
                "expired" => "The certificate has expired.",
                "not-yet-valid" => "The certificate is not valid yet.",
                "not-a-certificate" => {
                    "The certificate file holds no certificate or key that could be read."
                }
                "unreadable" => "The certificate file could not be read.",
                "no-certificate" => "The certificate file holds a key but no certificate.",
                "no-private-key" => "The certificate file holds no private key.",
                "encrypted-pem-key" => {
                    "The certificate's private key is encrypted, which cannot be read."
                }
                "wrong-password" => "The certificate's password is wrong.",
                "password-required" => "The certificate needs a password and none was given.",
                "key-does-not-match" => "The private key does not belong to the certificate.",
                "not-rsa" => "The certificate's key is not an RSA key.",
                "signing" => "Signing with the certificate's key failed.",
                _ => "The certificate could not be used.",
            }
            .to_owned()
        }),
        TOKEN_ASSERTION => each(&|v| {
            match v {
                "valid" => "The federated token presented has not expired.",
                "expired" => "The federated token presented has expired.",
                "unreadable" => "The federated token file could not be read.",
                "empty" => "The federated token file is empty.",
                "not-a-jwt" => "The federated token is not a JWT.",
                "oidc-refused" => "The GitHub Actions OIDC endpoint refused to issue a token.",
                "oidc-no-value" => "The GitHub Actions OIDC endpoint answered without a token.",
                "oidc-network" => "The GitHub Actions OIDC endpoint could not be reached.",
                "missing-permission" => {
                    "The GitHub Actions job may not request an OIDC token (no id-token: write permission)."
                }
                _ => "No usable federated token could be presented.",
            }
            .to_owned()
        }),
        TOKEN_AZURE_CLI => each(&|v| {
            match v {
                "missing" => "The Azure CLI (az) is not installed or not on PATH.",
                "not-logged-in" => "The Azure CLI is not logged in.",
                "bad-output" => "The Azure CLI's output could not be read.",
                "timeout" => "The Azure CLI did not answer in time.",
                _ => "The Azure CLI gave no token.",
            }
            .to_owned()
        }),
        TOKEN_DEVICE_CODE => each(&|v| match v {
            "authorization_declined" => "The user declined the sign-in.".to_owned(),
            "expired_token" => {
                "The device code expired before the sign-in was completed.".to_owned()
            }
            "bad_verification_code" => "The code entered was not recognised.".to_owned(),
            "refused" => "Entra ID refused to start the device code sign-in.".to_owned(),
            other => format!("The device code sign-in ended with the error {other}."),
        }),
        TOKEN_TENANT_CLOUD => each(&|v| match cloud_words(v) {
            Some(cloud) => format!("The tenant lives in {cloud}."),
            None => {
                "The tenant's cloud could not be told from its OpenID configuration.".to_owned()
            }
        }),
        TOKEN_CLOUD => each(&|v| {
            if v == "match" {
                "The authority and API host in use are in the tenant's cloud.".to_owned()
            } else {
                "The authority or API host in use belongs to another cloud than the tenant's."
                    .to_owned()
            }
        }),
        SCOPE_AUDIENCE => each(&|v| {
            match v {
                "powerbi" => "The token is for Power BI.",
                "fabric" => {
                    "The token is for Microsoft Fabric's own API, not for the Power BI API."
                }
                "graph" => "The token is for Microsoft Graph, not for Power BI.",
                "aad-graph" => "The token is for Azure AD Graph (retired), not for Power BI.",
                "arm" => "The token is for Azure Resource Manager, not for Power BI.",
                "powerbi-other-cloud" => {
                    "The token is for Power BI in another cloud than the one in use."
                }
                "missing" => "The token names no audience (no aud claim).",
                _ => "The token is for another resource than Power BI.",
            }
            .to_owned()
        }),
        SCOPE_API => each(&|v| {
            match v {
                "powerbi" => "The token was judged for Power BI's API.",
                "fabric" => "The token was judged for Fabric's API.",
                _ => "The token was judged for both Power BI's and Fabric's APIs.",
            }
            .to_owned()
        }),
        FABRIC_API_LISTED => each(&|v| match v.parse::<u64>() {
            Ok(n) => format!(
                "Fabric's workspace list held {}.",
                crate::words::count(n, "workspace", "workspaces")
            ),
            Err(_) => format!("Fabric's workspace list held {v} workspaces."),
        }),
        FABRIC_API_REACHABLE => format!(
            "Fabric answered for the {} {}.",
            plural("workspace", "workspaces"),
            listed(&|v| v.to_owned())
        ),
        FABRIC_API_TARGET_LISTED => {
            "A workspace you named is not among the workspaces Fabric lists for the caller."
                .to_owned()
        }
        FABRIC_API_RETRIABLE => each(&|v| {
            if v == "true" {
                "Fabric said the refused call may succeed if retried.".to_owned()
            } else {
                "Fabric said retrying the refused call will not help.".to_owned()
            }
        }),
        SCOPE_AUDIENCE_CLOUD => each(&|v| match cloud_words(v) {
            Some(cloud) => format!("The token is for Power BI in {cloud}."),
            None => "The token is for Power BI in a cloud pbi-doctor does not know.".to_owned(),
        }),
        TOKEN_MISSING_PARAMETER => format!(
            "Entra ID said the token request lacked {}.",
            listed(&|v| match v {
                "client_credential" => "a client credential (a secret or an assertion)".to_owned(),
                "client_id" => "the client id".to_owned(),
                other => format!("the parameter {other}"),
            })
        ),
        TOKEN_MESSAGE => each(&|v| {
            match v {
                "federated-user-unsupported" => {
                    "The sign-in text says a federated account cannot sign in this way."
                }
                "federated-idp-refused" => {
                    "The sign-in text says the account's own identity provider refused it."
                }
                "assembly-load-failed" => {
                    "The sign-in text says the authentication library could not be loaded."
                }
                "broker-failed" => "The sign-in text says the sign-in broker failed.",
                "sign-in-bad-request" => {
                    "The sign-in page answered that the request was bad (no code given)."
                }
                _ => "A sign-in failure was recognised from its text.",
            }
            .to_owned()
        }),
        CLAIMS_DECODE => each(&|v| {
            match v {
                "ok" => "The token decoded as a JWT.",
                "empty" => "The token is empty.",
                "not-jwt" => "The token is not a JWT.",
                "truncated" => "The token is cut short: a part is missing or incomplete.",
                "bad-base64" => {
                    "A part of the token is not base64url: characters were changed or added."
                }
                "bad-json" => "A part of the token does not decode to JSON claims.",
                "encrypted" => "The token is encrypted, so its claims cannot be read.",
                "embed-token" => {
                    "The token is a Power BI embed token, not a Microsoft Entra token."
                }
                _ => "The token could not be decoded.",
            }
            .to_owned()
        }),
        CLAIMS_EXPIRY => each(&|v| {
            match v {
                "valid" => "The token has not expired.",
                "expiring-soon" => "The token expires within 5 minutes.",
                "expired" => "The token has expired.",
                _ => "The token has no expiry time (no exp claim).",
            }
            .to_owned()
        }),
        CLAIMS_NOT_BEFORE => each(&|v| {
            if v == "future" {
                "The token's start time (nbf) is more than 5 minutes ahead of the clock.".to_owned()
            } else {
                "The token's start time (nbf) has passed.".to_owned()
            }
        }),
        CLAIMS_TENANT => {
            each(&|v| {
                match v {
                "match" => "The token was issued by the tenant asked for.",
                "mismatch" => "The token was issued by another tenant than the one asked for.",
                _ => "The token's tenant was not compared: the tenant was not given as a tenant id.",
            }
            .to_owned()
            })
        }
        CLAIMS_ISSUER_CLOUD => each(&|v| match entra_cloud_words(v) {
            Some(cloud) => format!("The token was issued by the {cloud} Entra ID cloud."),
            None => "The token's issuer belongs to no Entra ID cloud pbi-doctor knows.".to_owned(),
        }),
        CLAIMS_CLOUD => each(&|v| {
            if v == "match" {
                "The token was issued in the Entra ID cloud in use.".to_owned()
            } else {
                "The token was issued in another Entra ID cloud than the one in use.".to_owned()
            }
        }),
        CLAIMS_VER => format!(
            "The token is a version {} access token.",
            listed(&|v| v.to_owned())
        ),
        CLAIMS_CLIENT => each(&|v| {
            if v == "match" {
                "The token was issued to the application expected.".to_owned()
            } else {
                "The token was issued to another application than the one expected.".to_owned()
            }
        }),
        CLAIMS_MINUTES_LEFT => each(&|v| match v.parse::<u64>() {
            Ok(0) => "The token has no time left.".to_owned(),
            Ok(minutes) if minutes < 90 => format!(
                "The token has {} left.",
                crate::words::count(minutes, "minute", "minutes")
            ),
            Ok(minutes) => format!(
                "The token has {} left.",
                crate::words::duration(minutes.saturating_mul(60))
            ),
            Err(_) => format!("The token has {v} minutes left."),
        }),
        IDENTITY_KIND => each(&|v| {
            match v {
                "application" => {
                    "The caller is an application (a service principal or a managed identity)."
                }
                "delegated" => "The caller is a signed-in user (a delegated token).",
                _ => "The token says neither that a user nor that an application is calling.",
            }
            .to_owned()
        }),
        IDENTITY_SOURCE => each(&|v| {
            if v == "assumed" {
                "Who was calling was assumed, not read from a token.".to_owned()
            } else {
                "Who was calling was read from the token.".to_owned()
            }
        }),
        IDENTITY_MANAGED_IDENTITY => "The caller is a managed identity.".to_owned(),
        IDENTITY_POWERBI_APP_ROLES => format!(
            "The token carries the Power BI application {} {}.",
            plural("permission", "permissions"),
            listed(&|v| v.to_owned())
        ),
        IDENTITY_ADMIN_SCOPE => each(&|v| {
            if v == "present" {
                "The user's token has an admin scope (Tenant.Read.All or Tenant.ReadWrite.All)."
                    .to_owned()
            } else {
                "The user's token has no admin scope (Tenant.Read.All or Tenant.ReadWrite.All)."
                    .to_owned()
            }
        }),
        IDENTITY_FABRIC_ADMIN => each(&|v| {
            match v {
                "true" => "The user holds a Fabric, Global or Power Platform Administrator role.",
                "false" => "The user holds no Fabric, Global or Power Platform Administrator role.",
                _ => "The token does not list the user's directory roles, so whether the user is a Fabric administrator is unknown.",
            }
            .to_owned()
        }),
        IDENTITY_DIRECTORY_ROLES => format!(
            "The user holds the directory {} {}.",
            plural("role", "roles"),
            listed(&|v| {
                crate::check::identity_kind::DIRECTORY_ROLES
                    .iter()
                    .find(|(_, name, _, _)| *name == v)
                    .map(|(_, _, display, _)| (*display).to_owned())
                    .unwrap_or_else(|| v.replace('-', " "))
            })
        ),
        IDENTITY_ROLES => format!(
            "The token's {} {}.",
            plural("role is", "roles are"),
            listed(&|v| v.to_owned())
        ),
        WORKSPACE_API_COUNT => each(&|v| {
            if v == "0" {
                "The caller is a member of no workspace.".to_owned()
            } else {
                "The caller is a member of at least one workspace.".to_owned()
            }
        }),
        WORKSPACE_API_LISTED => each(&|v| match v.parse::<u64>() {
            Ok(n) => format!(
                "The workspace list held {}.",
                crate::words::count(n, "workspace", "workspaces")
            ),
            Err(_) => format!("The workspace list held {v} workspaces."),
        }),
        WORKSPACE_API_REACHABLE => format!(
            "{} {} answered.",
            plural("Workspace", "Workspaces"),
            listed(&|v| v.to_owned())
        ),
        WORKSPACE_API_TARGET_LISTED => {
            "A workspace you named is not among the workspaces the caller is a member of."
                .to_owned()
        }
        DIRECTORY_SP_OBJECT_ID => format!(
            "The app's service principal has the object id {}.",
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_SP => each(&|v| {
            if v == "found" {
                "The app has a service principal in the tenant.".to_owned()
            } else {
                "The app has no service principal in the tenant.".to_owned()
            }
        }),
        DIRECTORY_READ => format!(
            "The administrator read back {}.",
            listed(&|v| match v {
                "service-principal" => "the service principal".to_owned(),
                "groups" => "its group memberships".to_owned(),
                "app-roles" => "its Power BI application permissions".to_owned(),
                "grants" => "its delegated permission grants".to_owned(),
                "application" => "the app registration's secrets and certificates".to_owned(),
                "user-roles" => "the user's directory roles".to_owned(),
                other => other.replace('-', " "),
            })
        ),
        DIRECTORY_GROUPS => format!(
            "The service principal is a member of {}.",
            listed(&|v| group_words(v))
        ),
        DIRECTORY_POWERBI_SP_ID => format!(
            "The Power BI Service principal has the object id {}.",
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_POWERBI_APP_ROLES => format!(
            "The app holds the Power BI application {} {}, admin-consented.",
            plural("permission", "permissions"),
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_POWERBI_ROLE_ASSIGNMENT => format!(
            "The Power BI app role {} {}.",
            plural("assignment is", "assignments are"),
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_DELEGATED_GRANTS => format!(
            "The app was granted the delegated Power BI {} {}.",
            plural("permission", "permissions"),
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_CREDENTIAL_EXPIRY => each(&|v| {
            match v {
                "valid" => {
                    "Every secret and certificate of the app is valid for more than 30 days."
                }
                "expiring-soon" => "A secret or certificate of the app ends within 30 days.",
                _ => "No secret or certificate of the app is valid any more.",
            }
            .to_owned()
        }),
        DIRECTORY_CREDENTIAL_ENDS => format!(
            "The app's soonest-ending secret or certificate ends on {}.",
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_CREDENTIAL_DAYS_LEFT => format!(
            "It has {} left.",
            listed(&|v| match v.parse::<u64>() {
                Ok(n) => crate::words::count(n, "day", "days"),
                Err(_) => format!("{v} days"),
            })
        ),
        DIRECTORY_USER_ADMIN => each(&|v| {
            if v == "true" {
                "The directory says the user holds a Fabric, Global or Power Platform Administrator role.".to_owned()
            } else {
                "The directory says the user holds no Fabric, Global or Power Platform Administrator role.".to_owned()
            }
        }),
        DIRECTORY_MISSING_PERMISSION => format!(
            "The administrator's identity lacks {}.",
            listed(&|v| v.to_owned())
        ),
        DIRECTORY_THROTTLED => each(&|v| match v.parse::<u64>() {
            Ok(seconds) => format!(
                "Microsoft Graph throttled the second look (retry after {seconds} seconds)."
            ),
            Err(_) => "Microsoft Graph throttled the second look.".to_owned(),
        }),
        TENANT_SETTINGS_READ => each(&|v| {
            match v {
                "ok" => "The tenant settings were read back.",
                "forbidden" => "The tenant settings could not be read: the administrator's identity was refused.",
                "throttled" => "The tenant settings could not be read: the Fabric API throttled the call.",
                _ => "The tenant settings could not be read.",
            }
            .to_owned()
        }),
        TENANT_SETTINGS_ADMIN_API => each(&|v| setting_words(READ_ADMIN_TITLE, v)),
        TENANT_SETTINGS_FABRIC_API => each(&|v| setting_words(FABRIC_API_TITLE, v)),
        TENANT_SETTINGS_ALLOWED_GROUP => format!(
            "The setting Service principals can access read-only admin APIs is enabled for {}.",
            listed(&|v| group_words(v))
        ),
        TENANT_SETTINGS_FABRIC_API_GROUP => format!(
            "The setting for service principals calling Fabric APIs is enabled for {}.",
            listed(&|v| group_words(v))
        ),
        TENANT_SETTINGS_WORKSPACE_ACCESS => each(&|v| {
            match v {
                "direct" => "A workspace you named lists the service principal itself on its access list.",
                "group" => "A workspace you named lists a security group of the service principal on its access list.",
                _ => "A workspace you named lists neither the service principal nor any group of it on its access list.",
            }
            .to_owned()
        }),
        TENANT_SETTINGS_WORKSPACE_WITHOUT_SP => format!(
            "The access list of {} {} holds neither the service principal nor a group of it.",
            plural("workspace", "workspaces"),
            listed(&|v| v.to_owned())
        ),
        TENANT_SETTINGS_EXCLUDED_GROUP => format!(
            "The service principal is in the excluded {} {}.",
            plural("group", "groups"),
            listed(&|v| group_words(v))
        ),
        _ => return None,
    })
}

/// The title of the read-only admin API setting, as the admin portal shows it.
const READ_ADMIN_TITLE: &str = "Service principals can access read-only admin APIs";
/// The title of the service-principal API setting.
const FABRIC_API_TITLE: &str = "Service principals can call Fabric public APIs";

/// A group kept as `<id> <name>`, for people: `name (id)`.
fn group_words(value: &str) -> String {
    match value.split_once(' ') {
        Some((id, name)) => format!("{name} ({id})"),
        None => value.to_owned(),
    }
}

/// What a tenant setting means for the service principal.
fn setting_words(title: &str, value: &str) -> String {
    match value {
        "off" => format!("The tenant setting {title} is disabled."),
        "allowed" => format!("The tenant setting {title} allows this service principal."),
        "not-in-group" => format!(
            "The tenant setting {title} is enabled, but for security groups the service principal is not a member of."
        ),
        "excluded" => format!(
            "The tenant setting {title} excludes a security group the service principal is a member of."
        ),
        _ => format!(
            "The tenant setting {title} is enabled for security groups, and the service principal's groups could not be read."
        ),
    }
}

/// The sentence for a signal that a catalogue condition required not to be emitted.
fn absent_sentence(signal: &str) -> Option<&'static str> {
    if let Some((probe, field)) = probe_field(signal) {
        return Some(probe_absent(probe, field));
    }
    Some(match signal {
        TOKEN_SOURCE => "Where the token came from is not known.",
        TOKEN_TENANT_SHAPE => "The tenant's form was not checked.",
        TOKEN_CLIENT_ID_SHAPE => "The client id's form was not checked.",
        TOKEN_SECRET_SHAPE => "The client secret does not look like a GUID.",
        TOKEN_STATUS => "Entra ID gave no HTTP answer.",
        TOKEN_ERROR => "Entra ID's answer named no error.",
        TOKEN_AADSTS => "Entra ID's answer carried no AADSTS code.",
        TOKEN_SUBERROR => "Entra ID's answer carried no suberror.",
        TOKEN_BODY => "The answer to the token request was a token or an Entra ID error.",
        TOKEN_NETWORK => "The token request did not fail on the network.",
        WORKSPACE_API_ROUTE => "The paste does not say which endpoint answered.",
        TOKEN_INPUT => "No token was given: pbi-doctor requested one.",
        TOKEN_CERTIFICATE => "No certificate was used.",
        TOKEN_ASSERTION => "No federated token was presented.",
        TOKEN_AZURE_CLI => "The Azure CLI did not fail.",
        TOKEN_DEVICE_CODE => "No device code sign-in ended with an error.",
        TOKEN_TENANT_CLOUD => "The tenant's cloud was not looked up.",
        TOKEN_CLOUD => "The endpoints in use were not compared with the tenant's cloud.",
        SCOPE_AUDIENCE => "The token's audience was not read.",
        SCOPE_AUDIENCE_CLOUD => "The token is not for Power BI in a known cloud.",
        SCOPE_API => "The token's audience was judged for Power BI's API only.",
        FABRIC_API_LISTED => "Fabric's workspace list was not read.",
        FABRIC_API_REACHABLE => "No workspace you named answered on Fabric's API.",
        FABRIC_API_TARGET_LISTED => {
            "No workspace you named was missing from the workspaces Fabric lists for the caller."
        }
        FABRIC_API_RETRIABLE => "Fabric did not say whether retrying helps.",
        TOKEN_MISSING_PARAMETER => "Entra ID named no missing parameter.",
        TOKEN_MESSAGE => "No sign-in failure was recognised from its text alone.",
        CLAIMS_DECODE => "The token was not decoded.",
        CLAIMS_EXPIRY => "The token's expiry was not read.",
        CLAIMS_NOT_BEFORE => "The token has no start time (nbf) that was read.",
        CLAIMS_TENANT => "The token's tenant was not compared.",
        CLAIMS_ISSUER_CLOUD => "The token's issuer was not read.",
        CLAIMS_CLOUD => "The token's issuer was not compared with the cloud in use.",
        CLAIMS_VER => "The token has no version (no ver claim).",
        CLAIMS_CLIENT => "The token's application was not compared.",
        CLAIMS_MINUTES_LEFT => "The token's remaining lifetime was not read.",
        IDENTITY_KIND => "Who was calling is not known.",
        IDENTITY_SOURCE => "Nothing was assumed about who was calling.",
        IDENTITY_MANAGED_IDENTITY => "The caller is not a managed identity.",
        IDENTITY_POWERBI_APP_ROLES => {
            "The token carries no Power BI application permission (Tenant.Read.All or Tenant.ReadWrite.All)."
        }
        IDENTITY_ADMIN_SCOPE => "No admin scope was read from a user's token.",
        IDENTITY_FABRIC_ADMIN => "Whether the user is a Fabric administrator was not read.",
        IDENTITY_DIRECTORY_ROLES => "The token lists no directory role that matters here.",
        IDENTITY_ROLES => "The token carries no roles.",
        WORKSPACE_API_COUNT | WORKSPACE_API_LISTED => "The workspace list was not read.",
        WORKSPACE_API_REACHABLE => "No workspace you named answered.",
        WORKSPACE_API_TARGET_LISTED => {
            "No workspace you named was missing from the workspaces the caller is a member of."
        }
        DIRECTORY_SP_OBJECT_ID | DIRECTORY_SP => "The app's service principal was not read.",
        DIRECTORY_READ => "Nothing was read back from the directory.",
        DIRECTORY_GROUPS => "The service principal is a member of no security group that was read.",
        DIRECTORY_POWERBI_SP_ID => "The Power BI Service principal was not read.",
        DIRECTORY_POWERBI_APP_ROLES | DIRECTORY_POWERBI_ROLE_ASSIGNMENT => {
            "The app holds no Power BI application permission that was read."
        }
        DIRECTORY_DELEGATED_GRANTS => "The app holds no delegated Power BI grant that was read.",
        DIRECTORY_CREDENTIAL_EXPIRY
        | DIRECTORY_CREDENTIAL_ENDS
        | DIRECTORY_CREDENTIAL_DAYS_LEFT => "The app's secrets and certificates were not read.",
        DIRECTORY_USER_ADMIN => "The user's directory roles were not read.",
        DIRECTORY_MISSING_PERMISSION => "The administrator's identity lacked no permission.",
        DIRECTORY_THROTTLED => "Microsoft Graph did not throttle the second look.",
        TENANT_SETTINGS_READ => "The tenant settings were not read.",
        TENANT_SETTINGS_ADMIN_API => "The read-only admin API setting was not read.",
        TENANT_SETTINGS_FABRIC_API => {
            "The setting for service principals calling Fabric APIs was not read."
        }
        TENANT_SETTINGS_ALLOWED_GROUP => "The read-only admin API setting names no security group.",
        TENANT_SETTINGS_EXCLUDED_GROUP => "No excluded security group holds the service principal.",
        TENANT_SETTINGS_FABRIC_API_GROUP => {
            "The setting for service principals calling Fabric APIs names no security group."
        }
        TENANT_SETTINGS_WORKSPACE_ACCESS => "No workspace access list was read.",
        TENANT_SETTINGS_WORKSPACE_WITHOUT_SP => {
            "Every workspace access list read holds the service principal or a group of it."
        }
        _ => return None,
    })
}

/// The probe and field a signal names, if it is a probe's.
fn probe_field(signal: &str) -> Option<(Probe, ProbeField)> {
    Probe::ALL
        .into_iter()
        .flat_map(|p| ProbeField::ALL.into_iter().map(move |f| (p, f)))
        .find(|(p, f)| p.signal(*f) == signal)
}

impl Probe {
    /// The probe as the subject of a sentence about its answer.
    fn subject(self) -> &'static str {
        match self {
            Self::Admin => "The admin API",
            Self::WorkspaceList => "The workspace list",
            Self::WorkspaceTarget => "A workspace you named",
            Self::FabricList => "Fabric's workspace list",
            Self::FabricTarget => "Fabric, for a workspace you named,",
        }
    }

    /// The probe's request, as the subject of a sentence about the network.
    fn call(self) -> &'static str {
        match self {
            Self::Admin => "The admin API call",
            Self::WorkspaceList => "The call listing workspaces",
            Self::WorkspaceTarget => "The call to a workspace you named",
            Self::FabricList => "The call listing Fabric workspaces",
            Self::FabricTarget => "The Fabric call to a workspace you named",
        }
    }
}

fn probe_sentence(probe: Probe, field: ProbeField, values: &[String]) -> String {
    let who = probe.subject();
    let listed = |shown: &dyn Fn(&str) -> String| {
        crate::words::list(&values.iter().map(|v| shown(v)).collect::<Vec<_>>())
    };
    let several = values.len() > 1;
    match field {
        ProbeField::Status => format!("{who} answered {}.", listed(&|v| format!("HTTP {v}"))),
        ProbeField::ErrorCode => format!(
            "{who} answered with the error {} {}.",
            if several { "codes" } else { "code" },
            listed(&|v| v.to_owned())
        ),
        ProbeField::ErrorInfo => format!(
            "{who} sent the X-PowerBI-Error-Info header {}.",
            listed(&|v| v.to_owned())
        ),
        ProbeField::Message => format!(
            "{who} answered with the message {}.",
            listed(&|v| format!("\"{v}\""))
        ),
        ProbeField::Body => format!(
            "{who} answered with {}.",
            listed(&|v| crate::api_error::BodyKind::words(v)
                .unwrap_or("an unexpected body")
                .to_owned())
        ),
        ProbeField::RetryAfter => format!(
            "{who} asked to retry {}.",
            listed(&|v| match v.trim().parse::<u64>() {
                Ok(seconds) => format!("after {}", crate::words::duration(seconds)),
                Err(_) => format!("after {v}"),
            })
        ),
        ProbeField::Challenge => format!(
            "{who} sent a WWW-Authenticate challenge with the error {}.",
            listed(&|v| v.to_owned())
        ),
        ProbeField::Network => format!(
            "{} got no answer: {}.",
            probe.call(),
            listed(&|v| network(v).to_owned())
        ),
    }
}

fn probe_absent(probe: Probe, field: ProbeField) -> &'static str {
    use ProbeField as F;
    match (probe, field) {
        (Probe::Admin, F::Status) => {
            "The admin API gave no HTTP answer (it was not called, or did not answer)."
        }
        (Probe::Admin, F::ErrorCode) => "The admin API answered without an error code.",
        (Probe::Admin, F::ErrorInfo) => "The admin API sent no X-PowerBI-Error-Info header.",
        (Probe::Admin, F::Message) => "The admin API answered without a message.",
        (Probe::Admin, F::Body) => "The admin API's answer had no body worth noting.",
        (Probe::Admin, F::RetryAfter) => "The admin API did not say when to retry.",
        (Probe::Admin, F::Challenge) => "The admin API sent no WWW-Authenticate challenge.",
        (Probe::Admin, F::Network) => "The admin API call did not fail on the network.",
        (Probe::WorkspaceList, F::Status) => {
            "The workspace list gave no HTTP answer (it was not called, or did not answer)."
        }
        (Probe::WorkspaceList, F::ErrorCode) => {
            "The workspace list answered without an error code."
        }
        (Probe::WorkspaceList, F::ErrorInfo) => {
            "The workspace list sent no X-PowerBI-Error-Info header."
        }
        (Probe::WorkspaceList, F::Message) => "The workspace list answered without a message.",
        (Probe::WorkspaceList, F::Body) => "The workspace list's answer had no body worth noting.",
        (Probe::WorkspaceList, F::RetryAfter) => "The workspace list did not say when to retry.",
        (Probe::WorkspaceList, F::Challenge) => {
            "The workspace list sent no WWW-Authenticate challenge."
        }
        (Probe::WorkspaceList, F::Network) => {
            "The call listing workspaces did not fail on the network."
        }
        (Probe::WorkspaceTarget, F::Status) => {
            "No workspace you named gave an HTTP answer (none was called, or none answered)."
        }
        (Probe::WorkspaceTarget, F::ErrorCode) => {
            "No workspace you named answered with an error code."
        }
        (Probe::WorkspaceTarget, F::ErrorInfo) => {
            "No workspace you named sent an X-PowerBI-Error-Info header."
        }
        (Probe::WorkspaceTarget, F::Message) => "No workspace you named answered with a message.",
        (Probe::WorkspaceTarget, F::Body) => {
            "No workspace you named answered with a body worth noting."
        }
        (Probe::WorkspaceTarget, F::RetryAfter) => "No workspace you named said when to retry.",
        (Probe::WorkspaceTarget, F::Challenge) => {
            "No workspace you named sent a WWW-Authenticate challenge."
        }
        (Probe::WorkspaceTarget, F::Network) => {
            "No call to a workspace you named failed on the network."
        }
        (Probe::FabricList, F::Status) => {
            "Fabric's workspace list gave no HTTP answer (it was not called, or did not answer)."
        }
        (Probe::FabricList, F::ErrorCode) => {
            "Fabric's workspace list answered without an error code."
        }
        (Probe::FabricList, F::ErrorInfo) => {
            "Fabric's workspace list sent no X-PowerBI-Error-Info header."
        }
        (Probe::FabricList, F::Message) => "Fabric's workspace list answered without a message.",
        (Probe::FabricList, F::Body) => "Fabric's workspace list had no body worth noting.",
        (Probe::FabricList, F::RetryAfter) => "Fabric's workspace list did not say when to retry.",
        (Probe::FabricList, F::Challenge) => {
            "Fabric's workspace list sent no WWW-Authenticate challenge."
        }
        (Probe::FabricList, F::Network) => {
            "The call listing Fabric workspaces did not fail on the network."
        }
        (Probe::FabricTarget, F::Status) => {
            "No workspace you named gave an HTTP answer on Fabric's API."
        }
        (Probe::FabricTarget, F::ErrorCode) => {
            "No workspace you named answered with an error code on Fabric's API."
        }
        (Probe::FabricTarget, F::ErrorInfo) => {
            "No workspace you named sent an X-PowerBI-Error-Info header on Fabric's API."
        }
        (Probe::FabricTarget, F::Message) => {
            "No workspace you named answered with a message on Fabric's API."
        }
        (Probe::FabricTarget, F::Body) => {
            "No workspace you named answered with a body worth noting on Fabric's API."
        }
        (Probe::FabricTarget, F::RetryAfter) => {
            "No workspace you named said when to retry on Fabric's API."
        }
        (Probe::FabricTarget, F::Challenge) => {
            "No workspace you named sent a WWW-Authenticate challenge on Fabric's API."
        }
        (Probe::FabricTarget, F::Network) => {
            "No Fabric call to a workspace you named failed on the network."
        }
    }
}

/// A `*.network` value in words.
fn network(value: &str) -> &'static str {
    use crate::session::NetworkKind;
    [
        NetworkKind::Connect,
        NetworkKind::Timeout,
        NetworkKind::Dns,
        NetworkKind::Tls,
        NetworkKind::Other,
    ]
    .into_iter()
    .find(|k| k.signal() == value)
    .map_or("the request failed before an answer came", |k| {
        crate::check::token_acquisition::network_words(k)
    })
}

/// A Power BI cloud's name (`usgovhigh`), as a place: "the public cloud", "the US Government
/// (GCC High) cloud".
fn cloud_words(value: &str) -> Option<String> {
    let cloud = crate::cloud::ALL.into_iter().find(|c| c.name() == value)?;
    Some(match cloud {
        crate::cloud::Cloud::Public => "the public cloud".to_owned(),
        other => format!("the {} cloud", other.display()),
    })
}

/// An Entra ID cloud's name (`usgov`), as an adjective for "… Entra ID cloud": "public",
/// "US Government", "China (21Vianet)".
pub(crate) fn entra_cloud_words(value: &str) -> Option<&'static str> {
    Some(match value {
        "public" => "public",
        "usgov" => "US Government",
        "china" => "China (21Vianet)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::check::CheckId;

    #[test]
    fn every_constant_is_declared_by_exactly_one_check_and_back() {
        let constants: BTreeSet<&str> = ALL.iter().copied().collect();
        assert_eq!(constants.len(), ALL.len(), "a name is written twice");
        let mut declared = BTreeSet::new();
        for check in CheckId::ALL {
            for name in check.signals() {
                assert!(declared.insert(*name), "{name} is declared by two checks");
            }
        }
        assert_eq!(constants, declared);
    }

    /// Values to describe each signal with: every documented value of the signals whose values
    /// are words of ours (`checks/README.md`), a typical one for the others.
    fn samples(signal: &str) -> Vec<&'static str> {
        let words: &[&str] = match signal {
            TOKEN_SOURCE => &[
                "client-secret",
                "certificate",
                "federated",
                "github-oidc",
                "azure-cli",
                "device-code",
                "token-file",
            ],
            TOKEN_TENANT_SHAPE => &["guid", "domain", "common-endpoint", "invalid"],
            TOKEN_CLIENT_ID_SHAPE => &["guid", "not-guid"],
            TOKEN_SECRET_SHAPE => &["guid"],
            TOKEN_STATUS => &["400"],
            TOKEN_ERROR => &["invalid_client"],
            TOKEN_AADSTS => &["7000215"],
            TOKEN_SUBERROR => &["consent_required"],
            TOKEN_BODY
            | ADMIN_API_BODY
            | WORKSPACE_API_BODY
            | WORKSPACE_API_TARGET_BODY
            | FABRIC_API_BODY
            | FABRIC_API_TARGET_BODY => &["json", "html", "empty", "text", "truncated"],
            TOKEN_NETWORK
            | ADMIN_API_NETWORK
            | WORKSPACE_API_NETWORK
            | WORKSPACE_API_TARGET_NETWORK
            | FABRIC_API_NETWORK
            | FABRIC_API_TARGET_NETWORK => &["connect", "timeout", "dns", "tls", "other"],
            WORKSPACE_API_ROUTE => &["myorg", "workspace", "fabric", "cluster", "xmla"],
            TOKEN_INPUT => &[
                "bare",
                "bearer",
                "authorization-header",
                "json-response",
                "quoted",
                "double-bearer",
                "tool-output",
            ],
            TOKEN_CERTIFICATE => &[
                "valid",
                "expired",
                "not-yet-valid",
                "not-a-certificate",
                "unreadable",
                "no-certificate",
                "no-private-key",
                "encrypted-pem-key",
                "wrong-password",
                "password-required",
                "key-does-not-match",
                "not-rsa",
                "signing",
            ],
            TOKEN_ASSERTION => &[
                "valid",
                "expired",
                "unreadable",
                "empty",
                "not-a-jwt",
                "oidc-refused",
                "oidc-no-value",
                "oidc-network",
                "missing-permission",
                "bad-request-url",
            ],
            TOKEN_AZURE_CLI => &[
                "missing",
                "not-logged-in",
                "failed",
                "bad-output",
                "timeout",
            ],
            TOKEN_DEVICE_CODE => &[
                "authorization_declined",
                "expired_token",
                "bad_verification_code",
                "refused",
            ],
            TOKEN_TENANT_CLOUD => &["public", "usgov", "usgovhigh", "usdod", "china", "unknown"],
            TOKEN_CLOUD | CLAIMS_CLOUD | CLAIMS_CLIENT => &["match", "mismatch"],
            SCOPE_AUDIENCE => &[
                "powerbi",
                "fabric",
                "graph",
                "aad-graph",
                "arm",
                "powerbi-other-cloud",
                "other",
                "missing",
            ],
            SCOPE_AUDIENCE_CLOUD => &["public", "usgov", "usgovhigh", "usdod", "china"],
            SCOPE_API => &["powerbi", "fabric", "both"],
            FABRIC_API_STATUS | FABRIC_API_TARGET_STATUS => &["401"],
            FABRIC_API_ERROR_CODE | FABRIC_API_TARGET_ERROR_CODE => &["InsufficientScopes"],
            FABRIC_API_ERROR_INFO | FABRIC_API_TARGET_ERROR_INFO => {
                &["ServicePrincipalIsNotAllowedByTenantAdminSwitch"]
            }
            FABRIC_API_MESSAGE | FABRIC_API_TARGET_MESSAGE => {
                &["Authorization Context Requested but not available"]
            }
            FABRIC_API_RETRY_AFTER | FABRIC_API_TARGET_RETRY_AFTER => &["30"],
            FABRIC_API_CHALLENGE | FABRIC_API_TARGET_CHALLENGE => &["insufficient_claims"],
            FABRIC_API_LISTED => &["0", "2"],
            FABRIC_API_REACHABLE => &["f089354e-8366-4e18-aea3-4cb4a3a50b48"],
            FABRIC_API_TARGET_LISTED => &["no"],
            FABRIC_API_RETRIABLE => &["true", "false"],
            TOKEN_MISSING_PARAMETER => &["client_credential", "client_id", "grant_type"],
            TOKEN_MESSAGE => &[
                "federated-user-unsupported",
                "federated-idp-refused",
                "assembly-load-failed",
                "broker-failed",
                "sign-in-bad-request",
            ],
            CLAIMS_DECODE => &[
                "embed-token",
                "ok",
                "empty",
                "not-jwt",
                "truncated",
                "bad-base64",
                "bad-json",
                "encrypted",
            ],
            CLAIMS_EXPIRY => &["valid", "expiring-soon", "expired", "missing"],
            CLAIMS_NOT_BEFORE => &["future", "ok"],
            CLAIMS_TENANT => &["match", "mismatch", "not-compared"],
            CLAIMS_ISSUER_CLOUD => &["public", "usgov", "china", "unknown"],
            CLAIMS_VER => &["1.0", "2.0"],
            CLAIMS_MINUTES_LEFT => &["0", "1", "55"],
            IDENTITY_KIND => &["application", "delegated", "unknown"],
            IDENTITY_SOURCE => &["token", "assumed"],
            IDENTITY_MANAGED_IDENTITY => &["true"],
            IDENTITY_FABRIC_ADMIN => &["true", "false", "unknown"],
            IDENTITY_POWERBI_APP_ROLES | IDENTITY_ROLES => {
                &["Tenant.Read.All", "Tenant.ReadWrite.All"]
            }
            IDENTITY_ADMIN_SCOPE => &["present", "absent"],
            IDENTITY_DIRECTORY_ROLES => &[
                "fabric-administrator",
                "global-administrator",
                "power-platform-administrator",
                "global-reader",
            ],
            ADMIN_API_STATUS | WORKSPACE_API_STATUS | WORKSPACE_API_TARGET_STATUS => &["401"],
            ADMIN_API_ERROR_CODE | WORKSPACE_API_ERROR_CODE | WORKSPACE_API_TARGET_ERROR_CODE => {
                &["PowerBINotAuthorizedException"]
            }
            ADMIN_API_ERROR_INFO | WORKSPACE_API_ERROR_INFO | WORKSPACE_API_TARGET_ERROR_INFO => {
                &["ServicePrincipalIsNotAllowedByTenantAdminSwitch"]
            }
            ADMIN_API_MESSAGE | WORKSPACE_API_MESSAGE | WORKSPACE_API_TARGET_MESSAGE => {
                &["API is not accessible for application"]
            }
            ADMIN_API_RETRY_AFTER
            | WORKSPACE_API_RETRY_AFTER
            | WORKSPACE_API_TARGET_RETRY_AFTER => &["3600"],
            ADMIN_API_CHALLENGE | WORKSPACE_API_CHALLENGE | WORKSPACE_API_TARGET_CHALLENGE => {
                &["insufficient_claims"]
            }
            WORKSPACE_API_COUNT => &["0", "some"],
            WORKSPACE_API_LISTED => &["0", "1", "3"],
            WORKSPACE_API_REACHABLE => &["f089354e-8366-4e18-aea3-4cb4a3a50b48"],
            WORKSPACE_API_TARGET_LISTED => &["no"],
            DIRECTORY_SP_OBJECT_ID
            | DIRECTORY_POWERBI_SP_ID
            | DIRECTORY_POWERBI_ROLE_ASSIGNMENT => &["11111111-2222-3333-4444-555555555555"],
            DIRECTORY_SP => &["found", "not-found"],
            DIRECTORY_READ => &[
                "service-principal",
                "groups",
                "app-roles",
                "grants",
                "application",
                "user-roles",
            ],
            DIRECTORY_GROUPS
            | TENANT_SETTINGS_ALLOWED_GROUP
            | TENANT_SETTINGS_EXCLUDED_GROUP
            | TENANT_SETTINGS_FABRIC_API_GROUP => {
                &["f51b705f-a409-4d40-9197-c5d5f349e2f0 PBI-Readers"]
            }
            DIRECTORY_POWERBI_APP_ROLES | DIRECTORY_DELEGATED_GRANTS => &["Tenant.Read.All"],
            DIRECTORY_CREDENTIAL_EXPIRY => &["valid", "expiring-soon", "expired"],
            DIRECTORY_CREDENTIAL_ENDS => &["2026-12-10"],
            DIRECTORY_CREDENTIAL_DAYS_LEFT => &["11"],
            DIRECTORY_USER_ADMIN => &["true", "false"],
            DIRECTORY_MISSING_PERMISSION => &["Application.Read.All"],
            DIRECTORY_THROTTLED => &["30", "unknown"],
            TENANT_SETTINGS_READ => &["ok", "forbidden", "throttled", "failed"],
            TENANT_SETTINGS_WORKSPACE_ACCESS => &["direct", "group", "none"],
            TENANT_SETTINGS_WORKSPACE_WITHOUT_SP => &["f089354e-8366-4e18-aea3-4cb4a3a50b48"],
            TENANT_SETTINGS_ADMIN_API | TENANT_SETTINGS_FABRIC_API => &[
                "off",
                "allowed",
                "not-in-group",
                "excluded",
                "membership-unknown",
            ],
            _ => &[],
        };
        words.to_vec()
    }

    /// What a sentence for people must not show: a signal's name, a name under a signal prefix,
    /// a snake_case or kebab-case word of ours (one not in the values described).
    fn internal_names(sentence: &str, values: &[String]) -> Vec<String> {
        let mut found = Vec::new();
        for name in ALL {
            if sentence.contains(name) {
                found.push((*name).to_owned());
            }
        }
        for prefix in [
            "token.",
            "scope.",
            "claims.",
            "identity.",
            "admin_api.",
            "workspace_api.",
            "fabric_api.",
            "directory.",
            "tenant_settings.",
        ] {
            for (at, _) in sentence.match_indices(prefix) {
                if sentence[at + prefix.len()..].starts_with(|c: char| c.is_ascii_lowercase()) {
                    found.push(sentence[at..].to_owned());
                }
            }
        }
        // Our kebab-case values ("json-response", "not-compared"): words for people instead.
        let ours: BTreeSet<&str> = ALL
            .iter()
            .flat_map(|name| samples(name))
            .filter(|v| v.contains('-') && v.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        let given = values.join(" ");
        for word in sentence.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
            // A snake_case word is a field name of ours unless it is what was described (an
            // OAuth error such as invalid_client is Microsoft's word, shown as sent).
            if (word.contains('_') && !given.contains(word)) || ours.contains(word) {
                found.push(word.to_owned());
            }
        }
        found
    }

    #[test]
    fn every_signal_has_a_plain_sentence_for_each_value_and_for_its_absence() {
        for name in ALL {
            let mut cases: Vec<Vec<String>> = samples(name)
                .into_iter()
                .map(|v| vec![v.to_owned()])
                .collect();
            assert!(!cases.is_empty(), "{name}: no sample value in the test");
            cases.push(vec!["absent".to_owned()]);
            for values in cases {
                let words = sentence(name, &values)
                    .unwrap_or_else(|| panic!("{name} = {values:?} has no sentence"));
                assert_eq!(describe(name, &values), words);
                assert!(
                    words.starts_with(|c: char| c.is_uppercase()) && words.ends_with('.'),
                    "{name} = {values:?}: not a sentence: {words}"
                );
                let leaked = internal_names(&words, &values);
                assert!(
                    leaked.is_empty(),
                    "{name} = {values:?}: {words:?} shows {leaked:?}"
                );
            }
        }
    }

    #[test]
    fn sentences_read_as_the_evidence_means() {
        let v = |values: &[&str]| values.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        for (name, values, words) in [
            (
                ADMIN_API_ERROR_CODE,
                v(&["absent"]),
                "The admin API answered without an error code.",
            ),
            (
                IDENTITY_SOURCE,
                v(&["assumed"]),
                "Who was calling was assumed, not read from a token.",
            ),
            (
                ADMIN_API_STATUS,
                v(&["401", "403"]),
                "The admin API answered HTTP 401 and HTTP 403.",
            ),
            (
                TOKEN_AADSTS,
                v(&["50076", "50079"]),
                "Entra ID answered with AADSTS50076 and AADSTS50079.",
            ),
            (
                TOKEN_INPUT,
                v(&["authorization-header", "bearer"]),
                "The token was given as an Authorization header and with a Bearer prefix.",
            ),
            (
                IDENTITY_POWERBI_APP_ROLES,
                v(&["Tenant.Read.All"]),
                "The token carries the Power BI application permission Tenant.Read.All.",
            ),
            (
                IDENTITY_POWERBI_APP_ROLES,
                v(&["absent"]),
                "The token carries no Power BI application permission (Tenant.Read.All or Tenant.ReadWrite.All).",
            ),
            // A value of its own, not an absence: the same words either way.
            (
                IDENTITY_ADMIN_SCOPE,
                v(&["absent"]),
                "The user's token has no admin scope (Tenant.Read.All or Tenant.ReadWrite.All).",
            ),
            (
                WORKSPACE_API_TARGET_RETRY_AFTER,
                v(&["3600"]),
                "A workspace you named asked to retry after 60 minutes.",
            ),
            (
                WORKSPACE_API_LISTED,
                v(&["1"]),
                "The workspace list held 1 workspace.",
            ),
            (
                CLAIMS_MINUTES_LEFT,
                v(&["55"]),
                "The token has 55 minutes left.",
            ),
        ] {
            assert_eq!(describe(name, &values), words, "{name} = {values:?}");
        }
    }

    #[test]
    fn probe_names_are_their_prefix_and_field() {
        for probe in Probe::ALL {
            for field in ProbeField::ALL {
                assert_eq!(
                    probe.signal(field),
                    format!("{}{}", probe.prefix(), field.suffix())
                );
            }
        }
    }
}

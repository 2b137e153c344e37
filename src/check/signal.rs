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
    /// `guid`, `not-guid`
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
    /// cloud of a Power BI audience: `public`, `usgov`, `usgovhigh`, `usdod`, `china`
    SCOPE_AUDIENCE_CLOUD = "scope.audience_cloud";

    // claims
    /// `ok`, `empty`, `not-jwt`, `truncated`, `bad-base64`, `bad-json`, `encrypted`
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
    /// the body's message text, e.g. `API is not accessible for application`
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
    /// the body's message text, e.g. `API is not accessible for application`
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
    /// the body's message text, e.g. `API is not accessible for application`
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
        }
    }
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

    #[test]
    fn probe_names_are_their_prefix_and_field() {
        for probe in [Probe::Admin, Probe::WorkspaceList, Probe::WorkspaceTarget] {
            for field in ProbeField::ALL {
                assert_eq!(
                    probe.signal(field),
                    format!("{}{}", probe.prefix(), field.suffix())
                );
            }
        }
    }
}

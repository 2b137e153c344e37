//! ## What it checks
//! Gets an access token with client credentials from the tenant-specific v2 token endpoint
//! (`{authority}/{tenant}/oauth2/v2.0/token`, `scope=<resource>/.default`), or reads the token the
//! user gave. Before sending, it checks the shapes of tenant, client id and secret, so a typo is
//! named as one.
//! ## Evidence collected
//! Token endpoint status, `error`, AADSTS codes and message, trace id, correlation id, timestamp;
//! for a given token, where it came from and how it was wrapped.
//! ## Requires
//! Nothing: it is the first link of the chain. A client's token request may have been sent beside
//! the tenant's cloud lookup (`EarlyToken`); its answer is this check's when the cloud found
//! asks for that very request.

use crate::api_error::BodyKind;
use crate::check::{
    CheckId, Context, CredentialRecord, Finding, Outcome, Settled, TokenInHand, signal,
};
use crate::cloud::Cloud;
use crate::cloud_discovery::{Discovery, DiscoveryFailure};
use crate::credential::CredentialKind;
use crate::entra_error;
use crate::session::NetworkKind;
use crate::settings::{Credential, Settings};
use crate::shape::{TenantShape, is_guid, tenant_shape};
use crate::token_input::{self, Wrapper};
use crate::transport::{Failure, FormValue, Method, Request, Response, Retry};

mod credential;

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    signal::TOKEN_SOURCE,
    signal::TOKEN_TENANT_SHAPE,
    signal::TOKEN_CLIENT_ID_SHAPE,
    signal::TOKEN_SECRET_SHAPE,
    signal::TOKEN_STATUS,
    signal::TOKEN_ERROR,
    signal::TOKEN_AADSTS,
    signal::TOKEN_SUBERROR,
    signal::TOKEN_MISSING_PARAMETER,
    signal::TOKEN_MESSAGE,
    signal::TOKEN_BODY,
    signal::TOKEN_NETWORK,
    signal::TOKEN_INPUT,
    signal::TOKEN_CERTIFICATE,
    signal::TOKEN_ASSERTION,
    signal::TOKEN_AZURE_CLI,
    signal::TOKEN_DEVICE_CODE,
    signal::TOKEN_TENANT_CLOUD,
    signal::TOKEN_CLOUD,
];

pub(crate) const ID: CheckId = CheckId::TokenAcquisition;

/// Runs the check; returns the token when there is one to go on with. What the credential showed
/// (certificate, assertion, CLI facts) goes into `record`, the caller's, so that what was
/// gathered survives a run cut short by its deadline.
pub async fn run(
    ctx: &Context<'_>,
    settled: Settled,
    record: &mut CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    let discovery = settled.discovery.as_ref();
    let (mut finding, token) = match &ctx.settings.credential {
        Credential::Token { text, source } => return from_given_token(ctx, text.expose(), source),
        // The tenant itself was refused (AADSTS90002) or unreachable: no token request will fare
        // better. A configuration that could not be read only leaves the cloud undetected.
        _ if matches!(
            discovery,
            Some(Err(
                DiscoveryFailure::Refused(_) | DiscoveryFailure::Network(_)
            ))
        ) =>
        {
            let mut finding = Finding::new(ID, Outcome::Fail, "");
            finding.signal(
                signal::TOKEN_SOURCE,
                ctx.settings.credential.kind().signal(),
            );
            let url = discovery_url(ctx);
            finding.evidence("request", format!("GET {url}"));
            return match discovery {
                Some(Err(DiscoveryFailure::Refused(response))) => read_token_response(
                    ctx,
                    finding,
                    "tenant lookup (OpenID configuration)",
                    &url,
                    response,
                    record,
                ),
                Some(Err(DiscoveryFailure::Network(failure))) => {
                    (no_answer(finding, &url, failure), None)
                }
                _ => (finding, None),
            };
        }
        _ if matches!(discovery, Some(Ok(found)) if found.cloud.is_some_and(|c| !endpoints_elsewhere(ctx.settings, c).is_empty())) =>
        {
            let mut finding = Finding::new(ID, Outcome::Fail, "");
            finding.signal(
                signal::TOKEN_SOURCE,
                ctx.settings.credential.kind().signal(),
            );
            (finding, None)
        }
        Credential::AzureCli { .. }
        | Credential::Replayed {
            kind: CredentialKind::AzureCli,
            ..
        } => credential::azure_cli(ctx, record).await,
        Credential::DeviceCode
        | Credential::Replayed {
            kind: CredentialKind::DeviceCode,
            ..
        } => credential::device_code(ctx, record).await,
        _ => match settled.early_token.filter(|early| early.fits(ctx.settings)) {
            Some(early) => {
                *record = early.record;
                (early.finding, early.token)
            }
            None => client_credentials(ctx, record).await,
        },
    };
    if let Some(Err(DiscoveryFailure::Malformed { reason, .. })) = discovery {
        finding.signal(signal::TOKEN_TENANT_CLOUD, "unknown");
        finding.evidence(
            "tenant's cloud (OpenID configuration)",
            format!("not read: {}", ctx.redactor.clean(reason)),
        );
    }
    if let Some(Ok(found)) = discovery {
        report_discovery(ctx, &mut finding, found);
    }
    (finding, token)
}

/// A client's token request sent beside the tenant's cloud lookup, for the cloud as given, with
/// what it found: [`run`] takes it as its own when the settings after the lookup send the very
/// same request (token endpoint and scope; the credential and client do not change with the
/// cloud), and drops it unread otherwise: a tenant of another cloud, or a lookup that refused the
/// tenant or failed, is then reported exactly as without it.
pub(crate) struct EarlyToken {
    endpoint: Option<url::Url>,
    scope: String,
    finding: Finding,
    token: Option<TokenInHand>,
    record: CredentialRecord,
}

impl EarlyToken {
    /// Whether the token request goes out beside the lookup: a live run that is not recording,
    /// with a client credential that sends nothing but the token request (a secret, a
    /// certificate, a federated token file), and a tenant not named by a sovereign cloud's
    /// domain, whose credential is then not sent to the cloud as given first.
    pub(crate) fn sends_ahead(
        settings: &Settings,
        transport: &crate::transport::Transport,
    ) -> bool {
        let tenant = settings
            .tenant
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        transport.may_send_ahead()
            && matches!(
                settings.credential,
                Credential::ClientSecret(_)
                    | Credential::Certificate { .. }
                    | Credential::FederatedFile(_)
            )
            && !SOVEREIGN_TENANT_DOMAINS
                .iter()
                .any(|suffix| tenant.ends_with(suffix))
    }

    /// Sends the token request for the cloud as given.
    pub(crate) async fn ask(ctx: &Context<'_>) -> Self {
        let mut record = CredentialRecord::default();
        let (finding, token) = client_credentials(ctx, &mut record).await;
        Self {
            endpoint: ctx.settings.token_endpoint(),
            scope: scope_for(ctx.settings),
            finding,
            token,
            record,
        }
    }

    /// Whether [`run`] will want the answer to the request sent with `given` settings, once the
    /// lookup `found` them to be `found_settings`: the lookup read (or read malformed), no
    /// endpoint of another cloud in use, and the same request. When not, the request is not
    /// waited for.
    pub(crate) fn wanted(
        given: &Settings,
        found_settings: &Settings,
        found: &Result<Discovery, DiscoveryFailure>,
    ) -> bool {
        let elsewhere = match found {
            Ok(Discovery {
                cloud: Some(cloud), ..
            }) => !endpoints_elsewhere(found_settings, *cloud).is_empty(),
            Ok(_) | Err(DiscoveryFailure::Malformed { .. }) => false,
            Err(_) => return false,
        };
        !elsewhere
            && given.token_endpoint() == found_settings.token_endpoint()
            && scope_for(given) == scope_for(found_settings)
    }

    /// Whether `settings` would send the request this one sent.
    fn fits(&self, settings: &Settings) -> bool {
        self.endpoint == settings.token_endpoint() && self.scope == scope_for(settings)
    }
}

/// The initial domains of the sovereign clouds' tenants (`contoso.onmicrosoft.us`): such a
/// tenant is not asked for a token in the public cloud ahead of its lookup.
const SOVEREIGN_TENANT_DOMAINS: [&str; 2] = [".onmicrosoft.us", ".onmschina.cn"];

/// The scope a client's token request asks for.
fn scope_for(settings: &Settings) -> String {
    format!("{}/.default", settings.cloud.powerbi_resource())
}

/// Where the tenant's OpenID configuration lives.
fn discovery_url(ctx: &Context<'_>) -> url::Url {
    let tenant = ctx.settings.tenant.as_deref().unwrap_or_default();
    crate::settings::endpoint(
        &ctx.settings.authority_host,
        &format!("/{tenant}/v2.0/.well-known/openid-configuration"),
    )
}

fn same_host(url: &url::Url, known: &str) -> bool {
    url::Url::parse(known)
        .ok()
        .is_some_and(|k| k.host_str() == url.host_str())
}

/// The Entra cloud of a known authority host.
fn authority_cloud(url: &url::Url) -> Option<crate::cloud::EntraCloud> {
    if same_host(url, crate::cloud::CHINA_ALTERNATE_AUTHORITY) {
        return Some(crate::cloud::EntraCloud::China);
    }
    crate::cloud::ALL
        .into_iter()
        .find(|c| same_host(url, c.authority_host()))
        .map(Cloud::entra)
}

/// The Power BI cloud of a known API host.
fn api_cloud(url: &url::Url) -> Option<Cloud> {
    crate::cloud::ALL
        .into_iter()
        .find(|c| same_host(url, c.powerbi_api()))
}

/// What in the endpoints in use belongs to another cloud than `cloud`.
fn endpoints_elsewhere(settings: &Settings, cloud: Cloud) -> Vec<String> {
    let authority = authority_cloud(&settings.authority_host).filter(|e| *e != cloud.entra());
    let api = api_cloud(&settings.powerbi_api).filter(|c| *c != cloud);
    authority
        .map(|e| {
            format!(
                "the authority is in the {} Entra ID cloud",
                signal::entra_cloud_words(e.signal()).unwrap_or("another")
            )
        })
        .into_iter()
        .chain(api.map(|c| format!("the API host is in the {}", c.display())))
        .collect()
}

/// Evidence and signals of the tenant's detected cloud, and whether the endpoints in use agree.
fn report_discovery(ctx: &Context<'_>, finding: &mut Finding, found: &Discovery) {
    let words = [
        &found.cloud_instance_name,
        &found.tenant_region_scope,
        &found.tenant_region_sub_scope,
    ]
    .iter()
    .filter_map(|v| v.as_deref())
    .collect::<Vec<_>>()
    .join(", ");
    finding.evidence(
        "tenant's cloud (OpenID configuration)",
        if words.is_empty() {
            "not stated".to_owned()
        } else {
            words
        },
    );
    let Some(cloud) = found.cloud else {
        finding.signal(signal::TOKEN_TENANT_CLOUD, "unknown");
        return;
    };
    finding.signal(signal::TOKEN_TENANT_CLOUD, cloud.name());
    let elsewhere = endpoints_elsewhere(ctx.settings, cloud);
    if elsewhere.is_empty() {
        finding.signal(signal::TOKEN_CLOUD, "match");
    } else {
        finding.signal(signal::TOKEN_CLOUD, "mismatch");
        finding.outcome = Outcome::Fail;
        finding.summary = format!(
            "the tenant lives in the {}, but {}: use --cloud {}",
            cloud.display(),
            elsewhere.join(" and "),
            cloud.name()
        );
    }
}

fn from_given_token(ctx: &Context<'_>, text: &str, source: &str) -> (Finding, Option<TokenInHand>) {
    let input = token_input::normalize(text);
    let suspicious: Vec<Wrapper> = input
        .wrappers
        .iter()
        .copied()
        .filter(|w| w.is_suspicious())
        .collect();
    let outcome = if suspicious.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Warn
    };
    let given = |wrappers: &mut dyn Iterator<Item = &Wrapper>| {
        crate::words::list(&wrappers.map(|w| w.words()).collect::<Vec<_>>())
    };
    let unwrapped: Vec<Wrapper> = input
        .wrappers
        .iter()
        .copied()
        .filter(|w| *w != Wrapper::Bare)
        .collect();
    let summary = if !suspicious.is_empty() {
        format!(
            "token read from {source}, given {}: a script that sends it like this sends a malformed Authorization header",
            given(&mut suspicious.iter())
        )
    } else if unwrapped.is_empty() {
        format!("token read from {source}")
    } else {
        format!(
            "token read from {source} (given {})",
            given(&mut unwrapped.iter())
        )
    };
    let mut finding = Finding::new(ID, outcome, summary);
    finding.signal(signal::TOKEN_SOURCE, CredentialKind::TokenFile.signal());
    for wrapper in &input.wrappers {
        finding.signal(signal::TOKEN_INPUT, wrapper.signal());
    }
    finding.evidence("source", source);
    finding.evidence("given", given(&mut input.wrappers.iter()));
    for (field, value) in &input.response_fields {
        let (label, value) = response_field(field, &ctx.redactor.clean(value), ctx.now);
        finding.evidence(label, value);
    }
    if let Some(hint) = input.hint {
        finding.evidence("instead of a token", hint);
    }
    let token = TokenInHand::new(&input.token);
    (finding, Some(token))
}

/// A field of a pasted token response, in words: its times as instants and durations, not as
/// the raw seconds the response carries.
fn response_field(field: &str, value: &str, now: i64) -> (String, String) {
    let instant = || value.trim().parse::<i64>().ok();
    let (label, shown) = match field {
        "expires_in" => (
            "valid for",
            value
                .trim()
                .parse::<u64>()
                .map(crate::words::duration)
                .unwrap_or_else(|_| value.to_owned()),
        ),
        "expires_on" | "not_before" => (
            if field == "expires_on" {
                "expires"
            } else {
                "valid from"
            },
            instant()
                .map(|t| crate::words::moment(t, now))
                .unwrap_or_else(|| value.to_owned()),
        ),
        "token_type" => ("token type", value.to_owned()),
        other => (other, value.to_owned()),
    };
    (format!("{label} (token response)"), shown)
}

/// Checks what can be checked before anything is sent. Returns a failed finding when sending
/// would be pointless.
fn precheck(ctx: &Context<'_>, finding: &mut Finding) -> Option<String> {
    let settings = ctx.settings;
    let tenant = settings.tenant.as_deref().unwrap_or_default();
    let shape = tenant_shape(tenant);
    finding.signal(signal::TOKEN_TENANT_SHAPE, shape.signal());
    finding.evidence("tenant", tenant);
    let client_id = settings.client_id.as_deref().unwrap_or_default();
    finding.signal(
        signal::TOKEN_CLIENT_ID_SHAPE,
        if is_guid(client_id) {
            "guid"
        } else {
            "not-guid"
        },
    );
    finding.evidence("client id", client_id);
    if settings.secret_looks_like_guid {
        finding.signal(signal::TOKEN_SECRET_SHAPE, "guid");
        finding.evidence(
            "client secret",
            "looks like a GUID: that is the shape of a secret's ID, not of its value",
        );
    }
    match shape {
        TenantShape::CommonEndpoint => {
            return Some(format!(
                "not sent: \"{tenant}\" is not a tenant; client credentials need the tenant id or a verified domain"
            ));
        }
        TenantShape::Invalid => {
            return Some(format!(
                "not sent: tenant \"{tenant}\" is neither a tenant id (GUID) nor a domain name"
            ));
        }
        TenantShape::Guid | TenantShape::Domain => {}
    }
    if !is_guid(client_id) {
        return Some(format!(
            "not sent: client id \"{client_id}\" is not a GUID; use the Application (client) ID"
        ));
    }
    None
}

async fn client_credentials(
    ctx: &Context<'_>,
    record: &mut CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    let settings = ctx.settings;
    let kind = settings.credential.kind();
    let mut finding = Finding::new(ID, Outcome::Pass, "");
    finding.signal(signal::TOKEN_SOURCE, kind.signal());
    if let Some(reason) = precheck(ctx, &mut finding) {
        finding.outcome = Outcome::Fail;
        finding.summary = reason;
        return (finding, None);
    }
    let Some(url) = settings.token_endpoint() else {
        finding.outcome = Outcome::Error;
        finding.summary = "no tenant to ask".to_owned();
        return (finding, None);
    };
    let credential_form = match credential::form(ctx, &mut finding, &url, record).await {
        Ok(form) => form,
        Err((outcome, summary)) => {
            finding.outcome = outcome;
            finding.summary = summary;
            return (finding, None);
        }
    };
    let scope = scope_for(settings);
    let mut form = vec![
        (
            "grant_type",
            FormValue::Plain("client_credentials".to_owned()),
        ),
        (
            "client_id",
            FormValue::Plain(settings.client_id.clone().unwrap_or_default()),
        ),
        ("scope", FormValue::Plain(scope.clone())),
    ];
    form.extend(credential_form);
    finding.evidence("request", format!("POST {url}"));
    finding.evidence("scope", scope);
    let request = Request {
        method: Method::Post,
        url: url.clone(),
        form,
        bearer: None,
        retry: Retry::TRANSIENT,
    };
    match ctx.transport.send(request).await {
        Ok(response) => read_token_response(ctx, finding, "token request", &url, &response, record),
        Err(failure) => (no_answer(finding, &url, &failure), None),
    }
}

/// A request that got no HTTP answer: the finding says what failed.
pub(crate) fn no_answer(mut finding: Finding, url: &url::Url, failure: &Failure) -> Finding {
    finding.outcome = Outcome::Error;
    match failure {
        Failure::Network {
            kind,
            message,
            attempts,
        } => {
            finding.signal(signal::TOKEN_NETWORK, kind.signal());
            finding.summary = format!("no answer from {}: {}", host(url), network_words(*kind));
            finding.evidence("error", message.clone());
            finding.evidence("attempts", attempts.to_string());
        }
        other => finding.summary = other.to_string(),
    }
    finding
}

/// Reads an Entra ID answer to `request` ("token request", "tenant lookup …"): the token, or
/// the error with its AADSTS codes, trace and correlation ids, or what else answered.
pub(crate) fn read_token_response(
    ctx: &Context<'_>,
    mut finding: Finding,
    request: &str,
    url: &url::Url,
    response: &Response,
    record: &CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    finding.signal(signal::TOKEN_STATUS, response.status.to_string());
    if let Some(id) = response.header("x-ms-request-id") {
        finding.evidence("x-ms-request-id", ctx.redactor.clean(id));
    }
    // A cut body is no answer to read: neither a token nor an error to diagnose.
    if let Some(why) = response.incomplete() {
        finding.outcome = Outcome::Error;
        finding.signal(signal::TOKEN_BODY, "truncated");
        finding.summary = format!(
            "the answer to the {request} (HTTP {}) could not be read: {why}",
            response.status
        );
        finding.evidence("body", excerpt(&ctx.redactor.clean(&response.body)));
        return (finding, None);
    }
    if response.status == 200 {
        return token_from_body(ctx, finding, &response.body, record);
    }
    if response.status == 429 {
        finding.outcome = Outcome::Error;
        finding.summary = "Entra ID is throttling token requests (HTTP 429)".to_owned();
        if let Some(after) = response.header("retry-after") {
            finding.evidence("Retry-After", crate::words::retry_after(after));
        }
        return (finding, None);
    }
    match entra_error::parse(&response.body) {
        Some(error) => {
            finding.outcome = if response.status >= 500 {
                Outcome::Error
            } else {
                Outcome::Fail
            };
            // The status is already named above.
            error.signal_into(&mut finding, None);
            let code = error
                .headline_code()
                .unwrap_or_else(|| "no AADSTS code".to_owned());
            finding.summary = format!(
                "Entra ID refused the {request}: {code}, {} (HTTP {})",
                error.error.as_deref().unwrap_or("error"),
                response.status
            );
            for (label, value) in error.evidence() {
                finding.evidence(label, value);
            }
        }
        None => {
            let kind = BodyKind::of(&response.body);
            finding.signal(signal::TOKEN_BODY, kind.signal());
            finding.outcome = Outcome::Error;
            finding.summary = format!(
                "the answer from {} (HTTP {}) is not Entra ID's: {}",
                host(url),
                response.status,
                match kind {
                    BodyKind::Html => "an HTML page, as a proxy or firewall sends",
                    BodyKind::Empty => "an empty body",
                    _ => "a body that is not an error document",
                }
            );
            finding.evidence("body", excerpt(&ctx.redactor.clean(&response.body)));
        }
    }
    (finding, None)
}

fn token_from_body(
    ctx: &Context<'_>,
    mut finding: Finding,
    body: &str,
    record: &CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let token = parsed
        .as_ref()
        .and_then(|v| v.get("access_token"))
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        finding.outcome = Outcome::Error;
        finding.signal(signal::TOKEN_BODY, BodyKind::of(body).signal());
        finding.summary = "the token endpoint answered 200 without an access_token".to_owned();
        finding.evidence("body", excerpt(&ctx.redactor.clean(body)));
        return (finding, None);
    };
    // Seconds, as a number or (some proxies and older endpoints) a string of digits.
    let lifetime = parsed
        .as_ref()
        .and_then(|v| v.get("expires_in"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .map(crate::words::duration);
    let kind = ctx.settings.credential.kind();
    let thumbprint = record
        .facts
        .certificate
        .as_ref()
        .and_then(|c| c.thumbprint.as_deref())
        .map(|t| format!(", thumbprint {t}"))
        .unwrap_or_default();
    let who = match kind {
        CredentialKind::DeviceCode => "signed in as a user with a device code".to_owned(),
        _ => format!(
            "signed in as application {} with {}{thumbprint}",
            ctx.settings.client_id.as_deref().unwrap_or("?"),
            kind.words()
        ),
    };
    finding.summary = format!(
        "{who}: token issued by {}{}",
        host(&ctx.settings.authority_host),
        lifetime
            .as_deref()
            .map(|d| format!(", valid for {d}"))
            .unwrap_or_default()
    );
    if let Some(d) = lifetime {
        finding.evidence("valid for", d);
    }
    (finding, Some(TokenInHand::new(token)))
}

fn host(url: &url::Url) -> String {
    url.host_str().unwrap_or("the authority").to_owned()
}

/// What a network failure means, in words.
pub(crate) fn network_words(kind: NetworkKind) -> &'static str {
    match kind {
        NetworkKind::Connect => "the connection was refused or reset",
        NetworkKind::Timeout => "it did not answer in time",
        NetworkKind::Dns => "the host name did not resolve",
        NetworkKind::Tls => {
            "the TLS handshake failed (a plain-HTTP port, or a proxy with its own certificate authority?)"
        }
        NetworkKind::Other => "the request failed before an answer came",
    }
}

/// The start of a body, for evidence: bounded, on a character boundary.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 400;
    let trimmed = text.trim();
    if trimmed.chars().count() <= MAX {
        return trimmed.to_owned();
    }
    let cut: String = trimmed.chars().take(MAX).collect();
    format!("{cut}… ({} bytes in all)", trimmed.len())
}

#[cfg(test)]
mod tests {
    //! The token check judged on its finding, against hand-written answers of the token endpoint
    //! (bodies as the fixtures recorded them): what a user reads in the summary, the signals the
    //! catalogue matches, the evidence, and that no secret or token signature is in any of it.

    use super::run;
    use crate::check::Outcome;
    use crate::check::Settled;
    use crate::check::testing::{
        CLIENT_ID, ENTRA_CONDITIONAL_ACCESS, ENTRA_INVALID_CLIENT_SECRET, Harness, NOW,
        PROXY_502_HTML, TestSettings, answer, app_claims, assert_clean, evidence, no_answer,
        signal, token, token_path, token_response,
    };
    use crate::session::NetworkKind;

    const ENTRA_JSON: (&str, &str) = ("Content-Type", "application/json; charset=utf-8");

    fn token_answer(status: u16, headers: &[(&str, &str)], body: &str) -> Harness {
        Harness::new(
            TestSettings::new().build(),
            vec![answer("POST", &token_path(), status, headers, body)],
        )
    }

    #[tokio::test]
    async fn a_client_secret_gets_a_token_and_the_finding_says_who_signed_in() {
        let jwt = token(&app_claims(NOW));
        let h = token_answer(200, &[ENTRA_JSON], &token_response(&jwt));
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert_eq!(finding.outcome, Outcome::Pass, "{}", finding.summary);
        assert_eq!(
            finding.summary,
            format!(
                "signed in as application {CLIENT_ID} with a client secret: token issued by 127.0.0.1, valid for 60 minutes"
            )
        );
        assert_eq!(signal(&finding, "token.source"), ["client-secret"]);
        assert_eq!(signal(&finding, "token.status"), ["200"]);
        assert_eq!(signal(&finding, "token.tenant_shape"), ["domain"]);
        assert_eq!(signal(&finding, "token.client_id_shape"), ["guid"]);
        assert!(signal(&finding, "token.aadsts").is_empty());
        assert_eq!(
            evidence(&finding, "request"),
            Some("POST http://127.0.0.1:9/contoso.onmicrosoft.com/oauth2/v2.0/token")
        );
        assert_eq!(
            evidence(&finding, "scope"),
            Some("https://analysis.windows.net/powerbi/api/.default")
        );
        assert_eq!(evidence(&finding, "valid for"), Some("60 minutes"));
        let got = got.expect("a token to go on with");
        assert_eq!(got.secret.expose(), jwt);
        assert!(got.decoded.is_ok());
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn an_entra_refusal_names_its_aadsts_code_and_the_support_ids() {
        let h = token_answer(401, &[ENTRA_JSON], ENTRA_INVALID_CLIENT_SECRET);
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "Entra ID refused the token request: AADSTS7000215, invalid_client (HTTP 401)"
        );
        assert_eq!(signal(&finding, "token.status"), ["401"]);
        assert_eq!(signal(&finding, "token.error"), ["invalid_client"]);
        assert_eq!(signal(&finding, "token.aadsts"), ["7000215"]);
        assert!(signal(&finding, "token.body").is_empty());
        assert_eq!(
            evidence(&finding, "trace id"),
            Some("0000aaaa-11bb-cccc-dd22-eeeeee333333")
        );
        assert_eq!(
            evidence(&finding, "correlation id"),
            Some("aaaa0000-bb11-2222-33cc-444444dddddd")
        );
        assert!(
            evidence(&finding, "message")
                .is_some_and(|m| m.starts_with("AADSTS7000215: Invalid client secret provided")),
            "{:?}",
            finding.evidence
        );
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn a_conditional_access_block_keeps_its_suberror() {
        let h = token_answer(400, &[ENTRA_JSON], ENTRA_CONDITIONAL_ACCESS);
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "Entra ID refused the token request: AADSTS53003, interaction_required (HTTP 400)"
        );
        assert_eq!(signal(&finding, "token.aadsts"), ["53003"]);
        assert_eq!(signal(&finding, "token.suberror"), ["message_only"]);
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn a_secret_shaped_like_a_guid_is_named_beside_the_refusal() {
        let h = Harness::new(
            TestSettings::new().secret_looks_like_guid().build(),
            vec![answer(
                "POST",
                &token_path(),
                401,
                &[ENTRA_JSON],
                ENTRA_INVALID_CLIENT_SECRET,
            )],
        );
        let (finding, _) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(signal(&finding, "token.secret_shape"), ["guid"]);
        assert!(
            evidence(&finding, "client secret").is_some_and(|v| v.contains("secret's ID")),
            "{:?}",
            finding.evidence
        );
    }

    #[tokio::test]
    async fn a_proxy_page_is_not_taken_for_an_entra_answer() {
        let h = token_answer(502, &[("Content-Type", "text/html")], PROXY_502_HTML);
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Error);
        assert_eq!(
            finding.summary,
            "the answer from 127.0.0.1 (HTTP 502) is not Entra ID's: an HTML page, as a proxy or firewall sends"
        );
        assert_eq!(signal(&finding, "token.status"), ["502"]);
        assert_eq!(signal(&finding, "token.body"), ["html"]);
        assert!(signal(&finding, "token.aadsts").is_empty());
        assert!(
            evidence(&finding, "body").is_some_and(|b| b.contains("502 Bad Gateway")),
            "{:?}",
            finding.evidence
        );
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn throttled_token_requests_are_no_verdict_and_say_when_to_retry() {
        // The shape of the throttled admin answer in `throttled`: empty body, Retry-After.
        let h = token_answer(
            429,
            &[
                ("Content-Type", "application/octet-stream"),
                ("Retry-After", "3600"),
            ],
            "",
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Error);
        assert_eq!(
            finding.summary,
            "Entra ID is throttling token requests (HTTP 429)"
        );
        assert_eq!(signal(&finding, "token.status"), ["429"]);
        assert_eq!(
            evidence(&finding, "Retry-After"),
            Some("3600 (wait 60 minutes)")
        );
    }

    #[tokio::test]
    async fn no_answer_is_a_network_failure_with_its_kind() {
        let h = Harness::new(
            TestSettings::new().build(),
            vec![no_answer(
                "POST",
                &token_path(),
                NetworkKind::Connect,
                "tcp connect error: Connection refused (os error 111)",
            )],
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Error);
        assert_eq!(
            finding.summary,
            "no answer from 127.0.0.1: the connection was refused or reset"
        );
        assert_eq!(signal(&finding, "token.network"), ["connect"]);
        assert!(signal(&finding, "token.status").is_empty());
        assert_eq!(
            evidence(&finding, "error"),
            Some("tcp connect error: Connection refused (os error 111)")
        );
        assert_eq!(evidence(&finding, "attempts"), Some("1"));
    }

    #[tokio::test]
    async fn a_common_endpoint_tenant_is_refused_before_anything_is_sent() {
        // No answer is recorded: a request would come back "not recorded", an Error.
        let h = Harness::new(
            TestSettings::new().tenant(Some("organizations")).build(),
            Vec::new(),
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Fail);
        assert!(
            finding
                .summary
                .starts_with("not sent: \"organizations\" is not a tenant"),
            "{}",
            finding.summary
        );
        assert_eq!(signal(&finding, "token.tenant_shape"), ["common-endpoint"]);
        assert!(evidence(&finding, "request").is_none());
    }

    #[tokio::test]
    async fn a_client_id_that_is_not_a_guid_is_refused_before_anything_is_sent() {
        let h = Harness::new(
            TestSettings::new()
                .client_id(Some("Contoso Reporting"))
                .build(),
            Vec::new(),
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert!(got.is_none());
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "not sent: client id \"Contoso Reporting\" is not a GUID; use the Application (client) ID"
        );
        assert_eq!(signal(&finding, "token.client_id_shape"), ["not-guid"]);
    }

    #[tokio::test]
    async fn a_given_token_in_quotes_is_read_and_the_quotes_are_named() {
        let jwt = token(&app_claims(NOW));
        let h = Harness::new(
            TestSettings::new()
                .given_token(&format!("\"{jwt}\"\n"), "file token.txt")
                .build(),
            Vec::new(),
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert_eq!(finding.outcome, Outcome::Warn);
        assert!(
            finding
                .summary
                .starts_with("token read from file token.txt, given in quotes:"),
            "{}",
            finding.summary
        );
        assert_eq!(signal(&finding, "token.source"), ["token-file"]);
        assert!(signal(&finding, "token.input").contains(&"quoted"));
        assert_eq!(evidence(&finding, "source"), Some("file token.txt"));
        // The quotes are peeled off: the token the chain goes on with is the JWT itself.
        assert_eq!(got.expect("the token").secret.expose(), jwt);
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn a_given_token_response_is_named_and_its_times_are_in_words() {
        let jwt = token(&app_claims(NOW));
        let response = format!(
            "{{\"token_type\":\"Bearer\",\"expires_in\":\"3599\",\"expires_on\":\"{}\",\"access_token\":\"{jwt}\"}}",
            NOW + 3300
        );
        let h = Harness::new(
            TestSettings::new()
                .given_token(&response, "standard input")
                .build(),
            Vec::new(),
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(
            finding.summary,
            "token read from standard input (given as a JSON token response)"
        );
        assert_eq!(signal(&finding, "token.input"), ["json-response"]);
        assert_eq!(
            evidence(&finding, "valid for (token response)"),
            Some("60 minutes")
        );
        assert!(
            evidence(&finding, "expires (token response)")
                .is_some_and(|v| v.ends_with("(in 55 minutes)")),
            "{:?}",
            finding.evidence
        );
        assert_eq!(got.expect("the token").secret.expose(), jwt);
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn a_bare_given_token_passes() {
        let jwt = token(&app_claims(NOW));
        let h = Harness::new(
            TestSettings::new()
                .given_token(&jwt, "standard input")
                .build(),
            Vec::new(),
        );
        let (finding, got) = run(&h.ctx(), Settled::default(), &mut Default::default()).await;
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(finding.summary, "token read from standard input");
        assert_eq!(
            evidence(&finding, "given"),
            Some("bare, with nothing around it")
        );
        assert_eq!(signal(&finding, "token.input"), ["bare"]);
        assert!(got.is_some());
        assert_clean(&finding, &[]);
    }
}

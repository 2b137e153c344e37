//! ## What it checks
//! Gets an access token with client credentials from the tenant-specific v2 token endpoint
//! (`{authority}/{tenant}/oauth2/v2.0/token`, `scope=<resource>/.default`), or reads the token the
//! user gave. Before sending, it checks the shapes of tenant, client id and secret, so a typo is
//! named as one.
//! ## Evidence collected
//! Token endpoint status, `error`, AADSTS codes and message, trace id, correlation id, timestamp;
//! for a given token, where it came from and how it was wrapped.
//! ## Requires
//! Nothing: it is the first link of the chain.

use crate::api_error::BodyKind;
use crate::check::{CheckId, Context, Finding, Outcome, TokenInHand};
use crate::entra_error;
use crate::session::NetworkKind;
use crate::settings::Credential;
use crate::shape::{TenantShape, is_guid, tenant_shape};
use crate::token_input::{self, Wrapper};
use crate::transport::{Failure, FormValue, Method, Request, Retry};

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    "token.source",
    "token.tenant_shape",
    "token.client_id_shape",
    "token.secret_shape",
    "token.status",
    "token.error",
    "token.aadsts",
    "token.suberror",
    "token.body",
    "token.network",
    "token.input",
];

const ID: CheckId = CheckId::TokenAcquisition;

/// Runs the check; returns the token when there is one to go on with.
pub async fn run(ctx: &Context<'_>) -> (Finding, Option<TokenInHand>) {
    match &ctx.settings.credential {
        Credential::Token { text, source } => from_given_token(ctx, text.expose(), source),
        Credential::ClientSecret(secret) => client_credentials(ctx, secret).await,
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
    let wrapping = input
        .wrappers
        .iter()
        .map(|w| w.signal())
        .collect::<Vec<_>>()
        .join(", ");
    let summary = if suspicious.is_empty() {
        format!("token read from {source} ({wrapping})")
    } else {
        format!(
            "token read from {source}, wrapped in {}: a script that sends it like this sends a malformed Authorization header",
            suspicious
                .iter()
                .map(|w| w.signal())
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    let mut finding = Finding::new(ID, outcome, summary);
    finding.signal("token.source", "token-file");
    for wrapper in &input.wrappers {
        finding.signal("token.input", wrapper.signal());
    }
    finding.evidence("source", source);
    finding.evidence("wrapping", wrapping);
    for (field, value) in &input.response_fields {
        finding.evidence(format!("token response {field}"), ctx.redactor.clean(value));
    }
    let token = TokenInHand::new(&input.token);
    (finding, Some(token))
}

/// Checks what can be checked before anything is sent. Returns a failed finding when sending
/// would be pointless.
fn precheck(ctx: &Context<'_>, finding: &mut Finding) -> Option<String> {
    let settings = ctx.settings;
    let tenant = settings.tenant.as_deref().unwrap_or_default();
    let shape = tenant_shape(tenant);
    finding.signal("token.tenant_shape", shape.signal());
    finding.evidence("tenant", tenant);
    let client_id = settings.client_id.as_deref().unwrap_or_default();
    finding.signal(
        "token.client_id_shape",
        if is_guid(client_id) {
            "guid"
        } else {
            "not-guid"
        },
    );
    finding.evidence("client id", client_id);
    if settings.secret_looks_like_guid {
        finding.signal("token.secret_shape", "guid");
        finding.evidence(
            "client secret",
            "looks like a GUID: that is the shape of a secret's ID, not of its value",
        );
    }
    match shape {
        TenantShape::CommonEndpoint => {
            return Some(format!(
                "not sent: {tenant:?} is not a tenant; client credentials need the tenant id or a verified domain"
            ));
        }
        TenantShape::Invalid => {
            return Some(format!(
                "not sent: tenant {tenant:?} is neither a tenant id (GUID) nor a domain name"
            ));
        }
        TenantShape::Guid | TenantShape::Domain => {}
    }
    if !is_guid(client_id) {
        return Some(format!(
            "not sent: client id {client_id:?} is not a GUID; use the Application (client) ID"
        ));
    }
    None
}

async fn client_credentials(
    ctx: &Context<'_>,
    secret: &crate::secret::Secret,
) -> (Finding, Option<TokenInHand>) {
    let settings = ctx.settings;
    let mut finding = Finding::new(ID, Outcome::Pass, "");
    finding.signal("token.source", "client-secret");
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
    let scope = format!("{}/.default", settings.cloud.powerbi_resource());
    let request = Request {
        method: Method::Post,
        url: url.clone(),
        form: vec![
            (
                "grant_type",
                FormValue::Plain("client_credentials".to_owned()),
            ),
            (
                "client_id",
                FormValue::Plain(settings.client_id.clone().unwrap_or_default()),
            ),
            ("scope", FormValue::Plain(scope.clone())),
            ("client_secret", FormValue::Secret(secret.clone())),
        ],
        bearer: None,
        retry: Retry::TRANSIENT,
    };
    finding.evidence("request", format!("POST {url}"));
    finding.evidence("scope", scope);
    let response = match ctx.transport.send(request).await {
        Ok(response) => response,
        Err(failure) => {
            finding.outcome = Outcome::Error;
            match &failure {
                Failure::Network {
                    kind,
                    message,
                    attempts,
                } => {
                    finding.signal("token.network", kind.signal());
                    finding.summary =
                        format!("no answer from {}: {}", host(&url), network_words(*kind));
                    finding.evidence("error", message.clone());
                    finding.evidence("attempts", attempts.to_string());
                }
                other => {
                    finding.summary = other.to_string();
                }
            }
            return (finding, None);
        }
    };
    finding.signal("token.status", response.status.to_string());
    if let Some(id) = response.header("x-ms-request-id") {
        finding.evidence("x-ms-request-id", ctx.redactor.clean(id));
    }
    if response.status == 200 {
        return token_from_body(ctx, finding, &response.body);
    }
    if response.status == 429 {
        finding.outcome = Outcome::Error;
        finding.summary = "Entra ID is throttling token requests (HTTP 429)".to_owned();
        if let Some(after) = response.header("retry-after") {
            finding.evidence("Retry-After", after);
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
            if let Some(e) = &error.error {
                finding.signal("token.error", e.clone());
            }
            for code in &error.codes {
                finding.signal("token.aadsts", code.to_string());
            }
            if let Some(sub) = &error.suberror {
                finding.signal("token.suberror", sub.clone());
            }
            let code = error
                .codes
                .first()
                .map(|c| format!("AADSTS{c}"))
                .unwrap_or_else(|| "no AADSTS code".to_owned());
            finding.summary = format!(
                "Entra ID refused the token request: {code}, {} (HTTP {})",
                error.error.as_deref().unwrap_or("error"),
                response.status
            );
            if let Some(description) = &error.description {
                finding.evidence("message", ctx.redactor.clean(description));
            }
            for (label, value) in [
                ("trace id", &error.trace_id),
                ("correlation id", &error.correlation_id),
                ("timestamp", &error.timestamp),
                ("error uri", &error.error_uri),
            ] {
                if let Some(v) = value {
                    finding.evidence(label, ctx.redactor.clean(v));
                }
            }
        }
        None => {
            let kind = BodyKind::of(&response.body);
            finding.signal("token.body", kind.signal());
            finding.outcome = Outcome::Error;
            finding.summary = format!(
                "the answer from {} (HTTP {}) is not Entra ID's: {}",
                host(&url),
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
) -> (Finding, Option<TokenInHand>) {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let token = parsed
        .as_ref()
        .and_then(|v| v.get("access_token"))
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        finding.outcome = Outcome::Error;
        finding.signal("token.body", BodyKind::of(body).signal());
        finding.summary = "the token endpoint answered 200 without an access_token".to_owned();
        finding.evidence("body", excerpt(&ctx.redactor.clean(body)));
        return (finding, None);
    };
    let expires_in = parsed
        .as_ref()
        .and_then(|v| v.get("expires_in"))
        .map(|v| v.to_string().trim_matches('"').to_owned());
    finding.summary = format!(
        "token issued for application {} by {}{}",
        ctx.settings.client_id.as_deref().unwrap_or("?"),
        host(&ctx.settings.authority_host),
        expires_in
            .as_deref()
            .map(|s| format!(", expires in {s} s"))
            .unwrap_or_default()
    );
    if let Some(s) = expires_in {
        finding.evidence("expires_in", s);
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
            "the TLS handshake failed (a proxy with its own certificate authority?)"
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

//! ## What it checks
//! Decodes the token without verifying it and judges its claims: `exp` and `nbf` against the
//! clock (5 minutes of skew allowed and noted), `tid` against the tenant asked for, the issuer's
//! cloud against the cloud in use, and `ver`. A token that is not a JWT, or is cut short, is a
//! finding.
//! ## Evidence collected
//! `aud`, `iss`, `tid`, `appid`/`azp`, `oid`, `ver`, issued / valid from / expires (absolute and
//! relative), the user for delegated tokens.
//! ## Requires
//! A token.

use crate::check::{CheckId, Context, Finding, Outcome, signal};
use crate::cloud::issuer_cloud;
use crate::jwt::{DecodeError, Jwt};
use crate::shape::{TenantShape, tenant_shape};
use crate::words::{relative, timestamp};

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    signal::CLAIMS_DECODE,
    signal::CLAIMS_EXPIRY,
    signal::CLAIMS_NOT_BEFORE,
    signal::CLAIMS_TENANT,
    signal::CLAIMS_ISSUER_CLOUD,
    signal::CLAIMS_CLOUD,
    signal::CLAIMS_VER,
    signal::CLAIMS_CLIENT,
    signal::CLAIMS_MINUTES_LEFT,
];

/// Clock skew tolerated, as libraries commonly do (facts §1.5).
pub const SKEW_SECONDS: i64 = 300;

/// Runs the check.
pub fn run(ctx: &Context<'_>, decoded: &Result<Jwt, DecodeError>) -> Finding {
    let jwt = match decoded {
        Ok(jwt) => jwt,
        Err(error) => {
            let mut finding = Finding::new(CheckId::Claims, Outcome::Fail, error.describe());
            finding.signal(signal::CLAIMS_DECODE, error.signal());
            return finding;
        }
    };
    let claims = &jwt.claims;
    let now = ctx.now;
    let mut finding = Finding::new(CheckId::Claims, Outcome::Pass, "");
    finding.signal(signal::CLAIMS_DECODE, "ok");
    let mut problems: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    for (label, name) in [
        ("aud", "aud"),
        ("iss", "iss"),
        ("tid", "tid"),
        ("oid", "oid"),
        ("idtyp", "idtyp"),
    ] {
        if let Some(v) = claims.str(name) {
            finding.evidence(label, ctx.redactor.clean(v));
        }
    }
    if let Some(app) = claims.client_app() {
        finding.evidence("application (appid/azp)", ctx.redactor.clean(app));
    }
    if let Some(user) = claims.user_name() {
        finding.evidence("user", ctx.redactor.clean(user));
    }

    match claims.time("exp") {
        None => {
            finding.signal(signal::CLAIMS_EXPIRY, "missing");
            warnings.push("no exp claim".to_owned());
        }
        Some(exp) => {
            finding.signal(
                signal::CLAIMS_MINUTES_LEFT,
                ((exp - now).max(0) / 60).to_string(),
            );
            finding.evidence(
                "expires",
                format!("{} ({})", timestamp(exp), relative(exp - now)),
            );
            if exp <= now {
                finding.signal(signal::CLAIMS_EXPIRY, "expired");
                let mut text = format!("expired {}", relative(exp - now));
                if now - exp < SKEW_SECONDS {
                    text.push_str(" (within 5 minutes: check this machine's clock too)");
                }
                problems.push(text);
            } else if exp - now < SKEW_SECONDS {
                finding.signal(signal::CLAIMS_EXPIRY, "expiring-soon");
                warnings.push(format!("expires {}", relative(exp - now)));
            } else {
                finding.signal(signal::CLAIMS_EXPIRY, "valid");
                notes.push(format!("valid, expires {}", relative(exp - now)));
            }
        }
    }
    if let Some(iat) = claims.time("iat") {
        finding.evidence(
            "issued",
            format!("{} ({})", timestamp(iat), relative(iat - now)),
        );
    }
    if let Some(nbf) = claims.time("nbf") {
        finding.evidence(
            "valid from",
            format!("{} ({})", timestamp(nbf), relative(nbf - now)),
        );
        if nbf > now + SKEW_SECONDS {
            finding.signal(signal::CLAIMS_NOT_BEFORE, "future");
            problems.push(format!(
                "not valid until {} ({})",
                timestamp(nbf),
                relative(nbf - now)
            ));
        } else {
            finding.signal(signal::CLAIMS_NOT_BEFORE, "ok");
            if nbf > now {
                notes.push("valid-from is slightly ahead of this machine's clock (within the 5-minute skew)".to_owned());
            }
        }
    }

    if let (Some(asked), Some(tid)) = (ctx.settings.tenant.as_deref(), claims.str("tid")) {
        match tenant_shape(asked) {
            TenantShape::Guid => {
                let asked = asked.trim().trim_matches(|c| c == '{' || c == '}');
                if asked.eq_ignore_ascii_case(tid) {
                    finding.signal(signal::CLAIMS_TENANT, "match");
                    notes.push("tenant matches".to_owned());
                } else {
                    finding.signal(signal::CLAIMS_TENANT, "mismatch");
                    problems.push(format!("issued by tenant {tid}, not by {asked}"));
                }
            }
            _ => {
                finding.signal(signal::CLAIMS_TENANT, "not-compared");
                notes.push(format!(
                    "tenant {tid} (not compared: {asked} is not a tenant id)"
                ));
            }
        }
    }

    if let Some(iss) = claims.str("iss") {
        match issuer_cloud(iss) {
            Some(cloud) => {
                finding.signal(signal::CLAIMS_ISSUER_CLOUD, cloud.signal());
                if cloud == ctx.settings.cloud.entra() {
                    finding.signal(signal::CLAIMS_CLOUD, "match");
                } else {
                    finding.signal(signal::CLAIMS_CLOUD, "mismatch");
                    problems.push(format!(
                        "issued by the {} Entra ID cloud, but --cloud is {}",
                        signal::entra_cloud_words(cloud.signal()).unwrap_or("another"),
                        ctx.settings.cloud.name()
                    ));
                }
            }
            None => {
                finding.signal(signal::CLAIMS_ISSUER_CLOUD, "unknown");
            }
        }
    }
    if let (Some(expected), Some(app)) = (ctx.settings.client_id.as_deref(), claims.client_app()) {
        if expected.trim().eq_ignore_ascii_case(app) {
            finding.signal(signal::CLAIMS_CLIENT, "match");
        } else {
            finding.signal(signal::CLAIMS_CLIENT, "mismatch");
            problems.push(format!(
                "issued to application {app}, not to {}",
                expected.trim()
            ));
        }
    }
    if let Some(ver) = claims.str("ver") {
        finding.signal(signal::CLAIMS_VER, ver);
        finding.evidence("ver", ver);
    }

    (finding.outcome, finding.summary) = if !problems.is_empty() {
        (Outcome::Fail, problems.join("; "))
    } else if !warnings.is_empty() {
        (Outcome::Warn, warnings.join("; "))
    } else {
        (Outcome::Pass, notes.join("; "))
    };
    finding
}

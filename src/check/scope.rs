//! ## What it checks
//! Whether the token's `aud` is the Power BI resource of the cloud in use (the resource URI, or
//! the Power BI app id `00000009-0000-0000-c000-000000000000`), and if not, what it is for.
//! ## Evidence collected
//! The audience, what it is, and the resource expected.
//! ## Requires
//! A decodable token.

use crate::check::{CheckId, Context, Finding, Outcome, signal};
use crate::cloud::{Audience, classify_audiences};
use crate::jwt::Jwt;

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[signal::SCOPE_AUDIENCE, signal::SCOPE_AUDIENCE_CLOUD];

/// Runs the check on a decoded token.
pub fn run(ctx: &Context<'_>, jwt: &Jwt) -> Finding {
    let cloud = ctx.settings.cloud;
    let auds = jwt.claims.audiences();
    let audience = classify_audiences(&auds, cloud);
    let shown = if auds.is_empty() {
        "(none)".to_owned()
    } else {
        auds.join(", ")
    };
    let (outcome, summary) = match audience {
        Audience::PowerBi => (
            Outcome::Pass,
            format!("the token is for Power BI ({shown})"),
        ),
        other => (
            Outcome::Fail,
            format!(
                "the token is for {}, not for Power BI in the {} (aud {shown})",
                other.describe(),
                cloud.display()
            ),
        ),
    };
    let mut finding = Finding::new(CheckId::Scope, outcome, summary);
    finding.signal(signal::SCOPE_AUDIENCE, audience.signal());
    if let Audience::PowerBiOtherCloud(other) = audience {
        finding.signal(signal::SCOPE_AUDIENCE_CLOUD, other.name());
    }
    finding.evidence("aud", ctx.redactor.clean(&shown));
    finding.evidence("expected", cloud.powerbi_resource());
    if audience != Audience::PowerBi {
        finding.evidence(
            "request instead",
            format!("scope={}/.default", cloud.powerbi_resource()),
        );
    }
    finding
}

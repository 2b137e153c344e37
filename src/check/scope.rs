//! ## What it checks
//! Whether the token's `aud` suits the APIs called (`check --api`, `token --for`): Power BI's
//! needs the Power BI resource of the cloud in use (the resource URI, or the Power BI app id
//! `00000009-0000-0000-c000-000000000000`); Fabric's takes that or its own,
//! `https://api.fabric.microsoft.com` (facts §1.3). A Fabric-audience token is right for Fabric
//! and refused by Power BI's `/v1.0/myorg` paths: a fail when only Power BI is called, a warning
//! when both are.
//! ## Evidence collected
//! The audience, what it is, and the resource expected.
//! ## Requires
//! A decodable token.

use crate::apis::Apis;
use crate::check::{CheckId, Context, Finding, Outcome, signal};
use crate::cloud::{Audience, classify_audiences};
use crate::jwt::Jwt;

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &[
    signal::SCOPE_AUDIENCE,
    signal::SCOPE_AUDIENCE_CLOUD,
    signal::SCOPE_API,
];

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
    let apis = ctx.settings.apis;
    let (outcome, summary) = match audience {
        Audience::PowerBi if apis.fabric() => (
            Outcome::Pass,
            format!("the token is for Power BI ({shown}): Power BI's API and Fabric's accept it"),
        ),
        Audience::PowerBi => (
            Outcome::Pass,
            format!("the token is for Power BI ({shown})"),
        ),
        Audience::Fabric if apis == Apis::Fabric => (
            Outcome::Pass,
            format!("the token is for Fabric's API ({shown})"),
        ),
        Audience::Fabric if apis == Apis::Both => (
            Outcome::Warn,
            format!(
                "the token is for Fabric's API ({shown}): right for Fabric's /v1 calls, refused by \
                 Power BI's /v1.0/myorg calls"
            ),
        ),
        other if apis == Apis::Fabric => (
            Outcome::Fail,
            format!(
                "the token is for {}, not for Fabric or Power BI in the {} (aud {shown})",
                other.describe(),
                cloud.display()
            ),
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
    if audience == Audience::Fabric {
        finding.signal(signal::SCOPE_API, apis.name());
    }
    if let Audience::PowerBiOtherCloud(other) = audience {
        finding.signal(signal::SCOPE_AUDIENCE_CLOUD, other.name());
    }
    finding.evidence("aud", ctx.redactor.clean(&shown));
    finding.evidence("expected", cloud.powerbi_resource());
    if apis.fabric() {
        finding.evidence("also accepted by Fabric", crate::cloud::FABRIC_RESOURCE);
    }
    let suits =
        audience == Audience::PowerBi || (audience == Audience::Fabric && apis == Apis::Fabric);
    if !suits {
        finding.evidence(
            "request instead",
            format!("scope={}/.default", cloud.powerbi_resource()),
        );
    }
    finding
}

#[cfg(test)]
mod tests {
    //! The scope check on tokens whose `aud` the fixtures show: Power BI (by URI or app id),
    //! Microsoft Graph (`wrong-audience`), and Power BI of another cloud (`wrong-cloud`).

    use serde_json::json;

    use super::run;
    use crate::check::Outcome;
    use crate::check::testing::{
        Harness, NOW, TestSettings, app_claims, assert_clean, evidence, signal, token,
    };
    use crate::cloud::Cloud;
    use crate::jwt::decode;

    fn scope_of(aud: serde_json::Value, cloud: Cloud) -> crate::check::Finding {
        let mut claims = app_claims(NOW);
        claims["aud"] = aud;
        let jwt = decode(&token(&claims)).expect("a decodable token");
        let h = Harness::new(TestSettings::new().cloud(cloud).build(), Vec::new());
        run(&h.ctx(), &jwt)
    }

    #[test]
    fn a_power_bi_token_passes() {
        let finding = scope_of(
            json!("https://analysis.windows.net/powerbi/api"),
            Cloud::Public,
        );
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(
            finding.summary,
            "the token is for Power BI (https://analysis.windows.net/powerbi/api)"
        );
        assert_eq!(signal(&finding, "scope.audience"), ["powerbi"]);
        assert!(signal(&finding, "scope.audience_cloud").is_empty());
        assert_eq!(
            evidence(&finding, "expected"),
            Some("https://analysis.windows.net/powerbi/api")
        );
        assert!(evidence(&finding, "request instead").is_none());
        assert_clean(&finding, &[]);
    }

    #[test]
    fn the_power_bi_app_id_is_power_bi_too() {
        let finding = scope_of(json!("00000009-0000-0000-c000-000000000000"), Cloud::Public);
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(signal(&finding, "scope.audience"), ["powerbi"]);
    }

    #[test]
    fn a_graph_token_fails_and_says_what_to_request_instead() {
        let finding = scope_of(json!("https://graph.microsoft.com"), Cloud::Public);
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "the token is for Microsoft Graph, not for Power BI in the public cloud (aud https://graph.microsoft.com)"
        );
        assert_eq!(signal(&finding, "scope.audience"), ["graph"]);
        assert_eq!(
            evidence(&finding, "aud"),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(
            evidence(&finding, "request instead"),
            Some("scope=https://analysis.windows.net/powerbi/api/.default")
        );
        assert_clean(&finding, &[]);
    }

    #[test]
    fn a_token_of_another_clouds_power_bi_names_that_cloud() {
        let finding = scope_of(
            json!("https://analysis.usgovcloudapi.net/powerbi/api"),
            Cloud::Public,
        );
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(signal(&finding, "scope.audience"), ["powerbi-other-cloud"]);
        assert_eq!(signal(&finding, "scope.audience_cloud"), ["usgov"]);
        assert!(
            finding.summary.contains("US Government (GCC)"),
            "{}",
            finding.summary
        );
        // The same token is right in the cloud it was issued for.
        let finding = scope_of(
            json!("https://analysis.usgovcloudapi.net/powerbi/api"),
            Cloud::Usgov,
        );
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(
            evidence(&finding, "expected"),
            Some("https://analysis.usgovcloudapi.net/powerbi/api")
        );
    }

    #[test]
    fn power_bi_among_several_audiences_passes_and_none_at_all_fails() {
        let finding = scope_of(
            json!([
                "https://graph.microsoft.com",
                "https://analysis.windows.net/powerbi/api"
            ]),
            Cloud::Public,
        );
        assert_eq!(finding.outcome, Outcome::Pass);
        let mut claims = app_claims(NOW);
        claims.as_object_mut().unwrap().remove("aud");
        let jwt = decode(&token(&claims)).expect("a decodable token");
        let h = Harness::new(TestSettings::new().build(), Vec::new());
        let finding = run(&h.ctx(), &jwt);
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(signal(&finding, "scope.audience"), ["missing"]);
        assert_eq!(evidence(&finding, "aud"), Some("(none)"));
    }
}

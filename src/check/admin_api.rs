//! ## What it checks
//! Whether the caller may use the read-only admin APIs: exactly one
//! `GET {api}/v1.0/myorg/admin/groups?$top=1` (GetGroupsAsAdmin; `$top` is mandatory). Its quota
//! is 50 requests an hour per tenant, so the call is never retried, not even on 429.
//! ## Evidence collected
//! Status, `RequestId`, `X-PowerBI-Error-Info`, error code and message, `Retry-After`.
//! ## Requires
//! A token for Power BI whose claims are valid; skipped with `--skip-admin`.

use crate::check::probe::{Answer, probe, refusal_words};
use crate::check::signal::Probe;
use crate::check::{CheckId, Context, Finding, Outcome, TokenInHand};
use crate::settings::endpoint;
use crate::transport::Retry;

/// The signals this check emits (see `checks/README.md`).
pub const SIGNALS: &[&str] = &Probe::Admin.signals();

/// The probed path: the cheapest read-only admin call.
pub const PATH: &str = "/v1.0/myorg/admin/groups?$top=1";

/// Runs the probe.
pub async fn run(ctx: &Context<'_>, token: &TokenInHand) -> Finding {
    let mut finding = Finding::new(CheckId::AdminApi, Outcome::Pass, "");
    let url = endpoint(&ctx.settings.powerbi_api, PATH);
    (finding.outcome, finding.summary) =
        match probe(ctx, &mut finding, Probe::Admin, url, token, Retry::ONCE).await {
            Answer::Success(_) => (
                Outcome::Pass,
                "the read-only admin API answered (GetGroupsAsAdmin, HTTP 200)".to_owned(),
            ),
            Answer::Redirected(status) => (
                Outcome::Warn,
                format!("the admin API redirected (HTTP {status}) to another cluster"),
            ),
            Answer::Refused(status) => (
                Outcome::Fail,
                format!(
                    "the read-only admin API refused the call: {}",
                    refusal_words(&finding, Probe::Admin, status)
                ),
            ),
            Answer::Unreadable(why) => (
                Outcome::Error,
                format!("no verdict on the admin API: {why}"),
            ),
            Answer::Unverified(why) => (
                Outcome::Error,
                format!("no verdict on the admin API: {why}"),
            ),
        };
    finding
}

#[cfg(test)]
mod tests {
    //! The admin probe judged on its finding, against the admin API's answers as the fixtures
    //! recorded them: success, throttling, the tenant switch refusing service principals, a
    //! refusal without the admin role, an expired token, no answer, and the two ways of not
    //! calling at all.

    use super::{PATH, run};
    use crate::check::testing::{
        ADMIN_GROUPS_SALES, API, CLAIMS_CHALLENGE, Harness, NOW, ODATA_JSON, PBI_TOKEN_EXPIRED,
        TestSettings, answer, app_claims, assert_clean, evidence, no_answer, pbi_error, signal,
        token,
    };
    use crate::check::{Finding, Outcome};
    use crate::session::{Exchange, NetworkKind};

    async fn admin(settings: TestSettings, exchanges: Vec<Exchange>) -> Finding {
        let h = Harness::new(settings.build(), exchanges);
        let token = h.token_in_hand(&token(&app_claims(NOW)));
        run(&h.ctx(), &token).await
    }

    async fn admin_answers(status: u16, headers: &[(&str, &str)], body: &str) -> Finding {
        admin(
            TestSettings::new(),
            vec![answer("GET", PATH, status, headers, body)],
        )
        .await
    }

    fn label() -> String {
        format!("GET {API}{PATH}")
    }

    #[tokio::test]
    async fn an_answered_call_passes_with_its_request_id() {
        let finding = admin_answers(
            200,
            &[
                ("Content-Type", ODATA_JSON),
                ("RequestId", "343698f1-0dd6-5bb7-9a18-f35d3ee603fe"),
            ],
            ADMIN_GROUPS_SALES,
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Pass);
        assert_eq!(
            finding.summary,
            "the read-only admin API answered (GetGroupsAsAdmin, HTTP 200)"
        );
        assert_eq!(signal(&finding, "admin_api.status"), ["200"]);
        assert_eq!(
            evidence(&finding, &label()),
            Some("HTTP 200, RequestId: 343698f1-0dd6-5bb7-9a18-f35d3ee603fe")
        );
        assert_clean(&finding, &[]);
    }

    #[tokio::test]
    async fn throttling_is_a_refusal_with_its_retry_after() {
        let finding = admin_answers(
            429,
            &[
                ("Content-Type", "application/octet-stream"),
                ("RequestId", "5c893d8c-352b-56e6-a1c9-8175f3b77509"),
                ("Retry-After", "3600"),
            ],
            "",
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "the read-only admin API refused the call: HTTP 429 with an empty body"
        );
        assert_eq!(signal(&finding, "admin_api.status"), ["429"]);
        assert_eq!(signal(&finding, "admin_api.retry_after"), ["3600"]);
        assert_eq!(signal(&finding, "admin_api.body"), ["empty"]);
        let shown = evidence(&finding, &label()).expect("the call's evidence");
        assert!(shown.starts_with("HTTP 429"), "{shown}");
        assert!(shown.contains("Retry-After: 3600"), "{shown}");
        assert!(shown.contains("empty body"), "{shown}");
    }

    #[tokio::test]
    async fn the_tenant_switch_is_named_from_the_error_info_header() {
        let finding = admin_answers(
            401,
            &[
                ("Content-Type", "application/octet-stream"),
                (
                    "X-PowerBI-Error-Info",
                    "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
                ),
                ("RequestId", "113859bc-f252-54c3-bfb9-1e2c8f8ea6e5"),
            ],
            "",
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "the read-only admin API refused the call: HTTP 401 ServicePrincipalIsNotAllowedByTenantAdminSwitch"
        );
        assert_eq!(
            signal(&finding, "admin_api.error_info"),
            ["ServicePrincipalIsNotAllowedByTenantAdminSwitch"]
        );
        assert_eq!(signal(&finding, "admin_api.status"), ["401"]);
    }

    #[tokio::test]
    async fn a_power_bi_error_body_gives_the_error_code() {
        let finding = admin_answers(
            401,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("RequestId", "648c945b-4c36-59b4-af24-a65815c13d94"),
            ],
            &pbi_error("PowerBINotAuthorizedException"),
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            finding.summary,
            "the read-only admin API refused the call: HTTP 401 PowerBINotAuthorizedException"
        );
        assert_eq!(
            signal(&finding, "admin_api.error_code"),
            ["PowerBINotAuthorizedException"]
        );
        assert_eq!(signal(&finding, "admin_api.body"), ["json"]);
        assert!(signal(&finding, "admin_api.error_info").is_empty());
    }

    #[tokio::test]
    async fn an_expired_token_at_the_api_gives_code_message_and_info() {
        let finding = admin_answers(
            403,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-PowerBI-Error-Info", "TokenExpired"),
                ("RequestId", "65835ddf-a168-5f65-b1e9-7d629ed01cbc"),
            ],
            PBI_TOKEN_EXPIRED,
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(signal(&finding, "admin_api.status"), ["403"]);
        assert_eq!(signal(&finding, "admin_api.error_code"), ["TokenExpired"]);
        assert_eq!(signal(&finding, "admin_api.error_info"), ["TokenExpired"]);
        assert_eq!(
            signal(&finding, "admin_api.message"),
            ["Access token has expired, resubmit with a new access token"]
        );
    }

    #[tokio::test]
    async fn a_claims_challenge_is_named() {
        let finding = admin_answers(
            401,
            &[
                ("RequestId", "7c0e0a11-3b5d-5e7f-9a1b-2c3d4e5f6a7b"),
                ("WWW-Authenticate", CLAIMS_CHALLENGE),
            ],
            "",
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Fail);
        assert_eq!(
            signal(&finding, "admin_api.challenge"),
            ["insufficient_claims"]
        );
        let shown = evidence(&finding, &label()).expect("the call's evidence");
        assert!(
            shown.contains("WWW-Authenticate error: insufficient_claims"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn no_answer_is_no_verdict() {
        let finding = admin(
            TestSettings::new(),
            vec![no_answer(
                "GET",
                PATH,
                NetworkKind::Connect,
                "error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)",
            )],
        )
        .await;
        assert_eq!(finding.outcome, Outcome::Error);
        assert_eq!(
            finding.summary,
            "no verdict on the admin API: no answer: the connection was refused or reset"
        );
        assert_eq!(signal(&finding, "admin_api.network"), ["connect"]);
        assert!(signal(&finding, "admin_api.status").is_empty());
        let shown = evidence(&finding, &label()).expect("the call's evidence");
        assert!(shown.ends_with("; 1 attempt)"), "{shown}");
    }
}

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

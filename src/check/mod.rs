//! The chain of checks: token-acquisition → scope → claims → identity-kind → (admin-api ∥
//! workspace-api). Each check gathers evidence and names signals in a [`Finding`]; it never
//! explains (the catalogue does) and never prints (the renderers do). A check whose prerequisite
//! failed is skipped with the reason.

pub mod admin_api;
pub mod claims;
pub mod identity_kind;
mod probe;
pub mod scope;
#[cfg(test)]
mod testing;
pub mod token_acquisition;
pub mod workspace_api;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::jwt::{self, DecodeError, Jwt};
use crate::secret::{Redactor, Scrub, Scrubber, Secret};
use crate::settings::Settings;
use crate::transport::Transport;

/// A check of the chain. The kebab-case ids are stable: reports and scripts key on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// Getting a token from Entra ID, or reading the one given.
    TokenAcquisition,
    /// Whether the token is for Power BI.
    Scope,
    /// Expiry, tenant, issuer, version.
    Claims,
    /// Delegated or application, and what it carries.
    IdentityKind,
    /// One call to the read-only admin API.
    AdminApi,
    /// The caller's workspaces and the ones named with `--workspace`.
    WorkspaceApi,
}

impl CheckId {
    /// Every check, in chain order.
    pub const ALL: [CheckId; 6] = [
        Self::TokenAcquisition,
        Self::Scope,
        Self::Claims,
        Self::IdentityKind,
        Self::AdminApi,
        Self::WorkspaceApi,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Self::TokenAcquisition => "token-acquisition",
            Self::Scope => "scope",
            Self::Claims => "claims",
            Self::IdentityKind => "identity-kind",
            Self::AdminApi => "admin-api",
            Self::WorkspaceApi => "workspace-api",
        }
    }

    /// A title for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::TokenAcquisition => "Token",
            Self::Scope => "Scope",
            Self::Claims => "Claims",
            Self::IdentityKind => "Identity",
            Self::AdminApi => "Admin API",
            Self::WorkspaceApi => "Workspace API",
        }
    }

    /// The signals this check may emit: the contract with the catalogue (`checks/README.md`).
    pub fn signals(self) -> &'static [&'static str] {
        match self {
            Self::TokenAcquisition => token_acquisition::SIGNALS,
            Self::Scope => scope::SIGNALS,
            Self::Claims => claims::SIGNALS,
            Self::IdentityKind => identity_kind::SIGNALS,
            Self::AdminApi => admin_api::SIGNALS,
            Self::WorkspaceApi => workspace_api::SIGNALS,
        }
    }

    /// The check that emits a signal, if any.
    pub fn of_signal(signal: &str) -> Option<CheckId> {
        Self::ALL
            .into_iter()
            .find(|c| c.signals().contains(&signal))
    }
}

/// Why a check did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// An earlier check failed or could not give what this one needs.
    Check(CheckId),
    /// The user turned it off.
    Flag(&'static str),
}

/// What a check concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong.
    Pass,
    /// Works, but something will bite.
    Warn,
    /// Broken.
    Fail,
    /// Not run.
    Skipped(Skip),
    /// Could not reach a verdict (no answer, throttled, not in the session).
    Error,
}

impl Outcome {
    /// The status word of the JSON report.
    pub fn status(&self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skipped(_) => "skip",
            Self::Error => "error",
        }
    }

    /// Whether the check produced something later checks can build on.
    pub fn usable(&self) -> bool {
        matches!(self, Self::Pass | Self::Warn)
    }
}

/// One fact collected by a check, already redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What the value is.
    pub label: String,
    /// The value.
    pub value: String,
}

/// Flat, named facts for the catalogue to match on. A signal may hold several values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Signals(pub BTreeMap<String, Vec<String>>);

impl Signals {
    /// The values of a signal (empty when not emitted).
    pub fn get(&self, name: &str) -> &[String] {
        self.0.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// Merges another set in.
    pub fn extend(&mut self, other: &Signals) {
        for (name, values) in &other.0 {
            let entry = self.0.entry(name.clone()).or_default();
            for v in values {
                if !entry.contains(v) {
                    entry.push(v.clone());
                }
            }
        }
    }
}

/// What one check found.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Which check.
    pub check: CheckId,
    /// Its conclusion.
    pub outcome: Outcome,
    /// One line for people.
    pub summary: String,
    /// Redacted facts.
    pub evidence: Vec<Evidence>,
    /// Named facts for the diagnosis.
    pub signals: Signals,
}

impl Finding {
    /// A finding with an outcome and summary, to be filled with evidence and signals.
    pub fn new(check: CheckId, outcome: Outcome, summary: impl Into<String>) -> Self {
        Self {
            check,
            outcome,
            summary: summary.into(),
            evidence: Vec::new(),
            signals: Signals::default(),
        }
    }

    /// A skipped check.
    pub fn skipped(check: CheckId, because: Skip) -> Self {
        let summary = match &because {
            Skip::Check(c) => format!("skipped: needs a usable result from {}", c.id()),
            Skip::Flag(flag) => format!("skipped ({flag})"),
        };
        Self::new(check, Outcome::Skipped(because), summary)
    }

    /// Adds a signal value. Debug builds refuse a signal the check did not declare, so the
    /// declared tables stay the truth the catalogue is validated against.
    pub fn signal(&mut self, name: &str, value: impl Into<String>) {
        debug_assert!(
            self.check.signals().contains(&name),
            "{} emits undeclared signal {name}",
            self.check.id()
        );
        let entry = self.signals.0.entry(name.to_owned()).or_default();
        let value = value.into();
        if !entry.contains(&value) {
            entry.push(value);
        }
    }

    /// Adds a piece of evidence (the caller has redacted it).
    pub fn evidence(&mut self, label: impl Into<String>, value: impl Into<String>) {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
    }
}

impl Scrub for Evidence {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Evidence { label, value } = self;
        label.scrub(s);
        value.scrub(s);
    }
}

impl Scrub for Signals {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        for values in self.0.values_mut() {
            values.scrub(s);
        }
    }
}

impl Scrub for Finding {
    fn scrub(&mut self, s: &Scrubber<'_>) {
        let Finding {
            check: _,
            outcome: _,
            summary,
            evidence,
            signals,
        } = self;
        summary.scrub(s);
        evidence.scrub(s);
        signals.scrub(s);
    }
}

/// The token the chain works with: the raw value (secret) and its decoding.
pub struct TokenInHand {
    /// The access token, to send to the probes.
    pub secret: Secret,
    /// The decoded claims, or why they could not be read.
    pub decoded: Result<Jwt, DecodeError>,
}

impl TokenInHand {
    /// Wraps a token and decodes it once.
    pub fn new(token: &str) -> Self {
        Self {
            secret: Secret::new(token),
            decoded: jwt::decode(token),
        }
    }
}

/// What every check may use.
pub struct Context<'a> {
    /// The resolved settings.
    pub settings: &'a Settings,
    /// Where requests go.
    pub transport: &'a Transport,
    /// The instant time claims are judged at (seconds since the epoch): now, or a session's
    /// `recorded_at` on replay.
    pub now: i64,
    /// Cleans everything kept as evidence.
    pub redactor: &'a Redactor,
    /// What the credential showed, for the session recording.
    pub record: &'a std::sync::Mutex<CredentialRecord>,
    /// Where interactive prompts go (the device code and its countdown): stderr.
    pub progress: &'a (dyn Fn(&str) + Sync),
}

/// What the credential showed during a run, kept for `--record`.
#[derive(Clone, Debug, Default)]
pub struct CredentialRecord {
    /// Certificate, assertion, CLI facts.
    pub facts: crate::session::CredentialFacts,
    /// A token obtained outside HTTP (the Azure CLI), to replay its claims.
    pub token: Option<String>,
}

impl Context<'_> {
    /// Updates the record (a poisoned lock still records: nothing here can be half-written).
    pub fn remember(&self, update: impl FnOnce(&mut CredentialRecord)) {
        let mut guard = self.record.lock().unwrap_or_else(|p| p.into_inner());
        update(&mut guard);
    }
}

/// How long after the run's deadline a check still gets to turn its last answers into a finding.
/// Requests already end at the deadline; this guard is for waits outside the transport.
const DEADLINE_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs a check within the run's deadline; when it passes first, the words of a finding saying
/// the check was not judged.
async fn in_time<T>(
    ctx: &Context<'_>,
    check: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    let Some(deadline) = ctx.transport.deadline() else {
        return Ok(check.await);
    };
    let until = deadline
        .at()
        .checked_add(DEADLINE_GRACE)
        .unwrap_or(deadline.at());
    tokio::time::timeout_at(until, check)
        .await
        .map_err(|_| deadline.words())
}

/// Runs futures concurrently, at most `limit` at a time, started in order; returns their outputs
/// in the order given. No task is spawned, so the futures may borrow the context.
pub(crate) async fn join_bounded<F: std::future::Future>(
    futures: Vec<F>,
    limit: usize,
) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut started = 0;
    std::future::poll_fn(|cx| {
        let mut running = 0;
        for (i, future) in futures.iter_mut().enumerate() {
            if outputs[i].is_some() {
                continue;
            }
            // Start the next one only while fewer than `limit` are running.
            if i >= started {
                if running >= limit.max(1) {
                    break;
                }
                started = i + 1;
            }
            match future.as_mut().poll(cx) {
                Poll::Ready(output) => outputs[i] = Some(output),
                Poll::Pending => running += 1,
            }
        }
        if outputs.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

fn usable(findings: &[Finding], check: CheckId) -> bool {
    findings
        .iter()
        .any(|f| f.check == check && f.outcome.usable())
}

/// Whether the API probes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probes {
    /// Call the admin and workspace APIs.
    Run,
    /// Offline (`token`, `explain`): report them as skipped.
    Offline,
}

/// What a run of the chain produced.
pub struct ChainOutput {
    /// One finding per check, in chain order.
    pub findings: Vec<Finding>,
    /// The settings the chain ran with: the given ones, or those of the detected cloud.
    pub settings: Settings,
    /// Values a CI platform should mask in later log lines: the access token's signature.
    pub masks: Vec<Secret>,
}

/// Runs the whole chain and returns one finding per check, in chain order. Without `--cloud`,
/// one request for the tenant's OpenID configuration picks the cloud first.
pub async fn run_chain(ctx: &Context<'_>, probes: Probes) -> ChainOutput {
    let mut effective = ctx.settings.clone();
    let mut discovery = None;
    if ctx.settings.detect_cloud
        && let Some(tenant) = ctx.settings.tenant.as_deref()
    {
        let found =
            crate::cloud_discovery::discover(ctx.transport, &ctx.settings.authority_host, tenant)
                .await;
        if let Ok(d) = &found
            && let Some(cloud) = d.cloud
        {
            effective = ctx.settings.with_cloud(cloud);
        }
        discovery = Some(found);
    }
    let ctx = &Context {
        settings: &effective,
        ..*ctx
    };
    let (findings, masks) = run_checks(ctx, probes, discovery.as_ref()).await;
    ChainOutput {
        findings,
        settings: effective,
        masks,
    }
}

async fn run_checks(
    ctx: &Context<'_>,
    probes: Probes,
    discovery: Option<
        &Result<crate::cloud_discovery::Discovery, crate::cloud_discovery::DiscoveryFailure>,
    >,
) -> (Vec<Finding>, Vec<Secret>) {
    let mut findings = Vec::with_capacity(CheckId::ALL.len());
    let (token_finding, token) = in_time(ctx, token_acquisition::run(ctx, discovery))
        .await
        .unwrap_or_else(|words| {
            (
                Finding::new(CheckId::TokenAcquisition, Outcome::Error, words),
                None,
            )
        });
    findings.push(token_finding);
    if let Some(token) = &token {
        // Learnt here, whatever its source (endpoint, az, device code, a file): an opaque token
        // has no JWT shape for the signature scrubber to find.
        ctx.redactor.add_token(token.secret.expose());
    }

    let Some(token) = token else {
        for check in &CheckId::ALL[1..] {
            findings.push(Finding::skipped(
                *check,
                Skip::Check(CheckId::TokenAcquisition),
            ));
        }
        return (findings, Vec::new());
    };

    findings.push(match &token.decoded {
        Ok(jwt) => scope::run(ctx, jwt),
        Err(_) => Finding::skipped(CheckId::Scope, Skip::Check(CheckId::Claims)),
    });
    findings.push(claims::run(ctx, &token.decoded));
    findings.push(match &token.decoded {
        Ok(jwt) => identity_kind::run(jwt),
        Err(_) => Finding::skipped(CheckId::IdentityKind, Skip::Check(CheckId::Claims)),
    });

    // The probes only make sense with a token that could work: a failed scope or claims check
    // already names the problem, and the admin API's hourly quota is too precious to spend on it.
    let blocker = [CheckId::Scope, CheckId::Claims]
        .into_iter()
        .find(|c| !usable(&findings, *c));
    match blocker {
        _ if probes == Probes::Offline => {
            findings.push(Finding::skipped(CheckId::AdminApi, Skip::Flag("offline")));
            findings.push(Finding::skipped(
                CheckId::WorkspaceApi,
                Skip::Flag("offline"),
            ));
        }
        Some(blocker) => {
            findings.push(Finding::skipped(CheckId::AdminApi, Skip::Check(blocker)));
            findings.push(Finding::skipped(
                CheckId::WorkspaceApi,
                Skip::Check(blocker),
            ));
        }
        None => {
            let (admin, workspace) = tokio::join!(
                in_time(ctx, admin_api::run(ctx, &token)),
                in_time(ctx, workspace_api::run(ctx, &token))
            );
            let late = |check, words| Finding::new(check, Outcome::Error, words);
            findings.push(admin.unwrap_or_else(|w| late(CheckId::AdminApi, w)));
            findings.push(workspace.unwrap_or_else(|w| late(CheckId::WorkspaceApi, w)));
        }
    }
    let masks = token
        .secret
        .expose()
        .rsplit('.')
        .next()
        .filter(|sig| sig.len() > 16)
        .map(|sig| Secret::new(sig.to_owned()))
        .into_iter()
        .collect();
    (findings, masks)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::join_bounded;

    #[tokio::test]
    async fn bounded_joins_keep_the_order_and_the_bound() {
        let running = Cell::new(0);
        let most = Cell::new(0);
        let futures = (0..10u64)
            .map(|i| {
                let (running, most) = (&running, &most);
                async move {
                    running.set(running.get() + 1);
                    most.set(most.get().max(running.get()));
                    // Later ones finish first: the outputs must still come in order.
                    tokio::time::sleep(Duration::from_millis(50 - i * 4)).await;
                    running.set(running.get() - 1);
                    i
                }
            })
            .collect();
        let started = std::time::Instant::now();
        assert_eq!(join_bounded(futures, 4).await, (0..10).collect::<Vec<_>>());
        assert_eq!(most.get(), 4);
        // Ten waits of at most 50 ms, four at a time: far less than one after another.
        assert!(started.elapsed() < Duration::from_millis(400));
        assert!(
            join_bounded(Vec::<std::future::Ready<()>>::new(), 4)
                .await
                .is_empty()
        );
    }
}

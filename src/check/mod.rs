//! The chain of checks: token-acquisition → scope → claims → identity-kind → (admin-api ∥
//! workspace-api ∥ fabric-api ∥ the second look: directory → tenant-settings). Each check gathers
//! evidence and names signals in a [`Finding`]; it never explains (the catalogue does) and never
//! prints (the renderers do). A check whose prerequisite failed is skipped with the reason. The
//! cloud, the admin-probe decision, what discovery read and the answer to a token request sent
//! beside it (`settle_cloud`) are inputs, settled by the command before the chain runs.
//!
//! This folder is the chain's code; the cause catalogue the signals are matched against is data,
//! in the top-level `checks/` folder (one TOML file per cause).

pub mod admin_api;
pub mod claims;
pub mod directory;
pub mod fabric_api;
pub mod identity_kind;
mod probe;
pub mod scope;
pub mod signal;
pub mod tenant_settings;
#[cfg(test)]
pub(crate) mod testing;
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
    /// The same on Fabric's REST API (`/v1/workspaces`).
    FabricApi,
    /// The second look in the directory (Microsoft Graph), as an administrator.
    Directory,
    /// The second look at the tenant settings (Fabric admin API), as an administrator.
    TenantSettings,
}

impl CheckId {
    /// Every check, in chain order.
    pub const ALL: [CheckId; 9] = [
        Self::TokenAcquisition,
        Self::Scope,
        Self::Claims,
        Self::IdentityKind,
        Self::AdminApi,
        Self::WorkspaceApi,
        Self::FabricApi,
        Self::Directory,
        Self::TenantSettings,
    ];

    /// Whether the check is part of the administrator's second look, which runs (and is
    /// reported) only when an administrator's identity is given.
    pub fn second_look(self) -> bool {
        matches!(self, Self::Directory | Self::TenantSettings)
    }

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Self::TokenAcquisition => "token-acquisition",
            Self::Scope => "scope",
            Self::Claims => "claims",
            Self::IdentityKind => "identity-kind",
            Self::AdminApi => "admin-api",
            Self::WorkspaceApi => "workspace-api",
            Self::FabricApi => "fabric-api",
            Self::Directory => "directory",
            Self::TenantSettings => "tenant-settings",
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
            Self::FabricApi => "Fabric API",
            Self::Directory => "Directory",
            Self::TenantSettings => "Tenant settings",
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
            Self::FabricApi => fabric_api::SIGNALS,
            Self::Directory => directory::SIGNALS,
            Self::TenantSettings => tenant_settings::SIGNALS,
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
    /// The user turned it off (the flag that did).
    Flag(&'static str),
    /// An offline command (`token`, `explain`): nothing is called.
    Offline,
    /// The per-tenant admin-probe budget is used up; the next call is allowed at this instant
    /// (seconds since the epoch).
    Budget {
        /// When the next admin call is allowed.
        next_slot_at: i64,
    },
    /// Not in the pasted text (`explain`).
    NotInPaste,
}

impl Skip {
    /// The reason as the JSON report's `skipped_because` names it: stable, for scripts.
    pub fn reason(&self) -> String {
        match self {
            Self::Check(c) => c.id().to_owned(),
            Self::Flag(flag) => (*flag).to_owned(),
            Self::Offline => "offline".to_owned(),
            Self::Budget { .. } => "admin-probe budget reached".to_owned(),
            Self::NotInPaste => "not in the pasted text".to_owned(),
        }
    }

    /// Why the check did not run, in words for people (the summaries, the CI notices): the
    /// checks by the titles the report shows, no internal names.
    pub fn words(&self) -> String {
        match self {
            Self::Check(c) => format!("needs a usable result from the {} check", c.title()),
            Self::Flag(flag) => format!("turned off with {flag}"),
            Self::Offline => "this command works offline and calls no API".to_owned(),
            Self::Budget { next_slot_at } => format!(
                "the admin-probe budget for this tenant is used up; the next call is allowed at {}",
                chrono::DateTime::from_timestamp(*next_slot_at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                    .unwrap_or_else(|| "a later run".to_owned())
            ),
            Self::NotInPaste => "not in the pasted text".to_owned(),
        }
    }
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
        let summary = format!("skipped: {}", because.words());
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
    /// Who watches the run: each check as it starts and ends, the device-code prompt and its
    /// countdown. Silent on replay and offline.
    pub progress: &'a crate::progress::Progress,
}

/// What the credential showed during a run, kept for `--record`.
#[derive(Clone, Debug, Default)]
pub struct CredentialRecord {
    /// Certificate, assertion, CLI facts.
    pub facts: crate::session::CredentialFacts,
    /// A token obtained outside HTTP (the Azure CLI), to replay its claims.
    pub token: Option<String>,
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

/// Whether the API probes run: decided before the chain, by the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probes {
    /// Call the APIs; the admin API too unless a reason to skip it is given (`--skip-admin`,
    /// the admin-probe budget).
    Run {
        /// Why the admin probe is not called, if it is not.
        admin_skipped: Option<Skip>,
    },
    /// Offline (`token`, `explain`): report them as skipped.
    Offline,
}

/// The tenant's OpenID configuration, read before the chain when the cloud was not given.
pub type DiscoveryResult =
    Result<crate::cloud_discovery::Discovery, crate::cloud_discovery::DiscoveryFailure>;

/// What a run of the chain produced.
pub struct ChainOutput {
    /// One finding per check, in chain order.
    pub findings: Vec<Finding>,
    /// Values a CI platform should mask in later log lines: the access token's signature.
    pub masks: Vec<Secret>,
    /// The token's claims, when there was a token and it decoded.
    pub token: Option<Jwt>,
    /// What the credential showed, for `--record`.
    pub record: CredentialRecord,
}

/// What settling the cloud leaves for the chain (see `settle_cloud`).
#[derive(Default)]
pub struct Settled {
    /// The tenant's OpenID configuration as read, when the cloud was not given: the token
    /// check's evidence.
    pub discovery: Option<DiscoveryResult>,
    /// The token request sent beside the lookup, if one was.
    pub(crate) early_token: Option<token_acquisition::EarlyToken>,
}

/// Reads the tenant's OpenID configuration when the cloud was not given, and returns the settings
/// of the cloud it names (unchanged when none is named) with what was read. Runs before the
/// chain, whose input it is.
///
/// When the lookup has to go to the authority (no fresh cache entry), a client's token request
/// for the cloud as given goes out beside it, so the lookup is off the critical path: it is the
/// request the chain would send next for a tenant of that cloud, which is where most tenants
/// live. Once the lookup has answered, the token request is waited for only if the chain would
/// send that very request, and dropped (cancelled, if still under way) otherwise: a tenant found
/// elsewhere costs that one request, sent again to the right cloud (see
/// [`token_acquisition::EarlyToken`]).
pub(crate) async fn settle_cloud(ctx: &Context<'_>) -> (Settings, Settled) {
    let settings = ctx.settings;
    let Some(tenant) = settings.tenant.as_deref().filter(|_| settings.detect_cloud) else {
        return (settings.clone(), Settled::default());
    };
    let (transport, authority) = (ctx.transport, &settings.authority_host);
    let cache = transport.discovery_cache();
    let (found, early_token) = match crate::cloud_discovery::cached(authority, tenant, cache) {
        Some(found) => (Ok(found), None),
        None if token_acquisition::EarlyToken::sends_ahead(settings, transport) => {
            let lookup = crate::cloud_discovery::ask(transport, authority, tenant, cache);
            let early = token_acquisition::EarlyToken::ask(ctx);
            tokio::pin!(lookup, early);
            // Both run until the lookup has answered; the token request may end first.
            let mut ended = None;
            let found = loop {
                tokio::select! {
                    found = &mut lookup => break found,
                    token = &mut early, if ended.is_none() => ended = Some(token),
                }
            };
            let wanted = token_acquisition::EarlyToken::wanted(
                settings,
                &found_settings(settings, &found),
                &found,
            );
            let early = match ended {
                Some(token) => wanted.then_some(token),
                None if wanted => Some(early.await),
                None => None,
            };
            (found, early)
        }
        None => (
            crate::cloud_discovery::ask(transport, authority, tenant, cache).await,
            None,
        ),
    };
    (
        found_settings(settings, &found),
        Settled {
            discovery: Some(found),
            early_token,
        },
    )
}

/// The settings of the cloud a lookup found; `settings` unchanged when it named none.
fn found_settings(settings: &Settings, found: &DiscoveryResult) -> Settings {
    match found {
        Ok(crate::cloud_discovery::Discovery {
            cloud: Some(cloud), ..
        }) => settings.with_cloud(*cloud),
        _ => settings.clone(),
    }
}

/// The connections the probes will want at once, per origin: the admin call (unless skipped),
/// the list and the first workspace calls. Probe families on other hosts add theirs here.
pub(crate) fn probe_connections<'s>(
    settings: &'s Settings,
    probes: &Probes,
) -> Vec<(&'s url::Url, usize)> {
    let Probes::Run { admin_skipped } = probes else {
        return Vec::new();
    };
    let mut hosts = Vec::with_capacity(2);
    if settings.apis.powerbi() {
        let api = usize::from(admin_skipped.is_none())
            + 1
            + settings.workspaces.len().min(workspace_api::IN_FLIGHT);
        hosts.push((&settings.powerbi_api, api));
    }
    if fabric_api::shown(settings.apis, probes) {
        let fabric = 1 + settings.workspaces.len().min(fabric_api::IN_FLIGHT);
        hosts.push((&settings.fabric_api, fabric));
    }
    hosts
}

/// Runs the whole chain and returns one finding per check, in chain order. The cloud was settled
/// before (see `settle_cloud`); what discovery read is evidence for the token check.
pub async fn run_chain(ctx: &Context<'_>, probes: Probes, settled: Settled) -> ChainOutput {
    let mut findings = Vec::with_capacity(CheckId::ALL.len());
    let mut record = CredentialRecord::default();
    // The API connections open while the token is asked for: ready when it arrives.
    ctx.transport
        .prewarm(&probe_connections(ctx.settings, &probes));
    ctx.progress.check_started(CheckId::TokenAcquisition);
    let (token_finding, token) = in_time(ctx, token_acquisition::run(ctx, settled, &mut record))
        .await
        .unwrap_or_else(|words| {
            (
                Finding::new(CheckId::TokenAcquisition, Outcome::Error, words),
                None,
            )
        });
    ctx.progress.check_finished(&token_finding);
    findings.push(token_finding);
    if let Some(token) = &token {
        // Learnt here, whatever its source (endpoint, az, device code, a file): an opaque token
        // has no JWT shape for the signature scrubber to find.
        ctx.redactor.add_token(token.secret.expose());
    }

    let Some(token) = token else {
        let shown = fabric_api::shown(ctx.settings.apis, &probes);
        for check in CheckId::ALL[1..]
            .iter()
            .filter(|c| **c != CheckId::FabricApi || shown)
            .filter(|c| !c.second_look() || ctx.settings.admin.is_some())
        {
            let skipped = Finding::skipped(*check, Skip::Check(CheckId::TokenAcquisition));
            ctx.progress.check_finished(&skipped);
            findings.push(skipped);
        }
        return ChainOutput {
            findings,
            masks: Vec::new(),
            token: None,
            record,
        };
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
    // The offline checks take no time: each is shown as it ends.
    for finding in &findings[1..] {
        ctx.progress.check_finished(finding);
    }

    // The probes only make sense with a token that could work: a failed scope or claims check
    // already names the problem, and the admin API's hourly quota is too precious to spend on it.
    let blocker = [CheckId::Scope, CheckId::Claims]
        .into_iter()
        .find(|c| !usable(&findings, *c));
    let admin_skipped = match &probes {
        Probes::Run { admin_skipped } => admin_skipped.clone(),
        Probes::Offline => Some(Skip::Offline),
    };
    let skip = match blocker {
        _ if probes == Probes::Offline => Some(Skip::Offline),
        Some(blocker) => Some(Skip::Check(blocker)),
        None => None,
    };
    // Which families run (`--api`) and whether the token's audience suits each.
    let fabric_shown = fabric_api::shown(ctx.settings.apis, &probes);
    let powerbi_skip = fabric_api::powerbi_skip(ctx.settings.apis, &findings);
    let probing = async {
        let mut probed = Vec::with_capacity(3);
        match skip.or(powerbi_skip.clone().filter(|_| !fabric_shown)) {
            Some(skip) => {
                for check in [CheckId::AdminApi, CheckId::WorkspaceApi, CheckId::FabricApi]
                    .into_iter()
                    .filter(|c| *c != CheckId::FabricApi || fabric_shown)
                {
                    let skip = match (check, &skip) {
                        (CheckId::FabricApi, _) | (_, Skip::Offline) => skip.clone(),
                        _ => powerbi_skip.clone().unwrap_or_else(|| skip.clone()),
                    };
                    let skipped = Finding::skipped(check, skip);
                    ctx.progress.check_finished(&skipped);
                    probed.push(skipped);
                }
            }
            None => {
                let late = |check, words| Finding::new(check, Outcome::Error, words);
                let admin = async {
                    let finding = match &admin_skipped {
                        Some(skip) => Finding::skipped(CheckId::AdminApi, skip.clone()),
                        None => {
                            ctx.progress.check_started(CheckId::AdminApi);
                            in_time(ctx, admin_api::run(ctx, &token))
                                .await
                                .unwrap_or_else(|w| late(CheckId::AdminApi, w))
                        }
                    };
                    ctx.progress.check_finished(&finding);
                    finding
                };
                let workspace = async {
                    ctx.progress.check_started(CheckId::WorkspaceApi);
                    let finding = in_time(ctx, workspace_api::run(ctx, &token))
                        .await
                        .unwrap_or_else(|w| late(CheckId::WorkspaceApi, w));
                    ctx.progress.check_finished(&finding);
                    finding
                };
                let fabric = async {
                    if !fabric_shown {
                        return None;
                    }
                    ctx.progress.check_started(CheckId::FabricApi);
                    let finding = in_time(ctx, fabric_api::run(ctx, &token))
                        .await
                        .unwrap_or_else(|w| late(CheckId::FabricApi, w));
                    ctx.progress.check_finished(&finding);
                    Some(finding)
                };
                let powerbi = async {
                    match &powerbi_skip {
                        Some(skip) => {
                            let skipped = [CheckId::AdminApi, CheckId::WorkspaceApi]
                                .map(|c| Finding::skipped(c, skip.clone()));
                            for f in &skipped {
                                ctx.progress.check_finished(f);
                            }
                            let [admin, workspace] = skipped;
                            (admin, workspace)
                        }
                        None => tokio::join!(admin, workspace),
                    }
                };
                let ((admin, workspace), fabric) = tokio::join!(powerbi, fabric);
                probed.push(admin);
                probed.push(workspace);
                probed.extend(fabric);
            }
        }
        probed
    };
    // The second look needs only the identity, known by now: it runs beside the probes, unless
    // the administrator signs in with a device code, whose prompt would share the terminal with
    // the probes' progress.
    let second = async {
        match (&ctx.settings.admin, &probes) {
            (None, _) => Vec::new(),
            (Some(_), Probes::Offline) => [CheckId::Directory, CheckId::TenantSettings]
                .map(|c| Finding::skipped(c, Skip::Offline))
                .to_vec(),
            (Some(_), Probes::Run { .. }) => second_look(ctx, &findings, &token).await,
        }
    };
    let (probed, second) = if matches!(
        ctx.settings.admin,
        Some(crate::second_look::AdminAuth::DeviceCode)
    ) {
        let probed = probing.await;
        (probed, second.await)
    } else {
        tokio::join!(probing, second)
    };
    findings.extend(probed);
    findings.extend(second);
    let masks = token
        .secret
        .expose()
        .rsplit('.')
        .next()
        .filter(|sig| sig.len() > 16)
        .map(|sig| Secret::new(sig.to_owned()))
        .into_iter()
        .collect();
    ChainOutput {
        findings,
        masks,
        token: token.decoded.ok(),
        record,
    }
}

/// The administrator's second look: the directory, then the tenant settings judged against the
/// groups the directory gave.
async fn second_look(ctx: &Context<'_>, findings: &[Finding], token: &TokenInHand) -> Vec<Finding> {
    let Some(admin) = &ctx.settings.admin else {
        return Vec::new();
    };
    for check in [CheckId::Directory, CheckId::TenantSettings] {
        ctx.progress.check_started(check);
    }
    let tokens = crate::second_look::acquire(ctx, admin).await;
    let kind = findings
        .iter()
        .flat_map(|f| f.signals.get(signal::IDENTITY_KIND))
        .next()
        .cloned();
    let claims = token.decoded.as_ref().ok().map(|j| &j.claims);
    let oid = claims.and_then(|c| c.str("oid"));
    let client_id = ctx
        .settings
        .client_id
        .as_deref()
        .or_else(|| claims.and_then(|c| c.client_app()));
    let (directory, facts) = in_time(
        ctx,
        directory::run(ctx, &tokens.graph, kind.as_deref(), oid, client_id),
    )
    .await
    .map(|(f, facts)| (f, Some(facts)))
    .unwrap_or_else(|w| (Finding::new(CheckId::Directory, Outcome::Error, w), None));
    ctx.progress.check_finished(&directory);
    let settings = match facts {
        // A delegated caller is no service principal: no switch to judge it by.
        Some(facts) if kind.as_deref() != Some("delegated") => in_time(
            ctx,
            tenant_settings::run(ctx, &tokens.fabric, &tokens.powerbi, &facts),
        )
        .await
        .unwrap_or_else(|w| Finding::new(CheckId::TenantSettings, Outcome::Error, w)),
        _ => Finding::new(
            CheckId::TenantSettings,
            Outcome::Skipped(Skip::Check(CheckId::IdentityKind)),
            "skipped: the caller is a user; the service-principal switches do not apply",
        ),
    };
    ctx.progress.check_finished(&settings);
    vec![directory, settings]
}

#[cfg(test)]
mod tests {
    use super::Settled;
    use std::cell::Cell;
    use std::time::Duration;

    use super::testing::{
        EMPTY_LIST, Harness, NOW, ODATA_JSON, TestSettings, answer, app_claims, token,
    };
    use super::{CheckId, Outcome, Probes, Skip, join_bounded, run_chain};

    /// A skipped admin probe is decided before the chain and sends nothing: the session holds no
    /// admin answer, so a call would end as an error, not a skip.
    #[tokio::test]
    async fn an_admin_probe_skipped_before_the_chain_sends_nothing_and_says_why() {
        for (skip, summary) in [
            (
                Skip::Flag("--skip-admin"),
                "skipped: turned off with --skip-admin".to_owned(),
            ),
            (
                Skip::Budget {
                    next_slot_at: NOW + 600,
                },
                format!(
                    "skipped: the admin-probe budget for this tenant is used up; the next call is allowed at {}",
                    chrono::DateTime::from_timestamp(NOW + 600, 0)
                        .unwrap()
                        .format("%Y-%m-%d %H:%M:%SZ")
                ),
            ),
        ] {
            let settings = TestSettings::new()
                .given_token(&token(&app_claims(NOW)), "a file")
                .build();
            let groups = answer(
                "GET",
                "/v1.0/myorg/groups",
                200,
                &[("Content-Type", ODATA_JSON)],
                EMPTY_LIST,
            );
            let h = Harness::new(settings, vec![groups]);
            let out = run_chain(
                &h.ctx(),
                Probes::Run {
                    admin_skipped: Some(skip.clone()),
                },
                Settled::default(),
            )
            .await;
            let admin = out
                .findings
                .iter()
                .find(|f| f.check == CheckId::AdminApi)
                .expect("an admin finding");
            assert_eq!(admin.outcome, Outcome::Skipped(skip));
            assert_eq!(admin.summary, summary);
            assert!(admin.evidence.is_empty() && admin.signals.0.is_empty());
            // The workspace probe still ran on the recorded answer.
            let workspace = out
                .findings
                .iter()
                .find(|f| f.check == CheckId::WorkspaceApi)
                .expect("a workspace finding");
            assert!(workspace.outcome.usable(), "{workspace:?}");
        }
    }

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

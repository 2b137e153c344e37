//! Expectations for CI smoke tests (`--expect`): what a tenant must provide for the jobs that
//! depend on it, judged against the findings of a run.
//!
//! Each expectation rests on one check of the chain and is judged from that check's signals:
//!
//! | form | holds when | check |
//! |---|---|---|
//! | `admin-api` | the admin probe passed | `admin-api` |
//! | `workspace=<workspace id>` | that workspace's scoped call succeeded (`workspace_api.reachable`) | `workspace-api` |
//! | `workspaces>=<n>` | the list call returned at least n workspaces (`workspace_api.listed`) | `workspace-api` |
//! | `identity=application` / `identity=delegated` | the token is of that kind (`identity.kind`) | `identity-kind` |
//! | `role=<app role>` / `role!=<app role>` | the role is in / absent from the token's `roles` (`identity.roles`) | `identity-kind` |
//! | `token-lifetime>=<minutes>` | the token has at least that many minutes left (`claims.minutes_left`) | `claims` |
//! | `api=powerbi` / `api=fabric` | that family's workspace list answered (Power BI's `/v1.0/myorg/groups`, Fabric's `/v1/workspaces`) | `workspace-api` / `fabric-api` |
//! | `fabric-workspace=<workspace id>` | Fabric's `GET /v1/workspaces/{id}` answered (`fabric_api.reachable`) | `fabric-api` |
//! | `secret-valid-days>=<days>` | every secret and certificate of the app is valid that many days more (`directory.credential_days_left`; needs the second look) | `directory` |
//!
//! An expectation whose check was skipped does not hold: its detail names the earlier check that
//! stopped the chain, and its cause is the top-ranked diagnosis explaining that check. Keywords are
//! lower case and written without spaces, so a spec that parses prints back as it was given.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::check::signal::{Probe, ProbeField};
use crate::check::{CheckId, Finding, Outcome, Skip, signal};
use crate::diagnose::Diagnoses;
use crate::shape;

/// The accepted forms, as error messages and help texts list them.
pub const FORMS: &str = "admin-api, workspace=<workspace id>, workspaces>=<n>, \
                         identity=application|delegated, role=<app role>, role!=<app role>, \
                         token-lifetime>=<minutes>, secret-valid-days>=<days>, \
                         api=powerbi|fabric, fabric-workspace=<workspace id>";

/// How one expectation came out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationOutcome {
    /// The expectation as given, e.g. `admin-api`, `workspaces>=2`, `role!=Tenant.Read.All`.
    pub spec: String,
    /// Whether it holds.
    pub holds: bool,
    /// Why, in one line.
    pub detail: String,
    /// The top cause explaining a failed expectation, when the diagnosis has one.
    pub cause: Option<String>,
}

impl crate::secret::Scrub for ExpectationOutcome {
    fn scrub(&mut self, s: &crate::secret::Scrubber<'_>) {
        let ExpectationOutcome {
            spec,
            holds: _,
            detail,
            cause,
        } = self;
        spec.scrub(s);
        detail.scrub(s);
        cause.scrub(s);
    }
}

/// The kind of caller `identity=` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// A service principal or managed identity (`roles`, `idtyp=app`).
    Application,
    /// A signed-in user (`scp`).
    Delegated,
}

impl Identity {
    /// The `identity.kind` signal value, also the spelling in a spec.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Application => "application",
            Self::Delegated => "delegated",
        }
    }
}

/// What a tenant must provide, as given with `--expect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `admin-api`: the read-only admin API answered.
    AdminApi,
    /// `workspace=<id>`: the call scoped to this workspace succeeded. The id is kept as given.
    Workspace(String),
    /// `workspaces>=N`: the caller's workspace list holds at least N workspaces.
    Workspaces(u32),
    /// `identity=application|delegated`: the token is of this kind.
    Identity(Identity),
    /// `role=<app role>`: the token's `roles` carry this role (compared ignoring ASCII case).
    Role(String),
    /// `role!=<app role>`: the token's `roles` do not carry this role.
    NoRole(String),
    /// `token-lifetime>=<minutes>`: the token has at least this many minutes left.
    TokenLifetime(u32),
    /// `api=powerbi|fabric`: that API family's workspace list answered.
    Api(crate::apis::Apis),
    /// `fabric-workspace=<id>`: Fabric's `GET /v1/workspaces/{id}` answered. Kept as given.
    FabricWorkspace(String),
    /// `secret-valid-days>=<days>`: the app's soonest-ending secret or certificate has at least
    /// this many days left (read by the second look).
    SecretValidDays(u32),
}

/// Why a spec is not an expectation. The message lists the accepted forms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    /// Not one of the forms.
    #[error("unknown expectation {spec:?}; accepted forms: {forms}", forms = FORMS)]
    Unknown {
        /// The spec as given.
        spec: String,
    },
    /// A known form with a bad value or operator.
    #[error("expectation {spec:?}: {reason}; accepted forms: {forms}", forms = FORMS)]
    Invalid {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Parses one `--expect` value. Surrounding whitespace is ignored; keywords are lower case.
pub fn parse(spec: &str) -> Result<Expectation, ExpectError> {
    let text = spec.trim();
    let invalid = |reason: String| ExpectError::Invalid {
        spec: spec.to_owned(),
        reason,
    };
    if text == "admin-api" {
        return Ok(Expectation::AdminApi);
    }
    if let Some(value) = text.strip_prefix("workspaces>=") {
        return count(value)
            .map(Expectation::Workspaces)
            .ok_or_else(|| invalid(format!("{value:?} is not a whole number of workspaces")));
    }
    if let Some(value) = text.strip_prefix("fabric-workspace=") {
        return if shape::is_guid(value) && value == value.trim() {
            Ok(Expectation::FabricWorkspace(value.to_owned()))
        } else {
            Err(invalid(format!(
                "{value:?} is not a workspace id (a GUID, as in the workspace's URL after /groups/)"
            )))
        };
    }
    if let Some(value) = text.strip_prefix("api=") {
        return match value {
            "powerbi" => Ok(Expectation::Api(crate::apis::Apis::PowerBi)),
            "fabric" => Ok(Expectation::Api(crate::apis::Apis::Fabric)),
            _ => Err(invalid(format!(
                "{value:?} is not an API family: use powerbi or fabric"
            ))),
        };
    }
    if let Some(value) = text.strip_prefix("workspace=") {
        return if shape::is_guid(value) && value == value.trim() {
            Ok(Expectation::Workspace(value.to_owned()))
        } else {
            Err(invalid(format!(
                "{value:?} is not a workspace id (a GUID, as in the workspace's URL after /groups/)"
            )))
        };
    }
    if let Some(value) = text.strip_prefix("identity=") {
        return match value {
            "application" => Ok(Expectation::Identity(Identity::Application)),
            "delegated" => Ok(Expectation::Identity(Identity::Delegated)),
            _ => Err(invalid(format!(
                "{value:?} is not an identity kind: use application or delegated"
            ))),
        };
    }
    if let Some(value) = text.strip_prefix("role!=") {
        return role(value)
            .map(Expectation::NoRole)
            .ok_or_else(|| invalid(format!("{value:?} is not an app role value")));
    }
    if let Some(value) = text.strip_prefix("role=") {
        return role(value)
            .map(Expectation::Role)
            .ok_or_else(|| invalid(format!("{value:?} is not an app role value")));
    }
    if let Some(value) = text.strip_prefix("secret-valid-days>=") {
        return count(value)
            .map(Expectation::SecretValidDays)
            .ok_or_else(|| invalid(format!("{value:?} is not a whole number of days")));
    }
    if let Some(value) = text.strip_prefix("token-lifetime>=") {
        return count(value)
            .map(Expectation::TokenLifetime)
            .ok_or_else(|| invalid(format!("{value:?} is not a whole number of minutes")));
    }
    // A known keyword with the wrong operator or spelling deserves a pointed answer.
    let keyword = text
        .split(['=', '>', '<', '!', ' '])
        .next()
        .unwrap_or_default();
    let hint = match keyword.to_ascii_lowercase().as_str() {
        "admin-api" => Some("admin-api takes no value"),
        "workspaces" => Some("workspaces is compared with >=, e.g. workspaces>=1"),
        "workspace" => Some("workspace takes a workspace id, e.g. workspace=<guid>"),
        "identity" => Some("identity is application or delegated, e.g. identity=application"),
        "role" => Some("role is compared with = or !=, e.g. role!=Tenant.Read.All"),
        "token-lifetime" => Some("token-lifetime is compared with >=, e.g. token-lifetime>=30"),
        "api" => Some("api is powerbi or fabric, e.g. api=fabric"),
        "fabric-workspace" => {
            Some("fabric-workspace takes a workspace id, e.g. fabric-workspace=<guid>")
        }
        "tenant" => Some(
            "tenant is not an expectation yet: --tenant with a tenant id already refuses a token from another tenant",
        ),
        _ => None,
    };
    Err(match hint {
        Some(hint) if keyword == keyword.to_ascii_lowercase() => invalid(hint.to_owned()),
        Some(_) => invalid("keywords are lower case".to_owned()),
        None => ExpectError::Unknown {
            spec: spec.to_owned(),
        },
    })
}

/// [`parse`] for clap's `value_parser`: the error as text.
pub fn parse_for_clap(s: &str) -> Result<Expectation, String> {
    parse(s).map_err(|e| e.to_string())
}

fn count(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn role(value: &str) -> Option<String> {
    (!value.is_empty() && !value.chars().any(char::is_whitespace)).then(|| value.to_owned())
}

impl FromStr for Expectation {
    type Err = ExpectError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl fmt::Display for Expectation {
    /// The spec: what [`parse`] accepted, without the surrounding whitespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AdminApi => f.write_str("admin-api"),
            Self::Workspace(id) => write!(f, "workspace={id}"),
            Self::Workspaces(n) => write!(f, "workspaces>={n}"),
            Self::Identity(kind) => write!(f, "identity={}", kind.signal()),
            Self::Role(role) => write!(f, "role={role}"),
            Self::NoRole(role) => write!(f, "role!={role}"),
            Self::TokenLifetime(minutes) => write!(f, "token-lifetime>={minutes}"),
            Self::Api(api) => write!(f, "api={}", api.name()),
            Self::FabricWorkspace(id) => write!(f, "fabric-workspace={id}"),
            Self::SecretValidDays(days) => write!(f, "secret-valid-days>={days}"),
        }
    }
}

impl Expectation {
    /// The check whose finding decides the expectation.
    pub fn check(&self) -> CheckId {
        match self {
            Self::AdminApi => CheckId::AdminApi,
            Self::Workspace(_) | Self::Workspaces(_) => CheckId::WorkspaceApi,
            Self::Identity(_) | Self::Role(_) | Self::NoRole(_) => CheckId::IdentityKind,
            Self::TokenLifetime(_) => CheckId::Claims,
            Self::Api(crate::apis::Apis::Fabric) | Self::FabricWorkspace(_) => CheckId::FabricApi,
            Self::Api(_) => CheckId::WorkspaceApi,
            Self::SecretValidDays(_) => CheckId::Directory,
        }
    }

    /// The workspace a `workspace=` expectation names: the run must probe it (as with
    /// `--workspace`) for the expectation to be judged.
    pub fn workspace(&self) -> Option<&str> {
        match self {
            Self::Workspace(id) | Self::FabricWorkspace(id) => Some(id),
            _ => None,
        }
    }
}

/// When a run fails (`--fail-on`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Also when a check warns.
    Warn,
    /// When an expectation does not hold or, without expectations, a check fails or errors.
    #[default]
    Fail,
}

/// Judges every expectation against the findings of a run, in the order given.
pub fn evaluate(
    expectations: &[Expectation],
    findings: &[Finding],
    diagnoses: &Diagnoses<'_>,
) -> Vec<ExpectationOutcome> {
    expectations
        .iter()
        .map(|expectation| {
            let check = expectation.check();
            let (holds, detail) = match findings.iter().find(|f| f.check == check) {
                None if check == CheckId::FabricApi => (
                    false,
                    "not run: Fabric's API was not probed; give --api fabric or --api both"
                        .to_owned(),
                ),
                None => (false, format!("not run: no {} result", check.id())),
                Some(finding) => judge(expectation, finding, findings),
            };
            ExpectationOutcome {
                spec: expectation.to_string(),
                holds,
                cause: if holds {
                    None
                } else {
                    cause(check, findings, diagnoses)
                },
                detail,
            }
        })
        .collect()
}

/// Whether a run passes. With expectations: every one holds. Without: no check failed or
/// errored. With [`FailOn::Warn`], also no check warned.
pub fn passes(outcomes: &[ExpectationOutcome], findings: &[Finding], fail_on: FailOn) -> bool {
    if fail_on == FailOn::Warn && findings.iter().any(|f| f.outcome == Outcome::Warn) {
        return false;
    }
    if outcomes.is_empty() {
        findings
            .iter()
            .all(|f| !matches!(f.outcome, Outcome::Fail | Outcome::Error))
    } else {
        outcomes.iter().all(|o| o.holds)
    }
}

fn finding_of(findings: &[Finding], check: CheckId) -> Option<&Finding> {
    findings.iter().find(|f| f.check == check)
}

/// Follows `skipped because of` links back to the check that stopped the chain.
fn root(findings: &[Finding], start: CheckId) -> CheckId {
    let mut check = start;
    for _ in 0..CheckId::ALL.len() {
        match finding_of(findings, check).map(|f| &f.outcome) {
            Some(Outcome::Skipped(Skip::Check(earlier))) if *earlier != check => check = *earlier,
            _ => break,
        }
    }
    check
}

/// The top-ranked cause explaining the check (or, when it was skipped, the check that stopped
/// the chain). A check that passed has nothing for a cause to explain.
fn cause(check: CheckId, findings: &[Finding], diagnoses: &Diagnoses<'_>) -> Option<String> {
    let target = root(findings, check);
    let finding = finding_of(findings, target)?;
    if matches!(finding.outcome, Outcome::Pass | Outcome::Skipped(_)) {
        return None;
    }
    diagnoses
        .causes
        .iter()
        .find(|d| d.explains().contains(&target))
        .map(|d| d.cause.id.clone())
}

fn skipped_words(skip: &Skip, findings: &[Finding]) -> String {
    match skip {
        Skip::Check(earlier) => {
            let root = root(findings, *earlier);
            let how = match finding_of(findings, root).map(|f| &f.outcome) {
                Some(Outcome::Fail) => "failed".to_owned(),
                Some(Outcome::Error) => "gave no verdict".to_owned(),
                Some(Outcome::Skipped(Skip::Flag(flag))) => format!("was skipped ({flag})"),
                Some(Outcome::Skipped(Skip::Offline)) => "was skipped (offline)".to_owned(),
                Some(Outcome::Pass | Outcome::Warn | Outcome::Skipped(_)) | None => {
                    "gave nothing to build on".to_owned()
                }
            };
            format!("skipped: {} {how}", root.id())
        }
        other => format!("skipped: {}", other.words()),
    }
}

fn first<'f>(finding: &'f Finding, signal: &str) -> Option<&'f str> {
    finding.signals.get(signal).first().map(String::as_str)
}

/// "HTTP 401 PowerBINotAuthorizedException", from a probe's signals (the error info first, as
/// the report words it).
fn refusal(finding: &Finding, probe: Probe) -> Option<String> {
    let status = first(finding, probe.signal(ProbeField::Status))?;
    let code = first(finding, probe.signal(ProbeField::ErrorInfo))
        .or_else(|| first(finding, probe.signal(ProbeField::ErrorCode)));
    Some(match code {
        Some(code) => format!("HTTP {status} {code}"),
        None => format!("HTTP {status}"),
    })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn roles_words(roles: &[String]) -> String {
    if roles.is_empty() {
        "the token has no roles".to_owned()
    } else {
        format!("roles: {}", roles.join(", "))
    }
}

fn judge(expectation: &Expectation, finding: &Finding, findings: &[Finding]) -> (bool, String) {
    if let Outcome::Skipped(skip) = &finding.outcome {
        return (false, skipped_words(skip, findings));
    }
    match expectation {
        Expectation::AdminApi => match finding.outcome {
            Outcome::Pass => (true, "admin API answered".to_owned()),
            Outcome::Fail => (
                false,
                format!(
                    "admin API refused: {}",
                    refusal(finding, Probe::Admin).unwrap_or_else(|| finding.summary.clone())
                ),
            ),
            _ => (false, finding.summary.clone()),
        },
        Expectation::Workspaces(wanted) => {
            match first(finding, signal::WORKSPACE_API_LISTED).and_then(|n| n.parse::<u64>().ok()) {
                Some(listed) if listed >= u64::from(*wanted) => (
                    true,
                    format!(
                        "{} listed (at least {wanted} expected)",
                        plural(listed, "workspace", "workspaces")
                    ),
                ),
                Some(listed) => (
                    false,
                    format!(
                        "{} listed, {wanted} expected",
                        plural(listed, "workspace", "workspaces")
                    ),
                ),
                None => match refusal(finding, Probe::WorkspaceList) {
                    Some(words) => (false, format!("workspace list refused: {words}")),
                    None => (false, format!("no workspace list: {}", finding.summary)),
                },
            }
        }
        Expectation::Api(api) => {
            let (name, probe) = if *api == crate::apis::Apis::Fabric {
                ("Fabric's API", Probe::FabricList)
            } else {
                ("Power BI's API", Probe::WorkspaceList)
            };
            match finding.outcome {
                Outcome::Pass | Outcome::Warn => (true, format!("{name} answered")),
                Outcome::Fail => (
                    false,
                    format!(
                        "{name} refused: {}",
                        refusal(finding, probe).unwrap_or_else(|| finding.summary.clone())
                    ),
                ),
                _ => (false, finding.summary.clone()),
            }
        }
        Expectation::FabricWorkspace(id) => {
            let reached = finding
                .signals
                .get(signal::FABRIC_API_REACHABLE)
                .iter()
                .any(|r| r.eq_ignore_ascii_case(id));
            if reached {
                (true, format!("workspace {id} reachable on Fabric's API"))
            } else {
                match refusal(finding, Probe::FabricTarget) {
                    Some(words) => (false, format!("Fabric refused workspace {id}: {words}")),
                    None => (
                        false,
                        format!("workspace {id} not reachable on Fabric's API"),
                    ),
                }
            }
        }
        Expectation::Workspace(id) => {
            let bare = id
                .trim_matches(|c| c == '{' || c == '}')
                .to_ascii_lowercase();
            let reached = finding
                .signals
                .get(signal::WORKSPACE_API_REACHABLE)
                .iter()
                .any(|r| {
                    r.trim_matches(|c| c == '{' || c == '}')
                        .eq_ignore_ascii_case(&bare)
                });
            if reached {
                return (true, format!("workspace {id} reachable"));
            }
            let mentions = |text: &str| text.to_ascii_lowercase().contains(&bare);
            if let Some(part) = finding.summary.split("; ").find(|p| mentions(p)) {
                (false, part.to_owned())
            } else if finding.evidence.iter().any(|e| mentions(&e.label)) {
                (false, format!("workspace {id} not reachable"))
            } else {
                (
                    false,
                    format!("workspace {id} was not probed: give it with --workspace {id}"),
                )
            }
        }
        Expectation::Identity(wanted) => match first(finding, signal::IDENTITY_KIND) {
            Some(kind) if kind == wanted.signal() => (true, format!("{kind} token")),
            Some("unknown") => (
                false,
                format!(
                    "the token is neither a user's nor an application's, {} expected",
                    wanted.signal()
                ),
            ),
            Some(kind) => (false, format!("{kind} token, {} expected", wanted.signal())),
            None => (false, format!("identity unknown: {}", finding.summary)),
        },
        Expectation::Role(role) | Expectation::NoRole(role) => {
            let roles = finding.signals.get(signal::IDENTITY_ROLES);
            let present = roles.iter().any(|r| r.eq_ignore_ascii_case(role));
            let holds = present == matches!(expectation, Expectation::Role(_));
            let detail = match (present, holds) {
                (true, true) => format!("role {role} present"),
                (false, true) => format!("role {role} absent"),
                (true, false) => format!("role {role} present ({})", roles_words(roles)),
                (false, false) => format!("role {role} absent ({})", roles_words(roles)),
            };
            (holds, detail)
        }
        Expectation::TokenLifetime(wanted) => {
            match first(finding, signal::CLAIMS_MINUTES_LEFT).and_then(|n| n.parse::<u64>().ok()) {
                Some(left) if left >= u64::from(*wanted) => (
                    true,
                    format!(
                        "{} left (at least {wanted} expected)",
                        plural(left, "minute", "minutes")
                    ),
                ),
                Some(left) => (
                    false,
                    format!(
                        "{} left, {wanted} expected",
                        plural(left, "minute", "minutes")
                    ),
                ),
                None if first(finding, signal::CLAIMS_EXPIRY) == Some("missing") => {
                    (false, "the token has no expiry (exp claim)".to_owned())
                }
                None => (
                    false,
                    format!("token lifetime unknown: {}", finding.summary),
                ),
            }
        }
        Expectation::SecretValidDays(wanted) => {
            match first(finding, signal::DIRECTORY_CREDENTIAL_DAYS_LEFT)
                .and_then(|n| n.parse::<u64>().ok())
            {
                Some(left) => (
                    left >= u64::from(*wanted),
                    format!(
                        "the soonest-ending secret or certificate has {} left ({wanted} expected)",
                        plural(left, "day", "days")
                    ),
                ),
                None => (
                    false,
                    format!("the app's secrets were not read: {}", finding.summary),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::credential::CredentialKind;
    use crate::diagnose::diagnose;

    const WS_A: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
    const WS_B: &str = "0b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
    const WS_C: &str = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a";

    fn finding(
        check: CheckId,
        outcome: Outcome,
        summary: &str,
        signals: &[(&str, &str)],
    ) -> Finding {
        let mut f = Finding::new(check, outcome, summary);
        for (name, value) in signals {
            f.signal(name, *value);
        }
        f
    }

    /// A healthy run of an application token: every check passes.
    fn healthy() -> Vec<Finding> {
        vec![
            finding(
                CheckId::TokenAcquisition,
                Outcome::Pass,
                "token issued",
                &[
                    (signal::TOKEN_SOURCE, CredentialKind::ClientSecret.signal()),
                    (signal::TOKEN_STATUS, "200"),
                ],
            ),
            finding(
                CheckId::Scope,
                Outcome::Pass,
                "for Power BI",
                &[(signal::SCOPE_AUDIENCE, "powerbi")],
            ),
            finding(
                CheckId::Claims,
                Outcome::Pass,
                "valid",
                &[
                    (signal::CLAIMS_DECODE, "ok"),
                    (signal::CLAIMS_EXPIRY, "valid"),
                    (signal::CLAIMS_MINUTES_LEFT, "55"),
                ],
            ),
            finding(
                CheckId::IdentityKind,
                Outcome::Pass,
                "application token",
                &[
                    (signal::IDENTITY_KIND, "application"),
                    (signal::IDENTITY_SOURCE, "token"),
                    (signal::IDENTITY_ROLES, "Report.Read"),
                ],
            ),
            finding(
                CheckId::AdminApi,
                Outcome::Pass,
                "answered",
                &[(signal::ADMIN_API_STATUS, "200")],
            ),
            finding(
                CheckId::WorkspaceApi,
                Outcome::Pass,
                "2 workspaces listed",
                &[
                    (signal::WORKSPACE_API_STATUS, "200"),
                    (signal::WORKSPACE_API_COUNT, "some"),
                    (signal::WORKSPACE_API_LISTED, "2"),
                    (signal::WORKSPACE_API_REACHABLE, WS_A),
                ],
            ),
        ]
    }

    fn replace(findings: &mut [Finding], with: Finding) {
        let slot = findings.iter_mut().find(|f| f.check == with.check).unwrap();
        *slot = with;
    }

    /// The service principal carries Tenant.Read.All: the admin API refuses it.
    fn forbidden_roles() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            finding(
                CheckId::IdentityKind,
                Outcome::Warn,
                "carrying Tenant.Read.All",
                &[
                    (signal::IDENTITY_KIND, "application"),
                    (signal::IDENTITY_SOURCE, "token"),
                    (signal::IDENTITY_ROLES, "Tenant.Read.All"),
                    (signal::IDENTITY_POWERBI_APP_ROLES, "Tenant.Read.All"),
                ],
            ),
        );
        replace(
            &mut findings,
            finding(
                CheckId::AdminApi,
                Outcome::Fail,
                "the read-only admin API refused the call: HTTP 401 PowerBINotAuthorizedException",
                &[
                    (signal::ADMIN_API_STATUS, "401"),
                    (
                        signal::ADMIN_API_ERROR_CODE,
                        "PowerBINotAuthorizedException",
                    ),
                ],
            ),
        );
        findings
    }

    /// The token endpoint refused the secret: everything after it is skipped.
    fn bad_secret() -> Vec<Finding> {
        let mut findings = vec![finding(
            CheckId::TokenAcquisition,
            Outcome::Fail,
            "the token endpoint refused: AADSTS7000215",
            &[
                (signal::TOKEN_SOURCE, CredentialKind::ClientSecret.signal()),
                (signal::TOKEN_STATUS, "401"),
                (signal::TOKEN_ERROR, "invalid_client"),
                (signal::TOKEN_AADSTS, "7000215"),
            ],
        )];
        for check in &CheckId::ALL[1..] {
            findings.push(Finding::skipped(
                *check,
                Skip::Check(CheckId::TokenAcquisition),
            ));
        }
        findings
    }

    /// An expired token given with --token-file: the probes are skipped because of the claims.
    fn expired() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            finding(
                CheckId::Claims,
                Outcome::Fail,
                "expired 2 hours ago",
                &[
                    (signal::CLAIMS_DECODE, "ok"),
                    (signal::CLAIMS_EXPIRY, "expired"),
                    (signal::CLAIMS_MINUTES_LEFT, "0"),
                ],
            ),
        );
        replace(
            &mut findings,
            Finding::skipped(CheckId::AdminApi, Skip::Check(CheckId::Claims)),
        );
        replace(
            &mut findings,
            Finding::skipped(CheckId::WorkspaceApi, Skip::Check(CheckId::Claims)),
        );
        findings
    }

    /// Not a JWT: scope and identity skipped because of claims, the probes because of scope.
    fn not_a_jwt() -> Vec<Finding> {
        vec![
            finding(
                CheckId::TokenAcquisition,
                Outcome::Pass,
                "token read from file",
                &[
                    (signal::TOKEN_SOURCE, CredentialKind::TokenFile.signal()),
                    (signal::TOKEN_INPUT, "bare"),
                ],
            ),
            Finding::skipped(CheckId::Scope, Skip::Check(CheckId::Claims)),
            finding(
                CheckId::Claims,
                Outcome::Fail,
                "this is not a JWT access token",
                &[(signal::CLAIMS_DECODE, "not-jwt")],
            ),
            Finding::skipped(CheckId::IdentityKind, Skip::Check(CheckId::Claims)),
            Finding::skipped(CheckId::AdminApi, Skip::Check(CheckId::Scope)),
            Finding::skipped(CheckId::WorkspaceApi, Skip::Check(CheckId::Scope)),
        ]
    }

    /// A service principal in no workspace, refused on the one it was pointed at.
    fn no_workspaces() -> Vec<Finding> {
        let mut findings = healthy();
        let mut ws = finding(
            CheckId::WorkspaceApi,
            Outcome::Fail,
            &format!(
                "workspace {WS_C} refused: HTTP 403 (X-PowerBI-Error-Info: GroupNotAccessible)"
            ),
            &[
                (signal::WORKSPACE_API_STATUS, "200"),
                (signal::WORKSPACE_API_COUNT, "0"),
                (signal::WORKSPACE_API_LISTED, "0"),
                (signal::WORKSPACE_API_TARGET_LISTED, "no"),
                (signal::WORKSPACE_API_TARGET_STATUS, "403"),
                (
                    signal::WORKSPACE_API_TARGET_ERROR_INFO,
                    "GroupNotAccessible",
                ),
            ],
        );
        ws.evidence(
            format!("GET https://api.powerbi.com/v1.0/myorg/groups/{WS_C}/datasets"),
            "HTTP 403",
        );
        replace(&mut findings, ws);
        findings
    }

    fn skipped_admin() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            Finding::skipped(CheckId::AdminApi, Skip::Flag("--skip-admin")),
        );
        findings
    }

    fn admin_timeout() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            finding(
                CheckId::AdminApi,
                Outcome::Error,
                "no verdict on the admin API: no answer: the request timed out",
                &[(signal::ADMIN_API_NETWORK, "timeout")],
            ),
        );
        findings
    }

    fn delegated() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            finding(
                CheckId::IdentityKind,
                Outcome::Pass,
                "delegated token",
                &[
                    (signal::IDENTITY_KIND, "delegated"),
                    (signal::IDENTITY_SOURCE, "token"),
                    (signal::IDENTITY_ADMIN_SCOPE, "absent"),
                    (signal::IDENTITY_FABRIC_ADMIN, "unknown"),
                ],
            ),
        );
        findings
    }

    fn no_exp() -> Vec<Finding> {
        let mut findings = healthy();
        replace(
            &mut findings,
            finding(
                CheckId::Claims,
                Outcome::Warn,
                "no exp claim",
                &[
                    (signal::CLAIMS_DECODE, "ok"),
                    (signal::CLAIMS_EXPIRY, "missing"),
                ],
            ),
        );
        findings
    }

    fn run(findings: &[Finding], spec: &str) -> ExpectationOutcome {
        let catalogue = Catalogue::embedded().expect("embedded catalogue");
        let diagnoses = diagnose(findings, catalogue);
        let expectation = parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let mut outcomes = evaluate(&[expectation], findings, &diagnoses);
        assert_eq!(outcomes.len(), 1);
        outcomes.remove(0)
    }

    #[test]
    fn outcomes_for_every_form() {
        type Scenario = fn() -> Vec<Finding>;
        /// (name, scenario, spec, holds, detail or "" for any, cause)
        type Row<'a> = (&'a str, Scenario, &'a str, bool, &'a str, Option<&'a str>);
        let ws_b = format!("workspace={WS_B}");
        let ws_a = format!("workspace={WS_A}");
        let ws_a_upper = format!("workspace={{{}}}", WS_A.to_ascii_uppercase());
        let ws_c = format!("workspace={WS_C}");
        let ws_a_detail = format!("workspace {WS_A} reachable");
        let ws_b_detail =
            format!("workspace {WS_B} was not probed: give it with --workspace {WS_B}");
        let ws_c_detail = format!(
            "workspace {WS_C} refused: HTTP 403 (X-PowerBI-Error-Info: GroupNotAccessible)"
        );
        let table: Vec<Row<'_>> = vec![
            // admin-api
            (
                "healthy",
                healthy,
                "admin-api",
                true,
                "admin API answered",
                None,
            ),
            (
                "forbidden",
                forbidden_roles,
                "admin-api",
                false,
                "admin API refused: HTTP 401 PowerBINotAuthorizedException",
                Some("forbidden-extra-permissions"),
            ),
            (
                "bad secret",
                bad_secret,
                "admin-api",
                false,
                "skipped: token-acquisition failed",
                Some("invalid-client-secret"),
            ),
            (
                "expired",
                expired,
                "admin-api",
                false,
                "skipped: claims failed",
                Some("token-expired"),
            ),
            (
                "not a jwt (two hops)",
                not_a_jwt,
                "admin-api",
                false,
                "skipped: claims failed",
                Some("malformed-token"),
            ),
            (
                "skip flag",
                skipped_admin,
                "admin-api",
                false,
                "skipped: turned off with --skip-admin",
                None,
            ),
            (
                "timeout",
                admin_timeout,
                "admin-api",
                false,
                "no verdict on the admin API: no answer: the request timed out",
                Some("network-error"),
            ),
            // workspaces>=N
            (
                "healthy",
                healthy,
                "workspaces>=2",
                true,
                "2 workspaces listed (at least 2 expected)",
                None,
            ),
            (
                "healthy",
                healthy,
                "workspaces>=3",
                false,
                "2 workspaces listed, 3 expected",
                None,
            ),
            (
                "healthy",
                healthy,
                "workspaces>=0",
                true,
                "2 workspaces listed (at least 0 expected)",
                None,
            ),
            (
                "no workspaces",
                no_workspaces,
                "workspaces>=1",
                false,
                "0 workspaces listed, 1 expected",
                Some("sp-not-in-workspace"),
            ),
            (
                "bad secret",
                bad_secret,
                "workspaces>=1",
                false,
                "skipped: token-acquisition failed",
                Some("invalid-client-secret"),
            ),
            // workspace=<id>
            ("healthy", healthy, &ws_a, true, &ws_a_detail, None),
            (
                "healthy, braces and case",
                healthy,
                &ws_a_upper,
                true,
                "",
                None,
            ),
            ("healthy", healthy, &ws_b, false, &ws_b_detail, None),
            (
                "no workspaces",
                no_workspaces,
                &ws_c,
                false,
                &ws_c_detail,
                Some("sp-not-in-workspace"),
            ),
            (
                "expired",
                expired,
                &ws_a,
                false,
                "skipped: claims failed",
                Some("token-expired"),
            ),
            // identity=
            (
                "healthy",
                healthy,
                "identity=application",
                true,
                "application token",
                None,
            ),
            (
                "healthy",
                healthy,
                "identity=delegated",
                false,
                "application token, delegated expected",
                None,
            ),
            (
                "delegated",
                delegated,
                "identity=delegated",
                true,
                "delegated token",
                None,
            ),
            (
                "bad secret",
                bad_secret,
                "identity=application",
                false,
                "skipped: token-acquisition failed",
                Some("invalid-client-secret"),
            ),
            // role= and role!=
            (
                "healthy",
                healthy,
                "role=Report.Read",
                true,
                "role Report.Read present",
                None,
            ),
            (
                "healthy",
                healthy,
                "role=report.read",
                true,
                "role report.read present",
                None,
            ),
            (
                "healthy",
                healthy,
                "role=Tenant.Read.All",
                false,
                "role Tenant.Read.All absent (roles: Report.Read)",
                None,
            ),
            (
                "healthy",
                healthy,
                "role!=Tenant.Read.All",
                true,
                "role Tenant.Read.All absent",
                None,
            ),
            (
                "forbidden",
                forbidden_roles,
                "role!=Tenant.Read.All",
                false,
                "role Tenant.Read.All present (roles: Tenant.Read.All)",
                Some("forbidden-extra-permissions"),
            ),
            (
                "forbidden",
                forbidden_roles,
                "role=Tenant.Read.All",
                true,
                "role Tenant.Read.All present",
                None,
            ),
            (
                "delegated",
                delegated,
                "role=Report.Read",
                false,
                "role Report.Read absent (the token has no roles)",
                None,
            ),
            (
                "not a jwt",
                not_a_jwt,
                "role!=Tenant.Read.All",
                false,
                "skipped: claims failed",
                Some("malformed-token"),
            ),
            // token-lifetime>=
            (
                "healthy",
                healthy,
                "token-lifetime>=30",
                true,
                "55 minutes left (at least 30 expected)",
                None,
            ),
            (
                "healthy",
                healthy,
                "token-lifetime>=60",
                false,
                "55 minutes left, 60 expected",
                None,
            ),
            (
                "expired",
                expired,
                "token-lifetime>=10",
                false,
                "0 minutes left, 10 expected",
                Some("token-expired"),
            ),
            (
                "no exp",
                no_exp,
                "token-lifetime>=1",
                false,
                "the token has no expiry (exp claim)",
                None,
            ),
            (
                "bad secret",
                bad_secret,
                "token-lifetime>=1",
                false,
                "skipped: token-acquisition failed",
                Some("invalid-client-secret"),
            ),
        ];
        for (name, scenario, spec, holds, detail, cause) in table {
            let outcome = run(&scenario(), spec);
            let context = format!("{name}: {spec} gave {outcome:?}");
            assert_eq!(outcome.spec, spec, "{context}");
            assert_eq!(outcome.holds, holds, "{context}");
            if !detail.is_empty() {
                assert_eq!(outcome.detail, detail, "{context}");
            }
            assert_eq!(outcome.cause.as_deref(), cause, "{context}");
        }
    }

    #[test]
    fn outcomes_keep_the_order_given() {
        let findings = forbidden_roles();
        let catalogue = Catalogue::embedded().unwrap();
        let diagnoses = diagnose(&findings, catalogue);
        let specs = ["workspaces>=1", "admin-api", "role!=Tenant.Read.All"];
        let expectations: Vec<Expectation> = specs.iter().map(|s| s.parse().unwrap()).collect();
        let outcomes = evaluate(&expectations, &findings, &diagnoses);
        let got: Vec<(&str, bool)> = outcomes
            .iter()
            .map(|o| (o.spec.as_str(), o.holds))
            .collect();
        assert_eq!(
            got,
            [
                ("workspaces>=1", true),
                ("admin-api", false),
                ("role!=Tenant.Read.All", false)
            ]
        );
    }

    #[test]
    fn a_missing_finding_does_not_hold() {
        let findings: Vec<Finding> = healthy()
            .into_iter()
            .filter(|f| f.check != CheckId::AdminApi)
            .collect();
        let outcome = run(&findings, "admin-api");
        assert!(!outcome.holds);
        assert_eq!(outcome.detail, "not run: no admin-api result");
    }

    #[test]
    fn parses_every_form_and_prints_it_back() {
        let table = [
            ("admin-api", Expectation::AdminApi),
            (
                "workspace=F089354E-8366-4E18-AEA3-4CB4A3A50B48",
                Expectation::Workspace("F089354E-8366-4E18-AEA3-4CB4A3A50B48".into()),
            ),
            ("workspaces>=0", Expectation::Workspaces(0)),
            ("workspaces>=12", Expectation::Workspaces(12)),
            (
                "identity=application",
                Expectation::Identity(Identity::Application),
            ),
            (
                "identity=delegated",
                Expectation::Identity(Identity::Delegated),
            ),
            (
                "role=Tenant.Read.All",
                Expectation::Role("Tenant.Read.All".into()),
            ),
            (
                "role!=Tenant.ReadWrite.All",
                Expectation::NoRole("Tenant.ReadWrite.All".into()),
            ),
            ("token-lifetime>=30", Expectation::TokenLifetime(30)),
            ("api=fabric", Expectation::Api(crate::apis::Apis::Fabric)),
            ("api=powerbi", Expectation::Api(crate::apis::Apis::PowerBi)),
            (
                "fabric-workspace=f089354e-8366-4e18-aea3-4cb4a3a50b48",
                Expectation::FabricWorkspace("f089354e-8366-4e18-aea3-4cb4a3a50b48".into()),
            ),
        ];
        for (spec, expected) in table {
            assert_eq!(parse(spec).as_ref(), Ok(&expected), "{spec}");
            assert_eq!(
                spec.parse::<Expectation>().as_ref(),
                Ok(&expected),
                "{spec}"
            );
            assert_eq!(parse_for_clap(spec).as_ref(), Ok(&expected), "{spec}");
            assert_eq!(expected.to_string(), spec);
        }
        assert_eq!(parse("  admin-api \n"), Ok(Expectation::AdminApi));
    }

    #[test]
    fn fabric_forms_are_refused_with_a_pointed_hint() {
        for (spec, hint) in [
            ("api=both", "is not an API family: use powerbi or fabric"),
            ("api>=fabric", "api is powerbi or fabric"),
            ("fabric-workspace=Sales", "is not a workspace id"),
        ] {
            let err = parse(spec).expect_err(spec).to_string();
            assert!(err.contains(hint), "{spec}: {err}");
        }
        assert_eq!(
            parse("fabric-workspace=f089354e-8366-4e18-aea3-4cb4a3a50b48")
                .unwrap()
                .check(),
            CheckId::FabricApi
        );
        assert_eq!(parse("api=powerbi").unwrap().check(), CheckId::WorkspaceApi);
    }

    #[test]
    fn checks_of_each_form() {
        let table = [
            ("admin-api", CheckId::AdminApi),
            (
                "workspace=f089354e-8366-4e18-aea3-4cb4a3a50b48",
                CheckId::WorkspaceApi,
            ),
            ("workspaces>=1", CheckId::WorkspaceApi),
            ("identity=delegated", CheckId::IdentityKind),
            ("role=A", CheckId::IdentityKind),
            ("role!=A", CheckId::IdentityKind),
            ("token-lifetime>=1", CheckId::Claims),
        ];
        for (spec, check) in table {
            assert_eq!(parse(spec).unwrap().check(), check, "{spec}");
        }
        assert_eq!(
            parse(&format!("workspace={WS_B}")).unwrap().workspace(),
            Some(WS_B)
        );
        assert_eq!(parse("admin-api").unwrap().workspace(), None);
    }

    #[test]
    fn refuses_with_the_accepted_forms() {
        let table = [
            ("", "unknown expectation"),
            ("admin", "unknown expectation"),
            (
                "tenant=72f988bf-86f1-41af-91ab-2d7cd011db47",
                "tenant is not an expectation yet",
            ),
            ("admin-api=yes", "admin-api takes no value"),
            ("Admin-API", "keywords are lower case"),
            ("workspaces=3", "compared with >="),
            ("workspaces>=", "not a whole number"),
            ("workspaces>=-1", "not a whole number"),
            ("workspaces>=+1", "not a whole number"),
            ("workspaces>=99999999999", "not a whole number"),
            ("workspaces >= 3", "compared with >="),
            ("workspace=my-workspace", "not a workspace id"),
            ("workspace=", "not a workspace id"),
            ("identity=app", "use application or delegated"),
            ("identity=Application", "use application or delegated"),
            ("role=", "not an app role"),
            ("role!=Tenant Read", "not an app role"),
            ("role>=A", "compared with = or !="),
            ("token-lifetime>=1h", "not a whole number of minutes"),
            ("token-lifetime=30", "compared with >="),
        ];
        for (spec, words) in table {
            let error = parse(spec).expect_err(spec).to_string();
            assert!(error.contains(words), "{spec}: {error}");
            assert!(error.contains(FORMS), "{spec}: {error}");
            assert_eq!(parse_for_clap(spec).unwrap_err(), error);
        }
    }

    #[test]
    fn passing_runs() {
        fn with(outcome: Outcome, findings: Vec<Finding>, check: CheckId) -> Vec<Finding> {
            let mut findings = findings;
            findings
                .iter_mut()
                .find(|f| f.check == check)
                .unwrap()
                .outcome = outcome;
            findings
        }
        let holds = |spec: &str, holds: bool| ExpectationOutcome {
            spec: spec.into(),
            holds,
            detail: String::new(),
            cause: None,
        };
        let warned = with(Outcome::Warn, healthy(), CheckId::IdentityKind);
        let failed = with(Outcome::Fail, healthy(), CheckId::AdminApi);
        let errored = with(Outcome::Error, healthy(), CheckId::WorkspaceApi);
        let skipped = skipped_admin();
        let all_hold = vec![holds("admin-api", true), holds("workspaces>=1", true)];
        let one_fails = vec![holds("admin-api", true), holds("workspaces>=3", false)];
        // (name, outcomes, findings, fail_on, passes)
        let table = [
            (
                "no expectations, healthy",
                vec![],
                healthy(),
                FailOn::Fail,
                true,
            ),
            (
                "no expectations, healthy, warn",
                vec![],
                healthy(),
                FailOn::Warn,
                true,
            ),
            (
                "no expectations, a warning",
                vec![],
                warned.clone(),
                FailOn::Fail,
                true,
            ),
            (
                "no expectations, a warning, warn",
                vec![],
                warned.clone(),
                FailOn::Warn,
                false,
            ),
            (
                "no expectations, a failure",
                vec![],
                failed.clone(),
                FailOn::Fail,
                false,
            ),
            (
                "no expectations, an error",
                vec![],
                errored.clone(),
                FailOn::Fail,
                false,
            ),
            (
                "no expectations, a skip",
                vec![],
                skipped.clone(),
                FailOn::Warn,
                true,
            ),
            ("all hold", all_hold.clone(), healthy(), FailOn::Fail, true),
            (
                "all hold despite an unrelated failure",
                all_hold.clone(),
                failed,
                FailOn::Fail,
                true,
            ),
            (
                "all hold despite an error",
                all_hold.clone(),
                errored,
                FailOn::Fail,
                true,
            ),
            (
                "all hold, a warning",
                all_hold.clone(),
                warned.clone(),
                FailOn::Fail,
                true,
            ),
            (
                "all hold, a warning, warn",
                all_hold,
                warned,
                FailOn::Warn,
                false,
            ),
            (
                "one fails",
                one_fails.clone(),
                healthy(),
                FailOn::Fail,
                false,
            ),
            ("one fails, warn", one_fails, healthy(), FailOn::Warn, false),
        ];
        for (name, outcomes, findings, fail_on, expected) in table {
            assert_eq!(passes(&outcomes, &findings, fail_on), expected, "{name}");
        }
    }

    #[test]
    fn fail_on_defaults_to_fail() {
        assert_eq!(FailOn::default(), FailOn::Fail);
        use clap::ValueEnum as _;
        let names: Vec<String> = FailOn::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        assert_eq!(names, ["warn", "fail"]);
    }
}

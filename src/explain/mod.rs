//! `pbi-doctor explain`: a diagnosis from an error already in hand, without credentials or
//! network. The pasted text becomes findings of the same checks `check` runs (a token-endpoint
//! error is a token-acquisition finding, an API answer an admin-api or workspace-api finding, a
//! JWT in the paste goes through scope, claims and identity-kind), and the same catalogue
//! explains them. Where the text leaves the route or the caller open, every reading is diagnosed
//! and causes that fit only some carry the condition under which they do.

pub mod extract;
pub mod messages;

use crate::catalogue::{Catalogue, Confidence};
use crate::check::identity_kind::Kind;
use crate::check::signal::Probe;
use crate::check::{CheckId, Finding, Outcome, Signals, Skip, signal};
use crate::diagnose::{Diagnoses, Diagnosis, diagnose_signals, rank, unexplained};
use extract::Extracted;

/// Where the failed call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The Entra ID token endpoint.
    TokenEndpoint,
    /// An admin API (`/admin/`).
    Admin,
    /// A call scoped to one workspace (`/groups/{id}/…`, `/workspaces/{id}`).
    Workspace,
    /// Another `/myorg/` call without a workspace.
    MyOrg,
}

impl Route {
    /// Reads the route from a URL.
    pub fn of(url: &url::Url) -> Route {
        let path = url.path().to_ascii_lowercase();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let scoped = segments
            .windows(2)
            .any(|w| matches!(w[0], "groups" | "workspaces") && crate::shape::is_guid(w[1]));
        if path.contains("/oauth2/") {
            Route::TokenEndpoint
        } else if segments.contains(&"admin") {
            Route::Admin
        } else if scoped {
            Route::Workspace
        } else {
            Route::MyOrg
        }
    }

    fn check(self) -> CheckId {
        match self {
            Route::TokenEndpoint => CheckId::TokenAcquisition,
            Route::Admin => CheckId::AdminApi,
            Route::Workspace | Route::MyOrg => CheckId::WorkspaceApi,
        }
    }

    fn probe(self) -> Probe {
        match self {
            Route::Admin => Probe::Admin,
            Route::Workspace => Probe::WorkspaceTarget,
            Route::MyOrg | Route::TokenEndpoint => Probe::WorkspaceList,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Route::TokenEndpoint => "the token endpoint",
            Route::Admin => "an admin API",
            Route::Workspace => "a workspace-scoped API",
            Route::MyOrg => "a /myorg/ API outside any workspace",
        }
    }
}

/// Codes that are known and have no cause of their own in the catalogue, with what they mean
/// (facts §3.2, §4): steps of an interactive or device code flow, and answers that are not an
/// authorization problem of the call. A failed user sign-in (a wrong or expired password, an
/// account not in the tenant, a redirect URI) is a cause, not a note: the catalogue has those.
pub fn known_not_auth(code: &str) -> Option<&'static str> {
    Some(match code {
        "54005" => "AADSTS54005: an authorization code was redeemed twice; request a new one",
        "50058" => {
            "AADSTS50058: a silent sign-in found no signed-in user; sign in interactively once"
        }
        "70016" => {
            "AADSTS70016: device code flow, the user has not finished signing in yet (authorization_pending); keep polling"
        }
        "70018" => "AADSTS70018: device code flow, the code entered was wrong",
        "70019" => "AADSTS70019: device code flow, the code expired; start again",
        "50134" => "AADSTS50134: device code flow answered by the wrong datacenter; start again",
        "90119" | "90120" => {
            "a device code flow error (the reference lists it for device flows; its exact meaning is not verified); start the sign-in again"
        }
        "ItemDisplayNameAlreadyInUse" => {
            "ItemDisplayNameAlreadyInUse: an item with that name exists; not an authorization problem"
        }
        "UnknownError" => {
            "UnknownError: a server-side failure in Fabric; retry later and quote the request id"
        }
        "InvalidRequest" => {
            "InvalidRequest: a parameter of the request is missing or invalid; its message names which"
        }
        "LoadReportFailed" => {
            "LoadReportFailed: an embedded report failed to load; see the embed troubleshooting page"
        }
        "UserDoesNotBelongToCurrentCluster" => {
            "UserDoesNotBelongToCurrentCluster: the request reached another cluster; add preferClientRouting=true or follow home-cluster-uri"
        }
        _ => return None,
    })
}

/// A reading of the paste: which route, which caller.
#[derive(Clone, Copy, Debug)]
struct Hypothesis {
    route: Option<Route>,
    identity: Option<Kind>,
}

impl Hypothesis {
    fn words(&self, route_known: bool, identity_known: bool) -> Vec<String> {
        let mut words = Vec::new();
        if !identity_known {
            match self.identity {
                Some(Kind::Application) => words.push("a service principal was calling".to_owned()),
                Some(Kind::Delegated) => words.push("a signed-in user was calling".to_owned()),
                _ => {}
            }
        }
        if !route_known && let Some(route) = self.route {
            words.push(format!("the call went to {}", route.words()));
        }
        words
    }
}

/// What `explain` found: the findings to show, the merged diagnosis, and notes for people.
pub struct Explanation<'c> {
    /// The findings, one per check (those not in the paste skipped).
    pub findings: Vec<Finding>,
    /// Ranked causes; conditional ones last.
    pub diagnoses: Diagnoses<'c>,
    /// What else would settle it, support ids, known codes that are not auth problems.
    pub notes: Vec<String>,
}

fn token_finding(entra: &crate::entra_error::EntraError, status: Option<u16>) -> Finding {
    let code = entra
        .headline_code()
        .unwrap_or_else(|| "an error".to_owned());
    let mut f = Finding::new(
        CheckId::TokenAcquisition,
        Outcome::Fail,
        format!(
            "Entra ID refused the token request: {code}{}",
            entra
                .error
                .as_ref()
                .map(|e| format!(", {e}"))
                .unwrap_or_default()
        ),
    );
    entra.signal_into(&mut f, status);
    for (label, value) in entra.evidence() {
        f.evidence(label, value);
    }
    f
}

fn api_finding(x: &Extracted, route: Route) -> Finding {
    let mut f = Finding::new(route.check(), Outcome::Fail, "");
    let api = x.api.clone().unwrap_or_default();
    let body = (x.api.is_none() && x.body_shown_empty).then_some(crate::api_error::BodyKind::Empty);
    crate::api_error::signal_into(
        &mut f,
        route.probe(),
        x.status,
        &api,
        |name| x.header(name).map(str::to_owned),
        body,
    );
    if let Some(status) = x.status {
        f.evidence("status", status.to_string());
    }
    if let Some(code) = &api.code {
        f.evidence("error code", code.clone());
    }
    if let Some(message) = &api.message {
        f.evidence("message", message.clone());
    }
    for (name, value) in &x.headers {
        let value = if name.eq_ignore_ascii_case("retry-after") {
            crate::words::retry_after(value)
        } else {
            value.clone()
        };
        f.evidence(name.clone(), value);
    }
    if let Some(id) = &api.request_id {
        f.evidence("request id", id.clone());
    }
    if let Some(url) = &x.url {
        f.evidence("url", url.to_string());
    }
    let detail = x
        .header("X-PowerBI-Error-Info")
        .map(str::to_owned)
        .or(api.code.clone())
        .or(api.message.clone());
    let success = x.status.is_some_and(|s| (200..300).contains(&s)) && api.code.is_none();
    f.outcome = if success {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    f.summary = match (x.status, detail) {
        (Some(s), Some(d)) => format!("{} answered HTTP {s} {d}", route.words()),
        (Some(s), None) => format!("{} answered HTTP {s}", route.words()),
        (None, Some(d)) => format!("{} answered with the error {d}", route.words()),
        (None, None) => format!("{} answered with an error", route.words()),
    };
    f
}

fn merge<'c>(
    readings: Vec<(Hypothesis, Diagnoses<'c>)>,
    route_known: bool,
    identity_known: bool,
) -> Vec<Diagnosis<'c>> {
    let total = readings.len();
    let mut merged: Vec<(Diagnosis<'c>, Vec<Hypothesis>)> = Vec::new();
    for (hypothesis, diagnoses) in readings {
        for d in diagnoses.causes {
            match merged.iter_mut().find(|(m, _)| m.cause.id == d.cause.id) {
                Some((m, hs)) => {
                    m.confidence = m.confidence.min(d.confidence);
                    m.specificity = m.specificity.max(d.specificity);
                    hs.push(hypothesis);
                }
                None => merged.push((d, vec![hypothesis])),
            }
        }
    }
    let mut out: Vec<Diagnosis<'c>> = merged
        .into_iter()
        .map(|(mut d, hs)| {
            if hs.len() < total {
                // Describe what the matching readings share.
                let words: Vec<Vec<String>> = hs
                    .iter()
                    .map(|h| h.words(route_known, identity_known))
                    .collect();
                let common: Vec<String> = words[0]
                    .iter()
                    .filter(|w| words.iter().all(|ws| ws.contains(w)))
                    .cloned()
                    .collect();
                let condition = if common.is_empty() {
                    words
                        .iter()
                        .map(|w| w.join(" and "))
                        .collect::<Vec<_>>()
                        .join(", or if ")
                } else {
                    common.join(" and ")
                };
                d.support = hs.len();
                d.condition = Some(format!("if {condition}"));
                d.confidence = d.confidence.min(Confidence::Likely);
            }
            d
        })
        .collect();
    rank(&mut out);
    out
}

/// Explains what was extracted. `token_findings` are the findings of the offline chain on a JWT
/// found in the paste (token, scope, claims, identity), if there was one.
pub fn explain<'c>(
    x: &Extracted,
    token_findings: Option<Vec<Finding>>,
    catalogue: &'c Catalogue,
) -> Explanation<'c> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let route = x.url.as_ref().map(Route::of);

    let token_part: Vec<Finding> = match (&x.entra, token_findings) {
        (Some(entra), _) => vec![token_finding(entra, x.status)],
        (None, Some(found)) => found
            .into_iter()
            .filter(|f| f.check != CheckId::AdminApi && f.check != CheckId::WorkspaceApi)
            .collect(),
        (None, None) => Vec::new(),
    };
    let identity_from_token = token_part
        .iter()
        .find(|f| f.check == CheckId::IdentityKind)
        .and_then(|f| f.signals.get(signal::IDENTITY_KIND).first().cloned());
    let identity_known = identity_from_token.is_some() || x.application_hint.is_some();
    if let Some(hint) = &x.application_hint
        && identity_from_token.is_none()
    {
        notes.push(format!(
            "read as a service principal's call: the text names {hint}"
        ));
    }

    let api_error = x.entra.is_none()
        && (x.api.is_some() || x.status.is_some() || !x.headers.is_empty())
        && route != Some(Route::TokenEndpoint);
    let routes: Vec<Option<Route>> = match (api_error, route) {
        (false, _) => vec![None],
        (true, Some(r)) => vec![Some(r)],
        (true, None) => vec![Some(Route::Admin), Some(Route::Workspace)],
    };
    let route_known = routes.len() == 1;
    let identities: Vec<Option<Kind>> = if identity_known || !api_error {
        vec![None]
    } else {
        vec![Some(Kind::Application), Some(Kind::Delegated)]
    };

    let mut readings = Vec::new();
    for r in &routes {
        for i in &identities {
            let hypothesis = Hypothesis {
                route: *r,
                identity: *i,
            };
            let mut hyp_findings: Vec<Finding> = token_part.clone();
            if let Some(r) = r {
                hyp_findings.push(api_finding(x, *r));
            }
            let mut signals = Signals::default();
            for f in &hyp_findings {
                signals.extend(&f.signals);
            }
            let kind = i.map(|k| k.signal().to_owned()).or_else(|| {
                x.application_hint
                    .as_ref()
                    .filter(|_| identity_from_token.is_none())
                    .map(|_| "application".to_owned())
            });
            if let Some(kind) = kind
                && !signals.0.contains_key(signal::IDENTITY_KIND)
            {
                // Read from the hypothesis or a hint, not a token: roles, scopes and
                // directory roles are unknown, not absent.
                signals
                    .0
                    .insert(signal::IDENTITY_KIND.to_owned(), vec![kind]);
                signals.0.insert(
                    signal::IDENTITY_SOURCE.to_owned(),
                    vec!["assumed".to_owned()],
                );
            }
            if findings.is_empty() {
                findings = hyp_findings.clone();
            }
            readings.push((
                hypothesis,
                diagnose_signals(&hyp_findings, &signals, catalogue),
            ));
        }
    }

    // One finding per check, in chain order; what the paste did not show is skipped.
    let mut ordered = Vec::new();
    for check in CheckId::ALL {
        match findings.iter().find(|f| f.check == check) {
            Some(f) => ordered.push(f.clone()),
            None => ordered.push(Finding::skipped(check, Skip::NotInPaste)),
        }
    }
    if !route_known
        && api_error
        && let Some(f) = ordered.iter_mut().find(|f| f.check == CheckId::AdminApi)
    {
        f.summary.push_str(" (the text has no URL: read as an admin API call; causes that need another reading say so)");
    }

    let causes = merge(readings, route_known, identity_known);
    let unexplained = unexplained(&ordered, &causes);

    for code in x
        .entra
        .iter()
        .flat_map(|e| e.codes.iter().map(u32::to_string))
        .chain(x.api.iter().filter_map(|a| a.code.clone()))
    {
        if let Some(note) = known_not_auth(&code) {
            notes.push(note.to_owned());
        }
    }
    if !identity_known && api_error {
        notes.push(
            "who was calling is not in the text: a service principal and a signed-in user fail for different reasons. \
             `pbi-doctor token` on the token that was sent, or a `pbi-doctor check` run, settles it"
                .to_owned(),
        );
    }
    if !route_known && api_error {
        notes.push("which endpoint was called is not in the text: add `--url <the URL called>` to narrow the causes".to_owned());
    }
    let mut ids = Vec::new();
    if let Some(e) = &x.entra {
        for (label, value) in [
            ("trace id", &e.trace_id),
            ("correlation id", &e.correlation_id),
            ("timestamp", &e.timestamp),
        ] {
            if let Some(v) = value {
                ids.push(format!("{label} {v}"));
            }
        }
    }
    for name in ["RequestId", "x-ms-request-id", "request-id", "requestid"] {
        if let Some(v) = x.header(name) {
            ids.push(format!("request id {v}"));
        }
    }
    if let Some(id) = x.api.as_ref().and_then(|a| a.request_id.clone()) {
        ids.push(format!("request id {id}"));
    }
    ids.dedup();
    if !ids.is_empty() {
        notes.push(format!(
            "for a Microsoft support request, quote: {}",
            ids.join(", ")
        ));
    }
    let workspace = x.url.as_ref().and_then(|u| {
        let segs: Vec<String> = u
            .path_segments()
            .map(|s| s.map(str::to_owned).collect())
            .unwrap_or_default();
        segs.windows(2)
            .find(|w| w[0] == "groups" && crate::shape::is_guid(&w[1]))
            .map(|w| w[1].clone())
    });
    if api_error || x.entra.is_some() {
        notes.push(format!(
            "to confirm against the tenant: `pbi-doctor check --tenant <tenant> --client-id <app id>{}` (secret in AZURE_CLIENT_SECRET), or `--token-file` with the token that was sent",
            workspace.map(|w| format!(" --workspace {w}")).unwrap_or_default()
        ));
    }
    Explanation {
        findings: ordered,
        diagnoses: Diagnoses {
            causes,
            unexplained,
        },
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_from_urls() {
        let r = |u: &str| Route::of(&url::Url::parse(u).unwrap());
        assert_eq!(
            r("https://api.powerbi.com/v1.0/myorg/admin/groups?$top=1"),
            Route::Admin
        );
        assert_eq!(
            r("https://api.fabric.microsoft.com/v1/admin/tenantsettings"),
            Route::Admin
        );
        assert_eq!(
            r(
                "https://api.powerbi.com/v1.0/myorg/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/datasets"
            ),
            Route::Workspace
        );
        assert_eq!(
            r(
                "https://api.fabric.microsoft.com/v1/workspaces/f089354e-8366-4e18-aea3-4cb4a3a50b48"
            ),
            Route::Workspace
        );
        assert_eq!(
            r("https://api.powerbi.com/v1.0/myorg/datasets/1/refreshes"),
            Route::MyOrg
        );
        assert_eq!(
            r("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"),
            Route::TokenEndpoint
        );
    }
}

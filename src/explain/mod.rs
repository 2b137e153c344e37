//! `pbi-doctor explain`: a diagnosis from an error already in hand, without credentials or
//! network. The pasted text becomes findings of the same checks `check` runs (a token-endpoint
//! error is a token-acquisition finding, an API answer an admin-api or workspace-api finding, a
//! JWT in the paste goes through scope, claims and identity-kind), and the same catalogue
//! explains them. Where the text leaves the route or the caller open, every reading is diagnosed
//! and causes that fit only some carry the condition under which they do.

pub mod command;
pub mod extract;
pub mod hosts;
pub mod messages;
pub mod status;

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
    /// A call scoped to one workspace (`/groups/{id}/…`, `/workspaces/{id}/…`, an id or a
    /// placeholder where the id goes).
    Workspace,
    /// Another `/myorg/` call without a workspace.
    MyOrg,
    /// A Fabric API (`/v1/…`) outside any workspace: capacities, connections, the workspace list,
    /// the remote MCP endpoint.
    Fabric,
    /// A Power BI cluster host (`wabi-…-redirect.analysis.windows.net`), which embedding and
    /// Power BI's own clients call.
    Cluster,
    /// A workspace's XMLA endpoint (`powerbi://…/v1.0/myorg/<workspace>`).
    Xmla,
}

impl Route {
    /// Reads the route from a URL.
    pub fn of(url: &url::Url) -> Route {
        let path = url.path().to_ascii_lowercase();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        // `groups/{id}`, `workspaces/<workspace-id>`, `groups/$groupId`: any segment after the
        // collection names one workspace (the collection alone is the list).
        let scoped = segments
            .windows(2)
            .any(|w| matches!(w[0], "groups" | "workspaces") && !w[1].starts_with('?'));
        if url.scheme() == "powerbi" {
            Route::Xmla
        } else if path.contains("/oauth2/") {
            Route::TokenEndpoint
        } else if segments.contains(&"admin") {
            Route::Admin
        } else if scoped {
            Route::Workspace
        } else if host.starts_with("wabi-") {
            Route::Cluster
        } else if segments.first() == Some(&"v1") {
            Route::Fabric
        } else {
            Route::MyOrg
        }
    }

    fn check(self) -> CheckId {
        match self {
            Route::TokenEndpoint => CheckId::TokenAcquisition,
            Route::Admin => CheckId::AdminApi,
            Route::Workspace | Route::MyOrg | Route::Fabric | Route::Cluster | Route::Xmla => {
                CheckId::WorkspaceApi
            }
        }
    }

    fn probe(self) -> Probe {
        match self {
            Route::Admin => Probe::Admin,
            Route::Workspace | Route::Xmla => Probe::WorkspaceTarget,
            Route::MyOrg | Route::Fabric | Route::Cluster | Route::TokenEndpoint => {
                Probe::WorkspaceList
            }
        }
    }

    /// The `workspace_api.route` value, for the routes the workspace-api finding carries.
    fn signal(self) -> Option<&'static str> {
        match self {
            Route::TokenEndpoint | Route::Admin => None,
            Route::Workspace => Some("workspace"),
            Route::MyOrg => Some("myorg"),
            Route::Fabric => Some("fabric"),
            Route::Cluster => Some("cluster"),
            Route::Xmla => Some("xmla"),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Route::TokenEndpoint => "the token endpoint",
            Route::Admin => "an admin API",
            Route::Workspace => "a workspace-scoped API",
            Route::MyOrg => "a /myorg/ API outside any workspace",
            Route::Fabric => "a Fabric API outside any workspace",
            Route::Cluster => "a Power BI cluster endpoint (wabi-…)",
            Route::Xmla => "a workspace's XMLA endpoint",
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

/// A reading of the paste: which route, which caller, which status.
#[derive(Clone, Copy, Debug)]
struct Hypothesis {
    route: Option<Route>,
    identity: Option<Kind>,
    status: Option<u16>,
}

/// What the paste settles, so that a condition names only what it leaves open.
#[derive(Clone, Copy, Debug)]
struct Known {
    route: bool,
    identity: bool,
    status: bool,
}

impl Hypothesis {
    fn words(&self, known: Known) -> Vec<String> {
        let mut words = Vec::new();
        if !known.identity {
            match self.identity {
                Some(Kind::Application) => words.push("a service principal was calling".to_owned()),
                Some(Kind::Delegated) => words.push("a signed-in user was calling".to_owned()),
                _ => {}
            }
        }
        if !known.route
            && let Some(route) = self.route
        {
            words.push(format!("the call went to {}", route.words()));
        }
        if !known.status
            && let Some(status) = self.status
        {
            words.push(format!("the answer was HTTP {status}"));
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

fn api_finding(x: &Extracted, route: Route, status: Option<u16>) -> Finding {
    let mut f = Finding::new(route.check(), Outcome::Fail, "");
    let api = x.api.clone().unwrap_or_default();
    let body = (x.api.is_none() && x.body_shown_empty).then_some(crate::api_error::BodyKind::Empty);
    crate::api_error::signal_into(
        &mut f,
        route.probe(),
        status,
        &api,
        |name| x.header(name).map(str::to_owned),
        body,
    );
    if let Some(route) = route.signal() {
        f.signal(signal::WORKSPACE_API_ROUTE, route);
    }
    if let Some(status) = status {
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
    let success = status.is_some_and(|s| (200..300).contains(&s)) && api.code.is_none();
    f.outcome = if success {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    f.summary = match (status, detail) {
        (Some(s), Some(d)) => format!("{} answered HTTP {s} {d}", route.words()),
        (Some(s), None) => format!("{} answered HTTP {s}", route.words()),
        (None, Some(d)) => format!(
            "{} answered with the error {d} (the status is not in the text)",
            route.words()
        ),
        (None, None) => format!(
            "{} answered with an error (the status is not in the text)",
            route.words()
        ),
    };
    // A refused identity type: name the Fabric API family the URL shows.
    if api.code.as_deref() == Some("PrincipalTypeNotSupported")
        && let Some(url) = x
            .url
            .as_ref()
            .filter(|u| crate::check::fabric_api::is_fabric_url(u))
    {
        f.summary.push_str(&format!(
            " ({} does not accept this identity type)",
            crate::check::fabric_api::api_family(url.path())
        ));
    }
    f
}

fn merge<'c>(readings: Vec<(Hypothesis, Diagnoses<'c>)>, known: Known) -> Vec<Diagnosis<'c>> {
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
                let words: Vec<Vec<String>> = hs.iter().map(|h| h.words(known)).collect();
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

/// The token-acquisition finding of the paste, with what the hosts and authorities in it add: a
/// finding from the chain on a JWT or from Entra's answer gets the signals; without either, one
/// is made when there is something to say (hosts of two clouds, a multi-tenant authority, a
/// token endpoint's status).
fn with_token_evidence(token_part: &mut Vec<Finding>, x: &Extracted, route: Option<Route>) {
    let codes_given = x.entra.as_ref().is_some_and(|e| !e.codes.is_empty());
    let authority = x.multi_tenant_authority.as_ref().filter(|_| !codes_given);
    let token_status = x
        .status
        .filter(|_| x.entra.is_none() && route == Some(Route::TokenEndpoint));
    if x.cloud_clash.is_none() && authority.is_none() && token_status.is_none() {
        return;
    }
    let index = match token_part
        .iter()
        .position(|f| f.check == CheckId::TokenAcquisition)
    {
        Some(i) => i,
        None => {
            token_part.insert(
                0,
                Finding::new(
                    CheckId::TokenAcquisition,
                    Outcome::Fail,
                    "the text shows how the token was asked for",
                ),
            );
            0
        }
    };
    let f = &mut token_part[index];
    if let Some(status) = token_status {
        f.signal(signal::TOKEN_STATUS, status.to_string());
        f.evidence("token endpoint status", status.to_string());
        f.summary = format!("the token endpoint answered HTTP {status}");
    }
    if let Some(words) = authority {
        f.signal(signal::TOKEN_TENANT_SHAPE, "common-endpoint");
        f.evidence("authority", words.clone());
        f.summary = format!("{words}: client credentials need the tenant's own");
    }
    if let Some(words) = &x.cloud_clash {
        f.signal(signal::TOKEN_CLOUD, "mismatch");
        f.evidence("clouds", words.clone());
        f.outcome = Outcome::Fail;
        f.summary = format!("the text mixes clouds: {words}");
    }
}

/// Explains what was extracted. `token_findings` are the findings of the offline chain on a JWT
/// found in the paste (token, scope, claims, identity), if there was one.
pub fn explain<'c>(
    x: &Extracted,
    token_findings: Option<Vec<Finding>>,
    catalogue: &'c Catalogue,
) -> Explanation<'c> {
    let mut notes: Vec<String> = Vec::new();
    // The route: from the URL called, else from a command line's parameters.
    // A bare API host (`https://api.powerbi.com/`) names the API, not the route.
    let routed = x
        .url
        .as_ref()
        .filter(|u| u.scheme() == "powerbi" || !u.path().trim_matches('/').is_empty());
    let route = routed.map(Route::of).or_else(|| {
        x.command.route.as_ref().map(|(route, why)| {
            notes.push(format!("read as a call to {}: {why}", route.words()));
            *route
        })
    });

    let mut token_part: Vec<Finding> = match (&x.entra, token_findings) {
        (Some(entra), _) => vec![token_finding(entra, x.status)],
        (None, Some(found)) => found
            .into_iter()
            .filter(|f| f.check != CheckId::AdminApi && f.check != CheckId::WorkspaceApi)
            .collect(),
        (None, None) => Vec::new(),
    };
    with_token_evidence(&mut token_part, x, route);
    let identity_from_token = token_part
        .iter()
        .find(|f| f.check == CheckId::IdentityKind)
        .and_then(|f| f.signals.get(signal::IDENTITY_KIND).first().cloned());
    // Who was calling, from the words of the paste when no token says it.
    let hinted: Option<(Kind, &String)> = if identity_from_token.is_some() {
        None
    } else if let Some(hint) = &x.application_hint {
        Some((Kind::Application, hint))
    } else {
        x.delegated_hint
            .as_ref()
            .map(|hint| (Kind::Delegated, hint))
    };
    match hinted {
        Some((Kind::Application, hint)) => notes.push(format!(
            "read as a service principal's call: the text names {hint}"
        )),
        Some((_, hint)) => notes.push(format!(
            "read as a signed-in user's call: the text names {hint}"
        )),
        None => {}
    }
    let identity_known = identity_from_token.is_some() || hinted.is_some();

    let api_error = x.entra.is_none()
        && route != Some(Route::TokenEndpoint)
        && (x.api.is_some()
            || x.status.is_some()
            || !x.headers.is_empty()
            || route.is_some()
            || x.url.is_some());
    let routes: Vec<Option<Route>> = match (api_error, route) {
        (false, _) => vec![None],
        (true, Some(r)) => vec![Some(r)],
        (true, None) => vec![Some(Route::Admin), Some(Route::Workspace)],
    };
    let identities: Vec<Option<Kind>> = if identity_known || !api_error {
        vec![None]
    } else {
        vec![Some(Kind::Application), Some(Kind::Delegated)]
    };
    // With no status, code or header, what answered is open too: the two refusals.
    let status_open = api_error && x.status.is_none() && x.api.is_none() && x.headers.is_empty();
    let statuses: Vec<Option<u16>> = if status_open {
        vec![Some(401), Some(403)]
    } else {
        vec![x.status]
    };
    let known = Known {
        route: routes.len() == 1,
        identity: identities.len() == 1,
        status: statuses.len() == 1,
    };

    let mut readings = Vec::new();
    for r in &routes {
        for i in &identities {
            for status in &statuses {
                let hypothesis = Hypothesis {
                    route: *r,
                    identity: *i,
                    status: *status,
                };
                let mut hyp_findings: Vec<Finding> = token_part.clone();
                if let Some(r) = r {
                    hyp_findings.push(api_finding(x, *r, *status));
                }
                let mut signals = Signals::default();
                for f in &hyp_findings {
                    signals.extend(&f.signals);
                }
                let kind = i
                    .or(hinted.map(|(kind, _)| kind))
                    .map(|k| k.signal().to_owned());
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
                readings.push((
                    hypothesis,
                    diagnose_signals(&hyp_findings, &signals, catalogue),
                ));
            }
        }
    }

    // What is shown: what the paste says, nothing a reading assumed.
    let mut findings = token_part.clone();
    if let Some(Some(r)) = routes.first() {
        findings.push(api_finding(x, *r, x.status));
    }
    // One finding per check, in chain order; what the paste did not show is skipped.
    let mut ordered = Vec::new();
    for check in CheckId::ALL.into_iter().filter(|c| !c.second_look()) {
        match findings.iter().find(|f| f.check == check) {
            Some(f) => ordered.push(f.clone()),
            // A paste is read as one call; Fabric's answers go under the routes above, so the
            // Fabric probe has no line of its own here.
            None if check == CheckId::FabricApi => {}
            None => ordered.push(Finding::skipped(check, Skip::NotInPaste)),
        }
    }
    if !known.route
        && let Some(f) = ordered.iter_mut().find(|f| f.check == CheckId::AdminApi)
    {
        f.summary.push_str(if x.url.is_none() {
            " (the text has no URL: read as an admin API call; causes that need another reading say so)"
        } else {
            " (the URL names no endpoint: read as an admin API call; causes that need another reading say so)"
        });
    }

    let causes = merge(readings, known);
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
    if let Some(words) = &x.multi_tenant_authority
        && x.entra.as_ref().is_some_and(|e| !e.codes.is_empty())
    {
        notes.push(format!(
            "{words}: a service principal needs its tenant's own authority (`-Tenant <tenant id>`, `https://login.microsoftonline.com/<tenant id>`)"
        ));
    }
    notes.extend(x.command.warnings.iter().cloned());
    if !known.identity {
        notes.push(
            "who was calling is not in the text: a service principal and a signed-in user fail for different reasons. \
             `pbi-doctor token` on the token that was sent, or a `pbi-doctor check` run, settles it"
                .to_owned(),
        );
    }
    if !known.route {
        notes.push("which endpoint was called is not in the text: add `--url <the URL called>` to narrow the causes".to_owned());
    }
    if !known.status {
        notes.push("the HTTP status is not in the text: add `--status <code>` (401 and 403 point to different causes)".to_owned());
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
            .find(|w| {
                matches!(w[0].as_str(), "groups" | "workspaces") && crate::shape::is_guid(&w[1])
            })
            .map(|w| w[1].clone())
    });
    if api_error
        || x.entra.is_some()
        || x.cloud_clash.is_some()
        || x.multi_tenant_authority.is_some()
    {
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
            ruled_out: Vec::new(),
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

    fn explained(text: &str) -> (Vec<String>, Vec<String>) {
        let catalogue = Catalogue::embedded().unwrap();
        let e = explain(&extract::extract(text), None, catalogue);
        (
            e.diagnoses
                .causes
                .iter()
                .map(|d| d.cause.id.clone())
                .collect(),
            e.notes,
        )
    }

    #[test]
    fn routes_of_fabric_cluster_and_xmla_hosts() {
        let r = |u: &str| Route::of(&url::Url::parse(u).unwrap());
        assert_eq!(
            r("https://api.fabric.microsoft.com/v1/workspaces"),
            Route::Fabric
        );
        assert_eq!(
            r("https://api.fabric.microsoft.com/v1/mcp/powerbi"),
            Route::Fabric
        );
        assert_eq!(
            r("https://api.powerbi.com/v1/workspaces/xxxx/items"),
            Route::Workspace
        );
        assert_eq!(
            r("https://api.fabric.microsoft.com/v1.0/myorg/groups?$filter=x"),
            Route::MyOrg
        );
        assert_eq!(
            r("https://wabi-west-europe-d-primary-redirect.analysis.windows.net/metadata/cluster"),
            Route::Cluster
        );
        assert_eq!(r("powerbi://api.powerbi.com/v1.0/myorg/Sales"), Route::Xmla);
    }

    #[test]
    fn a_command_line_gives_the_route() {
        let (causes, notes) = explained(
            "PS> Get-PowerBIDataset -Scope Organization\nget-powerbidataset : Operation returned an invalid status code 'Unauthorized'",
        );
        assert!(
            notes.iter().any(|n| n.contains("-Scope Organization")),
            "{notes:?}"
        );
        assert!(!notes.iter().any(|n| n.contains("--url")), "{notes:?}");
        assert!(
            causes.contains(&"delegated-user-not-admin".to_owned()),
            "{causes:?}"
        );
        assert!(
            !causes.contains(&"sp-not-in-workspace".to_owned()),
            "{causes:?}"
        );
    }

    #[test]
    fn a_text_with_a_url_but_no_status_reads_both_refusals_and_says_what_is_missing() {
        let (causes, notes) = explained(
            "Unhandled error occurred calling GET on 'https://api.powerbi.com/v1.0/myorg/admin/groups?$top=100'. Message: An error occurred.",
        );
        assert!(!causes.is_empty());
        assert!(notes.iter().any(|n| n.contains("--status")), "{notes:?}");
    }

    #[test]
    fn two_clouds_in_the_paste_are_the_wrong_cloud() {
        let (causes, _) = explained(
            "Initializing with Entra authority: https://login.microsoftonline.us/72f988bf-0000-4000-8000-000000000001\nAccess token generated\nERROR 403 Client Error: Forbidden for url: https://api.powerbi.com/v1.0/myorg/admin/groups?$top=1",
        );
        assert_eq!(causes.first().map(String::as_str), Some("wrong-cloud"));
    }

    #[test]
    fn a_service_principal_signed_in_without_tenant_needs_one() {
        let (causes, _) = explained(
            "PS> Connect-PowerBIServiceAccount -ServicePrincipal -Credential $credential\nConnect-PowerBIServiceAccount : One or more errors occurred.",
        );
        assert_eq!(
            causes.first().map(String::as_str),
            Some("tenant-specific-authority-required")
        );
        // With Entra's own code, the code explains; the authority is a note.
        let (causes, notes) = explained(
            "PS> Connect-PowerBIServiceAccount -ServicePrincipal -Credential $credential\nAADSTS7000215: Invalid client secret provided.",
        );
        assert_eq!(
            causes.first().map(String::as_str),
            Some("invalid-client-secret")
        );
        assert!(
            notes.iter().any(|n| n.contains("organizations")),
            "{notes:?}"
        );
    }

    #[test]
    fn warns_of_a_secret_read_from_a_client_id_variable() {
        let (causes, notes) = explained(
            "$secret = ConvertTo-SecureString $env:AZURE_CLIENT_ID -AsPlainText -Force\nAADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID",
        );
        assert_eq!(
            causes.first().map(String::as_str),
            Some("invalid-client-secret")
        );
        assert!(
            notes.iter().any(|n| n.contains("$env:AZURE_CLIENT_ID")),
            "{notes:?}"
        );
    }
}

//! A command line in the paste is evidence too. `-Scope Organization` makes a MicrosoftPowerBIMgmt
//! cmdlet call the admin API, `-WorkspaceId` a workspace-scoped one; `Invoke-PowerBIRestMethod
//! -Url 'admin/groups'` names the route relative to `…/v1.0/myorg/`; `Connect-PowerBIServiceAccount
//! -ServicePrincipal` without `-Tenant` signs in on the `organizations` authority, which client
//! credentials should not use (facts §1.2, MSAL maintainers); `-Environment` names the cloud; a
//! secret read from a variable named like the client id is probably the wrong value.

use url::Url;

use super::Route;
use super::extract::Lowered;
use crate::cloud::Cloud;

/// What the command lines of a paste say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandEvidence {
    /// The route a cmdlet's parameters imply, and the words that say so.
    pub route: Option<(Route, String)>,
    /// `Connect-PowerBIServiceAccount -ServicePrincipal` without `-Tenant`: the authority it
    /// signs in on.
    pub multi_tenant_authority: Option<String>,
    /// `-Environment` of `Connect-PowerBIServiceAccount`.
    pub cloud: Option<Cloud>,
    /// The URL of `Invoke-PowerBIRestMethod -Url <relative>`, made absolute.
    pub url: Option<Url>,
    /// The cmdlet signed in a user (no `-ServicePrincipal`), or a service principal.
    pub service_principal: Option<bool>,
    /// Warnings about what the command passes.
    pub warnings: Vec<String>,
}

/// MicrosoftPowerBIMgmt's sign-in cmdlet and its aliases, lower case.
const CONNECT: &[&str] = &[
    "connect-powerbiserviceaccount",
    "login-powerbiserviceaccount",
    "login-powerbi",
];

/// Parameters that scope a cmdlet to one workspace (MicrosoftPowerBIMgmt, FabricPS), lower case.
const WORKSPACE_PARAMETERS: &[&str] = &["-workspaceid", "-workspace", "-groupid", "-workspacename"];

/// Where `name` occurs in `lower` as a whole parameter or cmdlet name: not inside a longer word.
fn occurrences<'a>(lower: &'a str, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    let bytes = lower.as_bytes();
    lower
        .match_indices(name)
        .map(|(at, _)| at)
        .filter(move |at| {
            let before = at.checked_sub(1).map(|p| bytes[p]);
            let after = bytes.get(at + name.len()).copied();
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// [`occurrences`] in the whole paste, not searched for when a byte of `name` is missing.
fn found<'a>(lower: &'a Lowered, name: &'a str) -> impl Iterator<Item = usize> + 'a {
    lower
        .may_hold(name)
        .then(|| occurrences(lower, name))
        .into_iter()
        .flatten()
}

/// How far a command line is read from its cmdlet name: enough for any parameters, and a text of
/// one endless line stays linear.
const LINE_REACH: usize = 4096;

/// Occurrences of one cmdlet looked at, at most.
const MAX_OCCURRENCES: usize = 64;

/// `text` from `at` to the end of its line, at most [`LINE_REACH`] bytes.
fn rest_of_line(text: &str, at: usize) -> &str {
    let mut limit = (at + LINE_REACH).min(text.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let rest = &text[at..limit];
    rest.split('\n').next().unwrap_or_default()
}

/// The value after a parameter: spaces, `:` and quotes skipped, up to a quote or a space.
fn parameter_value(after: &str) -> &str {
    let rest = after.trim_start_matches([' ', '\t', ':', '"', '\'']);
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | ';'))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn environment(value: &str) -> Option<Cloud> {
    match value.to_ascii_lowercase().as_str() {
        "public" => Some(Cloud::Public),
        "usgov" => Some(Cloud::Usgov),
        "usgovhigh" => Some(Cloud::Usgovhigh),
        "usgovmil" => Some(Cloud::Usdod),
        "china" => Some(Cloud::China),
        _ => None,
    }
}

/// Reads the command lines of `text`.
pub fn read(text: &str) -> CommandEvidence {
    read_in(text, &Lowered::new(text))
}

/// [`read`] with `text` already lower-cased.
pub fn read_in(text: &str, lower: &Lowered) -> CommandEvidence {
    let mut evidence = CommandEvidence::default();

    // Sign-in: a command line names the cmdlet followed by parameters (or nothing); an error
    // record's `Connect-PowerBIServiceAccount : …` or `[Connect-PowerBIServiceAccount]` does not.
    let mut service_principal = None;
    let mut tenant_given = false;
    let mut complete_line = false;
    for name in CONNECT {
        for at in found(lower, name).take(MAX_OCCURRENCES) {
            let rest_of_line = rest_of_line(lower, at + name.len()).trim_end();
            if !(rest_of_line.is_empty() || rest_of_line.trim_start().starts_with('-')) {
                continue;
            }
            let sp = rest_of_line.contains("-servicepr");
            service_principal = Some(service_principal.unwrap_or(false) || sp);
            tenant_given |= occurrences(rest_of_line, "-tenant").next().is_some()
                || occurrences(rest_of_line, "-tenantid").next().is_some();
            // PowerShell cuts the command it echoes in an error record with `...`.
            complete_line |= !rest_of_line.ends_with("...");
            if let Some(p) = occurrences(rest_of_line, "-environment").next() {
                evidence.cloud = evidence
                    .cloud
                    .or_else(|| environment(parameter_value(&rest_of_line[p + 12..])));
            }
        }
    }
    evidence.service_principal = service_principal;
    if service_principal == Some(true) && !tenant_given && complete_line {
        evidence.multi_tenant_authority = Some(
            "Connect-PowerBIServiceAccount -ServicePrincipal without -Tenant signs in on the `organizations` authority"
                .to_owned(),
        );
    }

    // Invoke-PowerBIRestMethod -Url: relative to the cloud's `/v1.0/myorg/`.
    for at in found(lower, "invoke-powerbirestmethod").take(MAX_OCCURRENCES) {
        let line = rest_of_line(text, at);
        let line_lower = line.to_ascii_lowercase();
        let Some(p) = occurrences(&line_lower, "-url").next() else {
            continue;
        };
        let value = parameter_value(&line[p + 4..]);
        if value.is_empty() || value.starts_with('$') {
            continue;
        }
        let base = evidence.cloud.unwrap_or(Cloud::Public).powerbi_api();
        let url = if value.to_ascii_lowercase().starts_with("http") {
            Url::parse(value).ok()
        } else {
            Url::parse(&format!(
                "{base}/v1.0/myorg/{}",
                value.trim_start_matches('/')
            ))
            .ok()
        };
        if url.is_some() {
            evidence.url = url;
            break;
        }
    }

    // The route a cmdlet's parameters imply.
    if found(lower, "-scope")
        .take(MAX_OCCURRENCES)
        .any(|at| parameter_value(rest_of_line(lower, at + 6)) == "organization")
    {
        evidence.route = Some((
            Route::Admin,
            "`-Scope Organization`: the cmdlet calls the admin API".to_owned(),
        ));
    } else if let Some((name, _)) = WORKSPACE_PARAMETERS
        .iter()
        .filter_map(|p| found(lower, p).next().map(|at| (p, at)))
        .min_by_key(|(_, at)| *at)
    {
        evidence.route = Some((
            Route::Workspace,
            format!("`{name}`: the command calls a workspace-scoped API"),
        ));
    } else if let Some(cmdlet) = individual_cmdlet(text, lower) {
        evidence.route = Some((
            Route::MyOrg,
            format!(
                "`{cmdlet}` without `-Scope Organization` or a workspace: the cmdlet's default scope, Individual, calls the caller's own /myorg/ API"
            ),
        ));
    }

    evidence.warnings.extend(secret_from_client_id(text, lower));
    evidence
}

/// MicrosoftPowerBIMgmt cmdlets whose `-Scope` is `Individual` unless told `Organization`: run
/// without a workspace, they call `/v1.0/myorg/…` as the signed-in caller. Lower case.
const SCOPED_CMDLETS: &[&str] = &[
    "get-powerbiworkspace",
    "get-powerbireport",
    "get-powerbidataset",
    "get-powerbidashboard",
    "get-powerbidatasource",
    "get-powerbidataflow",
    "get-powerbiimport",
    "get-powerbitile",
    "get-powerbicapacity",
];

/// The first scoped cmdlet run as a command (followed by parameters or nothing, not the `Cmdlet :
/// message` of an error record), as the paste writes it.
fn individual_cmdlet<'t>(text: &'t str, lower: &Lowered) -> Option<&'t str> {
    SCOPED_CMDLETS
        .iter()
        .filter_map(|name| {
            found(lower, name)
                .take(MAX_OCCURRENCES)
                .find(|at| {
                    let rest = rest_of_line(lower, at + name.len()).trim();
                    rest.is_empty() || rest.starts_with('-')
                })
                .map(|at| (at, name.len()))
        })
        .min()
        .map(|(at, len)| &text[at..at + len])
}

/// Names under which a secret is passed, lower case.
const SECRET_NAMES: &[&str] = &[
    "clientsecret",
    "client_secret",
    "client-secret",
    "azure_client_secret",
    "convertto-securestring",
];

/// A secret read from a variable or setting named like the application id
/// (`-ClientSecret $appId`, `client_secret=os.environ["CLIENT_ID"]`).
fn secret_from_client_id(text: &str, lower: &Lowered) -> Option<String> {
    for name in SECRET_NAMES.iter().filter(|n| lower.may_hold(n)) {
        for at in lower.match_indices(name).map(|(at, _)| at).take(64) {
            let mut rest =
                lower[at + name.len()..].trim_start_matches([' ', '\t', ':', '=', '"', '\'', '(']);
            if let Some(r) = rest.strip_prefix("-string") {
                rest = r.trim_start();
            }
            let rest = rest_of_line(rest, 0);
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ',' | ')' | ';'))
                .unwrap_or(rest.len());
            let expression = &rest[..end];
            let squeezed: String = expression
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let looks_like_id = ["clientid", "appid", "applicationid"]
                .iter()
                .any(|id| squeezed.contains(id))
                && !squeezed.contains("secret");
            if looks_like_id {
                // `lower` is `text` lower-cased: the same bytes at the same places.
                let start = rest.as_ptr() as usize - lower.as_ptr() as usize;
                let shown = text.get(start..start + end).unwrap_or(expression);
                return Some(format!(
                    "the secret is read from `{shown}`, named like the application (client) id: check that the secret's value is passed, not the app id or the secret's id"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_route_from_cmdlet_parameters() {
        let admin = read(
            "PS> Get-PowerBIWorkspace -Scope Organization -Top 10\nGet-PowerBIWorkspace : Operation returned an invalid status code 'Unauthorized'",
        );
        assert_eq!(admin.route.map(|r| r.0), Some(Route::Admin));
        let workspace = read(
            "Import-FabricItem -workspaceId $rptworkspaceId -path $pbipReportPath\nImport-FabricItem updateDefinition : 401 (Unauthorized).",
        );
        assert_eq!(workspace.route.map(|r| r.0), Some(Route::Workspace));
        let individual = read(
            "PS> Get-PowerBIReport\nGet-PowerBIReport : Operation returned an invalid status code 'Unauthorized'",
        );
        assert_eq!(individual.route.map(|r| r.0), Some(Route::MyOrg));
        // The error record alone names the cmdlet, not how it was run.
        assert_eq!(
            read("Get-PowerBIReport : Operation returned an invalid status code 'Unauthorized'")
                .route,
            None
        );
    }

    #[test]
    fn reads_a_relative_invoke_powerbirestmethod_url() {
        let e = read(
            "Connect-PowerBIServiceAccount -Environment USGov\nInvoke-PowerBIRestMethod -Url 'admin/groups?$top=100' -Method Get",
        );
        assert_eq!(
            e.url.unwrap().as_str(),
            "https://api.powerbigov.us/v1.0/myorg/admin/groups?$top=100"
        );
        assert_eq!(e.cloud, Some(Cloud::Usgov));
        let scoped = read("Invoke-PowerBIRestMethod -Url \"groups/$groupId/datasets\" -Method Get");
        assert_eq!(scoped.url.map(|u| Route::of(&u)), Some(Route::Workspace));
    }

    #[test]
    fn a_service_principal_without_tenant_signs_in_on_organizations() {
        let e = read(
            "PS> Connect-PowerBIServiceAccount -ServicePrincipal -Credential $cred\nConnect-PowerBIServiceAccount : One or more errors occurred.",
        );
        assert_eq!(e.service_principal, Some(true));
        assert!(e.multi_tenant_authority.is_some());
        let with_tenant = read(
            "Connect-PowerBIServiceAccount -ServicePrincipal -Credential $cred -Tenant 72f988bf-0000-4000-8000-000000000001",
        );
        assert_eq!(with_tenant.multi_tenant_authority, None);
        // Only PowerShell's cut echo of the command: -Tenant may be in the part cut off.
        let cut =
            read("+ Connect-PowerBIServiceAccount -ServicePrincipal -Credential $credential ...");
        assert_eq!(cut.multi_tenant_authority, None);
        assert_eq!(cut.service_principal, Some(true));
        let user = read("PS> Connect-PowerBIServiceAccount\nWARNING: ...");
        assert_eq!(user.service_principal, Some(false));
        let record = read(
            "Connect-PowerBIServiceAccount : One or more errors occurred.\n    + CategoryInfo : WriteError: (...) [Connect-PowerBIServiceAccount], AggregateException",
        );
        assert_eq!(record.service_principal, None);
    }

    #[test]
    fn warns_of_a_secret_read_from_a_client_id_variable() {
        for text in [
            "$secret = ConvertTo-SecureString $appId -AsPlainText -Force",
            "Connect-AzAccount -ServicePrincipal -ClientSecret $env:CLIENT_ID",
            "app = msal.ConfidentialClientApplication(client_id, authority=a, client_secret=os.environ[\"AZURE_CLIENT_ID\"])",
        ] {
            assert!(
                read(text)
                    .warnings
                    .first()
                    .is_some_and(|w| w.contains("named like the application")),
                "{text}"
            );
        }
        for text in [
            "$secret = ConvertTo-SecureString $clientSecret -AsPlainText -Force",
            "client_secret=os.environ[\"AZURE_CLIENT_SECRET\"], client_id=os.environ[\"AZURE_CLIENT_ID\"]",
        ] {
            assert!(read(text).warnings.is_empty(), "{text}");
        }
    }
}

//! Which cloud a tenant lives in, from its OpenID Connect configuration: one unauthenticated
//! `GET {authority}/{tenant}/v2.0/.well-known/openid-configuration`. The public authority answers
//! for tenants of the US Government Entra cloud too, so a user who left `--cloud` at `public` can
//! be told that the tenant is GCC, GCC High or DoD.
//!
//! The document carries Microsoft extensions besides `issuer` and `token_endpoint`:
//! `cloud_instance_name`, `tenant_region_scope` and `tenant_region_sub_scope`. Microsoft documents
//! few of their values; what is used here, and where it comes from:
//!
//! | value | meaning | source |
//! |---|---|---|
//! | `tenant_region_scope` `USG` or `USGov` | a tenant of Entra ID Government (login.microsoftonline.us) | Microsoft docs: "How do I identify an Azure Government tenant?", learn.microsoft.com/azure/azure-government/documentation-government-plan-identity (MicrosoftDocs/azure-docs `articles/azure-government/documentation-government-plan-identity.md`) |
//! | `tenant_region_scope` `NA` | a public tenant in North America | the same page |
//! | `tenant_region_sub_scope` `GCC` (with `NA`) | GCC: public Entra ID, government Power BI | customer reports in MicrosoftDocs/azure-docs issue #84367 and Microsoft365DSC/MSCloudLoginAssistant issue #182 |
//! | `tenant_region_sub_scope` `DODCON` (with `USGov`) | GCC High | customer report in MicrosoftDocs/azure-docs issue #56915; Microsoft365DSC/MSCloudLoginAssistant `Modules/MSCloudLoginAssistant/ConnectionProfile.ps1` (→ AzureUSGovernment); Gerenios/AADInternals `AccessToken_utils.ps1` (`"DODCON" # GCC-High`) |
//! | `tenant_region_sub_scope` `DOD` | DoD | MSCloudLoginAssistant `ConnectionProfile.ps1` (→ AzureDOD); AADInternals `AccessToken_utils.ps1` (`"DOD" # DoD`) |
//! | no sub scope (with `NA`) | a commercial tenant | MSCloudLoginAssistant issue #182 |
//! | `cloud_instance_name` `microsoftonline.com` | public Entra ID | captured public documents: panva/wellknown `issuers/entra-common/entra-common.mjs`, AADInternals `AccessToken_utils.ps1` examples |
//! | `cloud_instance_name` `microsoftonline.us` | Entra ID Government | blisspixel/recon `src/recon_tool/sources/oidc.py` (community) |
//! | `cloud_instance_name` `partner.microsoftonline.cn` | Entra ID China (21Vianet) | blisspixel/recon `src/recon_tool/sources/oidc.py` (community); MSCloudLoginAssistant takes a `token_endpoint` on `login.partner.microsoftonline.cn` as China |
//!
//! When `cloud_instance_name` is absent, the host of `token_endpoint` (then of `issuer`) names the
//! Entra cloud, by the same hosts as [`crate::cloud::issuer_cloud`].
//!
//! Not told apart, so [`Discovery::cloud`] stays `None` and the raw strings are kept for the
//! caller to report: a government tenant without `DODCON` or `DOD` (MSCloudLoginAssistant issue
//! #182 reports `USGov` with no sub scope, which could be GCC High or DoD), any sub scope not in
//! the table, a `cloud_instance_name` not in the table (e.g. the retired Germany cloud or the
//! newer European sovereign clouds), and signals that contradict each other.

use std::path::Path;

use serde_json::Value;
use url::Url;

use crate::cloud::{Cloud, EntraCloud, issuer_cloud};
use crate::settings::endpoint;
use crate::shape::is_guid;
use crate::transport::{Failure, Method, Request, Response, Retry, Transport};

/// What a tenant's OpenID configuration says about its cloud.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The Power BI cloud, when the signals name exactly one (see the module documentation).
    pub cloud: Option<Cloud>,
    /// The Entra ID cloud the tenant signs in with, when recognised. GCC tenants are
    /// [`EntraCloud::Public`].
    pub entra: Option<EntraCloud>,
    /// `cloud_instance_name`, as given.
    pub cloud_instance_name: Option<String>,
    /// `tenant_region_scope`, as given (`NA`, `EU`, `USGov`, …).
    pub tenant_region_scope: Option<String>,
    /// `tenant_region_sub_scope`, as given (`GCC`, `DODCON`, `DOD`, …).
    pub tenant_region_sub_scope: Option<String>,
    /// The tenant id in `issuer` (`https://login.microsoftonline.com/{tid}/v2.0`), when it is a
    /// GUID: what a domain name resolves to.
    pub tenant_id_from_issuer: Option<String>,
    /// `issuer`, as given.
    pub issuer: Option<String>,
    /// `token_endpoint`, as given: its host is the authority the tenant's tokens come from.
    pub token_endpoint: Option<String>,
}

impl Discovery {
    /// The raw cloud signals in one line, for a report: `cloud_instance_name=…,
    /// tenant_region_scope=…, tenant_region_sub_scope=…` (`-` for an absent one).
    pub fn signals(&self) -> String {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        format!(
            "cloud_instance_name={}, tenant_region_scope={}, tenant_region_sub_scope={}",
            show(&self.cloud_instance_name),
            show(&self.tenant_region_scope),
            show(&self.tenant_region_sub_scope)
        )
    }
}

/// Why discovery produced no answer to read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryFailure {
    /// The authority answered with an error, e.g. 400 AADSTS90002 (tenant not found: a typo, or
    /// a tenant of another cloud). The answer is returned untouched so it is read like any
    /// token-endpoint error.
    #[error("the authority refused the OpenID configuration request: HTTP {}", .0.status)]
    Refused(Response),
    /// The authority answered 200 with something that is not an OpenID configuration (a proxy's
    /// page, for instance).
    #[error("the authority's answer is not an OpenID configuration: {reason}")]
    Malformed {
        /// The answer.
        response: Response,
        /// What is wrong with it.
        reason: String,
    },
    /// No answer at all.
    #[error(transparent)]
    Network(Failure),
}

/// The URL `{authority}/{tenant}/v2.0/.well-known/openid-configuration`, the tenant kept in one
/// path segment.
fn configuration_url(authority: &Url, tenant: &str) -> Url {
    let mut url = authority.clone();
    url.set_query(None);
    url.set_fragment(None);
    let shaped = url.path_segments_mut().map(|mut segments| {
        segments.pop_if_empty().push(tenant.trim()).extend([
            "v2.0",
            ".well-known",
            "openid-configuration",
        ]);
    });
    match shaped {
        Ok(()) => url,
        Err(()) => endpoint(
            authority,
            &format!("/{}/v2.0/.well-known/openid-configuration", tenant.trim()),
        ),
    }
}

/// The tenant's configuration as the per-tenant cache at `cache` (path, now) holds it: one read
/// in the last `CACHE_SECONDS` from the same authority is read again from there, with the same
/// parser, so the run finds what it would have found asking again, minus one request on the
/// critical path. `None` when it holds none that parses (then [`ask`]). Only answers that were
/// read (200, parsed) are kept; a refusal, a failure or a malformed document is asked for again
/// every run. A cache that cannot be read or written is passed over.
pub fn cached(authority: &Url, tenant: &str, cache: Option<(&Path, i64)>) -> Option<Discovery> {
    let (path, now) = cache?;
    let body = cache_load(path)
        .ok()?
        .fresh(&cache_key(authority, tenant), now)?;
    parse(&body).ok()
}

/// Asks the authority for the tenant's OpenID configuration (one GET, retried only on transient
/// failures; the cache not read) and reads its cloud from it; keeps a configuration that was read
/// in the cache at `cache`, if any (a live `check` that is not recording).
pub async fn ask(
    transport: &Transport,
    authority: &Url,
    tenant: &str,
    cache: Option<(&Path, i64)>,
) -> Result<Discovery, DiscoveryFailure> {
    let request = Request {
        method: Method::Get,
        url: configuration_url(authority, tenant),
        form: Vec::new(),
        bearer: None,
        retry: Retry::TRANSIENT,
    };
    let response = transport
        .send(request)
        .await
        .map_err(DiscoveryFailure::Network)?;
    if response.status != 200 {
        return Err(DiscoveryFailure::Refused(response));
    }
    match parse(&response.body) {
        Ok(discovery) => {
            if let Some((path, now)) = cache
                && !response.truncated
                && response.body.len() <= CACHE_BODY_CAP
            {
                // A cache that cannot be written costs the next run one request, nothing more.
                let _ = cache_store(path, &cache_key(authority, tenant), &response.body, now);
            }
            Ok(discovery)
        }
        Err(reason) => Err(DiscoveryFailure::Malformed { response, reason }),
    }
}

/// The cache file's name, in the profile folder beside the admin-probe cache.
pub(crate) const CACHE_FILE: &str = "cloud-discovery-cache.json";
/// How long a tenant's configuration is taken as read: a tenant does not change clouds, but a
/// day bounds how long a wrong answer (a proxy's, say) could stick.
pub(crate) const CACHE_SECONDS: i64 = 24 * 3600;
/// A configuration is a few KiB; anything larger is not kept.
const CACHE_BODY_CAP: usize = 64 * 1024;
const CACHE_READ_CAP: u64 = 4 * 1024 * 1024;
const CACHE_VERSION: u32 = 1;

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Cache {
    version: u32,
    /// By authority origin and tenant (lower case).
    entries: std::collections::BTreeMap<String, CacheEntry>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct CacheEntry {
    /// When it was read (seconds since the epoch).
    read_at: i64,
    /// The document as received.
    body: String,
}

impl Cache {
    fn fresh(mut self, key: &str, now: i64) -> Option<String> {
        let entry = self.entries.remove(key)?;
        (entry.read_at <= now && now - entry.read_at < CACHE_SECONDS).then_some(entry.body)
    }
}

fn cache_key(authority: &Url, tenant: &str) -> String {
    format!(
        "{} {}",
        authority.origin().ascii_serialization(),
        tenant.trim().to_ascii_lowercase()
    )
}

fn cache_load(path: &Path) -> std::io::Result<Cache> {
    let text = crate::fsio::read_file_text(path, CACHE_READ_CAP, crate::fsio::Decoding::Strict)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let cache: Cache = serde_json::from_str(&text).map_err(std::io::Error::other)?;
    if cache.version != CACHE_VERSION {
        return Err(std::io::Error::other("another format version"));
    }
    Ok(cache)
}

fn cache_store(path: &Path, key: &str, body: &str, now: i64) -> std::io::Result<()> {
    let mut cache = cache_load(path).unwrap_or_default();
    cache.version = CACHE_VERSION;
    cache
        .entries
        .retain(|_, e| e.read_at <= now && now - e.read_at < CACHE_SECONDS);
    cache.entries.insert(
        key.to_owned(),
        CacheEntry {
            read_at: now,
            body: body.to_owned(),
        },
    );
    let mut text = serde_json::to_string_pretty(&cache).map_err(std::io::Error::other)?;
    text.push('\n');
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    crate::fsio::write_atomically(path, text.as_bytes(), crate::fsio::Access::Private)
}

fn text(map: &serde_json::Map<String, Value>, field: &str) -> Option<String> {
    map.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads an OpenID configuration document.
pub fn parse(body: &str) -> Result<Discovery, String> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) else {
        return Err("the body is not a JSON object".to_owned());
    };
    let issuer = text(&map, "issuer");
    let token_endpoint = text(&map, "token_endpoint");
    if issuer.is_none() && token_endpoint.is_none() {
        return Err("it has neither `issuer` nor `token_endpoint`".to_owned());
    }
    let mut discovery = Discovery {
        cloud: None,
        entra: None,
        cloud_instance_name: text(&map, "cloud_instance_name"),
        tenant_region_scope: text(&map, "tenant_region_scope"),
        tenant_region_sub_scope: text(&map, "tenant_region_sub_scope"),
        tenant_id_from_issuer: issuer.as_deref().and_then(tenant_id_in),
        issuer,
        token_endpoint,
    };
    let (entra, cloud) = classify(&discovery);
    discovery.entra = entra;
    discovery.cloud = cloud;
    Ok(discovery)
}

/// The first path segment of an issuer URL, when it is a GUID (lowercased).
fn tenant_id_in(issuer: &str) -> Option<String> {
    let url = Url::parse(issuer).ok()?;
    let first = url.path_segments()?.find(|s| !s.is_empty())?;
    is_guid(first).then(|| first.to_ascii_lowercase())
}

/// The Entra cloud a `cloud_instance_name` names; `Err` for a value not in the table.
fn instance_cloud(name: &str) -> Result<EntraCloud, ()> {
    match name.to_ascii_lowercase().as_str() {
        "microsoftonline.com" => Ok(EntraCloud::Public),
        "microsoftonline.us" => Ok(EntraCloud::UsGov),
        "partner.microsoftonline.cn" => Ok(EntraCloud::China),
        _ => Err(()),
    }
}

/// The Entra cloud and the Power BI cloud the signals name, each `None` unless unambiguous.
fn classify(d: &Discovery) -> (Option<EntraCloud>, Option<Cloud>) {
    let entra = match d.cloud_instance_name.as_deref().map(instance_cloud) {
        Some(Ok(cloud)) => Some(cloud),
        // A cloud instance not in the table: another cloud; the hosts must not overrule it.
        Some(Err(())) => return (None, None),
        None => d
            .token_endpoint
            .as_deref()
            .and_then(issuer_cloud)
            .or_else(|| d.issuer.as_deref().and_then(issuer_cloud)),
    };
    let scope = d
        .tenant_region_scope
        .as_deref()
        .map(str::to_ascii_uppercase);
    let government_scope = matches!(scope.as_deref(), Some("USG" | "USGOV"));
    let entra = match (entra, government_scope) {
        (None, true) => Some(EntraCloud::UsGov),
        // A government region scope on a non-government instance: contradictory.
        (Some(EntraCloud::Public | EntraCloud::China), true) => return (None, None),
        (entra, _) => entra,
    };
    let sub = d
        .tenant_region_sub_scope
        .as_deref()
        .map(str::to_ascii_uppercase);
    let cloud = match (entra, sub.as_deref()) {
        (Some(EntraCloud::Public), None) => Some(Cloud::Public),
        (Some(EntraCloud::Public), Some("GCC")) => Some(Cloud::Usgov),
        (Some(EntraCloud::UsGov), Some("DODCON")) => Some(Cloud::Usgovhigh),
        (Some(EntraCloud::UsGov), Some("DOD")) => Some(Cloud::Usdod),
        (Some(EntraCloud::China), None) => Some(Cloud::China),
        _ => None,
    };
    (entra, cloud)
}

#[cfg(test)]
mod tests {

    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// The cache answers for a day and for the authority and tenant it read, and only then.
    #[test]
    fn the_cache_answers_for_a_day_for_its_authority_and_tenant_only() {
        let dir = std::env::temp_dir().join(format!("pbi-doctor-disc-{}", uuid::Uuid::new_v4()));
        let path = dir.join(CACHE_FILE);
        let closed = Transport::closed_port_url();
        let body = serde_json::json!({
            "issuer": "https://login.microsoftonline.us/t/v2.0",
            "tenant_region_scope": "USGov",
            "tenant_region_sub_scope": "DODCON",
            "cloud_instance_name": "microsoftonline.us"
        })
        .to_string();
        let now = 1_763_630_000;
        cache_store(&path, &cache_key(&closed, "T1"), &body, now).unwrap();
        let fresh = cached(&closed, "t1", Some((&path, now + 3600)));
        assert_eq!(fresh.unwrap(), parse(&body).unwrap());
        for (tenant, at) in [
            ("t1", now + CACHE_SECONDS),
            ("t2", now + 1),
            ("t1", now - 1),
        ] {
            assert_eq!(
                cached(&closed, tenant, Some((&path, at))),
                None,
                "{tenant} at {at}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    /// An OpenID configuration shaped like the tenant's real one, trimmed to what is read.
    fn configuration(
        login: &str,
        instance: Option<&str>,
        scope: Option<&str>,
        sub_scope: Option<&str>,
    ) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "token_endpoint": format!("https://{login}/{TID}/oauth2/v2.0/token"),
            "jwks_uri": format!("https://{login}/{TID}/discovery/v2.0/keys"),
            "issuer": format!("https://{login}/{TID}/v2.0"),
            "authorization_endpoint": format!("https://{login}/{TID}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("https://{login}/{TID}/oauth2/v2.0/devicecode"),
            "tenant_region_scope": scope,
        });
        if let Some(instance) = instance {
            doc["cloud_instance_name"] = serde_json::json!(instance);
        }
        if let Some(sub_scope) = sub_scope {
            doc["tenant_region_sub_scope"] = serde_json::json!(sub_scope);
        }
        doc
    }

    async fn discover_from(answer: ResponseTemplate) -> Result<Discovery, DiscoveryFailure> {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/contoso.com/v2.0/.well-known/openid-configuration"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let authority = Url::parse(&server.uri()).unwrap();
        let transport = Transport::for_tests(&authority);
        ask(&transport, &authority, "contoso.com", None).await
    }

    async fn discover_doc(doc: serde_json::Value) -> Discovery {
        discover_from(ResponseTemplate::new(200).set_body_json(doc))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn public() {
        let d = discover_doc(configuration(
            "login.microsoftonline.com",
            Some("microsoftonline.com"),
            Some("NA"),
            None,
        ))
        .await;
        assert_eq!(d.cloud, Some(Cloud::Public));
        assert_eq!(d.entra, Some(EntraCloud::Public));
        assert_eq!(d.tenant_id_from_issuer.as_deref(), Some(TID));
        assert_eq!(d.tenant_region_scope.as_deref(), Some("NA"));
        assert_eq!(
            d.signals(),
            "cloud_instance_name=microsoftonline.com, tenant_region_scope=NA, tenant_region_sub_scope=-"
        );
    }

    #[tokio::test]
    async fn gcc_is_told_by_its_sub_scope() {
        let d = discover_doc(configuration(
            "login.microsoftonline.com",
            Some("microsoftonline.com"),
            Some("NA"),
            Some("GCC"),
        ))
        .await;
        assert_eq!(d.cloud, Some(Cloud::Usgov));
        assert_eq!(d.entra, Some(EntraCloud::Public));
        assert_eq!(d.tenant_region_sub_scope.as_deref(), Some("GCC"));
    }

    #[tokio::test]
    async fn gcc_high_and_dod_sign_in_at_microsoftonline_us() {
        let d = discover_doc(configuration(
            "login.microsoftonline.us",
            Some("microsoftonline.us"),
            Some("USGov"),
            Some("DODCON"),
        ))
        .await;
        assert_eq!(d.cloud, Some(Cloud::Usgovhigh));
        assert_eq!(d.entra, Some(EntraCloud::UsGov));
        let d = discover_doc(configuration(
            "login.microsoftonline.us",
            Some("microsoftonline.us"),
            Some("USGov"),
            Some("DOD"),
        ))
        .await;
        assert_eq!(d.cloud, Some(Cloud::Usdod));
        assert_eq!(d.tenant_id_from_issuer.as_deref(), Some(TID));
    }

    #[tokio::test]
    async fn china() {
        let d = discover_doc(configuration(
            "login.partner.microsoftonline.cn",
            Some("partner.microsoftonline.cn"),
            None,
            None,
        ))
        .await;
        assert_eq!(d.cloud, Some(Cloud::China));
        assert_eq!(d.entra, Some(EntraCloud::China));
        assert_eq!(d.tenant_region_scope, None);
    }

    #[tokio::test]
    async fn unknown_signals_are_kept_raw_without_a_guess() {
        // Government, but neither DODCON nor DOD: GCC High or DoD, not told apart.
        let d = discover_doc(configuration(
            "login.microsoftonline.us",
            Some("microsoftonline.us"),
            Some("USGov"),
            None,
        ))
        .await;
        assert_eq!(d.cloud, None);
        assert_eq!(d.entra, Some(EntraCloud::UsGov));
        assert_eq!(d.tenant_region_scope.as_deref(), Some("USGov"));
        // A cloud instance not in the table.
        let d = discover_doc(configuration(
            "login.example.invalid",
            Some("example.invalid"),
            Some("EU"),
            None,
        ))
        .await;
        assert_eq!((d.cloud, d.entra), (None, None));
        assert_eq!(d.cloud_instance_name.as_deref(), Some("example.invalid"));
        // A sub scope not in the table.
        let d = discover_doc(configuration(
            "login.microsoftonline.com",
            Some("microsoftonline.com"),
            Some("NA"),
            Some("XYZ"),
        ))
        .await;
        assert_eq!(d.cloud, None);
        assert_eq!(d.tenant_region_sub_scope.as_deref(), Some("XYZ"));
    }

    #[test]
    fn hosts_and_region_scopes_stand_in_for_a_missing_cloud_instance() {
        let doc = configuration("login.microsoftonline.us", None, Some("USGov"), Some("DOD"));
        assert_eq!(parse(&doc.to_string()).unwrap().cloud, Some(Cloud::Usdod));
        // The documented region scope alone names the government cloud.
        let doc = serde_json::json!({
            "issuer": "https://example.invalid/x/", "tenant_region_scope": "USG",
            "tenant_region_sub_scope": "DODCON"
        });
        assert_eq!(
            parse(&doc.to_string()).unwrap().cloud,
            Some(Cloud::Usgovhigh)
        );
        // A v1 issuer carries the tenant id too.
        let doc = serde_json::json!({"issuer": format!("https://sts.windows.net/{TID}/")});
        let d = parse(&doc.to_string()).unwrap();
        assert_eq!(d.tenant_id_from_issuer.as_deref(), Some(TID));
        assert_eq!(d.cloud, Some(Cloud::Public));
        // A government region scope on the public instance contradicts itself.
        let doc = configuration(
            "login.microsoftonline.com",
            Some("microsoftonline.com"),
            Some("USGov"),
            Some("DODCON"),
        );
        assert_eq!(parse(&doc.to_string()).unwrap().cloud, None);
        // `common` has a placeholder, not a tenant id.
        let doc =
            serde_json::json!({"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"});
        assert_eq!(parse(&doc.to_string()).unwrap().tenant_id_from_issuer, None);
    }

    #[tokio::test]
    async fn a_tenant_that_does_not_exist_is_refused_with_the_entra_answer() {
        let body = serde_json::json!({
            "error": "invalid_tenant",
            "error_description": "AADSTS90002: Tenant 'contoso.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z",
            "error_codes": [90002],
            "timestamp": "2026-01-09 02:02:12Z",
            "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
            "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
            "error_uri": "https://login.microsoftonline.com/error?code=90002"
        });
        let err = discover_from(ResponseTemplate::new(400).set_body_json(body))
            .await
            .unwrap_err();
        let DiscoveryFailure::Refused(response) = &err else {
            panic!("{err}")
        };
        assert_eq!(response.status, 400);
        assert!(response.body.contains("AADSTS90002"));
        assert!(err.to_string().contains("HTTP 400"));
    }

    #[tokio::test]
    async fn a_page_that_is_not_a_configuration_is_malformed() {
        let err = discover_from(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
            .await
            .unwrap_err();
        assert!(matches!(err, DiscoveryFailure::Malformed { .. }), "{err}");
    }

    #[tokio::test]
    async fn no_answer_is_a_network_failure() {
        // A port nothing listens on: connection refused, retried, then reported.
        let authority = Transport::closed_port_url();
        let transport = Transport::for_tests(&authority);
        let err = ask(&transport, &authority, "contoso.com", None)
            .await
            .unwrap_err();
        assert!(matches!(err, DiscoveryFailure::Network(_)), "{err}");
    }

    #[test]
    fn the_url_keeps_the_tenant_in_one_segment() {
        let authority = Url::parse("https://login.microsoftonline.com").unwrap();
        assert_eq!(
            configuration_url(&authority, "contoso.com").as_str(),
            "https://login.microsoftonline.com/contoso.com/v2.0/.well-known/openid-configuration"
        );
        let odd = configuration_url(&authority, "a/../b?x");
        assert_eq!(odd.query(), None);
        assert_eq!(odd.path_segments().unwrap().count(), 4);
    }
}

//! Test builders for the checks (layer 1 of "Tests, in layers" in `../shared/DESIGN.md`): a check
//! runs on a [`Context`] made here and is judged on its [`Finding`], without the binary, a fixture
//! folder or a network.
//!
//! - [`TestSettings`]: resolved [`Settings`] with sensible defaults (tenant
//!   `contoso.onmicrosoft.com`, the fixtures' client id, a client secret, the public cloud, loopback
//!   endpoints where nothing listens), and methods to change what a test is about.
//! - [`Harness`]: owns everything a [`Context`] borrows — the settings, a [`Transport::Replay`] fed
//!   with hand-written [`Exchange`]s ([`answer`], [`no_answer`]), the run's [`Redactor`] (built as a
//!   real run builds it), `now` and a silent progress.
//! - Tokens: [`token`] encodes claims with a long fake signature ([`SIGNATURE`]), which a test
//!   then asserts never reaches a finding ([`assert_clean`]); [`app_claims`] and [`user_claims`]
//!   are the claims of the fixtures' tokens, re-timed around `now`.
//! - Answer bodies copied verbatim from `fixtures/*/session.json` (each constant names its
//!   fixture): tests never invent a response shape the services do not send.

use serde_json::{Value, json};

use crate::check::{Context, Finding, TokenInHand};
use crate::cloud::Cloud;
use crate::secret::{Redactor, Secret};
use crate::session::{Exchange, NetworkFailure, NetworkKind, RecordedRequest, RecordedResponse};
use crate::settings::{Credential, Settings};
use crate::transport::{Replay, Transport};

/// The fixtures' tenant (a verified domain).
pub(crate) const TENANT: &str = "contoso.onmicrosoft.com";
/// The fixtures' tenant id (`tid` of their tokens).
pub(crate) const TENANT_ID: &str = "72f988bf-0000-4000-8000-000000000001";
/// The fixtures' application (client) id.
pub(crate) const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
/// The workspace the fixtures list ("Sales").
pub(crate) const SALES: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
/// A client secret of the length Entra ID issues; no finding may show it.
pub(crate) const CLIENT_SECRET: &str = "Xq8Q~unit.test.secret.value-0123456789ab";
/// The signature of every test token; no finding may show it.
pub(crate) const SIGNATURE: &str = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1yZWFjaC1hLWZpbmRpbmc";
/// An instant for the tests: the fixtures' `recorded_at` (2026-11-20T09:14:03Z).
pub(crate) const NOW: i64 = 1_795_166_043;
/// The authority in the default settings: loopback, where nothing listens.
pub(crate) const AUTHORITY: &str = "http://127.0.0.1:9";
/// The Power BI API base in the default settings: loopback, where nothing listens.
pub(crate) const API: &str = "http://127.0.0.1:10";

/// `invalid-client-secret`: the token endpoint's answer to a wrong secret (HTTP 401).
pub(crate) const ENTRA_INVALID_CLIENT_SECRET: &str = "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90'.\\r\\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\\r\\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\\r\\nTimestamp: 2026-11-20 09:14:03Z\",\"error_codes\":[7000215],\"timestamp\":\"2026-11-20 09:14:03Z\",\"trace_id\":\"0000aaaa-11bb-cccc-dd22-eeeeee333333\",\"correlation_id\":\"aaaa0000-bb11-2222-33cc-444444dddddd\",\"error_uri\":\"https://login.microsoftonline.com/error?code=7000215\"}";

/// `mfa-or-conditional-access`: Conditional Access blocked the token (HTTP 400, with a suberror).
pub(crate) const ENTRA_CONDITIONAL_ACCESS: &str = "{\"error\":\"interaction_required\",\"error_description\":\"AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.\\r\\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\\r\\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\\r\\nTimestamp: 2026-11-20 09:14:03Z\",\"error_codes\":[53003],\"timestamp\":\"2026-11-20 09:14:03Z\",\"trace_id\":\"0000aaaa-11bb-cccc-dd22-eeeeee333333\",\"correlation_id\":\"aaaa0000-bb11-2222-33cc-444444dddddd\",\"error_uri\":\"https://login.microsoftonline.com/error?code=53003\",\"suberror\":\"message_only\"}";

/// `network-error-proxy-html`: what a proxy answered in Entra ID's place (HTTP 502).
pub(crate) const PROXY_502_HTML: &str = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

/// `sp-not-in-workspace` and others: Power BI's refusal body (HTTP 401, or 404 with
/// `PowerBIEntityNotFound` in `workspace-not-found`).
pub(crate) fn pbi_error(code: &str) -> String {
    format!(
        "{{\"error\":{{\"code\":\"{code}\",\"pbi.error\":{{\"code\":\"{code}\",\"parameters\":{{}},\"details\":[],\"exceptionCulprit\":1}}}}}}"
    )
}

/// `token-expired-at-api`: the API's answer to an expired token (HTTP 403).
pub(crate) const PBI_TOKEN_EXPIRED: &str = "{\"error\":{\"code\":\"TokenExpired\",\"message\":\"Access token has expired, resubmit with a new access token\"}}";

/// `conditional-access-claims-challenge`: the API's claims challenge (HTTP 401, empty body).
pub(crate) const CLAIMS_CHALLENGE: &str = "Bearer authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzk1MTY1NzQzIn19fQ==\"";

/// `healthy-service-principal`: the admin API's one-workspace page.
pub(crate) const ADMIN_GROUPS_SALES: &str = "{\"value\":[{\"id\":\"f089354e-8366-4e18-aea3-4cb4a3a50b48\",\"isReadOnly\":false,\"isOnDedicatedCapacity\":false,\"name\":\"Sales\",\"type\":\"Workspace\",\"state\":\"Active\"}]}";

/// `healthy-service-principal`: the caller's workspaces.
pub(crate) const GROUPS_SALES: &str = "{\"value\":[{\"id\":\"f089354e-8366-4e18-aea3-4cb4a3a50b48\",\"isReadOnly\":false,\"isOnDedicatedCapacity\":false,\"name\":\"Sales\"}]}";

/// `sp-not-in-workspace`, and a workspace's datasets in `healthy-service-principal`.
pub(crate) const EMPTY_LIST: &str = "{\"value\":[]}";

/// The JSON content type Power BI answers lists with.
pub(crate) const ODATA_JSON: &str =
    "application/json; odata.metadata=minimal; odata.streaming=true";

/// The claims of the fixtures' application token (`healthy-service-principal`), valid for an
/// hour around `now`.
pub(crate) fn app_claims(now: i64) -> Value {
    json!({
        "aud": "https://analysis.windows.net/powerbi/api",
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "iat": now - 100, "nbf": now - 100, "exp": now + 3500,
        "aio": "fake",
        "appid": CLIENT_ID, "appidacr": "1",
        "idp": format!("https://sts.windows.net/{TENANT_ID}/"),
        "idtyp": "app",
        "oid": "5b2e7c1d-0000-4000-8000-00000000a001",
        "rh": "fake",
        "sub": "5b2e7c1d-0000-4000-8000-00000000a001",
        "tid": TENANT_ID,
        "uti": "fake",
        "ver": "1.0"
    })
}

/// The claims of the fixtures' user token (`healthy-delegated-admin`), valid for an hour around
/// `now`.
pub(crate) fn user_claims(now: i64) -> Value {
    json!({
        "aud": "https://analysis.windows.net/powerbi/api",
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "iat": now - 100, "nbf": now - 100, "exp": now + 3500,
        "aio": "fake",
        "amr": ["pwd", "mfa"],
        "appid": "9c3e1f2a-0000-4000-8000-00000000c001", "appidacr": "0",
        "idtyp": "user",
        "name": "Megan Bowen",
        "oid": "5b2e7c1d-0000-4000-8000-00000000b001",
        "rh": "fake",
        "scp": "Dataset.Read.All Tenant.Read.All Workspace.Read.All",
        "sub": "fake-pairwise-sub",
        "tid": TENANT_ID,
        "unique_name": "meganb@contoso.onmicrosoft.com",
        "upn": "meganb@contoso.onmicrosoft.com",
        "uti": "fake",
        "ver": "1.0"
    })
}

/// A compact JWT with these claims, the fixtures' header and [`SIGNATURE`].
pub(crate) fn token(claims: &Value) -> String {
    crate::jwt::encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256", "x5t": "fake", "kid": "fake"}),
        claims,
        SIGNATURE,
    )
}

/// The token endpoint's success body, as in `healthy-service-principal`, carrying `token`.
pub(crate) fn token_response(token: &str) -> String {
    format!(
        "{{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"{token}\"}}"
    )
}

fn request(method: &str, path: &str) -> RecordedRequest {
    RecordedRequest {
        method: method.to_owned(),
        // Replay matches path and query only; the host is a placeholder.
        url: format!("https://recorded.invalid{path}"),
        form: Vec::new(),
    }
}

/// A recorded answer to `method path` (path with its query, e.g. `/v1.0/myorg/groups`).
pub(crate) fn answer(
    method: &str,
    path: &str,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Exchange {
    Exchange {
        request: request(method, path),
        response: Some(RecordedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        }),
        error: None,
    }
}

/// A recorded request that got no HTTP answer.
pub(crate) fn no_answer(method: &str, path: &str, kind: NetworkKind, message: &str) -> Exchange {
    Exchange {
        request: request(method, path),
        response: None,
        error: Some(NetworkFailure {
            kind,
            message: message.to_owned(),
        }),
    }
}

/// The token endpoint's path for the default tenant.
pub(crate) fn token_path() -> String {
    format!("/{TENANT}/oauth2/v2.0/token")
}

/// Settings for a test, from defaults a test changes what it is about.
pub(crate) struct TestSettings(Settings);

impl TestSettings {
    /// Tenant, client id and secret of the fixtures, the public cloud (not detected), loopback
    /// endpoints, no workspace, the admin probe on.
    pub(crate) fn new() -> Self {
        let url = |raw: &str| url::Url::parse(raw).expect("a test URL");
        Self(Settings {
            tenant: Some(TENANT.to_owned()),
            client_id: Some(CLIENT_ID.to_owned()),
            credential: Credential::ClientSecret(Secret::new(CLIENT_SECRET)),
            secret_looks_like_guid: false,
            cloud: Cloud::Public,
            authority_host: url(AUTHORITY),
            powerbi_api: url(API),
            fabric_api: url(API),
            apis: crate::apis::Apis::PowerBi,
            graph_api: url(API),
            admin: None,
            workspaces: Vec::new(),
            skip_admin: false,
            detect_cloud: false,
            authority_overridden: true,
            api_overridden: true,
            fabric_overridden: true,
            graph_overridden: true,
        })
    }

    /// Another credential.
    pub(crate) fn credential(mut self, credential: Credential) -> Self {
        self.0.credential = credential;
        self
    }

    /// A token the user gave, as pasted, from `source` ("file token.txt").
    pub(crate) fn given_token(self, text: &str, source: &str) -> Self {
        self.credential(Credential::Token {
            text: Secret::new(text),
            source: source.to_owned(),
        })
    }

    /// Another tenant (`None`: none given).
    pub(crate) fn tenant(mut self, tenant: Option<&str>) -> Self {
        self.0.tenant = tenant.map(str::to_owned);
        self
    }

    /// Another client id (`None`: none given).
    pub(crate) fn client_id(mut self, client_id: Option<&str>) -> Self {
        self.0.client_id = client_id.map(str::to_owned);
        self
    }

    /// The secret looks like a GUID (a secret's ID given for its value).
    pub(crate) fn secret_looks_like_guid(mut self) -> Self {
        self.0.secret_looks_like_guid = true;
        self
    }

    /// The workspaces named with `--workspace`.
    pub(crate) fn workspaces(mut self, ids: &[&str]) -> Self {
        self.0.workspaces = ids.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Another cloud (endpoints stay the loopback ones).
    pub(crate) fn cloud(mut self, cloud: Cloud) -> Self {
        self.0.cloud = cloud;
        self
    }

    /// The settings.
    pub(crate) fn build(self) -> Settings {
        self.0
    }
}

/// Everything a [`Context`] borrows, owned: build one, then call [`Harness::ctx`].
pub(crate) struct Harness {
    /// The settings.
    pub(crate) settings: Settings,
    /// A replay of the exchanges given.
    pub(crate) transport: Transport,
    /// The run's redactor, as a real run builds it from the settings.
    pub(crate) redactor: Redactor,
    /// The instant claims are judged at.
    pub(crate) now: i64,
}

impl Harness {
    /// A harness answering with `exchanges` (each served once, matched on method, path and
    /// query), at [`NOW`].
    pub(crate) fn new(settings: Settings, exchanges: Vec<Exchange>) -> Self {
        let transport = Transport::Replay(Replay::new(exchanges, settings.token_origin()));
        let redactor = crate::commands::redactor_for(&settings);
        Self {
            settings,
            transport,
            redactor,
            now: NOW,
        }
    }

    /// The context the checks take.
    pub(crate) fn ctx(&self) -> Context<'_> {
        Context {
            settings: &self.settings,
            transport: &self.transport,
            now: self.now,
            redactor: &self.redactor,
            progress: crate::progress::Progress::none(),
        }
    }

    /// A token in hand, learnt by the redactor as the chain learns it after token acquisition.
    pub(crate) fn token_in_hand(&self, token: &str) -> TokenInHand {
        self.redactor.add_token(token);
        TokenInHand::new(token)
    }
}

/// Everything of a finding people or the diagnosis read, as one text.
pub(crate) fn finding_text(finding: &Finding) -> String {
    let mut text = finding.summary.clone();
    for e in &finding.evidence {
        text.push_str(&format!("\n{}: {}", e.label, e.value));
    }
    for (name, values) in &finding.signals.0 {
        text.push_str(&format!("\n{name}={}", values.join(",")));
    }
    text
}

/// Asserts that no secret of the tests — the client secret, a token signature, and whatever
/// else is named — is in the finding.
#[track_caller]
pub(crate) fn assert_clean(finding: &Finding, also: &[&str]) {
    let text = finding_text(finding);
    for secret in [CLIENT_SECRET, SIGNATURE].iter().chain(also) {
        assert!(
            !text.contains(secret),
            "the finding shows a secret ({secret}):\n{text}"
        );
    }
}

/// The values of a signal, as `&str`s.
pub(crate) fn signal<'f>(finding: &'f Finding, name: &str) -> Vec<&'f str> {
    finding
        .signals
        .get(name)
        .iter()
        .map(String::as_str)
        .collect()
}

/// The value of the evidence with this label, if any.
pub(crate) fn evidence<'f>(finding: &'f Finding, label: &str) -> Option<&'f str> {
    finding
        .evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    //! The builders themselves: a guard that can fail, and a replay that answers as recorded.

    use super::*;
    use crate::check::{CheckId, Outcome};
    use crate::transport::{Request, Retry};

    #[test]
    #[should_panic(expected = "the finding shows a secret")]
    fn assert_clean_fails_on_a_signature_in_evidence() {
        let mut finding = Finding::new(CheckId::Scope, Outcome::Pass, "");
        finding.evidence("token", token(&app_claims(NOW)));
        assert_clean(&finding, &[]);
    }

    #[test]
    fn the_default_settings_are_the_fixtures_tenant_on_loopback() {
        let s = TestSettings::new().build();
        assert_eq!(s.tenant.as_deref(), Some(TENANT));
        assert_eq!(s.client_id.as_deref(), Some(CLIENT_ID));
        assert_eq!(s.cloud, Cloud::Public);
        assert!(!s.detect_cloud);
        assert_eq!(
            s.token_endpoint().unwrap().as_str(),
            format!("{AUTHORITY}{}", token_path())
        );
        assert!(matches!(s.credential, Credential::ClientSecret(_)));
        // The run's redactor knows the secret, as a real run's does.
        let h = Harness::new(s, Vec::new());
        assert!(!h.redactor.clean(CLIENT_SECRET).contains(CLIENT_SECRET));
    }

    #[tokio::test]
    async fn the_replay_serves_each_answer_once_whatever_the_host() {
        let h = Harness::new(
            TestSettings::new().build(),
            vec![answer("GET", "/v1.0/myorg/groups", 200, &[], EMPTY_LIST)],
        );
        let get = || {
            Request::get(
                url::Url::parse(&format!("{API}/v1.0/myorg/groups")).unwrap(),
                Secret::new("t"),
                Retry::ONCE,
            )
        };
        let first = h.transport.send(get()).await.expect("the recorded answer");
        assert_eq!((first.status, first.body.as_str()), (200, EMPTY_LIST));
        assert!(h.transport.send(get()).await.is_err());
    }
}

//! Workload identity federation: the external identity token (an OIDC JWT from GitHub Actions, a
//! Kubernetes service account, another cloud) that the token endpoint takes as
//! `client_assertion` in place of a secret (facts §1.7).
//!
//! The assertion comes from a file (`AZURE_FEDERATED_TOKEN_FILE`, the AKS workload identity
//! projection), from text, or from the GitHub Actions OIDC endpoint, fetched exactly as
//! microsoft/terraform-provider-fabric does (`internal/auth/oidc.go`): `GET
//! $ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange` with
//! `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered by
//! `{"count":…,"value":"<jwt>"}`.
//!
//! Its claims are read (never verified) so that AADSTS70021, 700211, 700212 and 700213 (no
//! federated identity credential matches the issuer, audience or subject presented) can be read
//! against the exact values presented: [`Assertion::describe`]. The JWT itself stays a [`Secret`];
//! no error carries it or the request token.

use std::path::Path;

use chrono::{TimeZone as _, Utc};
use serde_json::Value;
use url::Url;

use crate::secret::{Redactor, Secret};
use crate::transport::{Request, Retry, Transport};

/// The audience Entra ID expects by default in a federated identity credential, and the one
/// asked of the GitHub OIDC endpoint.
pub const DEFAULT_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The issuer of GitHub Actions OIDC tokens.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The variable naming the federated token file (AKS workload identity, azure-identity SDKs).
pub const TOKEN_FILE_VAR: &str = "AZURE_FEDERATED_TOKEN_FILE";

/// The GitHub Actions variable holding the OIDC endpoint URL.
pub const REQUEST_URL_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";

/// The GitHub Actions variable holding the bearer token for the OIDC endpoint.
pub const REQUEST_TOKEN_VAR: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// How many characters of an error body [`FederatedError::OidcRefused`] keeps.
const DETAIL_CHARS: usize = 400;

/// A federated assertion with the claims Entra matches against the app's federated identity
/// credentials. `Debug` hides the JWT.
#[derive(Clone, Debug)]
pub struct Assertion {
    /// The JWT, sent as `client_assertion`.
    pub jwt: Secret,
    /// `iss`: must equal the credential's issuer exactly.
    pub issuer: Option<String>,
    /// `sub`: must equal the credential's subject exactly (case-sensitive).
    pub subject: Option<String>,
    /// `aud`: one of them must be among the credential's audiences.
    pub audiences: Vec<String>,
    /// `exp`, seconds since the epoch.
    pub expires: Option<i64>,
    /// Where the assertion came from, e.g. the file path or "GitHub Actions OIDC".
    pub source: String,
}

/// Why no federated assertion could be had. Every message says what to do next; none carries the
/// assertion or the request token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FederatedError {
    /// The text is not a JWT.
    #[error(
        "{origin} does not hold a federated token: {reason}. It should be the identity token of the \
         workload (an OIDC JWT issued by GitHub Actions, Kubernetes, …), not a secret or an access token"
    )]
    NotAJwt {
        /// Where the text came from.
        origin: String,
        /// What is wrong, in the words of the JWT decoder.
        reason: String,
    },
    /// The token file cannot be read.
    #[error(
        "cannot read the federated token file {path}: {reason}. Check {TOKEN_FILE_VAR} and that the \
         token volume is mounted (on AKS: the pod's service account has the \
         azure.workload.identity/client-id annotation and the pod the azure.workload.identity/use \
         label)"
    )]
    Unreadable {
        /// The path as given.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The token file or text is empty.
    #[error(
        "{origin} is empty: the federated token was not written (yet). Check what provides it, \
         e.g. the projected service account token volume"
    )]
    Empty {
        /// Where the text came from.
        origin: String,
    },
    /// The GitHub OIDC endpoint answered with an error.
    #[error(
        "the GitHub Actions OIDC endpoint refused the token request with HTTP {status}: {detail}. \
         Check that the job has `permissions: id-token: write`; a 5xx is GitHub's side: re-run the job"
    )]
    OidcRefused {
        /// The HTTP status.
        status: u16,
        /// The start of the body, JWT signatures and the request token removed.
        detail: String,
    },
    /// The GitHub OIDC endpoint answered without a token.
    #[error(
        "the GitHub Actions OIDC endpoint answered without a token (no \"value\" in its JSON): re-run \
         the job; if it persists, check GitHub's status page"
    )]
    OidcNoValue,
    /// The GitHub OIDC endpoint could not be reached.
    #[error(
        "cannot reach the GitHub Actions OIDC endpoint: {0}. Check the runner's network and proxy"
    )]
    OidcNetwork(String),
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` is not a URL.
    #[error(
        "{REQUEST_URL_VAR} is not a usable URL ({0}): it is set by the runner; do not override it"
    )]
    BadRequestUrl(String),
    /// The GitHub OIDC variables are absent.
    #[error(
        "{REQUEST_URL_VAR} and {REQUEST_TOKEN_VAR} are not set: GitHub only gives them to jobs allowed \
         to request an OIDC token. Add `permissions: id-token: write` to the workflow job (pull \
         requests from forks never get it)"
    )]
    MissingPermission,
}

impl FederatedError {
    /// A stable name, for signals and JSON.
    pub fn signal(&self) -> &'static str {
        match self {
            Self::NotAJwt { .. } => "not-a-jwt",
            Self::Unreadable { .. } => "unreadable",
            Self::Empty { .. } => "empty",
            Self::OidcRefused { .. } => "oidc-refused",
            Self::OidcNoValue => "oidc-no-value",
            Self::OidcNetwork(_) => "oidc-network",
            Self::BadRequestUrl(_) => "bad-request-url",
            Self::MissingPermission => "missing-permission",
        }
    }
}

/// Reads an assertion from text: surrounding whitespace is ignored, the claims are decoded
/// without verifying the signature. `source` names where the text came from, for messages and
/// evidence.
pub fn from_text(text: &str, source: &str) -> Result<Assertion, FederatedError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FederatedError::Empty {
            origin: source.to_owned(),
        });
    }
    let jwt = crate::jwt::decode(text).map_err(|e| FederatedError::NotAJwt {
        origin: source.to_owned(),
        reason: e.describe().to_owned(),
    })?;
    let claims = &jwt.claims;
    Ok(Assertion {
        jwt: Secret::new(text),
        issuer: claims.str("iss").map(str::to_owned),
        subject: claims.str("sub").map(str::to_owned),
        audiences: claims.audiences(),
        expires: claims.time("exp"),
        source: source.to_owned(),
    })
}

/// Reads an assertion from a token file (what `AZURE_FEDERATED_TOKEN_FILE` names).
pub fn read_file(path: &Path) -> Result<Assertion, FederatedError> {
    let shown = path.display().to_string();
    // Through the one capped reader: a token file is outside input like any other.
    let text =
        crate::fsio::read_file_text(path, crate::fsio::INPUT_CAP, crate::fsio::Decoding::Lossy)
            .map_err(|e| FederatedError::Unreadable {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
    from_text(&text, &shown)
}

/// The GitHub OIDC request URL and token from the values of [`REQUEST_URL_VAR`] and
/// [`REQUEST_TOKEN_VAR`]; [`FederatedError::MissingPermission`] when either is absent or empty.
pub fn github_request(
    url: Option<&str>,
    token: Option<&str>,
) -> Result<(String, Secret), FederatedError> {
    match (
        url.map(str::trim).filter(|s| !s.is_empty()),
        token.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Some(url), Some(token)) => Ok((url.to_owned(), Secret::new(token))),
        _ => Err(FederatedError::MissingPermission),
    }
}

/// The OIDC request URL with `audience` added to its query (`&` when it has one, `?` otherwise),
/// form-url-encoded. An `audience` already in the URL is replaced, so that exactly one is sent.
fn oidc_url(request_url: &str, audience: &str) -> Result<Url, FederatedError> {
    let mut url =
        Url::parse(request_url.trim()).map_err(|e| FederatedError::BadRequestUrl(e.to_string()))?;
    if url.query_pairs().any(|(k, _)| k == "audience") {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "audience")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.query_pairs_mut().append_pair("audience", audience);
    Ok(url)
}

/// Fetches a GitHub Actions OIDC token for `audience` (normally [`DEFAULT_AUDIENCE`]): `GET
/// {request_url}&audience={audience}` with `Authorization: Bearer {request_token}`, through the
/// transport (so it is a GET the guard lets pass, retried on transient failures, and recorded
/// like any other request).
pub async fn github_oidc(
    transport: &Transport,
    request_url: &str,
    request_token: &Secret,
    audience: &str,
) -> Result<Assertion, FederatedError> {
    let (request_url, request_token) =
        github_request(Some(request_url), Some(request_token.expose()))?;
    let url = oidc_url(&request_url, audience)?;
    let response = transport
        .send(Request::get(url, request_token.clone(), Retry::TRANSIENT))
        .await
        .map_err(|e| FederatedError::OidcNetwork(e.to_string()))?;
    if !(200..300).contains(&response.status) {
        let redactor = Redactor::default();
        redactor.add(&request_token);
        let body = redactor.clean(response.body.trim());
        let mut detail: String = body.chars().take(DETAIL_CHARS).collect();
        if detail.len() < body.len() {
            detail.push('…');
        }
        if detail.is_empty() {
            detail = "(empty body)".to_owned();
        }
        return Err(FederatedError::OidcRefused {
            status: response.status,
            detail,
        });
    }
    let value = serde_json::from_str::<Value>(response.body.trim())
        .ok()
        .and_then(|v| v.get("value").and_then(Value::as_str).map(str::to_owned))
        .filter(|v| !v.trim().is_empty())
        .ok_or(FederatedError::OidcNoValue)?;
    from_text(&value, "the GitHub Actions OIDC token")
}

fn timestamp(epoch: i64) -> String {
    Utc.timestamp_opt(epoch, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| epoch.to_string())
}

impl Assertion {
    /// Evidence lines: `source`, `iss`, `sub`, `aud`, `expires` (absolute, and relative to `now`,
    /// seconds since the epoch). Entra compares issuer and subject exactly, so values are shown
    /// as they are, quoted.
    pub fn describe(&self, now: i64) -> Vec<(String, String)> {
        let quoted = |v: &Option<String>| match v {
            Some(v) => format!("{v:?}"),
            None => "(absent)".to_owned(),
        };
        let audiences = if self.audiences.is_empty() {
            "(absent)".to_owned()
        } else {
            self.audiences
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let expires = match self.expires {
            Some(exp) => format!("{} ({})", timestamp(exp), crate::words::relative(exp - now)),
            None => "(no exp claim)".to_owned(),
        };
        vec![
            ("source".to_owned(), self.source.clone()),
            ("iss".to_owned(), quoted(&self.issuer)),
            ("sub".to_owned(), quoted(&self.subject)),
            ("aud".to_owned(), audiences),
            ("expires".to_owned(), expires),
        ]
    }

    /// `expired` when `now` is at or past `exp`, `valid` before it, `unknown` without `exp`.
    pub fn expiry_state(&self, now: i64) -> &'static str {
        match self.expires {
            Some(exp) if now >= exp => "expired",
            Some(_) => "valid",
            None => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {

    use serde_json::json;
    use wiremock::matchers::{bearer_token, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const NOW: i64 = 1_800_000_000;
    const SUBJECT: &str = "repo:contoso/reports:environment:Production";
    const REQUEST_TOKEN: &str = "request-token-value-1234";

    fn github_jwt(exp: i64) -> String {
        crate::jwt::encode_unsigned(
            &json!({"typ": "JWT", "alg": "RS256", "kid": "k"}),
            &json!({
                "iss": GITHUB_ISSUER,
                "sub": SUBJECT,
                "aud": DEFAULT_AUDIENCE,
                "exp": exp,
                "iat": exp - 300,
            }),
            "c2lnbmF0dXJlLWJ5dGVz",
        )
    }

    fn transport() -> Transport {
        Transport::for_tests(&Url::parse("http://127.0.0.1:1").unwrap())
    }

    #[test]
    fn reads_the_claims_entra_matches() {
        let jwt = github_jwt(NOW + 240);
        let assertion = from_text(&format!("  {jwt}\n"), "token.txt").unwrap();
        assert_eq!(assertion.jwt.expose(), jwt);
        assert_eq!(assertion.issuer.as_deref(), Some(GITHUB_ISSUER));
        assert_eq!(assertion.subject.as_deref(), Some(SUBJECT));
        assert_eq!(assertion.audiences, vec![DEFAULT_AUDIENCE]);
        assert_eq!(assertion.expires, Some(NOW + 240));
        assert_eq!(assertion.source, "token.txt");
        let debug = format!("{assertion:?}");
        assert!(
            !debug.contains(&jwt) && debug.contains("[redacted]"),
            "{debug}"
        );

        let lines = assertion.describe(NOW);
        let get = |k: &str| lines.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("iss"), format!("\"{GITHUB_ISSUER}\""));
        assert_eq!(get("sub"), format!("\"{SUBJECT}\""));
        assert_eq!(get("aud"), format!("\"{DEFAULT_AUDIENCE}\""));
        assert_eq!(get("expires"), "2027-01-15 08:04:00Z (in 4 minutes)");
        assert_eq!(get("source"), "token.txt");
        for (_, value) in &lines {
            assert!(!value.contains("c2lnbmF0dXJl"), "{value}");
        }
    }

    #[test]
    fn expiry_states() {
        let assertion = from_text(&github_jwt(NOW), "t").unwrap();
        assert_eq!(assertion.expiry_state(NOW - 1), "valid");
        assert_eq!(assertion.expiry_state(NOW), "expired");
        assert_eq!(assertion.expiry_state(NOW + 600), "expired");
        let lines = assertion.describe(NOW + 600);
        assert!(
            lines
                .iter()
                .any(|(k, v)| k == "expires" && v.ends_with("(10 minutes ago)"))
        );
        let no_exp = from_text(
            &crate::jwt::encode_unsigned(&json!({"alg": "RS256"}), &json!({"sub": "x"}), "c2ln"),
            "t",
        )
        .unwrap();
        assert_eq!(no_exp.expiry_state(NOW), "unknown");
        assert!(
            no_exp
                .describe(NOW)
                .contains(&("iss".to_owned(), "(absent)".to_owned()))
        );
    }

    #[test]
    fn what_is_not_a_jwt() {
        let err = from_text("my-client-secret~value", "FAB_SPN_FEDERATED_TOKEN").unwrap_err();
        assert_eq!(
            err,
            FederatedError::NotAJwt {
                origin: "FAB_SPN_FEDERATED_TOKEN".to_owned(),
                reason: crate::jwt::DecodeError::NotJwt.describe().to_owned(),
            }
        );
        assert!(!err.to_string().contains("my-client-secret"), "{err}");
        assert_eq!(err.signal(), "not-a-jwt");
        let jwt = github_jwt(NOW);
        let err = from_text(&jwt[..jwt.len() / 2], "t").unwrap_err();
        assert!(matches!(err, FederatedError::NotAJwt { .. }), "{err}");
        assert!(matches!(
            from_text(" \n", "t").unwrap_err(),
            FederatedError::Empty { .. }
        ));
    }

    #[test]
    fn token_files() {
        let dir = std::env::temp_dir().join(format!("pbi-doctor-fic-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("azure-identity-token");
        std::fs::write(&file, github_jwt(NOW)).unwrap();
        let assertion = read_file(&file).unwrap();
        assert_eq!(assertion.subject.as_deref(), Some(SUBJECT));
        assert_eq!(assertion.source, file.display().to_string());

        std::fs::write(&file, "").unwrap();
        let err = read_file(&file).unwrap_err();
        assert!(matches!(err, FederatedError::Empty { .. }), "{err}");
        assert_eq!(err.signal(), "empty");

        let missing = dir.join("absent");
        let err = read_file(&missing).unwrap_err();
        assert!(
            matches!(&err, FederatedError::Unreadable { path, .. } if path.ends_with("absent"))
        );
        assert!(err.to_string().contains(TOKEN_FILE_VAR), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_request_needs_both_variables() {
        assert_eq!(
            github_request(None, Some("t")).unwrap_err(),
            FederatedError::MissingPermission
        );
        assert_eq!(
            github_request(Some("https://x"), Some(" ")).unwrap_err(),
            FederatedError::MissingPermission
        );
        let (url, token) = github_request(Some("https://x/?a=1"), Some("tok")).unwrap();
        assert_eq!((url.as_str(), token.expose()), ("https://x/?a=1", "tok"));
        assert!(
            FederatedError::MissingPermission
                .to_string()
                .contains("permissions: id-token: write")
        );
    }

    #[test]
    fn the_audience_is_appended_once() {
        let with_query = oidc_url(
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
            DEFAULT_AUDIENCE,
        )
        .unwrap();
        assert_eq!(
            with_query.as_str(),
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange"
        );
        let without = oidc_url("https://x.example/idtoken", "aud 1").unwrap();
        assert_eq!(without.as_str(), "https://x.example/idtoken?audience=aud+1");
        let replaced = oidc_url("https://x.example/t?audience=old&b=2", "new").unwrap();
        assert_eq!(replaced.as_str(), "https://x.example/t?b=2&audience=new");
        assert!(matches!(
            oidc_url("not a url", "a").unwrap_err(),
            FederatedError::BadRequestUrl(_)
        ));
    }

    #[tokio::test]
    async fn fetches_the_github_token_as_terraform_does() {
        let server = MockServer::start().await;
        let jwt = github_jwt(NOW);
        Mock::given(method("GET"))
            .and(path("/_apis/distributedtask/idtoken"))
            .and(query_param("api-version", "2.0"))
            .and(query_param("audience", DEFAULT_AUDIENCE))
            .and(bearer_token(REQUEST_TOKEN))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": jwt})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let url = format!(
            "{}/_apis/distributedtask/idtoken?api-version=2.0",
            server.uri()
        );
        let assertion = github_oidc(
            &transport(),
            &url,
            &Secret::new(REQUEST_TOKEN),
            DEFAULT_AUDIENCE,
        )
        .await
        .unwrap();
        assert_eq!(assertion.jwt.expose(), jwt);
        assert_eq!(assertion.issuer.as_deref(), Some(GITHUB_ISSUER));
        assert_eq!(assertion.subject.as_deref(), Some(SUBJECT));
    }

    #[tokio::test]
    async fn refusals_and_empty_answers() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/forbidden"))
            .respond_with(ResponseTemplate::new(403).set_body_string(format!(
                "{{\"message\":\"Resource not accessible by integration\",\"echo\":\"{REQUEST_TOKEN}\"}}"
            )))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/broken"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/novalue"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 0})))
            .mount(&server)
            .await;
        let token = Secret::new(REQUEST_TOKEN);
        let transport = transport();

        let err = github_oidc(
            &transport,
            &format!("{}/forbidden", server.uri()),
            &token,
            DEFAULT_AUDIENCE,
        )
        .await
        .unwrap_err();
        let FederatedError::OidcRefused { status, detail } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*status, 403);
        assert!(
            detail.contains("Resource not accessible by integration"),
            "{detail}"
        );
        assert!(!err.to_string().contains(REQUEST_TOKEN), "{err}");
        assert_eq!(err.signal(), "oidc-refused");

        let err = github_oidc(
            &transport,
            &format!("{}/broken", server.uri()),
            &token,
            DEFAULT_AUDIENCE,
        )
        .await
        .unwrap_err();
        assert_eq!(
            err,
            FederatedError::OidcRefused {
                status: 500,
                detail: "(empty body)".to_owned()
            }
        );

        let err = github_oidc(
            &transport,
            &format!("{}/novalue", server.uri()),
            &token,
            DEFAULT_AUDIENCE,
        )
        .await
        .unwrap_err();
        assert_eq!(err, FederatedError::OidcNoValue);

        let err = github_oidc(&transport, "", &token, DEFAULT_AUDIENCE)
            .await
            .unwrap_err();
        assert_eq!(err, FederatedError::MissingPermission);

        let err = github_oidc(
            &transport,
            "http://127.0.0.1:1/idtoken",
            &token,
            DEFAULT_AUDIENCE,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, FederatedError::OidcNetwork(_)), "{err}");
    }
}

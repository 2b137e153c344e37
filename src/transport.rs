//! Where requests go: the real endpoints (optionally recording), or a recorded session. Every
//! request passes one guard: POST only to the token endpoint of the authority, GET for everything
//! else, so the probes can never change anything in a tenant.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use url::Url;

mod warm;

use crate::secret::{REDACTED, Redactor, Secret};
use crate::session::{Exchange, NetworkFailure, NetworkKind, RecordedRequest, RecordedResponse};

/// HTTP methods the doctor uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads, for every probe.
    Get,
    /// Token requests only.
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// A form field value: plain, or secret (sent, never recorded).
#[derive(Clone, Debug)]
pub enum FormValue {
    /// Recorded as is.
    Plain(String),
    /// Recorded as `[redacted]`.
    Secret(Secret),
}

/// The most of a body that is read: enough for any Power BI or Entra answer (a page of
/// workspaces is a few KiB), small enough that an endless or huge body cannot exhaust memory.
pub const BODY_CAP: usize = 4 * 1024 * 1024;

/// The run's overall deadline: no request, retry or wait goes past it.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    seconds: u64,
}

impl Deadline {
    /// A deadline `seconds` from now (capped at a day, so no number overflows the clock).
    pub fn after(seconds: u64) -> Self {
        let seconds = seconds.min(86_400);
        let now = Instant::now();
        Self {
            at: now.checked_add(Duration::from_secs(seconds)).unwrap_or(now),
            seconds,
        }
    }

    /// When it passes.
    pub fn at(&self) -> Instant {
        self.at
    }

    /// The run's length it allows, as given.
    pub fn seconds(&self) -> u64 {
        self.seconds
    }

    /// The time left (zero once passed).
    pub fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The words of a finding the deadline cut short.
    pub fn words(&self) -> String {
        format!(
            "not judged: the run's deadline ({}) passed; give more time with --deadline SECONDS",
            crate::words::duration(self.seconds)
        )
    }
}

/// How often a request may be retried after a transient failure (connect error, timeout, 5xx).
/// A 429 is never retried.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Attempts in all, at least 1.
    pub attempts: u32,
}

impl Retry {
    /// Exactly one attempt (the admin probe: its quota is 50 an hour per tenant).
    pub const ONCE: Retry = Retry { attempts: 1 };
    /// The default for idempotent requests.
    pub const TRANSIENT: Retry = Retry { attempts: 3 };
}

/// A request to send.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The full URL.
    pub url: Url,
    /// Form fields (token requests).
    pub form: Vec<(&'static str, FormValue)>,
    /// The bearer token for API calls.
    pub bearer: Option<Secret>,
    /// Retry policy.
    pub retry: Retry,
}

impl Request {
    /// A GET with a bearer token.
    pub fn get(url: Url, bearer: Secret, retry: Retry) -> Self {
        Self {
            method: Method::Get,
            url,
            form: Vec::new(),
            bearer: Some(bearer),
            retry,
        }
    }
}

/// An HTTP answer. The body is as received (the token response holds the token); whoever keeps
/// any of it as evidence redacts it first.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
    /// How many attempts it took.
    pub attempts: u32,
    /// The body is not the whole answer: cut at [`BODY_CAP`], or the connection stopped before
    /// its end ([`Response::body_error`] says why).
    pub truncated: bool,
    /// Why reading the body stopped before its end (redacted), if it did.
    pub body_error: Option<String>,
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A whole answer as received (replays, tests).
    pub fn new(status: u16, headers: Vec<(String, String)>, body: String) -> Self {
        Self {
            status,
            headers,
            body,
            attempts: 1,
            truncated: false,
            body_error: None,
        }
    }

    /// Why the body is not the whole answer, in words for evidence; `None` when it is whole.
    pub fn incomplete(&self) -> Option<String> {
        match (&self.body_error, self.truncated) {
            (Some(error), _) => Some(format!(
                "the body stopped after {} bytes: {error}",
                self.body.len()
            )),
            (None, true) => Some(format!(
                "the body was cut at {} MiB, the most pbi-doctor reads",
                BODY_CAP / (1024 * 1024)
            )),
            (None, false) => None,
        }
    }
}

/// Why a request got no HTTP answer.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Failure {
    /// The network failed.
    #[error("{message}")]
    Network {
        /// What kind of failure.
        kind: NetworkKind,
        /// The error, redacted.
        message: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A replayed session has no answer for this request.
    #[error("the session has no recorded answer for {method} {url}")]
    NotRecorded {
        /// The method.
        method: &'static str,
        /// The URL.
        url: String,
    },
    /// The run's deadline (`--deadline`) passed before an answer came.
    #[error(
        "not judged: the run's deadline ({}) passed; give more time with --deadline SECONDS",
        crate::words::duration(*.seconds)
    )]
    Deadline {
        /// The deadline, in seconds from the start of the run.
        seconds: u64,
    },
    /// The guard refused to send it (a bug if it ever happens).
    #[error("refused to send {0}: only GET requests, and POST to the token endpoint, are allowed")]
    Refused(String),
}

/// The live client: one reqwest client with timeouts, optionally recording.
pub struct Live {
    client: reqwest::Client,
    warm: warm::Warm,
    discovery_cache: Option<(std::path::PathBuf, i64)>,
    token_origin: String,
    recorder: Option<Mutex<Vec<Exchange>>>,
    redactor: Redactor,
    timeout: Duration,
    deadline: Option<Deadline>,
    progress: crate::progress::Progress,
}

/// Answers from a recorded session.
pub struct Replay {
    exchanges: Mutex<Vec<(Exchange, bool)>>,
    token_origin: String,
}

/// Where requests go.
pub enum Transport {
    /// The real endpoints.
    Live(Live),
    /// A recorded session.
    Replay(Replay),
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_owned(),
    }
}

/// Whether a URL is a token endpoint (`…/oauth2/v2.0/token`) on the authority's origin.
fn is_token_endpoint(url: &Url, token_origin: &str) -> bool {
    let path = url.path();
    origin(url) == token_origin
        && (path.ends_with("/oauth2/v2.0/token") || path.ends_with("/oauth2/v2.0/devicecode"))
}

fn guard(request: &Request, token_origin: &str) -> Result<(), Failure> {
    match request.method {
        Method::Get => Ok(()),
        Method::Post if is_token_endpoint(&request.url, token_origin) => Ok(()),
        Method::Post => Err(Failure::Refused(format!("POST {}", request.url))),
    }
}

fn recorded_request(request: &Request, redactor: &Redactor) -> RecordedRequest {
    RecordedRequest {
        method: request.method.as_str().to_owned(),
        url: redactor.clean(request.url.as_str()),
        form: request
            .form
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    FormValue::Plain(s) => redactor.clean(s),
                    FormValue::Secret(_) => REDACTED.to_owned(),
                };
                ((*k).to_owned(), value)
            })
            .collect(),
    }
}

fn classify(error: &reqwest::Error) -> NetworkKind {
    let mut chain = error.to_string().to_ascii_lowercase();
    let mut source = std::error::Error::source(error);
    // rustls reports a peer that does not speak TLS (a plain-HTTP port) as an I/O error of kind
    // InvalidData ("received corrupt message"); a refused connection is ConnectionRefused.
    let mut invalid_data = false;
    while let Some(inner) = source {
        chain.push(' ');
        chain.push_str(&inner.to_string().to_ascii_lowercase());
        invalid_data |= inner
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::InvalidData);
        source = inner.source();
    }
    if error.is_timeout() || chain.contains("timed out") {
        NetworkKind::Timeout
    } else if chain.contains("dns")
        || chain.contains("lookup")
        || chain.contains("name or service not known")
    {
        NetworkKind::Dns
    } else if chain.contains("certificate")
        || chain.contains("tls")
        || chain.contains("handshake")
        || chain.contains("corrupt message")
        || chain.contains("invalidcontenttype")
        || (invalid_data && error.is_connect())
    {
        NetworkKind::Tls
    } else if error.is_connect() || chain.contains("connect") || chain.contains("reset") {
        NetworkKind::Connect
    } else {
        NetworkKind::Other
    }
}

fn describe(error: &reqwest::Error, redactor: &Redactor) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    redactor.clean(&text)
}

/// Reads a body up to [`BODY_CAP`], chunk by chunk so an endless body costs no more memory than
/// the cap. Returns the bytes, whether they are cut short, and why reading stopped early.
async fn read_body(
    mut response: reqwest::Response,
    redactor: &Redactor,
) -> (Vec<u8>, bool, Option<String>) {
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = BODY_CAP - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    return (bytes, true, None);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return (bytes, false, None),
            Err(e) => {
                let words = format!("{} ({})", stop_words(classify(&e)), innermost(&e, redactor));
                return (bytes, true, Some(words));
            }
        }
    }
}

/// A few words for a body read that stopped.
fn stop_words(kind: NetworkKind) -> &'static str {
    match kind {
        NetworkKind::Timeout => "no more data came in time",
        _ => "the connection ended early",
    }
}

/// The innermost cause of an error (the outer layers only say "error decoding response body").
fn innermost(error: &reqwest::Error, redactor: &Redactor) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(inner) = last.source() {
        last = inner;
    }
    redactor.clean(&last.to_string())
}

/// The trust store when both `SSL_CERT_FILE` and `SSL_CERT_DIR` are set (Linux and other
/// non-Apple Unix): the file's certificates only. rustls-native-certs would read both, every
/// file of the directory (146 here, ~3.4 ms a run) although OpenSSL only looks one up when it
/// needs it; a file named explicitly is taken to be the trust the user chose. `None` (the
/// platform's own loading, as before) when either is unset, or the file gives no usable
/// certificate — whose error the platform verifier then reports as it always did.
fn cert_file_roots() -> Option<Vec<reqwest::Certificate>> {
    if !cfg!(all(
        unix,
        not(target_vendor = "apple"),
        not(target_os = "android")
    )) || std::env::var_os("SSL_CERT_DIR").is_none()
    {
        return None;
    }
    use rustls_pki_types::pem::PemObject as _;
    let pem = std::fs::read(std::env::var_os("SSL_CERT_FILE")?).ok()?;
    let roots: Vec<reqwest::Certificate> = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        // Only what rustls accepts as a root: one it refuses would fail the client's build.
        .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
        .filter_map(|der| reqwest::Certificate::from_der(&der).ok())
        .collect();
    (!roots.is_empty()).then_some(roots)
}

/// Delay before retry number `attempt` (1-based): 0.5 s, 1 s, 2 s …
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500 * 2u64.pow(attempt.saturating_sub(1).min(4)))
}

impl Live {
    /// Builds the live client. `timeout` bounds each request; redirects are not followed (a 307
    /// to another cluster would drop the Authorization header and hide what happened).
    pub fn new(
        timeout: Duration,
        token_origin: String,
        record: bool,
        redactor: Redactor,
    ) -> Result<Self, String> {
        // ring for TLS (see Cargo.toml): installed for the process before the client is built,
        // which is where reqwest picks its provider up. Err only if one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let warm = warm::Warm::default();
        let mut builder = reqwest::Client::builder();
        if let Some(roots) = cert_file_roots() {
            builder = builder.tls_certs_only(roots);
        }
        let client = builder
            .connector_layer(warm::WarmLayer(warm.clone()))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pbi-doctor/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            warm,
            discovery_cache: None,
            token_origin,
            recorder: record.then(|| Mutex::new(Vec::new())),
            redactor,
            timeout,
            deadline: None,
            progress: crate::progress::Progress::default(),
        })
    }

    /// Reads tenants' OpenID configurations through the cache file at `path` (see
    /// [`crate::cloud_discovery::cached`]); `now` judges its entries' age. Not for a
    /// recording run: its session must hold the discovery exchange that replay will ask for.
    pub fn with_discovery_cache(self, path: std::path::PathBuf, now: i64) -> Self {
        Self {
            discovery_cache: Some((path, now)),
            ..self
        }
    }

    /// Tells `progress` which host each request waits on, and until when.
    pub fn with_progress(self, progress: crate::progress::Progress) -> Self {
        Self { progress, ..self }
    }

    /// Bounds the whole run: each request's timeout shrinks to the time left, retries stop
    /// before it, and a request once it has passed is not sent.
    pub fn with_deadline(self, deadline: Deadline) -> Self {
        Self {
            deadline: Some(deadline),
            ..self
        }
    }

    async fn attempt(&self, request: &Request, timeout: Duration) -> Result<Response, Failure> {
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url.clone()),
            Method::Post => self.client.post(request.url.clone()),
        };
        builder = builder
            .timeout(timeout)
            .header("client-request-id", uuid::Uuid::new_v4().to_string());
        if let Some(bearer) = &request.bearer {
            builder = builder.bearer_auth(bearer.expose());
        }
        if !request.form.is_empty() {
            let fields: Vec<(&str, &str)> = request
                .form
                .iter()
                .map(|(k, v)| match v {
                    FormValue::Plain(s) => (*k, s.as_str()),
                    FormValue::Secret(s) => (*k, s.expose()),
                })
                .collect();
            builder = builder.form(&fields);
        }
        let response = builder.send().await.map_err(|e| Failure::Network {
            kind: classify(&e),
            message: describe(&e, &self.redactor),
            attempts: 1,
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let (bytes, truncated, body_error) = read_body(response, &self.redactor).await;
        Ok(Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            attempts: 1,
            truncated,
            body_error,
        })
    }

    async fn send(&self, request: &Request) -> Result<Response, Failure> {
        let mut attempt = 1;
        loop {
            let left = self.deadline.map(|d| d.left()).unwrap_or(Duration::MAX);
            if let Some(deadline) = self.deadline
                && left.is_zero()
            {
                return Err(Failure::Deadline {
                    seconds: deadline.seconds(),
                });
            }
            let timeout = self.timeout.min(left);
            let now = Instant::now();
            let waiting = self.progress.waiting(
                crate::progress::host_of(&request.url),
                now.checked_add(timeout).unwrap_or(now),
            );
            let result = self.attempt(request, timeout).await;
            drop(waiting);
            // A request cut short by the deadline was not judged; it did not time out on its own.
            if let (Some(deadline), Err(Failure::Network { kind, .. })) = (self.deadline, &result)
                && *kind == NetworkKind::Timeout
                && deadline.left().is_zero()
            {
                return Err(Failure::Deadline {
                    seconds: deadline.seconds(),
                });
            }
            let transient = match &result {
                Ok(r) => matches!(r.status, 500 | 502 | 503 | 504),
                Err(Failure::Network { kind, .. }) => {
                    matches!(kind, NetworkKind::Connect | NetworkKind::Timeout)
                }
                Err(_) => false,
            };
            let wait = backoff(attempt);
            // A retry that could not finish before the deadline is not tried: the answer in hand
            // says more than "the deadline passed". A host that let one attempt time out gets
            // another only if a whole attempt fits.
            let needed = match &result {
                Err(Failure::Network {
                    kind: NetworkKind::Timeout,
                    ..
                }) => wait.saturating_add(self.timeout),
                _ => wait,
            };
            let in_time = self.deadline.is_none_or(|d| needed < d.left());
            if !transient || !in_time || attempt >= request.retry.attempts.max(1) {
                return match result {
                    Ok(r) => Ok(Response {
                        attempts: attempt,
                        ..r
                    }),
                    Err(Failure::Network { kind, message, .. }) => Err(Failure::Network {
                        kind,
                        message,
                        attempts: attempt,
                    }),
                    Err(other) => Err(other),
                };
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn record(&self, request: &Request, result: &Result<Response, Failure>) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let exchange = Exchange {
            request: recorded_request(request, &self.redactor),
            response: result.as_ref().ok().map(|r| RecordedResponse {
                status: r.status,
                headers: r
                    .headers
                    .iter()
                    .map(|(n, v)| (n.clone(), self.redactor.clean(v)))
                    .collect(),
                body: redact_token_response(&self.redactor.clean(&r.body)),
            }),
            error: match result {
                Err(Failure::Network { kind, message, .. }) => Some(NetworkFailure {
                    kind: *kind,
                    message: message.clone(),
                }),
                _ => None,
            },
        };
        recorder
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(exchange);
    }
}

impl Live {
    /// Teaches the redactor every token an answer carries (opaque ones have no JWT shape to find).
    fn learn_tokens(&self, response: &Response) {
        // Lexical, not a JSON parse: a body cut at the cap still names its tokens.
        self.redactor.add_tokens_in(&response.body);
    }
}

/// Replaces the values of `refresh_token` and other opaque secrets in a token response. JWT
/// signatures are already gone; opaque refresh tokens are not JWTs and need this.
fn redact_token_response(body: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_owned();
    };
    let mut out = body.to_owned();
    for field in ["refresh_token", "device_code", "client_secret"] {
        if let Some(value) = map
            .get(field)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
        {
            out = out.replace(value, REDACTED);
        }
    }
    out
}

impl Replay {
    /// Serves the exchanges of a session.
    pub fn new(exchanges: Vec<Exchange>, token_origin: String) -> Self {
        Self {
            exchanges: Mutex::new(exchanges.into_iter().map(|e| (e, false)).collect()),
            token_origin,
        }
    }

    fn send(&self, request: &Request) -> Result<Response, Failure> {
        let wanted = path_and_query(&request.url);
        let mut exchanges = self.exchanges.lock().unwrap_or_else(|p| p.into_inner());
        let found = exchanges.iter_mut().find(|(e, used)| {
            !*used
                && e.request.method == request.method.as_str()
                && Url::parse(&e.request.url)
                    .map(|u| path_and_query(&u) == wanted)
                    .unwrap_or(false)
        });
        let Some((exchange, used)) = found else {
            return Err(Failure::NotRecorded {
                method: request.method.as_str(),
                url: request.url.to_string(),
            });
        };
        *used = true;
        match (&exchange.response, &exchange.error) {
            (Some(r), _) => Ok(Response::new(r.status, r.headers.clone(), r.body.clone())),
            (None, Some(e)) => Err(Failure::Network {
                kind: e.kind,
                message: e.message.clone(),
                attempts: 1,
            }),
            (None, None) => Err(Failure::Network {
                kind: NetworkKind::Other,
                message: "no answer recorded".to_owned(),
                attempts: 1,
            }),
        }
    }
}

impl Transport {
    /// For unit tests: a recording live client whose token origin is `authority`'s, and a
    /// loopback address where nothing listens (connections are refused).
    #[cfg(test)]
    pub(crate) fn for_tests(authority: &Url) -> Transport {
        let live = Live::new(
            Duration::from_secs(5),
            origin(authority),
            true,
            Redactor::default(),
        );
        Transport::Live(live.expect("a client for tests"))
    }

    /// For unit tests: a loopback URL where nothing listens.
    #[cfg(test)]
    pub(crate) fn closed_port_url() -> Url {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        Url::parse(&format!("http://127.0.0.1:{port}")).expect("a loopback URL")
    }

    /// The discovery cache and the instant its entries are judged at, if the run has one.
    pub fn discovery_cache(&self) -> Option<(&std::path::Path, i64)> {
        match self {
            Self::Live(live) => live
                .discovery_cache
                .as_ref()
                .map(|(path, now)| (path.as_path(), *now)),
            Self::Replay(_) => None,
        }
    }

    /// The run's deadline, if it has one (live runs).
    pub fn deadline(&self) -> Option<Deadline> {
        match self {
            Self::Live(live) => live.deadline,
            Self::Replay(_) => None,
        }
    }

    /// The time left before the run's deadline (unbounded without one).
    pub fn time_left(&self) -> Duration {
        self.deadline().map_or(Duration::MAX, |d| d.left())
    }

    /// Opens connections ahead of their first request, without sending any: `connections` to
    /// each origin given (`scheme://host:port`), for the requests that will go there at once.
    /// An origin already connected to is left alone (the pool has its connection). Must be
    /// called within the runtime; nothing on replay. Returns how many were started.
    pub fn prewarm(&self, origins: &[(&Url, usize)]) -> usize {
        match self {
            Self::Live(live) => origins
                .iter()
                .map(|(origin, n)| live.warm.open(&live.client, origin, *n))
                .sum(),
            Self::Replay(_) => 0,
        }
    }

    /// Sends a request through the guard.
    pub async fn send(&self, request: Request) -> Result<Response, Failure> {
        match self {
            Self::Live(live) => {
                guard(&request, &live.token_origin)?;
                // Whatever is sent as a secret is never shown, whoever built the request.
                for (_, value) in &request.form {
                    if let FormValue::Secret(secret) = value {
                        live.redactor.add(secret);
                    }
                }
                if let Some(bearer) = &request.bearer {
                    live.redactor.add_token(bearer.expose());
                }
                let result = live.send(&request).await;
                if let Ok(response) = &result {
                    live.learn_tokens(response);
                }
                live.record(&request, &result);
                result
            }
            Self::Replay(replay) => {
                guard(&request, &replay.token_origin)?;
                replay.send(&request)
            }
        }
    }

    /// Whether a request may go out ahead of knowing it is the one needed: live runs only, and
    /// not while recording, whose session holds exactly the exchanges the chain used (replay
    /// asks for those, in their order).
    pub fn may_send_ahead(&self) -> bool {
        matches!(self, Self::Live(Live { recorder: None, .. }))
    }

    /// The exchanges recorded so far (live runs with recording on).
    pub fn recorded(&self) -> Vec<Exchange> {
        match self {
            Self::Live(Live {
                recorder: Some(r), ..
            }) => r.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_posts_pass_the_guard() {
        let origin = "https://login.microsoftonline.com";
        let post = |url: &str| Request {
            method: Method::Post,
            url: Url::parse(url).unwrap(),
            form: Vec::new(),
            bearer: None,
            retry: Retry::ONCE,
        };
        assert!(
            guard(
                &post("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"),
                origin
            )
            .is_ok()
        );
        assert!(guard(&post("https://api.powerbi.com/v1.0/myorg/groups"), origin).is_err());
        assert!(
            guard(
                &post("https://evil.example/contoso.com/oauth2/v2.0/token"),
                origin
            )
            .is_err()
        );
    }

    #[test]
    fn refresh_tokens_are_removed_from_recorded_bodies() {
        let body = r#"{"access_token":"eyJ.eyJ.REDACTED","refresh_token":"0.AXoA-opaque"}"#;
        assert_eq!(
            redact_token_response(body),
            r#"{"access_token":"eyJ.eyJ.REDACTED","refresh_token":"[redacted]"}"#
        );
    }

    fn get(url: &str, retry: Retry) -> Request {
        Request::get(Url::parse(url).unwrap(), Secret::new("t"), retry)
    }

    fn live(timeout: Duration) -> Live {
        Live::new(timeout, String::new(), false, Redactor::default()).unwrap()
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_cut_and_marked() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b' '; BODY_CAP + 10]))
            .mount(&server)
            .await;
        let response = live(Duration::from_secs(5))
            .send(&get(&server.uri(), Retry::ONCE))
            .await
            .unwrap();
        assert_eq!(response.body.len(), BODY_CAP);
        assert!(response.truncated && response.body_error.is_none());
        assert!(response.incomplete().unwrap().contains("cut at 4 MiB"));
        // A body of exactly the cap is whole.
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b' '; BODY_CAP]))
            .mount(&server)
            .await;
        let response = live(Duration::from_secs(5))
            .send(&get(&server.uri(), Retry::ONCE))
            .await
            .unwrap();
        assert!(!response.truncated && response.incomplete().is_none());
    }

    #[tokio::test]
    async fn nothing_is_sent_once_the_deadline_has_passed() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let live = live(Duration::from_secs(5)).with_deadline(Deadline::after(0));
        let failure = live
            .send(&get(&server.uri(), Retry::TRANSIENT))
            .await
            .unwrap_err();
        assert!(
            matches!(failure, Failure::Deadline { seconds: 0 }),
            "{failure}"
        );
        assert!(failure.to_string().contains("--deadline"), "{failure}");
    }

    #[tokio::test]
    async fn a_request_ends_at_the_deadline_not_at_its_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        // Accepts and never answers.
        let server = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                open.push(stream);
            }
        });
        let started = Instant::now();
        let live = live(Duration::from_secs(30)).with_deadline(Deadline::after(1));
        let failure = live.send(&get(&url, Retry::TRANSIENT)).await.unwrap_err();
        assert!(
            matches!(failure, Failure::Deadline { seconds: 1 }),
            "{failure}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        server.abort();
    }

    #[tokio::test]
    async fn tls_to_a_plain_http_port_is_a_tls_failure_tried_once() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let url = server.uri().replace("http://", "https://");
        let failure = live(Duration::from_secs(5))
            .send(&get(&url, Retry::TRANSIENT))
            .await
            .unwrap_err();
        let Failure::Network { kind, attempts, .. } = failure else {
            panic!("{failure}");
        };
        assert_eq!((kind, attempts), (NetworkKind::Tls, 1));
    }

    #[test]
    fn huge_deadlines_do_not_overflow_the_clock() {
        let deadline = Deadline::after(u64::MAX);
        assert_eq!(deadline.seconds(), 86_400);
        assert!(deadline.left() > Duration::from_secs(86_000));
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_millis(1000));
        assert_eq!(backoff(10), Duration::from_millis(8000));
    }
}

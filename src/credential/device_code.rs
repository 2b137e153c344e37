//! The device code flow (delegated and interactive), as the Entra device-code page describes it
//! (research facts §1.8; learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).
//!
//! [`start`] asks `POST {authority}/{tenant}/oauth2/v2.0/devicecode` (`client_id`, `scope`) for a
//! code; the user opens `verification_uri` and types `user_code`. [`poll`] then asks
//! `POST {authority}/{tenant}/oauth2/v2.0/token` with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code`, `client_id` and `device_code` every
//! `interval` seconds:
//!
//! - `authorization_pending` (AADSTS70016): wait the interval and ask again;
//! - `slow_down`: not in the Entra page, but RFC 8628 §3.5 defines it, so it is honoured: the
//!   interval grows by 5 seconds for this and every later wait;
//! - anything else ends the loop and is handed back as it came: the token (HTTP 200),
//!   `expired_token` (70019), `authorization_declined`, `bad_verification_code` (70018), or any
//!   other AADSTS error (for instance AADSTS7000218 when the app registration does not allow
//!   public client flows). The caller reads it like any token-endpoint answer.
//!
//! The loop also stops once `expires_in` has passed since the code was issued, returning the last
//! answer. The device code is a secret: it is held in a [`Secret`] and sent as
//! [`FormValue::Secret`], so recordings show `[redacted]` in its place.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::secret::Secret;
use crate::settings::endpoint;
use crate::transport::{Failure, FormValue, Method, Request, Response, Retry, Transport};

/// The `grant_type` of a device code token request (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How much a `slow_down` answer adds to the polling interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The interval used when the device code answer gives none (RFC 8628 §3.2).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// The shortest interval taken from a server answer; a 0 would poll without pause.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The longest wait between polls, whatever the server or `slow_down` asks: Entra asks for 5 s,
/// and a larger number from an answer or a session must not stall the run (or overflow a clock).
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// The longest a device code is waited for. Entra issues codes for 900 s (facts §1.8); an hour
/// leaves room for other servers while keeping a huge `expires_in` from overflowing the clock.
pub const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// A device code, as the devicecode endpoint issued it.
#[derive(Clone, Debug)]
pub struct DeviceCode {
    /// `device_code`: what the token requests carry. Secret: whoever holds it can redeem the
    /// sign-in.
    pub device_code: Secret,
    /// `user_code`: what the user types at [`DeviceCode::verification_uri`].
    pub user_code: String,
    /// `verification_uri` (v2), or `verification_url` (v1): where the user signs in.
    pub verification_uri: String,
    /// `expires_in`: how long the code is valid after it was issued, at most [`MAX_LIFETIME`].
    pub expires_in: Duration,
    /// `interval`: the wait between polls the server asks for, between one second and
    /// [`MAX_INTERVAL`].
    pub interval: Duration,
    /// `message`: the instructions to show the user, as the server wrote them, or built from
    /// [`DeviceCode::verification_uri`] and [`DeviceCode::user_code`] when it wrote none.
    pub message: String,
    /// When the answer was received; expiry counts from here.
    pub issued_at: Instant,
}

/// Why [`start`] produced no device code.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The endpoint gave no device code: an error answer, e.g. 400 AADSTS7000218 (the app
    /// registration does not allow public client flows) or AADSTS700016 (no such application in
    /// the tenant), returned untouched so it is read like any token-endpoint error; or, rarely, a
    /// 200 that is not a device code answer (a proxy's page), with any `device_code` value in it
    /// replaced by `[redacted]`.
    #[error("the device code endpoint gave no device code: HTTP {}", .0.status)]
    Refused(Response),
    /// No answer at all.
    #[error(transparent)]
    Failed(Failure),
}

/// How [`poll`] paces itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct PollTiming {
    /// Replaces the interval the server asked for; `slow_down` still adds its 5 seconds to it.
    /// For tests and replays only: production leaves it `None`, since polling faster than the
    /// server asks gets `slow_down` answers or worse.
    pub interval_override: Option<Duration>,
}

/// What [`poll`] reports while it waits, so the caller can draw a countdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Emitted before each wait: the user has not signed in yet.
    Waiting {
        /// Whole seconds until the device code expires.
        seconds_left: u64,
    },
}

/// The URL `{authority}/{tenant}/oauth2/v2.0/{leaf}`. The tenant is one path segment: a `/`, `?`
/// or `#` in it is percent-encoded instead of changing the URL's shape.
fn tenant_endpoint(authority: &Url, tenant: &str, leaf: &str) -> Url {
    let mut url = authority.clone();
    url.set_query(None);
    url.set_fragment(None);
    let shaped = url.path_segments_mut().map(|mut segments| {
        segments
            .pop_if_empty()
            .push(tenant.trim())
            .extend(["oauth2", "v2.0", leaf]);
    });
    match shaped {
        Ok(()) => url,
        Err(()) => endpoint(authority, &format!("/{}/oauth2/v2.0/{leaf}", tenant.trim())),
    }
}

/// A number given as a JSON number or a numeric string (v1 answers use strings).
fn seconds(map: &serde_json::Map<String, Value>, field: &str) -> Result<Option<u64>, String> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{field}` is not a whole number of seconds")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("`{field}` is not a whole number of seconds")),
        Some(_) => Err(format!("`{field}` is not a number")),
    }
}

fn text(map: &serde_json::Map<String, Value>, field: &str) -> Option<String> {
    map.get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads a devicecode answer body. Errors name the field, never its value.
fn parse_device_code(body: &str, issued_at: Instant) -> Result<DeviceCode, String> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) else {
        return Err("the body is not a JSON object".to_owned());
    };
    let missing = |field: &str| format!("`{field}` is missing");
    let device_code = text(&map, "device_code").ok_or_else(|| missing("device_code"))?;
    let user_code = text(&map, "user_code").ok_or_else(|| missing("user_code"))?;
    let verification_uri = text(&map, "verification_uri")
        .or_else(|| text(&map, "verification_url"))
        .ok_or_else(|| missing("verification_uri"))?;
    let expires_in = seconds(&map, "expires_in")?.ok_or_else(|| missing("expires_in"))?;
    let interval = seconds(&map, "interval")?
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_INTERVAL)
        .clamp(MIN_INTERVAL, MAX_INTERVAL);
    let message = text(&map, "message").unwrap_or_else(|| {
        format!(
            "To sign in, open {verification_uri} and enter the code {user_code} to authenticate."
        )
    });
    Ok(DeviceCode {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        expires_in: Duration::from_secs(expires_in).min(MAX_LIFETIME),
        interval,
        message,
        issued_at,
    })
}

/// The body with the value of a `device_code` field, if any, replaced by `[redacted]`.
fn without_device_code(body: &str) -> String {
    let value = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("device_code")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .filter(|v| !v.is_empty());
    match value {
        Some(value) => body.replace(&value, crate::secret::REDACTED),
        None => body.to_owned(),
    }
}

/// Asks for a device code: `POST {authority}/{tenant}/oauth2/v2.0/devicecode` with `client_id`
/// and `scope` (space-separated scopes, e.g.
/// `https://analysis.windows.net/powerbi/api/.default offline_access`). Sent once: a retried
/// request would issue a second code.
pub async fn start(
    transport: &Transport,
    authority: &Url,
    tenant: &str,
    client_id: &str,
    scope: &str,
) -> Result<DeviceCode, StartError> {
    let request = Request {
        method: Method::Post,
        url: tenant_endpoint(authority, tenant, "devicecode"),
        form: vec![
            ("client_id", FormValue::Plain(client_id.trim().to_owned())),
            ("scope", FormValue::Plain(scope.trim().to_owned())),
        ],
        bearer: None,
        retry: Retry::ONCE,
    };
    let response = transport.send(request).await.map_err(StartError::Failed)?;
    if response.status != 200 {
        return Err(StartError::Refused(response));
    }
    match parse_device_code(&response.body, Instant::now()) {
        Ok(code) => Ok(code),
        Err(_) => Err(StartError::Refused(Response {
            body: without_device_code(&response.body),
            ..response
        })),
    }
}

/// What one poll answer means for the loop.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Pending,
    SlowDown,
    Final,
}

fn answer(response: &Response) -> Answer {
    if response.status == 200 {
        return Answer::Final;
    }
    let error = serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    match error.as_deref() {
        Some("authorization_pending") => Answer::Pending,
        Some("slow_down") => Answer::SlowDown,
        _ => Answer::Final,
    }
}

/// Polls the token endpoint until the user has signed in, declined, or the code expired, and
/// returns the last answer: the token on 200, otherwise the error answer to diagnose.
///
/// Each poll is `POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type`
/// ([`GRANT_TYPE`]), `client_id` and `device_code` (sent as a secret), and is sent once
/// ([`Retry::ONCE`]). Before each wait, [`Progress::Waiting`] is reported. A request that gets no
/// answer ends the loop with its [`Failure`].
pub async fn poll(
    transport: &Transport,
    authority: &Url,
    tenant: &str,
    client_id: &str,
    code: &DeviceCode,
    timing: PollTiming,
    progress: &mut dyn FnMut(Progress),
) -> Result<Response, Failure> {
    let request = Request {
        method: Method::Post,
        url: tenant_endpoint(authority, tenant, "token"),
        form: vec![
            ("grant_type", FormValue::Plain(GRANT_TYPE.to_owned())),
            ("client_id", FormValue::Plain(client_id.trim().to_owned())),
            ("device_code", FormValue::Secret(code.device_code.clone())),
        ],
        bearer: None,
        retry: Retry::ONCE,
    };
    // The fields are capped when read, but a `DeviceCode` can be built by hand: checked here too,
    // so no answer can make the clock overflow.
    let expires_in = code.expires_in.min(MAX_LIFETIME);
    let deadline = code
        .issued_at
        .checked_add(expires_in)
        .unwrap_or(code.issued_at);
    let mut interval = timing
        .interval_override
        .unwrap_or_else(|| code.interval.clamp(MIN_INTERVAL, MAX_INTERVAL));
    loop {
        let response = transport.send(request.clone()).await?;
        match answer(&response) {
            Answer::Final => return Ok(response),
            Answer::Pending => {}
            Answer::SlowDown => {
                interval = interval.saturating_add(SLOW_DOWN_STEP).min(MAX_INTERVAL)
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(response);
        }
        let left = deadline.saturating_duration_since(now);
        progress(Progress::Waiting {
            seconds_left: left.as_secs(),
        });
        // The run's deadline bounds the wait too: the next poll then reports it.
        let wait = interval.min(left).min(transport.time_left());
        // A replay polls with no interval: a zero sleep would still cost a timer tick.
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use wiremock::matchers::{method, path};
    use wiremock::{Match, Mock, MockServer, Respond, ResponseTemplate};

    use super::*;

    const TENANT: &str = "contoso.onmicrosoft.com";
    const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
    const SCOPE: &str = "https://analysis.windows.net/powerbi/api/.default offline_access";
    const DEVICE_CODE: &str = "GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8";
    const FAST: PollTiming = PollTiming {
        interval_override: Some(Duration::from_millis(10)),
    };

    /// The devicecode answer of the Entra page, with its field names and types.
    fn device_code_body() -> serde_json::Value {
        serde_json::json!({
            "user_code": "FBCDG9ZX7",
            "device_code": DEVICE_CODE,
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 5,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FBCDG9ZX7 to authenticate."
        })
    }

    /// An Entra error answer in the layout of facts §3.1.
    fn entra_error(error: &str, code: u32, text: &str) -> ResponseTemplate {
        ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {text}\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z"
            ),
            "error_codes": [code],
            "timestamp": "2026-01-09 02:02:12Z",
            "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
            "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
        }))
    }

    fn pending() -> ResponseTemplate {
        entra_error(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    }

    fn token() -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer",
            "scope": "https://analysis.windows.net/powerbi/api/.default",
            "expires_in": 3599,
            "access_token": "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln",
            "refresh_token": "0.AXoA-opaque"
        }))
    }

    /// Answers the n-th call with the n-th template, and the last one from then on.
    struct Sequence {
        answers: Vec<ResponseTemplate>,
        calls: AtomicUsize,
    }

    impl Sequence {
        fn new(answers: Vec<ResponseTemplate>) -> Self {
            Self {
                answers,
                calls: AtomicUsize::new(0),
            }
        }
    }

    impl Respond for Sequence {
        fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            self.answers[n.min(self.answers.len() - 1)].clone()
        }
    }

    /// Matches a form body holding exactly these fields.
    struct Form(Vec<(&'static str, &'static str)>);

    impl Match for Form {
        fn matches(&self, request: &wiremock::Request) -> bool {
            let mut got: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect();
            let mut want: Vec<(String, String)> = self
                .0
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            got.sort();
            want.sort();
            got == want
        }
    }

    fn transport(server: &MockServer) -> (Transport, Url) {
        let authority = Url::parse(&server.uri()).unwrap();
        (Transport::for_tests(&authority), authority)
    }

    async fn mount_device_code(server: &MockServer) {
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
            .and(Form(vec![("client_id", CLIENT_ID), ("scope", SCOPE)]))
            .respond_with(ResponseTemplate::new(200).set_body_json(device_code_body()))
            .expect(1)
            .mount(server)
            .await;
    }

    async fn mount_token(server: &MockServer, answers: Vec<ResponseTemplate>) {
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
            .and(Form(vec![
                ("grant_type", GRANT_TYPE),
                ("client_id", CLIENT_ID),
                ("device_code", DEVICE_CODE),
            ]))
            .respond_with(Sequence::new(answers))
            .mount(server)
            .await;
    }

    async fn token_polls(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().ends_with("/oauth2/v2.0/token"))
            .count()
    }

    /// Runs the whole flow against the server; returns the last answer and the progress seen.
    async fn flow(server: &MockServer) -> (Result<Response, Failure>, Vec<Progress>) {
        let (transport, authority) = transport(server);
        let code = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap();
        let mut seen = Vec::new();
        let result = poll(
            &transport,
            &authority,
            TENANT,
            CLIENT_ID,
            &code,
            FAST,
            &mut |p| seen.push(p),
        )
        .await;
        (result, seen)
    }

    #[tokio::test]
    async fn the_device_code_answer_is_read_as_documented() {
        let server = MockServer::start().await;
        mount_device_code(&server).await;
        let (transport, authority) = transport(&server);
        let code = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap();
        assert_eq!(code.device_code.expose(), DEVICE_CODE);
        assert_eq!(code.user_code, "FBCDG9ZX7");
        assert_eq!(code.verification_uri, "https://microsoft.com/devicelogin");
        assert_eq!(code.expires_in, Duration::from_secs(900));
        assert_eq!(code.interval, Duration::from_secs(5));
        assert!(code.message.starts_with("To sign in, use a web browser"));
        // The device code stays out of Debug output.
        assert!(!format!("{code:?}").contains(DEVICE_CODE));
    }

    #[test]
    fn v1_answers_with_strings_and_verification_url_are_read_too() {
        let body = r#"{"user_code":"ABC","device_code":"dc-123456","verification_url":"https://microsoft.com/devicelogin","expires_in":"900","interval":"5"}"#;
        let code = parse_device_code(body, Instant::now()).unwrap();
        assert_eq!(code.verification_uri, "https://microsoft.com/devicelogin");
        assert_eq!(code.expires_in, Duration::from_secs(900));
        assert_eq!(code.interval, Duration::from_secs(5));
        // No message: one is built from the URI and the code.
        assert_eq!(
            code.message,
            "To sign in, open https://microsoft.com/devicelogin and enter the code ABC to authenticate."
        );
        // No interval: RFC 8628's default. Interval 0: at least a second.
        let body = r#"{"user_code":"A","device_code":"d","verification_uri":"u","expires_in":60}"#;
        assert_eq!(
            parse_device_code(body, Instant::now()).unwrap().interval,
            DEFAULT_INTERVAL
        );
        let body = r#"{"user_code":"A","device_code":"d","verification_uri":"u","expires_in":60,"interval":0}"#;
        assert_eq!(
            parse_device_code(body, Instant::now()).unwrap().interval,
            MIN_INTERVAL
        );
    }

    #[test]
    fn huge_numbers_from_a_server_or_a_session_are_capped() {
        for value in [
            "18446744073709551615",
            "\"18446744073709551615\"",
            "18446744073709551",
        ] {
            let body = format!(
                r#"{{"user_code":"A","device_code":"d","verification_uri":"u","expires_in":{value},"interval":{value}}}"#
            );
            let code = parse_device_code(&body, Instant::now()).unwrap();
            assert_eq!(code.expires_in, MAX_LIFETIME, "{value}");
            assert_eq!(code.interval, MAX_INTERVAL, "{value}");
        }
        // Larger than u64: not a whole number of seconds, refused without a panic.
        let body =
            r#"{"user_code":"A","device_code":"d","verification_uri":"u","expires_in":1e400}"#;
        assert!(parse_device_code(body, Instant::now()).is_err());
    }

    #[tokio::test]
    async fn a_hand_built_code_with_endless_numbers_polls_without_overflow() {
        let server = MockServer::start().await;
        mount_token(&server, vec![pending(), token()]).await;
        let (transport, authority) = transport(&server);
        let code = DeviceCode {
            device_code: Secret::new(DEVICE_CODE),
            user_code: "A".to_owned(),
            verification_uri: "u".to_owned(),
            expires_in: Duration::MAX,
            interval: Duration::MAX,
            message: String::new(),
            issued_at: Instant::now(),
        };
        let mut seen = Vec::new();
        let response = poll(
            &transport,
            &authority,
            TENANT,
            CLIENT_ID,
            &code,
            FAST,
            &mut |p| seen.push(p),
        )
        .await
        .unwrap();
        assert_eq!(response.status, 200);
        // The countdown starts from the capped lifetime, not from an overflowed clock.
        let Some(Progress::Waiting { seconds_left }) = seen.first().copied() else {
            panic!("no progress: {seen:?}");
        };
        assert!(seconds_left <= MAX_LIFETIME.as_secs(), "{seconds_left}");
    }

    #[test]
    fn unusable_answers_name_the_field_not_the_value() {
        let err = parse_device_code(
            r#"{"user_code":"A","device_code":"secret-dc-value","verification_uri":"u"}"#,
            Instant::now(),
        )
        .unwrap_err();
        assert!(err.contains("expires_in"), "{err}");
        let err = parse_device_code(
            r#"{"user_code":"A","device_code":"secret-dc-value","verification_uri":"u","expires_in":"soon"}"#,
            Instant::now(),
        )
        .unwrap_err();
        assert!(err.contains("expires_in") && !err.contains("soon"), "{err}");
        assert!(parse_device_code("<html>", Instant::now()).is_err());
        assert!(
            parse_device_code(r#"{"user_code":"A"}"#, Instant::now())
                .unwrap_err()
                .contains("device_code")
        );
    }

    #[tokio::test]
    async fn pending_twice_then_a_token() {
        let server = MockServer::start().await;
        mount_device_code(&server).await;
        mount_token(&server, vec![pending(), pending(), token()]).await;
        let (result, progress) = flow(&server).await;
        let response = result.unwrap();
        assert_eq!(response.status, 200);
        assert!(response.body.contains("access_token"));
        assert_eq!(token_polls(&server).await, 3);
        // A countdown before each of the two waits, from just under the 900 s the code lives.
        assert_eq!(progress.len(), 2, "{progress:?}");
        for Progress::Waiting { seconds_left } in &progress {
            assert!((890..=900).contains(seconds_left), "{progress:?}");
        }
    }

    #[tokio::test]
    async fn the_device_code_is_sent_but_never_recorded() {
        let server = MockServer::start().await;
        mount_device_code(&server).await;
        mount_token(&server, vec![token()]).await;
        let (transport, authority) = transport(&server);
        let code = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap();
        let response = poll(
            &transport,
            &authority,
            TENANT,
            CLIENT_ID,
            &code,
            FAST,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(response.status, 200);
        let recorded = serde_json::to_string(&transport.recorded()).unwrap();
        assert!(!recorded.contains(DEVICE_CODE), "{recorded}");
        assert!(recorded.contains("[redacted]"));
    }

    /// Runs the flow with a code that lives one second, polled every 10 ms; returns the number of
    /// polls.
    async fn polls_in_one_second(answers: Vec<ResponseTemplate>) -> usize {
        let server = MockServer::start().await;
        let mut body = device_code_body();
        body["expires_in"] = serde_json::json!(1);
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        mount_token(&server, answers).await;
        let (transport, authority) = transport(&server);
        let code = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap();
        let started = Instant::now();
        let response = poll(
            &transport,
            &authority,
            TENANT,
            CLIENT_ID,
            &code,
            FAST,
            &mut |_| {},
        )
        .await
        .unwrap();
        // The code ran out while the user had not signed in: the last answer comes back.
        assert_eq!(response.status, 400);
        assert!(started.elapsed() < Duration::from_secs(4));
        token_polls(&server).await
    }

    #[tokio::test]
    async fn slow_down_adds_five_seconds_to_the_interval() {
        let slow_down = ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "slow_down",
            "error_description": "Polling too fast."
        }));
        // Without slow_down, a second of 10 ms waits is dozens of polls. With it, the next wait
        // is 5 s longer than the code lives: one more poll, at expiry, and the loop ends.
        let pending_only = polls_in_one_second(vec![pending()]).await;
        assert!(pending_only >= 10, "{pending_only}");
        assert_eq!(polls_in_one_second(vec![slow_down, pending()]).await, 2);
    }

    #[tokio::test]
    async fn expired_declined_and_other_errors_end_the_loop() {
        for (answer, error) in [
            (
                entra_error("expired_token", 70019, "Verification code expired."),
                "expired_token",
            ),
            (
                ResponseTemplate::new(400).set_body_json(serde_json::json!({
                    "error": "authorization_declined",
                    "error_description": "The end user denied the authorization request."
                })),
                "authorization_declined",
            ),
            (
                entra_error(
                    "bad_verification_code",
                    70018,
                    "Invalid verification code entered.",
                ),
                "bad_verification_code",
            ),
            (
                entra_error(
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ),
                "invalid_client",
            ),
        ] {
            let server = MockServer::start().await;
            mount_device_code(&server).await;
            mount_token(&server, vec![pending(), answer]).await;
            let (result, progress) = flow(&server).await;
            let response = result.unwrap();
            assert_eq!(response.status, 400);
            assert!(response.body.contains(error), "{}", response.body);
            assert_eq!(token_polls(&server).await, 2, "{error}");
            assert_eq!(progress.len(), 1, "{error}");
        }
    }

    #[tokio::test]
    async fn the_loop_stops_when_the_code_expires() {
        let server = MockServer::start().await;
        let mut body = device_code_body();
        body["expires_in"] = serde_json::json!(1);
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        mount_token(&server, vec![pending()]).await;
        let started = Instant::now();
        let (transport, authority) = transport(&server);
        let code = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap();
        let timing = PollTiming {
            interval_override: Some(Duration::from_millis(100)),
        };
        let response = poll(
            &transport,
            &authority,
            TENANT,
            CLIENT_ID,
            &code,
            timing,
            &mut |_| {},
        )
        .await
        .unwrap();
        // The last answer comes back: still pending, the code has run out.
        assert!(response.body.contains("authorization_pending"));
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert!(started.elapsed() < Duration::from_secs(5));
        let polls = token_polls(&server).await;
        assert!((2..=15).contains(&polls), "{polls}");
    }

    #[tokio::test]
    async fn a_refused_device_code_request_is_returned_as_the_answer() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
            .respond_with(entra_error(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ))
            .expect(1)
            .mount(&server)
            .await;
        let (transport, authority) = transport(&server);
        let err = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap_err();
        let StartError::Refused(response) = &err else {
            panic!("{err}")
        };
        assert_eq!(response.status, 400);
        assert!(response.body.contains("AADSTS7000218"));
        assert!(err.to_string().contains("HTTP 400"));
    }

    #[tokio::test]
    async fn a_200_without_a_device_code_is_returned_without_the_code() {
        let server = MockServer::start().await;
        // A device code but no user code: unusable, and the code must not leak.
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/devicecode")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"device_code": DEVICE_CODE, "expires_in": 900}),
                ),
            )
            .mount(&server)
            .await;
        let (transport, authority) = transport(&server);
        let err = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap_err();
        let StartError::Refused(response) = &err else {
            panic!("{err}")
        };
        assert_eq!(response.status, 200);
        assert!(!response.body.contains(DEVICE_CODE), "{}", response.body);
        assert!(response.body.contains("[redacted]"));
    }

    #[tokio::test]
    async fn no_answer_is_a_failure() {
        let authority = Transport::closed_port_url();
        let transport = Transport::for_tests(&authority);
        let err = start(&transport, &authority, TENANT, CLIENT_ID, SCOPE)
            .await
            .unwrap_err();
        assert!(matches!(err, StartError::Failed(_)), "{err}");
    }

    #[test]
    fn endpoints_keep_the_tenant_in_one_segment() {
        let authority = Url::parse("https://login.microsoftonline.com").unwrap();
        assert_eq!(
            tenant_endpoint(&authority, TENANT, "devicecode").as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
        );
        let with_path = Url::parse("http://127.0.0.1:9/mock/").unwrap();
        assert_eq!(
            tenant_endpoint(&with_path, "organizations", "token").as_str(),
            "http://127.0.0.1:9/mock/organizations/oauth2/v2.0/token"
        );
        let odd = tenant_endpoint(&authority, "a/b?c#d", "token");
        assert!(odd.path().ends_with("/oauth2/v2.0/token"));
        assert_eq!(odd.query(), None);
        assert_eq!(odd.path_segments().unwrap().count(), 4);
    }
}

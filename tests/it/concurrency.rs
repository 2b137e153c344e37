//! How `check` uses the network, asserted as behaviour (counts and order of arrival, never time):
//! requests and new connections per scenario against two loopback servers (login host and API
//! host, as login.microsoftonline.com and api.powerbi.com are two hosts), and the concurrency of
//! the API probes against a server that holds every answer until all of them have arrived — were
//! the probes sent one after another, the first would wait for the others and the run would fail.
//!
//! wiremock counts requests but not connections, and its responders cannot wait for each other,
//! so these servers are a few lines of HTTP/1.1 over `std::net`, keep-alive included.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pbi_doctor::jwt::encode_unsigned;
use serde_json::{Value, json};

use crate::harness::{TEST_SECRET, binary};

const TENANT: &str = "72f988bf-0000-4000-8000-000000000001";
const CLIENT: &str = "00000000-0000-4000-8000-0000000000c1";

/// One loopback HTTP/1.1 server: every connection and request it saw.
struct Server {
    url: String,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    connections: Arc<AtomicUsize>,
    /// (connection number, method, path without query), in order of arrival.
    requests: Mutex<Vec<(usize, String, String)>>,
    /// Answers are held until this many requests have arrived (0: answer at once).
    hold_until: usize,
    arrived: Mutex<usize>,
    all_arrived: Condvar,
    /// Set when a held answer was let go because everything had arrived (not by the safety
    /// timeout that keeps a sequential client from hanging the test).
    released_by_all: AtomicBool,
    timed_out: AtomicBool,
    /// POSTs are answered once another server has accepted this many connections (or after a
    /// safety timeout); `gate_opened` says which came first.
    gate: Option<(Arc<AtomicUsize>, usize)>,
    gate_opened: AtomicBool,
    /// The first POST is answered only once a second POST has arrived (or after the safety
    /// timeout, which sets `timed_out`).
    hold_first_post: bool,
    posts: Mutex<usize>,
    post_arrived: Condvar,
}

impl State {
    fn connections_handle(self: Arc<Self>) -> Arc<AtomicUsize> {
        self.connections.clone()
    }
}

impl Server {
    fn start(hold_until: usize, answer: fn(&str, &str) -> (u16, String)) -> Self {
        Self::start_gated(hold_until, None, answer)
    }

    fn start_gated(
        hold_until: usize,
        gate: Option<(&Server, usize)>,
        answer: fn(&str, &str) -> (u16, String),
    ) -> Self {
        Self::start_with(hold_until, gate, false, answer)
    }

    fn start_with(
        hold_until: usize,
        gate: Option<(&Server, usize)>,
        hold_first_post: bool,
        answer: fn(&str, &str) -> (u16, String),
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            hold_until,
            gate: gate.map(|(other, n)| (other.state.clone().connections_handle(), n)),
            hold_first_post,
            ..State::default()
        });
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, n, &state, answer));
            }
        });
        Self { url, state }
    }

    fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        let requests = self.state.requests.lock().unwrap();
        requests
            .iter()
            .map(|(_, m, p)| format!("{m} {p}"))
            .collect()
    }
}

fn serve(
    stream: TcpStream,
    connection: usize,
    state: &State,
    answer: fn(&str, &str) -> (u16, String),
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut words = line.split_whitespace();
        let method = words.next().unwrap_or_default().to_owned();
        let target = words.next().unwrap_or_default().to_owned();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let path = target.split('?').next().unwrap_or_default().to_owned();
        state
            .requests
            .lock()
            .unwrap()
            .push((connection, method.clone(), path.clone()));
        if state.hold_until > 0 {
            let mut arrived = state.arrived.lock().unwrap();
            *arrived += 1;
            state.all_arrived.notify_all();
            let (arrived, wait) = state
                .all_arrived
                .wait_timeout_while(arrived, Duration::from_secs(20), |n| *n < state.hold_until)
                .unwrap();
            if wait.timed_out() {
                state.timed_out.store(true, Ordering::SeqCst);
            } else if *arrived >= state.hold_until {
                state.released_by_all.store(true, Ordering::SeqCst);
            }
        }
        if state.hold_first_post && method == "POST" {
            let mut posts = state.posts.lock().unwrap();
            *posts += 1;
            state.post_arrived.notify_all();
            if *posts == 1 {
                let (posts, wait) = state
                    .post_arrived
                    .wait_timeout_while(posts, Duration::from_secs(20), |n| *n < 2)
                    .unwrap();
                drop(posts);
                if wait.timed_out() {
                    state.timed_out.store(true, Ordering::SeqCst);
                }
            }
        }
        if let (Some((connections, n)), "POST") = (&state.gate, method.as_str()) {
            for _ in 0..2000 {
                if connections.load(Ordering::SeqCst) >= *n {
                    state.gate_opened.store(true, Ordering::SeqCst);
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let (status, text) = answer(&method, &path);
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn token() -> String {
    let now = chrono::Utc::now().timestamp();
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256", "kid": "k"}),
        &json!({
            "aud": "https://analysis.windows.net/powerbi/api",
            "iss": format!("https://sts.windows.net/{TENANT}/"),
            "iat": now - 60, "nbf": now - 60, "exp": now + 3500,
            "appid": CLIENT, "appidacr": "1", "idtyp": "app",
            "oid": "5b2e7c1d-0000-4000-8000-00000000a001", "tid": TENANT,
            "roles": ["Tenant.Read.All"], "ver": "1.0"
        }),
        "c2lnbmF0dXJlLW9mLXRoZS1sb29wYmFjay10ZXN0",
    )
}

/// The login host: the tenant's OpenID configuration (a public tenant in Europe) and the token
/// endpoint.
fn login(method: &str, path: &str) -> (u16, String) {
    with_lookup(method, path, || (200, configuration("EU", None)))
}

/// The login host with `lookup` answering the tenant's OpenID configuration.
fn with_lookup(method: &str, path: &str, lookup: impl FnOnce() -> (u16, String)) -> (u16, String) {
    match (method, path) {
        ("GET", p) if p.ends_with("/v2.0/.well-known/openid-configuration") => lookup(),
        ("POST", p) if p.ends_with("/oauth2/v2.0/token") => (
            200,
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token()})
                .to_string(),
        ),
        _ => (404, "{}".to_owned()),
    }
}

/// A public-cloud tenant's OpenID configuration with its region scope and sub scope.
fn configuration(region: &str, sub_scope: Option<&str>) -> String {
    let mut doc = json!({
        "issuer": format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
        "token_endpoint": format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"),
        "tenant_region_scope": region,
        "cloud_instance_name": "microsoftonline.com"
    });
    if let Some(sub_scope) = sub_scope {
        doc["tenant_region_sub_scope"] = json!(sub_scope);
    }
    doc.to_string()
}

const WORKSPACE: &str = "00000000-0000-4000-8000-0000000000a1";

/// The API host: the admin list, the caller's list (one workspace) and any workspace's datasets.
fn api(_method: &str, path: &str) -> (u16, String) {
    let list = json!({"value": [{"id": WORKSPACE, "name": "Sales", "type": "Workspace"}]});
    match path {
        "/v1.0/myorg/admin/groups" | "/v1.0/myorg/groups" => (200, list.to_string()),
        p if p.starts_with("/v1.0/myorg/groups/") && p.ends_with("/datasets") => {
            (200, json!({"value": []}).to_string())
        }
        _ => (404, "{}".to_owned()),
    }
}

fn workspace(i: usize) -> String {
    format!("00000000-0000-4000-8000-{:012x}", 0xa0 + i)
}

/// Runs `check` against the two servers, without the caches; returns the JSON report.
fn check(login: &Server, api: &Server, args: &[String]) -> Value {
    let home = crate::harness::tempdir();
    let mut args = args.to_vec();
    args.push("--no-cache".to_owned());
    let report = check_in(&home, login, api, &args);
    let _ = std::fs::remove_dir_all(&home);
    report
}

/// Runs `check` with `home` as its home folder (where its caches live).
fn check_in(home: &std::path::Path, login: &Server, api: &Server, args: &[String]) -> Value {
    let output = binary()
        .env("AZURE_CLIENT_SECRET", TEST_SECRET)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .args([
            "check",
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT,
            "--format",
            "json",
        ])
        .args(["--authority-host", &login.url, "--powerbi-api", &api.url])
        // The Power BI family, whose counts these tests pin; the Fabric list would otherwise
        // go to the real Fabric host.
        .args(["--api", "powerbi"])
        .args(if args.iter().any(|a| a == "--timeout") {
            &[][..]
        } else {
            &["--timeout", "5"][..]
        })
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn status(report: &Value, check: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == check)
        .map(|c| c["status"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

#[test]
fn the_default_check_sends_four_requests_its_lookup_and_token_request_at_once() {
    // The login host answers neither until two requests have arrived. Sent after the lookup's
    // answer, the token request would come only once the lookup had timed out and been asked
    // again: the two arrivals would be the lookup twice.
    let (login_host, api_host) = (Server::start(2, login), Server::start(0, api));
    let report = check(&login_host, &api_host, &[]);
    let mut asked = login_host.requests();
    asked.sort();
    assert!(
        asked.len() == 2 && asked[0] != asked[1],
        "the token request waited for the tenant lookup: {asked:?}"
    );
    assert!(login_host.state.released_by_all.load(Ordering::SeqCst));
    assert_eq!(status(&report, "workspace-api"), "pass", "{report:#}");
    assert_eq!(
        asked,
        [
            format!("GET /{TENANT}/v2.0/.well-known/openid-configuration"),
            format!("POST /{TENANT}/oauth2/v2.0/token"),
        ]
    );
    // One connection each (over HTTP/1.1; HTTP/2 would carry both on one).
    assert_eq!(login_host.connections(), 2);
    // The token check still reports what the lookup read.
    assert!(
        finding(&report, "token-acquisition")["evidence"]
            .to_string()
            .contains("microsoftonline.com, EU"),
        "{report:#}"
    );
    let mut probes = api_host.requests();
    probes.sort();
    // Exactly one admin-API request (its quota is 50 an hour per tenant), one list.
    assert_eq!(
        probes,
        ["GET /v1.0/myorg/admin/groups", "GET /v1.0/myorg/groups"]
    );
    // The two probes run at once: one connection each, no more.
    assert_eq!(api_host.connections(), 2);
}

/// A GCC tenant's configuration: public Entra ID, government Power BI.
fn login_gcc(method: &str, path: &str) -> (u16, String) {
    with_lookup(method, path, || (200, configuration("NA", Some("GCC"))))
}

/// A tenant the authority does not know: the lookup is refused (the token endpoint, asked
/// anyway, answers with a token, which must not count).
fn login_unknown_tenant(method: &str, path: &str) -> (u16, String) {
    with_lookup(method, path, || {
        (
            400,
            json!({
                "error": "invalid_tenant",
                "error_description": format!("AADSTS90002: Tenant '{TENANT}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-09 02:02:12Z"),
                "error_codes": [90002],
                "timestamp": "2026-01-09 02:02:12Z",
                "trace_id": "0000aaaa-11bb-cccc-dd22-eeeeee333333",
                "correlation_id": "aaaa0000-bb11-2222-33cc-444444dddddd",
                "error_uri": "https://login.microsoftonline.com/error?code=90002"
            })
            .to_string(),
        )
    })
}

/// An authority whose tenant lookup answers with a page that is not a configuration (a proxy's,
/// say): the cloud stays as given, and the token request counts.
fn login_unreadable_lookup(method: &str, path: &str) -> (u16, String) {
    with_lookup(method, path, || {
        let page = "<html><body>Sign in to continue</body></html>";
        (200, page.to_owned())
    })
}

/// The token check's finding, as a user reads it.
fn token_check(report: &Value) -> Value {
    finding(report, "token-acquisition").clone()
}

fn posts(requests: &[String]) -> usize {
    requests.iter().filter(|r| r.starts_with("POST")).count()
}

#[test]
fn a_token_asked_for_beside_the_lookup_counts_only_when_the_lookup_asks_for_that_same_request() {
    // For each tenant, the run that sends its token request beside the lookup reports what a
    // recording run (which asks one after the other) reports; only the requests differ. A token
    // request the lookup makes useless is dropped, and may be cancelled before it is sent.
    type Answer = fn(&str, &str) -> (u16, String);
    for (answer, ahead_posts, sequential_posts, case) in [
        (login as Answer, 1..=1, 1, "public"),
        (
            login_gcc,
            1..=2,
            1,
            "GCC: the public token dropped, the government one asked for",
        ),
        (
            login_unknown_tenant,
            0..=1,
            0,
            "unknown tenant: the token dropped unread",
        ),
        (
            login_unreadable_lookup,
            1..=1,
            1,
            "unreadable lookup: the token counts",
        ),
    ] {
        let (login_host, api_host) = (Server::start(0, answer), Server::start(0, api));
        let ahead = check(&login_host, &api_host, &[]);
        let sent = login_host.requests();
        let home = crate::harness::tempdir();
        let recording = home.join("session.json").display().to_string();
        let sequential = check(&login_host, &api_host, &["--record".to_owned(), recording]);
        let _ = std::fs::remove_dir_all(&home);
        assert_eq!(token_check(&ahead), token_check(&sequential), "{case}");
        for key in ["verdict", "causes", "exit_code"] {
            assert!(!ahead[key].is_null(), "{case}: no {key} in {ahead:#}");
            assert_eq!(ahead[key], sequential[key], "{case}: {key}");
        }
        assert!(ahead_posts.contains(&posts(&sent)), "{case}: {sent:?}");
        let asked = &login_host.requests()[sent.len()..];
        assert_eq!(posts(asked), sequential_posts, "{case}: {asked:?}");
    }
}

#[test]
fn a_token_request_the_cloud_found_does_not_want_is_not_waited_for() {
    // A GCC tenant. The lookup is answered once the public token request has arrived, and that
    // request only once another POST has (or after 20 s). Waited for, it would hold the run
    // until then; dropped, the government one goes out at once and lets it go.
    let api_host = Server::start(0, api);
    let login_host = Server::start_with(2, None, true, login_gcc);
    let report = check(
        &login_host,
        &api_host,
        &["--timeout".to_owned(), "60".to_owned()],
    );
    assert!(
        !login_host.state.timed_out.load(Ordering::SeqCst),
        "the run waited for the public token request after the lookup found GCC: {:?}",
        login_host.requests()
    );
    assert_eq!(
        posts(&login_host.requests()),
        2,
        "{:?}",
        login_host.requests()
    );
    assert!(
        token_check(&report)["evidence"]
            .to_string()
            .contains("https://analysis.usgovcloudapi.net/powerbi/api/.default"),
        "{report:#}"
    );
}

#[test]
fn a_tenant_named_by_a_sovereign_domain_is_looked_up_before_its_token_is_asked_for() {
    let (login_host, api_host) = (Server::start(0, login), Server::start(0, api));
    let output = binary()
        .env("AZURE_CLIENT_SECRET", TEST_SECRET)
        .env("HOME", crate::harness::tempdir())
        .args([
            "check",
            "--tenant",
            "contoso.onmicrosoft.us",
            "--client-id",
            CLIENT,
        ])
        .args([
            "--format",
            "json",
            "--no-cache",
            "--api",
            "powerbi",
            "--timeout",
            "5",
        ])
        .args([
            "--authority-host",
            &login_host.url,
            "--powerbi-api",
            &api_host.url,
        ])
        .output()
        .unwrap();
    assert!(!output.stdout.is_empty());
    // One after the other, on one connection: its secret is not sent before its cloud is known.
    assert_eq!(
        login_host.requests(),
        [
            "GET /contoso.onmicrosoft.us/v2.0/.well-known/openid-configuration",
            "POST /contoso.onmicrosoft.us/oauth2/v2.0/token",
        ]
    );
    assert_eq!(login_host.connections(), 1);
}

#[test]
fn a_given_cloud_skips_discovery_and_workspace_probes_reuse_the_pool() {
    let (login_host, api_host) = (Server::start(0, login), Server::start(0, api));
    let mut args: Vec<String> = vec!["--cloud".into(), "public".into()];
    for i in 1..=40 {
        args.extend(["--workspace".to_owned(), workspace(i)]);
    }
    let report = check(&login_host, &api_host, &args);
    assert_eq!(status(&report, "admin-api"), "pass", "{report:#}");
    // The caller's list names one of the 40, but each answers its own call: nothing is wrong.
    assert_eq!(report["verdict"], "healthy", "{report:#}");
    assert_eq!(
        login_host.requests(),
        [format!("POST /{TENANT}/oauth2/v2.0/token")]
    );
    assert_eq!(login_host.connections(), 1);
    let requests = api_host.requests();
    assert_eq!(requests.len(), 42, "{requests:?}");
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.ends_with("/admin/groups"))
            .count(),
        1
    );
    // 42 requests, a bounded number in flight: connections are reused, not one per request.
    let connections = api_host.connections();
    assert!(
        (2..42).contains(&connections),
        "{connections} connections for 42 requests"
    );
}

#[test]
fn the_admin_list_and_workspace_probes_are_all_in_flight_at_once() {
    // Admin + list + 25 workspaces (the bound): no answer until all 27 requests have arrived.
    let workspaces = 25;
    let login_host = Server::start(0, login);
    let api_host = Server::start(2 + workspaces, api);
    let mut args: Vec<String> = vec!["--cloud".into(), "public".into()];
    for i in 1..=workspaces {
        args.extend(["--workspace".to_owned(), workspace(i)]);
    }
    let report = check(&login_host, &api_host, &args);
    assert!(
        !api_host.state.timed_out.load(Ordering::SeqCst),
        "an answer waited for requests that never came: the probes are not concurrent; \
         arrived: {:?}",
        api_host.requests()
    );
    assert!(api_host.state.released_by_all.load(Ordering::SeqCst));
    assert_eq!(api_host.requests().len(), 2 + workspaces);
    assert_eq!(status(&report, "admin-api"), "pass", "{report:#}");
    assert_ne!(status(&report, "workspace-api"), "error", "{report:#}");
}

#[test]
fn the_api_connections_are_open_before_the_token_arrives_and_carry_no_extra_request() {
    // The token is answered only once the API host has accepted both probe connections: with
    // connections opened after the token (as before), the gate would wait out its 10 s.
    let api_host = Server::start(0, api);
    let login_host = Server::start_gated(0, Some((&api_host, 2)), login);
    let report = check(
        &login_host,
        &api_host,
        &["--cloud".to_owned(), "public".to_owned()],
    );
    assert!(
        login_host.state.gate_opened.load(Ordering::SeqCst),
        "the token was answered before the API connections were open"
    );
    assert_eq!(status(&report, "workspace-api"), "pass", "{report:#}");
    // Opening them sent nothing: the two probes are the only requests, on those two connections.
    let mut probes = api_host.requests();
    probes.sort();
    assert_eq!(
        probes,
        ["GET /v1.0/myorg/admin/groups", "GET /v1.0/myorg/groups"]
    );
    assert_eq!(api_host.connections(), 2);
}

#[test]
fn the_administrator_s_second_look_runs_beside_the_probes() {
    // Here the API host serves Graph too, and answers nothing until the admin call, the list and
    // the second look's first directory read have all arrived: run after the probes, the second
    // look would wait for answers that wait for it.
    let login_host = Server::start(0, login);
    let api_host = Server::start(3, api);
    let home = crate::harness::tempdir();
    let (fabric, graph) = (home.join("fabric.txt"), home.join("graph.txt"));
    std::fs::write(&fabric, "admin-fabric-token-0123456789abcdef").unwrap();
    std::fs::write(&graph, "admin-graph-token-0123456789abcdef").unwrap();
    let args: Vec<String> = [
        "--cloud",
        "public",
        "--graph-api",
        &api_host.url,
        "--fabric-api",
        &api_host.url,
        "--admin-graph-token-file",
        &graph.display().to_string(),
        "--admin-fabric-token-file",
        &fabric.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let report = check(&login_host, &api_host, &args);
    let _ = std::fs::remove_dir_all(&home);
    let asked = api_host.requests();
    // Run one after the other, the held probes time out (5 s) before the second look starts.
    assert_eq!(
        status(&report, "admin-api"),
        "pass",
        "the second look waited for the probes: {asked:?}"
    );
    assert!(api_host.state.released_by_all.load(Ordering::SeqCst));
    assert!(
        asked.iter().any(|r| r.contains("/servicePrincipals")),
        "{asked:?}"
    );
    assert!(!status(&report, "directory").is_empty(), "{report:#}");
}

fn finding<'r>(report: &'r Value, check: &str) -> &'r Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == check)
        .unwrap()
}

#[test]
fn a_tenant_s_cloud_read_in_the_last_day_is_not_asked_for_again_and_finds_the_same() {
    let home = crate::harness::tempdir();
    let (login_host, api_host) = (Server::start(0, login), Server::start(0, api));
    let first = check_in(&home, &login_host, &api_host, &[]);
    let second = check_in(&home, &login_host, &api_host, &[]);
    // Recording asks again: its session must hold the exchange that replay will ask for.
    let recording = home.join("session.json");
    let third = check_in(
        &home,
        &login_host,
        &api_host,
        &["--record".to_owned(), recording.display().to_string()],
    );
    let _ = std::fs::remove_dir_all(&home);
    let discovery = format!("GET /{TENANT}/v2.0/.well-known/openid-configuration");
    let token = format!("POST /{TENANT}/oauth2/v2.0/token");
    // The first run sends its lookup and token request at once (in either order); the second
    // only the token request; the recording run one after the other.
    let asked = login_host.requests();
    let mut first_run = asked[..2].to_vec();
    first_run.sort();
    assert_eq!(first_run, [&discovery, &token].map(String::clone));
    assert_eq!(asked[2..], [&token, &discovery, &token].map(String::clone));
    // The token check reports what discovery read, from the cache as from the authority.
    let (a, b) = (
        finding(&first, "token-acquisition"),
        finding(&second, "token-acquisition"),
    );
    assert!(
        b["evidence"]
            .to_string()
            .contains("microsoftonline.com, EU"),
        "{b:#}"
    );
    assert_eq!(a["evidence"], b["evidence"]);
    assert_eq!(a["signals"], b["signals"]);
    assert_eq!(status(&second, "workspace-api"), "pass", "{second:#}");
    assert_eq!(
        finding(&third, "token-acquisition")["signals"],
        a["signals"]
    );
}

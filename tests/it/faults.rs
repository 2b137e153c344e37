//! Fault injection: the real binary against a raw loopback TCP server that misbehaves (resets,
//! hangs, stalls, drips, lies about lengths, floods, redirects in a loop, speaks plain HTTP to a
//! TLS client). Each case must end within its deadline with a named finding, exit 1 or 2 (never 0,
//! never a signal), and bounded memory. The outcomes are written to `target/reliability-faults.tsv`
//! (case, outcome, exit code, finding), from which RELIABILITY.md is generated.
//!
//! Loopback only: every server binds 127.0.0.1:0, accepts a bounded number of connections and
//! stops by itself after a bounded time.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pbi_doctor::jwt::encode_unsigned;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const TENANT: &str = "72f988bf-0000-4000-8000-000000000001";
const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";

/// How long any fault server lives, and how many connections it takes, at most.
const SERVER_LIFETIME: Duration = Duration::from_secs(25);
const SERVER_CONNECTIONS: usize = 64;

/// The most memory a run may use, whatever the server sends (the body cap is 4 MiB).
const PEAK_RSS_LIMIT_KIB: u64 = 96 * 1024;

/// What the server does with each connection.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Reads the request, then resets the connection.
    Reset,
    /// Accepts and never answers.
    Hang,
    /// Sends the status and headers of a 200, then nothing.
    StalledBody,
    /// A 200 whose body comes one byte every 100 ms.
    Drip,
    /// A 502 with a proxy's HTML page.
    Html502,
    /// A 200 whose JSON stops half-way (the Content-Length is right).
    TruncatedJson,
    /// A 200 with `Content-Encoding: gzip` and a body that inflates to 10 MiB of zeros.
    GzipBomb,
    /// A 200 whose Content-Length promises more than is sent before the connection closes.
    LongContentLength,
    /// A 200 with a 100 MB body, streamed.
    HugeBody,
    /// Every answer a 429 with an absurd Retry-After.
    TooManyRequests,
    /// A 302 to itself, every time.
    Redirect302,
    /// A 307 to itself, every time.
    Redirect307,
    /// Plain HTTP: a TLS client gets an HTTP 400 instead of a handshake.
    PlainHttp,
}

/// Starts a fault server on a thread of its own; returns its port. The server stops by itself.
fn serve(fault: Fault) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            let accept = async {
                for _ in 0..SERVER_CONNECTIONS {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    tokio::spawn(handle(fault, stream));
                }
            };
            let _ = tokio::time::timeout(SERVER_LIFETIME, accept).await;
        });
        // Dropping the runtime ends every connection still open.
    });
    port
}

/// Reads a request's head (up to the blank line, or 64 KiB).
async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    head
}

async fn handle(fault: Fault, mut stream: TcpStream) {
    if let Fault::PlainHttp = fault {
        // An HTTP server answers bytes it cannot parse (a TLS ClientHello) with a 400 at once.
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let _ = stream
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    let head = read_head(&mut stream).await;
    let path = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let ok_head = |length: usize, extra: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {length}\r\n{extra}\r\n"
        )
    };
    match fault {
        Fault::Reset => {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Fault::Hang => {
            tokio::time::sleep(SERVER_LIFETIME).await;
        }
        Fault::StalledBody => {
            let _ = stream.write_all(ok_head(1000, "").as_bytes()).await;
            tokio::time::sleep(SERVER_LIFETIME).await;
        }
        Fault::Drip => {
            let body = format!("{{\"value\":[]}}{}", " ".repeat(10_000));
            let _ = stream.write_all(ok_head(body.len(), "").as_bytes()).await;
            for byte in body.as_bytes() {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Fault::Html502 => {
            let body = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
            let _ = stream
                .write_all(
                    format!(
                        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        }
        Fault::TruncatedJson => {
            let body = r#"{"@odata.context":"http://wabi-west-europe-redirect.analysis.windows.net/v1.0/myorg/$metadata#groups","value":[{"id":"f089354e-8366-4e18-aea3-4cb4a3a50b48","isReadOnly":false,"na"#;
            let _ = stream
                .write_all(format!("{}{body}", ok_head(body.len(), "")).as_bytes())
                .await;
        }
        Fault::GzipBomb => {
            static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let body = BOMB.get_or_init(|| gzip_zeros(10 * 1024 * 1024));
            let _ = stream
                .write_all(ok_head(body.len(), "Content-Encoding: gzip\r\n").as_bytes())
                .await;
            let _ = stream.write_all(body).await;
        }
        Fault::LongContentLength => {
            let body = r#"{"value":[]}"#;
            let _ = stream
                .write_all(format!("{}{body}", ok_head(100_000, "")).as_bytes())
                .await;
            let _ = stream.shutdown().await;
        }
        Fault::HugeBody => {
            let total = 100 * 1024 * 1024;
            let _ = stream.write_all(ok_head(total, "").as_bytes()).await;
            let _ = stream.write_all(b"{\"value\":[").await;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 10;
            while sent < total {
                let n = chunk.len().min(total - sent);
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                sent += n;
            }
        }
        Fault::TooManyRequests => {
            // The throttling message Power BI sends with its 429 (facts §4.3).
            let body = r#"{"error":{"code":"TooManyRequests","message":"You have exceeded the amount of requests allowed in the current time frame and further requests will fail."}}"#;
            let _ = stream
                .write_all(
                    format!(
                        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 18446744073709551615\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        }
        Fault::Redirect302 | Fault::Redirect307 => {
            let status = if matches!(fault, Fault::Redirect302) {
                "302 Found"
            } else {
                "307 Temporary Redirect"
            };
            let _ = stream
                .write_all(
                    format!("HTTP/1.1 {status}\r\nLocation: {path}\r\nContent-Length: 0\r\n\r\n")
                        .as_bytes(),
                )
                .await;
        }
        Fault::PlainHttp => {}
    }
}

/// A valid gzip member whose deflate stream inflates to `len` zero bytes: a literal 0, then
/// back-references of 258 bytes at distance 1, 13 bits each (fixed Huffman codes, RFC 1951).
fn gzip_zeros(len: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// Appends `count` bits of `value`, least significant first.
        fn put(&mut self, value: u64, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Appends a Huffman code, most significant bit first.
        fn code(&mut self, code: u64, count: u32) {
            let reversed = (0..count).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
            self.put(reversed, count);
        }
    }
    let mut bits = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman
    bits.code(0x30, 8); // literal 0
    let mut left = len - 1;
    while left >= 258 {
        bits.code(0b1100_0101, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block (code 256)
    bits.put(0, 7);
    let mut out = bits.out;
    out.extend_from_slice(&crc32_zeros(len).to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

fn crc32_zeros(len: usize) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|i| {
            (0..8).fold(i, |c, _| {
                if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !(0..len).fold(!0u32, |crc, _| table[(crc & 0xff) as usize] ^ (crc >> 8))
}

/// A Power BI application token the claims check accepts, so the run reaches the probes.
fn token() -> String {
    let now = chrono::Utc::now().timestamp();
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://analysis.windows.net/powerbi/api",
            "iss": format!("https://sts.windows.net/{TENANT}/"), "tid": TENANT,
            "appid": CLIENT_ID, "idtyp": "app", "oid": "5b2e7c1d-0000-4000-8000-00000000a001",
            "sub": "5b2e7c1d-0000-4000-8000-00000000a001", "roles": ["Tenant.Read.All"],
            "iat": now - 60, "nbf": now - 60, "exp": now + 3600, "ver": "1.0"}),
        "RmF1bHRTdWl0ZVNpZ25hdHVyZQ",
    )
}

/// What one run of the binary did.
struct Ran {
    code: Option<i32>,
    elapsed: Duration,
    peak_kib: u64,
    report: Value,
    stderr: String,
}

/// The peak memory of `pid`, read only while it runs pbi-doctor: a sample taken while the pid was
/// still the test binary's own fork (before its exec), or someone else's, would count the wrong
/// process (the suite saw 200+ MiB "peaks" on cases that use 19 MiB).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    if exe != Path::new(env!("CARGO_BIN_EXE_pbi-doctor")) {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `pbi-doctor` with these arguments, sampling its peak memory; kills it at `limit`.
fn run_doctor(args: &[String], env: &[(&str, &str)], stdin: &str, limit: Duration) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbi-doctor"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("HOME", tempdir())
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let pid = child.id();
    // Read the pipes on threads so a full pipe never stalls the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut s);
        s
    });
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stdout = out.join().unwrap();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let report = serde_json::from_slice(&stdout).unwrap_or(Value::Null);
    Ran {
        code: status.code(),
        elapsed,
        peak_kib,
        report,
        stderr,
    }
}

fn tempdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Where the fault is injected.
#[derive(Clone, Copy)]
enum Host {
    /// The Power BI API (the token is given with `--token-file`).
    Api,
    /// The token endpoint (a client secret is used).
    Authority,
}

struct Case {
    name: &'static str,
    fault: Fault,
    host: Host,
    /// `https://` to the plain-HTTP server.
    tls: bool,
    /// Extra `--workspace` ids.
    workspaces: usize,
    /// `--deadline` and `--timeout`.
    deadline: u64,
    timeout: u64,
    /// A tighter bound on the run's length than the deadline, in seconds.
    within: Option<u64>,
    /// The check whose finding names the fault, its status, and words its summary must hold.
    check: &'static str,
    status: &'static str,
    words: &'static [&'static str],
    /// Signals that finding must carry (`name=value`).
    signals: &'static [&'static str],
}

const fn case(name: &'static str, fault: Fault, check: &'static str) -> Case {
    Case {
        name,
        fault,
        host: Host::Api,
        tls: false,
        workspaces: 0,
        deadline: 10,
        timeout: 2,
        within: None,
        check,
        status: "error",
        words: &[],
        signals: &[],
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            words: &["no answer", "refused or reset"],
            signals: &["workspace_api.network=connect"],
            ..case("connection reset", Fault::Reset, "workspace-api")
        },
        Case {
            deadline: 6,
            words: &["no answer", "did not answer in time"],
            signals: &["workspace_api.network=timeout"],
            ..case("hang (no answer)", Fault::Hang, "workspace-api")
        },
        Case {
            words: &["could not be read", "stopped after"],
            signals: &["workspace_api.status=200", "workspace_api.body=truncated"],
            ..case("stalled body", Fault::StalledBody, "workspace-api")
        },
        Case {
            words: &["could not be read", "stopped after"],
            signals: &["workspace_api.status=200", "workspace_api.body=truncated"],
            ..case("drip (1 byte / 100 ms)", Fault::Drip, "workspace-api")
        },
        Case {
            words: &["server error (HTTP 502)"],
            signals: &["workspace_api.status=502", "workspace_api.body=html"],
            ..case("HTML 502", Fault::Html502, "workspace-api")
        },
        Case {
            words: &["could not be read", "not JSON"],
            signals: &["workspace_api.status=200", "workspace_api.body=text"],
            ..case(
                "truncated JSON with 200",
                Fault::TruncatedJson,
                "workspace-api",
            )
        },
        Case {
            words: &["could not be read", "not JSON"],
            signals: &["workspace_api.status=200", "workspace_api.body=text"],
            ..case(
                "gzip bomb (10 MiB of zeros)",
                Fault::GzipBomb,
                "workspace-api",
            )
        },
        Case {
            words: &["could not be read", "stopped after"],
            signals: &["workspace_api.status=200", "workspace_api.body=truncated"],
            ..case(
                "Content-Length longer than the body",
                Fault::LongContentLength,
                "workspace-api",
            )
        },
        Case {
            words: &["could not be read", "cut at 4 MiB"],
            signals: &["workspace_api.status=200", "workspace_api.body=truncated"],
            // Streaming 4 MiB is quick, but not on a loaded two-core CI machine within 2 s.
            timeout: 15,
            deadline: 30,
            ..case("100 MB body", Fault::HugeBody, "workspace-api")
        },
        Case {
            status: "fail",
            words: &["refused", "HTTP 429"],
            signals: &[
                "workspace_api.status=429",
                "workspace_api.retry_after=18446744073709551615",
            ],
            ..case(
                "429 storm, Retry-After 2^64-1",
                Fault::TooManyRequests,
                "workspace-api",
            )
        },
        Case {
            words: &["HTTP 302 redirects to the same URL", "redirect loop"],
            signals: &["workspace_api.status=302"],
            ..case("302 redirect loop", Fault::Redirect302, "workspace-api")
        },
        Case {
            words: &["HTTP 307 redirects to the same URL", "redirect loop"],
            signals: &["workspace_api.status=307"],
            ..case("307 redirect loop", Fault::Redirect307, "workspace-api")
        },
        Case {
            tls: true,
            words: &["no answer", "TLS"],
            signals: &["workspace_api.network=tls"],
            ..case(
                "TLS client to a plain-HTTP port",
                Fault::PlainHttp,
                "workspace-api",
            )
        },
        Case {
            host: Host::Authority,
            tls: true,
            words: &["no answer", "TLS"],
            signals: &["token.network=tls"],
            ..case(
                "token endpoint: TLS to a plain-HTTP port",
                Fault::PlainHttp,
                "token-acquisition",
            )
        },
        Case {
            host: Host::Authority,
            words: &["could not be read", "cut at 4 MiB"],
            signals: &["token.body=truncated"],
            timeout: 15,
            deadline: 30,
            ..case(
                "token endpoint: 100 MB body",
                Fault::HugeBody,
                "token-acquisition",
            )
        },
        Case {
            host: Host::Authority,
            deadline: 3,
            timeout: 10,
            words: &["not judged", "deadline (3 seconds) passed"],
            ..case(
                "token endpoint hangs past the deadline",
                Fault::Hang,
                "token-acquisition",
            )
        },
        Case {
            // One after another, each hanging call would cost 4.5 s (1 s timeout, retried twice):
            // 18 s for the list and three workspaces. Side by side they cost one.
            workspaces: 3,
            deadline: 30,
            timeout: 1,
            within: Some(5),
            words: &["did not answer in time"],
            signals: &[
                "workspace_api.network=timeout",
                "workspace_api.target_network=timeout",
            ],
            ..case(
                "3 hanging workspaces cost one timeout",
                Fault::Hang,
                "workspace-api",
            )
        },
        Case {
            workspaces: 8,
            deadline: 4,
            timeout: 30,
            words: &["not judged", "deadline (4 seconds) passed"],
            ..case(
                "8 hanging workspaces, one deadline",
                Fault::Hang,
                "workspace-api",
            )
        },
    ]
}

/// The arguments of a case's run against a server on `port`.
fn args(case: &Case, port: u16) -> (Vec<String>, Vec<(&'static str, &'static str)>, String) {
    let scheme = if case.tls { "https" } else { "http" };
    let fault = format!("{scheme}://127.0.0.1:{port}");
    // A loopback port where nothing listens, for the host that is not under test.
    let dead = "http://127.0.0.1:9".to_owned();
    let mut args: Vec<String> = [
        "check",
        "--tenant",
        TENANT,
        "--cloud",
        "public",
        "--format",
        "json",
        "--no-cache",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend([
        "--deadline".to_owned(),
        case.deadline.to_string(),
        "--timeout".to_owned(),
        case.timeout.to_string(),
    ]);
    for i in 0..case.workspaces {
        args.push("--workspace".to_owned());
        args.push(format!("f089354e-8366-4e18-aea3-4cb4a3a50b{i:02}"));
    }
    match case.host {
        Host::Api => {
            args.extend(
                ["--api", "powerbi", "--token-file", "-", "--powerbi-api"].map(str::to_owned),
            );
            args.push(fault);
            args.extend(["--authority-host".to_owned(), dead]);
            (args, Vec::new(), token())
        }
        Host::Authority => {
            args.extend(["--client-id", CLIENT_ID, "--authority-host"].map(str::to_owned));
            args.push(fault);
            args.extend(["--api".to_owned(), "powerbi".to_owned()]);
            args.extend(["--powerbi-api".to_owned(), dead]);
            let env = vec![("AZURE_CLIENT_SECRET", "Zq8~fault.secret-value_do-not-leak")];
            (args, env, String::new())
        }
    }
}

/// What a case came to: for the table, and why it failed if it did.
struct Row {
    line: String,
    problems: Vec<String>,
    elapsed: Duration,
    peak_kib: u64,
}

fn run_case(case: &Case) -> Row {
    let port = serve(case.fault);
    let (args, env, stdin) = args(case, port);
    // The run must end by its deadline; the slack covers process start and the report.
    let allowed =
        Duration::from_secs(case.within.unwrap_or(case.deadline)) + Duration::from_secs(3);
    let ran = run_doctor(&args, &env, &stdin, allowed + Duration::from_secs(10));
    let mut problems = Vec::new();
    if ran.elapsed > allowed {
        problems.push(format!(
            "took {:?}, more than the deadline allows ({allowed:?})",
            ran.elapsed
        ));
    }
    match ran.code {
        Some(1 | 2) => {}
        other => problems.push(format!("exit {other:?}, not 1 or 2")),
    }
    if ran.peak_kib > PEAK_RSS_LIMIT_KIB {
        problems.push(format!("peak memory {} KiB", ran.peak_kib));
    }
    let finding = ran.report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"] == case.check)
        .cloned()
        .unwrap_or(Value::Null);
    let status = finding["status"].as_str().unwrap_or("none");
    let summary = finding["summary"].as_str().unwrap_or("").to_owned();
    if status != case.status {
        problems.push(format!("{} is {status}, not {}", case.check, case.status));
    }
    for word in case.words {
        if !summary.contains(word) {
            problems.push(format!("summary lacks {word:?}"));
        }
    }
    for signal in case.signals {
        let (name, value) = signal.split_once('=').unwrap();
        let values = &finding["signals"][name];
        let has = values
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x == value))
            || values.as_str() == Some(value);
        if !has {
            problems.push(format!("no signal {signal} (got {values})"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "report: {}\nstderr: {}",
            serde_json::to_string_pretty(&finding).unwrap_or_default(),
            ran.stderr
        ));
    }
    let code = ran
        .code
        .map_or_else(|| "signal".to_owned(), |c| c.to_string());
    Row {
        line: format!(
            "{}\t{status}\t{code}\t{}: {}",
            case.name,
            case.check,
            summary.replace(['\t', '\n'], " ")
        ),
        problems,
        elapsed: ran.elapsed,
        peak_kib: ran.peak_kib,
    }
}

#[test]
fn every_fault_ends_in_time_with_a_named_finding_and_bounded_memory() {
    let cases = cases();
    // The runs mostly wait on sockets: all at once keeps the suite short.
    let rows: Vec<Row> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|case| scope.spawn(move || run_case(case)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut table = String::from("case\toutcome\texit code\tfinding\n");
    let mut failures = Vec::new();
    for (case, row) in cases.iter().zip(&rows) {
        let fields: Vec<&str> = row.line.split('\t').collect();
        println!(
            "fault: {} -> exit {}, {} ({:.1} s, peak {} MiB)",
            case.name,
            fields[2],
            fields[3],
            row.elapsed.as_secs_f64(),
            row.peak_kib / 1024
        );
        table.push_str(&row.line);
        table.push('\n');
        if !row.problems.is_empty() {
            failures.push(format!("{}: {}", case.name, row.problems.join("; ")));
        }
    }
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("reliability-faults.tsv");
    std::fs::write(&target, &table).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        rows.iter().any(|row| row.peak_kib > 0),
        "no run's memory was sampled: the peak check would pass on anything"
    );
    crate::reliability::sync_section("faults", &crate::reliability::markdown_table(&table));
}

/// The crash of issue 8: a device-code answer with `expires_in` and `interval` of 2^64-1 overflowed
/// the clock, live and on replay. A session is input like any answer.
#[test]
fn a_session_with_endless_device_code_numbers_replays_without_a_crash() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/healthy-device-code/session.json");
    let mut session: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut changed = 0;
    for exchange in session["exchanges"].as_array_mut().unwrap() {
        if exchange["request"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/devicecode"))
        {
            let mut body: Value =
                serde_json::from_str(exchange["response"]["body"].as_str().unwrap()).unwrap();
            body["expires_in"] = json!(u64::MAX);
            body["interval"] = json!(u64::MAX);
            exchange["response"]["body"] = json!(body.to_string());
            changed += 1;
        }
    }
    assert_eq!(changed, 1, "the fixture has one devicecode exchange");
    let file = tempdir().join("session.json");
    std::fs::write(&file, session.to_string()).unwrap();
    let ran = run_doctor(
        &[
            "replay".to_owned(),
            file.display().to_string(),
            "--format".to_owned(),
            "json".to_owned(),
        ],
        &[],
        "",
        Duration::from_secs(20),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!ran.stderr.contains("hit a bug"), "{}", ran.stderr);
    assert_eq!(ran.report["checks"][0]["status"], "pass");
}

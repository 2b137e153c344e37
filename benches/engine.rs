//! Engine benchmarks: the doctor's own work, in process, without the network.
//!
//! `cargo bench --bench engine` (std only, no benchmark framework). Each operation is warmed up,
//! then timed in samples: a sample runs the operation `batch` times back to back and is divided by
//! `batch`, so that even sub-microsecond operations are far above the clock's resolution. The
//! table gives the median and the 95th percentile of those per-operation sample times. Speed is
//! measured here, never asserted in tests.
//!
//! `PBI_DOCTOR_BENCH_MS` (default 1500) is the time budget per operation in milliseconds; a
//! non-option argument keeps only the operations whose name contains it
//! (`cargo bench --bench engine -- render`). Run without `--bench` (`cargo test --benches`), each
//! operation runs a handful of times as a smoke test.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pbi_doctor::catalogue::{Catalogue, SCENARIOS};
use pbi_doctor::check::{Context, Finding, Probes, Settled, run_chain};
use pbi_doctor::diagnose::diagnose;
use pbi_doctor::report::{self, Report, Target};
use pbi_doctor::secret::Redactor;
use pbi_doctor::session::Session;
use pbi_doctor::settings::Settings;
use pbi_doctor::transport::{Replay, Transport};
use pbi_doctor::{explain, jwt, token_input};
use serde_json::json;

/// A `curl -i` dump of a refused GetGroupsAsAdmin call (~0.9 KB).
const CURL_I: &str = include_str!("../fixtures/explain-curl-i-admin-groups/paste.txt");
/// An MSAL.NET exception with a 15-frame stack trace (~2.6 KB).
const MSAL_STACK: &str = include_str!("../fixtures/explain-msal-dotnet-stack-trace/paste.txt");
/// The scenario whose findings are diagnosed and rendered.
const SCENARIO: &str = "forbidden-extra-permissions";

/// Samples taken per operation (at most; fewer when one batch overruns the budget).
const SAMPLES: usize = 101;

struct Row {
    name: String,
    samples: usize,
    batch: u64,
    median_ns: f64,
    p95_ns: f64,
}

fn budget() -> Duration {
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) each operation runs a
    // few times only, as a smoke test.
    if !std::env::args().any(|a| a == "--bench") {
        return Duration::ZERO;
    }
    let ms = std::env::var("PBI_DOCTOR_BENCH_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500u64);
    Duration::from_millis(ms.max(50))
}

/// Times `op`: 10% of the budget warms up and sizes the batch, the rest is split into samples.
fn bench<T>(name: &str, mut op: impl FnMut() -> T) -> Row {
    let budget = budget();
    let warm_until = Instant::now() + budget / 10;
    let mut warm_runs = 0u64;
    let warm_start = Instant::now();
    while Instant::now() < warm_until || warm_runs == 0 {
        black_box(op());
        warm_runs += 1;
    }
    let per_op = warm_start.elapsed().as_secs_f64() / warm_runs as f64;
    let per_sample = (budget.as_secs_f64() * 0.9) / SAMPLES as f64;
    let batch = ((per_sample / per_op) as u64).max(1);
    let deadline = Instant::now() + budget;
    let mut times = Vec::with_capacity(SAMPLES);
    while times.len() < SAMPLES && (times.len() < 5 || Instant::now() < deadline) {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(op());
        }
        times.push(start.elapsed().as_nanos() as f64 / batch as f64);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let row = Row {
        name: name.to_owned(),
        samples: times.len(),
        batch,
        median_ns: at(0.5),
        p95_ns: at(0.95),
    };
    if !budget.is_zero() {
        eprintln!("  {:<58} {:>12}/op", row.name, human(row.median_ns));
    }
    row
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A typical v1.0 app-only Power BI access token: RS256 header, the usual claims, a
/// 342-character signature (what a 2048-bit RSA signature is in base64url). Synthetic ids.
fn v1_token() -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "x5t": "fake-x5t-thumbprint-value0", "kid": "fake-x5t-thumbprint-value0"});
    let claims = json!({
        "aud": "https://analysis.windows.net/powerbi/api",
        "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/",
        "iat": 1_795_165_743, "nbf": 1_795_165_743, "exp": 1_795_169_343,
        "aio": "E2VgYJj8fHv3vL6b1y7oa3dXwYl9AQA=",
        "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "appidacr": "1",
        "idp": "https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/",
        "idtyp": "app",
        "oid": "5b2e7c1d-0000-4000-8000-00000000a001",
        "rh": "0.AXEAv4j5cvGGr0GRqy180BHbR0ZIf3kAutdPukPawfj2MBNxAAA.",
        "roles": ["Tenant.Read.All"],
        "sub": "5b2e7c1d-0000-4000-8000-00000000a001",
        "tid": "72f988bf-0000-4000-8000-000000000001",
        "uti": "Qm9vdHN0cmFwVXRpVmFsdWUx",
        "ver": "1.0",
        "xms_tcdt": 1_289_241_547
    });
    let signature: String = "Sg7xQ2lJ_zKp4R-c".chars().cycle().take(342).collect();
    jwt::encode_unsigned(&header, &claims, &signature)
}

/// Replays a shipped scenario through the library chain (parse, settings, the checks on the
/// recorded answers) and returns the findings and the instant they were judged at.
fn replay_findings(name: &str, rt: &tokio::runtime::Runtime) -> Vec<Finding> {
    let (_, text) = SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a shipped scenario");
    let session = Session::parse(text, name).expect("a valid session");
    let now = session.recorded_instant().expect("recorded_at");
    let settings = Settings::from_session(&session.settings, name).expect("settings");
    let transport = Transport::Replay(Replay::new(session.exchanges, settings.token_origin()));
    let redactor = Redactor::default();
    let ctx = Context {
        settings: &settings,
        transport: &transport,
        now,
        redactor: &redactor,
        progress: pbi_doctor::progress::Progress::none(),
    };
    rt.block_on(run_chain(
        &ctx,
        Probes::Run {
            admin_skipped: None,
        },
        Settled::default(),
    ))
    .findings
}

fn target() -> Target {
    Target {
        command: "replay".to_owned(),
        tenant: Some("contoso.onmicrosoft.com".to_owned()),
        client_id: Some("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90".to_owned()),
        credential: "client-secret".to_owned(),
        cloud: "public".to_owned(),
        authority_host: "https://login.microsoftonline.com".to_owned(),
        powerbi_api: "https://api.powerbi.com".to_owned(),
        evaluated_at: "2026-11-20T09:14:03Z".to_owned(),
        session: Some(format!("the shipped scenario {SCENARIO}")),
    }
}

/// A CI log of `bytes` bytes around one failure: build noise, then the MSAL.NET stack trace and
/// the `curl -i` dump in the middle, then more noise. What people paste when they paste it all.
fn ci_log(bytes: usize) -> String {
    let noise = "2026-11-20T09:14:03.1234567Z ##[debug] Restoring packages for /src/App/App.csproj... done in 12 ms\n";
    let half = bytes.saturating_sub(MSAL_STACK.len() + CURL_I.len()) / 2;
    let mut log = noise.repeat(half / noise.len() + 1);
    log.truncate(half);
    log.push('\n');
    log.push_str(MSAL_STACK);
    log.push_str(CURL_I);
    while log.len() < bytes {
        log.push_str(noise);
    }
    log.truncate(bytes);
    log
}

/// The PowerShell 7 `Invoke-RestMethod` 429 with its response dump (~1.6 KB).
const PWSH_429: &str =
    include_str!("../fixtures/explain-powershell7-response-retry-after/paste.txt");

/// A PowerShell transcript of `bytes` bytes around `middle`: `Start-Transcript` noise (commands,
/// object listings, progress), the interesting part in the middle, more noise. What people attach
/// when they attach the whole session.
fn transcript(bytes: usize, middle: &str) -> String {
    let noise = "PS C:\\deploy> Get-ChildItem .\\reports | Select-Object Name, Length\r\nName           : Sales.pbix\r\nLength         : 1048576\r\nLastWriteTime  : 11/20/2026 9:14:03 AM\r\n\r\n";
    let half = bytes.saturating_sub(middle.len()) / 2;
    let mut text = noise.repeat(half / noise.len() + 1);
    text.truncate(half);
    text.push_str("\r\n");
    text.push_str(middle);
    while text.len() < bytes {
        text.push_str(noise);
    }
    text.truncate(bytes);
    text
}

/// Inputs that made the old parsers quadratic (each `{` scanned to the end, each quote layer
/// copied the rest, each `http` rescanned the line).
fn pathological() -> Vec<(&'static str, String)> {
    const MB: usize = 1024 * 1024;
    vec![
        ("200 KB of `{`", "{".repeat(200 * 1024)),
        ("1 MB of `{\"a\":`", "{\"a\":".repeat(MB / 5)),
        ("1 MB of `eyJ`", "eyJ".repeat(MB / 3)),
        ("1 MB of `AADSTS`", "AADSTS".repeat(MB / 6)),
        ("1 MB of `[`", "[".repeat(MB)),
        ("1 MB of `https://`", "https://".repeat(MB / 8)),
        (
            "1 MB, no newline",
            "Error Code: Request ID: status 40 x ".repeat(MB / 35),
        ),
        ("16 MiB of `{` (the input cap)", "{".repeat(16 * MB)),
        // The readers of issue 15.
        ("1 MB of `401 `", "401 ".repeat(MB / 4)),
        ("1 MB of `'RequestId', `", "'RequestId', ".repeat(MB / 13)),
        (
            "1 MB of `https://a<`",
            format!("https://a{}", "<".repeat(MB)),
        ),
        ("1 MB of `{\"\"`", "{\"\"".repeat(MB / 3)),
        (
            "1 MB of one command line",
            "Connect-PowerBIServiceAccount -ServicePrincipal -Scope ".repeat(MB / 55),
        ),
        (
            "1 MB of misspellings",
            "unauthorizes forbidens ".repeat(MB / 23),
        ),
        ("16 MiB of `401 ` (the input cap)", "401 ".repeat(4 * MB)),
    ]
}

/// The cause files as the build script embeds them: (file stem, contents), sorted.
fn cause_files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("checks/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let stem = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).expect("a cause file");
            (stem, text)
        })
        .collect();
    files.sort();
    files
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument would be the only other thing.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));

    // One-off: the first call parses and validates every embedded cause file (OnceLock); later
    // calls return the cached catalogue. This is what each CLI process pays once.
    let start = Instant::now();
    let catalogue = Catalogue::embedded().expect("the embedded catalogue");
    let first_embedded = start.elapsed();
    let start = Instant::now();
    black_box(Catalogue::embedded().expect("cached"));
    let cached_embedded = start.elapsed();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let findings = replay_findings(SCENARIO, &rt);
    let diagnoses = diagnose(&findings, catalogue);
    let top = diagnoses
        .causes
        .first()
        .map(|d| d.cause.id.clone())
        .unwrap_or_default();
    assert_eq!(
        top, SCENARIO,
        "the replayed findings diagnose as the scenario"
    );
    let report = Report::new(target(), findings.clone(), diagnoses);
    let sealed = pbi_doctor::secret::Redactor::default().seal(report);

    let token = v1_token();
    let pasted = format!("Authorization: Bearer {token}");
    let files = cause_files();
    let file_refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();

    eprintln!(
        "pbi-doctor engine benchmarks: budget {} ms per operation, up to {SAMPLES} samples",
        budget().as_millis()
    );
    let mut rows = Vec::new();
    let run = |name: &str, rows: &mut Vec<Row>, f: &mut dyn FnMut()| {
        if wanted(name) {
            rows.push(bench(name, f));
        }
    };
    run(
        &format!("jwt::decode: v1 Power BI token ({} B)", token.len()),
        &mut rows,
        &mut || {
            black_box(jwt::decode(black_box(&token)).ok());
        },
    );
    run(
        &format!(
            "token_input::normalize: `Authorization: Bearer` paste ({} B)",
            pasted.len()
        ),
        &mut rows,
        &mut || {
            black_box(token_input::normalize(black_box(&pasted)));
        },
    );
    for (label, paste) in [
        ("curl -i dump", CURL_I),
        ("MSAL.NET stack trace", MSAL_STACK),
    ] {
        run(
            &format!("extract: {label} ({} B)", paste.len()),
            &mut rows,
            &mut || {
                black_box(explain::extract::extract(black_box(paste)));
            },
        );
        let extracted = explain::extract::extract(paste);
        run(
            &format!("explain (already extracted): {label}"),
            &mut rows,
            &mut || {
                black_box(explain::explain(black_box(&extracted), None, catalogue));
            },
        );
        run(
            &format!("extract + explain: {label}"),
            &mut rows,
            &mut || {
                let x = explain::extract::extract(black_box(paste));
                black_box(explain::explain(&x, None, catalogue));
            },
        );
    }
    for (label, bytes) in [
        ("10 KB", 10_000),
        ("1 MB", 1_000_000),
        ("10 MB", 10_000_000),
    ] {
        let log = ci_log(bytes);
        run(
            &format!("extract + explain: CI log around the MSAL trace, {label}"),
            &mut rows,
            &mut || {
                let x = explain::extract::extract(black_box(&log));
                black_box(explain::explain(&x, None, catalogue));
            },
        );
    }
    for (label, bytes) in [
        ("10 KB", 10_000),
        ("1 MB", 1_000_000),
        ("10 MB", 10_000_000),
    ] {
        let text = transcript(bytes, PWSH_429);
        run(
            &format!(
                "extract + explain: PowerShell transcript around a 429 response dump, {label}"
            ),
            &mut rows,
            &mut || {
                let x = explain::extract::extract(black_box(&text));
                black_box(explain::explain(&x, None, catalogue));
            },
        );
    }
    let listing = format!(
        "PS C:\\deploy> Get-AzAccessToken -ResourceUrl https://analysis.windows.net/powerbi/api\r\n\r\nToken     : {token}\r\nExpiresOn : 11/20/2026 10:14:03 +00:00\r\nType      : Bearer\r\nTenantId  : 72f988bf-0000-4000-8000-000000000001\r\n\r\n"
    );
    for (label, bytes) in [
        ("10 KB", 10_000),
        ("1 MB", 1_000_000),
        ("10 MB", 10_000_000),
    ] {
        let text = transcript(bytes, &listing);
        run(
            &format!(
                "token: normalize + jwt::decode, transcript around a Get-AzAccessToken listing, {label}"
            ),
            &mut rows,
            &mut || {
                let t = token_input::normalize(black_box(&text));
                black_box(jwt::decode(&t.token).ok());
            },
        );
    }
    for (label, input) in pathological() {
        run(
            &format!("extract + explain: {label}"),
            &mut rows,
            &mut || {
                let x = explain::extract::extract(black_box(&input));
                black_box(explain::explain(&x, None, catalogue));
            },
        );
    }
    for (label, input) in [
        ("800 KB of `\"`", "\"".repeat(800 * 1024)),
        ("1 MB of `Bearer `", "Bearer ".repeat(1024 * 1024 / 7)),
        ("1 MB of `eyJ`", "eyJ".repeat(1024 * 1024 / 3)),
        ("1 MB of `token: `", "token: ".repeat(1024 * 1024 / 7)),
        (
            "1 MB of `Authorization: Bearer `",
            "Authorization: Bearer ".repeat(1024 * 1024 / 22),
        ),
        (
            "16 MiB of `Token : ` (the input cap)",
            "Token : ".repeat(2 * 1024 * 1024),
        ),
    ] {
        run(
            &format!("normalize + jwt::decode: {label}"),
            &mut rows,
            &mut || {
                let t = token_input::normalize(black_box(&input));
                black_box(jwt::decode(&t.token).ok());
            },
        );
    }
    run(
        &format!(
            "Catalogue::parse: all {} checks/*.toml (= first embedded())",
            file_refs.len()
        ),
        &mut rows,
        &mut || {
            black_box(Catalogue::parse(black_box(&file_refs)).ok());
        },
    );
    run(
        &format!("replay chain in process: {SCENARIO} (parse + 6 checks)"),
        &mut rows,
        &mut || {
            black_box(replay_findings(black_box(SCENARIO), &rt));
        },
    );
    // The largest shipped session; its device-code poll loop sleeps for zero seconds between
    // replayed answers, which tokio rounds up to its 1 ms timer tick.
    run(
        "replay chain in process: healthy-device-code (largest session, polls)",
        &mut rows,
        &mut || {
            black_box(replay_findings(black_box("healthy-device-code"), &rt));
        },
    );
    run(
        &format!("diagnose: {SCENARIO} findings"),
        &mut rows,
        &mut || {
            black_box(diagnose(black_box(&findings), catalogue));
        },
    );
    run(
        "report::human::render (not verbose)",
        &mut rows,
        &mut || {
            black_box(report::human::render(black_box(&sealed), false, 80));
        },
    );
    run("report::human::render (verbose)", &mut rows, &mut || {
        black_box(report::human::render(black_box(&sealed), true, 80));
    });
    run("report::json::render", &mut rows, &mut || {
        black_box(report::json::render(black_box(&sealed)));
    });
    run("report::junit::render", &mut rows, &mut || {
        black_box(report::junit::render(black_box(&sealed)));
    });

    if budget().is_zero() {
        println!(
            "smoke run: {} operations ran (not measured; `cargo bench --bench engine` measures them)",
            rows.len()
        );
        return;
    }
    let mut out = String::new();
    out.push_str(
        "| operation | median ns/op | p95 ns/op | ops/s (median) | median | samples × batch |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for r in &rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} × {} |\n",
            r.name,
            grouped(r.median_ns),
            grouped(r.p95_ns),
            grouped(1e9 / r.median_ns),
            human(r.median_ns),
            r.samples,
            grouped(r.batch as f64),
        ));
    }
    out.push('\n');
    out.push_str("| one-off, measured once in this process | time |\n|---|---:|\n");
    out.push_str(&format!(
        "| Catalogue::embedded(), first call (parses {} cause files) | {} |\n",
        catalogue.causes().len(),
        human(first_embedded.as_nanos() as f64)
    ));
    out.push_str(&format!(
        "| Catalogue::embedded(), cached call | {} |\n",
        human(cached_embedded.as_nanos() as f64)
    ));
    println!("{out}");
}

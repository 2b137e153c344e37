//! Decoding must survive anything: random bytes, truncated tokens, mangled pastes, broken
//! sessions and answers. A seeded, deterministic mutation run (over 100,000 inputs, seeded from
//! the synthetic inputs below and from `fixtures/`: pastes, sessions and every recorded answer)
//! goes through each reader — the paste reader, the token reader, the session reader and the
//! answer readers (the paste reader gets fewer: `explain` is the slowest in a debug build) — and a sample through the binary's `token` and `explain`; none may panic, and
//! the binary exits 0, 1 or 2. Each reader's counts are written to `target/reliability-fuzz.tsv`
//! for RELIABILITY.md. The long runs are cargo-fuzz's (`fuzz/`).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use pbi_doctor::api_error::{self, BodyKind};
use pbi_doctor::catalogue::Catalogue;
use pbi_doctor::explain::{explain, extract::extract};
use pbi_doctor::jwt::{decode, encode_unsigned};
use pbi_doctor::session::Session;
use pbi_doctor::settings::Settings;
use pbi_doctor::token_input::normalize;
use pbi_doctor::token_profile::profile;
use pbi_doctor::{cloud_discovery, entra_error};
use serde_json::{Value, json};

use crate::harness::{fixtures_dir, run};

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<String> {
    let token = encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://analysis.windows.net/powerbi/api", "tid": "t", "exp": 1, "roles": ["Tenant.Read.All"], "scp": "a b", "wids": ["x"]}),
        "c2ln",
    );
    vec![
        token.clone(),
        format!("Authorization: Bearer {token}"),
        format!("{{\"access_token\":\"{token}\",\"expires_in\":\"3599\"}}"),
        r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-01-01 00:00:00Z","error_codes":[7000215]}"#.to_owned(),
        "HTTP/1.1 401 Unauthorized\r\nX-PowerBI-Error-Info: GroupNotAccessible\r\nRetry-After: 10\r\nWWW-Authenticate: Bearer error=\"insufficient_claims\"\r\n\r\n{\"error\":{\"code\":\"PowerBINotAuthorizedException\",\"pbi.error\":{\"code\":\"PowerBINotAuthorizedException\"}}}".to_owned(),
        r#"{"errorCode":"2108","message":"x {\"requestId\":\"r\",\"errorCode\":\"InsufficientScopes\",\"message\":\"m\"} y"}"#.to_owned(),
        "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://api.powerbi.com/v1.0/myorg/groups/f089354e-8366-4e18-aea3-4cb4a3a50b48/datasets".to_owned(),
    ]
}

fn mutate(rng: &mut Rng, seed: &str) -> String {
    String::from_utf8_lossy(&mutate_bytes(rng, seed.as_bytes(), &[], 4096)).into_owned()
}

/// Pieces that steer the parsers into their corners: structure, escapes, markers, extreme
/// numbers, byte-order marks, invalid UTF-8.
const DICTIONARY: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b":",
    b",",
    b"eyJ",
    b".",
    b"AADSTS",
    b"AADSTS7000215",
    b"Bearer ",
    b"Authorization: ",
    b"HTTP/1.1 401 Unauthorized\r\n",
    b"\r\n\r\n",
    b"https://",
    b"error",
    b"\"error\":",
    b"\"error_codes\":[",
    b"\"access_token\":",
    b"\"errorCode\":\"2108\",\"message\":",
    b"18446744073709551615",
    b"-9223372036854775808",
    b"1e999",
    b"-1",
    b"0",
    b"null",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3\x28",
    b"\xF0\x9F\x98",
    b"\x1B[31m",
    "│".as_bytes(),
];

/// One mutation of `seed`: a cut, byte flips, an insertion from the dictionary or of random
/// structure bytes, a repeated span, a splice with another seed, or random bytes; at most `max`
/// bytes.
fn mutate_bytes(rng: &mut Rng, seed: &[u8], others: &[Vec<u8>], max: usize) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(8) {
            0 => bytes.truncate(rng.below(bytes.len() + 1)),
            1 => {
                for _ in 0..=rng.below(8) {
                    let i = rng.below(bytes.len());
                    if i < bytes.len() {
                        bytes[i] = (rng.next() & 0xff) as u8;
                    }
                }
            }
            2 => {
                let at = rng.below(bytes.len() + 1);
                const ALPHABET: &[u8] = b"{}\"\\.:,[]eyJ\r\n AADSTS0123456789";
                let junk: Vec<u8> = (0..rng.below(40))
                    .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                    .collect();
                bytes.splice(at..at, junk);
            }
            3 | 4 => {
                let at = rng.below(bytes.len() + 1);
                let word = DICTIONARY[rng.below(DICTIONARY.len())];
                bytes.splice(at..at, word.iter().copied());
            }
            5 => {
                // Repeat a short span many times: deep nesting, long runs.
                let from = rng.below(bytes.len());
                let len = (1 + rng.below(8)).min(bytes.len().saturating_sub(from));
                let span = bytes.get(from..from + len).unwrap_or_default().to_vec();
                let times = 1 + rng.below(200);
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, span.repeat(times));
            }
            6 if !others.is_empty() => {
                let other = &others[rng.below(others.len())];
                let from = rng.below(other.len());
                let to = (from + rng.below(512)).min(other.len());
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                bytes = (0..rng.below(300))
                    .map(|_| (rng.next() & 0xff) as u8)
                    .collect()
            }
        }
    }
    bytes.truncate(max);
    bytes
}

#[test]
fn the_library_survives_random_and_truncated_input() {
    let catalogue = Catalogue::embedded().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let seeds = seeds();
    for round in 0..4000 {
        let input = mutate(&mut rng, &seeds[round % seeds.len()]);
        let normalized = normalize(&input);
        if let Ok(jwt) = decode(&normalized.token) {
            let _ = profile(&jwt.claims, pbi_doctor::cloud::Cloud::Public, 0);
        }
        let extracted = extract(&input);
        let _ = explain(&extracted, None, catalogue);
        let _ = pbi_doctor::secret::redact_jwt_signatures(&input);
    }
    write_counts(
        "all at once (normalize, decode, extract, explain, redact)",
        4000,
        seeds.len(),
        4096,
    );
}

#[test]
fn the_binary_survives_random_input_on_both_offline_commands() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let seeds = seeds();
    for round in 0..24 {
        let input = mutate(&mut rng, &seeds[round % seeds.len()]);
        for command in ["token", "explain"] {
            let out = run(&[command, "-", "--format", "json"], Some(&input));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("panicked"),
                "{command} panicked on {input:?}: {stderr}"
            );
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{command} exit {:?} on {input:?}",
                out.status.code()
            );
        }
    }
}

/// Seeds for the readers, from `fixtures/`: every paste, every session, every recorded answer
/// body and every given token.
struct FixtureSeeds {
    pastes: Vec<Vec<u8>>,
    sessions: Vec<Vec<u8>>,
    bodies: Vec<Vec<u8>>,
    tokens: Vec<Vec<u8>>,
}

fn fixture_seeds() -> FixtureSeeds {
    let mut seeds = FixtureSeeds {
        pastes: Vec::new(),
        sessions: Vec::new(),
        bodies: Vec::new(),
        tokens: seeds().into_iter().map(String::into_bytes).collect(),
    };
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    for dir in dirs {
        if let Ok(paste) = std::fs::read(dir.join("paste.txt")) {
            seeds.pastes.push(paste);
        }
        let Ok(session) = std::fs::read(dir.join("session.json")) else {
            continue;
        };
        let value: Value = serde_json::from_slice(&session).unwrap();
        for exchange in value["exchanges"].as_array().into_iter().flatten() {
            if let Some(body) = exchange["response"]["body"].as_str() {
                seeds.bodies.push(body.as_bytes().to_vec());
            }
        }
        if let Some(token) = value["settings"]["token_input"].as_str() {
            seeds.tokens.push(token.as_bytes().to_vec());
        }
        seeds.sessions.push(session);
    }
    assert!(
        !seeds.pastes.is_empty() && !seeds.sessions.is_empty() && !seeds.bodies.is_empty(),
        "fixtures/ has pastes, sessions and answers"
    );
    seeds
}

/// Counts per reader, written to `target/reliability-fuzz.tsv` as each test finishes.
static COUNTS: Mutex<BTreeMap<&'static str, (usize, usize, usize)>> = Mutex::new(BTreeMap::new());

fn write_counts(reader: &'static str, inputs: usize, seeds: usize, largest: usize) {
    let mut counts = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    counts.insert(reader, (inputs, seeds, largest));
    let mut tsv = String::from("reader\tinputs\tseeds\tlargest_input_bytes\tpanics\n");
    for (reader, (inputs, seeds, largest)) in counts.iter() {
        tsv.push_str(&format!("{reader}\t{inputs}\t{seeds}\t{largest}\t0\n"));
    }
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder");
    std::fs::write(target.join("reliability-fuzz.tsv"), tsv).unwrap();
    drop(counts);
    crate::reliability::sync_section(
        &format!("fuzz {reader}"),
        &format!(
            "- **{reader}**: {inputs} mutated inputs from {seeds} seeds, the largest {largest} bytes; no panic\n"
        ),
    );
}

/// Runs `inputs` mutations of `seeds` (round robin, crossing over with each other) through
/// `reader`; any panic fails the test and names the input that caused it.
fn fuzz_reader(
    name: &'static str,
    seed: u64,
    seeds: &[Vec<u8>],
    inputs: usize,
    max: usize,
    reader: impl Fn(&[u8]),
) {
    let mut rng = Rng(seed);
    let mut largest = 0;
    for round in 0..inputs {
        let input = mutate_bytes(&mut rng, &seeds[round % seeds.len()], seeds, max);
        largest = largest.max(input.len());
        if catch_unwind(AssertUnwindSafe(|| reader(&input))).is_err() {
            panic!(
                "{name} panicked on input {round} (seed {seed:#x}): {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
    write_counts(name, inputs, seeds.len(), largest);
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[test]
fn the_paste_reader_survives_mutated_pastes() {
    let catalogue = Catalogue::embedded().unwrap();
    let fixtures = fixture_seeds();
    let seeds: Vec<Vec<u8>> = fixtures
        .pastes
        .into_iter()
        .chain(fixtures.bodies)
        .chain(seeds().into_iter().map(String::into_bytes))
        .collect();
    fuzz_reader(
        "paste (explain extract)",
        0xa11c_e5ee_d001,
        &seeds,
        10_000,
        3072,
        |b| {
            let extracted = extract(&text(b));
            let _ = explain(&extracted, None, catalogue);
        },
    );
}

#[test]
fn the_token_reader_survives_mutated_tokens() {
    let fixtures = fixture_seeds();
    let seeds: Vec<Vec<u8>> = fixtures.tokens.into_iter().chain(fixtures.bodies).collect();
    fuzz_reader(
        "token (normalize + jwt decode)",
        0x704e_5eed,
        &seeds,
        40_000,
        4096,
        |b| {
            let input = normalize(&text(b));
            if let Ok(jwt) = decode(&input.token) {
                let _ = profile(&jwt.claims, pbi_doctor::cloud::Cloud::Public, 0);
            }
        },
    );
}

#[test]
fn the_session_reader_survives_mutated_sessions() {
    let fixtures = fixture_seeds();
    fuzz_reader(
        "session (parse + settings)",
        0x5e55_10a5,
        &fixtures.sessions,
        30_000,
        16_384,
        |b| {
            if let Ok(session) = Session::parse(&text(b), "fuzz") {
                let _ = session.recorded_instant();
                let _ = Settings::from_session(&session.settings, "fuzz");
            }
        },
    );
}

#[test]
fn the_answer_readers_survive_mutated_answers() {
    let fixtures = fixture_seeds();
    let seeds: Vec<Vec<u8>> = fixtures.bodies.into_iter().chain(fixtures.pastes).collect();
    fuzz_reader("entra_error::parse", 0xe47a, &seeds, 15_000, 3072, |b| {
        let t = text(b);
        let _ = entra_error::parse(&t);
        let _ = entra_error::aadsts_codes_in(&t);
    });
    fuzz_reader("api_error::parse", 0xa91, &seeds, 15_000, 3072, |b| {
        let t = text(b);
        let (header, body) = t.split_once('\n').unwrap_or(("", &t));
        let _ = BodyKind::of(body);
        let _ = api_error::parse(body, |_| Some(header.to_owned()));
        let _ = api_error::challenge_error(header);
    });
    fuzz_reader(
        "cloud_discovery::parse",
        0xc10d,
        &seeds,
        15_000,
        3072,
        |b| {
            if let Ok(d) = cloud_discovery::parse(&text(b)) {
                let _ = d.signals();
            }
        },
    );
}

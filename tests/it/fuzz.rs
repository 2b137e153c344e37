//! Decoding must survive anything: random bytes, truncated tokens, mangled pastes. Thousands of
//! inputs go through the library's decoders and the explain engine, and a sample through the
//! binary's `token` and `explain`; none may panic, and the binary exits 0, 1 or 2.

use pbi_doctor::catalogue::Catalogue;
use pbi_doctor::explain::{explain, extract::extract};
use pbi_doctor::jwt::{decode, encode_unsigned};
use pbi_doctor::token_input::normalize;
use pbi_doctor::token_profile::profile;
use serde_json::json;

use crate::harness::run;

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
    let mut bytes = seed.as_bytes().to_vec();
    match rng.below(4) {
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
        _ => {
            bytes = (0..rng.below(300))
                .map(|_| (rng.next() & 0xff) as u8)
                .collect()
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
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

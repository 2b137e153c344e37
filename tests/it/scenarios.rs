//! Every folder under `fixtures/` runs through the real binary twice: against wiremock (live
//! `check`, recording a session), and as an offline `replay` of the shipped session; then the
//! recording is replayed too. Each run must give the expected exit code and ranked cause ids, and
//! the invariants must hold: no secret or token signature in any output or recording, nothing but
//! GET to the API, POST only to the token endpoint, the admin API called at most once.

use pbi_doctor::session::CredentialKind;

use crate::harness::{
    TEST_SIGNATURE, cause_ids, json_report, paste_scenarios, run, run_live, scenarios, tempdir,
    unexplained_ids,
};

fn check_expectations(
    label: &str,
    output: &std::process::Output,
    exit: i32,
    causes: &[String],
    unexplained: &[String],
) -> Vec<String> {
    let mut failures = Vec::new();
    let report = json_report(label, output);
    let code = output.status.code().unwrap_or(-1);
    if code != exit {
        failures.push(format!("{label}: exit {code}, expected {exit}"));
    }
    if report["exit_code"].as_i64() != Some(i64::from(code)) {
        failures.push(format!(
            "{label}: report says exit_code {} but the process exited {code}",
            report["exit_code"]
        ));
    }
    let got = cause_ids(&report);
    if got != causes {
        failures.push(format!("{label}: causes {got:?}, expected {causes:?}"));
    }
    let got = unexplained_ids(&report);
    if got != unexplained {
        failures.push(format!(
            "{label}: unexplained {got:?}, expected {unexplained:?}"
        ));
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_gives_its_expected_diagnosis_live_replayed_and_re_replayed() {
    let mut failures = Vec::new();
    let all = scenarios();
    assert!(
        all.len() >= 30,
        "expected the shipped scenarios, found {}",
        all.len()
    );
    for scenario in &all {
        let e = &scenario.expect;
        let name = &scenario.name;

        // Live, against wiremock.
        if e.live {
            let live = run_live(scenario, &["--format", "json"]).await;
            failures.extend(check_expectations(
                &format!("{name} (live)"),
                &live.output,
                e.exit,
                &e.causes,
                &e.unexplained,
            ));
            failures.extend(check_live_invariants(scenario, &live));
            // The live recording, replayed: the same diagnosis from what was saved.
            if !live.recording.is_empty() {
                let dir = tempdir();
                let file = dir.join("recorded.json");
                std::fs::write(&file, &live.recording).unwrap();
                let again = run(
                    &["replay", file.to_str().unwrap(), "--format", "json"],
                    None,
                );
                failures.extend(check_expectations(
                    &format!("{name} (recording replayed)"),
                    &again,
                    e.exit,
                    &e.causes,
                    &e.unexplained,
                ));
                let _ = std::fs::remove_dir_all(dir);
            }
        } else {
            assert!(
                e.live_skip_reason.as_ref().is_some_and(|r| r.len() > 20),
                "{name}: live = false needs a reason"
            );
        }

        // The shipped session, replayed offline.
        let shipped = run(
            &[
                "replay",
                scenario.dir.join("session.json").to_str().unwrap(),
                "--format",
                "json",
            ],
            None,
        );
        failures.extend(check_expectations(
            &format!("{name} (replay)"),
            &shipped,
            e.exit,
            &e.causes,
            &e.unexplained,
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_shipped_session_is_embedded_and_replays_by_name() {
    let listed = run(&["replay", "--list"], None);
    let names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let folders: Vec<String> = scenarios().into_iter().map(|s| s.name).collect();
    assert_eq!(names, folders);
    let default = run(&["replay", "--format", "json"], None);
    let report = json_report("default replay", &default);
    assert_eq!(cause_ids(&report)[0], "forbidden-extra-permissions");
    assert_eq!(default.status.code(), Some(1));
}

#[test]
fn human_report_shows_marks_fix_steps_and_verdict() {
    let out = run(
        &[
            "replay",
            "--scenario",
            "invalid-client-secret",
            "--color",
            "never",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[✗] Token: Entra ID refused the token request: AADSTS7000215"),
        "{text}"
    );
    assert!(text.contains("[-] Scope: skipped"), "{text}");
    assert!(
        text.contains("[invalid-client-secret · confirmed]"),
        "{text}"
    );
    assert!(text.contains("Fix:\n      1. "), "{text}");
    assert!(text.contains("trace id: "), "{text}");
    assert!(
        text.trim_end()
            .ends_with("Most likely: invalid-client-secret."),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in piped output with --color never"
    );
    let healthy = run(
        &[
            "replay",
            "--scenario",
            "healthy-service-principal",
            "--color",
            "never",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&healthy.stdout);
    assert!(text.contains("✓ Healthy: every check passed."), "{text}");
    assert_eq!(healthy.status.code(), Some(0));
}

#[test]
fn verbose_shows_passing_evidence_and_always_colour_is_honoured() {
    let quiet = String::from_utf8_lossy(
        &run(&["replay", "--scenario", "healthy-service-principal"], None).stdout,
    )
    .into_owned();
    let verbose = String::from_utf8_lossy(
        &run(
            &["replay", "--scenario", "healthy-service-principal", "-v"],
            None,
        )
        .stdout,
    )
    .into_owned();
    assert!(
        !quiet.contains("• aud:") && verbose.contains("• aud:"),
        "{verbose}"
    );
    let coloured = run(
        &[
            "replay",
            "--scenario",
            "healthy-service-principal",
            "--color",
            "always",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&coloured.stdout).contains('\u{1b}'));
    let json = run(
        &[
            "replay",
            "--scenario",
            "healthy-service-principal",
            "--format",
            "json",
            "--color",
            "always",
        ],
        None,
    );
    assert!(
        !String::from_utf8_lossy(&json.stdout).contains('\u{1b}'),
        "JSON must never carry colour"
    );
}

#[test]
fn every_paste_scenario_gives_its_expected_diagnosis() {
    let mut failures = Vec::new();
    let all = paste_scenarios();
    assert!(!all.is_empty(), "no paste scenarios under fixtures/");
    for scenario in &all {
        let mut args: Vec<&str> = vec!["explain", "-", "--format", "json"];
        args.extend(scenario.expect.args.iter().map(String::as_str));
        let out = run(&args, Some(&scenario.paste));
        let e = &scenario.expect;
        failures.extend(check_expectations(
            &format!("{} (explain)", scenario.name),
            &out,
            e.exit,
            &e.causes,
            &e.unexplained,
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The invariants of a live run: no secret or token signature in any output or recording,
/// nothing but GET to the APIs, POST only to the token and device-code endpoints, the admin API
/// called at most once, and token requests as the identity platform expects them.
fn check_live_invariants(
    scenario: &crate::harness::Scenario,
    live: &crate::harness::LiveRun,
) -> Vec<String> {
    let name = &scenario.name;
    let mut failures = Vec::new();
    let stdout = String::from_utf8_lossy(&live.output.stdout);
    let stderr = String::from_utf8_lossy(&live.output.stderr);
    let mut assertions_sent = Vec::new();
    for request in &live.requests {
        if let Some(a) =
            url::form_urlencoded::parse(&request.body).find(|(k, _)| k == "client_assertion")
        {
            assertions_sent.push(a.1.into_owned());
        }
    }
    for (what, text) in [
        ("stdout", &*stdout),
        ("stderr", &*stderr),
        ("the recorded session", &*live.recording),
    ] {
        for secret in &live.secrets {
            if text.contains(secret.as_str()) {
                failures.push(format!("{name}: a secret appears in {what}"));
            }
        }
        if text.contains(TEST_SIGNATURE) {
            failures.push(format!("{name}: a token signature appears in {what}"));
        }
        for assertion in &assertions_sent {
            if let Some(signature) = assertion.rsplit('.').next().filter(|s| s.len() > 16)
                && text.contains(signature)
            {
                failures.push(format!(
                    "{name}: the client assertion's signature appears in {what}"
                ));
            }
        }
    }
    if let Some(input) = &live.token_input {
        let token = pbi_doctor::token_input::normalize(input).token;
        if token.len() > 20 && (stdout.contains(&token) || live.recording.contains(&token)) {
            failures.push(format!(
                "{name}: the whole given token appears in an output"
            ));
        }
    }
    let mut admin_calls = 0;
    for request in &live.requests {
        let path = request.url.path();
        if path.contains("/admin/") {
            admin_calls += 1;
        }
        let token_post =
            path.ends_with("/oauth2/v2.0/token") || path.ends_with("/oauth2/v2.0/devicecode");
        let allowed =
            request.method.as_str() == "GET" || (request.method.as_str() == "POST" && token_post);
        if !allowed {
            failures.push(format!("{name}: sent {} {}", request.method, request.url));
        }
        let bearer = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if request.method.as_str() == "GET" && path.starts_with("/v1.0/") {
            // The probes send the token the mock issued, signature and all: so the signature
            // was in the doctor's hands, and its absence from the outputs means redaction.
            if !bearer.starts_with("Bearer eyJ")
                || bearer.contains('"')
                || bearer.matches("Bearer").count() != 1
                || !bearer.ends_with(TEST_SIGNATURE)
            {
                failures.push(format!(
                    "{name}: probe sent an unexpected Authorization header"
                ));
            }
        } else if request.method.as_str() == "GET" && path.ends_with("/idtoken") {
            if bearer != format!("Bearer {}", crate::harness::TEST_OIDC_REQUEST_TOKEN) {
                failures.push(format!(
                    "{name}: the OIDC request did not carry the request token"
                ));
            }
        } else if request.method.as_str() == "POST" && path.ends_with("/oauth2/v2.0/token") {
            failures.extend(check_token_request(scenario, live, request));
        }
    }
    if admin_calls > 1 {
        failures.push(format!(
            "{name}: the admin API was called {admin_calls} times"
        ));
    }
    if live.recording.is_empty() {
        failures.push(format!("{name}: --record wrote nothing"));
    }
    failures
}

/// A token request is what the Microsoft identity platform expects for its credential: form
/// fields, and for certificates an RS256 assertion with the certificate's x5t, signed by its key.
fn check_token_request(
    scenario: &crate::harness::Scenario,
    live: &crate::harness::LiveRun,
    request: &wiremock::Request,
) -> Vec<String> {
    let name = &scenario.name;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    let sent = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut failures = Vec::new();
    let settings = &scenario.session.settings;
    if sent("grant_type") == pbi_doctor::credential::device_code::GRANT_TYPE {
        if sent("device_code").is_empty()
            || sent("client_id") != settings.client_id.clone().unwrap_or_default()
        {
            failures.push(format!(
                "{name}: the device-code poll is not what the protocol expects: {:?}",
                form.iter().map(|(k, _)| k).collect::<Vec<_>>()
            ));
        }
        return failures;
    }
    if sent("grant_type") != "client_credentials"
        || !sent("scope").ends_with("/.default")
        || sent("client_id") != settings.client_id.clone().unwrap_or_default()
    {
        failures.push(format!(
            "{name}: not the client-credentials request Entra ID expects: {:?}",
            form.iter().map(|(k, _)| k).collect::<Vec<_>>()
        ));
    }
    match settings.credential {
        CredentialKind::ClientSecret if sent("client_secret") != live.secret => failures.push(
            format!("{name}: the client secret sent is not the configured one"),
        ),
        CredentialKind::Certificate | CredentialKind::Federated | CredentialKind::GithubOidc
            if (sent("client_assertion_type")
                != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                || sent("client_assertion").is_empty()
                || !sent("client_secret").is_empty()) =>
        {
            failures.push(format!(
                "{name}: the client assertion fields are not as documented"
            ));
        }
        _ => {}
    }
    if settings.credential == CredentialKind::Certificate {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(scenario.expect.certificate.as_deref().unwrap_or_default());
        let cert =
            pbi_doctor::credential::certificate::load(&std::fs::read(&path).unwrap(), "test", None)
                .unwrap();
        let assertion = sent("client_assertion");
        let header = jsonwebtoken::decode_header(&assertion).unwrap();
        if header.alg != jsonwebtoken::Algorithm::RS256
            || header.x5t.as_deref() != Some(cert.x5t().as_str())
        {
            failures.push(format!(
                "{name}: assertion header {header:?} is not RS256 with the certificate's x5t"
            ));
        }
        let (_, spki) = x509_parser::parse_x509_certificate(cert.der()).unwrap();
        let key =
            jsonwebtoken::DecodingKey::from_rsa_der(&spki.public_key().subject_public_key.data);
        // The URL the doctor posted to, as it addressed it (wiremock rebuilds request.url).
        let host = request
            .headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let token_url = format!("http://{host}{}", request.url.path());
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&[token_url.as_str()]);
        validation.set_issuer(&[settings.client_id.as_deref().unwrap_or_default()]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        match jsonwebtoken::decode::<serde_json::Value>(&assertion, &key, &validation) {
            Ok(data) => {
                let c = data.claims;
                let lifetime = c["exp"].as_i64().unwrap_or(0) - c["nbf"].as_i64().unwrap_or(0);
                if c["sub"] != c["iss"]
                    || c["jti"].as_str().is_none_or(str::is_empty)
                    || !(300..=600).contains(&lifetime)
                {
                    failures.push(format!(
                        "{name}: assertion claims are not as documented: {c}"
                    ));
                }
            }
            Err(e) => failures.push(format!(
                "{name}: the assertion does not verify with the certificate's public key: {e}"
            )),
        }
    }
    failures
}

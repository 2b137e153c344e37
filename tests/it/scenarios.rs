//! Every folder under `fixtures/` runs through the real binary twice: against wiremock (live
//! `check`, recording a session), and as an offline `replay` of the shipped session; then the
//! recording is replayed too. Each run must give the expected exit code and ranked cause ids, and
//! the invariants must hold: no secret or token signature in any output or recording, nothing but
//! GET to the API, POST only to the token endpoint, the admin API called at most once.

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
        let live = run_live(scenario, &["--format", "json"]).await;
        failures.extend(check_expectations(
            &format!("{name} (live)"),
            &live.output,
            e.exit,
            &e.causes,
            &e.unexplained,
        ));
        let stdout = String::from_utf8_lossy(&live.output.stdout);
        let stderr = String::from_utf8_lossy(&live.output.stderr);
        for (what, text) in [
            ("stdout", &*stdout),
            ("stderr", &*stderr),
            ("the recorded session", &*live.recording),
        ] {
            if text.contains(&live.secret) {
                failures.push(format!("{name}: the client secret appears in {what}"));
            }
            if text.contains(TEST_SIGNATURE) {
                failures.push(format!("{name}: a token signature appears in {what}"));
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
            let allowed = request.method.as_str() == "GET"
                || (request.method.as_str() == "POST" && path.ends_with("/oauth2/v2.0/token"));
            if !allowed {
                failures.push(format!("{name}: sent {} {}", request.method, request.url));
            }
            if request.method.as_str() == "GET" {
                // The probes send the token the mock issued, signature and all: so the signature
                // was in the doctor's hands, and its absence from the outputs means redaction.
                let bearer = request
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !bearer.starts_with("Bearer eyJ")
                    || bearer.contains('"')
                    || bearer.matches("Bearer").count() != 1
                    || !bearer.ends_with(TEST_SIGNATURE)
                {
                    failures.push(format!(
                        "{name}: probe sent an unexpected Authorization header"
                    ));
                }
            } else {
                let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
                    .into_owned()
                    .collect();
                let sent = |k: &str| {
                    form.iter()
                        .find(|(key, _)| key == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                if sent("client_secret") != live.secret
                    || sent("grant_type") != "client_credentials"
                    || !sent("scope").ends_with("/.default")
                {
                    failures.push(format!("{name}: the token request was not the client-credentials request Entra ID expects: {form:?}"));
                }
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

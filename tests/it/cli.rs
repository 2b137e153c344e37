//! The command-line contract: inputs, refusals, exit codes, and that no input makes it panic.

use crate::harness::{cause_ids, json_report, run};
use pbi_doctor::jwt::encode_unsigned;
use serde_json::json;

fn token(claims: serde_json::Value) -> String {
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &claims,
        "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw",
    )
}

fn graph_token() -> String {
    let now = chrono::Utc::now().timestamp();
    token(
        json!({"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/",
        "tid": "72f988bf-0000-4000-8000-000000000001", "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "idtyp": "app",
        "oid": "5b2e7c1d-0000-4000-8000-00000000a001", "sub": "5b2e7c1d-0000-4000-8000-00000000a001",
        "iat": now - 60, "nbf": now - 60, "exp": now + 3600, "ver": "1.0"}),
    )
}

/// A token check whose probes are never reached (the token is for Graph): no network needed.
fn check_token(input: &str) -> std::process::Output {
    run(
        &[
            "check",
            "--tenant",
            "72f988bf-0000-4000-8000-000000000001",
            "--token-file",
            "-",
            "--powerbi-api",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ],
        Some(input),
    )
}

#[test]
fn a_secret_on_the_command_line_is_refused_without_echoing_it() {
    let out = run(
        &[
            "check",
            "--tenant",
            "contoso.com",
            "--client-id",
            "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90",
            "--client-secret",
            "hunter2-secret",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shell history") && stderr.contains("AZURE_CLIENT_SECRET"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2-secret")
            && !String::from_utf8_lossy(&out.stdout).contains("hunter2-secret")
    );
}

#[test]
fn missing_and_malformed_inputs_are_clear_errors_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "check",
                "--client-id",
                "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90",
            ],
            "no credential",
        ),
        (
            &["check", "--token-file", "/nonexistent/token.txt"],
            "cannot read the token from /nonexistent/token.txt",
        ),
        (
            &["check", "--token-file", "-", "--workspace", "Sales"],
            "is not a workspace id",
        ),
        (
            &[
                "check",
                "--token-file",
                "-",
                "--powerbi-api",
                "http://api.powerbi.com",
            ],
            "only for loopback",
        ),
        (
            &[
                "check",
                "--token-file",
                "-",
                "--authority-host",
                "login.microsoftonline.com",
            ],
            "--authority-host",
        ),
        (
            &["replay", "/nonexistent/session.json"],
            "cannot read the session",
        ),
        (
            &["replay", "--scenario", "no-such-scenario"],
            "replay --list",
        ),
        (&["check", "--format", "yaml"], "invalid value 'yaml'"),
    ];
    for (args, needle) in cases {
        let out = run(args, Some(""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn client_secret_without_tenant_or_client_id_says_which_is_missing() {
    let mut cmd = assert_cmd::Command::cargo_bin("pbi-doctor").unwrap();
    let out = cmd
        .env_clear()
        .env("AZURE_CLIENT_SECRET", "x-secret-value")
        .args([
            "check",
            "--client-id",
            "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tenant"));
    let mut cmd = assert_cmd::Command::cargo_bin("pbi-doctor").unwrap();
    let out = cmd
        .env_clear()
        .env("AZURE_CLIENT_SECRET", "x-secret-value")
        .env("AZURE_TENANT_ID", "contoso.com")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no client id"));
}

#[test]
fn a_session_that_is_not_one_is_refused() {
    let out = run(&["replay", "-"], Some("<html>not a session</html>"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a pbi-doctor session"));
}

#[test]
fn every_paste_form_of_a_token_is_read() {
    let t = graph_token();
    let forms = [
        t.clone(),
        format!("  {t}\n"),
        format!("Bearer {t}"),
        format!("Authorization: Bearer {t}"),
        format!(
            "{{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"{t}\"}}"
        ),
        format!(
            "{{\"token_type\":\"Bearer\",\"expires_in\":\"3599\",\"expires_on\":\"1700003599\",\"resource\":\"https://graph.microsoft.com\",\"access_token\":\"{t}\"}}"
        ),
    ];
    for form in forms {
        let out = check_token(&form);
        let report = json_report(&form, &out);
        assert_eq!(out.status.code(), Some(1), "{form}");
        assert_eq!(report["checks"][0]["status"], "pass", "{form}");
        assert_eq!(cause_ids(&report), ["wrong-audience"], "{form}");
        assert!(
            !String::from_utf8_lossy(&out.stdout)
                .contains("c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"),
            "signature leaked"
        );
    }
}

#[test]
fn quotes_and_a_doubled_bearer_are_findings() {
    let t = graph_token();
    for form in [
        format!("\"{t}\""),
        format!("Bearer Bearer {t}"),
        format!("'Bearer {t}'"),
    ] {
        let out = check_token(&form);
        let report = json_report(&form, &out);
        assert_eq!(report["checks"][0]["status"], "warn", "{form}");
        let ids = cause_ids(&report);
        assert!(
            ids.contains(&"malformed-token".to_owned())
                && ids.contains(&"wrong-audience".to_owned()),
            "{form}: {ids:?}"
        );
    }
}

#[test]
fn broken_tokens_are_findings_not_crashes() {
    let t = graph_token();
    let inputs = [
        String::new(),
        "<!DOCTYPE html><html><body>Sign in to your account</body></html>".to_owned(),
        t[..t.len() / 2].to_owned(),
        t.split('.').take(2).collect::<Vec<_>>().join("."),
        "eyJ!!!.eyJ???.x".to_owned(),
        "3f9c2b1e-5d7a-4e8b-9c0d-1a2b3c4d5e6f".to_owned(),
        "\u{0}\u{1}\u{ff}é✓".to_owned(),
    ];
    for input in inputs {
        let out = check_token(&input);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{input:?}: {stderr}");
        let report = json_report(&input, &out);
        assert_eq!(out.status.code(), Some(1), "{input:?}");
        assert_eq!(report["checks"][2]["id"], "claims");
        assert_eq!(report["checks"][2]["status"], "fail", "{input:?}");
        assert_eq!(cause_ids(&report)[0], "malformed-token", "{input:?}");
    }
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(run(&["--help"], None).status.code(), Some(0));
    assert_eq!(run(&["--version"], None).status.code(), Some(0));
    let help = String::from_utf8_lossy(&run(&["check", "--help"], None).stdout).into_owned();
    assert!(
        help.contains("--token-file")
            && help.contains("AZURE_TENANT_ID")
            && !help.contains("--client-secret <"),
        "{help}"
    );
}

#[test]
fn causes_lists_every_id() {
    let out = run(&["causes", "--format", "json"], None);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        pbi_doctor::catalogue::Catalogue::embedded()
            .unwrap()
            .causes()
            .len()
    );
}

#[test]
fn explain_never_echoes_a_pasted_token_signature() {
    let t = graph_token();
    let signature = t.rsplit('.').next().unwrap().to_owned();
    let paste = format!(
        "> GET /v1.0/myorg/groups?access_token={t} HTTP/1.1\n> Host: api.powerbi.com\n> Authorization: Bearer {t}\n>\n< HTTP/1.1 403 Forbidden\n< RequestId: 1a2b\n< X-PowerBI-Error-Info: InvalidToken\n<\n"
    );
    for format in ["human", "json", "markdown", "junit", "github"] {
        let out = run(&["explain", "-", "--format", format], Some(&paste));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains(&signature),
            "{format}: the signature was echoed:\n{text}"
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
    }
}

/// `--help` speaks to a PowerShell user as much as to a bash user.
#[test]
fn help_shows_bash_and_powershell_examples() {
    for command in ["check", "token", "explain"] {
        let output = crate::harness::run(&[command, "--help"], None);
        assert_eq!(output.status.code(), Some(0));
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(help.contains("PowerShell"), "{command}: {help}");
        assert!(help.contains("bash"), "{command}: {help}");
    }
    let token = crate::harness::run(&["token", "--help"], None);
    let help = String::from_utf8_lossy(&token.stdout);
    for tool in [
        "az account get-access-token",
        "Get-AzAccessToken",
        "Get-PowerBIAccessToken",
    ] {
        assert!(help.contains(tool), "{tool}: {help}");
    }
}

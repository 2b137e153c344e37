//! Every leak path found from outside, through the real binary against a loopback mock: a secret,
//! a signature or an opaque token echoed back by Entra ID or the API must appear in none of the
//! six formats, no `--output` file, no `--record` session and not on stderr.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::tempdir;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
const FORMATS: [&str; 6] = [
    "human",
    "json",
    "junit",
    "github",
    "azure-devops",
    "markdown",
];

/// A valid application token for Power BI with the given signature.
fn token(signature: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    pbi_doctor::jwt::encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({
            "aud": "https://analysis.windows.net/powerbi/api",
            "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/",
            "iat": now - 60, "nbf": now - 60, "exp": now + 3540,
            "appid": CLIENT_ID, "appidacr": "1", "idtyp": "app",
            "oid": "5b2e7c1d-0000-4000-8000-00000000a001",
            "tid": "72f988bf-0000-4000-8000-000000000001", "ver": "1.0"
        }),
        signature,
    )
}

/// What the mock answers.
struct Answers {
    token: ResponseTemplate,
    api: ResponseTemplate,
}

/// The token endpoint's success answer carrying `access_token`.
fn token_answer(access_token: &str) -> ResponseTemplate {
    json_answer(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": access_token}),
    )
}

fn json_answer(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

/// Runs `check` once per format (stdout), then once with every `--output` and `--record`, and
/// asserts that no canary appears anywhere. Returns the JSON report for further assertions.
async fn assert_no_leak(secret: &str, answers: Answers, canaries: &[&str]) -> Value {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2\.0/token$"))
        .respond_with(answers.token)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1\.0/myorg/"))
        .respond_with(answers.api)
        .mount(&server)
        .await;
    let base = server.uri();
    let command = |extra: &[&str]| {
        let mut cmd = Command::cargo_bin("pbi-doctor").unwrap();
        cmd.env_clear()
            .env("NO_COLOR", "1")
            .env("AZURE_CLIENT_SECRET", secret)
            .args(["check", "--auth", "secret", "--tenant", TENANT])
            .args(["--client-id", CLIENT_ID, "--cloud", "public", "--no-cache"])
            .args([
                "--authority-host",
                &base,
                "--powerbi-api",
                &base,
                "--api",
                "powerbi",
            ])
            .args(["--timeout", "5"])
            .args(extra);
        cmd.output().unwrap()
    };
    let check = |what: &str, text: &str| {
        for canary in canaries {
            assert!(
                !text.contains(canary),
                "{canary:?} leaked into {what}:\n{text}"
            );
        }
    };
    let mut report = Value::Null;
    for format in FORMATS {
        let out = command(&["--format", format]);
        check(
            &format!("--format {format}"),
            &String::from_utf8_lossy(&out.stdout),
        );
        check("stderr", &String::from_utf8_lossy(&out.stderr));
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "a refused call is not healthy: {format} exited {:?}",
            out.status
        );
        if format == "json" {
            report = serde_json::from_slice(&out.stdout).expect("a JSON report");
        }
    }
    let dir = tempdir();
    let mut extra: Vec<String> = vec!["--record".into(), path(&dir, "session.json")];
    for format in FORMATS {
        extra.push("--output".into());
        extra.push(format!("{format}={}", path(&dir, format)));
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let out = command(&extra);
    check("stdout", &String::from_utf8_lossy(&out.stdout));
    check("stderr", &String::from_utf8_lossy(&out.stderr));
    for file in std::fs::read_dir(&dir).unwrap() {
        let file = file.unwrap().path();
        check(
            &file.display().to_string(),
            &std::fs::read_to_string(&file).unwrap(),
        );
    }
    report
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

const SECRET: &str = "Lk8~Q.canary_secret-value-0123456789abcd";

#[tokio::test]
async fn a_secret_echoed_in_the_token_error_fields_is_redacted() {
    let body = json!({
        "error": format!("invalid_client {SECRET}"),
        "suberror": SECRET,
        "error_description": format!("AADSTS7000215: Invalid client secret provided: {SECRET}\r\nTrace ID: t-1\r\nCorrelation ID: c-1"),
        "error_codes": [7000215]
    });
    let report = assert_no_leak(
        SECRET,
        Answers {
            token: json_answer(401, &body),
            api: ResponseTemplate::new(500),
        },
        &[SECRET],
    )
    .await;
    // Redaction must not cost the diagnosis.
    assert_eq!(report["causes"][0]["id"], "invalid-client-secret");
}

#[tokio::test]
async fn a_bearer_token_echoed_by_the_api_keeps_no_signature() {
    let signature = "EchoedSignatureCanary_0123456789abcdefXYZ";
    let token = token(signature);
    let body = json!({"error": {"code": "PowerBINotAuthorizedException",
        "message": format!("Authorization: Bearer {token}")}});
    assert_no_leak(
        SECRET,
        Answers {
            token: token_answer(&token),
            api: json_answer(401, &body),
        },
        &[signature, SECRET],
    )
    .await;
}

#[tokio::test]
async fn an_opaque_access_token_never_reaches_a_report_or_the_session() {
    let opaque = "OpaqueAccessToken_canary_0123456789";
    let body =
        json!({"error": {"code": "Unauthorized", "message": format!("token {opaque} rejected")}});
    assert_no_leak(
        SECRET,
        Answers {
            token: token_answer(opaque),
            api: json_answer(401, &body),
        },
        &[opaque, SECRET],
    )
    .await;
}

#[tokio::test]
async fn a_secret_echoed_in_encoded_forms_is_redacted() {
    let secret = "Ab1~c%d&e+f=g h/é-canary";
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = "Ab1~c%25d%26e%2Bf%3Dg%20h%2F%C3%A9-canary";
    let body = json!({
        "error": "invalid_client",
        "error_description": format!("AADSTS7000215: Invalid client secret provided. Sent client_secret={form} ({percent})"),
        "error_codes": [7000215]
    });
    // The JSON body carries the secret JSON-escaped too (`\/`, `\u00e9`).
    let escaped = body
        .to_string()
        .replace("}", r#","echo":"Ab1~c%d&e+f=g h\/\u00e9-canary"}"#);
    assert_no_leak(
        secret,
        Answers {
            token: ResponseTemplate::new(401)
                .insert_header("content-type", "application/json")
                .set_body_string(escaped),
            api: ResponseTemplate::new(500),
        },
        &[secret, &form, percent, "h/é-canary", r"h\/\u00e9-canary"],
    )
    .await;
}

#[tokio::test]
async fn a_standard_base64_signature_is_redacted_whole() {
    let signature = "StdB64+Sig/Canary+0123456789/abcdef==";
    let token = token(signature);
    let body = json!({"error": {"code": "TokenExpired", "message": format!("Bearer {token}")}});
    assert_no_leak(
        SECRET,
        Answers {
            token: token_answer(&token),
            api: json_answer(403, &body),
        },
        &["Sig/Canary", "0123456789/abcdef", "StdB64+Sig"],
    )
    .await;
}

#[test]
fn a_short_secret_is_refused_not_half_redacted() {
    let out = Command::cargo_bin("pbi-doctor")
        .unwrap()
        .env_clear()
        .env("AZURE_CLIENT_SECRET", "abc12")
        .args(["check", "--auth", "secret", "--tenant", TENANT])
        .args(["--client-id", CLIENT_ID, "--cloud", "public"])
        .args(["--authority-host", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shorter than 8 characters"), "{stderr}");
    assert!(!stderr.contains("abc12"), "{stderr}");
}

#[test]
fn a_password_in_the_authority_host_is_not_printed() {
    let out = Command::cargo_bin("pbi-doctor")
        .unwrap()
        .env_clear()
        .env("AZURE_CLIENT_SECRET", SECRET)
        .env(
            "AZURE_AUTHORITY_HOST",
            "https://admin:Hunter2Canary@login.example.com",
        )
        .args(["check", "--auth", "secret", "--tenant", TENANT])
        .args(["--client-id", CLIENT_ID, "--cloud", "public"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("Hunter2Canary"), "{all}");
}

#[tokio::test]
async fn server_text_cannot_drive_the_terminal_or_the_ci_log() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2\.0/token$"))
        .respond_with(token_answer(&token("Sig0123456789abcdef")))
        .mount(&server)
        .await;
    let hostile = "denied\u{1b}]0;owned\u{7}\u{1b}[2J\r::error::injected\n##vso[task.setvariable variable=x]1\n::add-mask::x";
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1\.0/myorg/"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("content-type", "text/plain")
                .set_body_string(hostile),
        )
        .mount(&server)
        .await;
    let base = server.uri();
    for format in FORMATS {
        for color in ["never", "always"] {
            let out = Command::cargo_bin("pbi-doctor")
                .unwrap()
                .env_clear()
                .env("AZURE_CLIENT_SECRET", SECRET)
                .args(["check", "--auth", "secret", "--tenant", TENANT])
                .args(["--client-id", CLIENT_ID, "--cloud", "public", "--no-cache"])
                .args([
                    "--authority-host",
                    &base,
                    "--powerbi-api",
                    &base,
                    "--api",
                    "powerbi",
                ])
                .args(["--format", format, "--color", color, "--verbose"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            if matches!(format, "human" | "json") {
                assert!(text.contains("denied"), "the body is shown: {text}");
            }
            for raw in ["\u{1b}]", "\u{1b}[2J", "\u{7}", "\r"] {
                assert!(!text.contains(raw), "{format}/{color}: {raw:?} in\n{text}");
            }
            assert!(!text.contains("##vso[task.setvariable"), "{format}: {text}");
            for line in text.lines() {
                let line = line.trim_start();
                assert!(
                    !line.starts_with("::error::injected") && !line.starts_with("::add-mask"),
                    "{format}: {line}"
                );
            }
        }
    }
}

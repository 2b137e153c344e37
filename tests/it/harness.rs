//! Mounts a scenario fixture (`fixtures/<name>/session.json`) on a wiremock server and runs the
//! real binary against it. Token times are shifted so that they sit where they did relative to
//! `recorded_at`, and every token gets a recognisable fake signature, so the tests can prove that
//! no signature leaks.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use pbi_doctor::credential::CredentialKind;
use pbi_doctor::jwt::{self, encode_unsigned};
use pbi_doctor::session::Session;
use serde::Deserialize;
use serde_json::Value;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The client secret every live run uses, unless the scenario names one. Distinctive, so a leak
/// anywhere is found by a substring search.
pub const TEST_SECRET: &str = "Zq8~fixture.secret-value_do-not-leak";

/// The signature given to every token the mock hands out: must never appear in any output.
/// The terminal width tests run the human report at, so that no line wraps.
pub const UNWRAPPED: &str = "10000";

pub const TEST_SIGNATURE: &str = "LeakCheckSignature0123456789abcdefABCDEF";

/// A closed port on loopback: connecting to it is refused.
const DEAD_ENDPOINT: &str = "http://127.0.0.1:9";

/// `fixtures/<name>/expect.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[allow(dead_code, reason = "documentation for people reading the fixture")]
    pub description: String,
    pub exit: i32,
    pub causes: Vec<String>,
    #[serde(default)]
    pub unexplained: Vec<String>,
    pub secret: Option<String>,
    /// Extra arguments for `explain` scenarios (`--url`, `--status`, `--header`).
    #[serde(default)]
    pub args: Vec<String>,
    /// The certificate file a certificate scenario runs with (relative to the crate).
    pub certificate: Option<String>,
    /// Its PFX password.
    pub certificate_password: Option<String>,
    /// `false` when the scenario cannot be reproduced against a loopback mock.
    #[serde(default = "yes")]
    pub live: bool,
    /// Why not, when `live = false`.
    pub live_skip_reason: Option<String>,
}

fn yes() -> bool {
    true
}

/// The GitHub Actions OIDC request token every live run uses: must never appear in any output.
pub const TEST_OIDC_REQUEST_TOKEN: &str = "ghs_TestOidcRequestToken_do-not-leak_0123456789";

/// One scenario folder.
pub struct Scenario {
    pub name: String,
    pub dir: PathBuf,
    pub session: Session,
    pub expect: Expect,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every scenario folder, by name.
/// One scenario by name.
pub fn scenario(name: &str) -> Scenario {
    scenarios()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

pub fn scenarios() -> Vec<Scenario> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("session.json").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let session_text = std::fs::read_to_string(dir.join("session.json"))
                .unwrap_or_else(|e| panic!("{name}: session.json: {e}"));
            let session =
                Session::parse(&session_text, &name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let expect_text = std::fs::read_to_string(dir.join("expect.toml"))
                .unwrap_or_else(|e| panic!("{name}: expect.toml: {e}"));
            let expect: Expect =
                toml::from_str(&expect_text).unwrap_or_else(|e| panic!("{name}: expect.toml: {e}"));
            Scenario {
                name,
                dir,
                session,
                expect,
            }
        })
        .collect()
}

/// Re-times and re-signs every JWT in `text`: times move by `shift` seconds, the signature
/// becomes [`TEST_SIGNATURE`].
pub fn retime_tokens(text: &str, shift: i64) -> String {
    let mut out = text.to_owned();
    let bytes = text.as_bytes();
    let is_token_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    let mut i = 0;
    while let Some(pos) = text[i..].find("eyJ") {
        let start = i + pos;
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| is_token_byte(**b))
                .count();
        let token = &text[start..end];
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 3
            && let Ok(decoded) = jwt::decode(&format!("{}.{}.x", parts[0], parts[1]))
        {
            let mut claims = Value::Object(decoded.claims.0.clone());
            for name in ["exp", "nbf", "iat"] {
                if let Some(t) = decoded.claims.time(name) {
                    claims[name] = Value::from(t + shift);
                }
            }
            let retimed = encode_unsigned(
                &Value::Object(decoded.header.clone()),
                &claims,
                TEST_SIGNATURE,
            );
            out = out.replace(token, &retimed);
        }
        i = end.max(start + 3);
    }
    out
}

/// What a live run of a scenario produced.
pub struct LiveRun {
    pub output: Output,
    pub requests: Vec<wiremock::Request>,
    pub recording: String,
    pub secret: String,
    pub token_input: Option<String>,
    /// Secrets that must not appear in any output: the client secret, the certificate password,
    /// the OIDC request token.
    pub secrets: Vec<String>,
}

fn is_hop_header(name: &str) -> bool {
    ["content-length", "transfer-encoding", "date", "connection"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Mounts the scenario on a fresh server and runs `pbi-doctor check` against it.
pub async fn run_live(scenario: &Scenario, extra_args: &[&str]) -> LiveRun {
    run_live_env(scenario, extra_args, &[]).await
}

/// [`run_live`] with extra environment variables for the doctor.
pub async fn run_live_env(
    scenario: &Scenario,
    extra_args: &[&str],
    extra_env: &[(&str, &str)],
) -> LiveRun {
    let server = MockServer::start().await;
    let now = chrono::Utc::now().timestamp();
    let shift = now - scenario.session.recorded_instant().unwrap();
    let settings = &scenario.session.settings;
    let mut authority_dead = false;
    let mut api_dead = false;
    let key = |e: &pbi_doctor::session::Exchange| (e.request.method.clone(), e.request.url.clone());
    let exchanges = &scenario.session.exchanges;
    for exchange in exchanges {
        let url = url::Url::parse(&exchange.request.url).unwrap();
        let is_token = exchange.request.method == "POST";
        let Some(response) = &exchange.response else {
            if is_token {
                authority_dead = true
            } else {
                api_dead = true
            }
            continue;
        };
        let mut template = ResponseTemplate::new(response.status);
        for (name, value) in &response.headers {
            if !is_hop_header(name) {
                template = template.insert_header(name.as_str(), value.as_str());
            }
        }
        let mut body = retime_tokens(&response.body, shift);
        if url.path().ends_with("/devicecode") {
            // The service asks for 5 s between polls; the mock asks for the shortest it may, so
            // the live run stays quick without a test-only switch in the binary.
            body = body.replace("\"interval\":5", "\"interval\":1");
        }
        template = template.set_body_bytes(body.into_bytes());
        let mut mock = Mock::given(method(exchange.request.method.as_str())).and(path(url.path()));
        for (k, v) in url.query_pairs() {
            mock = mock.and(query_param(k.into_owned(), v.into_owned()));
        }
        // A request recorded once answers every retry the same way; one recorded several times
        // answers in recorded order.
        let recorded_times = exchanges.iter().filter(|e| key(e) == key(exchange)).count();
        let mock = mock.respond_with(template);
        let mock = if recorded_times > 1 {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(&server).await;
    }
    let tmp = tempdir();
    let recording = tmp.join("recorded.json");
    let secret = scenario
        .expect
        .secret
        .clone()
        .unwrap_or_else(|| TEST_SECRET.to_owned());
    let mut cmd = Command::cargo_bin("pbi-doctor").unwrap();
    // Wide enough that a phrase a test looks for is never wrapped; layout.rs tests the widths.
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", UNWRAPPED);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.arg("check");
    let mut secrets = vec![secret.clone()];
    let facts = &settings.credential_facts;
    match settings.credential {
        CredentialKind::ClientSecret => {
            cmd.env("AZURE_CLIENT_SECRET", &secret);
        }
        CredentialKind::Certificate => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
                scenario
                    .expect
                    .certificate
                    .as_deref()
                    .expect("certificate scenarios name their certificate"),
            );
            cmd.args(["--auth", "certificate", "--certificate"])
                .arg(path);
            if let Some(password) = &scenario.expect.certificate_password {
                cmd.env("AZURE_CLIENT_CERTIFICATE_PASSWORD", password);
                secrets.push(password.clone());
            }
        }
        CredentialKind::Federated => {
            let a = facts.assertion.clone().unwrap_or_default();
            let text = if a.problem.is_some() {
                "not a token: the init step wrote a placeholder".to_owned()
            } else {
                let claims = serde_json::json!({"iss": a.issuer, "sub": a.subject, "aud": a.audiences, "exp": a.expires.map(|e| e + shift), "nbf": a.expires.map(|e| e + shift - 300), "jti": "test"});
                encode_unsigned(
                    &serde_json::json!({"typ": "JWT", "alg": "RS256"}),
                    &claims,
                    TEST_SIGNATURE,
                )
            };
            let file = tmp.join("federated-token");
            std::fs::write(&file, text).unwrap();
            cmd.args(["--auth", "federated", "--federated-token-file"])
                .arg(file);
        }
        CredentialKind::GithubOidc => {
            let oidc = exchanges
                .iter()
                .find(|e| e.request.url.contains("audience="))
                .expect("the OIDC request is recorded");
            let url = url::Url::parse(&oidc.request.url).unwrap();
            let query: Vec<String> = url
                .query_pairs()
                .filter(|(k, _)| k != "audience")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            cmd.env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}{}?{}", server.uri(), url.path(), query.join("&")),
            );
            cmd.env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", TEST_OIDC_REQUEST_TOKEN);
            cmd.args(["--auth", "github-oidc"]);
            secrets.push(TEST_OIDC_REQUEST_TOKEN.to_owned());
        }
        CredentialKind::AzureCli => {
            let bin = tmp.join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            let cli = facts.azure_cli.clone().unwrap_or_default();
            if cli.problem.as_deref() != Some("missing") {
                let token = settings
                    .token_input
                    .as_deref()
                    .map(|t| retime_tokens(t, shift))
                    .unwrap_or_default();
                let tenant = cli.signed_in_tenant.clone().unwrap_or_default();
                let body = match cli.problem {
                    Some(_) => format!(
                        "echo \"{}\" >&2\nexit 1",
                        cli.detail.unwrap_or_default().replace('"', "\\\"")
                    ),
                    None => format!(
                        "echo '{{\"accessToken\": \"{token}\", \"expiresOn\": \"2026-11-20 10:14:03.000000\", \"tenant\": \"{tenant}\", \"tokenType\": \"Bearer\"}}'"
                    ),
                };
                let script = format!(
                    "#!/bin/sh\nif [ \"$1 $2\" = \"account show\" ]; then\n  echo '{{\"tenantId\": \"{tenant}\"}}'\n  exit 0\nfi\n{body}\n"
                );
                let az = bin.join("az");
                std::fs::write(&az, script).unwrap();
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            cmd.env("PATH", &bin).args(["--auth", "azure-cli"]);
        }
        CredentialKind::DeviceCode => {
            cmd.args(["--auth", "device-code"]);
        }
        CredentialKind::TokenFile => {}
    }
    if let Some(tenant) = &settings.tenant {
        cmd.args(["--tenant", tenant]);
    }
    if let Some(client) = &settings.client_id {
        cmd.args(["--client-id", client]);
    }
    let mut token_input = None;
    if let (Some(text), CredentialKind::TokenFile) = (&settings.token_input, settings.credential) {
        let retimed = retime_tokens(text, shift);
        let file = tmp.join("token.txt");
        std::fs::write(&file, &retimed).unwrap();
        cmd.arg("--token-file").arg(&file);
        token_input = Some(retimed);
    }
    let authority = if authority_dead {
        DEAD_ENDPOINT.to_owned()
    } else {
        server.uri()
    };
    let api = if api_dead {
        DEAD_ENDPOINT.to_owned()
    } else {
        server.uri()
    };
    cmd.args(["--authority-host", &authority, "--powerbi-api", &api]);
    // The families the session probed: sessions from before the Fabric probes name none and
    // probed Power BI only.
    cmd.args(["--api", settings.apis.name()]);
    if settings.apis.fabric() {
        cmd.args(["--fabric-api", &api]);
    }
    if !settings.cloud_detected {
        cmd.args(["--cloud", settings.cloud_name()]);
    }
    for ws in &settings.workspaces {
        cmd.args(["--workspace", ws]);
    }
    if settings.skip_admin {
        cmd.arg("--skip-admin");
    }
    cmd.args(["--timeout", "5", "--record"])
        .arg(&recording)
        .args(extra_args);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap_or_default();
    let recording = std::fs::read_to_string(&recording).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&tmp);
    LiveRun {
        output,
        requests,
        recording,
        secret,
        token_input,
        secrets,
    }
}

trait CloudName {
    fn cloud_name(&self) -> &'static str;
}

impl CloudName for pbi_doctor::session::SessionSettings {
    fn cloud_name(&self) -> &'static str {
        self.cloud.name()
    }
}

/// A fresh temporary folder under the target dir.
pub fn tempdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary with arguments and optional stdin, with a clean environment.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::cargo_bin("pbi-doctor").unwrap();
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", UNWRAPPED)
        .args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    cmd.output().unwrap()
}

/// `pbi-doctor <command> --file <path> --format json`: `explain` or `token` on a file.
pub fn run_on_file(command: &str, path: &Path) -> Output {
    run(
        &[
            command,
            "--file",
            path.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    )
}

/// The binary as a plain process, for tests that drive its pipes or time it: no environment but
/// `NO_COLOR`.
pub fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pbi-doctor"));
    cmd.env_clear().env("NO_COLOR", "1");
    cmd
}

/// The JSON report of an output, or a panic naming the scenario.
pub fn json_report(name: &str, output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: stdout is not a JSON report ({e})\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The ranked cause ids of a JSON report.
pub fn cause_ids(report: &Value) -> Vec<String> {
    report["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The unexplained check ids of a JSON report.
pub fn unexplained_ids(report: &Value) -> Vec<String> {
    report["unexplained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap().to_owned())
        .collect()
}

/// A paste scenario: `fixtures/<name>/paste.txt` explained offline.
pub struct PasteScenario {
    pub name: String,
    pub paste: String,
    pub expect: Expect,
}

/// Every paste scenario folder, by name.
pub fn paste_scenarios() -> Vec<PasteScenario> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("paste.txt").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let paste = std::fs::read_to_string(dir.join("paste.txt"))
                .unwrap_or_else(|e| panic!("{name}: paste.txt: {e}"));
            let text = std::fs::read_to_string(dir.join("expect.toml"))
                .unwrap_or_else(|e| panic!("{name}: expect.toml: {e}"));
            let expect: Expect =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: expect.toml: {e}"));
            PasteScenario {
                name,
                paste,
                expect,
            }
        })
        .collect()
}

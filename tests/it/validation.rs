//! Bad input is judged before anything is sent: a tenant that is neither a GUID nor a domain, a
//! client id or workspace id that is not a GUID (from a flag, a variable or a profile), a file to
//! write with no folder, an unknown profile. Each is exit 2, names the input and the fix, and the
//! mock tenant receives no request at all. Also: did-you-mean for scenarios and profiles, and the
//! cloud names people type.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use wiremock::MockServer;

use crate::harness::{TEST_SECRET, json_report, tempdir};

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";
const SALES: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";

/// A folder with a profiles file, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let dir = tempdir();
        std::fs::write(
            dir.join("profiles.toml"),
            format!(
                "[profiles.contoso]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT}\"\n\
                 [profiles.fabrikam-gov]\ntenant = \"fabrikam.onmicrosoft.us\"\nclient_id = \"{CLIENT}\"\ncloud = \"gcc-high\"\n\
                 [profiles.bad-tenant]\ntenant = \"contoso\"\nclient_id = \"{CLIENT}\"\n\
                 [profiles.bad-client]\ntenant = \"{TENANT}\"\nclient_id = \"Sales Reporting App\"\n\
                 [profiles.bad-workspace]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT}\"\nworkspaces = [\"Sales\"]\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("a-file"), "not a folder").unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `pbi-doctor ARGS` with a client secret and this environment against a fresh mock
/// serving as both the authority and the API (no `--cloud`: discovery would be the first
/// request). `{dir}` in an argument or value stands for the folder. Returns the output and the
/// requests the mock received.
async fn against_mock(
    folder: &Folder,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Output, Vec<wiremock::Request>) {
    let server = MockServer::start().await;
    let dir = folder.0.display().to_string();
    let fill = |s: &str| s.replace("{dir}", &dir);
    let mut cmd = Command::cargo_bin("pbi-doctor").unwrap();
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("AZURE_CLIENT_SECRET", TEST_SECRET);
    for (k, v) in env {
        cmd.env(k, fill(v));
    }
    cmd.arg("check")
        .args(args.iter().map(|a| fill(a)))
        .args([
            "--authority-host",
            &server.uri(),
            "--powerbi-api",
            &server.uri(),
            "--api",
            "powerbi",
        ])
        .args(["--timeout", "5", "--no-cache", "--format", "json"]);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap_or_default();
    (output, requests)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A case: its name, the arguments, the environment, and the words the message must hold.
type Case = (
    &'static str,
    Vec<String>,
    Vec<(&'static str, &'static str)>,
    Vec<String>,
);

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_exit_2_with_the_fix_and_nothing_is_sent() {
    let folder = Folder::new();
    let profile = |name: &str| strings(&["--profiles", "{dir}/profiles.toml", "--profile", name]);
    let who = |extra: &[&str]| {
        let mut args = strings(&["--tenant", TENANT, "--client-id", CLIENT]);
        args.extend(strings(extra));
        args
    };
    let workspace_url = format!("https://app.powerbi.com/groups/{SALES}/list?experience=power-bi");
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("a tenant that is a bare name", strings(&["--tenant", "contoso", "--client-id", CLIENT]), vec![],
         strings(&["--tenant \"contoso\" is neither a tenant id (GUID) nor a domain; did you mean contoso.onmicrosoft.com?"])),
        ("a tenant that is an authority URL", strings(&["--tenant", "https://login.microsoftonline.com/contoso.com/v2.0", "--client-id", CLIENT]), vec![],
         strings(&["--tenant \"https://login.microsoftonline.com/contoso.com/v2.0\" is neither", "did you mean contoso.com?"])),
        ("a tenant with nothing to suggest", strings(&["--tenant", "contoso_ltd", "--client-id", CLIENT]), vec![],
         strings(&["--tenant \"contoso_ltd\" is neither", "Give the Tenant ID shown on the Microsoft Entra admin center's Overview page"])),
        ("AZURE_TENANT_ID", strings(&["--client-id", CLIENT]), vec![("AZURE_TENANT_ID", "contoso")],
         strings(&["AZURE_TENANT_ID \"contoso\" is neither", "did you mean contoso.onmicrosoft.com?"])),
        ("a profile's tenant", profile("bad-tenant"), vec![],
         vec![format!("{}: profile \"bad-tenant\": tenant \"contoso\" is neither", folder.path("profiles.toml")), "did you mean contoso.onmicrosoft.com?".to_owned()]),
        ("a client id that is a name", strings(&["--tenant", TENANT, "--client-id", "my-powerbi-app"]), vec![],
         strings(&["--client-id \"my-powerbi-app\" is not an application (client) id", "Application (client) ID on the app registration's Overview page"])),
        ("a client id without dashes", strings(&["--tenant", TENANT, "--client-id", "8a1d5c3e0b7f4e2a9c612f4d8e7b1a90"]), vec![],
         vec![format!("did you mean {CLIENT}?")]),
        ("AZURE_CLIENT_ID", strings(&["--tenant", TENANT]), vec![("AZURE_CLIENT_ID", "my-powerbi-app")],
         strings(&["AZURE_CLIENT_ID \"my-powerbi-app\" is not an application (client) id"])),
        ("a profile's client id", profile("bad-client"), vec![],
         strings(&["profile \"bad-client\": client_id \"Sales Reporting App\" is not an application (client) id"])),
        ("a workspace name", who(&["--workspace", "Sales"]), vec![],
         strings(&["--workspace \"Sales\" is not a workspace id", "the part after /groups/"])),
        ("a workspace URL", who(&["--workspace", &workspace_url]), vec![],
         vec!["is not a workspace id".to_owned(), format!("did you mean {SALES}?")]),
        ("a profile's workspace", profile("bad-workspace"), vec![],
         strings(&["profile \"bad-workspace\": workspaces \"Sales\" is not a workspace id"])),
        ("an --output in no folder", who(&["--output", "junit={dir}/no/such/dir/x.xml"]), vec![],
         vec![format!("--output junit={}: the folder {} does not exist. Create it first", folder.path("no/such/dir/x.xml"), folder.path("no/such/dir"))]),
        ("an --output under a file", who(&["--output", "json={dir}/a-file/x.json"]), vec![],
         vec![format!("{} is not a folder", folder.path("a-file"))]),
        ("an --output that is a folder", who(&["--output", "markdown={dir}"]), vec![],
         strings(&["is a folder; name a file in it, such as", "pbi-doctor.md"])),
        ("a --record in no folder", who(&["--record", "{dir}/missing/session.json"]), vec![],
         vec![format!("--record {}: the folder {} does not exist", folder.path("missing/session.json"), folder.path("missing"))]),
        ("an unknown profile", profile("contosso"), vec![],
         vec![format!("{}: no profile is named \"contosso\"; did you mean contoso?", folder.path("profiles.toml")),
              "The profiles are: bad-client, bad-tenant, bad-workspace, contoso, fabrikam-gov".to_owned()]),
    ];
    for (name, args, env, words) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (output, requests) = against_mock(&folder, &args, env).await;
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {message}");
        for words in words {
            assert!(
                message.contains(words),
                "{name}: {words:?} not in {message}"
            );
        }
        assert!(
            requests.is_empty(),
            "{name}: {} request(s) sent, first {}",
            requests.len(),
            requests[0].url
        );
        assert!(
            output.stdout.is_empty(),
            "{name}: no report is written for a run that did not start"
        );
    }
    // Nothing was created by the refusals.
    assert!(!folder.0.join("no").exists() && !folder.0.join("missing").exists());

    // The same mock does see a run whose input is good: the emptiness above is not an accident
    // of the setup.
    for good in [who(&[]), profile("contoso")] {
        let good: Vec<&str> = good.iter().map(String::as_str).collect();
        let (output, requests) = against_mock(&folder, &good, &[]).await;
        assert!(!requests.is_empty(), "{good:?}: {}", stderr(&output));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_multi_tenant_names_still_reach_the_token_check() {
    // `organizations` is a sign-in authority for users and is kept; for an app, the token check
    // says why it cannot work (without sending the token request).
    let folder = Folder::new();
    let (output, requests) = against_mock(
        &folder,
        &[
            "--tenant",
            "organizations",
            "--client-id",
            CLIENT,
            "--cloud",
            "public",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(requests.is_empty(), "the token check sends nothing for it");
    let report = json_report("organizations", &output);
    assert_eq!(
        report["causes"][0]["id"], "tenant-specific-authority-required",
        "{report}"
    );
}

#[test]
fn the_offline_commands_check_their_inputs_before_reading() {
    let dir = tempdir();
    let no_folder = format!("junit={}/no/such/x.xml", dir.display());
    let cases: &[(&[&str], &str)] = &[
        (
            &["token", "--expect-tenant", "contoso", "-"],
            "--expect-tenant \"contoso\" is neither a tenant id (GUID) nor a domain; did you mean contoso.onmicrosoft.com?",
        ),
        (
            &["token", "--expect-client-id", "my-app", "-"],
            "--expect-client-id \"my-app\" is not an application (client) id",
        ),
        (&["token", "--output", &no_folder, "-"], "does not exist"),
        (&["explain", "--output", &no_folder, "-"], "does not exist"),
        (&["replay", "--output", &no_folder], "does not exist"),
    ];
    for (args, words) in cases {
        // Standard input is a token: a command that read it first would get on with the run.
        let out = crate::harness::run(args, Some("AADSTS700016: Application not found"));
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(words), "{args:?}: {message}");
        assert!(out.stdout.is_empty(), "{args:?}: no report");
    }
    assert!(!dir.join("no").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unknown_scenario_gets_the_closest_names() {
    let cases: &[(&str, &str)] = &[
        (
            "tenant-not-fuond",
            "no shipped scenario is named \"tenant-not-fuond\"; did you mean tenant-not-found?",
        ),
        ("wrong-clod", "did you mean wrong-cloud?"),
        (
            "Expired-Client-Secret",
            "did you mean expired-client-secret?",
        ),
        (
            "no-such-thing-at-all",
            "no shipped scenario is named \"no-such-thing-at-all\". Run `pbi-doctor replay --list` to see them all",
        ),
    ];
    for (name, words) in cases {
        let out = crate::harness::run(&["replay", "--scenario", name], None);
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {message}");
        assert!(message.contains(words), "{name}: {message}");
    }
}

/// The JSON report's cloud for `check` on a Graph token (its probes are never reached).
fn check_cloud(args: &[&str], profiles: Option<&Path>) -> String {
    let now = chrono::Utc::now().timestamp();
    let token = pbi_doctor::jwt::encode_unsigned(
        &serde_json::json!({"typ": "JWT", "alg": "RS256"}),
        &serde_json::json!({"aud": "https://graph.microsoft.com", "tid": "72f988bf-0000-4000-8000-000000000001",
            "appid": CLIENT, "idtyp": "app", "iat": now - 60, "nbf": now - 60, "exp": now + 3600, "ver": "1.0"}),
        "c2lnbmF0dXJl",
    );
    let mut cmd = Command::cargo_bin("pbi-doctor").unwrap();
    cmd.env_clear().env("NO_COLOR", "1").arg("check");
    if let Some(file) = profiles {
        cmd.arg("--profiles").arg(file);
    }
    let out = cmd
        .args(args)
        .args([
            "--token-file",
            "-",
            "--powerbi-api",
            "http://127.0.0.1:9",
            "--api",
            "powerbi",
        ])
        .args(["--authority-host", "http://127.0.0.1:9", "--format", "json"])
        .write_stdin(token)
        .output()
        .unwrap();
    let report = json_report(&format!("{args:?}"), &out);
    report["target"]["cloud"].as_str().unwrap().to_owned()
}

#[test]
fn the_cloud_names_people_type_are_read_on_the_command_line_and_in_profiles() {
    let dir = tempdir();
    let file = dir.join("profiles.toml");
    let table = [
        ("gcc", "usgov"),
        ("GCC", "usgov"),
        ("gcchigh", "usgovhigh"),
        ("gcc-high", "usgovhigh"),
        ("dodcon", "usgovhigh"),
        ("dod", "usdod"),
        ("usgovmil", "usdod"),
        ("mooncake", "china"),
        ("commercial", "public"),
        ("usgovhigh", "usgovhigh"),
    ];
    for (alias, cloud) in table {
        assert_eq!(
            check_cloud(&["--cloud", alias], None),
            cloud,
            "--cloud {alias}"
        );
        std::fs::write(&file, format!("[profiles.p]\ncloud = \"{alias}\"\n")).unwrap();
        assert_eq!(
            check_cloud(&["--profile", "p"], Some(&file)),
            cloud,
            "profile cloud = {alias:?}"
        );
    }
    // `token` and `explain` take them too.
    let out = crate::harness::run(
        &["token", "--cloud", "mooncake", "--format", "json", "-"],
        Some("eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2ln"),
    );
    assert_eq!(json_report("token", &out)["target"]["cloud"], "china");
    // A name that is none: clap's refusal lists the clouds, exit 2.
    let out = crate::harness::run(&["check", "--cloud", "germany"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("usgovhigh"), "{}", stderr(&out));
    std::fs::write(&file, "[profiles.p]\ncloud = \"germany\"\n").unwrap();
    let out = crate::harness::run(
        &[
            "check",
            "--profiles",
            file.to_str().unwrap(),
            "--profile",
            "p",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown cloud \"germany\": use one of public (commercial), usgov (gcc), usgovhigh (gcchigh, gcc-high, dodcon), usdod (dod, usgovmil), china (mooncake)"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_lists_the_cloud_aliases() {
    let out = crate::harness::run(&["check", "--help"], None);
    let help = String::from_utf8_lossy(&out.stdout);
    for words in [
        "usgov:     US Government (GCC) [also: gcc]",
        "usgovhigh: US Government (GCC High) [also: gcchigh, gcc-high, dodcon]",
        "usdod:     US Department of Defense [also: dod, usgovmil]",
        "china:     China (21Vianet) [also: mooncake]",
    ] {
        assert!(help.contains(words), "{words:?} not in\n{help}");
    }
}

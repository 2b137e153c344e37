//! The CI smoke test (issue "CI smoke test of a tenant's configuration") through the real binary
//! against the mocked tenant: expectations and `--fail-on`, the platform formats picked from the
//! environment, `--output`, the GitHub job summary, mask commands, the admin-probe budget, and
//! profiles.

use crate::harness::{TEST_SIGNATURE, json_report, run, run_live, run_live_env, scenario, tempdir};

fn outcomes(report: &serde_json::Value) -> Vec<(String, bool)> {
    report["expectations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["spec"].as_str().unwrap().to_owned(),
                        e["holds"].as_bool().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expectations_decide_the_run() {
    let healthy = scenario("healthy-service-principal");
    let ws = healthy
        .session
        .settings
        .workspaces
        .first()
        .cloned()
        .unwrap_or_default();
    let all_hold = [
        "--format",
        "json",
        "--expect",
        "admin-api",
        "--expect",
        "workspaces>=1",
        "--expect",
        "identity=application",
        "--expect",
        "role!=Tenant.Read.All",
        "--expect",
        "token-lifetime>=30",
    ];
    let live = run_live(&healthy, &all_hold).await;
    let report = json_report("all hold", &live.output);
    assert_eq!(live.output.status.code(), Some(0), "{report}");
    assert!(
        outcomes(&report).iter().all(|(_, holds)| *holds),
        "{report}"
    );
    assert!(!ws.is_empty());

    let live = run_live(
        &healthy,
        &[
            "--format",
            "json",
            "--expect",
            "workspaces>=5",
            "--expect",
            "identity=delegated",
        ],
    )
    .await;
    let report = json_report("two fail", &live.output);
    assert_eq!(live.output.status.code(), Some(1));
    assert_eq!(
        outcomes(&report),
        [
            ("workspaces>=5".to_owned(), false),
            ("identity=delegated".to_owned(), false)
        ]
    );

    // The admin API is refused, but the job only needs a workspace: the run passes.
    let refused = scenario("forbidden-extra-permissions");
    let live = run_live(&refused, &["--format", "json", "--expect", "workspaces>=1"]).await;
    assert_eq!(
        live.output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&live.output.stdout)
    );
    let live = run_live(&refused, &["--format", "json", "--expect", "admin-api"]).await;
    let report = json_report("admin expected", &live.output);
    assert_eq!(live.output.status.code(), Some(1));
    assert_eq!(
        report["expectations"][0]["cause"], "forbidden-extra-permissions",
        "the failed expectation names the top cause"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_on_warn_fails_a_run_with_warnings() {
    let scenario = scenario("healthy-skip-admin");
    let quiet = run_live(&scenario, &["--format", "json"]).await;
    assert_eq!(quiet.output.status.code(), Some(0));
    let expiring = scenario_with_warning().await;
    assert_eq!(
        expiring,
        Some(1),
        "--fail-on warn turns a warning into a failed run"
    );
}

/// healthy-service-principal's workspace list is non-empty; sp-not-in-workspace's list is empty,
/// which is a warning for a service principal when no workspace is named.
async fn scenario_with_warning() -> Option<i32> {
    let mut s = scenario("sp-not-in-workspace");
    s.session.settings.workspaces.clear();
    s.session
        .exchanges
        .retain(|e| !e.request.url.contains("/datasets"));
    let warn = run_live(&s, &["--format", "json"]).await;
    assert_eq!(
        warn.output.status.code(),
        Some(0),
        "a warning alone passes by default"
    );
    run_live(&s, &["--format", "json", "--fail-on", "warn"])
        .await
        .output
        .status
        .code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platform_format_is_picked_from_the_environment_and_extra_outputs_are_written() {
    let s = scenario("forbidden-extra-permissions");
    let dir = tempdir();
    let summary = dir.join("summary.md");
    let junit = dir.join("report.xml");
    let junit_arg = format!("junit={}", junit.display());
    let live = run_live_env(
        &s,
        &["--output", &junit_arg],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&live.output.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("::error title=")),
        "{stdout}"
    );
    // The one place the token's signature may appear: the mask command the runner hides.
    let mask_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::add-mask::"))
        .collect();
    assert_eq!(
        mask_lines,
        [format!("::add-mask::{TEST_SIGNATURE}").as_str()]
    );
    assert_eq!(stdout.matches(TEST_SIGNATURE).count(), 1);
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("forbidden-extra-permissions")
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testcase") && !xml.contains(TEST_SIGNATURE),
        "{xml}"
    );

    let ado = run_live_env(&s, &[], &[("TF_BUILD", "True")]).await;
    let stdout = String::from_utf8_lossy(&ado.output.stdout);
    assert!(
        stdout.contains("##vso[task.logissue type=error")
            && stdout.contains("##vso[task.complete result=Failed;]"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("##vso[task.setsecret]{TEST_SIGNATURE}")));

    // Without the platform's variables: no masks, no summary, and the asked format wins.
    let summary2 = dir.join("not-written.md");
    let plain = run_live_env(
        &s,
        &["--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary2.to_str().unwrap())],
    )
    .await;
    let stdout = String::from_utf8_lossy(&plain.output.stdout);
    assert!(!stdout.contains("::add-mask::") && !stdout.contains(TEST_SIGNATURE));
    assert!(
        summary2.exists(),
        "with --format github the summary is appended when the variable is set"
    );
    let markdown = run_live(&s, &["--format", "markdown"]).await;
    assert!(String::from_utf8_lossy(&markdown.output.stdout).starts_with('#'));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_probe_budget_is_remembered_per_tenant() {
    let s = scenario("healthy-service-principal");
    let config = tempdir();
    let xdg = config.to_str().unwrap();
    let env = [("XDG_CONFIG_HOME", xdg)];
    let args = [
        "--format",
        "json",
        "--admin-probe-budget",
        "1",
        "--expect",
        "admin-api",
    ];
    let first = run_live_env(&s, &args, &env).await;
    assert_eq!(first.output.status.code(), Some(0));
    assert_eq!(
        first
            .requests
            .iter()
            .filter(|r| r.url.path().contains("/admin/"))
            .count(),
        1
    );
    assert!(
        config
            .join("pbi-doctor")
            .join("admin-probe-cache.json")
            .is_file()
    );

    let second = run_live_env(&s, &args, &env).await;
    let report = json_report("second", &second.output);
    assert_eq!(
        second
            .requests
            .iter()
            .filter(|r| r.url.path().contains("/admin/"))
            .count(),
        0,
        "over budget: not called"
    );
    assert_eq!(report["checks"][4]["status"], "skip");
    assert!(
        report["notes"].to_string().contains("--admin-probe-budget"),
        "{report}"
    );
    assert_eq!(
        second.output.status.code(),
        Some(0),
        "a skipped probe does not fail --expect admin-api"
    );
    // Its recording replays the skip as a skip: no admin answer was recorded to replay.
    let file = config.join("over-budget.json");
    std::fs::write(&file, &second.recording).unwrap();
    let replayed = run(
        &["replay", file.to_str().unwrap(), "--format", "json"],
        None,
    );
    let replayed_report = json_report("replayed", &replayed);
    assert_eq!(replayed.status.code(), Some(0), "{replayed_report}");
    assert_eq!(replayed_report["checks"][4]["status"], "skip");

    let third = run_live_env(
        &s,
        &[
            "--format",
            "json",
            "--admin-probe-budget",
            "1",
            "--no-cache",
        ],
        &env,
    )
    .await;
    assert_eq!(
        third
            .requests
            .iter()
            .filter(|r| r.url.path().contains("/admin/"))
            .count(),
        1,
        "--no-cache probes"
    );
    let _ = std::fs::remove_dir_all(config);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_supplies_tenant_client_and_secret_reference() {
    let mut s = scenario("healthy-service-principal");
    let dir = tempdir();
    let profiles = dir.join("profiles.toml");
    let tenant = s.session.settings.tenant.clone().unwrap();
    let client = s.session.settings.client_id.clone().unwrap();
    std::fs::write(
        &profiles,
        format!("[profiles.contoso]\ntenant = \"{tenant}\"\nclient_id = \"{client}\"\nauth = \"secret\"\nclient_secret_env = \"CONTOSO_PBI_SECRET\"\ncloud = \"public\"\n"),
    )
    .unwrap();
    s.session.settings.tenant = None;
    s.session.settings.client_id = None;
    let live = run_live_env(
        &s,
        &[
            "--format",
            "json",
            "--profile",
            "contoso",
            "--profiles",
            profiles.to_str().unwrap(),
        ],
        &[("CONTOSO_PBI_SECRET", "profile-secret-value-do-not-leak")],
    )
    .await;
    assert_eq!(
        live.output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&live.output.stderr)
    );
    let posted = live
        .requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    assert!(String::from_utf8_lossy(&posted.body).contains("profile-secret-value-do-not-leak"));
    assert!(
        !String::from_utf8_lossy(&live.output.stdout).contains("profile-secret-value-do-not-leak")
    );

    std::fs::write(
        &profiles,
        "[profiles.bad]\ntenant = \"x.com\"\nclient_secret = \"stored-secret-value\"\n",
    )
    .unwrap();
    let refused = run_live(
        &s,
        &["--profile", "bad", "--profiles", profiles.to_str().unwrap()],
    )
    .await;
    let stderr = String::from_utf8_lossy(&refused.output.stderr);
    assert_eq!(refused.output.status.code(), Some(2));
    assert!(
        !stderr.contains("stored-secret-value") && stderr.contains("client_secret"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

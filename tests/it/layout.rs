//! The human report as a person sees it on an 80- and a 120-column terminal: snapshots of a
//! healthy run, a failing one, one with a skipped check, one whose admin probe the budget skipped,
//! and runs whose expectations hold or fail; no line wider than the terminal except one holding a
//! word that cannot be broken; and the README's sample output, which must be what the binary prints.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use crate::harness::{run_live_env, scenario, tempdir};

const WIDTHS: [usize; 2] = [80, 120];

fn replay_at(width: usize, args: &[&str]) -> Output {
    Command::cargo_bin("pbi-doctor")
        .unwrap()
        .env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", width.to_string())
        .arg("replay")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// What changes from one live run to the next: the mock's port, the clock.
fn steady(text: &str) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let minutes = regex::Regex::new(r"\b\d+ minutes\b").unwrap();
    // Date and time apart: the layout may break the line between them.
    let date = regex::Regex::new(r"\d{4}-\d\d-\d\d").unwrap();
    let time = regex::Regex::new(r"\d\d:\d\d:\d\dZ").unwrap();
    let text = port.replace_all(text, "127.0.0.1:PORT");
    let text = date.replace_all(&text, "YYYY-MM-DD");
    let text = time.replace_all(&text, "HH:MM:SSZ");
    minutes.replace_all(&text, "N minutes").into_owned()
}

/// Every line fits, unless it holds a word longer than the room a line has after its indent, which
/// the layout keeps whole rather than break (a URL, a JSON body, an id).
fn assert_fits(what: &str, text: &str, width: usize) {
    for line in text.lines() {
        let columns = line.chars().count();
        if columns <= width {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let unbreakable = line
            .split_whitespace()
            .any(|word| word.chars().count() > width.saturating_sub(indent + 12));
        assert!(
            unbreakable,
            "{what} at {width} columns: a {columns}-column line of breakable words:\n{line}"
        );
    }
}

#[test]
fn replayed_reports_at_80_and_120_columns() {
    for (name, exit) in [
        ("healthy-service-principal", 0),
        ("forbidden-extra-permissions", 1),
        ("healthy-skip-admin", 0),
    ] {
        for width in WIDTHS {
            let output = replay_at(width, &["--scenario", name]);
            assert_eq!(output.status.code(), Some(exit), "{name}");
            let text = stdout(&output);
            assert_fits(name, &text, width);
            insta::assert_snapshot!(format!("{name}_{width}"), text);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_skipped_admin_probe_is_said_not_judged() {
    let s = scenario("healthy-service-principal");
    let config = tempdir();
    let xdg = config.to_str().unwrap();
    let args = ["--format", "human", "--admin-probe-budget", "1"];
    let first = run_live_env(&s, &args, &[("XDG_CONFIG_HOME", xdg)]).await;
    assert_eq!(first.output.status.code(), Some(0));
    for width in WIDTHS {
        let columns = width.to_string();
        let env = [("XDG_CONFIG_HOME", xdg), ("COLUMNS", columns.as_str())];
        let skipped = run_live_env(&s, &args, &env).await;
        assert_eq!(skipped.output.status.code(), Some(0));
        let text = steady(&stdout(&skipped.output));
        assert_fits("budget", &text, width);
        assert!(!text.contains("every check passed"), "{text}");
        insta::assert_snapshot!(format!("budget_skipped_{width}"), text);
    }
    let _ = std::fs::remove_dir_all(config);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expectations_are_listed_with_their_reasons() {
    let s = scenario("healthy-service-principal");
    for (name, expectations, exit) in [
        ("expectations_hold", ["admin-api", "workspaces>=1"], 0),
        ("expectation_fails", ["admin-api", "workspaces>=3"], 1),
    ] {
        for width in WIDTHS {
            let columns = width.to_string();
            let args = [
                "--format",
                "human",
                "--expect",
                expectations[0],
                "--expect",
                expectations[1],
            ];
            let live = run_live_env(&s, &args, &[("COLUMNS", columns.as_str())]).await;
            assert_eq!(live.output.status.code(), Some(exit), "{name}");
            let text = steady(&stdout(&live.output));
            assert_fits(name, &text, width);
            assert!(text.contains("\nExpectations\n"), "{text}");
            insta::assert_snapshot!(format!("{name}_{width}"), text);
        }
    }
}

/// The README's sample blocks: a `<!-- sample: ARGS -->` line, then a fenced block holding what
/// `pbi-doctor ARGS` prints at 100 columns. `PBI_DOCTOR_BLESS=1 cargo test` rewrites them.
#[test]
fn the_readme_sample_output_is_what_the_binary_prints() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let mut fresh = String::new();
    let mut samples = 0;
    let mut lines = readme.split_inclusive('\n');
    while let Some(line) = lines.next() {
        fresh.push_str(line);
        let Some(args) = line
            .trim()
            .strip_prefix("<!-- sample: ")
            .and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        samples += 1;
        let fence = lines
            .next()
            .expect("a fenced block after the sample marker");
        assert!(fence.starts_with("```"), "{fence}");
        fresh.push_str(fence);
        for old in lines.by_ref() {
            if old.starts_with("```") {
                break;
            }
        }
        let args: Vec<&str> = args.split_whitespace().collect();
        let output = Command::cargo_bin("pbi-doctor")
            .unwrap()
            .env_clear()
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .args(&args)
            .output()
            .unwrap();
        fresh.push_str(&stdout(&output));
        fresh.push_str("```\n");
    }
    assert!(samples >= 1, "the README shows no sample output");
    if std::env::var_os("PBI_DOCTOR_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    assert!(
        readme == fresh,
        "README.md's sample output is stale; regenerate it with `PBI_DOCTOR_BLESS=1 cargo test`"
    );
}

//! What people install and wire up without Rust: the shell completion scripts and the man pages
//! (both generated from the clap definition, so every subcommand and flag must be in them), the
//! GitHub Action (`action.yml`) and the wheel's metadata (`pyproject.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use clap::CommandFactory as _;
use pbi_doctor::cli::Cli;

use crate::harness::run;

/// Each visible subcommand with its long flags (`--tenant`), as `--help` shows them; global
/// flags (`--quiet`) included, hidden ones (`--client-secret`, the `man` command) not.
fn visible_flags() -> BTreeMap<String, Vec<String>> {
    let mut root = Cli::command();
    root.build();
    root.get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .map(|c| {
            let flags = c
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(str::to_owned))
                .collect();
            (c.get_name().to_owned(), flags)
        })
        .collect()
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The text from the first line containing `start` up to the first line after it containing
/// `end`: one subcommand's part of a completion script.
fn block<'a>(script: &'a str, start: &str, end: &str) -> &'a str {
    let from = script
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the script"));
    let rest = &script[from..];
    let first_line = rest.find('\n').unwrap_or(rest.len());
    let to = rest[first_line..]
        .find(end)
        .map_or(rest.len(), |i| first_line + i + end.len());
    &rest[..to]
}

/// Whether the script offers `sub` as a subcommand and each of `flags` after it, in the shell's
/// own syntax. Returns what is missing.
fn missing_in(shell: &str, script: &str, sub: &str, flags: &[String]) -> Vec<String> {
    let offers_sub = match shell {
        "bash" => script.contains(&format!("pbi__doctor,{sub})")),
        "zsh" => script.contains(&format!("'{sub}:")),
        "fish" => script.contains(&format!(
            "-n \"__fish_pbi_doctor_needs_command\" -f -a \"{sub}\""
        )),
        "powershell" => script.contains(&format!("[CompletionResult]::new('{sub}', '{sub}'")),
        "elvish" => script.contains(&format!("cand {sub} '")),
        _ => unreachable!(),
    };
    let part = match shell {
        "bash" => block(
            script,
            &format!("        pbi__doctor__subcmd__{sub})"),
            "\"\n",
        ),
        "zsh" => block(script, &format!("({sub})\n_arguments"), "&& ret=0"),
        "fish" => script,
        "powershell" => block(script, &format!("'pbi-doctor;{sub}' {{"), "break"),
        "elvish" => block(script, &format!("&'pbi-doctor;{sub}'= {{"), "}"),
        _ => unreachable!(),
    };
    let mut missing: Vec<String> = flags
        .iter()
        .filter(|flag| {
            let offered = match shell {
                "bash" => part
                    .split(['"', ' ', '\n'])
                    .any(|word| word == format!("--{flag}")),
                "zsh" => {
                    part.contains(&format!("--{flag}=[")) || part.contains(&format!("--{flag}["))
                }
                "fish" => part.lines().any(|line| {
                    line.contains(&format!("__fish_pbi_doctor_using_subcommand {sub}\""))
                        && (line.contains(&format!(" -l {flag} "))
                            || line.ends_with(&format!(" -l {flag}")))
                }),
                "powershell" => part.contains(&format!("[CompletionResult]::new('--{flag}',")),
                "elvish" => part.contains(&format!("cand --{flag} '")),
                _ => unreachable!(),
            };
            !offered
        })
        .map(|flag| format!("--{flag}"))
        .collect();
    if !offers_sub {
        missing.insert(0, format!("the subcommand {sub}"));
    }
    missing
}

#[test]
fn every_subcommand_and_flag_is_in_every_shells_completion_script() {
    let flags = visible_flags();
    assert!(
        flags.len() >= 6 && flags["check"].contains(&"tenant".to_owned()),
        "{flags:?}"
    );
    let refused = regex::Regex::new(r"(--|-l )client-secret($|[^-])").unwrap();
    let man = regex::Regex::new(r"\bman\b").unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        let mut missing = Vec::new();
        for (sub, sub_flags) in &flags {
            for what in missing_in(shell, &script, sub, sub_flags) {
                missing.push(format!("{sub}: {what}"));
            }
        }
        assert!(missing.is_empty(), "{shell} misses {missing:?}");
        // What --help hides is not offered either: the packagers' man command and the
        // --client-secret flag that exists only to be refused.
        assert!(!refused.is_match(&script), "{shell} offers --client-secret");
        assert!(
            !man.is_match(&script),
            "{shell} offers the hidden man command"
        );
    }
}

/// Bash, really completing: the script is sourced and its function asked, as bash does on Tab.
#[test]
fn bash_completes_subcommands_flags_and_values() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("bash is not installed: skipped");
        return;
    }
    let dir = crate::harness::tempdir();
    let script = dir.join("pbi-doctor.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    // COMP_WORDS is the line so far; the function gets the program, the word being completed
    // and the word before it.
    let complete = |words: &[&str]| -> String {
        let cword = words.len() - 1;
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let shell = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; _pbi__doctor pbi-doctor '{}' '{}'; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words[cword],
            words[cword - 1]
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &shell])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(complete(&["pbi-doctor", "comp"]), "completions");
    assert_eq!(complete(&["pbi-doctor", "check", "--ten"]), "--tenant");
    assert_eq!(
        complete(&["pbi-doctor", "check", "--auth", "azure"]),
        "azure-cli"
    );
    assert_eq!(
        complete(&["pbi-doctor", "replay", "--sc"]),
        "--scenario",
        "a subcommand's own flags complete (clap-rs/clap#6421 is worked around)"
    );
    assert_eq!(complete(&["pbi-doctor", "completions", "p"]), "powershell");
    let _ = std::fs::remove_dir_all(dir);
}

/// zsh and fish read their scripts without a syntax error, where they are installed.
#[test]
fn zsh_and_fish_accept_their_scripts() {
    let dir = crate::harness::tempdir();
    for (shell, args) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        if std::process::Command::new(shell)
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("{shell} is not installed: skipped");
            continue;
        }
        let file = dir.join(format!("completion.{shell}"));
        std::fs::write(&file, stdout_of(&["completions", shell])).unwrap();
        let out = std::process::Command::new(shell)
            .args(args)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let out = run(&["completions", "cmd"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        ["bash", "zsh", "fish", "powershell"]
            .iter()
            .all(|s| stderr.contains(s)),
        "{stderr}"
    );
}

/// roff escapes hyphens: `pbi\-doctor\-check`.
fn roff(text: &str) -> String {
    text.replace('-', "\\-")
}

#[test]
fn the_man_page_names_every_subcommand_and_each_page_every_flag() {
    let main = stdout_of(&["man"]);
    assert!(main.contains(".TH pbi-doctor 1"), "{main}");
    assert!(
        main.contains(&format!("\"pbi-doctor {}\"", env!("CARGO_PKG_VERSION"))),
        "the page carries the version"
    );
    let flags = visible_flags();
    for (sub, sub_flags) in &flags {
        assert!(
            main.contains(&roff(&format!("pbi-doctor-{sub}(1)"))),
            "the main page does not name {sub}"
        );
        let page = stdout_of(&["man", sub]);
        assert!(
            page.contains(&format!(
                ".TH pbi-doctor-{sub} 1  \"pbi-doctor {}\"",
                env!("CARGO_PKG_VERSION")
            )),
            "{sub}: {}",
            &page[..page.len().min(300)]
        );
        assert!(
            page.contains(&format!("\\fB{}\\fR", roff(&format!("pbi-doctor {sub}")))),
            "{sub}: the synopsis names the whole command"
        );
        for flag in sub_flags {
            assert!(
                page.contains(&format!("\\fB{}\\fR", roff(&format!("--{flag}")))),
                "{sub}'s page misses --{flag}"
            );
        }
        assert!(!page.contains(&roff("--client-secret\\fR")));
    }
    assert!(!main.contains(&roff("pbi-doctor-man(1)")), "man is hidden");
    let out = run(&["man", "chek"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean check?"));
}

#[test]
fn the_commands_table_in_the_readme_lists_every_subcommand() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for sub in visible_flags().keys() {
        assert!(
            readme.contains(&format!("| `pbi-doctor {sub}")),
            "README's Commands table lacks {sub}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The GitHub Action (action.yml): its inputs, and its scripts run by bash as the runner would,
// with stand-ins for pbi-doctor and Python that record what they were given.

fn action() -> yaml_rust2::Yaml {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

/// The step of the action with this name.
fn step(action: &yaml_rust2::Yaml, name: &str) -> yaml_rust2::Yaml {
    action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?} in action.yml"))
        .clone()
}

/// What a run of one of the action's bash steps left: its exit status, stderr, what it wrote
/// to GITHUB_OUTPUT and GITHUB_PATH, and each line the stand-ins recorded.
pub(crate) struct StepRun {
    pub(crate) status: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) outputs: String,
    pub(crate) path: String,
    pub(crate) recorded: Vec<String>,
}

/// Runs a bash step of action.yml with these inputs (the others at their defaults), its `env:`
/// expressions filled in as the runner fills them. `pbi-doctor` and `python3` on PATH are
/// stand-ins that write their arguments, one a line, to a file and exit with `exit`.
pub(crate) fn run_action_step(name: &str, inputs: &[(&str, &str)], exit: i32) -> StepRun {
    let action = action();
    let step = step(&action, name);
    assert_eq!(step["shell"].as_str(), Some("bash"), "{name}");
    let dir = crate::harness::tempdir();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = dir.join("recorded.txt");
    let recorder = format!(
        "#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = venv ]; then mkdir -p \"$3/bin\" && cp \"$0\" \"$3/bin/python\"; exit 0; fi\n\
         printf '%s\\n' \"$@\" >> '{}'\nexit {exit}\n",
        record.display()
    );
    for program in ["pbi-doctor", "python3"] {
        let path = bin.join(program);
        std::fs::write(&path, &recorder).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let input = |key: &str| -> String {
        inputs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| action["inputs"][key]["default"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("the action has no input {key}"))
    };
    let temp = dir.join("runner-temp");
    let expression = regex::Regex::new(r"\$\{\{\s*([^}]*?)\s*\}\}").unwrap();
    let fill = |value: &str| -> String {
        expression
            .replace_all(value, |c: &regex::Captures<'_>| match &c[1] {
                e if e.starts_with("inputs.") => input(&e["inputs.".len()..]),
                "runner.temp" => temp.display().to_string(),
                "github.action_path" => env!("CARGO_MANIFEST_DIR").to_owned(),
                "github.action_repository" => "OWNER/pbi-doctor".to_owned(),
                other => panic!("an expression the test does not know: {other}"),
            })
            .into_owned()
    };
    let outputs = dir.join("github-output");
    let github_path = dir.join("github-path");
    let mut command = std::process::Command::new("bash");
    command
        .arg("-c")
        .arg(step["run"].as_str().expect("a run script"))
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_PATH", &github_path)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64");
    if let Some(env) = step["env"].as_hash() {
        for (key, value) in env {
            command.env(key.as_str().unwrap(), fill(value.as_str().unwrap()));
        }
    }
    let out = command.output().unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let run = StepRun {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: read(&outputs),
        path: read(&github_path),
        recorded: read(&record).lines().map(str::to_owned).collect(),
    };
    let _ = std::fs::remove_dir_all(dir);
    run
}

#[test]
fn the_action_has_the_documented_inputs_and_runs_composite() {
    let action = action();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs: Vec<&str> = action["inputs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    for name in [
        "tenant",
        "client-id",
        "auth",
        "expect",
        "workspace",
        "args",
        "version",
        "install",
    ] {
        assert!(inputs.contains(&name), "no input {name}: {inputs:?}");
    }
    for (name, default) in [("auth", "github-oidc"), ("install", "pip"), ("version", "")] {
        assert_eq!(
            action["inputs"][name]["default"].as_str(),
            Some(default),
            "{name}"
        );
    }
    // Every input and output is described, for the Marketplace page.
    for (name, spec) in action["inputs"].as_hash().unwrap() {
        assert!(
            spec["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name:?}"
        );
    }
    let upload = step(&action, "Upload the JUnit report");
    assert_eq!(upload["uses"].as_str(), Some("actions/upload-artifact@v4"));
    assert!(upload["if"].as_str().unwrap().starts_with("always()"));
    // Inputs are handed over in the environment, never pasted into a script.
    for name in [
        "Install pbi-doctor",
        "Check Power BI access",
        "Fail when pbi-doctor did",
    ] {
        let script = step(&action, name)["run"].as_str().unwrap().to_owned();
        assert!(
            !script.contains("${{"),
            "{name}: an expression in the script"
        );
    }
}

#[test]
fn the_action_builds_a_check_the_cli_accepts_from_its_inputs() {
    let run = run_action_step(
        "Check Power BI access",
        &[
            ("tenant", "72f988bf-0000-4000-8000-000000000001"),
            ("client-id", "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90"),
            (
                "expect",
                "admin-api\n  workspaces>=1  \n\nrole!=Tenant.Read.All\n",
            ),
            ("workspace", "f089354e-8366-4e18-aea3-4cb4a3a50b48\n"),
            (
                "args",
                " --cloud usgov   --skip-admin $(touch /tmp/pwned) *",
            ),
        ],
        1,
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let mut argv = vec!["pbi-doctor".to_owned()];
    argv.extend(run.recorded.iter().cloned());
    use clap::Parser as _;
    // `$(touch …)` and `*` reach pbi-doctor as words, unexpanded and unglobbed: the CLI refuses
    // the first as an unexpected argument.
    let refused = Cli::try_parse_from(&argv).expect_err("$(touch is no argument of check");
    assert!(refused.to_string().contains("$(touch"), "{refused}");
    let expected: Vec<&str> = vec![
        "check",
        "--auth",
        "github-oidc",
        "--format",
        "github",
        "--output",
    ];
    assert_eq!(&argv[1..7], expected.as_slice());
    assert!(argv[7].starts_with("junit=") && argv[7].ends_with("/pbi-doctor/pbi-doctor.xml"));
    let rest = argv[8..].join(" ");
    assert_eq!(
        rest,
        "--tenant 72f988bf-0000-4000-8000-000000000001 --client-id 8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90 \
         --expect admin-api --expect workspaces>=1 --expect role!=Tenant.Read.All \
         --workspace f089354e-8366-4e18-aea3-4cb4a3a50b48 --cloud usgov --skip-admin $(touch /tmp/pwned) *"
    );
    // Without the unexpanded words, clap accepts the whole command.
    let clean: Vec<String> = argv
        .iter()
        .filter(|a| !a.starts_with("$(") && *a != "/tmp/pwned)" && *a != "*")
        .cloned()
        .collect();
    Cli::try_parse_from(&clean).expect("the CLI accepts what the action builds");
    // pbi-doctor's exit status is the step's output, for the last step to fail with.
    assert!(run.outputs.contains("exit-code=1\n"), "{}", run.outputs);
    assert!(run.outputs.contains("junit="), "{}", run.outputs);

    // With nothing but the defaults: the variables AZURE_TENANT_ID and AZURE_CLIENT_ID decide.
    let bare = run_action_step("Check Power BI access", &[], 0);
    assert_eq!(
        bare.recorded[..5],
        ["check", "--auth", "github-oidc", "--format", "github"]
    );
    assert_eq!(bare.recorded.len(), 7, "{:?}", bare.recorded);
    assert!(bare.outputs.contains("exit-code=0\n"));
}

#[test]
fn the_action_installs_the_wheel_of_its_own_version_with_pip() {
    let run = run_action_step("Install pbi-doctor", &[], 0);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.recorded,
        [
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            &format!("pbi-doctor=={}", env!("CARGO_PKG_VERSION")),
        ]
    );
    assert!(
        run.path.trim_end().ends_with("/pbi-doctor/venv/bin"),
        "{}",
        run.path
    );
    let pinned = run_action_step("Install pbi-doctor", &[("version", "0.0.9")], 0);
    assert_eq!(
        pinned.recorded.last().map(String::as_str),
        Some("pbi-doctor==0.0.9")
    );
    let bogus = run_action_step("Install pbi-doctor", &[("install", "brew")], 0);
    assert_eq!(bogus.status, Some(1));
    assert!(
        bogus
            .stdout
            .contains("::error::install: 'brew' is not pip, release or source"),
        "{}",
        bogus.stdout
    );
}

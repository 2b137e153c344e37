//! The CI examples in `examples/`: every file is YAML, and every `pbi-doctor …` command line in a
//! `run:` / `script:` step is one the command line accepts, so a copied example works. A step
//! that uses the pbi-doctor GitHub Action (`uses: ./` or `…/pbi-doctor@…`) is checked through the
//! command the action builds from its `with:` inputs (`install.rs` runs the action's script).
//!
//! Commands are extracted from the step's script: `\`-continued lines are joined, GitHub and Azure
//! Pipelines expressions (`${{ … }}`, `$(…)`) and shell variables become a placeholder (a GUID, so
//! that `workspace=${{ vars.ID }}` stays a valid expectation), and the line is split into words as
//! a POSIX shell would; an unquoted `|`, `;`, `&`, `>` or `<` ends the command, so an unquoted
//! `--expect workspaces>=1` (a redirection) is caught.

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

/// Flip to `true` once `pbi-doctor check` accepts every CI flag the examples use (`--auth`,
/// `--expect`, `--fail-on`, `--format github|azure-devops|junit|markdown`, `--output`,
/// `--admin-probe-budget`, `--no-cache`): the commands are then checked by clap itself
/// (`Cli::try_parse_from`) instead of by the interim flag list below.
const CLI_HAS_CI_FLAGS: bool = true;

/// What stands in for an expression or a variable.
const PLACEHOLDER: &str = "00000000-0000-4000-8000-000000000000";

/// Flags of `pbi-doctor check` the examples may use, and whether each takes a value.
const CHECK_FLAGS: &[(&str, bool)] = &[
    ("--auth", true),
    ("--tenant", true),
    ("--client-id", true),
    ("--expect", true),
    ("--fail-on", true),
    ("--format", true),
    ("--output", true),
    ("--admin-probe-budget", true),
    ("--no-cache", false),
    ("--workspace", true),
    ("--skip-admin", false),
    ("--cloud", true),
];

const FORMATS: &[&str] = &[
    "human",
    "json",
    "junit",
    "github",
    "azure-devops",
    "markdown",
];
const CLOUDS: &[&str] = &["public", "usgov", "usgovhigh", "usdod", "china"];

/// Checks one command line (program name first) the way the CLI would.
fn validate(args: &[String]) -> Result<(), String> {
    if CLI_HAS_CI_FLAGS {
        use clap::Parser as _;
        return pbi_doctor::cli::Cli::try_parse_from(args)
            .map(|_| ())
            .map_err(|e| e.to_string());
    }
    validate_interim(args)
}

/// Until the CLI has the CI flags: each flag is a known one and each value has the right shape.
fn validate_interim(args: &[String]) -> Result<(), String> {
    match args {
        [program, command, ..] if program == "pbi-doctor" && command == "check" => {}
        _ => return Err(format!("not a `pbi-doctor check` command: {args:?}")),
    }
    let mut rest = args[2..].iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let Some((_, takes_value)) = CHECK_FLAGS.iter().find(|(name, _)| *name == flag) else {
            return Err(if flag.starts_with('-') {
                format!("unknown flag {flag}")
            } else {
                format!("unexpected argument {flag:?}")
            });
        };
        if !takes_value {
            if inline.is_some() {
                return Err(format!("{flag} takes no value"));
            }
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => rest
                .next()
                .filter(|v| !v.starts_with("--"))
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))?,
        };
        let one_of = |allowed: &[&str]| {
            if allowed.contains(&value.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "{flag} {value:?}: not one of {}",
                    allowed.join(", ")
                ))
            }
        };
        match flag {
            "--expect" => pbi_doctor::expect::parse(&value)
                .map(|_| ())
                .map_err(|e| e.to_string())?,
            "--fail-on" => one_of(&["warn", "fail"])?,
            "--format" => one_of(FORMATS)?,
            "--cloud" => one_of(CLOUDS)?,
            "--output" => match value.split_once('=') {
                Some((format, path)) if FORMATS.contains(&format) && !path.trim().is_empty() => {}
                _ => return Err(format!("--output {value:?}: not FORMAT=PATH")),
            },
            "--admin-probe-budget" => {
                value
                    .parse::<u32>()
                    .map_err(|_| format!("--admin-probe-budget {value:?}: not a number"))?;
            }
            "--workspace" if !pbi_doctor::shape::is_guid(&value) => {
                return Err(format!("--workspace {value:?}: not a workspace id"));
            }
            _ if value.trim().is_empty() => return Err(format!("{flag} has an empty value")),
            _ => {}
        }
    }
    Ok(())
}

/// Replaces `${{ … }}`, `$(…)`, `${…}` and `$NAME` by the placeholder.
fn substitute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = if let Some(inner) = tail.strip_prefix("${{") {
            inner.find("}}").map(|i| 3 + i + 2)
        } else if tail.starts_with("$(") {
            tail.find(')').map(|i| i + 1)
        } else if tail.starts_with("${") {
            tail.find('}').map(|i| i + 1)
        } else {
            let name = tail[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len() - 1);
            (name > 0).then_some(1 + name)
        };
        match end {
            Some(end) => {
                out.push_str(PLACEHOLDER);
                rest = &tail[end..];
            }
            None => {
                out.push('$');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Joins `\`-continued lines into logical lines.
fn logical_lines(script: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            lines.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

/// Splits a line into words like a POSIX shell, up to the first unquoted control or redirection
/// operator or comment.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed ' in {line:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unclosed \" in {line:?}")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed \" in {line:?}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            '#' if !in_word => break,
            '|' | ';' | '&' | '>' | '<' => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The `pbi-doctor …` command lines of a script, as argument lists (program name first).
fn commands(script: &str) -> Result<Vec<Vec<String>>, String> {
    let mut found = Vec::new();
    for line in logical_lines(script) {
        let mut words = shell_words(&substitute(&line))?;
        // Leading `NAME=value` assignments belong to the shell, not the program.
        let program = words
            .iter()
            .position(|w| !w.contains('=') || w.starts_with('-'))
            .unwrap_or(words.len());
        words.drain(..program);
        if words
            .first()
            .is_some_and(|w| w == "pbi-doctor" || w.ends_with("/pbi-doctor"))
        {
            words[0] = "pbi-doctor".to_owned();
            found.push(words);
        }
    }
    Ok(found)
}

/// Every script of a workflow or pipeline: the string values of `run`, `script`, `bash`,
/// `pwsh` and `powershell` keys, at any depth.
fn scripts(yaml: &Yaml, out: &mut Vec<String>) {
    match yaml {
        Yaml::Hash(map) => {
            for (key, value) in map {
                if let (Some(key), Some(text)) = (key.as_str(), value.as_str())
                    && ["run", "script", "bash", "pwsh", "powershell"].contains(&key)
                {
                    out.push(text.to_owned());
                }
                scripts(value, out);
            }
        }
        Yaml::Array(items) => items.iter().for_each(|item| scripts(item, out)),
        _ => {}
    }
}

/// The steps that use the pbi-doctor action, at any depth, with their `with:` inputs (expressions
/// replaced by the placeholder).
fn action_uses(yaml: &Yaml, out: &mut Vec<Vec<(String, String)>>) {
    match yaml {
        Yaml::Hash(map) => {
            if let Some(uses) = map
                .get(&Yaml::String("uses".to_owned()))
                .and_then(Yaml::as_str)
                && (uses == "./" || uses.contains("/pbi-doctor@"))
            {
                let inputs = map
                    .get(&Yaml::String("with".to_owned()))
                    .and_then(Yaml::as_hash)
                    .map(|with| {
                        with.iter()
                            .map(|(k, v)| {
                                let value = match v {
                                    Yaml::String(s) => s.clone(),
                                    Yaml::Integer(i) => i.to_string(),
                                    Yaml::Boolean(b) => b.to_string(),
                                    other => panic!("input {k:?}: {other:?}"),
                                };
                                (k.as_str().unwrap().to_owned(), substitute(&value))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(inputs);
            }
            for value in map.values() {
                action_uses(value, out);
            }
        }
        Yaml::Array(items) => items.iter().for_each(|item| action_uses(item, out)),
        _ => {}
    }
}

/// The command the action runs for these inputs, program name first.
fn action_command(inputs: &[(String, String)]) -> Vec<String> {
    let inputs: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = crate::install::run_action_step("Check Power BI access", &inputs, 0);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let mut command = vec!["pbi-doctor".to_owned()];
    command.extend(run.recorded);
    command
}

fn examples() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{}: one YAML document", path.display());
    docs.remove(0)
}

fn example(name: &str) -> (String, Yaml, Vec<Vec<String>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let yaml = load(&path);
    let mut found = Vec::new();
    let mut texts = Vec::new();
    scripts(&yaml, &mut texts);
    for script in &texts {
        found.extend(commands(script).unwrap());
    }
    let mut uses = Vec::new();
    action_uses(&yaml, &mut uses);
    found.extend(uses.iter().map(|inputs| action_command(inputs)));
    (text, yaml, found)
}

fn has(command: &[String], flag: &str, value: &str) -> bool {
    command.windows(2).any(|w| w[0] == flag && w[1] == value)
}

#[test]
fn every_example_is_yaml_and_its_commands_are_valid() {
    let files = examples();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "azure-devops.yml",
        "github-actions-oidc.yml",
        "scheduled.yml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "examples/{expected} is missing"
        );
    }
    for path in files {
        let yaml = load(&path);
        let mut texts = Vec::new();
        scripts(&yaml, &mut texts);
        let mut count = 0;
        let mut found = Vec::new();
        for script in &texts {
            found.extend(commands(script).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        }
        let mut uses = Vec::new();
        action_uses(&yaml, &mut uses);
        found.extend(uses.iter().map(|inputs| action_command(inputs)));
        for command in found {
            count += 1;
            if let Err(e) = validate(&command) {
                panic!("{}: {command:?} is refused: {e}", path.display());
            }
        }
        assert!(count > 0, "{}: no pbi-doctor command found", path.display());
    }
}

#[test]
fn github_oidc_example_needs_no_stored_secret() {
    let (text, yaml, commands) = example("github-actions-oidc.yml");
    assert_eq!(
        yaml["jobs"]["pbi-doctor"]["permissions"]["id-token"].as_str(),
        Some("write")
    );
    assert!(
        !text.contains("${{ secrets."),
        "no stored secret in an OIDC workflow"
    );
    let check = &commands[0];
    assert!(has(check, "--auth", "github-oidc"));
    assert!(has(check, "--tenant", PLACEHOLDER) && has(check, "--client-id", PLACEHOLDER));
    assert!(has(check, "--expect", "admin-api") && has(check, "--expect", "workspaces>=1"));
    // The action writes annotations and the job summary, and a JUnit report it uploads.
    assert!(has(check, "--format", "github"));
    assert!(
        check
            .iter()
            .any(|a| a.starts_with("junit=") && a.ends_with("/pbi-doctor.xml"))
    );
    let steps = yaml["jobs"]["pbi-doctor"]["steps"].as_vec().unwrap();
    assert!(steps.iter().any(|s| s["uses"].as_str() == Some("./")));
    assert!(
        text.contains("uses: OWNER/pbi-doctor@v1"),
        "the line for other repositories"
    );
    assert!(!text.contains("cargo install"), "no Rust toolchain needed");
}

#[test]
fn azure_devops_example_maps_the_secret_and_publishes_junit() {
    let (text, yaml, commands) = example("azure-devops.yml");
    let steps = yaml["steps"].as_vec().unwrap();
    let check_step = steps
        .iter()
        .find(|s| {
            s["script"]
                .as_str()
                .is_some_and(|t| t.contains("pbi-doctor check"))
        })
        .unwrap();
    assert_eq!(
        check_step["env"]["AZURE_CLIENT_SECRET"].as_str(),
        Some("$(AZURE_CLIENT_SECRET)")
    );
    let publish = steps
        .iter()
        .find(|s| s["task"].as_str() == Some("PublishTestResults@2"))
        .unwrap();
    assert_eq!(
        publish["inputs"]["testResultsFormat"].as_str(),
        Some("JUnit")
    );
    assert_eq!(publish["condition"].as_str(), Some("succeededOrFailed()"));
    let check = &commands[0];
    assert!(has(check, "--format", "azure-devops"));
    assert!(
        check
            .iter()
            .any(|a| a.starts_with("junit=") && a.ends_with("/pbi-doctor.xml"))
    );
    // The secret is mapped into the environment, never passed as an argument: only the
    // credential's name may say "secret".
    assert!(has(check, "--auth", "client-secret"));
    assert!(
        !check
            .iter()
            .any(|a| a.contains("secret") && a != "client-secret")
    );
    // The pip line of the README and the action, pinned to this version; no Rust toolchain.
    assert!(
        text.contains(&format!(
            "python -m pip install pbi-doctor=={}",
            env!("CARGO_PKG_VERSION")
        )),
        "the pinned pip line"
    );
    assert!(!text.contains("cargo install"));
}

#[test]
fn scheduled_example_runs_hourly_within_a_budget() {
    let (_, yaml, commands) = example("scheduled.yml");
    let cron = yaml["on"]["schedule"][0]["cron"].as_str().unwrap();
    let fields: Vec<&str> = cron.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "{cron}");
    assert!(fields[0].parse::<u8>().is_ok_and(|m| m < 60), "{cron}");
    assert_eq!(&fields[1..], ["*", "*", "*", "*"], "hourly: {cron}");
    assert_eq!(
        yaml["jobs"]["pbi-doctor"]["permissions"]["id-token"].as_str(),
        Some("write")
    );
    let check = &commands[0];
    assert!(has(check, "--admin-probe-budget", "5"));
    assert!(has(check, "--expect", "admin-api"));
}

#[test]
fn extraction_joins_continuations_and_replaces_expressions() {
    let script = "echo start\n\
                  pbi-doctor check --auth github-oidc \\\n  \
                  --tenant ${{ vars.AZURE_TENANT_ID }} \\\n  \
                  --expect 'workspaces>=1' --expect \"workspace=$(WS)\" \\\n  \
                  --output junit=$RUNNER_TEMP/x.xml --output json=${HOME}/y.json # a comment\n\
                  RUST_LOG=debug ./target/release/pbi-doctor check --skip-admin | tee log\n\
                  cargo install --locked --path .\n";
    let found = commands(script).unwrap();
    let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            words(&format!(
                "pbi-doctor check --auth github-oidc --tenant {PLACEHOLDER} --expect workspaces>=1 \
                 --expect workspace={PLACEHOLDER} --output junit={PLACEHOLDER}/x.xml \
                 --output json={PLACEHOLDER}/y.json"
            )),
            words("pbi-doctor check --skip-admin"),
        ]
    );
}

#[test]
fn validate_refuses_what_the_cli_refuses() {
    let table = [
        "pbi-doctor check --expect workspaces>=1", // unquoted: a redirection to the file =1
        "pbi-doctor check --expect workspaces=1",
        "pbi-doctor check --expect",
        "pbi-doctor check --bogus",
        "pbi-doctor check --format yaml",
        "pbi-doctor check --fail-on sometimes",
        "pbi-doctor check --output junit",
        "pbi-doctor check --admin-probe-budget many",
        "pbi-doctor check --cloud mars",
        "pbi-doctor check stray",
        "pbi-doctor explode",
    ];
    for line in table {
        let found = commands(line).unwrap();
        assert_eq!(found.len(), 1, "{line}");
        assert!(validate(&found[0]).is_err(), "{line} was accepted");
    }
    let good = commands(
        "pbi-doctor check --tenant t --client-id c --expect=admin-api --skip-admin --no-cache \
         --cloud usgov --fail-on warn --format markdown --output json=r.json --admin-probe-budget 3",
    )
    .unwrap();
    assert_eq!(validate(&good[0]), Ok(()));
}

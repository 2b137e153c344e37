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
                        && line.contains(&format!(" -l {flag} "))
                        || line.ends_with(&format!(" -l {flag}"))
                            && line.contains(&format!("using_subcommand {sub}\""))
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
        let refused = regex::Regex::new(r"(--|-l )client-secret($|[^-])").unwrap();
        assert!(!refused.is_match(&script), "{shell} offers --client-secret");
        let man = regex::Regex::new(r"\bman\b").unwrap();
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
            page.contains(&format!(".TH pbi-doctor-{sub} 1")),
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

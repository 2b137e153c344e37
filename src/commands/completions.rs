//! `pbi-doctor completions SHELL` and the hidden `pbi-doctor man [COMMAND]`: shell completion
//! scripts and manual pages, generated from the same clap definition the parser uses, so they
//! cannot drift from the flags the binary accepts.
//!
//! The man page is a hidden subcommand rather than a build step: the page always matches the
//! binary it comes from, a packager needs nothing but that binary (`pbi-doctor man > pbi-doctor.1`,
//! `pbi-doctor man check > pbi-doctor-check.1`), and the release script uses the same path.

use clap::{Command, CommandFactory as _};

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::print_plain;
use crate::suggest;

/// The name the completion scripts complete and the man pages are titled with.
const BIN: &str = "pbi-doctor";

/// Prints the completion script for the shell.
pub(crate) fn completions(args: &CompletionsArgs) -> Result<ExitStatus, DoctorError> {
    let mut command = completable(&Cli::command());
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, BIN, &mut script);
    if args.shell == clap_complete::Shell::Bash {
        script = bash_fixed(&script);
    }
    print_plain(&script)?;
    Ok(ExitStatus::Healthy)
}

/// clap_complete's bash script spells a subcommand's state two ways when the program's name has a
/// hyphen (clap-rs/clap#6421, open in 4.6.12): the loop sets `pbi__doctor__subcmd__check`, the
/// `case` arm waits for `pbi__subcmd__doctor__subcmd__check`, and no flag of a subcommand ever
/// completes. The arms are renamed to what the loop sets.
fn bash_fixed(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("pbi__subcmd__doctor__subcmd__", "pbi__doctor__subcmd__")
        .into_bytes()
}

/// The command without what `--help` hides (`man`, the refused `--client-secret`): clap_complete
/// offers hidden subcommands and flags too, and clap has no way to remove one, so the tree is
/// rebuilt from the visible parts. What completion reads is kept: names, help, flags with their
/// values, the version flag.
fn completable(command: &Command) -> Command {
    let mut out = Command::new(command.get_name().to_owned())
        .propagate_version(command.is_propagate_version_set())
        .args(
            command
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .cloned(),
        )
        .subcommands(
            command
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(completable),
        );
    if let Some(about) = command.get_about() {
        out = out.about(about.clone());
    }
    if let Some(version) = command.get_version() {
        out = out.version(version.to_owned());
    }
    out
}

/// The visible subcommands, in the order `--help` lists them.
pub(crate) fn subcommand_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect()
}

/// Prints the main man page, or one command's page (`pbi-doctor-check(1)`).
pub(crate) fn man(args: &ManArgs) -> Result<ExitStatus, DoctorError> {
    let mut root = Cli::command();
    // Propagates the version and the global flags (`--quiet`) to the subcommands' pages.
    root.build();
    let page = match &args.command {
        None => clap_mangen::Man::new(root),
        Some(name) => {
            let Some(sub) = root
                .get_subcommands()
                .find(|c| !c.is_hide_set() && c.get_name() == name.as_str())
            else {
                let known = subcommand_names();
                let near = suggest::closest(name, known.iter().map(String::as_str));
                return Err(DoctorError::Missing(format!(
                    "there is no command {name:?}{} The pages are for: {}",
                    suggest::did_you_mean(&near),
                    known.join(", ")
                )));
            };
            // Titled pbi-doctor-check, as `man` finds it; the synopsis names the whole command
            // line, `pbi-doctor check`.
            let title = format!("{BIN}-{}", sub.get_name());
            let source = format!("{BIN} {}", root.get_version().unwrap_or_default());
            let command = sub
                .clone()
                .display_name(title.clone())
                .bin_name(format!("{BIN} {}", sub.get_name()));
            clap_mangen::Man::new(command).title(title).source(source)
        }
    };
    let mut roff = Vec::new();
    page.render(&mut roff).map_err(DoctorError::WriteStdout)?;
    print_plain(&roff)?;
    Ok(ExitStatus::Healthy)
}

//! pbi-doctor: diagnoses refused Power BI and Microsoft Fabric REST API calls.
//!
//! The flow is one way: settings → credential → the chain of checks (each returns a
//! [`check::Finding`] with redacted evidence and flat signals) → [`diagnose::diagnose`] against the
//! embedded cause catalogue → a [`report::Report`] → a renderer → stdout. [`run`] is the whole
//! program and returns the exit status; `main` only calls it.

#![warn(missing_docs, unreachable_pub)]

pub mod api_error;
pub mod apis;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod cloud;
pub mod cloud_discovery;
mod commands;
mod crash;
pub mod credential;
pub mod diagnose;
pub mod entra_error;
mod env_vars;
mod error;
pub mod exit;
pub mod expect;
pub mod explain;
mod fsio;
pub mod jwt;
mod output;
mod profile;
pub mod progress;
mod quota;
pub mod report;
pub mod second_look;
pub mod secret;
pub mod session;
pub mod settings;
pub mod shape;
mod suggest;
pub mod token_input;
pub mod token_profile;
pub mod transport;
pub mod words;

use std::ffi::OsString;
use std::io::Write as _;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;
use crate::secret::Redactor;

pub use crate::env_vars::Env;

/// The shipped scenario `pbi-doctor replay` shows when given no file.
pub const DEFAULT_SCENARIO: &str = "forbidden-extra-permissions";

/// Runs the program with these arguments and this environment, and returns how it should exit.
/// The environment is given, not read: `main` passes the process's, tests pass their own.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>, env: &Env) -> ExitStatus {
    crash::install();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Healthy
            };
        }
    };
    let result = match cli.command {
        Command::Check(args) => commands::check::run(*args, env, cli.quiet),
        Command::Replay(args) => commands::replay::run(args, env),
        Command::Token(args) => commands::token::run(args, env, cli.quiet),
        Command::Explain(args) => commands::explain::run(args, env, cli.quiet),
        Command::Causes(args) => commands::causes::run(args, env),
        Command::Completions(args) => commands::completions::completions(&args),
        Command::Man(args) => commands::completions::man(&args),
    };
    result.unwrap_or_else(|error| {
        let mut stderr = anstream::stderr();
        // The error may quote a value the user gave (a URL with a password in it) or one the run
        // learnt: sealed by the run's redactor when a command built one.
        let message = Redactor::of_run().seal(error.to_string());
        let _ = writeln!(
            stderr,
            "{}pbi-doctor: error:{} {}",
            anstyle::AnsiColor::Red.on_default().bold(),
            anstyle::Reset,
            *message
        );
        ExitStatus::Error
    })
}

//! Everything the doctor writes: the report on stdout (with the CI platform's mask commands),
//! `--output` files, and the GitHub job summary. Renderers return text; only this module writes it,
//! and it takes only a report sealed by the run's redactor.

use std::io::Write as _;

use crate::cli::{ColorChoice, Format, OutputArgs};
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::fsio;
use crate::report::{self, SealedReport};
use crate::secret::Secret;

/// Colour for both streams: `--color`, else `PBI_DOCTOR_COLOR`, else auto (which honours
/// `NO_COLOR`, `CLICOLOR` and whether the stream is a terminal).
pub(crate) fn apply_color(choice: Option<ColorChoice>, env: &Env) {
    let from_env = || {
        env(crate::env_vars::PBI_DOCTOR_COLOR)
            .and_then(|v| <ColorChoice as clap::ValueEnum>::from_str(v.trim(), true).ok())
    };
    let choice = match choice.or_else(from_env).unwrap_or(ColorChoice::Auto) {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Writes the report to stdout; a closed pipe (`| head`) is not an error, a full disk is.
pub(crate) fn print(text: &str) -> Result<(), DoctorError> {
    let mut stdout = anstream::stdout();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(DoctorError::WriteStdout(e)),
        _ => Ok(()),
    }
}

/// Writes bytes to stdout as they are, never through the colour filter: completion scripts and
/// man pages. A closed pipe is not an error, as for [`print`].
pub(crate) fn print_plain(bytes: &[u8]) -> Result<(), DoctorError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(DoctorError::WriteStdout(e)),
        _ => Ok(()),
    }
}

/// The format on stdout: the one asked for, or the CI platform's.
pub(crate) fn stdout_format(output: &OutputArgs, env: &Env) -> Format {
    output.format.unwrap_or_else(|| Format::detect(env))
}

/// The width the human report is laid out to on stdout: `COLUMNS`, else the terminal's, else 80.
/// Files get 80: no terminal shows them.
pub(crate) fn stdout_width(env: &Env) -> usize {
    env(crate::env_vars::COLUMNS)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout())
                .map(|(width, _)| usize::from(width.0))
        })
        .unwrap_or(report::wrap::DEFAULT_WIDTH)
}

/// The report in one format; only the human one is laid out to `width`.
pub(crate) fn render_as(
    report: &SealedReport<'_>,
    format: Format,
    verbose: bool,
    width: usize,
) -> String {
    match format {
        Format::Human => report::human::render(report, verbose, width),
        Format::Json => report::json::render(report),
        Format::Junit => report::junit::render(report),
        Format::Github => report::github::render(report),
        Format::AzureDevops => report::azure_devops::render(report),
        Format::Markdown => report::markdown::render(report),
    }
}

/// Mask commands for values a later step could print (the access token's signature): only in
/// the platform's own format and only when running on that platform, whose runner hides them.
pub(crate) fn mask_lines(format: Format, masks: &[Secret], env: &Env) -> String {
    let on = |var: &str| env(var).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    masks
        .iter()
        // The value comes from the server's answer: only a plain base64 segment is written into a
        // workflow command, so a line break in it cannot start a command of its own.
        .filter(|m| {
            !m.expose().is_empty()
                && m.expose().bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'=')
                })
        })
        .map(|m| match format {
            Format::Github if on(crate::env_vars::GITHUB_ACTIONS) => {
                format!("::add-mask::{}\n", m.expose())
            }
            Format::AzureDevops if on(crate::env_vars::TF_BUILD) => {
                format!("##vso[task.setsecret]{}\n", m.expose())
            }
            _ => String::new(),
        })
        .collect()
}

/// Writes the report: stdout in its format, each `--output FORMAT=PATH`, and the GitHub job
/// summary when `$GITHUB_STEP_SUMMARY` is set and the format is github.
pub(crate) fn emit(
    report: &SealedReport<'_>,
    output: &OutputArgs,
    masks: &[Secret],
    env: &Env,
) -> Result<(), DoctorError> {
    let format = stdout_format(output, env);
    let mut text = mask_lines(format, masks, env);
    text.push_str(&render_as(
        report,
        format,
        output.verbose,
        stdout_width(env),
    ));
    // Every output is attempted; the first failure is the exit-2 error.
    let mut failed = print(&text).err();
    for extra in &output.outputs {
        let rendered = render_as(
            report,
            extra.format,
            output.verbose,
            report::wrap::DEFAULT_WIDTH,
        );
        let plain = anstream::adapter::strip_str(&rendered).to_string();
        if let Err(source) =
            fsio::write_atomically(&extra.path, plain.as_bytes(), fsio::Access::Shared)
        {
            failed.get_or_insert(DoctorError::WriteFile {
                what: "the report",
                path: extra.path.clone(),
                source,
            });
        }
    }
    if format == Format::Github
        && let Some(summary) = env(crate::env_vars::GITHUB_STEP_SUMMARY)
    {
        let path = std::path::PathBuf::from(summary);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| DoctorError::WriteFile {
                what: "the job summary",
                path: path.clone(),
                source,
            })?;
        file.write_all(report::github::step_summary(report).as_bytes())
            .map_err(|source| DoctorError::WriteFile {
                what: "the job summary",
                path,
                source,
            })?;
    }
    failed.map_or(Ok(()), Err)
}

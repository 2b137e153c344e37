//! The last-resort guard. No input should reach a panic, but if a bug does, the release build
//! (`panic = "abort"`) would die with SIGABRT (exit 134) and a Rust message. The hook installed
//! here says what to do instead and ends the process with exit 2, the doctor's own failure.

use std::io::Write as _;
use std::panic::PanicHookInfo;

use crate::exit::ExitStatus;

/// The most of a panic message that is shown: enough to find the bug, little room for any
/// value that ended up in it.
const MESSAGE_MAX: usize = 200;

/// Installs the hook; the process exits with status 2 after printing [`report`].
pub(crate) fn install() {
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{}", report(info));
        let _ = stderr.flush();
        std::process::exit(ExitStatus::Error as i32);
    }));
}

/// The line printed for a panic.
pub(crate) fn report(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    let location = info
        .location()
        .map(|l| format!("{}:{}", l.file(), l.line()))
        .unwrap_or_else(|| "an unknown place".to_owned());
    words(&message, &location)
}

/// The words of the report: the message's first [`MESSAGE_MAX`] characters on one line.
pub(crate) fn words(message: &str, location: &str) -> String {
    // The run's secrets, if a command registered them, and what needs no knowledge of them.
    let message = crate::secret::Redactor::of_run().clean_without_waiting(message);
    let mut short: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MESSAGE_MAX)
        .collect();
    if message.chars().count() > MESSAGE_MAX {
        short.push('…');
    }
    format!(
        "pbi-doctor hit a bug: {short} at {location}. Rerun with --record FILE and attach the session (it is redacted) to a bug report"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_bug_and_what_to_do() {
        let text = words("overflow when adding duration to instant", "src/x.rs:3");
        assert_eq!(
            text,
            "pbi-doctor hit a bug: overflow when adding duration to instant at src/x.rs:3. Rerun with --record FILE and attach the session (it is redacted) to a bug report"
        );
    }

    #[test]
    fn long_messages_are_cut_and_kept_on_one_line() {
        let text = words(&format!("a\nb\u{1b}[31m{}", "x".repeat(1000)), "here");
        assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text}");
        assert!(text.contains("x…"), "{text}");
        assert!(text.len() < 400, "{}", text.len());
    }
}

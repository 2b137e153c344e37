//! What a person at a terminal sees on stderr while a live run works: the line of each check as
//! it finishes (mark and title), and one status line naming the checks running, the host being
//! waited for and the seconds left of its timeout, redrawn at most once a second. The device-code
//! sign-in instructions go through here too.
//!
//! A [`Progress`] is passed down the run (the check context, the live transport), never global.
//! It draws only when stderr is a terminal and `-q` was not given; a replay and the offline
//! commands get [`Progress::none`], so a replay never prompts, never waits and never counts down.
//! Nothing here writes to stdout: the report does, after [`Progress::clear`].

use std::io::{IsTerminal as _, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::check::{CheckId, Finding, Outcome};
use crate::secret::Redactor;

/// The widest status line drawn: a line that wrapped could not be erased by `\r`. 80 columns is
/// what a terminal of unknown width is taken to be.
const STATUS_WIDTH: usize = 79;

/// The observer of a run. Cheap to clone: clones draw on the same screen.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Mutex<Screen>>>);

/// The silent observer, for borrowing where no run is watched.
static NONE: Progress = Progress(None);

struct Screen {
    out: Box<dyn Write + Send>,
    /// Draw check lines and the status line (stderr is a terminal, no `-q`). Without it only
    /// the sign-in instructions are written: a person must read them to sign in at all.
    draw: bool,
    /// Cleans what the server wrote (the device-code message) before it is shown.
    redactor: Redactor,
    running: Vec<CheckId>,
    waits: Vec<Wait>,
    next_wait: u64,
    /// When the device code runs out, while the sign-in is awaited.
    sign_in_until: Option<Instant>,
    /// The status line on screen now; empty when none is.
    shown: String,
}

struct Wait {
    id: u64,
    host: String,
    until: Instant,
}

/// Ends a wait when dropped (see [`Progress::waiting`]).
pub struct WaitGuard<'p> {
    progress: &'p Progress,
    id: u64,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.progress.with(|s| {
            s.waits.retain(|w| w.id != self.id);
            s.redraw();
        });
    }
}

impl Progress {
    /// Silent: a replay, an offline command, a test.
    pub fn none() -> &'static Progress {
        &NONE
    }

    /// A live run's: draws on stderr when it is a terminal and `quiet` is off; the sign-in
    /// instructions are written to stderr in any case.
    pub fn live(quiet: bool, redactor: &Redactor) -> Progress {
        let draw = !quiet && std::io::stderr().is_terminal();
        Progress::to_writer(Box::new(std::io::stderr()), draw, redactor)
    }

    /// Writes to `out`; `draw` as for [`Progress::live`].
    pub(crate) fn to_writer(out: Box<dyn Write + Send>, draw: bool, redactor: &Redactor) -> Self {
        Progress(Some(Arc::new(Mutex::new(Screen {
            out,
            draw,
            redactor: redactor.clone(),
            running: Vec::new(),
            waits: Vec::new(),
            next_wait: 0,
            sign_in_until: None,
            shown: String::new(),
        }))))
    }

    fn with<T: Default>(&self, f: impl FnOnce(&mut Screen) -> T) -> T {
        match &self.0 {
            Some(screen) => f(&mut screen.lock().unwrap_or_else(|p| p.into_inner())),
            None => T::default(),
        }
    }

    /// Whether anything is drawn: a redraw timer is worth running only then.
    pub fn drawing(&self) -> bool {
        self.with(|s| s.draw)
    }

    /// A check starts: it joins the status line.
    pub fn check_started(&self, check: CheckId) {
        self.with(|s| {
            if !s.running.contains(&check) {
                s.running.push(check);
            }
            s.redraw();
        });
    }

    /// A check finished: its mark and title on a line of their own.
    pub fn check_finished(&self, finding: &Finding) {
        self.with(|s| {
            s.running.retain(|c| *c != finding.check);
            s.line(&format!(
                "{} {}",
                mark(&finding.outcome),
                finding.check.title()
            ));
        });
    }

    /// A request to `host` is on its way and gives up at `until`; the wait ends when the guard
    /// is dropped.
    pub fn waiting(&self, host: String, until: Instant) -> WaitGuard<'_> {
        let id = self.with(|s| {
            s.next_wait += 1;
            s.waits.push(Wait {
                id: s.next_wait,
                host,
                until,
            });
            s.redraw();
            s.next_wait
        });
        WaitGuard { progress: self, id }
    }

    /// Instructions the person must follow (the device code sign-in), as the server wrote them:
    /// always shown on a live run, cleaned of secrets and control characters first.
    pub fn prompt(&self, text: &str) {
        self.with(|s| {
            let text = s.redactor.seal(text.to_owned());
            s.line_always(&text);
        });
    }

    /// The sign-in is awaited; the device code runs out in `left` (`None`: no longer waiting).
    pub fn sign_in(&self, left: Option<Duration>) {
        self.with(|s| {
            let now = Instant::now();
            s.sign_in_until = left.map(|l| now.checked_add(l).unwrap_or(now));
            s.redraw();
        });
    }

    /// Redraws the status line if what it says changed (the seconds left).
    pub fn tick(&self) {
        self.with(Screen::redraw);
    }

    /// Redraws once a second, for ever: run it beside the work, and drop it with the work.
    pub async fn ticking(self) {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            self.tick();
        }
    }

    /// Takes the status line off the screen, so that what follows (the report) starts on a
    /// clean line.
    pub fn clear(&self) {
        self.with(|s| {
            s.running.clear();
            s.waits.clear();
            s.sign_in_until = None;
            s.erase();
            let _ = s.out.flush();
        });
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // An error ends the run early: its message must not land behind a half-drawn line.
        self.erase();
        let _ = self.out.flush();
    }
}

impl Screen {
    /// Blanks the status line and leaves the cursor at its start. Spaces, not an escape
    /// sequence: every terminal understands them, an old Windows console too.
    fn erase(&mut self) {
        if !self.shown.is_empty() {
            let blank = " ".repeat(self.shown.chars().count());
            let _ = write!(self.out, "\r{blank}\r");
            self.shown.clear();
        }
    }

    /// A line that stays, above the status line.
    fn line(&mut self, text: &str) {
        if self.draw {
            self.line_always(text);
        }
    }

    fn line_always(&mut self, text: &str) {
        self.erase();
        let _ = writeln!(self.out, "{text}");
        self.shown.clear();
        self.redraw();
    }

    fn redraw(&mut self) {
        if !self.draw {
            return;
        }
        let status = self.status(Instant::now());
        if status == self.shown {
            return;
        }
        self.erase();
        let _ = write!(self.out, "{status}");
        let _ = self.out.flush();
        self.shown = status;
    }

    /// The status line: what runs, and what it waits for. Cut to [`STATUS_WIDTH`] before the
    /// seconds left, which always show.
    fn status(&self, now: Instant) -> String {
        let titles: Vec<&str> = self.running.iter().map(|c| c.title()).collect();
        let (waiting, left) = if let Some(until) = self.sign_in_until {
            ("waiting for you to sign in".to_owned(), Some(until))
        } else {
            // Each host once, the one whose request gives up first leading.
            let mut waits: Vec<&Wait> = self.waits.iter().collect();
            waits.sort_by_key(|w| w.until);
            let mut hosts: Vec<&str> = Vec::new();
            for wait in &waits {
                if !hosts.contains(&wait.host.as_str()) {
                    hosts.push(&wait.host);
                }
            }
            let waiting = match hosts.as_slice() {
                [] => String::new(),
                [host] => format!("waiting for {host}"),
                [first @ .., last] => format!("waiting for {} and {last}", first.join(", ")),
            };
            (waiting, waits.first().map(|w| w.until))
        };
        let head = match (titles.is_empty(), waiting.is_empty()) {
            (true, true) => return String::new(),
            (true, false) => format!("[…] {waiting}"),
            (false, true) => format!("[…] {}", titles.join(", ")),
            (false, false) => format!("[…] {}: {waiting}", titles.join(", ")),
        };
        let tail = left
            .map(|until| format!(", {} left", seconds(until, now)))
            .unwrap_or_default();
        let room = STATUS_WIDTH.saturating_sub(tail.chars().count());
        if head.chars().count() > room {
            let mut cut: String = head.chars().take(room.saturating_sub(1)).collect();
            cut.push('…');
            cut + &tail
        } else {
            head + &tail
        }
    }
}

/// Whole seconds until `until`, rounded up: a wait with half a second left is not "0 s".
fn seconds(until: Instant, now: Instant) -> String {
    let left = until.saturating_duration_since(now);
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    format!("{secs} s")
}

/// The mark of an outcome, as the human report draws it.
fn mark(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "[✓]",
        Outcome::Warn => "[!]",
        Outcome::Fail => "[✗]",
        Outcome::Skipped(_) => "[-]",
        Outcome::Error => "[?]",
    }
}

/// The host (and port, when not the scheme's) a request waits on, for the status line.
pub(crate) fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => url.as_str().to_owned(),
    }
}

/// Before standard input is read from a terminal, says what to type and how to end it (on
/// stderr); nothing when the input is piped or with `-q`.
pub(crate) fn paste_prompt(what: &str, quiet: bool) {
    if !quiet && std::io::stdin().is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "Paste {what}, then press Ctrl-D on a new line (on Windows: Ctrl-Z, then Enter)."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Skip;

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn screen(draw: bool) -> (Progress, Shared) {
        let out = Shared::default();
        let progress = Progress::to_writer(Box::new(out.clone()), draw, &Redactor::default());
        (progress, out)
    }

    /// What a terminal shows after this output: `\r` returns to the start of the line and what
    /// follows overwrites it; trailing blanks are not seen.
    fn visible(raw: &str) -> Vec<String> {
        let mut lines = vec![Vec::new()];
        let mut col = 0;
        for c in raw.chars() {
            match c {
                '\r' => col = 0,
                '\n' => {
                    lines.push(Vec::new());
                    col = 0;
                }
                c => {
                    let line = lines.last_mut().unwrap();
                    if col < line.len() {
                        line[col] = c;
                    } else {
                        line.push(c);
                    }
                    col += 1;
                }
            }
        }
        lines
            .into_iter()
            .map(|l| l.into_iter().collect::<String>().trim_end().to_owned())
            .collect()
    }

    #[test]
    fn checks_and_waits_are_drawn_and_cleared() {
        let (progress, out) = screen(true);
        progress.check_started(CheckId::AdminApi);
        progress.check_started(CheckId::WorkspaceApi);
        let wait = progress.waiting(
            "api.powerbi.com".to_owned(),
            Instant::now() + Duration::from_secs(30),
        );
        assert_eq!(
            visible(&out.text()),
            ["[…] Admin API, Workspace API: waiting for api.powerbi.com, 30 s left"]
        );
        let later = Instant::now() + Duration::from_millis(1500);
        assert!(
            progress
                .with(|s| s.status(later))
                .ends_with("api.powerbi.com, 29 s left"),
            "{:?}",
            out.text()
        );
        // Nothing changed: nothing written.
        let before = out.text().len();
        progress.tick();
        assert_eq!(out.text().len(), before);
        drop(wait);
        progress.check_finished(&Finding::new(CheckId::AdminApi, Outcome::Fail, "refused"));
        assert_eq!(visible(&out.text()), ["[✗] Admin API", "[…] Workspace API"]);
        // Cleared: the report starts on an empty line, and a later clear writes nothing more.
        progress.clear();
        assert_eq!(visible(&out.text()), ["[✗] Admin API", ""]);
        assert!(out.text().ends_with('\r'), "{:?}", out.text());
        let before = out.text().len();
        progress.clear();
        assert_eq!(out.text().len(), before);
    }

    #[test]
    fn the_sign_in_countdown_and_the_prompt() {
        let (progress, out) = screen(true);
        progress.check_started(CheckId::TokenAcquisition);
        progress.prompt(
            "To sign in, open https://microsoft.com/devicelogin and enter the code ABC.\x1b[2J",
        );
        progress.sign_in(Some(Duration::from_secs(900)));
        assert!(!out.text().contains("\x1b[2J"), "{:?}", out.text());
        let screen = visible(&out.text());
        assert_eq!(screen.len(), 2, "{screen:?}");
        assert!(
            screen[0].starts_with(
                "To sign in, open https://microsoft.com/devicelogin and enter the code ABC."
            ),
            "{screen:?}"
        );
        assert_eq!(
            screen[1],
            "[…] Token: waiting for you to sign in, 900 s left"
        );
        progress.sign_in(None);
        assert_eq!(visible(&out.text())[1], "[…] Token");
    }

    #[test]
    fn without_a_terminal_only_the_prompt_is_written() {
        let (progress, out) = screen(false);
        progress.check_started(CheckId::TokenAcquisition);
        let wait = progress.waiting("login.microsoftonline.com".to_owned(), Instant::now());
        progress.sign_in(Some(Duration::from_secs(900)));
        progress.tick();
        drop(wait);
        progress.check_finished(&Finding::skipped(CheckId::Scope, Skip::Offline));
        assert_eq!(out.text(), "");
        progress.prompt("To sign in, open the page and enter the code ABC.");
        progress.clear();
        drop(progress);
        assert_eq!(
            out.text(),
            "To sign in, open the page and enter the code ABC.\n"
        );
    }

    #[test]
    fn the_silent_observer_writes_nothing_and_long_lines_are_cut() {
        let silent = Progress::none();
        silent.prompt("To sign in");
        assert!(!silent.drawing());
        let (progress, out) = screen(true);
        let host = "a".repeat(200);
        let _wait = progress.waiting(host, Instant::now() + Duration::from_secs(5));
        let line = out.text();
        assert_eq!(line.chars().count(), STATUS_WIDTH, "{line}");
        assert!(line.ends_with("…, 5 s left"), "{line}");
    }

    #[test]
    fn several_waits_name_each_host_once_and_the_soonest_end() {
        let (progress, out) = screen(true);
        let now = Instant::now();
        let _a = progress.waiting("api.powerbi.com".to_owned(), now + Duration::from_secs(30));
        let _b = progress.waiting("api.powerbi.com".to_owned(), now + Duration::from_secs(12));
        let _c = progress.waiting(
            "login.microsoftonline.com".to_owned(),
            now + Duration::from_secs(20),
        );
        assert_eq!(
            visible(&out.text()),
            ["[…] waiting for api.powerbi.com and login.microsoftonline.com, 12 s left"]
        );
    }

    #[test]
    fn an_observer_dropped_mid_line_erases_it() {
        let (progress, out) = screen(true);
        progress.check_started(CheckId::Claims);
        assert_eq!(visible(&out.text()), ["[…] Claims"]);
        drop(progress);
        assert_eq!(visible(&out.text()), [""]);
    }

    #[test]
    fn hosts_name_their_port_only_when_it_is_not_the_default() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            host_of(&url("https://api.powerbi.com/v1.0/myorg")),
            "api.powerbi.com"
        );
        assert_eq!(host_of(&url("http://127.0.0.1:8080/x")), "127.0.0.1:8080");
    }
}

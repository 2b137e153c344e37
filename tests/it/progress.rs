//! What a person at a terminal sees on stderr, driven through a pseudo-terminal: the progress of a
//! live run (each check's line, the host waited for and the seconds left), nothing when stderr is
//! piped or with `-q`; a replay of a device-code session that neither prompts nor counts down; and
//! the prompt `token -` and `explain -` show when standard input is a terminal.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::{FromRawFd as _, OwnedFd};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pbi_doctor::jwt::encode_unsigned;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{fixtures_dir, tempdir};

const TENANT: &str = "72f988bf-0000-4000-8000-000000000001";

/// The longest any run here may take before it is killed and the test fails.
const LIMIT: Duration = Duration::from_secs(60);

/// A pseudo-terminal: the side the test reads and writes, and the side given to the child.
struct Pty {
    master: File,
    slave: OwnedFd,
}

fn pty() -> Pty {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: openpty writes two descriptors into the integers given; name, termios and window
    // size may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    unsafe {
        Pty {
            master: File::from_raw_fd(master),
            slave: OwnedFd::from_raw_fd(slave),
        }
    }
}

/// Reads the terminal until the child's side is closed (EIO on Linux, end of file elsewhere).
fn drain(mut master: File) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    })
}

/// Where the child's stderr goes.
enum Stderr {
    Pipe,
    Terminal,
}

/// Runs the binary with stdout piped; stderr piped or on a terminal (then the terminal's text is
/// returned, stderr of the output empty). Killed at [`LIMIT`].
fn run_doctor(args: &[&str], stderr: Stderr) -> (Output, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbi-doctor"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("HOME", tempdir())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let terminal = match stderr {
        Stderr::Pipe => {
            cmd.stderr(Stdio::piped());
            None
        }
        Stderr::Terminal => {
            let Pty { master, slave } = pty();
            cmd.stderr(Stdio::from(slave));
            Some(master)
        }
    };
    let child = cmd.spawn().unwrap();
    // The command holds the child's end of the terminal: closed here, so that the terminal
    // reports its end once the child exits.
    drop(cmd);
    let seen = terminal.map(drain);
    let output = finish(child);
    (output, seen.map(|s| s.join().unwrap()).unwrap_or_default())
}

/// Waits for the child, reading its pipes, and kills it past [`LIMIT`].
fn finish(mut child: std::process::Child) -> Output {
    let pipe = |p: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut s);
            }
            s
        })
    };
    let out = pipe(child.stdout.take().map(|p| Box::new(p) as _));
    let err = pipe(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the run did not end within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
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

/// A Power BI application token the claims check accepts, so the run reaches the probes.
fn token() -> String {
    let now = chrono::Utc::now().timestamp();
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://analysis.windows.net/powerbi/api",
            "iss": format!("https://sts.windows.net/{TENANT}/"), "tid": TENANT,
            "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "idtyp": "app",
            "oid": "5b2e7c1d-0000-4000-8000-00000000a001",
            "sub": "5b2e7c1d-0000-4000-8000-00000000a001", "roles": ["Tenant.Read.All"],
            "iat": now - 60, "nbf": now - 60, "exp": now + 3600, "ver": "1.0"}),
        "UHJvZ3Jlc3NUZXN0U2lnbmF0dXJl",
    )
}

/// Each check's id and status: what the three runs must agree on (times in the evidence move).
fn marks(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].to_string(), c["status"].to_string()))
        .collect()
}

/// The JSON report on stdout: whole, with nothing of the progress in it.
fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// `check` on a token file against an API that answers slowly: three runs at once, stderr on a
/// terminal, piped, and on a terminal with `-q`.
#[tokio::test(flavor = "multi_thread")]
async fn a_live_run_shows_its_progress_on_a_terminal_and_nowhere_else() {
    let server = MockServer::start().await;
    // Slow enough for the once-a-second redraw to count down while the probes wait.
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "application/json; odata.metadata=minimal")
                .set_body_string(r#"{"@odata.context":"x","value":[]}"#)
                .set_delay(Duration::from_millis(2300)),
        )
        .mount(&server)
        .await;
    let dir = tempdir();
    let token_file = dir.join("token.txt");
    std::fs::write(&token_file, token()).unwrap();
    let host = server.address().to_string();
    let args: Vec<String> = [
        "check",
        "--token-file",
        token_file.to_str().unwrap(),
        "--api",
        "powerbi",
        "--powerbi-api",
        &server.uri(),
        "--authority-host",
        "http://127.0.0.1:9",
        "--cloud",
        "public",
        "--no-cache",
        "--timeout",
        "9",
        "--format",
        "json",
    ]
    .map(str::to_owned)
    .to_vec();
    let runs: Vec<_> = [
        (Stderr::Terminal, false),
        (Stderr::Pipe, false),
        (Stderr::Terminal, true),
    ]
    .into_iter()
    .map(|(stderr, quiet)| {
        let mut args = args.clone();
        if quiet {
            args.insert(0, "-q".to_owned());
        }
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_doctor(&args, stderr)
        })
    })
    .collect();
    let mut results = Vec::new();
    for run in runs {
        results.push(run.await.unwrap());
    }
    let _ = std::fs::remove_dir_all(dir);

    // On the terminal: each check's line, what runs and the host it waits for, counting down.
    let (output, terminal) = &results[0];
    let report = json_of(output);
    assert_eq!(
        report["exit_code"].as_i64(),
        output.status.code().map(i64::from)
    );
    // Each probe is named on the status line while it runs (alone or beside the other).
    let status_lines: Vec<&str> = terminal
        .split(['\r', '\n'])
        .filter(|l| l.starts_with("[…] "))
        .collect();
    for check in ["Token", "Admin API", "Workspace API"] {
        assert!(
            status_lines.iter().any(|l| l.contains(check)),
            "{check} never shown running: {terminal:?}"
        );
    }
    for (id, check) in [
        ("admin-api", "Admin API"),
        ("workspace-api", "Workspace API"),
    ] {
        let status = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let mark = match status.as_str() {
            "pass" => "[✓]",
            "warn" => "[!]",
            "fail" => "[✗]",
            "skip" => "[-]",
            _ => "[?]",
        };
        assert!(
            terminal.contains(&format!("{mark} {check}")),
            "no finished line for {check} ({status}) in {terminal:?}"
        );
    }
    let waiting = format!("waiting for {host}, ");
    let counts: Vec<&str> = terminal
        .split(&waiting)
        .skip(1)
        .filter_map(|rest| rest.split(" s left").next())
        .collect();
    assert!(
        counts.contains(&"9") && counts.iter().any(|n| n.parse::<u64>().is_ok_and(|n| n < 9)),
        "no countdown from 9 s while waiting for {host}: {counts:?} in {terminal:?}"
    );
    // What stays on screen: each check's line and no status line (the report comes next).
    let screen = visible(terminal);
    assert_eq!(screen.len(), 7, "{screen:?}");
    assert_eq!(&screen[..3], ["[✓] Token", "[✓] Scope", "[✓] Claims"]);
    assert!(
        !screen.iter().any(|l| l.contains('…')) && screen[6].is_empty(),
        "a status line was left on screen: {screen:?}"
    );
    assert!(output.stderr.is_empty());

    // Piped: the same run, and not a byte of progress.
    let (output, _) = &results[1];
    assert_eq!(marks(&json_of(output)), marks(&report));
    assert!(
        output.stderr.is_empty(),
        "progress on a pipe: {:?}",
        String::from_utf8_lossy(&output.stderr)
    );

    // `-q` on a terminal: the same report, an empty terminal.
    let (output, terminal) = &results[2];
    assert_eq!(marks(&json_of(output)), marks(&report));
    assert!(terminal.is_empty(), "progress despite -q: {terminal:?}");
}

/// A recorded device-code sign-in replays without its prompt, without a countdown and without
/// waiting out the polling interval, even on a terminal; the report still says the run used a
/// device code.
#[test]
fn a_device_code_replay_neither_prompts_nor_counts_down() {
    for name in ["healthy-device-code", "device-code-not-completed"] {
        let session = fixtures_dir().join(name).join("session.json");
        let recorded = std::fs::read_to_string(&session).unwrap();
        // The session holds the prompt and a pending answer: there was something to show.
        assert!(recorded.contains("To sign in") && recorded.contains("authorization_pending"));
        let args = ["replay", session.to_str().unwrap(), "--format", "json"];
        for stderr in [Stderr::Terminal, Stderr::Pipe] {
            let (output, terminal) = run_doctor(&args, stderr);
            let report = json_of(&output);
            assert_eq!(report["target"]["credential"], "device-code", "{name}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                terminal.is_empty() && stderr.is_empty(),
                "{name}: replay wrote {terminal:?} on the terminal and {stderr:?} on stderr"
            );
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(!stdout.contains("s left"), "{name}: {stdout}");
        }
    }
}

/// Runs `args` with standard input on a terminal, typing `input` then end-of-file; returns the
/// output (stderr piped).
fn typed(args: &[&str], input: &str) -> Output {
    let Pty { mut master, slave } = pty();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbi-doctor"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("HOME", tempdir())
        .args(args)
        .stdin(Stdio::from(slave))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    drop(cmd);
    // A line, then Ctrl-D at the start of the next: the terminal's end of input.
    master.write_all(input.as_bytes()).unwrap();
    master.write_all(b"\n\x04").unwrap();
    // The terminal echoes what is typed: read it away so nothing fills up.
    let echo = drain(master);
    let output = finish(child);
    drop(echo);
    output
}

#[test]
fn a_paste_from_a_terminal_is_asked_for_and_a_piped_one_is_not() {
    let token = token();
    let prompt = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();

    let output = typed(&["token", "-", "--format", "json"], &token);
    assert_eq!(
        prompt(&output),
        "Paste the token, then press Ctrl-D on a new line (on Windows: Ctrl-Z, then Enter).\n"
    );
    // The token typed was read whole.
    assert_eq!(json_of(&output)["target"]["command"], "token");
    assert_eq!(output.status.code(), Some(0), "{}", prompt(&output));

    let output = typed(
        &["explain", "-", "--format", "json"],
        "HTTP/1.1 401 Unauthorized",
    );
    assert!(
        prompt(&output).starts_with("Paste the error text, then press Ctrl-D"),
        "{}",
        prompt(&output)
    );

    let output = typed(&["-q", "token", "--format", "json", "-"], &token);
    assert_eq!(prompt(&output), "");
    assert_eq!(output.status.code(), Some(0));

    // Piped: read as it comes, no prompt.
    let piped = crate::harness::run(&["token", "-", "--format", "json"], Some(&token));
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
    assert_eq!(piped.status.code(), Some(0));
}

/// Live, the sign-in instructions are the one thing that must reach a person whatever stderr is
/// and whatever `-q` says: without them nobody can sign in. Piped, they come without progress.
#[tokio::test]
async fn a_live_device_code_sign_in_always_shows_its_instructions() {
    let scenario = crate::harness::scenario("healthy-device-code");
    for extra in [&["--format", "json"][..], &["--format", "json", "-q"][..]] {
        let live = crate::harness::run_live(&scenario, extra).await;
        let stderr = String::from_utf8_lossy(&live.output.stderr);
        assert!(
            stderr.starts_with("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FQK5HW3UF"),
            "{extra:?}: {stderr}"
        );
        assert!(
            !stderr.contains("[…]") && !stderr.contains("s left"),
            "{extra:?}: {stderr}"
        );
        assert_eq!(live.output.status.code(), Some(0), "{extra:?}: {stderr}");
    }
}

/// Colour on a terminal, decided per stream: the report on a terminal is coloured where the
/// terminal can show it (not TERM=dumb, not with NO_COLOR), and the same run with stdout piped is
/// not. On Windows the same decision is anstream's, with the console asked to process escape
/// codes (or console calls used where it cannot); what a pipe gets is tested in `windows.rs`.
#[test]
fn the_report_is_coloured_on_a_terminal_that_shows_colour() {
    let on_terminal = |env: &[(&str, &str)]| -> String {
        let Pty { master, slave } = pty();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbi-doctor"));
        cmd.env_clear()
            .envs(env.iter().copied())
            .args(["replay", "--scenario", "healthy-service-principal"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(slave))
            .stderr(Stdio::piped());
        let child = cmd.spawn().unwrap();
        drop(cmd);
        let seen = drain(master);
        finish(child);
        seen.join().unwrap()
    };
    let coloured = on_terminal(&[("TERM", "xterm-256color")]);
    assert!(coloured.contains("Healthy"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}["),
        "no colour on a colour terminal"
    );
    for env in [
        &[("TERM", "dumb")][..],
        &[("TERM", "xterm-256color"), ("NO_COLOR", "1")][..],
        &[("TERM", "xterm-256color"), ("PBI_DOCTOR_COLOR", "never")][..],
    ] {
        let plain = on_terminal(env);
        assert!(plain.contains("Healthy"), "{plain}");
        assert!(!plain.contains('\u{1b}'), "colour codes with {env:?}");
    }
}

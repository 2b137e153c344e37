//! The Azure CLI credential: reusing an existing `az login` by running
//! `az account get-access-token` (research deps.md §5, peers.md §A4).
//!
//! The doctor runs the program itself rather than through a library wrapper so that nothing is
//! lost: the whole JSON answer (`accessToken`, `expiresOn`, `expires_on`, `tenant`,
//! `subscription`, `tokenType`), the exit code and stderr, where the Azure CLI puts the AADSTS
//! text (`AADSTS700082 … run 'az login'`). [`command_line`] is the exact command, shown to users
//! as evidence and as the command they should have run themselves (with `--resource`: without it
//! `az` hands out an Azure Resource Manager token, which Power BI refuses).
//!
//! The program is found on PATH by `find_on_path`, as the platform's shell would find it but
//! never in the current folder: on Windows that is `az.cmd` through PATHEXT (the Azure CLI's
//! `wbin` folder also holds an extensionless `az`, a bash script Windows cannot start), which the
//! standard library runs through `cmd.exe` with its arguments escaped for it. It is started
//! directly, never through a shell of ours. Every run has a timeout, after which the child is
//! killed.
//!
//! The token only ever lives in [`CliToken::token`], a [`Secret`]; error details are stderr cut
//! short with JWT signatures removed, and never the output that carries the token.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::entra_error::aadsts_codes_in;
use crate::env_vars::Platform;
use crate::secret::{Secret, redact_jwt_signatures};

/// How many characters of stderr an error keeps.
const DETAIL_CHARS: usize = 400;

/// AADSTS codes that mean the cached `az login` session can no longer be used and signing in
/// again is the fix: 700082 (refresh token expired from inactivity), 70043 (refresh token expired
/// under a sign-in frequency policy), 50173 (grant revoked, e.g. password changed), 50133
/// (session invalid after a password change or expiry). Other codes with an `az login` hint
/// (MFA, Conditional Access) stay [`CliError::Failed`] so their codes reach the diagnosis.
const SESSION_EXPIRED_CODES: &[u32] = &[700_082, 70_043, 50_173, 50_133];

/// The command that gets a token for `resource` from the Azure CLI, exactly as
/// [`get_access_token`] runs it: `az account get-access-token --resource <resource> --output json`,
/// plus ` --tenant <tenant>` when one is given.
pub fn command_line(resource: &str, tenant: Option<&str>) -> String {
    let mut line = String::from("az");
    for arg in token_args(resource, tenant) {
        line.push(' ');
        line.push_str(&arg);
    }
    line
}

fn token_args(resource: &str, tenant: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = [
        "account",
        "get-access-token",
        "--resource",
        resource,
        "--output",
        "json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(tenant) = tenant {
        args.push("--tenant".to_owned());
        args.push(tenant.to_owned());
    }
    args
}

/// A token the Azure CLI handed out, with what it said about it. `Debug` hides the token.
#[derive(Clone, Debug)]
pub struct CliToken {
    /// `accessToken`.
    pub token: Secret,
    /// `expiresOn` as printed: local time of the machine without a zone, e.g.
    /// `2026-11-20 10:14:03.000000`.
    pub expires_on: Option<String>,
    /// `expires_on`: seconds since the epoch (Azure CLI 2.54 and later).
    pub expires_on_epoch: Option<i64>,
    /// `tenant`: the tenant the token was issued in.
    pub tenant: Option<String>,
    /// `subscription`: the CLI's current subscription (unrelated to Power BI, shown as context).
    pub subscription: Option<String>,
    /// `tokenType`, normally `Bearer`.
    pub token_type: Option<String>,
}

/// Why the Azure CLI gave no token. Every message says what to do next; none carries a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// The program was not found.
    #[error(
        "the Azure CLI (az) was not found: install the Azure CLI \
         (https://learn.microsoft.com/cli/azure/install-azure-cli) or choose another --auth"
    )]
    Missing,
    /// The CLI has no usable sign-in: never logged in, or the session expired.
    #[error(
        "the Azure CLI is not signed in, or its sign-in expired: run `az login` (add --tenant TENANT \
         for the tenant you are diagnosing) and try again. The Azure CLI said: {detail}"
    )]
    NotLoggedIn {
        /// stderr, cut short, JWT signatures removed.
        detail: String,
    },
    /// The CLI failed otherwise.
    #[error(
        "the Azure CLI failed ({}): {detail}. Run the command shown yourself to see the whole \
         message; `--debug` shows the HTTP exchange",
        exit_text(*exit_code)
    )]
    Failed {
        /// The exit code, when the program exited normally.
        exit_code: Option<i32>,
        /// stderr, cut short, JWT signatures removed.
        detail: String,
        /// The AADSTS codes in stderr.
        aadsts: Vec<u32>,
    },
    /// The CLI succeeded but printed no usable token.
    #[error(
        "the Azure CLI printed no usable token ({0}). Update the Azure CLI (`az upgrade`) and run the \
         command shown yourself"
    )]
    BadOutput(String),
    /// The CLI did not finish in time and was stopped.
    #[error(
        "the Azure CLI did not answer in time and was stopped. It may be waiting for a proxy or a \
         sign-in prompt: run the command shown yourself, or raise --timeout"
    )]
    Timeout,
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit code {code}"),
        None => "no exit code".to_owned(),
    }
}

impl CliError {
    /// A stable name, for signals and JSON.
    pub fn signal(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::NotLoggedIn { .. } => "not-logged-in",
            Self::Failed { .. } => "failed",
            Self::BadOutput(_) => "bad-output",
            Self::Timeout => "timeout",
        }
    }
}

/// Runs `az account get-access-token` (see [`command_line`]) with `program` as `az` and reads
/// its answer. `timeout` bounds the whole run; the child is killed when it is exceeded.
pub fn get_access_token(
    program: &Path,
    resource: &str,
    tenant: Option<&str>,
    timeout: Duration,
) -> Result<CliToken, CliError> {
    let output = run(program, &token_args(resource, tenant), timeout)?;
    if !output.status.success() {
        return Err(classify_failure(&output));
    }
    parse_token(&output.stdout)
}

/// The tenant the Azure CLI is signed in to (`tenantId` of `az account show --output json`), or
/// `None` when it cannot tell (not signed in, not installed, unexpected output). Lets the doctor
/// say that the CLI is signed in to another tenant than the one diagnosed.
pub fn signed_in_tenant(program: &Path, timeout: Duration) -> Option<String> {
    let args = ["account", "show", "--output", "json"].map(str::to_owned);
    let output = run(program, &args, timeout).ok()?;
    if !output.status.success() {
        return None;
    }
    let value: Value = serde_json::from_str(output.stdout.trim()).ok()?;
    value
        .get("tenantId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What a finished run left.
struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// What Windows tries a bare program name with when PATHEXT is not set.
const DEFAULT_PATHEXT: &str = ".COM;.EXE;.BAT;.CMD";

/// Where `program` is on `path` (the value of PATH), by the platform's rules: `:`-separated
/// folders on Unix; on Windows `;`-separated folders (quotes around one are dropped) and, for a
/// name without one of PATHEXT's extensions, each extension in PATHEXT's order (`az` is found as
/// `az.cmd`, never as the extensionless `az` beside it). Empty and relative entries are skipped:
/// a program in the current folder is never picked up. `is_file` says whether a candidate
/// exists; the first that does wins.
pub(crate) fn find_on_path(
    program: &str,
    path: &str,
    pathext: Option<&str>,
    platform: Platform,
    is_file: &dyn Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let (separator, extensions): (char, Vec<&str>) = match platform {
        Platform::Unix => (':', vec![""]),
        Platform::Windows => {
            let listed: Vec<&str> = pathext
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(DEFAULT_PATHEXT)
                .split(';')
                .map(str::trim)
                .filter(|e| e.starts_with('.') && e.len() > 1)
                .collect();
            // Windows' file names ignore case: `.CMD` finds az.cmd, and reads better as `.cmd`.
            let lower = program.to_ascii_lowercase();
            let has_one = listed
                .iter()
                .any(|e| lower.ends_with(&e.to_ascii_lowercase()));
            (';', if has_one { vec![""] } else { listed })
        }
    };
    path.split(separator)
        .map(|dir| dir.trim().trim_matches('"'))
        .filter(|dir| platform.is_absolute(dir))
        .flat_map(|dir| {
            extensions.iter().map(move |ext| {
                let ext = ext.to_ascii_lowercase();
                platform.join(dir, &[&format!("{program}{ext}")])
            })
        })
        .find(|candidate| is_file(candidate))
}

fn command(program: &Path, args: &[String]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

fn run(program: &Path, args: &[String], timeout: Duration) -> Result<Output, CliError> {
    let deadline = Instant::now() + timeout;
    let mut child = spawn(program, args)?;
    // Read both pipes on their own threads so a full pipe never stalls the child, and so that a
    // grandchild keeping a pipe open cannot hold us past the deadline.
    let (sender, receiver) = mpsc::channel();
    drain(child.stdout.take(), 0, sender.clone());
    drain(child.stderr.take(), 1, sender);

    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CliError::Timeout);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                return Err(CliError::Failed {
                    exit_code: None,
                    detail: format!("waiting for the Azure CLI failed: {e}"),
                    aadsts: Vec::new(),
                });
            }
        }
    };
    let mut streams = [Vec::new(), Vec::new()];
    for _ in 0..2 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining.max(Duration::from_millis(100))) {
            Ok((index, bytes)) => streams[index] = bytes,
            Err(_) => break,
        }
    }
    let [stdout, stderr] = streams;
    Ok(Output {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

/// Reads a pipe to its end on a thread of its own and sends `(index, bytes)`.
fn drain<R: Read + Send + 'static>(
    pipe: Option<R>,
    index: usize,
    sender: mpsc::Sender<(usize, Vec<u8>)>,
) {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = sender.send((index, bytes));
    });
}

fn spawn(program: &Path, args: &[String]) -> Result<std::process::Child, CliError> {
    let mut attempt = 0;
    loop {
        let result = command(program, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match result {
            Ok(child) => return Ok(child),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CliError::Missing),
            // A program file that was just written can be briefly busy while another thread's
            // fork still holds it open; this passes in milliseconds.
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && attempt < 10 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                return Err(CliError::Failed {
                    exit_code: None,
                    detail: format!("cannot start {}: {e}", program.display()),
                    aadsts: Vec::new(),
                });
            }
        }
    }
}

/// stderr trimmed, cut to [`DETAIL_CHARS`] characters, JWT signatures removed.
fn detail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    let mut cut: String = trimmed.chars().take(DETAIL_CHARS).collect();
    if cut.len() < trimmed.len() {
        cut.push('…');
    }
    redact_jwt_signatures(&cut)
}

fn classify_failure(output: &Output) -> CliError {
    let stderr = &output.stderr;
    let code = output.status.code();
    // 127: a shell (or the az wrapper script) found no program; on Windows `cmd` says so.
    if code == Some(127) || stderr.contains("is not recognized as an internal or external command")
    {
        return CliError::Missing;
    }
    let aadsts = aadsts_codes_in(stderr);
    let asks_for_login = stderr.contains("az login");
    if asks_for_login && aadsts.iter().all(|c| SESSION_EXPIRED_CODES.contains(c)) {
        return CliError::NotLoggedIn {
            detail: detail(stderr),
        };
    }
    CliError::Failed {
        exit_code: code,
        detail: detail(stderr),
        aadsts,
    }
}

fn string(map: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    map.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn parse_token(stdout: &str) -> Result<CliToken, CliError> {
    let text = stdout.trim();
    let map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(CliError::BadOutput(
                "the output is JSON but not an object".to_owned(),
            ));
        }
        Err(_) if text.is_empty() => {
            return Err(CliError::BadOutput("the output is empty".to_owned()));
        }
        Err(_) if text.contains("accessToken") => {
            return Err(CliError::BadOutput(
                "the output is not valid JSON (it was cut short?)".to_owned(),
            ));
        }
        Err(_) => {
            let first_line: String = text
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(120)
                .collect();
            return Err(CliError::BadOutput(format!(
                "the output is not JSON; it starts with {:?}",
                redact_jwt_signatures(&first_line)
            )));
        }
    };
    let Some(token) = string(&map, "accessToken") else {
        let mut fields: Vec<&str> = map.keys().map(String::as_str).collect();
        fields.sort_unstable();
        return Err(CliError::BadOutput(format!(
            "the JSON has no accessToken; its fields are: {}",
            if fields.is_empty() {
                "none".to_owned()
            } else {
                fields.join(", ")
            }
        )));
    };
    let expires_on_epoch = match map.get("expires_on") {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(CliToken {
        token: Secret::new(token),
        expires_on: string(&map, "expiresOn"),
        expires_on_epoch,
        tenant: string(&map, "tenant"),
        subscription: string(&map, "subscription"),
        token_type: string(&map, "tokenType"),
    })
}

/// Finding `az` by each platform's rules, on any host: the file system is a list of files.
#[cfg(test)]
mod lookup_tests {
    use super::*;

    const WBIN: &str = r"C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin";

    fn files(list: &'static [&'static str]) -> impl Fn(&Path) -> bool {
        move |p: &Path| list.iter().any(|f| Path::new(f) == p)
    }

    #[test]
    fn windows_finds_az_cmd_through_pathext_not_the_bash_script_beside_it() {
        // What the Azure CLI's installer leaves: az.cmd for Windows, az for Git Bash.
        let installed = files(&[
            r"C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin\az",
            r"C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin\az.cmd",
        ]);
        let path = format!(r"C:\Windows\system32;C:\Windows;{WBIN};C:\Users\ada\bin");
        let found = find_on_path(
            "az",
            &path,
            Some(".COM;.EXE;.BAT;.CMD;.VBS;.JS"),
            Platform::Windows,
            &installed,
        );
        assert_eq!(found, Some(PathBuf::from(format!(r"{WBIN}\az.cmd"))));
        // Without PATHEXT, Windows' default list; a quoted entry and a trailing separator too.
        let quoted = format!("\"{WBIN}\\\";C:\\Windows");
        assert_eq!(
            find_on_path("az", &quoted, None, Platform::Windows, &installed),
            Some(PathBuf::from(format!(r"{WBIN}\az.cmd")))
        );
        // PATHEXT's order decides: an az.exe before az.cmd in the same folder wins.
        let both = files(&[r"C:\tools\az.exe", r"C:\tools\az.cmd"]);
        assert_eq!(
            find_on_path(
                "az",
                r"C:\tools",
                Some(".COM;.EXE;.BAT;.CMD"),
                Platform::Windows,
                &both
            ),
            Some(PathBuf::from(r"C:\tools\az.exe"))
        );
        // A name that already has an extension is looked up as it is.
        assert_eq!(
            find_on_path("az.cmd", WBIN, None, Platform::Windows, &installed),
            Some(PathBuf::from(format!(r"{WBIN}\az.cmd")))
        );
    }

    #[test]
    fn the_current_folder_and_relative_entries_are_never_searched() {
        let anywhere = |_: &Path| true;
        for path in ["", ";;", r".;bin;tools\az", r"\no-drive"] {
            assert_eq!(
                find_on_path("az", path, None, Platform::Windows, &anywhere),
                None,
                "{path:?}"
            );
        }
        for path in ["", "::", ".:bin"] {
            assert_eq!(
                find_on_path("az", path, None, Platform::Unix, &anywhere),
                None,
                "{path:?}"
            );
        }
    }

    #[test]
    fn unix_takes_the_name_as_it_is_in_colon_separated_folders() {
        let installed = files(&["/usr/bin/az", "/opt/az/bin/az.cmd"]);
        assert_eq!(
            find_on_path(
                "az",
                "/usr/local/bin:/usr/bin",
                Some(".CMD"),
                Platform::Unix,
                &installed
            ),
            Some(PathBuf::from("/usr/bin/az"))
        );
        // `;` is no separator on Unix, and PATHEXT means nothing there.
        assert_eq!(
            find_on_path(
                "az",
                "/opt/az/bin;/usr/bin",
                Some(".CMD"),
                Platform::Unix,
                &installed
            ),
            None
        );
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;

    const RESOURCE: &str = "https://analysis.windows.net/powerbi/api";
    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const TIMEOUT: Duration = Duration::from_secs(20);

    fn fake_jwt() -> String {
        crate::jwt::encode_unsigned(
            &json!({"typ": "JWT", "alg": "RS256"}),
            &json!({"aud": RESOURCE, "tid": TENANT, "exp": 1_800_000_000}),
            "ZmFrZS1zaWduYXR1cmU",
        )
    }

    /// A folder of its own with an executable `az` running `body` under /bin/sh.
    fn stub(body: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("pbi-doctor-az-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let program = dir.join("az");
        std::fs::write(&program, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, program)
    }

    fn success_json(token: &str) -> String {
        json!({
            "accessToken": token,
            "expiresOn": "2027-01-15 09:00:00.000000",
            "expires_on": 1_800_000_000,
            "subscription": "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
            "tenant": TENANT,
            "tokenType": "Bearer"
        })
        .to_string()
    }

    #[test]
    fn the_command_line_is_exact() {
        assert_eq!(
            command_line(RESOURCE, None),
            "az account get-access-token --resource https://analysis.windows.net/powerbi/api --output json"
        );
        assert_eq!(
            command_line(RESOURCE, Some(TENANT)),
            format!(
                "az account get-access-token --resource {RESOURCE} --output json --tenant {TENANT}"
            )
        );
    }

    #[test]
    fn reads_the_whole_answer_and_runs_exactly_the_command_line() {
        let jwt = fake_jwt();
        let (dir, program) = stub(&format!(
            "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args\"\necho 'WARNING: a warning on stderr' >&2\ncat <<'EOF'\n{}\nEOF",
            success_json(&jwt)
        ));
        let token = get_access_token(&program, RESOURCE, Some(TENANT), TIMEOUT).unwrap();
        assert_eq!(token.token.expose(), jwt);
        assert_eq!(
            token.expires_on.as_deref(),
            Some("2027-01-15 09:00:00.000000")
        );
        assert_eq!(token.expires_on_epoch, Some(1_800_000_000));
        assert_eq!(token.tenant.as_deref(), Some(TENANT));
        assert_eq!(
            token.subscription.as_deref(),
            Some("0b1f6471-1bf0-4dda-aec3-cb9272f09590")
        );
        assert_eq!(token.token_type.as_deref(), Some("Bearer"));
        let debug = format!("{token:?}");
        assert!(
            !debug.contains(&jwt) && debug.contains("[redacted]"),
            "{debug}"
        );

        let args = std::fs::read_to_string(dir.join("args")).unwrap();
        let received = format!("az {}", args.lines().collect::<Vec<_>>().join(" "));
        assert_eq!(received, command_line(RESOURCE, Some(TENANT)));

        get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap();
        let args = std::fs::read_to_string(dir.join("args")).unwrap();
        let received = format!("az {}", args.lines().collect::<Vec<_>>().join(" "));
        assert_eq!(received, command_line(RESOURCE, None));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn not_logged_in() {
        let (dir, program) =
            stub("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert_eq!(
            err,
            CliError::NotLoggedIn {
                detail: "ERROR: Please run 'az login' to setup account.".to_owned()
            }
        );
        assert_eq!(err.signal(), "not-logged-in");
        assert!(err.to_string().contains("run `az login`"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();

        // An expired refresh token also asks for `az login`.
        let (dir, program) = stub(
            "echo \"ERROR: AADSTS700082: The refresh token has expired due to inactivity. \
             Interactive authentication is needed. Please run:\naz login\" >&2\nexit 1",
        );
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert_eq!(err.signal(), "not-logged-in", "{err}");
        assert!(err.to_string().contains("AADSTS700082"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn other_failures_keep_exit_code_codes_and_redacted_stderr() {
        let jwt = fake_jwt();
        let (dir, program) = stub(&format!(
            "echo \"ERROR: AADSTS50076: Due to a configuration change made by your administrator, \
             you must use multi-factor authentication. Please run:\naz login --scope {RESOURCE}/.default\" >&2\n\
             echo 'echoed {jwt}' >&2\nexit 2"
        ));
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        let CliError::Failed {
            exit_code,
            detail,
            aadsts,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*exit_code, Some(2));
        assert_eq!(aadsts, &vec![50076]);
        assert!(detail.starts_with("ERROR: AADSTS50076"), "{detail}");
        assert!(!detail.contains("ZmFrZS1zaWduYXR1cmU"), "{detail}");
        assert!(!err.to_string().contains("ZmFrZS1zaWduYXR1cmU"), "{err}");
        assert_eq!(err.signal(), "failed");
        std::fs::remove_dir_all(dir).unwrap();

        // Long stderr is cut.
        let (dir, program) =
            stub("i=0; while [ $i -lt 100 ]; do printf 'xxxxxxxxxx' >&2; i=$((i+1)); done\nexit 1");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        let CliError::Failed { detail, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(detail.chars().count(), DETAIL_CHARS + 1);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn output_without_a_token() {
        let (dir, program) = stub("echo 'this is not json'");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, CliError::BadOutput(m) if m.contains("not JSON")),
            "{err}"
        );
        assert_eq!(err.signal(), "bad-output");
        std::fs::remove_dir_all(dir).unwrap();

        let (dir, program) = stub("echo '{\"tenant\": \"t\", \"expiresOn\": \"x\"}'");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert!(
            matches!(&err, CliError::BadOutput(m) if m.contains("expiresOn, tenant")),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();

        // Broken JSON around a token: nothing of it is quoted.
        let jwt = fake_jwt();
        let (dir, program) = stub(&format!("echo '{{\"accessToken\": \"{jwt}\"'"));
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert!(matches!(err, CliError::BadOutput(_)), "{err}");
        assert!(!err.to_string().contains(&jwt[..20]), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_program() {
        let program = std::env::temp_dir()
            .join(format!("pbi-doctor-az-{}", uuid::Uuid::new_v4()))
            .join("az");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert_eq!(err, CliError::Missing);
        assert_eq!(err.signal(), "missing");
        assert!(err.to_string().contains("another --auth"));
        assert_eq!(signed_in_tenant(&program, TIMEOUT), None);

        // A wrapper whose shell found no program exits 127.
        let (dir, program) = stub("echo 'az: python3: not found' >&2\nexit 127");
        let err = get_access_token(&program, RESOURCE, None, TIMEOUT).unwrap_err();
        assert_eq!(err, CliError::Missing);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_hanging_program_is_stopped() {
        let (dir, program) = stub("exec sleep 30");
        let started = Instant::now();
        let err = get_access_token(&program, RESOURCE, None, Duration::from_secs(1)).unwrap_err();
        assert_eq!(err, CliError::Timeout);
        assert_eq!(err.signal(), "timeout");
        assert!(started.elapsed() < Duration::from_secs(10));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_signed_in_tenant() {
        let (dir, program) = stub(
            "[ \"$*\" = 'account show --output json' ] || exit 3\n\
             echo '{\"tenantId\": \"11111111-2222-3333-4444-555555555555\", \"user\": {\"name\": \"a@b.c\"}}'",
        );
        assert_eq!(
            signed_in_tenant(&program, TIMEOUT).as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        std::fs::remove_dir_all(dir).unwrap();
        let (dir, program) =
            stub("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
        assert_eq!(signed_in_tenant(&program, TIMEOUT), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

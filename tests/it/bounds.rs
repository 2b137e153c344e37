//! Bounds through the real binary: inputs are read up to a cap and decoded honestly, files are
//! written atomically (a symlink at the path is replaced, never followed; sessions are 0600), and
//! a report that cannot be written is exit 2 while a closed pipe is not an error.

use std::path::Path;
use std::process::Stdio;

use pbi_doctor::jwt::encode_unsigned;
use serde_json::json;

use crate::harness::{binary, run, run_on_file, tempdir};

fn powerbi_token() -> String {
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://analysis.windows.net/powerbi/api", "tid": "72f988bf-0000-4000-8000-000000000001",
            "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "idtyp": "app", "roles": ["Tenant.Read.All"],
            "iat": 1, "nbf": 1, "exp": 4_000_000_000_i64, "ver": "1.0"}),
        "c2lnbmF0dXJl",
    )
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    bytes
}

#[cfg(unix)]
#[test]
fn an_endless_paste_ends_at_the_cap_with_a_clear_error() {
    for command in ["explain", "token"] {
        let out = binary()
            .args([command, "-"])
            .stdin(std::fs::File::open("/dev/zero").unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("standard input is larger than 16 MiB")
                && stderr.contains("right input"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn a_file_over_the_cap_is_refused_and_named() {
    let dir = tempdir();
    let big = dir.join("big.log");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let out = run(&["explain", "--file", big.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("big.log is larger than 16 MiB"), "{stderr}");
    // Exactly the cap is read (and found to hold nothing recognisable).
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(16 * 1024 * 1024)
        .unwrap();
    let out = run(&["explain", "--file", big.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing recognised"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf16_files_from_windows_powershell_are_read() {
    let dir = tempdir();
    let token_file = dir.join("token.txt");
    std::fs::write(&token_file, utf16le_with_bom(&powerbi_token())).unwrap();
    let out = run_on_file("token", &token_file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("https://analysis.windows.net/powerbi/api") && !stdout.contains("not-jwt"),
        "{stdout}"
    );
    let paste = dir.join("paste.txt");
    std::fs::write(
        &paste,
        utf16le_with_bom("AADSTS7000215: Invalid client secret provided.\r\n"),
    )
    .unwrap();
    let out = run_on_file("explain", &paste);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("7000215"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_client_secret_file_that_is_not_utf8_is_refused_without_echoing_it() {
    let dir = tempdir();
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, b"s3cr3t-\xe9-value").unwrap();
    let out = run(
        &[
            "check",
            "--tenant",
            "contoso.com",
            "--client-id",
            "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90",
            "--client-secret-file",
            secret.to_str().unwrap(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not UTF-8") && !stderr.contains("s3cr3t"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A victim file and a symlink to it (or, `dangling`, to nothing) at `name` in `dir`.
#[cfg(unix)]
fn symlink_trap(
    dir: &Path,
    name: &str,
    dangling: bool,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let victim = dir.join(format!("{name}.victim"));
    if !dangling {
        std::fs::write(&victim, "precious").unwrap();
    }
    let link = dir.join(name);
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    (victim, link)
}

#[cfg(unix)]
fn assert_replaced(victim: &Path, link: &Path, dangling: bool, wanted: &str) {
    if dangling {
        assert!(
            !victim.exists(),
            "a file was created through the dangling link"
        );
    } else {
        assert_eq!(std::fs::read_to_string(victim).unwrap(), "precious");
    }
    let meta = std::fs::symlink_metadata(link).unwrap();
    assert!(meta.is_file(), "{} is still a link", link.display());
    let text = std::fs::read_to_string(link).unwrap();
    assert!(text.contains(wanted), "{text}");
}

#[cfg(unix)]
#[test]
fn reports_replace_a_symlink_at_their_path_instead_of_following_it() {
    let dir = tempdir();
    for dangling in [false, true] {
        let (victim, link) = symlink_trap(&dir, &format!("report-{dangling}.json"), dangling);
        let out = run(
            &[
                "replay",
                "--format",
                "human",
                "--output",
                &format!("json={}", link.display()),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_replaced(&victim, &link, dangling, "forbidden-extra-permissions");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn sessions_are_private_and_replace_a_symlink_at_their_path() {
    use std::os::unix::fs::PermissionsExt as _;
    let graph_token = encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://graph.microsoft.com", "tid": "72f988bf-0000-4000-8000-000000000001",
            "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "idtyp": "app", "iat": 1, "nbf": 1,
            "exp": 4_000_000_000_i64, "ver": "1.0"}),
        "c2lnbmF0dXJl",
    );
    let dir = tempdir();
    for dangling in [false, true] {
        let (victim, link) = symlink_trap(&dir, &format!("session-{dangling}.json"), dangling);
        // The token is for Graph: the chain stops before any probe, so nothing is called.
        let out = run(
            &[
                "check",
                "--tenant",
                "72f988bf-0000-4000-8000-000000000001",
                "--token-file",
                "-",
                "--api",
                "powerbi",
                "--powerbi-api",
                "http://127.0.0.1:9",
                "--format",
                "json",
                "--record",
                link.to_str().unwrap(),
            ],
            Some(&graph_token),
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_replaced(&victim, &link, dangling, "pbi_doctor_session");
        let mode = std::fs::metadata(&link).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_is_exit_2() {
    let full = || {
        std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [&["replay"][..], &["causes"], &["replay", "--list"]] {
        let out = binary().args(args).stdout(full()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the report to standard output"),
            "{stderr}"
        );
    }
    // An --output file on a full disk, too, and stdout is still written.
    let out = run(&["replay", "--output", "json=/dev/full"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the report to /dev/full"),
        "{stderr}"
    );
    assert!(!out.stdout.is_empty());
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = binary()
        .args(["replay", "--verbose"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the reader before the report is written makes the write fail with a broken pipe
    // (if the report wins the race, it fits in the pipe's buffer: the same outcome).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}

/// Inputs that made the old parsers quadratic (200 KB of `{` took 20 s in `explain`, 800 KB of
/// `"` 28 s in `token`). Speed is measured in `benches/engine.rs`, not asserted here: these run
/// through every reader and check what comes out, and a quadratic path would make this test take
/// minutes instead of well under a second.
fn pathological() -> Vec<(&'static str, String)> {
    const MB: usize = 1024 * 1024;
    // The shapes the issue names at full size; the others smaller, since a quadratic path shows
    // at 256 KB as well (minutes instead of milliseconds) and debug builds are slow.
    const KB256: usize = 256 * 1024;
    let nested_responses = (0..12).fold(powerbi_token(), |inner, _| {
        json!({"token_type": "Bearer", "access_token": inner}).to_string()
    });
    vec![
        ("200 KB of {", "{".repeat(200 * 1024)),
        ("800 KB of \"", "\"".repeat(800 * 1024)),
        ("1 MB of eyJ", "eyJ".repeat(MB / 3)),
        ("256 KB of eyJ.", "eyJ.".repeat(KB256 / 4)),
        ("1 MB of AADSTS", "AADSTS".repeat(MB / 6)),
        (
            "1 MB of distinct AADSTS codes",
            (0..MB / 12).map(|c| format!("AADSTS{c} ")).collect(),
        ),
        ("1 MB of [", "[".repeat(MB)),
        ("256 KB of {\"a\":", "{\"a\":".repeat(KB256 / 5)),
        (
            "256 KB of nested objects that fail late",
            format!(
                "{}x{}",
                "{\"a\":".repeat(KB256 / 10),
                "}".repeat(KB256 / 10)
            ),
        ),
        ("256 KB of https://", "https://".repeat(KB256 / 8)),
        ("256 KB of Bearer", "Bearer ".repeat(KB256 / 7)),
        (
            "1 MB with no newline",
            "Error Code: Request ID: status 40 http x \"a\" {b} ".repeat(MB / 48),
        ),
        ("256 KB of \\\\\"", "\\\"".repeat(KB256 / 2)),
        // The readers of issue 15: statuses, printouts, headers inside lines, placeholders in
        // URLs, cut JSON, CSV quotes, command lines, misspellings, Fabric CLI lines.
        ("256 KB of `401 `", "401 ".repeat(KB256 / 4)),
        ("256 KB of `token: `", "token: ".repeat(KB256 / 7)),
        (
            "256 KB of `Authorization: Bearer `",
            "Authorization: Bearer ".repeat(KB256 / 22),
        ),
        (
            "256 KB of `'RequestId', `",
            "'RequestId', ".repeat(KB256 / 13),
        ),
        (
            "256 KB of `https://a<`",
            format!("https://a{}", "<".repeat(KB256)),
        ),
        ("256 KB of `\"code\":\"`", "\"code\":\"".repeat(KB256 / 8)),
        ("256 KB of `{\"\"`", "{\"\"".repeat(KB256 / 3)),
        (
            "256 KB of one command line",
            "Connect-PowerBIServiceAccount -ServicePrincipal -Scope ".repeat(KB256 / 55),
        ),
        ("256 KB of `x a: [`", "x a: [".repeat(KB256 / 6)),
        (
            "256 KB of misspellings",
            "unauthorizes forbidens ".repeat(KB256 / 23),
        ),
        ("256 KB of `Token : `", "Token : ".repeat(KB256 / 8)),
        ("token responses nested 12 deep", nested_responses),
    ]
}

#[test]
fn pathological_inputs_go_through_every_reader() {
    let catalogue = pbi_doctor::catalogue::Catalogue::embedded().unwrap();
    for (name, input) in pathological() {
        let extracted = pbi_doctor::explain::extract::extract(&input);
        let _ = pbi_doctor::explain::explain(&extracted, None, catalogue);
        let normalized = pbi_doctor::token_input::normalize(&input);
        let decoded = pbi_doctor::jwt::decode(&normalized.token);
        let entra = pbi_doctor::entra_error::parse(&input);
        let codes = pbi_doctor::entra_error::aadsts_codes_in(&input);
        let _ = pbi_doctor::api_error::parse_body(&input);
        let _ = pbi_doctor::api_error::BodyKind::of(&input);
        let _ = pbi_doctor::api_error::challenge_error(&input);
        let _ = pbi_doctor::cloud_discovery::parse(&input);
        let _ = pbi_doctor::session::Session::parse(&input, name);
        let _ = pbi_doctor::secret::redact_jwt_signatures(&input);
        assert!(entra.is_none(), "{name}");
        assert!(codes.len() <= 16, "{name}: {} codes", codes.len());
        match name {
            "800 KB of \"" => assert_eq!(normalized.token, "", "every quote pair is a layer"),
            "1 MB of distinct AADSTS codes" => {
                assert_eq!(
                    extracted.entra.unwrap().codes,
                    (0..16).collect::<Vec<u32>>()
                );
            }
            "256 KB of Bearer" => assert_eq!(
                normalized.wrappers,
                [pbi_doctor::token_input::Wrapper::DoubleBearer]
            ),
            "token responses nested 12 deep" => {
                assert_eq!(normalized.token, powerbi_token(), "every layer is peeled");
                assert!(decoded.is_ok());
            }
            "200 KB of {" | "1 MB of [" | "1 MB of AADSTS" => {
                assert!(extracted.is_empty(), "{name}");
            }
            "1 MB of eyJ" | "256 KB of eyJ." => assert!(decoded.is_err(), "{name}"),
            _ => {}
        }
    }
}

#[test]
fn a_pathological_paste_through_the_binary_ends_with_nothing_recognised() {
    let out = run(&["explain", "-"], Some(&"{".repeat(200 * 1024)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing recognised"), "{stderr}");
    let out = run(
        &["token", "-", "--format", "json"],
        Some(&"\"".repeat(800 * 1024)),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"claims.decode\""));
}

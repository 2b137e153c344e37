//! What Windows hands the doctor, tested on any host: files with CRLF line ends (Notepad, git's
//! autocrlf checkout) and in UTF-16 with a byte-order mark (Windows PowerShell 5's `>`,
//! `Out-File`, `Set-Content -Encoding Unicode`), and a console that may not understand colour
//! codes. Where files live (`%APPDATA%`) and how `az.cmd` is found are unit tests of
//! `profile.rs`, `commands/check.rs` and `credential/azure_cli.rs`, which take the platform as a
//! parameter; `scripts/test-windows.sh` runs the Windows binary itself under Wine.

use std::process::Command;

use pbi_doctor::credential::certificate;
use pbi_doctor::jwt::encode_unsigned;
use serde_json::{Value, json};

use crate::harness::{fixtures_dir, json_report, run, tempdir};

/// UTF-16 LE with a byte-order mark, as Windows PowerShell 5 writes text files.
fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    bytes
}

/// Every line ending as CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// The report without what depends on where the session was read from.
fn comparable(mut report: Value) -> Value {
    report["target"]["session"] = Value::Null;
    // Two runs of a live command are a second apart now and then (explain judges at run time).
    report["target"]["evaluated_at"] = Value::Null;
    report
}

#[test]
fn a_session_saved_by_windows_powershell_replays_as_the_original() {
    let dir = tempdir();
    for name in [
        "forbidden-extra-permissions",
        "invalid-client-secret",
        "healthy-service-principal",
    ] {
        let original = fixtures_dir().join(name).join("session.json");
        let text = std::fs::read_to_string(&original).unwrap();
        let expected = comparable(json_report(
            name,
            &run(
                &["replay", original.to_str().unwrap(), "--format", "json"],
                None,
            ),
        ));
        for (how, bytes) in [
            ("CRLF", crlf(&text).into_bytes()),
            ("UTF-16 LE, CRLF", utf16le(&crlf(&text))),
            ("UTF-8 with BOM, CRLF", {
                let mut b = vec![0xEF, 0xBB, 0xBF];
                b.extend(crlf(&text).into_bytes());
                b
            }),
        ] {
            let copy = dir.join(format!("{name}.json"));
            std::fs::write(&copy, &bytes).unwrap();
            let out = run(
                &["replay", copy.to_str().unwrap(), "--format", "json"],
                None,
            );
            assert_eq!(
                comparable(json_report(&format!("{name} ({how})"), &out)),
                expected,
                "{name} saved as {how}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_profiles_file_saved_by_windows_powershell_is_read() {
    let dir = tempdir();
    let profiles = dir.join("profiles.toml");
    let tenant = "72f988bf-0000-4000-8000-000000000001";
    std::fs::write(
        &profiles,
        utf16le(&crlf(&format!(
            "# saved with Out-File in Windows PowerShell 5\n[profiles.windows]\ntenant = \"{tenant}\"\n\
             client_id = \"8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90\"\ncloud = \"public\"\n"
        ))),
    )
    .unwrap();
    // A Graph token: the chain stops at the scope check, before any request.
    let now = chrono::Utc::now().timestamp();
    let token = encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://graph.microsoft.com", "tid": tenant, "idtyp": "app",
            "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "iat": now - 60, "nbf": now - 60,
            "exp": now + 3600, "ver": "1.0"}),
        "c2lnbmF0dXJl",
    );
    let out = run(
        &[
            "check",
            "--profile",
            "windows",
            "--profiles",
            profiles.to_str().unwrap(),
            "--token-file",
            "-",
            "--api",
            "powerbi",
            "--powerbi-api",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ],
        Some(&format!("{token}\r\n")),
    );
    let report = json_report("profile from Windows PowerShell", &out);
    assert_eq!(report["target"]["tenant"], tenant, "{report}");
    assert_eq!(report["target"]["cloud"], "public");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_certificate_saved_by_windows_tools_loads_the_same() {
    let pem = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs/cert-and-key.pem"),
    )
    .unwrap();
    let unix = certificate::load(pem.as_bytes(), "cert-and-key.pem", None).unwrap();
    let windows = crlf(&pem);
    assert!(windows.contains("\r\n-----END CERTIFICATE-----\r\n"));
    let loaded = certificate::load(windows.as_bytes(), "cert-and-key.pem", None)
        .expect("a CRLF PEM file loads");
    assert_eq!(loaded.thumbprint_sha256_hex(), unix.thumbprint_sha256_hex());
    let mut with_bom = vec![0xEF, 0xBB, 0xBF];
    with_bom.extend(windows.as_bytes());
    let loaded = certificate::load(&with_bom, "cert-and-key.pem", None)
        .expect("a PEM file with a UTF-8 byte-order mark loads");
    assert_eq!(loaded.thumbprint_sha256_hex(), unix.thumbprint_sha256_hex());
    // `Get-Content cert.pem > copy.pem` in Windows PowerShell 5: UTF-16 LE.
    let loaded =
        certificate::load(&utf16le(&windows), "copy.pem", None).expect("a UTF-16 PEM file loads");
    assert_eq!(loaded.thumbprint_sha256_hex(), unix.thumbprint_sha256_hex());
}

#[test]
fn a_pasted_error_with_crlf_is_explained_as_with_lf() {
    let paste = "HTTP/1.1 403 Forbidden\nRequestId: 0f3775a2-9392-50ec-a5a7-f00bda0ea679\n\n\
                 {\"error\":{\"code\":\"PowerBINotAuthorizedException\"}}\n";
    let explain = |text: &str| {
        comparable(json_report(
            "explain",
            &run(&["explain", "-", "--format", "json"], Some(text)),
        ))
    };
    let lf = explain(paste);
    assert!(!lf["causes"].as_array().unwrap().is_empty(), "{lf}");
    assert_eq!(explain(&crlf(paste)), lf);
}

/// Colour only where a terminal shows it: anstream decides per stream, and on Windows enables
/// the console's escape-code processing (Windows 10 and later) or falls back to console calls
/// (older consoles). What is testable anywhere: a pipe or a file never gets codes, whatever the
/// environment says about the terminal, unless asked for with --color always or CLICOLOR_FORCE.
#[test]
fn no_colour_codes_on_a_pipe_unless_asked_for() {
    let replay = |args: &[&str], env: &[(&str, &str)]| -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_pbi-doctor"))
            .env_clear()
            .envs(env.iter().copied())
            .arg("replay")
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for env in [
        &[][..],
        &[("TERM", "xterm-256color")][..],
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")][..],
        &[("WT_SESSION", "1"), ("ConEmuANSI", "ON")][..],
    ] {
        let text = replay(&[], env);
        assert!(text.contains("Problems found"), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "colour codes on a pipe with {env:?}"
        );
    }
    assert!(replay(&["--color", "always"], &[]).contains("\u{1b}["));
    assert!(replay(&[], &[("CLICOLOR_FORCE", "1")]).contains("\u{1b}["));
    assert!(!replay(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    assert!(replay(&[], &[("PBI_DOCTOR_COLOR", "always")]).contains("\u{1b}["));
}

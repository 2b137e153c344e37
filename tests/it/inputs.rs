//! What people paste, through the real binary: every encoding Windows and Unix tools write
//! (UTF-8 with or without a byte-order mark, UTF-16 LE/BE with or without one, CRLF), read by
//! `explain` and `token` from a file (`--file`) and from standard input (`-`); and every shape a
//! token arrives in from the tools that print one (`az`, Az PowerShell, MSAL, azure-identity,
//! curl, PowerShell, browsers, Postman), which `token -` must read as the valid token it is.

use std::io::Write as _;
use std::process::Stdio;

use pbi_doctor::jwt::encode_unsigned;
use serde_json::{Value, json};

use crate::harness::{binary, tempdir};

/// A valid app-only Power BI token, far from expiry (synthetic ids).
fn powerbi_token() -> String {
    encode_unsigned(
        &json!({"typ": "JWT", "alg": "RS256"}),
        &json!({"aud": "https://analysis.windows.net/powerbi/api",
            "iss": "https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/",
            "tid": "72f988bf-0000-4000-8000-000000000001",
            "appid": "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90", "idtyp": "app",
            "iat": 1, "nbf": 1, "exp": 4_000_000_000_i64, "ver": "1.0"}),
        "c2lnbmF0dXJl",
    )
}

#[derive(Clone, Copy, Debug)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le { bom: bool },
    Utf16Be { bom: bool },
}

const ENCODINGS: [Encoding; 6] = [
    Encoding::Utf8,
    Encoding::Utf8Bom,
    Encoding::Utf16Le { bom: true },
    Encoding::Utf16Le { bom: false },
    Encoding::Utf16Be { bom: true },
    Encoding::Utf16Be { bom: false },
];

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    let utf16 = |little: bool, bom: bool| {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend(if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for unit in text.encode_utf16() {
            bytes.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        bytes
    };
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        Encoding::Utf16Le { bom } => utf16(true, bom),
        Encoding::Utf16Be { bom } => utf16(false, bom),
    }
}

/// Runs `command` on `bytes`, once from a file and once from standard input; returns both JSON
/// reports with the exit code.
fn both_ways(command: &str, bytes: &[u8], label: &str) -> Vec<(i32, Value)> {
    let dir = tempdir();
    let path = dir.join("input.txt");
    std::fs::write(&path, bytes).unwrap();
    let from_file = binary()
        .args([
            command,
            "--file",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let mut child = binary()
        .args([command, "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    [("--file", from_file), ("-", from_stdin)]
        .into_iter()
        .map(|(how, out)| {
            let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "{label} ({command} {how}): no JSON report ({e}): {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            (out.status.code().unwrap_or(-1), report)
        })
        .collect()
}

fn causes(report: &Value) -> Vec<String> {
    report["causes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[test]
fn explain_reads_every_encoding_from_a_file_and_from_standard_input() {
    // Windows PowerShell's `$Error[0] | Out-File error.txt`: CRLF, UTF-16 LE with a BOM.
    let paste = "Invoke-RestMethod : The remote server returned an error: (429) Too Many Requests.\r\nAt line:1 char:1\r\n+ Invoke-RestMethod -Uri 'https://api.powerbi.com/v1.0/myorg/admin/groups?$top=100' -Headers $h\r\n";
    for encoding in ENCODINGS {
        for (code, report) in both_ways(
            "explain",
            &encode(paste, encoding),
            &format!("{encoding:?}"),
        ) {
            assert_eq!(code, 1, "{encoding:?}: {report}");
            assert_eq!(
                causes(&report).first().map(String::as_str),
                Some("throttled"),
                "{encoding:?}"
            );
            assert_eq!(
                check(&report, "admin-api")["signals"]["admin_api.status"][0],
                "429",
                "{encoding:?}"
            );
        }
    }
}

#[test]
fn token_reads_every_encoding_from_a_file_and_from_standard_input() {
    let token = powerbi_token();
    for text in [format!("{token}\r\n"), format!("Bearer {token}\r\n")] {
        for encoding in ENCODINGS {
            for (code, report) in
                both_ways("token", &encode(&text, encoding), &format!("{encoding:?}"))
            {
                assert_eq!(code, 0, "{encoding:?}: {report}");
                assert_eq!(
                    check(&report, "claims")["signals"]["claims.decode"][0],
                    "ok",
                    "{encoding:?}"
                );
            }
        }
    }
}

/// Every shape a tool prints a token in, as `token -` reads it: a valid token is valid, whatever
/// is around it.
#[test]
fn token_reads_what_every_tool_prints() {
    let t = powerbi_token();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "az account get-access-token (JSON, no --query)",
            format!(
                "{{\n  \"accessToken\": \"{t}\",\n  \"expiresOn\": \"2096-10-03 07:06:40.000000\",\n  \"expires_on\": 4000000000,\n  \"subscription\": \"0b1c2d3e-0000-4000-8000-000000000001\",\n  \"tenant\": \"72f988bf-0000-4000-8000-000000000001\",\n  \"tokenType\": \"Bearer\"\n}}\n"
            ),
            "json-response",
        ),
        (
            "Get-AzAccessToken (object listing)",
            format!(
                "\r\nToken     : {t}\r\nExpiresOn : 10/3/2096 7:06:40 AM +00:00\r\nType      : Bearer\r\nTenantId  : 72f988bf-0000-4000-8000-000000000001\r\nUserId    : 8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90\r\n\r\n"
            ),
            "tool-output",
        ),
        (
            "Get-AzAccessToken | ConvertTo-Json",
            format!(
                "{{\r\n    \"Token\":  \"{t}\",\r\n    \"ExpiresOn\":  \"\\/Date(4000000000000)\\/\",\r\n    \"Type\":  \"Bearer\",\r\n    \"TenantId\":  \"72f988bf-0000-4000-8000-000000000001\"\r\n}}"
            ),
            "json-response",
        ),
        (
            "MSAL Python result dict",
            format!(
                "{{'token_type': 'Bearer', 'expires_in': 3599, 'ext_expires_in': 3599, 'access_token': '{t}', 'token_source': 'identity_provider'}}"
            ),
            "tool-output",
        ),
        (
            "MSAL.NET AuthenticationResult",
            format!(
                "AccessToken: {t}\r\nExpiresOn: 10/3/2096 7:06:40 AM +00:00\r\nTenantId: 72f988bf-0000-4000-8000-000000000001"
            ),
            "tool-output",
        ),
        (
            "azure-identity AccessToken",
            format!("AccessToken(token='{t}', expires_on=4000000000)"),
            "tool-output",
        ),
        (
            "browser devtools request headers",
            format!(
                "accept: application/json, text/plain, */*\nauthorization: Bearer {t}\nx-ms-client-request-id: 1f2e3d4c"
            ),
            "authorization-header",
        ),
        (
            "Copy as cURL (bash)",
            format!(
                "curl 'https://api.powerbi.com/v1.0/myorg/groups' \\\n  -H 'accept: application/json' \\\n  -H 'authorization: Bearer {t}' \\\n  --compressed"
            ),
            "authorization-header",
        ),
        (
            "PowerShell -Headers",
            format!(
                "Invoke-RestMethod -Uri 'https://api.powerbi.com/v1.0/myorg/groups' -Headers @{{\"Authorization\"=\"Bearer {t}\"}}"
            ),
            "authorization-header",
        ),
        (
            "Postman Authorization tab",
            format!("Type\tBearer Token\nToken\t{t}\n"),
            "tool-output",
        ),
    ];
    for (label, text, wrapper) in cases {
        let out = binary()
            .args(["token", "-", "--format", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(text.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{label}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(0), "{label}: {report}");
        assert!(causes(&report).is_empty(), "{label}: {:?}", causes(&report));
        let token_check = check(&report, "token-acquisition");
        assert!(
            token_check["signals"]["token.input"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == wrapper),
            "{label}: {token_check}"
        );
        assert_eq!(
            check(&report, "claims")["signals"]["claims.decode"][0],
            "ok",
            "{label}"
        );
        // The printout is never echoed: no signature, no refresh token in the report.
        let printed = report.to_string();
        assert!(
            !printed.contains("c2lnbmF0dXJl"),
            "{label}: signature shown"
        );
    }
}

#[test]
fn a_secure_string_printed_instead_of_a_token_is_named() {
    let out = binary()
        .args(["token", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(
                b"\r\nToken     : System.Security.SecureString\r\nExpiresOn : 10/3/2096 7:06:40 AM +00:00\r\nType      : Bearer\r\n",
            )?;
            child.wait_with_output()
        })
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let evidence = check(&report, "token-acquisition")["evidence"].to_string();
    assert!(evidence.contains("SecureString"), "{evidence}");
    assert!(causes(&report).contains(&"malformed-token".to_owned()));
}

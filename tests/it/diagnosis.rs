//! The diagnosis alone, table-driven: hand-built findings and signals → ranked causes, no HTTP.
//! Also the breadth promise of the catalogue: every AADSTS code of the research's §3.2 and every
//! Power BI / Fabric error of §4 leads somewhere (a cause, or a note that it is known but not an
//! authorization problem).

use pbi_doctor::catalogue::Catalogue;
use pbi_doctor::check::{CheckId, Finding, Outcome, signal};
use pbi_doctor::credential::CredentialKind;
use pbi_doctor::diagnose::diagnose;
use pbi_doctor::explain::{explain, extract::extract};

use crate::harness::run;

fn finding(check: CheckId, outcome: Outcome, signals: &[(&str, &str)]) -> Finding {
    let mut f = Finding::new(check, outcome, "");
    for (name, value) in signals {
        f.signal(name, *value);
    }
    f
}

fn ranked(findings: &[Finding]) -> Vec<(String, &'static str)> {
    let catalogue = Catalogue::embedded().unwrap();
    diagnose(findings, catalogue)
        .causes
        .iter()
        .map(|d| (d.cause.id.clone(), d.confidence.word()))
        .collect()
}

/// What a case is about, its findings, and the ranked (cause id, confidence) expected.
type Case = (
    &'static str,
    Vec<Finding>,
    Vec<(&'static str, &'static str)>,
);

#[test]
fn ranking_follows_confidence_then_specificity_then_severity() {
    use CheckId::*;
    use Outcome::*;
    let cases: Vec<Case> = vec![
        (
            "one AADSTS code, one meaning",
            vec![finding(
                TokenAcquisition,
                Fail,
                &[
                    (signal::TOKEN_AADSTS, "7000215"),
                    (signal::TOKEN_ERROR, "invalid_client"),
                ],
            )],
            vec![("invalid-client-secret", "confirmed")],
        ),
        (
            "forbidden roles and a 401: the roles first, the setting and the delay as alternatives, error severity before warning",
            vec![
                finding(
                    IdentityKind,
                    Warn,
                    &[
                        (signal::IDENTITY_KIND, "application"),
                        (signal::IDENTITY_POWERBI_APP_ROLES, "Tenant.Read.All"),
                    ],
                ),
                finding(
                    AdminApi,
                    Fail,
                    &[
                        (signal::ADMIN_API_STATUS, "401"),
                        (
                            signal::ADMIN_API_ERROR_CODE,
                            "PowerBINotAuthorizedException",
                        ),
                    ],
                ),
            ],
            vec![
                ("forbidden-extra-permissions", "likely"),
                ("sp-readonly-admin-api-disabled", "possible"),
                ("settings-propagation-delay", "possible"),
            ],
        ),
        (
            "the same 401 without forbidden roles: the read-only admin setting is likely",
            vec![
                finding(
                    IdentityKind,
                    Pass,
                    &[(signal::IDENTITY_KIND, "application")],
                ),
                finding(
                    AdminApi,
                    Fail,
                    &[
                        (signal::ADMIN_API_STATUS, "401"),
                        (
                            signal::ADMIN_API_ERROR_CODE,
                            "PowerBINotAuthorizedException",
                        ),
                    ],
                ),
            ],
            vec![
                ("sp-readonly-admin-api-disabled", "likely"),
                ("settings-propagation-delay", "possible"),
            ],
        ),
        (
            "a confirmed cause outranks a likely one with more conditions",
            vec![
                finding(Claims, Fail, &[(signal::CLAIMS_EXPIRY, "expired")]),
                finding(
                    IdentityKind,
                    Pass,
                    &[
                        (signal::IDENTITY_KIND, "delegated"),
                        (signal::IDENTITY_ADMIN_SCOPE, "absent"),
                    ],
                ),
                finding(AdminApi, Fail, &[(signal::ADMIN_API_STATUS, "403")]),
            ],
            vec![
                ("token-expired", "confirmed"),
                ("missing-delegated-scope", "likely"),
            ],
        ),
        (
            "a header that names the tenant switch is confirmed",
            vec![finding(
                WorkspaceApi,
                Fail,
                &[
                    (signal::WORKSPACE_API_STATUS, "401"),
                    (
                        signal::WORKSPACE_API_ERROR_INFO,
                        "ServicePrincipalIsNotAllowedByTenantAdminSwitch",
                    ),
                ],
            )],
            vec![
                ("sp-api-access-disabled", "confirmed"),
                ("settings-propagation-delay", "possible"),
            ],
        ),
        (
            "nothing wrong, nothing said",
            vec![finding(
                TokenAcquisition,
                Pass,
                &[(signal::TOKEN_SOURCE, CredentialKind::ClientSecret.signal())],
            )],
            vec![],
        ),
    ];
    for (what, findings, expected) in cases {
        let expected: Vec<(String, &str)> = expected
            .into_iter()
            .map(|(id, c)| (id.to_owned(), c))
            .collect();
        assert_eq!(ranked(&findings), expected, "{what}");
    }
}

#[test]
fn a_failure_no_cause_explains_is_reported_as_unexplained() {
    let catalogue = Catalogue::embedded().unwrap();
    let findings = vec![
        finding(
            CheckId::IdentityKind,
            Outcome::Pass,
            &[(signal::IDENTITY_KIND, "application")],
        ),
        finding(
            CheckId::AdminApi,
            Outcome::Fail,
            &[
                (signal::ADMIN_API_STATUS, "400"),
                (signal::ADMIN_API_ERROR_CODE, "InvalidRequest"),
            ],
        ),
    ];
    let d = diagnose(&findings, catalogue);
    assert!(d.causes.is_empty());
    assert_eq!(d.unexplained, [CheckId::AdminApi]);
}

/// AADSTS codes of the research's §3.2 table (plus the peers' 65002, 65005, 650057, 70001).
const AADSTS: &[u32] = &[
    7000215, 7000222, 7000112, 7000218, 7000229, 700016, 90002, 900023, 90038, 900432, 50059,
    50194, 9001023, 901002, 70011, 1002012, 700022, 500011, 500014, 65001, 90094, 50076, 50079,
    50074, 53003, 530035, 50126, 50034, 50057, 50055, 50053, 50173, 54005, 700024, 700027, 700023,
    50012, 50013, 50027, 70021, 700211, 700212, 700213, 70016, 70018, 70019, 50134, 90119, 90120,
    65002, 65005, 650057, 70001,
];

/// Power BI and Fabric error codes of §4 with the status they come with.
const API_CODES: &[(&str, u16)] = &[
    ("TokenExpired", 403),
    ("GroupNotAccessible", 401),
    ("InvalidRequest", 400),
    ("PowerBINotAuthorizedException", 401),
    ("PowerBIEntityNotFound", 404),
    ("LoadReportFailed", 403),
    ("InsufficientScopes", 403),
    ("Unauthorized", 401),
    ("Forbidden", 403),
    ("InsufficientPrivileges", 403),
    ("InsufficientWorkspaceRole", 403),
    ("PrincipalTypeNotSupported", 400),
    ("TenantSwitchDisabled", 403),
    ("FeatureNotAvailable", 403),
    ("WorkspaceNotFound", 404),
    ("ItemNotFound", 404),
    ("EntityNotFound", 404),
    ("TooManyRequests", 429),
    ("UnknownError", 500),
    ("ItemDisplayNameAlreadyInUse", 400),
    ("UserDoesNotBelongToCurrentCluster", 401),
];

#[test]
fn every_known_code_leads_to_a_cause_or_a_note() {
    let catalogue = Catalogue::embedded().unwrap();
    let mut silent = Vec::new();
    for code in AADSTS {
        let x = extract(&format!(
            "AADSTS{code}: something went wrong.\r\nTrace ID: t\r\nCorrelation ID: c"
        ));
        let e = explain(&x, None, catalogue);
        let noted = e.notes.iter().any(|n| {
            n.contains(&code.to_string())
                || n.contains("device code")
                || n.contains("sign-in failed")
        });
        if e.diagnoses.causes.is_empty() && !noted {
            silent.push(format!("AADSTS{code}"));
        }
    }
    for (code, status) in API_CODES {
        let x = extract(&format!(
            "HTTP/1.1 {status} X\r\n\r\n{{\"error\":{{\"code\":\"{code}\",\"message\":\"m\"}}}}"
        ));
        let e = explain(&x, None, catalogue);
        let noted = e.notes.iter().any(|n| n.starts_with(code));
        if e.diagnoses.causes.is_empty() && !noted {
            silent.push((*code).to_owned());
        }
    }
    for message in [
        "API is not accessible for application",
        "Calling group APIs not permitted for personal workspace",
    ] {
        let x = extract(&format!(
            "HTTP/1.1 401 Unauthorized\r\n\r\n{{\"Message\":\"{message}\"}}"
        ));
        if explain(&x, None, catalogue).diagnoses.causes.is_empty() {
            silent.push(message.to_owned());
        }
    }
    assert!(
        silent.is_empty(),
        "known codes with neither a cause nor a note: {silent:?}"
    );
}

#[test]
fn text_with_nothing_recognisable_is_exit_2_with_a_hint() {
    for text in ["hello world", "the refresh failed again this morning", ""] {
        let out = run(&["explain", "-"], Some(text));
        assert_eq!(out.status.code(), Some(2), "{text:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("nothing recognised") && stderr.contains("--status"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty(), "no guess on stdout");
    }
}

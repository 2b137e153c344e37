//! Meta-tests on the cause catalogue (`checks/`) and its link to the checks and the fixtures.

use std::collections::BTreeSet;

use pbi_doctor::catalogue::{Catalogue, Condition};
use pbi_doctor::check::signal::{Probe, ProbeField};
use pbi_doctor::check::{CheckId, signal};

use crate::harness::{json_report, paste_scenarios, run, scenarios};

/// The second look's wiremock tests: they reach the causes that need an administrator's identity.
const SECOND_LOOK_TESTS: &str = include_str!("second_look.rs");

/// The ids scripts and CI jobs key on (issue "The doctor, end to end"). Never remove one.
const REQUIRED: &[&str] = &[
    "invalid-client-secret",
    "expired-client-secret",
    "app-not-found-in-tenant",
    "tenant-not-found",
    "tenant-specific-authority-required",
    "invalid-scope",
    "resource-principal-missing",
    "consent-required",
    "app-missing-resource-permission",
    "mfa-or-conditional-access",
    "certificate-rejected",
    "federated-credential-mismatch",
    "client-type-mismatch",
    "application-disabled",
    "network-error",
    "wrong-audience",
    "token-expired",
    "token-not-yet-valid",
    "malformed-token",
    "tenant-mismatch",
    "wrong-cloud",
    "forbidden-extra-permissions",
    "missing-delegated-scope",
    "delegated-user-not-admin",
    "api-not-supported-for-service-principal",
    "sp-api-access-disabled",
    "sp-readonly-admin-api-disabled",
    "sp-not-in-workspace",
    "personal-workspace-not-supported",
    "throttled",
    "settings-propagation-delay",
];

/// The full list, so that an addition or removal shows in review.
const ALL_IDS: &[&str] = &[
    "account-not-in-tenant",
    "api-not-supported-for-service-principal",
    "app-missing-resource-permission",
    "app-not-found-in-tenant",
    "application-disabled",
    "azure-cli-failed",
    "azure-cli-missing",
    "azure-cli-not-logged-in",
    "broker-sign-in-failed",
    "capacity-paused",
    "capacity-setting-disabled",
    "certificate-expired",
    "certificate-key-mismatch",
    "certificate-not-yet-valid",
    "certificate-password-wrong",
    "certificate-rejected",
    "certificate-unusable",
    "classic-workspace-not-supported",
    "client-assertion-expired",
    "client-library-conflict",
    "client-type-mismatch",
    "configuration-correct-still-refused",
    "connection-access-missing",
    "consent-required",
    "credential-expiring-soon",
    "datasource-credentials",
    "delegated-user-not-admin",
    "device-code-not-completed",
    "effective-identity-required",
    "embed-token-as-aad-token",
    "expired-client-secret",
    "federated-credential-mismatch",
    "federated-token-unusable",
    "first-party-client-preauthorization",
    "forbidden-extra-permissions",
    "insufficient-workspace-role",
    "invalid-client-id",
    "invalid-client-secret",
    "invalid-refresh-token",
    "invalid-scope",
    "item-not-found-or-no-access",
    "license-required",
    "malformed-token",
    "mfa-or-conditional-access",
    "missing-delegated-scope",
    "network-error",
    "no-token-sent",
    "object-id-vs-app-id",
    "password-expired",
    "personal-workspace-not-supported",
    "proxy-intercepted",
    "public-client-sent-secret",
    "redirect-uri-mismatch",
    "request-parameter-rejected",
    "resource-principal-missing",
    "ropc-not-supported",
    "settings-propagation-delay",
    "sp-api-access-disabled",
    "sp-in-excluded-admin-api-group",
    "sp-not-in-admin-api-group",
    "sp-not-in-workspace",
    "sp-readonly-admin-api-disabled",
    "sp-switch-split",
    "tenant-feature-disabled",
    "tenant-mismatch",
    "tenant-not-found",
    "tenant-specific-authority-required",
    "throttled",
    "token-expired",
    "token-not-yet-valid",
    "unexpected-client-app",
    "user-account-disabled",
    "user-not-in-workspace",
    "workspace-not-found",
    "wrong-audience",
    "wrong-cloud",
    "wrong-user-credentials",
];

fn catalogue() -> &'static Catalogue {
    Catalogue::embedded().expect("the embedded catalogue parses and validates")
}

#[test]
fn ids_are_the_reviewed_list_and_include_every_required_one() {
    let ids: Vec<&str> = catalogue().causes().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ALL_IDS);
    for id in REQUIRED {
        assert!(ids.contains(id), "required cause id {id} is missing");
    }
}

#[test]
fn files_on_disk_are_what_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        // The message index lives beside the causes but is not one.
        .filter(|stem| stem != "messages")
        .collect();
    stems.sort();
    assert_eq!(stems, ALL_IDS);
}

#[test]
fn a_broken_cause_file_is_refused_with_its_name() {
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks/throttled.toml"),
    )
    .unwrap();
    let err = Catalogue::parse(&[("not-throttled", &good)]).unwrap_err();
    assert!(
        err.contains("checks/not-throttled.toml") && err.contains("differs from the file name"),
        "{err}"
    );
    let unknown = good.replace(signal::ADMIN_API_STATUS, "admin_api.stattus");
    let err = Catalogue::parse(&[("throttled", &unknown)]).unwrap_err();
    assert!(
        err.contains("admin_api.stattus") && err.contains("emitted by no check"),
        "{err}"
    );
    let err = Catalogue::parse(&[("throttled", &good), ("throttled", &good)]).unwrap_err();
    assert!(err.contains("duplicate"), "{err}");
}

#[test]
fn words_follow_the_conventions() {
    for cause in catalogue().causes() {
        assert!(
            !cause.title.ends_with('.'),
            "{}: title ends with a period",
            cause.id
        );
        assert!(
            cause.title.chars().next().is_some_and(char::is_uppercase),
            "{}: title starts lowercase",
            cause.id
        );
        for step in &cause.fix {
            assert!(
                step.chars().next().is_some_and(char::is_uppercase),
                "{}: fix step {step:?} does not start with a verb",
                cause.id
            );
        }
        for doc in &cause.docs {
            assert!(
                doc.starts_with("https://"),
                "{}: doc link {doc} is not https",
                cause.id
            );
        }
        assert!(
            !cause.what.trim().is_empty() && !cause.why.trim().is_empty(),
            "{}: what/why empty",
            cause.id
        );
    }
}

#[test]
fn every_documented_signal_is_declared_by_a_check_and_back() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks/README.md"),
    )
    .unwrap();
    for check in CheckId::ALL {
        for signal in check.signals() {
            // A probe's fields are documented once, as `<probe>.{suffix}`.
            let probe_field = Probe::ALL
                .into_iter()
                .flat_map(|probe| ProbeField::ALL.map(|field| (probe.signal(field), field)))
                .find(|(name, _)| name == signal)
                .map(|(_, field)| field);
            let documented = readme.contains(&format!("`{signal}`"))
                || probe_field
                    .is_some_and(|f| readme.contains(&format!("`<probe>.{}`", f.suffix())));
            assert!(
                documented,
                "{signal} (emitted by {}) is not documented in checks/README.md",
                check.id()
            );
        }
    }
}

#[test]
fn every_cause_is_reached_by_a_scenario_or_says_how_it_is_reached() {
    let expected: BTreeSet<String> = scenarios()
        .into_iter()
        .flat_map(|s| s.expect.causes)
        .collect();
    let pasted: BTreeSet<String> = paste_scenarios()
        .into_iter()
        .flat_map(|s| s.expect.causes)
        .collect();
    for cause in catalogue().causes() {
        match &cause.offline_only {
            Some(reason) => {
                assert!(
                    reason.len() > 20,
                    "{}: offline_only needs a reason",
                    cause.id
                );
                assert!(
                    !expected.contains(&cause.id),
                    "{}: marked offline_only but a check scenario reaches it",
                    cause.id
                );
                // The second look's causes need an administrator's identity, which a fixture does
                // not carry: its wiremock tests reach them instead.
                let second_look = reason.contains("second look");
                assert!(
                    pasted.contains(&cause.id)
                        || (second_look
                            && SECOND_LOOK_TESTS.contains(&format!("\"{}\"", cause.id))),
                    "{}: offline_only, but no paste scenario (fixtures/*/paste.txt) reaches it",
                    cause.id
                );
            }
            None => assert!(
                expected.contains(&cause.id),
                "{}: no check scenario under fixtures/ expects this cause",
                cause.id
            ),
        }
    }
    for id in expected.iter().chain(&pasted) {
        assert!(
            catalogue().get(id).is_some(),
            "a scenario expects unknown cause {id}"
        );
    }
}

#[test]
fn every_signal_a_reachable_matcher_names_is_emitted_in_some_scenario() {
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for scenario in scenarios() {
        let out = run(
            &[
                "replay",
                scenario.dir.join("session.json").to_str().unwrap(),
                "--format",
                "json",
            ],
            None,
        );
        let report = json_report(&scenario.name, &out);
        for check in report["checks"].as_array().unwrap() {
            emitted.extend(check["signals"].as_object().unwrap().keys().cloned());
        }
    }
    let mut missing = BTreeSet::new();
    for cause in catalogue()
        .causes()
        .iter()
        .filter(|c| c.offline_only.is_none())
    {
        for rule in &cause.rules {
            for condition in &rule.conditions {
                // The second look's signals come from an administrator's reads, which the
                // fixtures do not carry; tests/it/second_look.rs emits them.
                let second_look =
                    CheckId::of_signal(condition.signal()).is_some_and(CheckId::second_look);
                if !matches!(condition, Condition::Absent(_))
                    && !second_look
                    && !emitted.contains(condition.signal())
                {
                    missing.insert(format!("{} ({})", condition.signal(), cause.id));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "signals named by matchers but never emitted by any scenario: {missing:?}"
    );
}

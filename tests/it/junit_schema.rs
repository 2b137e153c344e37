//! The JUnit report against the two schemas CI tools hold JUnit files to, vendored in
//! `tests/data/` (Jenkins' `junit-10.xsd`, Windy Road's Ant `JUnit.xsd`; sources in its README).
//!
//! Two validators, so the suite means the same on a machine without libxml2: a structural check
//! written from the schemas' rules (element order and multiplicity, required and allowed
//! attributes, the integer, decimal, timestamp and Surefire-time types), which always runs; and
//! `xmllint --schema` against the vendored files, which runs when xmllint is installed
//! (`apt-get install libxml2-utils`) and must then agree with the structural check on every
//! document, valid or not. Documents: every shipped scenario replayed, the canned report of
//! `renderers.rs` (every outcome at once, awkward characters), a `token` and an `explain` report,
//! and the shape the report had before, which both must reject.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest as _, Sha256};

use crate::harness::{run, tempdir};
use crate::renderers::{Element, parse, report, seal};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

const JENKINS: &str = "junit-10.xsd";
const ANT: &str = "JUnit.xsd";

/// The report as quick-junit wrote it before: attributes on `<testsuites>`, a zone in the
/// timestamp, `<properties>` and `<system-out>` in a test case, no `time`, `hostname`,
/// `package`, `id`, `system-out` or `system-err` on the suite.
const OLD_SHAPE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="pbi-doctor" tests="1" skipped="0" failures="0" errors="0">
    <testsuite name="pbi-doctor" tests="1" skipped="0" errors="0" failures="0" timestamp="2026-11-20T09:14:03.000+00:00">
        <properties>
            <property name="verdict" value="healthy"/>
        </properties>
        <testcase name="identity-kind" classname="pbi-doctor.check">
            <properties>
                <property name="severity" value="warning"/>
            </properties>
            <system-out>warning: application token</system-out>
        </testcase>
    </testsuite>
</testsuites>
"#;

// ---------------------------------------------------------------------------------------------
// The structural check

fn is_int(v: &str) -> bool {
    v.trim().parse::<i32>().is_ok()
}

/// xs:decimal: an optional sign, digits with an optional fraction (no exponent).
fn is_decimal(v: &str) -> bool {
    let v = v.trim();
    let v = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
    !(whole.is_empty() && fraction.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// junit-10.xsd's SUREFIRE_TIME: `(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?`.
fn is_surefire_time(v: &str) -> bool {
    regex::Regex::new(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$")
        .unwrap()
        .is_match(v)
}

/// JUnit.xsd's ISO8601_DATETIME_PATTERN: an xs:dateTime written exactly `YYYY-MM-DDTHH:MM:SS`.
fn is_ant_timestamp(v: &str) -> bool {
    regex::Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$")
        .unwrap()
        .is_match(v)
        && chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S").is_ok()
}

/// xs:token with minLength 1: something left after whitespace is collapsed.
fn is_nonempty_token(v: &str) -> bool {
    !v.trim().is_empty()
}

/// An attribute's name and the test its value must pass.
type Typed<'a> = (&'a str, fn(&str) -> bool);

/// Problems with one element's attributes: `required` missing, anything outside `required` and
/// `optional`, and values failing their type.
fn attributes(
    problems: &mut Vec<String>,
    element: &Element,
    required: &[&str],
    optional: &[&str],
    typed: &[Typed<'_>],
) {
    for name in required {
        if !element.attributes.contains_key(*name) {
            problems.push(format!("<{}> lacks {name}", element.name));
        }
    }
    for (name, value) in &element.attributes {
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            problems.push(format!("<{}> may not have {name}", element.name));
        }
        if let Some((_, valid)) = typed.iter().find(|(n, _)| *n == name)
            && !valid(value)
        {
            problems.push(format!(
                "<{}> {name}={value:?} is not of its type",
                element.name
            ));
        }
    }
}

fn text_only(problems: &mut Vec<String>, element: &Element) {
    if let Some(child) = element.children.first() {
        problems.push(format!("<{}> may not hold <{}>", element.name, child.name));
    }
}

fn jenkins_suite(problems: &mut Vec<String>, suite: &Element) {
    attributes(
        problems,
        suite,
        &["name", "tests", "failures", "errors"],
        &[
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
            "version",
        ],
        &[("time", is_surefire_time)],
    );
    for child in &suite.children {
        match child.name.as_str() {
            "testsuite" => jenkins_suite(problems, child),
            "properties" => properties(problems, child, |_| true),
            "testcase" => {
                attributes(
                    problems,
                    child,
                    &["name"],
                    &["time", "classname", "group"],
                    &[],
                );
                for part in &child.children {
                    match part.name.as_str() {
                        "skipped" | "error" | "failure" => {
                            attributes(problems, part, &[], &["type", "message"], &[]);
                            text_only(problems, part);
                        }
                        "system-out" | "system-err" => text_only(problems, part),
                        "rerunFailure" | "rerunError" | "flakyFailure" | "flakyError" => {
                            attributes(problems, part, &["type"], &["message"], &[]);
                        }
                        other => problems.push(format!("<testcase> may not hold <{other}>")),
                    }
                }
            }
            "system-out" | "system-err" => text_only(problems, child),
            other => problems.push(format!("<testsuite> may not hold <{other}>")),
        }
    }
}

fn properties(problems: &mut Vec<String>, element: &Element, name_ok: fn(&str) -> bool) {
    attributes(problems, element, &[], &[], &[]);
    for property in &element.children {
        if property.name != "property" {
            problems.push(format!("<properties> may not hold <{}>", property.name));
            continue;
        }
        attributes(
            problems,
            property,
            &["name", "value"],
            &[],
            &[("name", name_ok)],
        );
        text_only(problems, property);
    }
}

/// Violations of Jenkins' junit-10.xsd.
fn jenkins(root: &Element) -> Vec<String> {
    let mut problems = Vec::new();
    match root.name.as_str() {
        "testsuites" => {
            attributes(
                &mut problems,
                root,
                &[],
                &["name", "time", "tests", "failures", "errors"],
                &[("time", is_surefire_time)],
            );
            for suite in &root.children {
                if suite.name == "testsuite" {
                    jenkins_suite(&mut problems, suite);
                } else {
                    problems.push(format!("<testsuites> may not hold <{}>", suite.name));
                }
            }
        }
        "testsuite" => jenkins_suite(&mut problems, root),
        other => problems.push(format!("<{other}> is not a root element")),
    }
    problems
}

fn ant_suite(problems: &mut Vec<String>, suite: &Element, nested: bool) {
    let mut required = vec![
        "name",
        "timestamp",
        "hostname",
        "tests",
        "failures",
        "errors",
        "time",
    ];
    if nested {
        required.extend(["package", "id"]);
    }
    attributes(
        problems,
        suite,
        &required,
        &["skipped"],
        &[
            ("name", is_nonempty_token),
            ("hostname", is_nonempty_token),
            ("timestamp", is_ant_timestamp),
            ("tests", is_int),
            ("failures", is_int),
            ("errors", is_int),
            ("skipped", is_int),
            ("time", is_decimal),
            ("id", is_int),
        ],
    );
    // The sequence: properties, testcase*, system-out, system-err.
    let names: Vec<&str> = suite.children.iter().map(|c| c.name.as_str()).collect();
    let cases = names.iter().filter(|n| **n == "testcase").count();
    let mut expected = vec!["properties"];
    expected.extend(std::iter::repeat_n("testcase", cases));
    expected.extend(["system-out", "system-err"]);
    if names != expected {
        problems.push(format!(
            "<testsuite> holds {names:?}, not properties, testcase*, system-out, system-err"
        ));
    }
    for child in &suite.children {
        match child.name.as_str() {
            "properties" => properties(problems, child, is_nonempty_token),
            "testcase" => {
                attributes(
                    problems,
                    child,
                    &["name", "classname", "time"],
                    &[],
                    &[("time", is_decimal)],
                );
                if child.children.len() > 1 {
                    problems.push(format!(
                        "<testcase name={:?}> holds more than one element",
                        child.attributes.get("name")
                    ));
                }
                for part in &child.children {
                    match part.name.as_str() {
                        "skipped" => attributes(problems, part, &[], &["message"], &[]),
                        "error" | "failure" => {
                            attributes(problems, part, &["type"], &["message"], &[]);
                        }
                        other => problems.push(format!("<testcase> may not hold <{other}>")),
                    }
                    text_only(problems, part);
                }
            }
            "system-out" | "system-err" => text_only(problems, child),
            _ => {}
        }
    }
}

/// Violations of Windy Road's JUnit.xsd.
fn ant(root: &Element) -> Vec<String> {
    let mut problems = Vec::new();
    match root.name.as_str() {
        "testsuites" => {
            attributes(&mut problems, root, &[], &[], &[]);
            for suite in &root.children {
                if suite.name == "testsuite" {
                    ant_suite(&mut problems, suite, true);
                } else {
                    problems.push(format!("<testsuites> may not hold <{}>", suite.name));
                }
            }
        }
        "testsuite" => ant_suite(&mut problems, root, false),
        other => problems.push(format!("<{other}> is not a root element")),
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// xmllint, where installed

fn xmllint_installed() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok()
}

/// Whether xmllint finds `file` valid against the vendored schema, with its complaints.
fn xmllint(schema: &str, file: &Path) -> (bool, String) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(data(schema))
        .arg(file)
        .output()
        .expect("xmllint runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every report the binary can write, as (name, document).
fn documents() -> Vec<(String, String)> {
    let mut docs = Vec::new();
    let list = run(&["replay", "--list"], None);
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 30, "the shipped scenarios: {names:?}");
    for name in names {
        let out = run(&["replay", "--scenario", &name, "--format", "junit"], None);
        docs.push((
            format!("replay {name}"),
            String::from_utf8(out.stdout).unwrap(),
        ));
    }
    let expect = run(
        &[
            "replay",
            "--scenario",
            "forbidden-extra-permissions",
            "--format",
            "junit",
        ],
        None,
    );
    docs.push((
        "replay (again)".to_owned(),
        String::from_utf8(expect.stdout).unwrap(),
    ));
    let explain = run(
        &[
            "explain",
            "AADSTS7000215: Invalid client secret provided. <b>&</b>",
            "--format",
            "junit",
        ],
        None,
    );
    docs.push((
        "explain".to_owned(),
        String::from_utf8(explain.stdout).unwrap(),
    ));
    let token = run(&["token", "not-a-token", "--format", "junit"], None);
    docs.push(("token".to_owned(), String::from_utf8(token.stdout).unwrap()));
    docs.push((
        "the canned report".to_owned(),
        pbi_doctor::report::junit::render(&seal(report())),
    ));
    for (name, doc) in &docs {
        assert!(doc.starts_with("<?xml"), "{name}: {doc}");
    }
    docs
}

#[test]
fn every_report_is_valid_against_both_schemas() {
    let docs = documents();
    let dir = tempdir();
    let lint = xmllint_installed();
    if !lint {
        eprintln!("xmllint is not installed: the structural check alone");
    }
    let mut problems = Vec::new();
    for (n, (name, doc)) in docs.iter().enumerate() {
        let root = parse(doc);
        for (schema, found) in [(JENKINS, jenkins(&root)), (ANT, ant(&root))] {
            if !found.is_empty() {
                problems.push(format!("{name} against {schema}: {found:?}"));
            }
        }
        if lint {
            let file = dir.join(format!("{n}.xml"));
            std::fs::write(&file, doc).unwrap();
            for schema in [JENKINS, ANT] {
                let (valid, complaints) = xmllint(schema, &file);
                if !valid {
                    problems.push(format!("{name}: xmllint {schema}: {complaints}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_shape_before_is_rejected_by_both_for_the_documented_reasons() {
    let root = parse(OLD_SHAPE);
    let jenkins = jenkins(&root);
    assert!(
        jenkins.contains(&"<testsuites> may not have skipped".to_owned())
            && jenkins.contains(&"<testcase> may not hold <properties>".to_owned()),
        "{jenkins:?}"
    );
    let ant = ant(&root);
    for expected in [
        "<testsuites> may not have name",
        "<testsuite> lacks hostname",
        "<testsuite> lacks time",
        "<testsuite> lacks package",
        "<testsuite> timestamp=\"2026-11-20T09:14:03.000+00:00\" is not of its type",
        "<testcase> lacks time",
        "<testcase> may not hold <properties>",
    ] {
        assert!(ant.contains(&expected.to_owned()), "{expected}: {ant:?}");
    }
    if xmllint_installed() {
        let dir = tempdir();
        let file = dir.join("old.xml");
        std::fs::write(&file, OLD_SHAPE).unwrap();
        for schema in [JENKINS, ANT] {
            let (valid, complaints) = xmllint(schema, &file);
            assert!(!valid, "xmllint accepts the old shape against {schema}");
            assert!(complaints.contains("properties"), "{complaints}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Single faults, each of which one schema or both reject: the structural check must agree with
/// xmllint on every one (where xmllint is installed), so it is no weaker than the schemas.
#[test]
fn the_structural_check_agrees_with_xmllint_fault_by_fault() {
    let good = pbi_doctor::report::junit::render(&seal(report()));
    let faults: [(&str, String, bool, bool); 9] = [
        ("as written", good.clone(), true, true),
        (
            "an attribute on testsuites",
            good.replacen("<testsuites>", "<testsuites tests=\"8\">", 1),
            true,
            false,
        ),
        (
            "a zone in the timestamp",
            good.replacen("timestamp=\"2026-11-20T09:14:03\"", "timestamp=\"2026-11-20T09:14:03Z\"", 1),
            true,
            false,
        ),
        (
            "no hostname",
            good.replacen(" hostname=\"localhost\"", "", 1),
            true,
            false,
        ),
        (
            "system-out in a test case",
            good.replacen(
                "<testcase name=\"scope\" classname=\"pbi-doctor.check\" time=\"0\"/>",
                "<testcase name=\"scope\" classname=\"pbi-doctor.check\" time=\"0\"><system-out>x</system-out></testcase>",
                1,
            ),
            true,
            false,
        ),
        (
            "properties in a test case",
            good.replacen(
                "<testcase name=\"scope\" classname=\"pbi-doctor.check\" time=\"0\"/>",
                "<testcase name=\"scope\" classname=\"pbi-doctor.check\" time=\"0\"><properties/></testcase>",
                1,
            ),
            false,
            false,
        ),
        (
            "system-err missing",
            good.replacen("<system-err></system-err>", "", 1),
            true,
            false,
        ),
        (
            "a time that is not Surefire's",
            good.replacen(" time=\"0\" timestamp", " time=\"1e3\" timestamp", 1),
            false,
            false,
        ),
        (
            "no type on a failure",
            good.replacen(" type=\"forbidden-extra-permissions\"", "", 1),
            true,
            false,
        ),
    ];
    let lint = xmllint_installed();
    let dir = tempdir();
    for (n, (what, doc, jenkins_ok, ant_ok)) in faults.iter().enumerate() {
        assert!(n == 0 || doc != &good, "{what}: the fault was not applied");
        let root = parse(doc);
        assert_eq!(
            jenkins(&root).is_empty(),
            *jenkins_ok,
            "{what}: {:?}",
            jenkins(&root)
        );
        assert_eq!(ant(&root).is_empty(), *ant_ok, "{what}: {:?}", ant(&root));
        if lint {
            let file = dir.join(format!("{n}.xml"));
            std::fs::write(&file, doc).unwrap();
            assert_eq!(
                xmllint(JENKINS, &file).0,
                *jenkins_ok,
                "{what}: xmllint {JENKINS}"
            );
            assert_eq!(xmllint(ANT, &file).0, *ant_ok, "{what}: xmllint {ANT}");
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_vendored_schemas_are_the_files_named_in_the_readme() {
    let readme = std::fs::read_to_string(data("README.md")).unwrap();
    for schema in [JENKINS, ANT] {
        let bytes = std::fs::read(data(schema)).unwrap();
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            readme.contains(&format!("`{digest}`")),
            "{schema} is not the file the README names (SHA-256 {digest})"
        );
    }
}

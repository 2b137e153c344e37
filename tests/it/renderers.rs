//! The report formats, rendered from one canned report: a snapshot of each (human, JSON, JUnit,
//! GitHub Actions and its job summary, Azure Pipelines, Markdown), the JUnit document read back
//! as CI servers read it, and the CI command lines parsed back the way the GitHub runner and the
//! Azure Pipelines agent parse them.
//!
//! The report is built by hand, not by the chain: it holds a check of every outcome at once
//! (pass, warn, fail, skip, error), which no single run produces, and evidence full of the
//! characters each format must escape.

use std::collections::BTreeMap;

use pbi_doctor::catalogue::Catalogue;
use pbi_doctor::check::{CheckId, Finding, Outcome, Skip, signal};
use pbi_doctor::credential::CredentialKind;
use pbi_doctor::diagnose::diagnose;
use pbi_doctor::expect::ExpectationOutcome;
use pbi_doctor::report::{
    Report, Target, Verdict, azure_devops, github, human, json, junit, markdown,
};
use pbi_doctor::token_profile::{Line, Profile};

/// Reports reach the renderers only sealed by a redactor, as in the binary.
pub(crate) fn seal(report: Report<'static>) -> pbi_doctor::report::SealedReport<'static> {
    pbi_doctor::secret::Redactor::default().seal(report)
}

/// Text as sealing leaves it: line breaks as `\n`, workflow-command prefixes broken.
fn inert(text: &str) -> String {
    pbi_doctor::secret::make_inert(text)
}
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// Evidence with everything the formats escape: XML, Markdown and both CI command syntaxes.
const AWKWARD: &str = "<PowerBINotAuthorizedException> & \"double\" 'single' 100% refused: a,b; c] d\r\nsecond line, Zürich ✓";

/// A summary with what workflow commands escape in data and properties.
const ERROR_SUMMARY: &str =
    "no verdict: HTTP 503 from https://api.powerbi.com/v1.0/myorg/groups, 100% of 3 attempts";

/// The failed expectation's detail, over two lines.
const EXPECT_DETAIL: &str =
    "the token carries Tenant.Read.All: 1 role, 100% of the admin calls refused\r\nsee admin-api";

fn target() -> Target {
    Target {
        command: "check".to_owned(),
        tenant: Some("contoso.onmicrosoft.com".to_owned()),
        client_id: Some("8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90".to_owned()),
        credential: "client-secret".to_owned(),
        cloud: "public".to_owned(),
        authority_host: "https://login.microsoftonline.com".to_owned(),
        powerbi_api: "https://api.powerbi.com".to_owned(),
        evaluated_at: "2026-11-20T09:14:03Z".to_owned(),
        session: None,
    }
}

fn findings() -> Vec<Finding> {
    let mut token = Finding::new(
        CheckId::TokenAcquisition,
        Outcome::Pass,
        "token issued for application 8a1d5c3e-… by login.microsoftonline.com, expires in 3599 s",
    );
    token.signal(signal::TOKEN_SOURCE, CredentialKind::ClientSecret.signal());
    token.signal(signal::TOKEN_STATUS, "200");
    token.evidence(
        "POST https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        "HTTP 200, token_type Bearer, expires_in 3599",
    );

    let mut scope = Finding::new(
        CheckId::Scope,
        Outcome::Pass,
        "the token is for Power BI (https://analysis.windows.net/powerbi/api)",
    );
    scope.signal(signal::SCOPE_AUDIENCE, "powerbi");
    scope.evidence("aud", "https://analysis.windows.net/powerbi/api");

    let claims = Finding::skipped(CheckId::Claims, Skip::Check(CheckId::Scope));

    let mut identity = Finding::new(
        CheckId::IdentityKind,
        Outcome::Warn,
        "application token: service principal of app 8a1d5c3e-… carrying Power BI application permission Tenant.Read.All, which read-only admin APIs refuse",
    );
    identity.signal(signal::IDENTITY_KIND, "application");
    identity.signal(signal::IDENTITY_POWERBI_APP_ROLES, "Tenant.Read.All");
    identity.evidence("roles", "Tenant.Read.All");
    identity.evidence("idtyp", "app");

    let mut admin = Finding::new(
        CheckId::AdminApi,
        Outcome::Fail,
        "the read-only admin API refused the call: HTTP 401 PowerBINotAuthorizedException",
    );
    admin.signal(signal::ADMIN_API_STATUS, "401");
    admin.signal(
        signal::ADMIN_API_ERROR_CODE,
        "PowerBINotAuthorizedException",
    );
    admin.evidence(
        "GET https://api.powerbi.com/v1.0/myorg/admin/groups?$top=1",
        "HTTP 401, RequestId: 5f0c2a61-7d3e-4b8a-9e21-0c4d6f8a2b13",
    );
    admin.evidence("X-PowerBI-Error-Info", AWKWARD);

    let mut workspace = Finding::new(CheckId::WorkspaceApi, Outcome::Error, ERROR_SUMMARY);
    workspace.signal(signal::WORKSPACE_API_STATUS, "503");
    workspace.evidence(
        "GET https://api.powerbi.com/v1.0/myorg/groups",
        "HTTP 503 (3 attempts); body: <html><title>Service Unavailable</title></html>",
    );

    vec![token, scope, claims, identity, admin, workspace]
}

pub(crate) fn report() -> Report<'static> {
    let catalogue = Catalogue::embedded().expect("the embedded catalogue parses");
    let findings = findings();
    let diagnoses = diagnose(&findings, catalogue);
    let mut report = Report::new(target(), findings, diagnoses);
    let line = |label: &str, value: &str| Line {
        label: label.to_owned(),
        value: value.to_owned(),
    };
    report.profile = Some(Profile {
        what: vec![
            line(
                "Resource",
                "Power BI (https://analysis.windows.net/powerbi/api)",
            ),
            line(
                "Caller",
                "service principal of app 8a1d5c3e-… <Zürich ✓ | ops>",
            ),
        ],
        can_do: vec![line(
            "Read-only admin APIs",
            "refused: Tenant.Read.All is granted",
        )],
    });
    report.notes = vec![
        "for a Microsoft support request, quote: request id 5f0c2a61-7d3e-4b8a-9e21-0c4d6f8a2b13"
            .to_owned(),
        "which endpoint was called is not in the text: add `--url <the URL called>` to narrow the causes"
            .to_owned(),
    ];
    report.expectations = vec![
        ExpectationOutcome {
            spec: "token".to_owned(),
            holds: true,
            detail: "a token for Power BI was issued".to_owned(),
            cause: None,
        },
        ExpectationOutcome {
            spec: "role=Tenant.Read.All:absent".to_owned(),
            holds: false,
            detail: EXPECT_DETAIL.to_owned(),
            cause: Some("forbidden-extra-permissions".to_owned()),
        },
    ];
    report
}

#[test]
fn the_canned_report_is_what_the_snapshots_say_it_is() {
    let report = report();
    assert_eq!(report.verdict, Verdict::Problems);
    let causes: Vec<&str> = report
        .diagnoses
        .causes
        .iter()
        .map(|d| d.cause.id.as_str())
        .collect();
    assert_eq!(causes.first(), Some(&"forbidden-extra-permissions"));
    let top = &report.diagnoses.causes[0];
    assert!(top.explains().contains(&CheckId::AdminApi));
    assert!(top.explains().contains(&CheckId::IdentityKind));
    assert_eq!(report.diagnoses.unexplained, vec![CheckId::WorkspaceApi]);
}

#[test]
fn human_snapshot() {
    let text = human::render(&seal(report()), true, 100);
    insta::assert_snapshot!("human", anstream::adapter::strip_str(&text).to_string());
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", json::render(&seal(report())));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", junit::render(&seal(report())));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!("github", github::render(&seal(report())));
}

#[test]
fn github_step_summary_snapshot() {
    insta::assert_snapshot!("github_step_summary", github::step_summary(&seal(report())));
}

#[test]
fn azure_devops_snapshot() {
    insta::assert_snapshot!("azure_devops", azure_devops::render(&seal(report())));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", markdown::render(&seal(report())));
}

#[test]
fn every_format_renders_the_same_report_twice_the_same() {
    let (a, b) = (report(), report());
    assert_eq!(
        junit::render(&seal(a.clone())),
        junit::render(&seal(b.clone()))
    );
    assert_eq!(
        github::render(&seal(a.clone())),
        github::render(&seal(b.clone()))
    );
    assert_eq!(
        azure_devops::render(&seal(a.clone())),
        azure_devops::render(&seal(b.clone()))
    );
    assert_eq!(
        markdown::render(&seal(a.clone())),
        markdown::render(&seal(b.clone()))
    );
}

// ---------------------------------------------------------------------------------------------
// JUnit, read back as a CI server reads it

/// An element of the parsed document: attributes and text already unescaped and normalised.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> &str {
        self.attributes
            .get(name)
            .unwrap_or_else(|| panic!("<{}> has no {name} attribute", self.name))
    }

    fn children(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn child(&self, name: &str) -> &Element {
        match self.children(name).as_slice() {
            [one] => one,
            other => panic!("<{}> has {} <{name}>", self.name, other.len()),
        }
    }
}

fn start(reader: &Reader<&[u8]>, tag: &BytesStart<'_>) -> Element {
    let mut element = Element {
        name: String::from_utf8(tag.name().as_ref().to_vec()).unwrap(),
        ..Element::default()
    };
    for attribute in tag.attributes() {
        let attribute = attribute.unwrap();
        let key = String::from_utf8(attribute.key.as_ref().to_vec()).unwrap();
        let value = attribute
            .decoded_and_normalized_value(XmlVersion::Explicit1_0, reader.decoder())
            .unwrap()
            .into_owned();
        assert!(
            element.attributes.insert(key, value).is_none(),
            "a repeated attribute"
        );
    }
    element
}

/// Parses a whole document into its root element, checking it is well-formed on the way.
pub(crate) fn parse(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(tag) => stack.push(start(&reader, &tag)),
            Event::Empty(tag) => {
                let element = start(&reader, &tag);
                stack.last_mut().unwrap().children.push(element);
            }
            Event::End(_) => {
                let element = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(element);
            }
            Event::Text(text) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&text.xml10_content().unwrap()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&reference.decode().unwrap())
                        .expect("only predefined entities")
                        .to_owned(),
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::CData(data) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&data.decode().unwrap()),
            Event::Decl(decl) => {
                assert_eq!(&*decl.version().unwrap(), b"1.0");
                assert_eq!(
                    decl.encoding().unwrap().unwrap().as_ref(),
                    b"UTF-8",
                    "declared UTF-8"
                );
            }
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    assert_eq!(stack.len(), 1, "every element closed");
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

fn count(value: &str) -> usize {
    value.parse().expect("a count")
}

/// What CI servers read of the document: the shape both schemas allow (checked rule by rule in
/// `junit_schema.rs`), the counts, a test case per check and expectation, and the cause, fix and
/// evidence where test tabs show them: the failure's message and text.
#[test]
fn junit_has_the_structure_ci_servers_consume() {
    let report = report();
    let root = parse(&junit::render(&seal(report.clone())));
    assert_eq!(root.name, "testsuites");
    assert!(root.attributes.is_empty(), "JUnit.xsd allows none");
    let suite = root.child("testsuite");
    assert_eq!(root.children.len(), 1);
    assert_eq!(suite.attribute("name"), "pbi-doctor");
    assert_eq!(suite.attribute("timestamp"), "2026-11-20T09:14:03");
    assert_eq!(suite.attribute("hostname"), "localhost");

    let order: Vec<&str> = suite.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(order.first(), Some(&"properties"));
    assert_eq!(&order[order.len() - 2..], ["system-out", "system-err"]);
    let properties = suite.child("properties");
    let property = |name: &str| -> Vec<&str> {
        properties
            .children("property")
            .into_iter()
            .filter(|p| p.attribute("name") == name)
            .map(|p| p.attribute("value"))
            .collect()
    };
    assert_eq!(property("verdict"), ["problems"]);
    assert_eq!(property("evaluated-at"), ["2026-11-20T09:14:03Z"]);
    // The warning, which no test case can carry, is the suite's.
    assert_eq!(
        property("warning"),
        [format!("identity-kind: {}", report.findings[3].summary).as_str()]
    );

    let cases = suite.children("testcase");
    assert_eq!(cases.len(), 6 + 2, "one per check and one per expectation");
    let with = |child: &str| {
        cases
            .iter()
            .filter(|c| !c.children(child).is_empty())
            .count()
    };
    assert_eq!(count(suite.attribute("tests")), cases.len());
    assert_eq!(count(suite.attribute("failures")), with("failure"));
    assert_eq!(count(suite.attribute("errors")), with("error"));
    assert_eq!(count(suite.attribute("skipped")), with("skipped"));
    assert_eq!((with("failure"), with("error"), with("skipped")), (2, 1, 1));

    let mut by_name = BTreeMap::new();
    for case in &cases {
        assert!(
            case.children.len() <= 1,
            "at most one outcome, nothing else"
        );
        for element in &case.children {
            assert!(
                ["failure", "error", "skipped"].contains(&element.name.as_str()),
                "unexpected <{}> in <testcase>",
                element.name
            );
        }
        for outcome in ["failure", "error"] {
            for element in case.children(outcome) {
                assert!(!element.attribute("message").is_empty());
                assert!(!element.attribute("type").is_empty());
            }
        }
        let key = (case.attribute("classname"), case.attribute("name"));
        assert!(by_name.insert(key, *case).is_none(), "unique test cases");
    }
    let names: Vec<_> = by_name.keys().copied().collect();
    assert_eq!(
        names,
        [
            ("pbi-doctor.check", "admin-api"),
            ("pbi-doctor.check", "claims"),
            ("pbi-doctor.check", "identity-kind"),
            ("pbi-doctor.check", "scope"),
            ("pbi-doctor.check", "token-acquisition"),
            ("pbi-doctor.check", "workspace-api"),
            ("pbi-doctor.expect", "role=Tenant.Read.All:absent"),
            ("pbi-doctor.expect", "token"),
        ]
    );

    // A failed check names its cause, with the fix steps, the docs and then the evidence in the
    // text.
    let admin = by_name[&("pbi-doctor.check", "admin-api")];
    let failure = admin.child("failure");
    let top = report.diagnoses.causes[0].cause;
    assert_eq!(
        failure.attribute("message"),
        format!("{}: {}", top.id, top.title)
    );
    assert_eq!(failure.attribute("type"), top.id);
    for (n, step) in top.fix.iter().enumerate() {
        assert!(
            failure
                .text
                .contains(&format!("{}. {}", n + 1, step.trim()))
        );
    }
    for url in &top.docs {
        assert!(failure.text.contains(url.as_str()));
    }
    // The evidence round-trips: < & " ' and non-ASCII come back exactly, CR LF as LF (what
    // every XML parser makes of a line end).
    let evidence = failure
        .text
        .split_once("Evidence:\n")
        .expect("the evidence after the cause")
        .1;
    assert!(evidence.starts_with("the read-only admin API refused the call"));
    assert!(
        evidence.contains(&format!(
            "X-PowerBI-Error-Info: {}\n",
            AWKWARD.replace("\r\n", "\n")
        )),
        "{evidence:?}"
    );

    // A check without a verdict is an error; nothing explains this one, and the run's cause
    // is not put on it.
    let error = by_name[&("pbi-doctor.check", "workspace-api")].child("error");
    assert_eq!(error.attribute("message"), "unexplained");
    assert_eq!(error.attribute("type"), "unexplained");
    assert!(
        error
            .text
            .starts_with("No cause in the catalogue fits this check")
    );
    assert!(!error.text.contains(top.fix[0].trim()));
    assert!(
        error
            .text
            .contains(&format!("Evidence:\n{ERROR_SUMMARY}\n"))
    );

    // A skipped check says why; a warning and the passes have no child at all.
    let claims = by_name[&("pbi-doctor.check", "claims")];
    assert_eq!(
        claims.child("skipped").attribute("message"),
        "skipped: needs a usable result from the Scope check"
    );
    for name in ["identity-kind", "token-acquisition", "scope"] {
        let case = by_name[&("pbi-doctor.check", name)];
        assert!(case.children.is_empty(), "{name} passes");
    }

    // Every check's evidence, passing ones included, is in the suite's system-out, and so is
    // what belongs to the run.
    let out = &suite.child("system-out").text;
    for finding in &report.findings {
        assert!(out.contains(&format!("{} (", finding.check.id())), "{out}");
    }
    assert!(
        out.contains("  aud: https://analysis.windows.net/powerbi/api\n"),
        "{out}"
    );
    assert!(out.contains("identity-kind (passed with a warning):\n  warning: application token"));
    assert!(out.contains("Caller: service principal of app 8a1d5c3e-… <Zürich ✓ | ops>"));
    assert!(out.contains("Notes:\n  - for a Microsoft support request"));

    // Expectations: the failed one carries its detail (on one line) and its cause.
    let failed = by_name[&("pbi-doctor.expect", "role=Tenant.Read.All:absent")].child("failure");
    assert_eq!(
        failed.attribute("message"),
        EXPECT_DETAIL
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert_eq!(failed.attribute("type"), "forbidden-extra-permissions");
    assert!(
        by_name[&("pbi-doctor.expect", "token")]
            .children("failure")
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions: parsed back as actions/runner's ActionCommand.TryParseV2 does

#[derive(Debug)]
struct Command {
    name: String,
    properties: BTreeMap<String, String>,
    data: String,
}

fn unescape(text: &str, mappings: &[(&str, &str)]) -> String {
    mappings
        .iter()
        .fold(text.to_owned(), |s, (token, replacement)| {
            s.replace(replacement, token)
        })
}

/// `ActionCommand.cs`: `_escapePropertyMappings` and `_escapeDataMappings`, unescaped in order.
const GITHUB_PROPERTY: &[(&str, &str)] = &[
    ("\r", "%0D"),
    ("\n", "%0A"),
    (":", "%3A"),
    (",", "%2C"),
    ("%", "%25"),
];
const GITHUB_DATA: &[(&str, &str)] = &[("\r", "%0D"), ("\n", "%0A"), ("%", "%25")];

fn github_command(line: &str) -> Command {
    let line = line.trim_start();
    let rest = line.strip_prefix("::").expect("a workflow command");
    let end = rest.find("::").expect("the data separator");
    let info = &rest[..end];
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    let properties = properties
        .trim()
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (key, value) = p.split_once('=').expect("key=value");
            (key.to_owned(), unescape(value, GITHUB_PROPERTY))
        })
        .collect();
    Command {
        name: name.to_owned(),
        properties,
        data: unescape(&rest[end + 2..], GITHUB_DATA),
    }
}

#[test]
fn github_commands_round_trip_through_the_runner() {
    let report = report();
    let text = github::render(&seal(report.clone()));
    let commands: Vec<Command> = text.lines().map(github_command).collect();
    let names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["warning", "error", "error", "error", "notice"]);
    for c in &commands {
        assert_eq!(c.properties.keys().collect::<Vec<_>>(), ["title"]);
    }
    let top = report.diagnoses.causes[0].cause;

    let warning = &commands[0];
    assert_eq!(warning.properties["title"], format!("Identity: {}", top.id));
    assert!(
        warning
            .data
            .starts_with("application token: service principal")
    );

    let admin = &commands[1];
    assert_eq!(admin.properties["title"], format!("Admin API: {}", top.id));
    assert_eq!(
        admin.data,
        format!(
            "the read-only admin API refused the call: HTTP 401 PowerBINotAuthorizedException\nFix: {}",
            top.fix[0].trim()
        )
    );

    // `%`, `:` and `,` in the data come back as they were; nothing explains this check.
    let workspace = &commands[2];
    assert_eq!(workspace.properties["title"], "Workspace API: unexplained");
    assert!(workspace.data.starts_with(&format!(
        "{ERROR_SUMMARY}\nNo cause in the catalogue fits this check"
    )));

    // `:` in a property value, and CR LF and `%` in the data.
    let expectation = &commands[3];
    assert_eq!(
        expectation.properties["title"],
        format!("Expectation role=Tenant.Read.All:absent: {}", top.id)
    );
    assert!(
        expectation
            .data
            .starts_with(&format!("{}\n", inert(EXPECT_DETAIL)))
    );

    let notice = &commands[4];
    assert_eq!(notice.properties["title"], "pbi-doctor: problems found");
    assert!(notice.data.contains("Passed: token-acquisition, scope"));
}

#[test]
fn github_properties_and_data_round_trip_awkward_text() {
    // Through a real report: the check title is fixed, so carry the text in an expectation.
    let mut report = report();
    let awkward = "a:b,c%d\r\ne::f,,%25%0A%3A%2C";
    report.expectations = vec![ExpectationOutcome {
        spec: awkward.to_owned(),
        holds: false,
        detail: awkward.to_owned(),
        cause: None,
    }];
    let text = github::render(&seal(report.clone()));
    let line = text
        .lines()
        .find(|l| l.starts_with("::error title=Expectation"))
        .unwrap();
    // One line; the data may hold `::` (the runner splits at the first one after the name).
    assert!(!line.contains('\r'), "{line}");
    let command = github_command(line);
    assert_eq!(
        command.properties["title"],
        format!("Expectation {}: unexplained", inert(awkward))
    );
    assert_eq!(command.data, inert(awkward));
    assert_eq!(text.lines().count(), text.matches('\n').count());
}

// ---------------------------------------------------------------------------------------------
// Azure Pipelines: parsed back as the agent's Command.TryParse and CommandStringConvertor do

/// `CommandStringConvertor.Unescape` with percents decoded (the agent's default): the same
/// mapping for properties and data, `%AZP25` last.
const AZURE: &[(&str, &str)] = &[
    (";", "%3B"),
    ("\r", "%0D"),
    ("\n", "%0A"),
    ("]", "%5D"),
    ("%", "%AZP25"),
];

fn azure_command(line: &str) -> Command {
    let start = line.find("##vso[").expect("a logging command") + "##vso[".len();
    let end = start + line[start..].find(']').expect("the closing bracket");
    let info = &line[start..end];
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    let properties = properties
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (key, value) = p.split_once('=').expect("key=value");
            (key.to_owned(), unescape(value, AZURE))
        })
        .collect();
    Command {
        name: name.to_owned(),
        properties,
        data: unescape(&line[end + 1..], AZURE),
    }
}

#[test]
fn azure_devops_commands_round_trip_through_the_agent() {
    let report = report();
    let text = azure_devops::render(&seal(report.clone()));
    let commands: Vec<Command> = text.lines().map(azure_command).collect();
    let shape: Vec<(&str, Option<&str>)> = commands
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.properties
                    .get("type")
                    .or(c.properties.get("result"))
                    .map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("task.logissue", Some("warning")),
            ("task.logissue", Some("error")),
            ("task.logissue", Some("error")),
            ("task.logissue", Some("error")),
            ("task.complete", Some("Failed")),
        ]
    );
    let top = report.diagnoses.causes[0].cause;
    assert_eq!(commands[0].properties["code"], top.id);
    assert_eq!(commands[1].properties["code"], top.id);
    assert_eq!(commands[2].properties["code"], "unexplained");
    assert!(
        commands[2]
            .data
            .starts_with(&format!("Workspace API: {ERROR_SUMMARY}\n"))
    );
    assert!(commands[3].data.starts_with(&format!(
        "Expectation role=Tenant.Read.All:absent: {}\n",
        inert(EXPECT_DETAIL)
    )));
    assert_eq!(
        commands[4].data,
        format!(
            "pbi-doctor: Problems found: Admin API failed; Workspace API got no answer; \
             1 of 2 expectations failed (role=Tenant.Read.All:absent); a warning on Identity. \
             Most likely: {} ({}). Not judged: Claims (it needs Scope to pass first).",
            top.title, top.id
        )
    );
}

#[test]
fn azure_devops_properties_and_data_round_trip_awkward_text() {
    let mut report = report();
    let awkward = "a;b]c%d\r\ne%AZP25%3B%5D ##vso[task.complete result=Succeeded;]";
    report.expectations = vec![ExpectationOutcome {
        spec: "x".to_owned(),
        holds: false,
        detail: awkward.to_owned(),
        cause: Some(awkward.to_owned()),
    }];
    let text = azure_devops::render(&seal(report.clone()));
    let line = text.lines().find(|l| l.contains("Expectation x")).unwrap();
    // One line; the agent reads one command a line, from its first `##vso[` to the first `]`.
    assert!(line.starts_with("##vso[task.logissue type=error;code="));
    assert!(!line.contains('\r'), "{line}");
    let command = azure_command(line);
    // The agent would run a `##vso[` found anywhere in a line: sealing breaks it first.
    assert_eq!(command.properties["code"], inert(awkward));
    assert!(!command.data.contains("##vso["), "{}", command.data);
    assert_eq!(command.data, format!("Expectation x: {}", inert(awkward)));
}

#[test]
fn azure_devops_result_follows_the_verdict() {
    let mut report = report();
    report.verdict = Verdict::Healthy;
    report
        .findings
        .retain(|f| matches!(f.outcome, Outcome::Pass | Outcome::Warn));
    report.expectations.clear();
    assert!(azure_devops::render(&seal(report.clone())).ends_with(
        "##vso[task.complete result=SucceededWithIssues;]pbi-doctor: Healthy, with a warning on Identity.\n"
    ));
    report.findings.retain(|f| f.outcome != Outcome::Warn);
    assert!(azure_devops::render(&seal(report.clone())).ends_with(
        "##vso[task.complete result=Succeeded;]pbi-doctor: Healthy: every check passed.\n"
    ));
    report.verdict = Verdict::Error;
    assert!(
        azure_devops::render(&seal(report.clone())).contains("##vso[task.complete result=Failed;]")
    );
}

// ---------------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_tables_keep_one_row_per_line() {
    let text = markdown::render(&seal(report()));
    let mut tables: Vec<Vec<&str>> = Vec::new();
    let mut previous_was_row = false;
    for line in text.lines() {
        let row = line.starts_with('|');
        if row && !previous_was_row {
            tables.push(Vec::new());
        }
        if row {
            tables.last_mut().unwrap().push(line);
        }
        previous_was_row = row;
    }
    // checks: header, delimiter, six rows of four columns; expectations: two rows of five
    let shape: Vec<(usize, Vec<usize>)> = tables
        .iter()
        .map(|rows| {
            let pipes = rows
                .iter()
                .map(|row| row.matches('|').count() - row.matches("\\|").count())
                .collect::<Vec<_>>();
            (rows.len(), pipes)
        })
        .collect();
    assert_eq!(shape, [(8, vec![5; 8]), (4, vec![6; 4])]);
    // Evidence goes into a fenced block as it is, continuation lines indented.
    assert!(text.contains(&AWKWARD.replace("\r\n", "\n      ")));
}

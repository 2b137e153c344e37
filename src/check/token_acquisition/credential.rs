//! The credential part of token acquisition: what each kind of credential contributes to the
//! token request, checked before anything is sent (a certificate's validity and key, a federated
//! assertion's claims), and the two flows that are not one client-credentials POST (Azure CLI,
//! device code). Live runs record what they saw; replays read it back.

use crate::check::CredentialRecord;
use crate::check::token_acquisition::{ID, excerpt, no_answer, read_token_response};
use crate::check::{Context, Finding, Outcome, TokenInHand, signal};
use crate::credential::CredentialKind;
use crate::credential::{azure_cli, certificate, device_code, federated};
use crate::secret::Secret;
use crate::session::{AssertionFacts, CertificateFacts, CliFacts};
use crate::settings::Credential;
use crate::transport::{FormValue, Transport};
use crate::words::{moment, relative};

/// The assertion type for certificates and federated tokens.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type Stop = (Outcome, String);

fn assertion_form(assertion: Secret) -> Vec<(&'static str, FormValue)> {
    vec![
        (
            "client_assertion_type",
            FormValue::Plain(JWT_BEARER.to_owned()),
        ),
        ("client_assertion", FormValue::Secret(assertion)),
    ]
}

/// Reports certificate facts; stops when the certificate cannot be used.
fn report_certificate(
    ctx: &Context<'_>,
    finding: &mut Finding,
    facts: &CertificateFacts,
) -> Result<(), Stop> {
    finding.evidence("certificate", facts.path.clone());
    if let Some(problem) = &facts.problem {
        finding.signal(signal::TOKEN_CERTIFICATE, problem.clone());
        let message = facts.message.clone().unwrap_or_else(|| problem.clone());
        return Err((Outcome::Fail, format!("not sent: {message}")));
    }
    if let Some(t) = &facts.thumbprint {
        finding.evidence(
            "thumbprint (SHA-1, compare with the one registered on the app)",
            t.clone(),
        );
    }
    if let Some(subject) = &facts.subject {
        finding.evidence("subject", subject.clone());
    }
    if let (Some(from), Some(to)) = (facts.not_before, facts.not_after) {
        finding.evidence(
            "valid",
            format!("from {} to {}", moment(from, ctx.now), moment(to, ctx.now)),
        );
        if to < ctx.now {
            finding.signal(signal::TOKEN_CERTIFICATE, "expired");
            return Err((
                Outcome::Fail,
                format!(
                    "not sent: the certificate expired {}",
                    relative(to.saturating_sub(ctx.now))
                ),
            ));
        }
        if from > ctx.now {
            finding.signal(signal::TOKEN_CERTIFICATE, "not-yet-valid");
            return Err((
                Outcome::Fail,
                format!(
                    "not sent: the certificate is valid only from {}",
                    moment(from, ctx.now)
                ),
            ));
        }
    }
    finding.signal(signal::TOKEN_CERTIFICATE, "valid");
    Ok(())
}

/// Reports assertion facts; stops when there is no assertion to send.
fn report_assertion(
    ctx: &Context<'_>,
    finding: &mut Finding,
    facts: &AssertionFacts,
) -> Result<(), Stop> {
    finding.evidence("assertion from", facts.source.clone());
    if let Some(problem) = &facts.problem {
        finding.signal(signal::TOKEN_ASSERTION, problem.clone());
        let message = facts.message.clone().unwrap_or_else(|| problem.clone());
        return Err((Outcome::Fail, format!("not sent: {message}")));
    }
    for (label, value) in [
        ("assertion iss", &facts.issuer),
        ("assertion sub", &facts.subject),
    ] {
        if let Some(v) = value {
            finding.evidence(label, v.clone());
        }
    }
    if !facts.audiences.is_empty() {
        finding.evidence("assertion aud", facts.audiences.join(", "));
    }
    match facts.expires {
        Some(exp) if exp <= ctx.now => {
            finding.signal(signal::TOKEN_ASSERTION, "expired");
            finding.evidence("assertion expires", moment(exp, ctx.now));
        }
        Some(exp) => {
            finding.signal(signal::TOKEN_ASSERTION, "valid");
            finding.evidence("assertion expires", moment(exp, ctx.now));
        }
        None => finding.signal(signal::TOKEN_ASSERTION, "valid"),
    }
    Ok(())
}

fn assertion_facts(a: &federated::Assertion) -> AssertionFacts {
    AssertionFacts {
        source: a.source.clone(),
        issuer: a.issuer.clone(),
        subject: a.subject.clone(),
        audiences: a.audiences.clone(),
        expires: a.expires,
        problem: None,
        message: None,
    }
}

fn failed_assertion(source: &str, error: &federated::FederatedError) -> AssertionFacts {
    AssertionFacts {
        source: source.to_owned(),
        problem: Some(error.signal().to_owned()),
        message: Some(error.to_string()),
        ..AssertionFacts::default()
    }
}

/// What the credential adds to the client-credentials request.
pub(super) async fn form(
    ctx: &Context<'_>,
    finding: &mut Finding,
    token_url: &url::Url,
    record: &mut CredentialRecord,
) -> Result<Vec<(&'static str, FormValue)>, Stop> {
    let client_id = ctx.settings.client_id.clone().unwrap_or_default();
    match &ctx.settings.credential {
        Credential::ClientSecret(secret) => {
            Ok(vec![("client_secret", FormValue::Secret(secret.clone()))])
        }
        Credential::Certificate {
            path,
            bytes,
            password,
        } => {
            let loaded = certificate::load(bytes, path, password.as_ref());
            let facts = match &loaded {
                Ok(cert) => CertificateFacts {
                    path: path.clone(),
                    thumbprint: Some(cert.thumbprint_sha1_hex()),
                    subject: Some(cert.subject().to_owned()),
                    not_before: Some(cert.not_before()),
                    not_after: Some(cert.not_after()),
                    problem: None,
                    message: None,
                },
                Err(e) => CertificateFacts {
                    path: path.clone(),
                    problem: Some(e.signal().to_owned()),
                    message: Some(e.to_string()),
                    ..CertificateFacts::default()
                },
            };
            record.facts.certificate = Some(facts.clone());
            report_certificate(ctx, finding, &facts)?;
            let cert = loaded.map_err(|e| (Outcome::Fail, e.to_string()))?;
            let assertion = cert
                .client_assertion(&client_id, token_url.as_str(), ctx.now)
                .map_err(|e| {
                    finding.signal(signal::TOKEN_CERTIFICATE, e.signal());
                    (Outcome::Fail, format!("not sent: {e}"))
                })?;
            Ok(assertion_form(assertion))
        }
        Credential::FederatedFile(path) => {
            let assertion = federated::read_file(path);
            let facts = match &assertion {
                Ok(a) => assertion_facts(a),
                Err(e) => failed_assertion(&path.display().to_string(), e),
            };
            record.facts.assertion = Some(facts.clone());
            report_assertion(ctx, finding, &facts)?;
            Ok(assertion_form(
                assertion.map_err(|e| (Outcome::Fail, e.to_string()))?.jwt,
            ))
        }
        Credential::GithubOidc {
            request_url,
            request_token,
            audience,
        } => {
            let assertion =
                federated::github_oidc(ctx.transport, request_url, request_token, audience).await;
            let facts = match &assertion {
                Ok(a) => assertion_facts(a),
                Err(e) => failed_assertion("GitHub Actions OIDC", e),
            };
            record.facts.assertion = Some(facts.clone());
            report_assertion(ctx, finding, &facts)?;
            Ok(assertion_form(
                assertion.map_err(|e| (Outcome::Fail, e.to_string()))?.jwt,
            ))
        }
        Credential::Replayed { kind, facts, .. } => {
            record.facts = (**facts).clone();
            if let Some(c) = &facts.certificate {
                report_certificate(ctx, finding, c)?;
            }
            if let Some(a) = &facts.assertion {
                report_assertion(ctx, finding, a)?;
            }
            // The recorded answer stands in for the service: nothing real is sent.
            Ok(match kind {
                CredentialKind::Certificate
                | CredentialKind::Federated
                | CredentialKind::GithubOidc => assertion_form(Secret::new("[replayed]")),
                _ => vec![(
                    "client_secret",
                    FormValue::Secret(Secret::new("[replayed]")),
                )],
            })
        }
        Credential::Token { .. } | Credential::AzureCli { .. } | Credential::DeviceCode => Err((
            Outcome::Error,
            "not a client-credentials credential".to_owned(),
        )),
    }
}

/// A token from an existing `az login`.
pub(super) async fn azure_cli(
    ctx: &Context<'_>,
    record: &mut CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    let settings = ctx.settings;
    let mut finding = Finding::new(ID, Outcome::Pass, "");
    finding.signal(signal::TOKEN_SOURCE, CredentialKind::AzureCli.signal());
    let resource = settings.cloud.powerbi_resource();
    let tenant = settings.tenant.clone();
    let (facts, token) = match &settings.credential {
        Credential::AzureCli { program } => {
            let program = program.clone();
            let resource = resource.to_owned();
            // `az` gets a minute at most, and never more than the run has left: the deadline
            // bounds a hanging CLI as it bounds a hanging endpoint.
            let budget = std::time::Duration::from_secs(60).min(ctx.transport.time_left());
            let run = tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                let result =
                    azure_cli::get_access_token(&program, &resource, tenant.as_deref(), budget);
                let left = budget.saturating_sub(started.elapsed());
                let signed_in = azure_cli::signed_in_tenant(&program, left);
                (result, signed_in)
            })
            .await;
            let command = azure_cli::command_line(
                settings.cloud.powerbi_resource(),
                settings.tenant.as_deref(),
            );
            match run {
                Ok((Ok(cli_token), signed_in)) => {
                    let facts = CliFacts {
                        command,
                        signed_in_tenant: signed_in.or(cli_token.tenant.clone()),
                        ..CliFacts::default()
                    };
                    (facts, Some(cli_token.token))
                }
                Ok((Err(e), signed_in)) => {
                    let (detail, aadsts) = match &e {
                        azure_cli::CliError::Failed { detail, aadsts, .. } => {
                            (Some(detail.clone()), aadsts.clone())
                        }
                        azure_cli::CliError::NotLoggedIn { detail } => (
                            Some(detail.clone()),
                            crate::entra_error::aadsts_codes_in(detail),
                        ),
                        other => (Some(other.to_string()), Vec::new()),
                    };
                    let facts = CliFacts {
                        command,
                        problem: Some(e.signal().to_owned()),
                        detail,
                        aadsts,
                        signed_in_tenant: signed_in,
                    };
                    (facts, None)
                }
                Err(join) => (
                    CliFacts {
                        command,
                        problem: Some("failed".to_owned()),
                        detail: Some(join.to_string()),
                        ..CliFacts::default()
                    },
                    None,
                ),
            }
        }
        Credential::Replayed { facts, token, .. } => {
            (facts.azure_cli.clone().unwrap_or_default(), token.clone())
        }
        _ => (CliFacts::default(), None),
    };
    if let Some(token) = &token {
        let stripped = crate::secret::redact_jwt_signatures(token.expose());
        record.token = Some(stripped);
    }
    record.facts.azure_cli = Some(facts.clone());
    finding.evidence("command", facts.command.clone());
    if let Some(t) = &facts.signed_in_tenant {
        finding.evidence("az signed in to tenant", t.clone());
    }
    if let Some(problem) = &facts.problem {
        finding.signal(signal::TOKEN_AZURE_CLI, problem.clone());
        for code in &facts.aadsts {
            finding.signal(signal::TOKEN_AADSTS, code.to_string());
        }
        if let Some(detail) = &facts.detail {
            finding.evidence("az said", excerpt(&ctx.redactor.clean(detail)));
        }
        finding.outcome = Outcome::Fail;
        let other_tenant = match (
            settings.tenant.as_deref(),
            facts.signed_in_tenant.as_deref(),
        ) {
            (Some(asked), Some(signed_in))
                if crate::shape::is_guid(asked) && !asked.eq_ignore_ascii_case(signed_in) =>
            {
                format!(
                    " (it is signed in to tenant {signed_in}, not {asked}: run `az login --tenant {asked}`)"
                )
            }
            _ => String::new(),
        };
        finding.summary = match problem.as_str() {
            "missing" => "the Azure CLI (az) is not installed or not on PATH".to_owned(),
            "not-logged-in" => format!(
                "the Azure CLI is not logged in for this tenant: run `az login`{other_tenant}"
            ),
            "timeout" => "the Azure CLI did not answer in time".to_owned(),
            _ => format!("`{}` failed{other_tenant}", facts.command),
        };
        return (finding, None);
    }
    let Some(token) = token else {
        finding.outcome = Outcome::Error;
        finding.summary = "the Azure CLI gave no token".to_owned();
        return (finding, None);
    };
    finding.summary = format!("signed in with the Azure CLI login (`{}`)", facts.command);
    let asked = settings
        .tenant
        .as_deref()
        .filter(|t| crate::shape::is_guid(t));
    if let (Some(asked), Some(signed_in)) = (asked, facts.signed_in_tenant.as_deref())
        && !asked.eq_ignore_ascii_case(signed_in)
    {
        finding.summary.push_str(&format!(
            "; note: az is signed in to tenant {signed_in}, not {asked}"
        ));
    }
    (finding, Some(TokenInHand::new(token.expose())))
}

/// A user's token through the device code flow: the code and URL go to stderr, then the token
/// endpoint is polled as the protocol says.
pub(super) async fn device_code(
    ctx: &Context<'_>,
    record: &CredentialRecord,
) -> (Finding, Option<TokenInHand>) {
    let settings = ctx.settings;
    let mut finding = Finding::new(ID, Outcome::Pass, "");
    finding.signal(signal::TOKEN_SOURCE, CredentialKind::DeviceCode.signal());
    let (Some(tenant), Some(client_id)) = (settings.tenant.clone(), settings.client_id.clone())
    else {
        finding.outcome = Outcome::Error;
        finding.summary =
            "device code sign-in needs --tenant and --client-id (a public client app)".to_owned();
        return (finding, None);
    };
    let scope = format!("{}/.default", settings.cloud.powerbi_resource());
    let token_url = settings
        .token_endpoint()
        .unwrap_or_else(|| settings.authority_host.clone());
    finding.evidence("scope", scope.clone());
    let started = device_code::start(
        ctx.transport,
        &settings.authority_host,
        &tenant,
        &client_id,
        &scope,
    )
    .await;
    let code = match started {
        Ok(code) => code,
        Err(device_code::StartError::Refused(response)) => {
            finding.signal(signal::TOKEN_DEVICE_CODE, "refused");
            return read_token_response(
                ctx,
                finding,
                "device code request",
                &token_url,
                &response,
                record,
            );
        }
        Err(device_code::StartError::Failed(failure)) => {
            return (no_answer(finding, &token_url, &failure), None);
        }
    };
    // Live, a person reads the code and signs in while the service's interval is honoured. A
    // replay has its answers already: no prompt (its observer is silent), no wait, no countdown.
    let replaying = matches!(ctx.transport, Transport::Replay(_));
    ctx.progress.prompt(&code.message);
    let timing = device_code::PollTiming {
        interval_override: replaying.then_some(std::time::Duration::ZERO),
    };
    let mut report = |p: device_code::Progress| {
        let device_code::Progress::Waiting { seconds_left } = p;
        ctx.progress
            .sign_in(Some(std::time::Duration::from_secs(seconds_left)));
    };
    let polled = device_code::poll(
        ctx.transport,
        &settings.authority_host,
        &tenant,
        &client_id,
        &code,
        timing,
        &mut report,
    )
    .await;
    ctx.progress.sign_in(None);
    match polled {
        Ok(response) => {
            if let Some(error) = crate::entra_error::parse(&response.body).and_then(|e| e.error) {
                finding.signal(signal::TOKEN_DEVICE_CODE, error);
            }
            read_token_response(ctx, finding, "token request", &token_url, &response, record)
        }
        Err(failure) => (no_answer(finding, &token_url, &failure), None),
    }
}

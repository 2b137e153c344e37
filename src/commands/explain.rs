//! `pbi-doctor explain`: a diagnosis from a pasted error, without credentials or network.

use super::{offline_chain, read_input, redactor_for, target};
use crate::api_error;
use crate::catalogue::Catalogue;
use crate::cli::ExplainArgs;
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::{apply_color, emit};
use crate::report::Report;
use crate::settings::offline_settings;

/// Runs `explain` on the text given, with what `--status`, `--header` and `--url` add.
pub(crate) fn run(args: ExplainArgs, env: &Env, quiet: bool) -> Result<ExitStatus, DoctorError> {
    apply_color(args.output.color, env);
    crate::settings::validate_offline(&args.output, None, None)?;
    let (text, _) = read_input(
        args.text.as_deref(),
        args.file.as_deref(),
        "the error text",
        "no error text: give it as an argument, with --file PATH, or on standard input (`-`)",
        quiet,
    )?;
    let mut extracted = crate::explain::extract::extract(&text);
    if let Some(status) = args.status {
        extracted.status = Some(status);
    }
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| DoctorError::BadHeader(header.clone()))?;
        extracted
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name.trim()));
        extracted
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
        // Fabric's error-code headers name the error when the paste has no body.
        let fabric_code = ["x-ms-public-api-error-code", "x-ms-error-code"]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name.trim()));
        if fabric_code {
            let api = extracted
                .api
                .get_or_insert_with(api_error::ApiError::default);
            api.code.get_or_insert_with(|| value.trim().to_owned());
        }
    }
    if let Some(url) = &args.url {
        let parsed = url::Url::parse(url).map_err(|e| DoctorError::BadEndpoint {
            flag: "--url",
            url: url.clone(),
            reason: e.to_string(),
        })?;
        extracted.url_cloud = parsed
            .host_str()
            .and_then(crate::explain::hosts::powerbi_cloud)
            .or(extracted.url_cloud);
        extracted.url = Some(parsed);
    }
    if extracted.is_empty() {
        return Err(DoctorError::NothingRecognised);
    }
    let now = chrono::Utc::now().timestamp();
    let catalogue = Catalogue::embedded()?;
    // A token in the text is judged against the cloud of the URL it was sent to, unless the
    // user names one: a public token sent to a government host is the wrong cloud's.
    let cloud = args
        .cloud
        .or(extracted.url_cloud)
        .unwrap_or(crate::cloud::Cloud::Public);
    // The API the paste was sent to decides the audience its token needs: Fabric's `/v1` paths
    // take a Fabric- or Power BI-audience token, the others a Power BI one.
    let apis = match &extracted.url {
        Some(url) if crate::check::fabric_api::is_fabric_url(url) => crate::apis::Apis::Fabric,
        _ => crate::apis::Apis::PowerBi,
    };
    let (settings, token_findings) = match &extracted.jwt {
        Some(jwt) => {
            let settings = offline_settings(
                jwt.clone(),
                "the pasted text".to_owned(),
                None,
                None,
                cloud,
                apis,
            )?;
            let redactor = redactor_for(&settings);
            let findings = offline_chain(&settings, now, &redactor)?.findings;
            (settings, Some(findings))
        }
        None => (
            offline_settings(
                String::new(),
                "the pasted text".to_owned(),
                None,
                None,
                cloud,
                apis,
            )?,
            None,
        ),
    };
    let explanation = crate::explain::explain(&extracted, token_findings, catalogue);
    let mut report = Report::new(
        target("explain", &settings, now, None),
        explanation.findings,
        explanation.diagnoses,
    );
    report.notes = explanation.notes;
    // A paste is the user's own text; what the redactor knows of it is the token it holds.
    let redactor = redactor_for(&settings);
    let report = redactor.seal(report);
    emit(&report, &args.output, &[], env)?;
    Ok(report.verdict.exit_status())
}

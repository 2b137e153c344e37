//! `pbi-doctor causes`: the cause catalogue, listed.

use crate::catalogue::Catalogue;
use crate::cli::{CausesArgs, Format};
use crate::env_vars::Env;
use crate::error::DoctorError;
use crate::exit::ExitStatus;
use crate::output::print;

/// Lists the catalogue, as a table or JSON.
pub(crate) fn run(args: CausesArgs, _env: &Env) -> Result<ExitStatus, DoctorError> {
    let catalogue = Catalogue::embedded()?;
    let text = match args.format {
        Format::Json => {
            let list: Vec<_> = catalogue
                .causes()
                .iter()
                .map(|c| serde_json::json!({"id": c.id, "group": c.group, "severity": c.severity, "title": c.title, "docs": c.docs}))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&list).map_err(|source| {
                    DoctorError::Serialize {
                        what: "the cause list",
                        source,
                    }
                })?
            )
        }
        _ => {
            let width = catalogue
                .causes()
                .iter()
                .map(|c| c.id.len())
                .max()
                .unwrap_or(0);
            catalogue
                .causes()
                .iter()
                .map(|c| format!("{:width$}  {:17} {}\n", c.id, c.group, c.title))
                .collect()
        }
    };
    print(&text)?;
    Ok(ExitStatus::Healthy)
}

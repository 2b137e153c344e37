//! Expectations for CI smoke tests (`--expect`): what a tenant must provide for the jobs that
//! depend on it, judged against the findings of a run.

use serde::Serialize;

/// How one expectation came out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationOutcome {
    /// The expectation as given, e.g. `admin-api`, `workspaces>=2`, `role=Tenant.Read.All:absent`.
    pub spec: String,
    /// Whether it holds.
    pub holds: bool,
    /// Why, in one line.
    pub detail: String,
    /// The top cause explaining a failed expectation, when the diagnosis has one.
    pub cause: Option<String>,
}

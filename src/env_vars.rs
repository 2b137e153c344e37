//! Every environment variable the doctor reads outside clap's own flags, and the one way it reads
//! them: an [`Env`] handed down from `main`, so nothing below `main` touches the process
//! environment and tests can give any environment they like.

/// Looks a variable up. Empty or blank values count as unset.
pub type Env = dyn Fn(&str) -> Option<String>;

/// The tenant (azure-identity's name).
pub(crate) const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
/// The application (client) id (azure-identity's name).
pub(crate) const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// The authority host (azure-identity's name).
pub(crate) const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
/// `--color`'s default: auto, always or never.
pub(crate) const PBI_DOCTOR_COLOR: &str = "PBI_DOCTOR_COLOR";
/// The client secret (azure-identity's name).
pub(crate) const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
/// A certificate file (azure-identity's name).
pub(crate) const AZURE_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
/// The certificate's password (azure-identity's name).
pub(crate) const AZURE_CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
/// A federated token file (azure-identity's and AKS workload identity's name).
pub(crate) const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// GitHub Actions: where to ask for an OIDC token.
pub(crate) const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions: the bearer for that request.
pub(crate) const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// GitHub Actions: set to `true` in a workflow run.
pub(crate) const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
/// GitHub Actions: the job summary file.
pub(crate) const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
/// Azure Pipelines: set to `True` in a pipeline run.
pub(crate) const TF_BUILD: &str = "TF_BUILD";
/// Where programs are looked for (`az`).
pub(crate) const PATH: &str = "PATH";
/// The terminal's width in columns, as shells export it; the human report is laid out to it.
pub(crate) const COLUMNS: &str = "COLUMNS";

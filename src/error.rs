//! Failures of the doctor itself (exit 2), as opposed to problems it finds in a tenant (exit 1).
//! Every message says what to do next.

use std::path::PathBuf;

/// Why the doctor could not run. A tenant that refuses a call is never one of these: it is a
/// finding in the report.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// A secret was passed as a command-line value.
    #[error(
        "refusing a client secret on the command line: it would stay in your shell history and be visible in `ps`. \
         Set AZURE_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin"
    )]
    SecretOnCommandLine,
    /// Two inputs both want standard input.
    #[error("only one input can come from standard input; read the other from a file")]
    StdinTwice,
    /// A file the user named could not be read.
    #[error("cannot read {what} from {path}: {source}. Check the path and its permissions")]
    ReadFile {
        /// What the file was supposed to hold.
        what: &'static str,
        /// The path as given.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("cannot read {what} from standard input: {source}")]
    ReadStdin {
        /// What was expected on stdin.
        what: &'static str,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An input is larger than the doctor reads (a wrong file, `/dev/zero`, a whole log).
    #[error(
        "{what} from {from} is larger than {limit_mib} MiB, the most pbi-doctor reads. Check that it is the right input; \
         for `explain`, give only the failed response (status line, headers and body) or the error message"
    )]
    InputTooLarge {
        /// What the input was supposed to hold.
        what: &'static str,
        /// Where it came from: a path or standard input.
        from: String,
        /// The cap, in MiB.
        limit_mib: u64,
    },
    /// An input is not text in an encoding the doctor reads.
    #[error("cannot read {what} from {from}: {reason}")]
    InputNotText {
        /// What the input was supposed to hold.
        what: &'static str,
        /// Where it came from: a path or standard input.
        from: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The report could not be written to standard output (a full disk behind `>`); a closed
    /// pipe (`| head`) is not this error.
    #[error(
        "cannot write the report to standard output: {0}. Check the disk or file standard output is redirected to"
    )]
    WriteStdout(std::io::Error),
    /// A file could not be written.
    #[error(
        "cannot write {what} to {path}: {source}. Check that the folder exists and is writable"
    )]
    WriteFile {
        /// What was being written.
        what: &'static str,
        /// The path as given.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A required input is missing.
    #[error("{0}")]
    Missing(String),
    /// An endpoint URL is unusable.
    #[error("{flag} {url:?} is not usable: {reason}")]
    BadEndpoint {
        /// The flag or variable the URL came from.
        flag: &'static str,
        /// The URL as given.
        url: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// An input given (tenant, client id, workspace, a file to write) cannot be used.
    #[error(transparent)]
    Input(#[from] crate::settings::validate::InputError),
    /// The session file is not a pbi-doctor session.
    #[error(
        "{path} is not a pbi-doctor session: {reason}. Record one with `pbi-doctor check --record FILE`"
    )]
    BadSession {
        /// Where the session came from.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No shipped scenario has this name.
    #[error(
        "no shipped scenario is named {name:?}{} Run `pbi-doctor replay --list` to see them all",
        crate::suggest::did_you_mean(.closest)
    )]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The shipped names closest to it.
        closest: Vec<&'static str>,
    },
    /// The embedded cause catalogue is broken (a build problem, not a user problem).
    #[error(
        "the cause catalogue is invalid: {0}. This is a bug in this build of pbi-doctor; please report it"
    )]
    Catalogue(String),
    /// The HTTP client could not be built (e.g. no CA certificates on the system).
    #[error(
        "cannot set up HTTPS: {0}. Install the system CA certificates (e.g. the ca-certificates package) or set SSL_CERT_FILE"
    )]
    HttpClient(String),
    /// `explain` found nothing it knows in the text.
    #[error(
        "nothing recognised: the text has no AADSTS code, no Power BI or Fabric error, no HTTP status and no token. \
         Paste the whole error (with the response body and headers, e.g. from `curl -i`), or add --status, --header and --url"
    )]
    NothingRecognised,
    /// No input was given where one is needed.
    #[error("{0}")]
    NoInput(&'static str),
    /// A `--header` value is not `Name: value`.
    #[error("--header {0:?} is not 'Name: value'")]
    BadHeader(String),
    /// A report, session or listing could not be serialized: a bug, never written as empty.
    #[error(
        "cannot serialize {what}: {source}. This is a bug in this build of pbi-doctor; please report it"
    )]
    Serialize {
        /// What was being serialized.
        what: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

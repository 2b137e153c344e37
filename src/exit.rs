//! Exit statuses: 0 healthy, 1 problems found, 2 the doctor itself could not run.

/// How the process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything checked is healthy.
    Healthy = 0,
    /// The tenant, app or token has problems.
    ProblemsFound = 1,
    /// The doctor could not run or reach a verdict.
    Error = 2,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

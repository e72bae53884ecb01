//! Exit statuses, decided once at the end of a run.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Every cell (and account) is ok, or failed only in ways `--ignore-errors` accepts.
    Success = 0,
    /// The report was printed, but some cells or accounts failed.
    Partial = 1,
    /// Nothing could be scanned: bad input, no credentials, nothing reachable.
    Unusable = 2,
    /// Interrupted by Ctrl-C or SIGTERM; the partial report was printed.
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

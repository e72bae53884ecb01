//! The `awsummary` binary: parse, run, exit. Everything else lives in the library.

use clap::Parser;

use awsummary::cli::{usage_error, Args};
use awsummary::exit_codes::ExitCode;

fn main() -> std::process::ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::Success.into();
        }
        Err(err) => {
            eprintln!("awsummary: {}", usage_error(&err));
            return ExitCode::Unusable.into();
        }
    };
    // Before any thread exists: see `export_endpoint` for why.
    awsummary::export_endpoint(&args);
    awsummary::limits::raise_open_files();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("awsummary: cannot start the async runtime: {e}");
            return ExitCode::Unusable.into();
        }
    };
    let code = runtime.block_on(awsummary::run(args));
    // Tasks still in flight after an interrupt are dropped, not awaited.
    runtime.shutdown_background();
    code.into()
}

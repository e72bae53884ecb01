//! awsummary: what runs in an AWS estate, where, and what costs money.
//!
//! The pipeline, one module each:
//! `cli` (arguments) -> `scope` (accounts, regions) -> `engine` (bounded
//! fan-out over cells, statuses) -> `collect` (one file per service) ->
//! `report` (cells, totals) -> `render` (one file per output format).
//! `main.rs` only parses, calls [`run`] and exits with what it returns.

pub mod cli;
pub mod collect;
pub mod daemon;
pub mod engine;
pub mod exit_codes;
pub mod limits;
pub mod render;
pub mod report;
pub mod scope;
pub mod status;

use std::io::{BufWriter, Write};
use std::time::Duration;

use cli::Args;
use exit_codes::ExitCode;

/// Per-attempt limit of one HTTP call; the cell's `--timeout` bounds the whole.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs one scan as the arguments say, prints the report, and returns the exit status.
pub async fn run(args: Args) -> ExitCode {
    if let Err(problem) = args.validate() {
        return unusable(&problem);
    }
    if let Err(problem) = scope::check_profiles(&args.profile).await {
        return unusable(&problem);
    }
    let plan = plan(&args);
    if args.daemon {
        return daemon::run(&args, plan).await;
    }
    let report = match engine::scan(plan, shutdown_signal()).await {
        Ok(report) => report,
        Err(problem) => return unusable(&problem),
    };

    let mut tally = render::prometheus::ScanTally::default();
    tally.record(Some(&report), &args.ignored());
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = render::exporter(args.format(), tally).write(&report, &mut out).and_then(|_| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("awsummary: cannot write the report: {e}");
            return ExitCode::Unusable;
        }
    }
    if report.interrupted {
        ExitCode::Interrupted
    } else if report.has_unignored_failures(&args.ignored()) {
        ExitCode::Partial
    } else {
        ExitCode::Success
    }
}

fn unusable(problem: &str) -> ExitCode {
    eprintln!("awsummary: {problem}");
    ExitCode::Unusable
}

/// Makes `--endpoint-url` also an `AWS_ENDPOINT_URL` environment variable.
///
/// The SDK's profile credential provider builds its own STS client for
/// `role_arn` profiles from the environment and the profile files only, so
/// without this the role assumption behind a profile would go to real AWS
/// while every other call goes to the given endpoint. Must be called before
/// the async runtime starts any thread (setting variables is not thread-safe).
pub fn export_endpoint(args: &Args) {
    if let Some(url) = &args.endpoint_url {
        if cli::check_endpoint(url).is_ok() {
            std::env::set_var("AWS_ENDPOINT_URL", url);
        }
    }
}

/// Turns validated arguments into the engine's plan.
pub fn plan(args: &Args) -> engine::Plan {
    let sources = if args.org {
        engine::Sources::Org {
            profile: args.profile.first().cloned(),
            role_name: args.role_name.clone(),
            external_id: args.external_id.clone(),
        }
    } else if args.profile.is_empty() {
        engine::Sources::Profiles(vec![None])
    } else {
        let mut profiles: Vec<Option<String>> = Vec::new();
        for p in &args.profile {
            if !profiles.iter().any(|q| q.as_deref() == Some(p)) {
                profiles.push(Some(p.clone()));
            }
        }
        engine::Sources::Profiles(profiles)
    };
    let mut regions = args.regions.clone();
    regions.sort();
    regions.dedup();
    engine::Plan {
        sources,
        services: args.services(),
        regions,
        accounts: args.accounts.clone(),
        exclude_accounts: args.exclude_accounts.clone(),
        concurrency: args.concurrency as usize,
        cell_timeout: args.timeout,
        config: scope::ConfigOptions {
            endpoint_url: args.endpoint_url.clone(),
            max_attempts: args.max_attempts,
            attempt_timeout: ATTEMPT_TIMEOUT.min(args.timeout),
        },
        progress: !args.quiet && !args.daemon,
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

//! Command-line arguments, and their validation into what the scan needs.
//!
//! Every bad input ends here or in scope discovery with one line that names the
//! problem and the valid choices (exit status 2); clap's multi-line errors are
//! folded to that shape by [`usage_error`].

use std::time::Duration;

use clap::{builder::PossibleValuesParser, Parser, ValueEnum};

use crate::collect::{self, Service};
use crate::status::Status;

#[derive(Parser, Debug)]
#[command(
    name = "awsummary",
    version,
    about = "Counts what runs in an AWS estate, across every enabled region and every account, in parallel.",
    after_help = "Exit status: 0 every cell ok, 1 report printed but some cells failed, 2 nothing could be scanned, 130 interrupted."
)]
pub struct Args {
    /// AWS profile(s) to scan, each one account scope (repeat or comma-separate).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub profile: Vec<String>,

    /// Send every AWS call to this endpoint (e.g. a local emulator). AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Scan only these regions (default: every region enabled for the account).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Scan only these services.
    #[arg(long, value_name = "SERVICE", value_delimiter = ',',
          value_parser = PossibleValuesParser::new(collect::names()))]
    pub services: Vec<String>,

    /// Output format [default: table; jsonl with --daemon] (the last one given wins).
    #[arg(long, value_enum, overrides_with = "format")]
    pub format: Option<Format>,

    /// Scan every ACTIVE account of the AWS Organization, through AssumeRole.
    #[arg(long)]
    pub org: bool,

    /// Role assumed in each member account with --org.
    #[arg(long, value_name = "NAME", default_value = "OrganizationAccountAccessRole")]
    pub role_name: String,

    /// External ID passed to sts:AssumeRole with --org.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// Scan only these account ids.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub accounts: Vec<String>,

    /// Skip these account ids.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub exclude_accounts: Vec<String>,

    /// Cells (account, region, service) in flight at once, across all accounts.
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,

    /// Limit for one cell (account, region, service), retries included: 60s, 2m, ...
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Attempts per AWS call, first try included (adaptive retries with backoff).
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// Failure statuses that do not make the exit status non-zero.
    #[arg(long, value_name = "STATUS", value_delimiter = ',',
          value_parser = PossibleValuesParser::new(["denied", "unavailable", "throttled", "timeout", "error"]))]
    pub ignore_errors: Vec<String>,

    /// No progress bar on stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Run as a daemon: scan on a schedule and serve Prometheus metrics.
    #[arg(long)]
    pub daemon: bool,

    /// Time between scan starts with --daemon: 3m, 90s, 1h (a late scan is never doubled) [default: 3m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub every: Option<Duration>,

    /// Address of the /metrics and /healthz server with --daemon [default: 127.0.0.1:9185].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,

    /// With --daemon: append each scan's report (--format, JSON Lines by default) to this file.
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// The Prometheus text exposition, once.
    Prometheus,
    /// The Go original's logrus JSON lines.
    Logrus,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be more than zero".into()),
        Err(_) => Err("expected a duration such as 30s, 2m or 1h".into()),
    }
}

impl Args {
    pub fn services(&self) -> Vec<&'static Service> {
        if self.services.is_empty() {
            return collect::SERVICES.to_vec();
        }
        // Registry order, whatever order the user typed.
        collect::SERVICES.iter().copied().filter(|s| self.services.iter().any(|n| n == s.name)).collect()
    }

    pub fn every(&self) -> Duration {
        self.every.unwrap_or(Duration::from_secs(180))
    }

    pub fn listen(&self) -> std::net::SocketAddr {
        self.listen.unwrap_or(std::net::SocketAddr::from(([127, 0, 0, 1], 9185)))
    }

    /// The format of the report: as given, else table (jsonl for the daemon's scan log).
    pub fn format(&self) -> Format {
        self.format.unwrap_or(if self.daemon { Format::Jsonl } else { Format::Table })
    }

    pub fn ignored(&self) -> Vec<Status> {
        self.ignore_errors.iter().filter_map(|s| Status::parse(s)).collect()
    }

    /// Checks what clap cannot: shapes of region names, account ids, the endpoint.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(bad) = self.regions.iter().find(|r| !looks_like_region(r)) {
            return Err(format!("invalid region name '{bad}': expected a name such as eu-west-1 or us-east-1"));
        }
        for id in self.accounts.iter().chain(&self.exclude_accounts) {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("invalid account id '{id}': expected 12 digits such as 123456789012"));
            }
        }
        if let Some(url) = &self.endpoint_url {
            check_endpoint(url)?;
        }
        if self.profile.iter().any(|p| p.is_empty()) {
            return Err("empty profile name in --profile".into());
        }
        if !self.daemon {
            let given = [
                ("--every", self.every.is_some()),
                ("--listen", self.listen.is_some()),
                ("--log-file", self.log_file.is_some()),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
                return Err(format!("{flag} needs --daemon"));
            }
        } else if self.format == Some(Format::Prometheus) {
            return Err(format!(
                "--daemon serves Prometheus metrics on http://{}/metrics; its --format is for the scan log: table, json, jsonl, csv, logrus",
                self.listen()
            ));
        }
        if self.org && self.profile.len() > 1 {
            return Err(
                "--org takes at most one --profile: the organization's management or delegated admin account".into()
            );
        }
        Ok(())
    }
}

/// `xx-name-N`, as every AWS region is named (`us-gov-west-1`, `eu-central-2`).
pub fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// An endpoint must be an absolute http(s) URL with a host.
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let bad = || format!("invalid --endpoint-url '{url}': expected http://host[:port] or https://host[:port]");
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")).ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (authority, None),
    };
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return Err(bad());
    }
    if let Some(p) = port {
        if p.parse::<u16>().is_err() {
            return Err(bad());
        }
    }
    Ok(())
}

/// Folds a clap error into one line: `awsummary: <problem> [possible values: ...]`.
pub fn usage_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let mut parts = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("For more information") || line.starts_with("Usage:") {
            continue;
        }
        parts.push(line.strip_prefix("error: ").unwrap_or(line));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-7", "cn-north-1"] {
            assert!(looks_like_region(ok), "{ok}");
        }
        for bad in ["eu-west", "EU-west-1", "euwest1", "eu--1", "europe-west-1", "eu-west-1a", ""] {
            assert!(!looks_like_region(bad), "{bad}");
        }
    }

    #[test]
    fn endpoints() {
        for ok in ["http://127.0.0.1:5000", "https://example.com", "http://localhost:4566/", "http://[::1]:80"] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        for bad in ["127.0.0.1:5000", "ftp://x", "http://", "http://host:port", "http://a b", "http://host:99999"] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clap_errors_fold_to_one_line() {
        let err = Args::try_parse_from(["awsummary", "--format", "xml"]).unwrap_err();
        let line = usage_error(&err);
        assert!(!line.contains('\n'));
        assert_eq!(line, "invalid value 'xml' for '--format <FORMAT>' [possible values: table, json, jsonl, csv, prometheus, logrus]");
    }
}

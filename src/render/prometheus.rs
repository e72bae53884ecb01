//! `--format prometheus` and the daemon's `/metrics`: the Prometheus text
//! exposition format (0.0.4), built with the `prometheus` crate from a report.
//!
//! A fresh registry is built for every exposition, so a resource that is gone
//! disappears from the next scrape and nothing accumulates across scans; only
//! `awsummary_scans_total` is carried over, by the daemon, in a [`ScanTally`].
//! Per-cell gauges are exposed for `ok` cells only: a failed cell's count is
//! unknown, and `awsummary_cell_up` says so.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus::{Gauge, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

use super::Exporter;
use crate::report::Report;
use crate::status::Status;

/// The content type of what [`exposition`] returns.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How scans ended so far: the values of `awsummary_scans_total`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanTally {
    pub ok: u64,
    pub partial: u64,
    pub failed: u64,
}

impl ScanTally {
    /// Counts one scan: failed without a report, partial with unignored failures.
    pub fn record(&mut self, report: Option<&Report>, ignored: &[Status]) {
        match report {
            None => self.failed += 1,
            Some(r) if r.has_unignored_failures(ignored) => self.partial += 1,
            Some(_) => self.ok += 1,
        }
    }
}

/// The outcome of the last scan attempt.
pub struct Last<'a> {
    /// The report, if the scan produced one.
    pub report: Option<&'a Report>,
    pub finished_at: SystemTime,
    pub duration: Duration,
}

pub struct Prometheus {
    pub tally: ScanTally,
}

impl Exporter for Prometheus {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let last = Last { report: Some(report), finished_at: SystemTime::now(), duration: report.duration };
        out.write_all(exposition(&last, self.tally).as_bytes())
    }
}

fn int_gauges(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let family = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric name");
    registry.register(Box::new(family.clone())).expect("unique metric name");
    family
}

fn gauge(registry: &Registry, name: &str, help: &str, value: f64) {
    let g = Gauge::with_opts(Opts::new(name, help)).expect("valid metric name");
    g.set(value);
    registry.register(Box::new(g)).expect("unique metric name");
}

/// Renders the exposition for the last scan and the tally of all scans.
pub fn exposition(last: &Last, tally: ScanTally) -> String {
    let registry = Registry::new_custom(Some("awsummary".into()), None).expect("valid prefix");

    let build = int_gauges(&registry, "build_info", "Build information of awsummary; always 1.", &["version"]);
    build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
    let scans = IntCounterVec::new(Opts::new("scans_total", "Scans finished, by result."), &["result"])
        .expect("valid metric name");
    for (result, n) in [("ok", tally.ok), ("partial", tally.partial), ("failed", tally.failed)] {
        scans.with_label_values(&[result]).inc_by(n);
    }
    registry.register(Box::new(scans)).expect("unique metric name");
    gauge(&registry, "scan_duration_seconds", "Wall time of the last scan.", last.duration.as_secs_f64());
    let finished = last.finished_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    gauge(&registry, "last_scan_timestamp_seconds", "When the last scan finished, in Unix seconds.", finished);

    if let Some(report) = last.report {
        let cell_up = int_gauges(
            &registry,
            "cell_up",
            "1 when the last scan of this account, region and service succeeded, else 0.",
            &["account", "region", "service"],
        );
        let account_up = int_gauges(
            &registry,
            "account_up",
            "1 when the account could be reached in the last scan, else 0.",
            &["account", "account_name"],
        );
        for a in report.accounts.iter().filter(|a| a.id.is_some()) {
            let id = a.id.as_deref().unwrap_or_default();
            account_up.with_label_values(&[id, a.name.as_deref().unwrap_or("")]).set((a.status == Status::Ok) as i64);
        }
        let families: Vec<(&str, IntGaugeVec)> = report
            .metrics()
            .map(|m| (m.name, int_gauges(&registry, m.name, m.help, &["account", "account_name", "region"])))
            .collect();
        for cell in &report.cells {
            let up = cell.status == Status::Ok;
            cell_up.with_label_values(&[&cell.account, &cell.region, cell.service.name]).set(up as i64);
            let name = report.account_name(&cell.account).unwrap_or("");
            for (metric, value) in cell.metrics() {
                if let (Some(value), Some((_, family))) = (value, families.iter().find(|(n, _)| *n == metric)) {
                    family.with_label_values(&[&cell.account, name, &cell.region]).set(value as i64);
                }
            }
        }
    }
    TextEncoder::new().encode_to_string(&registry.gather()).expect("text encoding")
}

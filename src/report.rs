//! The result of one scan: accounts, cells and the totals derived from them.
//!
//! A report is plain data assembled by the engine's aggregator; every output
//! format renders from it and nothing else. Totals are never stored, always
//! derived from the `ok` cells, so they cannot drift from what the cells say.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::collect::{Counts, Metric, Service};
use crate::status::Status;

#[derive(Debug)]
pub struct Report {
    pub generated_at: SystemTime,
    pub duration: Duration,
    /// The services scanned, in registry order.
    pub services: Vec<&'static Service>,
    /// Every account in scope, sorted by id, including those that failed.
    pub accounts: Vec<Account>,
    /// The union of regions scanned, sorted (without the `global` pseudo-region).
    pub regions: Vec<String>,
    /// One per (account, region, service), sorted by account, region, service.
    pub cells: Vec<Cell>,
    /// The run was interrupted; unfinished cells are `cancelled`.
    pub interrupted: bool,
}

#[derive(Clone, Debug)]
pub struct Account {
    /// None when the account could not even be identified (no credentials).
    pub id: Option<String>,
    pub name: Option<String>,
    /// The profile this account was reached through, if any.
    pub profile: Option<String>,
    pub status: Status,
    pub error: Option<String>,
}

/// One (account, region, service). Account and region names are shared by
/// all the cells that have them (a 1,000-account scan has 120,000 cells).
#[derive(Clone, Debug)]
pub struct Cell {
    pub account: Arc<str>,
    pub region: Arc<str>,
    pub service: &'static Service,
    pub status: Status,
    pub error: Option<String>,
    /// Present exactly when `status` is ok, aligned with `service.metrics`.
    pub counts: Option<Counts>,
}

impl Cell {
    /// `(metric, value)` pairs, value None for a failed cell.
    pub fn metrics(&self) -> impl Iterator<Item = (&'static str, Option<u64>)> + '_ {
        let counts = self.counts.as_deref();
        self.service.metrics.iter().enumerate().map(move |(i, m)| (m.name, counts.map(|c| c[i])))
    }
}

impl Report {
    /// Every metric of the scanned services, in registry order.
    pub fn metrics(&self) -> impl Iterator<Item = &'static Metric> + '_ {
        self.services.iter().flat_map(|s| s.metrics.iter())
    }

    /// Every metric name of the scanned services, in registry order.
    pub fn metric_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.services.iter().flat_map(|s| s.metrics.iter().map(|m| m.name))
    }

    /// Sums of the `ok` cells accepted by `keep`, for every metric of the scanned services.
    pub fn totals_where(&self, keep: impl Fn(&Cell) -> bool) -> Vec<(&'static str, u64)> {
        let mut totals: Vec<(&'static str, u64)> = self.metric_names().map(|m| (m, 0)).collect();
        for cell in self.cells.iter().filter(|c| c.status == Status::Ok && keep(c)) {
            for (name, value) in cell.metrics() {
                if let Some(slot) = totals.iter_mut().find(|(n, _)| *n == name) {
                    slot.1 += value.unwrap_or(0);
                }
            }
        }
        totals
    }

    pub fn totals(&self) -> Vec<(&'static str, u64)> {
        self.totals_where(|_| true)
    }

    pub fn failed_cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.status != Status::Ok)
    }

    pub fn account_name(&self, id: &str) -> Option<&str> {
        self.accounts.iter().find(|a| a.id.as_deref() == Some(id)).and_then(|a| a.name.as_deref())
    }

    /// The worst thing that happened, ignoring the statuses in `ignored`:
    /// `true` when some cell or account failed in a way that was not ignored.
    pub fn has_unignored_failures(&self, ignored: &[Status]) -> bool {
        let bad = |s: Status| s != Status::Ok && !ignored.contains(&s);
        self.cells.iter().any(|c| bad(c.status)) || self.accounts.iter().any(|a| bad(a.status))
    }
}

/// RFC 3339 in UTC with second precision, as in `2026-12-03T13:05:39Z`.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

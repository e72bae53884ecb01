//! `--format table` (the default): a block per account with a row per region
//! that has something, a total row, then what failed, grouped by status.
//! Columns use short headers explained by a legend, so the widest estate still
//! fits in 120 columns.

use std::io::{self, Write};

use super::Exporter;
use crate::collect::{Metric, GLOBAL_REGION};
use crate::report::{Cell, Report};
use crate::status::Status;

pub struct Table;

/// A value in a row: a number, a failed cell (`!`), or not applicable (blank).
#[derive(Clone, Copy, PartialEq)]
enum Value {
    Count(u64),
    Failed,
    Blank,
}

struct Row {
    label: String,
    values: Vec<Value>,
}

impl Exporter for Table {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let metrics: Vec<&Metric> = report.metrics().collect();
        let scanned: Vec<&str> =
            report.accounts.iter().filter(|a| a.status == Status::Ok).filter_map(|a| a.id.as_deref()).collect();
        let many = scanned.len() > 1;

        for id in &scanned {
            let cells: Vec<&Cell> = report.cells.iter().filter(|c| &*c.account == *id).collect();
            let mut rows = region_rows(&cells, &metrics);
            let hidden = count_regions(&cells) - rows.len();
            let total = total_row(report, &metrics, "TOTAL", |c| &*c.account == *id);
            if many {
                rows.push(Row { label: "total".into(), values: total.values });
            } else {
                rows.push(total);
            }
            let name = report.account_name(id).map(|n| format!(" ({n})")).unwrap_or_default();
            writeln!(out, "Account {id}{name}")?;
            print_rows(out, "REGION", &metrics, &rows)?;
            if hidden > 0 {
                writeln!(out, "({hidden} more region{} with nothing)", plural(hidden))?;
            }
            writeln!(out)?;
        }
        if many {
            let mut rows: Vec<Row> = scanned
                .iter()
                .map(|id| {
                    let label = match report.account_name(id) {
                        Some(name) => format!("{id} {}", truncate(name, 20)),
                        None => id.to_string(),
                    };
                    total_row(report, &metrics, &label, |c| &*c.account == *id)
                })
                .collect();
            rows.push(total_row(report, &metrics, "TOTAL", |_| true));
            writeln!(out, "All {} accounts", scanned.len())?;
            print_rows(out, "ACCOUNT", &metrics, &rows)?;
            writeln!(out)?;
        }
        legend(out, &metrics, report.failed_cells().next().is_some())?;
        failures(out, report)?;
        summary(out, report)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn count_regions(cells: &[&Cell]) -> usize {
    let mut regions: Vec<&str> = cells.iter().map(|c| &*c.region).collect();
    regions.sort_unstable();
    regions.dedup();
    regions.len()
}

/// One row per region (cells arrive sorted) that has a non-zero count or a failure.
fn region_rows(cells: &[&Cell], metrics: &[&Metric]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for cell in cells {
        if rows.last().is_none_or(|r| r.label != *cell.region) {
            rows.push(Row { label: cell.region.to_string(), values: vec![Value::Blank; metrics.len()] });
        }
        let row = rows.last_mut().expect("row just pushed");
        for (name, value) in cell.metrics() {
            if let Some(i) = metrics.iter().position(|m| m.name == name) {
                row.values[i] = value.map_or(Value::Failed, Value::Count);
            }
        }
    }
    rows.retain(|r| r.values.iter().any(|v| matches!(v, Value::Failed | Value::Count(1..))));
    rows
}

fn total_row(report: &Report, metrics: &[&Metric], label: &str, keep: impl Fn(&Cell) -> bool) -> Row {
    let totals = report.totals_where(keep);
    let values = metrics
        .iter()
        .map(|m| Value::Count(totals.iter().find(|(n, _)| *n == m.name).map_or(0, |(_, v)| *v)))
        .collect();
    Row { label: label.to_string(), values }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).chain(['~']).collect()
    }
}

fn print_rows(out: &mut dyn Write, header: &str, metrics: &[&Metric], rows: &[Row]) -> io::Result<()> {
    let label_width =
        rows.iter().map(|r| r.label.chars().count()).chain([GLOBAL_REGION.len(), header.len()]).max().unwrap_or(6);
    let widths: Vec<usize> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let widest = rows.iter().map(|r| match r.values[i] {
                Value::Count(n) => n.to_string().len(),
                _ => 1,
            });
            widest.chain([m.short.len(), 3]).max().unwrap_or(3)
        })
        .collect();
    let mut line = format!("{header:<label_width$}");
    for (m, w) in metrics.iter().zip(&widths) {
        line += &format!(" {:>w$}", m.short);
    }
    writeln!(out, "{}", line.trim_end())?;
    for row in rows {
        let mut line = format!("{:<label_width$}", row.label);
        for (v, w) in row.values.iter().zip(&widths) {
            match v {
                Value::Count(n) => line += &format!(" {n:>w$}"),
                Value::Failed => line += &format!(" {:>w$}", "!"),
                Value::Blank => line += &format!(" {:>w$}", ""),
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// "EC2=EC2 instances not terminated, RUN=...", wrapped to 120 columns.
fn legend(out: &mut dyn Write, metrics: &[&Metric], failed: bool) -> io::Result<()> {
    let mut line = String::new();
    for (i, m) in metrics.iter().enumerate() {
        let sep = if i + 1 == metrics.len() { "." } else { "," };
        let item = format!("{}={}{sep}", m.short, m.help);
        if !line.is_empty() && line.len() + 1 + item.len() > 120 {
            writeln!(out, "{line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    if failed {
        line += " !=failed, see below.";
    }
    writeln!(out, "{line}")
}

/// Failed accounts, then failed cells grouped by status. The cells of one
/// account and region that failed with one status collapse to one line ("all
/// services" when that is what failed), with the first cell's message: a region
/// denied by an SCP is one line, not one per service.
fn failures(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for a in report.accounts.iter().filter(|a| a.status != Status::Ok) {
        let who = a.id.clone().or_else(|| a.profile.as_ref().map(|p| format!("profile {p}"))).unwrap_or_default();
        writeln!(out, "{:<12} account {who}: {}", a.status.as_str(), a.error.as_deref().unwrap_or(""))?;
    }
    let regional = report.services.iter().filter(|s| !s.global).count();
    for status in Status::FAILURES {
        let mut groups: Vec<(&str, &str, &str, Vec<&str>)> = Vec::new();
        for c in report.failed_cells().filter(|c| c.status == status) {
            match groups.iter_mut().find(|g| g.0 == &*c.account && g.1 == &*c.region) {
                Some(g) => g.3.push(c.service.name),
                None => groups.push((&c.account, &c.region, c.error.as_deref().unwrap_or(""), vec![c.service.name])),
            }
        }
        for (account, region, msg, services) in groups {
            let what = if services.len() == regional && regional > 1 {
                "all services".to_string()
            } else {
                services.join(",")
            };
            writeln!(out, "{:<12} {account} {region} {what}: {msg}", status.as_str())?;
        }
    }
    Ok(())
}

fn summary(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let ok = report.cells.iter().filter(|c| c.status == Status::Ok).count();
    let accounts = report.accounts.iter().filter(|a| a.status == Status::Ok).count();
    let failed = report.cells.len() - ok;
    write!(
        out,
        "Scanned {accounts} account{}, {} region{}, {} service{} ({} cells) in {:.2} s: {ok} ok",
        plural(accounts),
        report.regions.len(),
        plural(report.regions.len()),
        report.services.len(),
        plural(report.services.len()),
        report.cells.len(),
        report.duration.as_secs_f64(),
    )?;
    if failed > 0 {
        write!(out, ", {failed} failed")?;
    }
    if report.interrupted {
        write!(out, " (interrupted)")?;
    }
    writeln!(out, ".")
}

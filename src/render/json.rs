//! `--format json`: one document, schema version 1.

use std::io::{self, Write};

use serde::Serialize;

use super::{Exporter, JsonCell, Metrics};
use crate::report::{rfc3339, Cell, Report};

pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    generated_at: String,
    duration_ms: u64,
    accounts: Vec<Account<'a>>,
    regions: &'a [String],
    cells: Cells<'a>,
    totals: Metrics<u64>,
}

#[derive(Serialize)]
struct Account<'a> {
    id: Option<&'a str>,
    name: Option<&'a str>,
    status: &'static str,
    error: Option<&'a str>,
}

/// The cells, serialized one at a time as they are written: a report of
/// 120,000 cells is not copied into a second list first.
struct Cells<'a>(&'a [Cell]);

impl Serialize for Cells<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(JsonCell::from))
    }
}

impl Exporter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            schema_version: 1,
            generated_at: rfc3339(report.generated_at),
            duration_ms: report.duration.as_millis() as u64,
            accounts: report
                .accounts
                .iter()
                .map(|a| Account {
                    id: a.id.as_deref(),
                    name: a.name.as_deref(),
                    status: a.status.as_str(),
                    error: a.error.as_deref(),
                })
                .collect(),
            regions: &report.regions,
            cells: Cells(&report.cells),
            totals: Metrics(report.totals()),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

//! `--format jsonl`: one line per cell, then one `{"totals": {...}}` line.
//! Easy to append to a log and to read with `jq -c` or Logstash. Each line
//! stands alone, so cells also carry the account's name.

use std::io::{self, Write};

use super::{Exporter, JsonCell, Metrics};
use crate::report::Report;

pub struct Jsonl;

#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    cell: JsonCell<'a>,
    account_name: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct Totals {
    totals: Metrics<u64>,
}

impl Exporter for Jsonl {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for cell in &report.cells {
            let line = Line { cell: JsonCell::from(cell), account_name: report.account_name(&cell.account) };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        serde_json::to_writer(&mut *out, &Totals { totals: Metrics(report.totals()) })?;
        writeln!(out)
    }
}

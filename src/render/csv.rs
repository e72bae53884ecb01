//! `--format csv`: one row per cell and metric; the value is empty for a
//! failed cell. Every field is an id, a name or a number, so none needs quoting.

use std::io::{self, Write};

use super::Exporter;
use crate::report::Report;

pub struct Csv;

impl Exporter for Csv {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "account,region,service,metric,value,status")?;
        for cell in &report.cells {
            for (metric, value) in cell.metrics() {
                let value = value.map(|v| v.to_string()).unwrap_or_default();
                writeln!(
                    out,
                    "{},{},{},{metric},{value},{}",
                    cell.account, cell.region, cell.service.name, cell.status
                )?;
            }
        }
        Ok(())
    }
}

//! `--format csv`: one row per cell and metric; the value is empty for a
//! failed cell. The account name comes last so that the first six columns keep
//! their places; it is the one free-text field and is quoted when it needs to be.

use std::io::{self, Write};

use super::Exporter;
use crate::report::Report;

pub struct Csv;

impl Exporter for Csv {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "account,region,service,metric,value,status,account_name")?;
        for cell in &report.cells {
            let name = quote(report.account_name(&cell.account).unwrap_or(""));
            let (account, region, service, status) = (&cell.account, &cell.region, cell.service.name, cell.status);
            for (metric, value) in cell.metrics() {
                let value = value.map(|v| v.to_string()).unwrap_or_default();
                writeln!(out, "{account},{region},{service},{metric},{value},{status},{name}")?;
            }
        }
        Ok(())
    }
}

/// RFC 4180 quoting, only where the field needs it.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        assert_eq!(super::quote("dev"), "dev");
        assert_eq!(super::quote("a,b"), "\"a,b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}

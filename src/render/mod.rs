//! Output formats: one file per format, each an [`Exporter`] over a finished
//! [`Report`]. Reports go to stdout; nothing here writes to stderr.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cli::Format;
use crate::report::{Cell, Report};

mod csv;
mod json;
mod jsonl;
mod logrus;
pub mod prometheus;
mod table;

pub trait Exporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The exporter of a format. `tally` is what `awsummary_scans_total` reports
/// (the daemon's running count; for one run, that run alone).
pub fn exporter(format: Format, tally: prometheus::ScanTally) -> Box<dyn Exporter> {
    match format {
        Format::Table => Box::new(table::Table),
        Format::Json => Box::new(json::Json),
        Format::Jsonl => Box::new(jsonl::Jsonl),
        Format::Csv => Box::new(csv::Csv),
        Format::Prometheus => Box::new(prometheus::Prometheus { tally }),
        Format::Logrus => Box::new(logrus::Logrus),
    }
}

/// Metrics as a JSON object in registry order (not alphabetical); `null` for
/// the values of a failed cell.
pub(crate) struct Metrics<T>(pub Vec<(&'static str, T)>);

impl<T: Serialize> Serialize for Metrics<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A cell as JSON and JSON Lines print it.
#[derive(serde::Serialize)]
pub(crate) struct JsonCell<'a> {
    account: &'a str,
    region: &'a str,
    service: &'static str,
    status: &'static str,
    error: Option<&'a str>,
    metrics: Metrics<Option<u64>>,
}

impl<'a> From<&'a Cell> for JsonCell<'a> {
    fn from(c: &'a Cell) -> Self {
        JsonCell {
            account: &c.account,
            region: &c.region,
            service: c.service.name,
            status: c.status.as_str(),
            error: c.error.as_deref(),
            metrics: Metrics(c.metrics().collect()),
        }
    }
}

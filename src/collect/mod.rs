//! The service registry: what each service counts and how.
//!
//! A collector gets one account's [`SdkConfig`] already pointed at one region and
//! returns its counts in the order of its `metrics` list. It follows every page of
//! every listing; anything that fails is turned into a classified
//! [`Failure`](crate::status::Failure) by `?`. Adding a service is one new file
//! here and one line in [`SERVICES`]. Metric names are a contract shared by every
//! output format: change them only on purpose.

use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use futures_util::future::BoxFuture;

use crate::status::Failure;

mod cloudformation;
mod dynamodb;
mod ec2;
mod elbv2;
mod lambda;
mod opensearch;
mod rds;
mod s3;

/// Counts, aligned with [`Service::metrics`].
pub type Counts = Vec<u64>;

/// One account's configuration with its region set for the cell.
pub type CellConfig = Arc<SdkConfig>;

/// How a service's collector is called.
pub type Collect = fn(CellConfig) -> BoxFuture<'static, Result<Counts, Failure>>;

/// One count. `name` is the contract (JSON, CSV, Prometheus); `short` heads a
/// table column; `help` explains it in legends and metric help texts.
#[derive(Debug)]
pub struct Metric {
    pub name: &'static str,
    pub short: &'static str,
    pub help: &'static str,
}

pub struct Service {
    /// The name used by `--services` and in every report.
    pub name: &'static str,
    /// What it counts, in the order the collector returns them.
    pub metrics: &'static [Metric],
    /// Global services are scanned once per account, in the account's home
    /// region, and reported under the region `global`.
    pub global: bool,
    pub collect: Collect,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every service, in report order.
pub static SERVICES: &[&Service] = &[
    &ec2::SERVICE,
    &elbv2::SERVICE,
    &opensearch::SERVICE,
    &rds::SERVICE,
    &dynamodb::SERVICE,
    &cloudformation::SERVICE,
    &lambda::SERVICE,
    &s3::SERVICE,
];

/// The pseudo-region under which global services report.
pub const GLOBAL_REGION: &str = "global";

pub fn by_name(name: &str) -> Option<&'static Service> {
    SERVICES.iter().copied().find(|s| s.name == name)
}

pub fn names() -> Vec<&'static str> {
    SERVICES.iter().map(|s| s.name).collect()
}

/// Counts the items of an SDK paginator's item stream. The streams have an
/// inherent `next()` (no `Stream` impl), so a macro saves each collector the loop.
macro_rules! count_items {
    ($stream:expr, |$item:ident| $body:expr) => {{
        let mut stream = $stream;
        while let Some($item) = stream.next().await {
            let $item = $item?;
            $body;
        }
    }};
}
pub(crate) use count_items;

/// Boxes a collector's future for the registry.
pub(crate) fn boxed<F>(fut: F) -> BoxFuture<'static, Result<Counts, Failure>>
where
    F: Future<Output = Result<Counts, Failure>> + Send + 'static,
{
    Box::pin(fut)
}

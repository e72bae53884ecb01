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
use aws_sdk_sts::config::retry::{ClientRateLimiter, RetryPartition, TokenBucket};
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

/// What a collector works on: one account's configuration pointed at the
/// cell's region, and the cell's own retry state.
///
/// AWS throttles per account, region and service, so that is the unit of
/// retry state too: each cell gets its own retry token bucket and adaptive
/// rate limiter. The SDK's default would share them between every account's
/// clients of one service and region (and keep each in a process-wide map).
#[derive(Clone, Debug)]
pub struct Target {
    pub config: Arc<SdkConfig>,
    pub retry: RetryPartition,
}

impl Target {
    pub fn new(config: Arc<SdkConfig>, name: String) -> Target {
        let retry = RetryPartition::custom(name)
            .token_bucket(TokenBucket::default())
            .client_rate_limiter(ClientRateLimiter::default())
            .build();
        Target { config, retry }
    }
}

/// A service client for a target: `client!(aws_sdk_ec2, target)`.
macro_rules! client {
    ($sdk:ident, $target:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(&*$target.config).retry_partition($target.retry.clone()).build(),
        )
    };
}
pub(crate) use client;

/// How a service's collector is called.
pub type Collect = fn(Target) -> BoxFuture<'static, Result<Counts, Failure>>;

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
    /// Dependent round trips a cell makes at the least (DynamoDB: list, then
    /// describe). An account's cells start longest chain first, so that the
    /// cells that end a scan are not also the last to begin.
    pub round_trips: u8,
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

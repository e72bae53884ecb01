//! S3 buckets: an account-wide listing, so one cell per account (region `global`).

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "s3",
    metrics: &[Metric { name: "s3_buckets", short: "S3", help: "S3 buckets" }],
    global: true,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_s3, target);
    let mut buckets = 0;
    let items = client.list_buckets().max_buckets(10_000).into_paginator().items().send();
    count_items!(items, |_bucket| buckets += 1);
    Ok(vec![buckets])
}

//! Lambda functions, every page, in every scanned region.

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "lambda",
    metrics: &[Metric { name: "lambda_functions", short: "LAMBDA", help: "Lambda functions" }],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

pub(crate) async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_lambda, target);
    let mut functions = 0;
    let items = client.list_functions().max_items(50).into_paginator().items().send();
    count_items!(items, |_function| functions += 1);
    Ok(vec![functions])
}

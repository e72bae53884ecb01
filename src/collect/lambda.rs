//! Lambda functions, every page, in every scanned region.

use aws_sdk_lambda::Client;

use super::{boxed, count_items, CellConfig, Counts, Metric, Service};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "lambda",
    metrics: &[Metric { name: "lambda_functions", short: "LAMBDA", help: "Lambda functions" }],
    global: false,
    collect: |cfg| boxed(collect(cfg)),
};

pub(crate) async fn collect(cfg: CellConfig) -> Result<Counts, Failure> {
    let client = Client::new(&cfg);
    let mut functions = 0;
    let items = client.list_functions().max_items(50).into_paginator().items().send();
    count_items!(items, |_function| functions += 1);
    Ok(vec![functions])
}

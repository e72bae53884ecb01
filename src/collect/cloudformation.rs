//! CloudFormation stacks that exist (every status but `DELETE_COMPLETE`).

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_cloudformation::Client;

use super::{boxed, count_items, CellConfig, Counts, Metric, Service};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "cloudformation",
    metrics: &[Metric { name: "cloudformation_stacks", short: "CFN", help: "CloudFormation stacks not deleted" }],
    global: false,
    collect: |cfg| boxed(collect(cfg)),
};

async fn collect(cfg: CellConfig) -> Result<Counts, Failure> {
    let client = Client::new(&cfg);
    let mut stacks = 0;
    let items = client.list_stacks().into_paginator().items().send();
    count_items!(items, |stack| {
        if stack.stack_status() != Some(&StackStatus::DeleteComplete) {
            stacks += 1;
        }
    });
    Ok(vec![stacks])
}

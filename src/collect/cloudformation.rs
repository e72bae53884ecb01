//! CloudFormation stacks that exist (every status but `DELETE_COMPLETE`).

use aws_sdk_cloudformation::types::StackStatus;

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "cloudformation",
    metrics: &[Metric { name: "cloudformation_stacks", short: "CFN", help: "CloudFormation stacks not deleted" }],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_cloudformation, target);
    let mut stacks = 0;
    let items = client.list_stacks().into_paginator().items().send();
    count_items!(items, |stack| {
        if stack.stack_status() != Some(&StackStatus::DeleteComplete) {
            stacks += 1;
        }
    });
    Ok(vec![stacks])
}

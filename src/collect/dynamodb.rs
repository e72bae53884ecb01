//! DynamoDB tables by billing mode.
//!
//! `ListTables` only names tables; the billing mode needs one `DescribeTable`
//! each. Those calls start as soon as a page of names arrives and run
//! [`DESCRIBES_IN_FLIGHT`] at a time, so a region with hundreds of tables costs a
//! few round trips, not hundreds.

use aws_sdk_dynamodb::types::BillingMode;
use futures_util::{stream, StreamExt, TryStreamExt};

use super::{boxed, client, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "dynamodb",
    metrics: &[
        Metric { name: "dynamodb_tables", short: "DDB", help: "DynamoDB tables" },
        Metric {
            name: "dynamodb_tables_provisioned",
            short: "PROV",
            help: "DynamoDB tables in provisioned capacity mode",
        },
        Metric {
            name: "dynamodb_tables_on_demand",
            short: "ONDEM",
            help: "DynamoDB tables in on-demand capacity mode",
        },
    ],
    global: false,
    round_trips: 2,
    collect: |target| boxed(collect(target)),
};

/// DescribeTable calls in flight per cell: one page of names (100), so each
/// page costs one round trip more, not a hundred. Throttling, should a large
/// account meet it, is absorbed by the cell's adaptive retries.
const DESCRIBES_IN_FLIGHT: usize = 100;

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_dynamodb, target);
    // The pager runs on its own, feeding names into a channel: were it pulled
    // by the describes below, a full buffer of describes would hold back the
    // next page by a round trip each time.
    let (names_tx, names_rx) = tokio::sync::mpsc::unbounded_channel();
    let pager = async {
        let mut names = client.list_tables().limit(100).into_paginator().items().send();
        while let Some(name) = names.next().await {
            let _ = names_tx.send(name?);
        }
        drop(names_tx);
        Ok::<_, Failure>(())
    };
    let names = stream::unfold(names_rx, |mut rx| async move { rx.recv().await.map(|name| (name, rx)) });
    let describes = names
        .map(|name| {
            let client = client.clone();
            async move {
                let out = client.describe_table().table_name(name).send().await?;
                let mode = out.table().and_then(|t| t.billing_mode_summary()).and_then(|b| b.billing_mode());
                Ok::<_, Failure>(mode == Some(&BillingMode::PayPerRequest))
            }
        })
        .buffer_unordered(DESCRIBES_IN_FLIGHT)
        .try_fold((0u64, 0u64), |(all, od), on_demand| async move { Ok((all + 1, od + on_demand as u64)) });
    let ((), (all, on_demand)) = tokio::try_join!(pager, describes)?;
    Ok(vec![all, all - on_demand, on_demand])
}

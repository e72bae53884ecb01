//! OpenSearch Service domains, both engines (OpenSearch and Elasticsearch).
//!
//! `ListDomainNames` is not paginated: one call returns every domain.

use super::{boxed, client, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "opensearch",
    metrics: &[Metric { name: "opensearch_domains", short: "OS", help: "OpenSearch Service domains" }],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let out = client!(aws_sdk_opensearch, target).list_domain_names().send().await?;
    Ok(vec![out.domain_names().len() as u64])
}

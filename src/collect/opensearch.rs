//! OpenSearch Service domains, both engines (OpenSearch and Elasticsearch).
//!
//! `ListDomainNames` is not paginated: one call returns every domain.

use aws_sdk_opensearch::Client;

use super::{boxed, CellConfig, Counts, Metric, Service};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "opensearch",
    metrics: &[Metric { name: "opensearch_domains", short: "OS", help: "OpenSearch Service domains" }],
    global: false,
    collect: |cfg| boxed(collect(cfg)),
};

async fn collect(cfg: CellConfig) -> Result<Counts, Failure> {
    let out = Client::new(&cfg).list_domain_names().send().await?;
    Ok(vec![out.domain_names().len() as u64])
}

//! Elastic Load Balancing v2: application, network and gateway load balancers.

use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;
use aws_sdk_elasticloadbalancingv2::Client;

use super::{boxed, count_items, CellConfig, Counts, Metric, Service};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "elbv2",
    metrics: &[
        Metric { name: "elb_application", short: "ALB", help: "Application Load Balancers" },
        Metric { name: "elb_network", short: "NLB", help: "Network Load Balancers" },
        Metric { name: "elb_gateway", short: "GWLB", help: "Gateway Load Balancers" },
    ],
    global: false,
    collect: |cfg| boxed(collect(cfg)),
};

async fn collect(cfg: CellConfig) -> Result<Counts, Failure> {
    let client = Client::new(&cfg);
    let (mut application, mut network, mut gateway) = (0, 0, 0);
    let items = client.describe_load_balancers().page_size(400).into_paginator().items().send();
    count_items!(items, |lb| match lb.r#type() {
        Some(LoadBalancerTypeEnum::Application) => application += 1,
        Some(LoadBalancerTypeEnum::Network) => network += 1,
        Some(LoadBalancerTypeEnum::Gateway) => gateway += 1,
        _ => {}
    });
    Ok(vec![application, network, gateway])
}

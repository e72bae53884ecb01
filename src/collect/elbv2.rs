//! Elastic Load Balancing v2: application, network and gateway load balancers.

use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "elbv2",
    metrics: &[
        Metric { name: "elb_application", short: "ALB", help: "Application Load Balancers" },
        Metric { name: "elb_network", short: "NLB", help: "Network Load Balancers" },
        Metric { name: "elb_gateway", short: "GWLB", help: "Gateway Load Balancers" },
    ],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_elasticloadbalancingv2, target);
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

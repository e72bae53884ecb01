//! EC2: instances (by state and platform) and NAT gateways.
//!
//! The two listings are independent, so they run side by side within the cell.

use aws_sdk_ec2::types::{InstanceStateName, NatGatewayState};

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "ec2",
    metrics: &[
        Metric { name: "ec2_instances", short: "EC2", help: "EC2 instances not terminated" },
        Metric { name: "ec2_instances_running", short: "RUN", help: "EC2 instances running" },
        Metric { name: "ec2_instances_running_windows", short: "WIN", help: "EC2 instances running Windows" },
        Metric { name: "nat_gateways", short: "NAT", help: "NAT gateways pending or available" },
    ],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_ec2, target);
    let instances = async {
        let (mut total, mut running, mut windows) = (0, 0, 0);
        let pages = client.describe_instances().max_results(1000).into_paginator().items().send();
        count_items!(pages, |reservation| {
            for instance in reservation.instances() {
                match instance.state().and_then(|s| s.name()) {
                    Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown) => {}
                    Some(InstanceStateName::Running) => {
                        total += 1;
                        running += 1;
                        // EC2 answers `windows`; the SDK's enum spells it `Windows`.
                        if instance.platform().is_some_and(|p| p.as_str().eq_ignore_ascii_case("windows")) {
                            windows += 1;
                        }
                    }
                    _ => total += 1,
                }
            }
        });
        Ok::<_, Failure>((total, running, windows))
    };
    let nat_gateways = async {
        let mut live = 0;
        let pages = client.describe_nat_gateways().max_results(1000).into_paginator().items().send();
        count_items!(pages, |gateway| {
            if matches!(gateway.state(), Some(NatGatewayState::Pending | NatGatewayState::Available)) {
                live += 1;
            }
        });
        Ok::<_, Failure>(live)
    };
    let ((total, running, windows), nat) = tokio::try_join!(instances, nat_gateways)?;
    Ok(vec![total, running, windows, nat])
}

//! RDS DB instances, in all and by engine family.

use super::{boxed, client, count_items, Counts, Metric, Service, Target};
use crate::status::Failure;

pub const SERVICE: Service = Service {
    name: "rds",
    metrics: &[
        Metric { name: "rds_instances", short: "RDS", help: "RDS DB instances" },
        Metric { name: "rds_instances_oracle", short: "ORA", help: "RDS DB instances running Oracle" },
        Metric { name: "rds_instances_mysql", short: "MYSQL", help: "RDS DB instances running MySQL" },
        Metric { name: "rds_instances_sqlserver", short: "MSSQL", help: "RDS DB instances running SQL Server" },
    ],
    global: false,
    round_trips: 1,
    collect: |target| boxed(collect(target)),
};

async fn collect(target: Target) -> Result<Counts, Failure> {
    let client = client!(aws_sdk_rds, target);
    let (mut all, mut oracle, mut mysql, mut sqlserver) = (0, 0, 0, 0);
    let items = client.describe_db_instances().max_records(100).into_paginator().items().send();
    count_items!(items, |db| {
        all += 1;
        let engine = db.engine().unwrap_or_default();
        if engine.starts_with("oracle") {
            oracle += 1;
        } else if engine == "mysql" {
            mysql += 1;
        } else if engine.starts_with("sqlserver") {
            sqlserver += 1;
        }
    });
    Ok(vec![all, oracle, mysql, sqlserver])
}

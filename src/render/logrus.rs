//! `--format logrus`: the log lines of the Go original, for Logstash pipelines
//! that read them. Like logrus's JSON formatter, keys are sorted (Go marshals
//! maps in key order). One line per region and service that has something, in
//! the original's field names, then one "Account overview data" line per
//! account with its totals. Failed cells are `level: error` lines.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::Exporter;
use crate::report::{rfc3339, Report};
use crate::status::Status;

pub struct Logrus;

/// The original's field name for each metric, and the message of its line.
fn field(metric: &str) -> Option<(&'static str, &'static str)> {
    Some(match metric {
        "ec2_instances" => ("EC2", "EC2"),
        "ec2_instances_running" => ("EC2Running", "EC2"),
        "ec2_instances_running_windows" => ("EC2RunningWindows", "EC2"),
        "nat_gateways" => ("NatGW", "NatGW"),
        "elb_application" => ("ALB", "ELB"),
        "elb_network" => ("NLB", "ELB"),
        "elb_gateway" => ("GLB", "ELB"),
        "opensearch_domains" => ("ElasticsearchDomains", "Elasticsearch"),
        "rds_instances" => ("RDS", "RDS"),
        "rds_instances_oracle" => ("RDS_Oracle", "RDS"),
        "rds_instances_mysql" => ("RDS_MySQL", "RDS"),
        "rds_instances_sqlserver" => ("RDS_MSSQL", "RDS"),
        "dynamodb_tables" => ("Tables", "DynamoDB"),
        "dynamodb_tables_provisioned" => ("ReservedCapacity", "DynamoDB"),
        "dynamodb_tables_on_demand" => ("OnDemandCapacity", "DynamoDB"),
        "cloudformation_stacks" => ("Stacks", "CloudFormation"),
        "lambda_functions" => ("Lambda", "Lambda"),
        "s3_buckets" => ("S3Buckets", "S3"),
        _ => return None,
    })
}

fn line(out: &mut dyn Write, mut fields: Map<String, Value>, level: &str, msg: String, time: &str) -> io::Result<()> {
    fields.insert("level".into(), json!(level));
    fields.insert("msg".into(), json!(msg));
    fields.insert("time".into(), json!(time));
    serde_json::to_writer(&mut *out, &fields)?;
    writeln!(out)
}

impl Exporter for Logrus {
    fn write(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let time = rfc3339(report.generated_at);
        for cell in &report.cells {
            let mut base = Map::new();
            base.insert("Account".into(), json!(&*cell.account));
            base.insert("Region".into(), json!(&*cell.region));
            if cell.status != Status::Ok {
                base.insert("Service".into(), json!(cell.service.name));
                base.insert("Status".into(), json!(cell.status.as_str()));
                base.insert("error".into(), json!(cell.error.as_deref().unwrap_or("")));
                line(out, base, "error", format!("Region specific {} data failed", cell.service.name), &time)?;
                continue;
            }
            // One line per group of fields (EC2 and NatGW come from one cell).
            let mut groups: Vec<(&str, Map<String, Value>)> = Vec::new();
            for (metric, value) in cell.metrics() {
                let (Some((name, group)), Some(value)) = (field(metric), value) else { continue };
                match groups.iter_mut().find(|(g, _)| *g == group) {
                    Some((_, m)) => {
                        m.insert(name.into(), json!(value));
                    }
                    None => {
                        let mut m = base.clone();
                        m.insert(name.into(), json!(value));
                        groups.push((group, m));
                    }
                }
            }
            for (group, fields) in groups {
                // Like the original: a region line only where something exists.
                let any = fields.iter().any(|(k, v)| k != "Account" && k != "Region" && v.as_u64() > Some(0));
                if any {
                    line(out, fields, "info", format!("Region specific {group} data"), &time)?;
                }
            }
        }
        for account in report.accounts.iter().filter_map(|a| a.id.as_deref()) {
            let mut fields = Map::new();
            fields.insert("Account".into(), json!(account));
            if let Some(name) = report.account_name(account) {
                fields.insert("AccountName".into(), json!(name));
            }
            for (metric, value) in report.totals_where(|c| &*c.account == account) {
                if let Some((name, _)) = field(metric) {
                    fields.insert(name.into(), json!(value));
                }
            }
            line(out, fields, "info", "Account overview data".into(), &time)?;
        }
        Ok(())
    }
}

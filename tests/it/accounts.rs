//! Many accounts in one run: `--org` through AssumeRole, several `--profile`s
//! (role_arn + source_profile), the account filters, and one account failing
//! while the others stay exact.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::core::tempdir;
use crate::harness::{cell, run, run_raw, Moto, ACCOUNT};
use crate::proxy::{Action, Proxy, Response};

fn org_estate() -> Value {
    json!({
        "regions": {"eu-west-1": {"ec2_running": 1, "buckets": 1}},
        "accounts": [
            {"name": "dev", "regions": {
                "us-east-1": {"ec2_running": 2, "lambda": 1},
                "eu-west-1": {"ddb_on_demand": 2, "buckets": 2}}},
            {"name": "prod", "regions": {
                "eu-central-1": {"ec2_windows": 1, "rds_mysql": 1, "buckets": 1}}},
            {"name": "old", "suspended": true}
        ]
    })
}

const REGIONS: [&str; 3] = ["eu-central-1", "eu-west-1", "us-east-1"];
const SERVICES: [&str; 5] = ["ec2", "rds", "dynamodb", "lambda", "s3"];

/// What the estate holds, by account name, region and service; the rest is zero.
fn expected(who: &str, region: &str, service: &str) -> Value {
    match (who, region, service) {
        ("self", "eu-west-1", "ec2") => {
            json!({"ec2_instances": 1, "ec2_instances_running": 1, "ec2_instances_running_windows": 0, "nat_gateways": 0})
        }
        ("self", "global", "s3") => json!({"s3_buckets": 1}),
        ("dev", "us-east-1", "ec2") => {
            json!({"ec2_instances": 2, "ec2_instances_running": 2, "ec2_instances_running_windows": 0, "nat_gateways": 0})
        }
        ("dev", "us-east-1", "lambda") => json!({"lambda_functions": 1}),
        ("dev", "eu-west-1", "dynamodb") => {
            json!({"dynamodb_tables": 2, "dynamodb_tables_provisioned": 0, "dynamodb_tables_on_demand": 2})
        }
        ("dev", "global", "s3") => json!({"s3_buckets": 2}),
        ("prod", "eu-central-1", "ec2") => {
            json!({"ec2_instances": 1, "ec2_instances_running": 1, "ec2_instances_running_windows": 1, "nat_gateways": 0})
        }
        ("prod", "eu-central-1", "rds") => {
            json!({"rds_instances": 1, "rds_instances_oracle": 0, "rds_instances_mysql": 1, "rds_instances_sqlserver": 0})
        }
        ("prod", "global", "s3") => json!({"s3_buckets": 1}),
        (_, _, "ec2") => {
            json!({"ec2_instances": 0, "ec2_instances_running": 0, "ec2_instances_running_windows": 0, "nat_gateways": 0})
        }
        (_, _, "rds") => {
            json!({"rds_instances": 0, "rds_instances_oracle": 0, "rds_instances_mysql": 0, "rds_instances_sqlserver": 0})
        }
        (_, _, "dynamodb") => {
            json!({"dynamodb_tables": 0, "dynamodb_tables_provisioned": 0, "dynamodb_tables_on_demand": 0})
        }
        (_, _, "lambda") => json!({"lambda_functions": 0}),
        (_, _, "s3") => json!({"s3_buckets": 0}),
        other => panic!("no expectation for {other:?}"),
    }
}

/// Asserts every cell of the named accounts, and that no other account has cells.
fn assert_accounts_exact(report: &Value, ids: &BTreeMap<String, String>, who: &[&str], services: &[&str]) {
    let mut want = 0;
    for name in who {
        let id = &ids[*name];
        for service in services {
            let regions: Vec<&str> = if *service == "s3" { vec!["global"] } else { REGIONS.to_vec() };
            for region in regions {
                let c = cell(report, id, region, service);
                assert_eq!(c["status"], "ok", "{name} {region} {service}: {c}");
                assert_eq!(c["metrics"], expected(name, region, service), "{name} {region} {service}");
                want += 1;
            }
        }
    }
    assert_eq!(report["cells"].as_array().unwrap().len(), want, "number of cells");
}

fn account_entry(id: &str, name: Option<&str>) -> Value {
    json!({"id": id, "name": name, "status": "ok", "error": null})
}

fn sorted_accounts(report: &Value) -> Vec<Value> {
    let mut accounts = report["accounts"].as_array().unwrap().clone();
    accounts.sort_by_key(|a| a["id"].as_str().unwrap_or_default().to_string());
    accounts
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|a| a["id"].as_str().unwrap_or_default().to_string());
    v
}

#[test]
fn org_scan_covers_every_active_account_exactly() {
    let moto = Moto::start();
    let ids = moto.seed(&org_estate());
    let regions = REGIONS.join(",");
    let services = SERVICES.join(",");

    let r = run(&moto, &["--org", "--regions", &regions, "--services", &services, "--format", "json"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let report = r.json();
    // The suspended account is not scanned; names come from Organizations.
    assert_eq!(
        sorted_accounts(&report),
        sorted(vec![
            account_entry(ACCOUNT, Some("master")),
            account_entry(&ids["dev"], Some("dev")),
            account_entry(&ids["prod"], Some("prod")),
        ])
    );
    assert_accounts_exact(&report, &ids, &["self", "dev", "prod"], &SERVICES);
    assert_eq!(report["totals"]["ec2_instances"], 4);
    assert_eq!(report["totals"]["ec2_instances_running_windows"], 1);
    assert_eq!(report["totals"]["dynamodb_tables_on_demand"], 2);
    assert_eq!(report["totals"]["lambda_functions"], 1);
    assert_eq!(report["totals"]["rds_instances_mysql"], 1);
    assert_eq!(report["totals"]["s3_buckets"], 4);

    // Names in the line formats too.
    let r = run(&moto, &["--org", "--regions", "us-east-1", "--services", "lambda", "--format", "csv"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let mut rows: Vec<&str> = r.stdout.lines().skip(1).collect();
    rows.sort();
    let mut want = vec![
        format!("{ACCOUNT},us-east-1,lambda,lambda_functions,0,ok,master"),
        format!("{},us-east-1,lambda,lambda_functions,1,ok,dev", ids["dev"]),
        format!("{},us-east-1,lambda,lambda_functions,0,ok,prod", ids["prod"]),
    ];
    want.sort();
    assert_eq!(rows, want);
    let r = run(&moto, &["--org", "--regions", "us-east-1", "--services", "lambda", "--format", "jsonl"]);
    let dev_line = r.stdout.lines().find(|l| l.contains(&ids["dev"])).expect("dev line");
    assert_eq!(serde_json::from_str::<Value>(dev_line).unwrap()["account_name"], "dev");

    // The table: a block per account and the per-account totals.
    let r = run(&moto, &["--org", "--regions", &regions, "--services", "ec2,s3"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stdout.contains(&format!("Account {} (dev)\n", ids["dev"])), "{}", r.stdout);
    assert!(r.stdout.contains("All 3 accounts\nACCOUNT "), "{}", r.stdout);
    let dev_total = r.stdout.lines().find(|l| l.starts_with(&format!("{} dev ", ids["dev"]))).expect("dev total");
    assert_eq!(dev_total.split_whitespace().skip(2).collect::<Vec<_>>(), ["2", "2", "0", "0", "2"]);
    let grand = r.stdout.lines().find(|l| l.starts_with("TOTAL ")).expect("grand total");
    assert_eq!(grand.split_whitespace().skip(1).collect::<Vec<_>>(), ["4", "4", "1", "0", "4"]);

    // Filters: keep some, drop some; an id outside the organization fails alone.
    let keep = format!("{},{}", ids["dev"], ids["prod"]);
    let r = run(&moto, &["--org", "--accounts", &keep, "--regions", &regions, "--services", "s3", "--format", "json"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_accounts_exact(&r.json(), &ids, &["dev", "prod"], &["s3"]);

    let r = run(&moto, &["--org", "--exclude-accounts", &ids["dev"], "--services", "s3", "--format", "json"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_accounts_exact(&r.json(), &ids, &["self", "prod"], &["s3"]);

    let odd = format!("{},999999999999,{}", ids["dev"], ids["old"]);
    let r = run(&moto, &["--org", "--accounts", &odd, "--services", "s3", "--format", "json"]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = r.json();
    let why = "not an active account of the organization";
    assert_eq!(
        sorted_accounts(&report),
        sorted(vec![
            account_entry(&ids["dev"], Some("dev")),
            json!({"id": "999999999999", "name": null, "status": "error", "error": why}),
            json!({"id": ids["old"], "name": null, "status": "error", "error": why}),
        ])
    );
    assert_accounts_exact(&report, &ids, &["dev"], &["s3"]);
}

/// A member whose role cannot be assumed is reported as denied; every other
/// account is still exact. Each member's role is assumed exactly once per run,
/// with the given role name, external id and a recognisable session name.
#[test]
fn one_account_failing_leaves_the_others_exact() {
    let moto = Moto::start();
    let ids = moto.seed(&org_estate());
    let proxy = Proxy::start(moto.port);
    let prod = ids["prod"].clone();
    proxy.set_rule(move |req| {
        let body = String::from_utf8_lossy(&req.body);
        if req.operation() == "AssumeRole" && body.contains(&prod) {
            let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                       <Message>not allowed by the test</Message></Error><RequestId>1</RequestId></ErrorResponse>";
            return Action::Respond(Response::new(403, "text/xml", xml));
        }
        Action::Forward
    });
    let args = [
        "--endpoint-url",
        &proxy.url(),
        "--org",
        "--role-name",
        "AuditRole",
        "--external-id",
        "ext-42",
        "--regions",
        "eu-west-1,us-east-1,eu-central-1",
        "--services",
        "ec2,rds,dynamodb,lambda,s3",
        "--format",
        "json",
    ];
    let r = run_raw(&args, &[]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = r.json();
    let denied =
        format!("cannot assume arn:aws:iam::{}:role/AuditRole: AccessDenied: not allowed by the test", ids["prod"]);
    assert_eq!(
        sorted_accounts(&report),
        sorted(vec![
            account_entry(ACCOUNT, Some("master")),
            account_entry(&ids["dev"], Some("dev")),
            json!({"id": ids["prod"], "name": "prod", "status": "denied", "error": denied}),
        ])
    );
    assert_accounts_exact(&report, &ids, &["self", "dev"], &SERVICES);

    let assumed: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.operation() == "AssumeRole")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(assumed.len(), 2, "one AssumeRole per member account: {assumed:?}");
    for body in &assumed {
        assert!(body.contains("RoleSessionName=awsummary"), "{body}");
        assert!(body.contains("ExternalId=ext-42"), "{body}");
        assert!(body.contains("role%2FAuditRole"), "{body}");
    }

    // The table names the failed account under the totals.
    let mut table_args = args.to_vec();
    table_args.truncate(table_args.len() - 2);
    let r = run_raw(&table_args, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(&format!("denied       account {}: {denied}\n", ids["prod"])), "{}", r.stdout);
}

/// Several profiles, two of them role_arn + source_profile: each resolves to its
/// account, the role assumption reaches the same endpoint as every other call
/// (set by the flag, by AWS_ENDPOINT_URL, or in the profiles), and two profiles
/// of one account scan it once.
#[test]
fn profiles_with_roles_scan_their_accounts() {
    let moto = Moto::start();
    let ids = moto.seed(&org_estate());
    let dir = tempdir();
    let role = |name: &str| format!("arn:aws:iam::{}:role/OrganizationAccountAccessRole", ids[name]);
    let profiles = |endpoint: &str| {
        format!(
            "[profile base]\nregion = us-east-1\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n{endpoint}\
             [profile base-again]\nregion = us-east-1\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n{endpoint}\
             [profile dev]\nregion = us-east-1\nrole_arn = {}\nsource_profile = base\n{endpoint}\
             [profile prod]\nregion = eu-central-1\nrole_arn = {}\nsource_profile = base\n{endpoint}",
            role("dev"),
            role("prod")
        )
    };
    let plain = dir.join("config");
    std::fs::write(&plain, profiles("")).unwrap();
    let with_endpoint = dir.join("config-endpoint");
    std::fs::write(&with_endpoint, profiles(&format!("endpoint_url = {}\n", moto.url()))).unwrap();
    let (plain, with_endpoint) = (plain.to_str().unwrap(), with_endpoint.to_str().unwrap());
    let url = moto.url();
    let common =
        ["--profile", "base,dev", "--profile", "prod,base-again", "--regions", "eu-central-1,eu-west-1,us-east-1"];
    let tail = ["--services", "ec2,rds,dynamodb,lambda,s3", "--format", "json"];
    let no_keys = [("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")];

    let flag: Vec<&str> = ["--endpoint-url", url.as_str()].iter().chain(&common).chain(&tail).copied().collect();
    let plain_only: Vec<&str> = common.iter().chain(&tail).copied().collect();
    let runs = [
        ("--endpoint-url", flag, vec![("AWS_CONFIG_FILE", plain)]),
        ("AWS_ENDPOINT_URL", plain_only.clone(), vec![("AWS_CONFIG_FILE", plain), ("AWS_ENDPOINT_URL", &url)]),
        ("endpoint_url in profiles", plain_only, vec![("AWS_CONFIG_FILE", with_endpoint)]),
    ];
    for (how, args, env) in runs {
        let env: Vec<(&str, &str)> = env.into_iter().chain(no_keys).collect();
        let r = run_raw(&args, &env);
        assert_eq!(r.code, 0, "{how}: stderr: {}", r.stderr);
        let report = r.json();
        assert_eq!(
            sorted_accounts(&report),
            sorted(vec![
                account_entry(ACCOUNT, None),
                account_entry(&ids["dev"], None),
                account_entry(&ids["prod"], None)
            ]),
            "{how}"
        );
        assert_accounts_exact(&report, &ids, &["self", "dev", "prod"], &SERVICES);
    }
    let _ = std::fs::remove_dir_all(dir);
}

//! The single-account overview (issue: core): exact counts for every cell in
//! every output format, region discovery, filters, exit statuses, bad input.

use serde_json::{json, Map, Value};

use crate::harness::{cell, run, run_raw, Moto, ACCOUNT, ENABLED_REGIONS};

const REGIONAL: [&str; 7] = ["ec2", "elbv2", "opensearch", "rds", "dynamodb", "cloudformation", "lambda"];

fn estate() -> Value {
    json!({"regions": {
        "eu-west-1": {"ec2_running": 2, "ec2_windows": 1, "ec2_stopped": 1, "ec2_terminated": 1,
                      "nat": 1, "nat_deleted": 1, "alb": 2, "nlb": 1, "gwlb": 1,
                      "opensearch": 1, "elasticsearch": 1,
                      "rds_mysql": 1, "rds_postgres": 1, "rds_oracle": 1, "rds_sqlserver": 2,
                      "ddb_provisioned": 2, "ddb_on_demand": 1, "stacks": 2, "stacks_deleted": 1,
                      "lambda": 3, "buckets": 2},
        // 105 tables: ListTables returns 100 a page, so this region takes two pages.
        "us-east-1": {"ec2_running": 1, "ddb_provisioned": 60, "ddb_on_demand": 45, "lambda": 1, "buckets": 1},
        "ap-southeast-2": {"ec2_windows": 1, "ec2_stopped": 2, "ec2_terminated": 1, "nlb": 1,
                           "rds_mysql": 1, "stacks": 1}
    }})
}

/// Every metric of a service, zero unless `set` says otherwise.
fn metrics(service: &str, set: &[(&str, u64)]) -> Value {
    let names: &[&str] = match service {
        "ec2" => &["ec2_instances", "ec2_instances_running", "ec2_instances_running_windows", "nat_gateways"],
        "elbv2" => &["elb_application", "elb_network", "elb_gateway"],
        "opensearch" => &["opensearch_domains"],
        "rds" => &["rds_instances", "rds_instances_oracle", "rds_instances_mysql", "rds_instances_sqlserver"],
        "dynamodb" => &["dynamodb_tables", "dynamodb_tables_provisioned", "dynamodb_tables_on_demand"],
        "cloudformation" => &["cloudformation_stacks"],
        "lambda" => &["lambda_functions"],
        "s3" => &["s3_buckets"],
        other => panic!("unknown service {other}"),
    };
    let mut m = Map::new();
    for n in names {
        assert!(set.iter().all(|(k, _)| names.contains(k)), "bad metric in {set:?}");
        let v = set.iter().find(|(k, _)| k == n).map_or(0, |(_, v)| *v);
        m.insert(n.to_string(), json!(v));
    }
    Value::Object(m)
}

/// What the estate above must produce, per (region, service); absent = all zero.
fn expected(region: &str, service: &str) -> Value {
    let set: &[(&str, u64)] = match (region, service) {
        ("eu-west-1", "ec2") => &[
            ("ec2_instances", 4),
            ("ec2_instances_running", 3),
            ("ec2_instances_running_windows", 1),
            ("nat_gateways", 1),
        ],
        ("eu-west-1", "elbv2") => &[("elb_application", 2), ("elb_network", 1), ("elb_gateway", 1)],
        ("eu-west-1", "opensearch") => &[("opensearch_domains", 2)],
        ("eu-west-1", "rds") => &[
            ("rds_instances", 5),
            ("rds_instances_oracle", 1),
            ("rds_instances_mysql", 1),
            ("rds_instances_sqlserver", 2),
        ],
        ("eu-west-1", "dynamodb") => {
            &[("dynamodb_tables", 3), ("dynamodb_tables_provisioned", 2), ("dynamodb_tables_on_demand", 1)]
        }
        ("eu-west-1", "cloudformation") => &[("cloudformation_stacks", 2)],
        ("eu-west-1", "lambda") => &[("lambda_functions", 3)],
        ("us-east-1", "ec2") => &[("ec2_instances", 1), ("ec2_instances_running", 1)],
        ("us-east-1", "dynamodb") => {
            &[("dynamodb_tables", 105), ("dynamodb_tables_provisioned", 60), ("dynamodb_tables_on_demand", 45)]
        }
        ("us-east-1", "lambda") => &[("lambda_functions", 1)],
        ("ap-southeast-2", "ec2") => {
            &[("ec2_instances", 3), ("ec2_instances_running", 1), ("ec2_instances_running_windows", 1)]
        }
        ("ap-southeast-2", "elbv2") => &[("elb_network", 1)],
        ("ap-southeast-2", "rds") => &[("rds_instances", 1), ("rds_instances_mysql", 1)],
        ("ap-southeast-2", "cloudformation") => &[("cloudformation_stacks", 1)],
        ("global", "s3") => &[("s3_buckets", 3)],
        _ => &[],
    };
    metrics(service, set)
}

fn expected_totals() -> Value {
    json!({
        "ec2_instances": 8, "ec2_instances_running": 5, "ec2_instances_running_windows": 2, "nat_gateways": 1,
        "elb_application": 2, "elb_network": 2, "elb_gateway": 1,
        "opensearch_domains": 2,
        "rds_instances": 6, "rds_instances_oracle": 1, "rds_instances_mysql": 2, "rds_instances_sqlserver": 2,
        "dynamodb_tables": 108, "dynamodb_tables_provisioned": 62, "dynamodb_tables_on_demand": 46,
        "cloudformation_stacks": 3, "lambda_functions": 4, "s3_buckets": 3
    })
}

fn ok_cell(region: &str, service: &str) -> Value {
    json!({"account": ACCOUNT, "region": region, "service": service, "status": "ok", "error": null,
           "metrics": expected(region, service)})
}

/// One seeded emulator serves every read-only check of the estate.
#[test]
fn whole_account_overview_is_exact_in_every_format() {
    let moto = Moto::start();
    let ids = moto.seed(&estate());
    assert_eq!(ids["self"], ACCOUNT);

    // JSON: every enabled commercial region, one cell per region and service.
    let r = run(&moto, &["--format", "json"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let report = r.json();
    assert_eq!(report["schema_version"], 1);
    assert!(report["generated_at"].as_str().unwrap().ends_with('Z'));
    assert!(report["duration_ms"].is_u64());
    assert_eq!(report["accounts"], json!([{"id": ACCOUNT, "name": null, "status": "ok", "error": null}]));
    assert_eq!(report["regions"], json!(ENABLED_REGIONS));
    let mut want = Vec::new();
    for region in ENABLED_REGIONS {
        for service in REGIONAL {
            want.push(ok_cell(region, service));
        }
    }
    want.push(ok_cell("global", "s3"));
    assert_cells(&report, &want);
    assert_eq!(report["totals"], expected_totals());
    // Metrics keep registry order, not alphabetical order.
    let totals_at = r.stdout.find("\"totals\"").unwrap();
    let tail = &r.stdout[totals_at..];
    assert!(tail.find("ec2_instances_running_windows").unwrap() < tail.find("nat_gateways").unwrap());
    assert!(tail.find("nat_gateways").unwrap() < tail.find("elb_application").unwrap());

    // JSON Lines: the same cells, one a line, then the totals.
    let r = run(&moto, &["--format", "jsonl", "--regions", "eu-west-1,us-east-1"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let lines: Vec<Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut want: Vec<Value> = Vec::new();
    for region in ["eu-west-1", "us-east-1"] {
        for service in REGIONAL {
            want.push(ok_cell(region, service));
        }
    }
    want.push(ok_cell("global", "s3"));
    for w in &mut want {
        w["account_name"] = Value::Null;
    }
    assert_eq!(lines.len(), want.len() + 1);
    assert_eq!(&lines[..want.len()], &want[..]);
    assert_eq!(lines.last().unwrap()["totals"]["dynamodb_tables"], 108);
    assert_eq!(lines.last().unwrap()["totals"]["ec2_instances"], 5);

    // CSV: one row per cell and metric.
    let r = run(&moto, &["--format", "csv", "--regions", "ap-southeast-2", "--services", "ec2,rds,s3"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        r.stdout,
        "account,region,service,metric,value,status,account_name\n\
         123456789012,ap-southeast-2,ec2,ec2_instances,3,ok,\n\
         123456789012,ap-southeast-2,ec2,ec2_instances_running,1,ok,\n\
         123456789012,ap-southeast-2,ec2,ec2_instances_running_windows,1,ok,\n\
         123456789012,ap-southeast-2,ec2,nat_gateways,0,ok,\n\
         123456789012,ap-southeast-2,rds,rds_instances,1,ok,\n\
         123456789012,ap-southeast-2,rds,rds_instances_oracle,0,ok,\n\
         123456789012,ap-southeast-2,rds,rds_instances_mysql,1,ok,\n\
         123456789012,ap-southeast-2,rds,rds_instances_sqlserver,0,ok,\n\
         123456789012,global,s3,s3_buckets,3,ok,\n"
    );

    // Table: rows only for regions with something, a total row, a legend.
    let r = run(&moto, &["--regions", "eu-west-1,us-east-1,ap-southeast-2,sa-east-1"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let table = mask_duration(&r.stdout);
    let expected_table = "\
Account 123456789012
REGION         EC2 RUN WIN NAT ALB NLB GWLB  OS RDS ORA MYSQL MSSQL DDB PROV ONDEM CFN LAMBDA  S3
ap-southeast-2   3   1   1   0   0   1    0   0   1   0     1     0   0    0     0   1      0
eu-west-1        4   3   1   1   2   1    1   2   5   1     1     2   3    2     1   2      3
us-east-1        1   1   0   0   0   0    0   0   0   0     0     0 105   60    45   0      1
global                                                                                          3
TOTAL            8   5   2   1   2   2    1   2   6   1     2     2 108   62    46   3      4   3
(1 more region with nothing)

EC2=EC2 instances not terminated, RUN=EC2 instances running, WIN=EC2 instances running Windows,
NAT=NAT gateways pending or available, ALB=Application Load Balancers, NLB=Network Load Balancers,
GWLB=Gateway Load Balancers, OS=OpenSearch Service domains, RDS=RDS DB instances, ORA=RDS DB instances running Oracle,
MYSQL=RDS DB instances running MySQL, MSSQL=RDS DB instances running SQL Server, DDB=DynamoDB tables,
PROV=DynamoDB tables in provisioned capacity mode, ONDEM=DynamoDB tables in on-demand capacity mode,
CFN=CloudFormation stacks not deleted, LAMBDA=Lambda functions, S3=S3 buckets.
Scanned 1 account, 4 regions, 8 services (29 cells) in X s: 29 ok.
";
    assert_eq!(table, expected_table, "table was:\n{table}");
    assert!(table.lines().all(|l| l.len() <= 120), "wider than 120 columns");

    // Filters: only the named regions and services; s3 stays one global cell.
    let r = run(&moto, &["--format", "json", "--regions", "eu-west-1,ap-southeast-2", "--services", "s3,ec2"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let report = r.json();
    assert_eq!(report["regions"], json!(["ap-southeast-2", "eu-west-1"]));
    assert_eq!(
        report["cells"],
        json!([ok_cell("ap-southeast-2", "ec2"), ok_cell("eu-west-1", "ec2"), ok_cell("global", "s3")])
    );
    assert_eq!(
        report["totals"],
        json!({"ec2_instances": 7, "ec2_instances_running": 4, "ec2_instances_running_windows": 2,
               "nat_gateways": 1, "s3_buckets": 3})
    );
    assert_eq!(cell(&report, ACCOUNT, "eu-west-1", "ec2")["metrics"]["ec2_instances_running_windows"], 1);
}

/// Compares cells one by one, so a failure names the first cell that differs.
fn assert_cells(report: &Value, want: &[Value]) {
    let got = report["cells"].as_array().expect("cells");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w, "cell {}/{}", w["region"], w["service"]);
    }
    assert_eq!(got.len(), want.len(), "number of cells");
}

fn mask_duration(table: &str) -> String {
    let (head, tail) = table.rsplit_once(" in ").expect("summary line");
    let (_, rest) = tail.split_once(" s:").expect("seconds");
    format!("{head} in X s:{rest}")
}

/// A region that exists but is not enabled for the account: its cells say so,
/// the exit status is 1, and `--ignore-errors unavailable` makes it 0.
#[test]
fn a_disabled_region_is_reported_not_scanned() {
    let moto = Moto::start();
    let r = run(&moto, &["--format", "json", "--regions", "ap-east-1,eu-west-1", "--services", "lambda"]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = r.json();
    assert_eq!(
        cell(&report, ACCOUNT, "ap-east-1", "lambda"),
        &json!({"account": ACCOUNT, "region": "ap-east-1", "service": "lambda", "status": "unavailable",
                "error": "region ap-east-1 is not enabled for this account",
                "metrics": {"lambda_functions": null}})
    );
    assert_eq!(cell(&report, ACCOUNT, "eu-west-1", "lambda")["status"], "ok");
    assert_eq!(report["totals"], json!({"lambda_functions": 0}));

    let r = run(
        &moto,
        &["--format", "csv", "--regions", "ap-east-1", "--services", "lambda", "--ignore-errors", "unavailable"],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        r.stdout,
        "account,region,service,metric,value,status,account_name\n123456789012,ap-east-1,lambda,lambda_functions,,unavailable,\n"
    );

    let r = run(&moto, &["--regions", "ap-east-1", "--services", "lambda,ec2"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains(
            "unavailable  123456789012 ap-east-1 all services: region ap-east-1 is not enabled for this account\n"
        ),
        "{}",
        r.stdout
    );
}

/// Every bad input: one line on stderr naming the problem and the choices, exit 2.
#[test]
fn bad_input_gets_one_line_and_exit_2() {
    let moto = Moto::start();
    let url = moto.url();
    let dir = tempdir();
    let config = dir.join("config");
    std::fs::write(&config, "[profile alpha]\nregion = eu-west-1\n[default]\nregion = us-east-1\n").unwrap();
    let config = config.to_str().unwrap();
    // (arguments, extra environment, what the one line must say)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--format", "xml"],
            vec![],
            "awsummary: invalid value 'xml' for '--format <FORMAT>' [possible values: table, json, jsonl, csv, prometheus, logrus]",
        ),
        (
            vec!["--services", "ec2,ecs"],
            vec![],
            "awsummary: invalid value 'ecs' for '--services <SERVICE>' [possible values: ec2, elbv2, opensearch, rds, dynamodb, cloudformation, lambda, s3] tip: a similar value exists: 'ec2'",
        ),
        (
            vec!["--regions", "eu-west"],
            vec![],
            "awsummary: invalid region name 'eu-west': expected a name such as eu-west-1 or us-east-1",
        ),
        (
            vec!["--endpoint-url", &url, "--regions", "xx-fake-1", "--services", "s3"],
            vec![],
            "awsummary: unknown region xx-fake-1 for account 123456789012; valid regions: af-south-1, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, ap-southeast-1, ap-southeast-2, ap-southeast-3, ca-central-1, eu-central-1, eu-north-1, eu-south-1, eu-west-1, eu-west-2, eu-west-3, sa-east-1, us-east-1, us-east-2, us-west-1, us-west-2",
        ),
        (
            vec!["--endpoint-url", &url, "--regions", "cn-north-1"],
            vec![],
            "awsummary: unknown region cn-north-1 for account 123456789012; valid regions: af-south-1, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, ap-southeast-1, ap-southeast-2, ap-southeast-3, ca-central-1, eu-central-1, eu-north-1, eu-south-1, eu-west-1, eu-west-2, eu-west-3, sa-east-1, us-east-1, us-east-2, us-west-1, us-west-2",
        ),
        (
            vec!["--concurrency", "0"],
            vec![],
            "awsummary: invalid value '0' for '--concurrency <N>': 0 is not in 1..=4096",
        ),
        (
            vec!["--timeout", "soon"],
            vec![],
            "awsummary: invalid value 'soon' for '--timeout <DURATION>': expected a duration such as 30s, 2m or 1h",
        ),
        (
            vec!["--endpoint-url", "localhost:4566"],
            vec![],
            "awsummary: invalid --endpoint-url 'localhost:4566': expected http://host[:port] or https://host[:port]",
        ),
        (
            vec!["--accounts", "1234"],
            vec![],
            "awsummary: invalid account id '1234': expected 12 digits such as 123456789012",
        ),
        (
            vec!["--profile", "beta"],
            vec![("AWS_CONFIG_FILE", config)],
            "awsummary: profile 'beta' (--profile) not found in the AWS config files; profiles: alpha, default",
        ),
        (
            vec!["--endpoint-url", &url],
            vec![("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")],
            "awsummary: no AWS credentials found: set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
        ),
        (vec!["--every", "1m"], vec![], "awsummary: --every needs --daemon"),
        (
            vec!["--daemon", "--format", "prometheus", "--listen", "127.0.0.1:9"],
            vec![],
            "awsummary: --daemon serves Prometheus metrics on http://127.0.0.1:9/metrics; its --format is for the scan log: table, json, jsonl, csv, logrus",
        ),
        (
            vec!["--daemon", "--listen", "localhost"],
            vec![],
            "awsummary: invalid value 'localhost' for '--listen <ADDR>': invalid socket address syntax",
        ),
        (
            vec!["--ignore-errors", "fine"],
            vec![],
            "awsummary: invalid value 'fine' for '--ignore-errors <STATUS>' [possible values: denied, unavailable, throttled, timeout, error]",
        ),
    ];
    for (args, env, want) in cases {
        let r = run_raw(&args, &env);
        assert_eq!((r.code, r.stderr.trim_end(), r.stdout.as_str()), (2, want, ""), "args {args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "args {args:?}");
        assert!(!r.stderr.contains("testing-secret"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

pub fn tempdir() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("awsummary-test-{}-{}", std::process::id(), crate::harness::free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// moto ignores Lambda's paging, so a proxy answers ListFunctions for one region
/// with three pages (50 + 50 + 7) in Lambda's own wire format; every other call
/// goes to the emulator. All 107 functions must be counted, asking for each page
/// with the marker the previous one returned.
#[test]
fn lambda_follows_every_page() {
    use crate::proxy::{Action, Proxy, Response};
    let moto = Moto::start();
    let proxy = Proxy::start(moto.port);
    proxy.set_rule(|req| {
        if req.service() != "lambda" || req.region() != "eu-west-1" {
            return Action::Forward;
        }
        let (range, next) = match req.query("Marker").as_deref() {
            None => (0..50, Some("page-2")),
            Some("page-2") => (50..100, Some("page-3")),
            Some("page-3") => (100..107, None),
            Some(other) => panic!("unexpected marker {other}"),
        };
        let functions: Vec<Value> = range.map(|i| json!({"FunctionName": format!("fn-{i}")})).collect();
        let body = json!({"Functions": functions, "NextMarker": next});
        Action::Respond(Response::new(200, "application/json", body.to_string()))
    });
    let r = crate::harness::run_raw(
        &[
            "--endpoint-url",
            &proxy.url(),
            "--format",
            "json",
            "--services",
            "lambda",
            "--regions",
            "eu-west-1,us-east-1",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let report = r.json();
    assert_eq!(cell(&report, ACCOUNT, "eu-west-1", "lambda")["metrics"], json!({"lambda_functions": 107}));
    assert_eq!(cell(&report, ACCOUNT, "us-east-1", "lambda")["metrics"], json!({"lambda_functions": 0}));
    let markers: Vec<Option<String>> = proxy
        .requests()
        .iter()
        .filter(|r| r.service() == "lambda" && r.region() == "eu-west-1")
        .map(|r| r.query("Marker"))
        .collect();
    assert_eq!(markers, vec![None, Some("page-2".into()), Some("page-3".into())]);
}

//! When AWS pushes back: throttling and server errors in each service's own
//! wire format, a denied region, a hung endpoint, an interrupt. Every `ok` cell
//! must stay exact; every other cell must say why; the run must end on time.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{bin, cell, Moto, Run, ACCOUNT};
use crate::proxy::{Action, Proxy, Request, Response};

const REGIONS: &str = "eu-west-1,us-east-1";

fn estate() -> Value {
    json!({"regions": {
        "eu-west-1": {"ec2_running": 2, "ec2_windows": 1, "nat": 1, "alb": 1, "opensearch": 1, "rds_oracle": 1,
                      "ddb_provisioned": 3, "ddb_on_demand": 2, "stacks": 1, "lambda": 2, "buckets": 2},
        "us-east-1": {"ec2_stopped": 1, "nlb": 1, "rds_mysql": 1, "ddb_on_demand": 1, "stacks": 2, "lambda": 1}
    }})
}

/// The exact metrics of every cell of the estate above.
fn expected() -> Vec<((&'static str, &'static str), Value)> {
    vec![
        (
            ("eu-west-1", "ec2"),
            json!({"ec2_instances": 3, "ec2_instances_running": 3, "ec2_instances_running_windows": 1, "nat_gateways": 1}),
        ),
        (("eu-west-1", "elbv2"), json!({"elb_application": 1, "elb_network": 0, "elb_gateway": 0})),
        (("eu-west-1", "opensearch"), json!({"opensearch_domains": 1})),
        (
            ("eu-west-1", "rds"),
            json!({"rds_instances": 1, "rds_instances_oracle": 1, "rds_instances_mysql": 0, "rds_instances_sqlserver": 0}),
        ),
        (
            ("eu-west-1", "dynamodb"),
            json!({"dynamodb_tables": 5, "dynamodb_tables_provisioned": 3, "dynamodb_tables_on_demand": 2}),
        ),
        (("eu-west-1", "cloudformation"), json!({"cloudformation_stacks": 1})),
        (("eu-west-1", "lambda"), json!({"lambda_functions": 2})),
        (
            ("us-east-1", "ec2"),
            json!({"ec2_instances": 1, "ec2_instances_running": 0, "ec2_instances_running_windows": 0, "nat_gateways": 0}),
        ),
        (("us-east-1", "elbv2"), json!({"elb_application": 0, "elb_network": 1, "elb_gateway": 0})),
        (("us-east-1", "opensearch"), json!({"opensearch_domains": 0})),
        (
            ("us-east-1", "rds"),
            json!({"rds_instances": 1, "rds_instances_oracle": 0, "rds_instances_mysql": 1, "rds_instances_sqlserver": 0}),
        ),
        (
            ("us-east-1", "dynamodb"),
            json!({"dynamodb_tables": 1, "dynamodb_tables_provisioned": 0, "dynamodb_tables_on_demand": 1}),
        ),
        (("us-east-1", "cloudformation"), json!({"cloudformation_stacks": 2})),
        (("us-east-1", "lambda"), json!({"lambda_functions": 1})),
        (("global", "s3"), json!({"s3_buckets": 2})),
    ]
}

/// Asserts the cells of `report`: exact where ok, and which ones are not ok.
fn assert_exact_except(report: &Value, failed: &[(&str, &str, &str)]) {
    let cells = report["cells"].as_array().unwrap();
    assert_eq!(cells.len(), expected().len(), "{report}");
    for ((region, service), metrics) in expected() {
        let c = cell(report, ACCOUNT, region, service);
        match failed.iter().find(|(r, s, _)| *r == region && *s == service) {
            Some((_, _, status)) => {
                assert_eq!(c["status"], *status, "{region}/{service}: {c}");
                assert!(c["error"].as_str().is_some_and(|e| !e.is_empty()), "{c}");
                assert!(c["metrics"].as_object().unwrap().values().all(Value::is_null), "{c}");
            }
            None => assert_eq!((&c["status"], &c["metrics"]), (&json!("ok"), &metrics), "{region}/{service}"),
        }
    }
}

/// An error in the wire format of the service the request was for.
fn aws_error(req: &Request, status: u16, code: &str, message: &str) -> Response {
    match req.service().as_str() {
        "ec2" => Response::new(
            status,
            "text/xml",
            format!("<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>p</RequestID></Response>"),
        ),
        "s3" => Response::new(
            status,
            "application/xml",
            format!("<Error><Code>{code}</Code><Message>{message}</Message><RequestId>p</RequestId></Error>"),
        ),
        "dynamodb" => Response::new(
            status,
            "application/x-amz-json-1.0",
            json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message}).to_string(),
        ),
        "organizations" => Response::new(
            status,
            "application/x-amz-json-1.1",
            json!({"__type": code, "message": message}).to_string(),
        ),
        "lambda" | "es" => {
            Response::new(status, "application/json", json!({"__type": code, "message": message}).to_string())
        }
        // elasticloadbalancing, rds, cloudformation, sts: the query protocol.
        _ => Response::new(
            status,
            "text/xml",
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>p</RequestId></ErrorResponse>"),
        ),
    }
}

/// Each service's own throttling answer.
fn throttle(req: &Request) -> Response {
    match req.service().as_str() {
        "ec2" => aws_error(req, 503, "RequestLimitExceeded", "Request limit exceeded."),
        "s3" => aws_error(req, 503, "SlowDown", "Please reduce your request rate."),
        "dynamodb" => aws_error(req, 400, "ThrottlingException", "Rate exceeded"),
        "lambda" | "es" => aws_error(req, 429, "TooManyRequestsException", "Rate exceeded"),
        _ => aws_error(req, 400, "Throttling", "Rate exceeded"),
    }
}

fn denied(req: &Request) -> Response {
    match req.service().as_str() {
        "ec2" => aws_error(req, 403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
        "dynamodb" => aws_error(req, 400, "AccessDeniedException", "explicit deny in a service control policy"),
        "lambda" | "es" => aws_error(req, 403, "AccessDeniedException", "explicit deny in a service control policy"),
        _ => aws_error(req, 403, "AccessDenied", "explicit deny in a service control policy"),
    }
}

fn scan(proxy: &Proxy, extra: &[&str]) -> (Run, Duration) {
    let started = Instant::now();
    let out = bin()
        .args(["--endpoint-url", &proxy.url(), "--regions", REGIONS, "--format", "json"])
        .args(extra)
        .output()
        .expect("run awsummary");
    (out.into(), started.elapsed())
}

/// A burst: the first two requests to each (region, service) are throttled, in
/// that service's wire format; adaptive retries get through and every count is
/// exact. Then 10% of all requests fail with a 500: still exact.
#[test]
fn throttling_and_server_errors_are_retried_to_exact_counts() {
    let moto = Moto::start();
    moto.seed(&estate());
    let proxy = Proxy::start(moto.port);

    let seen: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let throttled: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let (s, t) = (seen.clone(), throttled.clone());
    proxy.set_rule(move |req| {
        let key = format!("{} {}", req.region(), req.service());
        let mut seen = s.lock().unwrap();
        let n = seen.entry(key).or_default();
        *n += 1;
        if *n <= 2 {
            *t.lock().unwrap().entry(req.service()).or_default() += 1;
            return Action::Respond(throttle(req));
        }
        Action::Forward
    });
    let (r, took) = scan(&proxy, &[]);

    let report = r.json();
    let failed: Vec<&Value> = report["cells"].as_array().unwrap().iter().filter(|c| c["status"] != "ok").collect();
    assert_eq!(r.code, 0, "took {took:?}; stderr: {}; failed: {failed:?}", r.stderr);
    assert_exact_except(&r.json(), &[]);
    let throttled = throttled.lock().unwrap().clone();
    for service in ["sts", "ec2", "elasticloadbalancing", "es", "rds", "dynamodb", "cloudformation", "lambda", "s3"] {
        assert!(throttled.get(service).is_some_and(|n| *n >= 2), "{service} was not throttled: {throttled:?}");
    }

    // 10% of requests answer 500, chosen by a fixed pseudo-random sequence.
    let state = Arc::new(Mutex::new((0x2545_f491_4f6c_dd1du64, 0u32)));
    let st = state.clone();
    proxy.set_rule(move |req| {
        let mut s = st.lock().unwrap();
        s.0 ^= s.0 << 13;
        s.0 ^= s.0 >> 7;
        s.0 ^= s.0 << 17;
        if s.0.is_multiple_of(10) {
            s.1 += 1;
            return Action::Respond(aws_error(req, 500, "InternalError", "We encountered an internal error."));
        }
        Action::Forward
    });
    let (r, _) = scan(&proxy, &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_exact_except(&r.json(), &[]);
    assert!(state.lock().unwrap().1 >= 3, "too few 500s injected to mean anything");
}

/// A region denied by policy: its cells say `denied`, nothing else changes, the
/// table shows it as one line, and `--ignore-errors denied` makes the exit 0.
#[test]
fn a_denied_region_is_reported_and_the_rest_is_exact() {
    let moto = Moto::start();
    moto.seed(&estate());
    let proxy = Proxy::start(moto.port);
    proxy.set_rule(|req| if req.region() == "eu-west-1" { Action::Respond(denied(req)) } else { Action::Forward });

    let (r, _) = scan(&proxy, &[]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = r.json();
    let all: Vec<(&str, &str, &str)> = ["ec2", "elbv2", "opensearch", "rds", "dynamodb", "cloudformation", "lambda"]
        .into_iter()
        .map(|s| ("eu-west-1", s, "denied"))
        .collect();
    assert_exact_except(&report, &all);
    assert_eq!(
        cell(&report, ACCOUNT, "eu-west-1", "ec2")["error"],
        "UnauthorizedOperation: You are not authorized to perform this operation."
    );
    assert_eq!(
        cell(&report, ACCOUNT, "eu-west-1", "lambda")["error"],
        "AccessDeniedException: explicit deny in a service control policy"
    );
    // Totals are the sums of the ok cells only.
    assert_eq!(report["totals"]["rds_instances"], 1);
    assert_eq!(report["totals"]["s3_buckets"], 2);

    let (r, _) = scan(&proxy, &["--ignore-errors", "denied", "--format", "table"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let failed: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("denied")).collect();
    assert_eq!(
        failed,
        [format!("denied       {ACCOUNT} eu-west-1 all services: UnauthorizedOperation: You are not authorized to perform this operation.")]
    );
    let eu = r.stdout.lines().find(|l| l.starts_with("eu-west-1")).expect("eu-west-1 row");
    assert_eq!(eu.split_whitespace().skip(1).collect::<Vec<_>>(), ["!"; 18][..17]);
}

/// A service that never answers in one region ends as `timeout` at the cell
/// limit; the run ends on time and every other cell is exact.
#[test]
fn a_hung_endpoint_times_out_on_time() {
    let moto = Moto::start();
    moto.seed(&estate());
    let proxy = Proxy::start(moto.port);
    proxy.set_rule(|req| {
        if req.region() == "us-east-1" && req.service() == "dynamodb" {
            Action::Hang
        } else {
            Action::Forward
        }
    });
    let (r, took) = scan(&proxy, &["--timeout", "3s"]);
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report = r.json();
    assert_exact_except(&report, &[("us-east-1", "dynamodb", "timeout")]);
    assert!(took < Duration::from_secs(10), "the run took {took:?} with a 3 s cell limit");
}

/// Ctrl-C while a call hangs: the report of what finished is printed, the
/// unfinished cell is `cancelled`, and the exit status is 130.
#[test]
fn an_interrupt_prints_the_partial_report() {
    let moto = Moto::start();
    moto.seed(&estate());
    let proxy = Proxy::start(moto.port);
    proxy.set_rule(|req| {
        if req.region() == "us-east-1" && req.service() == "dynamodb" {
            Action::Hang
        } else {
            Action::Forward
        }
    });
    let child = bin()
        .args(["--endpoint-url", &proxy.url(), "--regions", REGIONS, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start awsummary");
    // Wait until every other cell has had its answer and the hung call is out.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let requests = proxy.requests();
        let hung = requests.iter().any(|r| r.region() == "us-east-1" && r.service() == "dynamodb");
        let s3 = requests.iter().any(|r| r.service() == "s3");
        if hung && s3 {
            break;
        }
        assert!(Instant::now() < deadline, "the scan never reached the hung call");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let r: Run = child.wait_with_output().expect("wait").into();
    assert_eq!(r.code, 130, "stderr: {}", r.stderr);
    let report = r.json();
    assert_exact_except(&report, &[("us-east-1", "dynamodb", "cancelled")]);
    assert_eq!(cell(&report, ACCOUNT, "us-east-1", "dynamodb")["error"], "scan interrupted");
}

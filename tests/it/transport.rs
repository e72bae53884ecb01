//! How awsummary uses the network: the order cells start in, one connection
//! pool for the whole process, and enough sockets for what is in flight.
//!
//! Every cell builds its own service client; were each to bring its own HTTP
//! client (the SDK's default), every cell would open a new connection, which
//! against real AWS is a TCP and TLS handshake per (account, region, service).

use serde_json::json;

use crate::harness::{bin, cell, Moto, Run, ACCOUNT};
use crate::proxy::{Action, Proxy};

/// One cell at a time over a whole account (20 regions, 141 cells).
///
/// The DynamoDB cells (two dependent round trips: list, then describe) start
/// before all others, so that the longest chains do not also start last.
///
/// Every request after the first rides a connection that an earlier cell opened.
/// At most 3 requests are ever in flight at once here (the 3 DescribeTable
/// calls of eu-west-1; EC2 lists instances and NAT gateways side by side), so
/// the pool needs 3 connections, plus at most one opened while a finished
/// response's connection was on its way back to the pool; a client per cell
/// would open at least one per cell, 141.
#[test]
fn cells_start_longest_chain_first_and_share_connections() {
    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ddb_provisioned": 2, "ddb_on_demand": 1, "ec2_running": 1}}}));
    let proxy = Proxy::start(moto.port);
    let run: Run = bin()
        .args(["--endpoint-url", &proxy.url(), "--concurrency", "1", "--format", "json"])
        .output()
        .expect("run awsummary")
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["cells"].as_array().unwrap().len(), 141);
    assert_eq!(report["totals"]["dynamodb_tables"], 3);
    assert_eq!(report["totals"]["ec2_instances"], 1);
    let ops: Vec<String> = proxy.requests().iter().map(|r| r.operation()).collect();
    let discovery = ["GetCallerIdentity", "DescribeRegions"];
    assert!(ops[..2].iter().all(|op| discovery.contains(&op.as_str())), "{:?}", &ops[..2]);
    let dynamodb: Vec<&str> =
        ops[2..].iter().map(String::as_str).take_while(|op| matches!(*op, "ListTables" | "DescribeTable")).collect();
    assert_eq!(dynamodb.iter().filter(|op| **op == "ListTables").count(), 20, "{ops:?}");
    assert_eq!(dynamodb.iter().filter(|op| **op == "DescribeTable").count(), 3, "{ops:?}");
    // Discovery 2; per region 8 (EC2 2, the other 6 services 1 each); 3 describes; ListBuckets 1.
    let requests = ops.len();
    assert_eq!(requests, 2 + 20 * 8 + 3 + 1, "{ops:?}");
    let connections = proxy.connections();
    assert!(connections <= 4, "{connections} connections for {requests} requests");
}

/// Scans 40 DynamoDB tables of eu-west-1, described side by side, each held
/// 300 ms by the proxy (as a far region would): 40 sockets at once. Started
/// with the open-file limit set to `soft` (and `hard`, when given). One
/// attempt per call, so that a retry after a lucky wait cannot hide a failure.
#[cfg(unix)]
fn scan_forty_tables(soft: u64, hard: Option<u64>) -> Run {
    use std::os::unix::process::CommandExt;

    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ddb_provisioned": 25, "ddb_on_demand": 15}}}));
    let proxy = Proxy::start(moto.port);
    proxy.set_rule(|req| {
        if req.operation() == "DescribeTable" {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        Action::Forward
    });
    let mut cmd = bin();
    cmd.args(["--endpoint-url", &proxy.url(), "--regions", "eu-west-1", "--services", "dynamodb"]).args([
        "--max-attempts",
        "1",
        "--format",
        "json",
    ]);
    // SAFETY: between fork and exec only getrlimit/setrlimit run, both async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 || limit.rlim_max < 256 {
                return Err(std::io::Error::other("need a hard open-file limit of at least 256"));
            }
            limit.rlim_cur = soft as libc::rlim_t;
            if let Some(hard) = hard {
                limit.rlim_max = hard as libc::rlim_t;
            }
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("run awsummary").into()
}

/// A soft limit of 32 under a roomy hard limit: awsummary raises it and counts
/// every table, where it used to fail the cell with "Too many open files".
#[cfg(unix)]
#[test]
fn a_low_open_file_limit_is_raised() {
    let run = scan_forty_tables(32, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["totals"]["dynamodb_tables"], 40, "{}", run.stdout);
    assert_eq!(report["totals"]["dynamodb_tables_provisioned"], 25);
    assert_eq!(report["totals"]["dynamodb_tables_on_demand"], 15);
}

/// With the hard limit at 32 too there is nothing to raise: the cell fails as
/// an `error` that says it ran out of sockets, not as an unreachable endpoint.
#[cfg(unix)]
#[test]
fn running_out_of_sockets_says_so() {
    let run = scan_forty_tables(32, Some(32));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let cell = cell(&report, ACCOUNT, "eu-west-1", "dynamodb");
    assert_eq!(cell["status"], "error", "{cell}");
    let error = cell["error"].as_str().unwrap();
    assert!(error.starts_with("out of sockets: raise `ulimit -n` or lower --concurrency: "), "{error}");
}

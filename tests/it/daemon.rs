//! Watch mode: the daemon against the emulator, scraped over HTTP, checked by
//! promtool and by a real Prometheus server; the one-shot monitoring formats.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::core::tempdir;
use crate::harness::{bin, free_port, run, Moto, ACCOUNT};

/// `GET path` on a loopback port: (status, body).
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Samples of an exposition, `name{labels}` -> value.
fn samples(exposition: &str) -> BTreeMap<String, f64> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').expect("sample line");
            (k.to_string(), v.parse().expect("sample value"))
        })
        .collect()
}

fn promtool_check(exposition: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus; scripts/test.sh installs it)");
    child.stdin.take().unwrap().write_all(exposition.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    fn start(endpoint: &str, extra: &[&str]) -> Daemon {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = bin()
            .args(["--endpoint-url", endpoint, "--daemon", "--listen", &listen])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start daemon");
        Daemon { child, port }
    }

    /// Waits until `awsummary_scans_total{result=...}` reaches `n`; returns that scrape.
    fn wait_scans(&self, result: &str, n: f64) -> BTreeMap<String, f64> {
        let key = format!("awsummary_scans_total{{result=\"{result}\"}}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((200, body)) = http_get(self.port, "/metrics") {
                let s = samples(&body);
                if s.get(&key).copied().unwrap_or(0.0) >= n {
                    return s;
                }
            }
            assert!(Instant::now() < deadline, "never saw {key} >= {n}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// SIGTERM; returns the exit code and how long the exit took.
    fn terminate(mut self) -> (i32, Duration) {
        let started = Instant::now();
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let deadline = started + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code().unwrap_or(-1), started.elapsed());
            }
            assert!(Instant::now() < deadline, "daemon did not stop within 10 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn gauge(s: &BTreeMap<String, f64>, name: &str, region: &str) -> f64 {
    let key = format!("awsummary_{name}{{account=\"{ACCOUNT}\",account_name=\"\",region=\"{region}\"}}");
    *s.get(&key).unwrap_or_else(|| panic!("no sample {key}"))
}

#[test]
fn daemon_serves_fresh_exact_metrics_and_stops_on_sigterm() {
    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ec2_running": 2, "buckets": 1}, "us-east-1": {"lambda": 1}}}));
    let dir = tempdir();
    let log = dir.join("scans.jsonl");
    let log_arg = log.to_str().unwrap();
    let d = Daemon::start(
        &moto.url(),
        &["--every", "1s", "--regions", "eu-west-1,us-east-1", "--services", "ec2,lambda,s3", "--log-file", log_arg],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get(d.port, "/healthz").map(|r| r.0) != Some(200) {
        assert!(Instant::now() < deadline, "/healthz never became 200");
        std::thread::sleep(Duration::from_millis(50));
    }

    let (_, body) = http_get(d.port, "/metrics").unwrap();
    promtool_check(&body);
    let first = samples(&body);
    assert_eq!(gauge(&first, "ec2_instances", "eu-west-1"), 2.0);
    assert_eq!(gauge(&first, "ec2_instances_running", "eu-west-1"), 2.0);
    assert_eq!(gauge(&first, "ec2_instances", "us-east-1"), 0.0);
    assert_eq!(gauge(&first, "lambda_functions", "us-east-1"), 1.0);
    assert_eq!(gauge(&first, "lambda_functions", "eu-west-1"), 0.0);
    assert_eq!(gauge(&first, "s3_buckets", "global"), 1.0);
    for (region, service) in
        [("eu-west-1", "ec2"), ("eu-west-1", "lambda"), ("us-east-1", "ec2"), ("us-east-1", "lambda"), ("global", "s3")]
    {
        let key = format!("awsummary_cell_up{{account=\"{ACCOUNT}\",region=\"{region}\",service=\"{service}\"}}");
        assert_eq!(first.get(&key), Some(&1.0), "{key}");
    }
    assert_eq!(first.get("awsummary_build_info{version=\"0.1.0\"}"), Some(&1.0));
    assert_eq!(first.get("awsummary_scans_total{result=\"failed\"}"), Some(&0.0));
    let ok_so_far = first["awsummary_scans_total{result=\"ok\"}"];
    assert!(ok_so_far >= 1.0);

    // Change the estate: the next scans show the new numbers, not a sum.
    moto.seed(&json!({"regions": {"eu-west-1": {"ec2_running": 3}}}));
    let second = d.wait_scans("ok", ok_so_far + 2.0);
    assert_eq!(gauge(&second, "ec2_instances", "eu-west-1"), 5.0);
    assert_eq!(gauge(&second, "lambda_functions", "us-east-1"), 1.0);
    assert_eq!(gauge(&second, "s3_buckets", "global"), 1.0);
    let third = d.wait_scans("ok", second["awsummary_scans_total{result=\"ok\"}"] + 2.0);
    let per_cell = |s: &BTreeMap<String, f64>| -> Vec<(String, f64)> {
        s.iter().filter(|(k, _)| k.contains("region=")).map(|(k, v)| (k.clone(), *v)).collect()
    };
    assert_eq!(per_cell(&second), per_cell(&third), "values changed without a change in the estate");

    let (code, took) = d.terminate();
    assert_eq!(code, 0);
    assert!(took < Duration::from_secs(5), "SIGTERM took {took:?}");

    // The scan log: one JSON Lines report per scan, ending with its totals.
    let text = std::fs::read_to_string(&log).unwrap();
    let totals: Vec<Value> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|v| v.get("totals").is_some()).collect();
    assert!(totals.len() >= 4, "{} scans logged", totals.len());
    assert_eq!(totals[0]["totals"]["ec2_instances"], 2);
    assert_eq!(totals.last().unwrap()["totals"]["ec2_instances"], 5);
    let _ = std::fs::remove_dir_all(dir);
}

/// A daemon whose scans all fail stays up, says so, and still exits 0 on SIGTERM.
#[test]
fn failed_scans_keep_the_daemon_alive() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let d = Daemon::start(
        &closed,
        &["--every", "200ms", "--regions", "eu-west-1", "--services", "s3", "--max-attempts", "1"],
    );
    let s = d.wait_scans("failed", 2.0);
    assert_eq!(s.get("awsummary_scans_total{result=\"ok\"}"), Some(&0.0));
    assert!(!s.keys().any(|k| k.starts_with("awsummary_s3_buckets")), "no counts from failed scans");
    assert_eq!(http_get(d.port, "/healthz").map(|r| r.0), Some(503));
    assert_eq!(d.terminate().0, 0);
}

/// A real Prometheus server scrapes the daemon and answers a query with the count.
#[test]
fn prometheus_scrapes_the_daemon() {
    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ec2_running": 2, "ec2_windows": 1}}}));
    let d = Daemon::start(&moto.url(), &["--every", "1s", "--regions", "eu-west-1", "--services", "ec2"]);
    let dir = tempdir();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: awsummary\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            d.port
        ),
    )
    .unwrap();
    let prom_port = free_port();
    let mut prom = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus (Debian package prometheus; scripts/test.sh installs it)");
    let query = "/api/v1/query?query=awsummary_ec2_instances_running%7Bregion%3D%22eu-west-1%22%7D";
    let deadline = Instant::now() + Duration::from_secs(90);
    let value = loop {
        if let Some((200, body)) = http_get(prom_port, query) {
            let v: Value = serde_json::from_str(&body).unwrap();
            if let Some(sample) = v["data"]["result"].as_array().and_then(|r| r.first()) {
                break sample.clone();
            }
        }
        assert!(Instant::now() < deadline, "Prometheus never returned the metric");
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = prom.kill();
    let _ = prom.wait();
    assert_eq!(value["metric"]["account"], ACCOUNT);
    assert_eq!(value["metric"]["job"], "awsummary");
    assert_eq!(value["value"][1], "3");
    let _ = std::fs::remove_dir_all(dir);
}

/// Many short cycles: resident memory after 80 scans is within a small margin
/// of what it was after 15, so nothing piles up from scan to scan.
#[test]
fn memory_stays_flat_over_many_cycles() {
    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ec2_running": 2, "ddb_on_demand": 3}}}));
    let d = Daemon::start(&moto.url(), &["--every", "10ms", "--regions", "eu-west-1", "--services", "ec2,dynamodb,s3"]);
    d.wait_scans("ok", 15.0);
    let early = d.rss_kib();
    let s = d.wait_scans("ok", 80.0);
    let late = d.rss_kib();
    assert_eq!(gauge(&s, "dynamodb_tables", "eu-west-1"), 3.0);
    assert!(late <= early + 2048, "RSS grew from {early} KiB to {late} KiB over 65 scans");
    assert_eq!(d.terminate().0, 0);
}

/// `--format prometheus` prints the same exposition once; `--format logrus` the
/// Go original's lines.
#[test]
fn one_shot_monitoring_formats() {
    let moto = Moto::start();
    moto.seed(&json!({"regions": {"eu-west-1": {"ec2_running": 1, "ec2_windows": 1, "nat": 1, "alb": 1,
                                                 "ddb_on_demand": 1, "lambda": 2, "buckets": 1}}}));
    let r = run(&moto, &["--regions", "eu-west-1,us-east-1", "--format", "prometheus"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    promtool_check(&r.stdout);
    let s = samples(&r.stdout);
    assert_eq!(gauge(&s, "ec2_instances_running_windows", "eu-west-1"), 1.0);
    assert_eq!(gauge(&s, "nat_gateways", "eu-west-1"), 1.0);
    assert_eq!(gauge(&s, "lambda_functions", "us-east-1"), 0.0);
    assert_eq!(s.get("awsummary_scans_total{result=\"ok\"}"), Some(&1.0));
    assert_eq!(s.keys().filter(|k| k.starts_with("awsummary_cell_up")).count(), 15);

    let r = run(&moto, &["--regions", "eu-west-1,us-east-1", "--format", "logrus"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            assert!(v["time"].as_str().unwrap().ends_with('Z'));
            v.as_object_mut().unwrap().remove("time");
            v
        })
        .collect();
    let a = ACCOUNT;
    let region = |msg: &str, fields: Value| {
        let mut v = json!({"Account": a, "Region": "eu-west-1", "level": "info", "msg": msg});
        v.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        v
    };
    assert_eq!(
        lines,
        vec![
            region("Region specific EC2 data", json!({"EC2": 2, "EC2Running": 2, "EC2RunningWindows": 1})),
            region("Region specific NatGW data", json!({"NatGW": 1})),
            region("Region specific ELB data", json!({"ALB": 1, "NLB": 0, "GLB": 0})),
            region("Region specific DynamoDB data", json!({"Tables": 1, "ReservedCapacity": 0, "OnDemandCapacity": 1})),
            region("Region specific Lambda data", json!({"Lambda": 2})),
            json!({"Account": a, "Region": "global", "S3Buckets": 1, "level": "info", "msg": "Region specific S3 data"}),
            json!({"Account": a, "EC2": 2, "EC2Running": 2, "EC2RunningWindows": 1, "NatGW": 1, "ALB": 1, "NLB": 0,
                   "GLB": 0, "ElasticsearchDomains": 0, "RDS": 0, "RDS_Oracle": 0, "RDS_MySQL": 0, "RDS_MSSQL": 0,
                   "Tables": 1, "ReservedCapacity": 0, "OnDemandCapacity": 1, "Stacks": 0, "Lambda": 2,
                   "S3Buckets": 1, "level": "info", "msg": "Account overview data"}),
        ]
    );
    // Keys are sorted, as Go's JSON encoder writes a logrus entry.
    let first = r.stdout.lines().next().unwrap();
    assert!(first.starts_with("{\"Account\":\"123456789012\",\"EC2\":2,\"EC2Running\":2,"), "{first}");
}

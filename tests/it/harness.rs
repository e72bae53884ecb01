//! Test harness: a moto server per test, a seeded estate, and runs of the binary.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The account moto gives the default credentials.
pub const ACCOUNT: &str = "123456789012";

/// Regions moto lists as enabled in the commercial partition (its DescribeRegions
/// also lists not-opted-in regions and cn-*/us-gov-* ones, which must be skipped).
pub const ENABLED_REGIONS: [&str; 20] = [
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> String {
    std::env::var("AWSUMMARY_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A moto server on a free loopback port, killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto server (pip install 'moto[server]')");
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto server did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Seeds an estate (see scripts/seed.py); returns account ids by name ("self", members).
    pub fn seed(&self, spec: &Value) -> BTreeMap<String, String> {
        let out = Command::new(python())
            .arg(repo_root().join("scripts/seed.py"))
            .args(["--endpoint", &self.url(), "--spec", &spec.to_string()])
            .envs(test_env())
            .output()
            .expect("run seed.py");
        assert!(out.status.success(), "seed failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("seed output")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A clean AWS environment: test credentials, a home region, no config files,
/// no instance metadata lookups.
pub fn test_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing-secret".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_CONFIG_FILE", "/nonexistent/awsummary-test-config".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awsummary-test-credentials".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// Variables a test run must not inherit from the developer's shell.
const SCRUBBED: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awsummary"));
    for var in SCRUBBED {
        cmd.env_remove(var);
    }
    cmd.envs(test_env());
    cmd
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs awsummary against `moto` with extra arguments.
pub fn run(moto: &Moto, args: &[&str]) -> Run {
    bin().args(["--endpoint-url", &moto.url()]).args(args).output().expect("run awsummary").into()
}

/// Runs awsummary with exactly these arguments and extra environment.
pub fn run_raw(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run awsummary").into()
}

/// Metrics of one cell of a JSON report, as name -> value.
pub fn cell<'a>(report: &'a Value, account: &str, region: &str, service: &str) -> &'a Value {
    report["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["account"] == account && c["region"] == region && c["service"] == service)
        .unwrap_or_else(|| panic!("no cell {account}/{region}/{service}"))
}

//! Scope: which accounts, and which regions of each, a scan covers.
//!
//! Each account gets one [`SdkConfig`]: credentials are resolved once per account
//! (one role session per account per run with `--org`), and every per-region
//! client of that account is built from it. Opt-in regions differ between
//! accounts, so every account discovers its own. All configurations share one
//! HTTP client ([`http_client`]): one connection pool and one TLS setup for the
//! whole process.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::status::{Failure, Status};

/// What every account's configuration shares.
#[derive(Clone, Debug)]
pub struct ConfigOptions {
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
    /// Per-attempt limit of one HTTP call.
    pub attempt_timeout: Duration,
}

/// Home region when the environment names none: discovery calls need one.
const FALLBACK_REGION: &str = "us-east-1";

/// Adaptive retries: exponential backoff with jitter, plus client-side rate
/// limiting once AWS throttles.
///
/// Retry Behavior 2.1 (what `AWS_NEW_RETRIES_2026=true` selects) rather than
/// the SDK's legacy default: the legacy adaptive mode folds a 10-token rate
/// limiter charge into the backoff of every throttled retry, which at the
/// limiter's floor of 0.5 tokens/s is a 20 s pause per retry; measured on the
/// fault-injection test, a scan with a burst of throttling took 70 s that way
/// and 11 s with 2.1. The setter is hidden in the SDK docs; Cargo.lock pins it.
fn retry_config(max_attempts: u32) -> RetryConfig {
    RetryConfig::adaptive().with_max_attempts(max_attempts).with_retry_spec(aws_smithy_types::retry::RetrySpec::v2_1())
}

/// The process's one HTTP client: the SDK's default (hyper 1, rustls, proxy
/// settings from the environment), built once.
///
/// Left to itself the SDK gives every service client its own default HTTP
/// client, each with its own connection pool; a cell is one service client, so
/// that was a new connection per (account, region, service), 120,000 at 1,000
/// accounts. Shared, connections to an endpoint are reused across cells,
/// accounts and, in the daemon, scans; requests are signed one by one, so a
/// connection carries no account's credentials.
pub fn http_client() -> SharedHttpClient {
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
    use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
    static CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let default =
                aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(BehaviorVersion::latest())
                    .and_then(|plugin| {
                        plugin.runtime_components(&RuntimeComponentsBuilder::new("awsummary")).http_client()
                    })
                    .expect("the SDK's default HTTPS client is compiled in (feature default-https-client)");
            SharedHttpClient::new(BuiltOnce(default))
        })
        .clone()
}

/// The shared client, minus the SDK's per-client warm-up.
///
/// The default client caches its connectors, but its
/// `validate_base_client_config` builds a throwaway one (TLS configuration
/// included: every system root certificate parsed again) each time a service
/// client is built with it, i.e. once per cell: a fifth of awsummary's CPU at
/// 100 accounts (bench/RESULTS.md). This wrapper passes everything else
/// through and skips that check: the connector is built once, on first use.
#[derive(Debug)]
struct BuiltOnce(SharedHttpClient);

impl HttpClient for BuiltOnce {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// Loads the standard AWS configuration chain for one profile (or the default).
pub async fn load_config(profile: Option<&str>, opts: &ConfigOptions) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(retry_config(opts.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(opts.attempt_timeout)
                .build(),
        );
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_some() {
        config
    } else {
        config.to_builder().region(Region::from_static(FALLBACK_REGION)).build()
    }
}

/// Reads the shared config and credentials files once, up front, so that an
/// unreadable or malformed file, or a profile that is not in them (named by
/// `--profile` or `AWS_PROFILE`), is one clear error instead of a failed scan.
pub async fn check_profiles(names: &[String]) -> Result<(), String> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let env = Env::real();
    // The SDK skips a file it cannot read as if it did not exist; a file that
    // is named and present but unreadable is a mistake worth saying.
    for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        if let Ok(path) = env.get(var) {
            if std::path::Path::new(&path).exists() {
                std::fs::read(&path).map_err(|e| format!("cannot read {var} {path}: {e}"))?;
            }
        }
    }
    let set = aws_config::profile::load(&Fs::real(), &env, &EnvConfigFiles::default(), None)
        .await
        .map_err(|e| format!("cannot read the AWS config files: {}", crate::status::chain(&e)))?;
    let from_env = env.get("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let wanted: Vec<(&str, &str)> = if names.is_empty() {
        from_env.iter().map(|p| (p.as_str(), "AWS_PROFILE")).collect()
    } else {
        names.iter().map(|p| (p.as_str(), "--profile")).collect()
    };
    let mut known: Vec<&str> = set.profiles().collect();
    known.sort_unstable();
    for (name, source) in wanted {
        // The default profile may live in environment variables alone.
        if set.get_profile(name).is_none() && !(name == "default" && source == "AWS_PROFILE") {
            let choices = if known.is_empty() { "none are defined".to_string() } else { known.join(", ") };
            return Err(format!("profile '{name}' ({source}) not found in the AWS config files; profiles: {choices}"));
        }
    }
    Ok(())
}

/// Who the credentials of a config belong to: account id and partition.
pub async fn identify(config: &SdkConfig) -> Result<(String, String), Failure> {
    let out = aws_sdk_sts::Client::new(config).get_caller_identity().send().await.map_err(no_credentials)?;
    let id = out.account().unwrap_or_default().to_string();
    let partition = out.arn().and_then(|arn| arn.split(':').nth(1)).unwrap_or("aws").to_string();
    Ok((id, partition))
}

/// Without credentials the SDK fails before sending; say so plainly.
fn no_credentials<E, R>(err: aws_sdk_sts::error::SdkError<E, R>) -> Failure
where
    Failure: From<aws_sdk_sts::error::SdkError<E, R>>,
{
    use aws_sdk_sts::error::SdkError;
    let before_sending = matches!(&err, SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_));
    let failure = Failure::from(err);
    if !before_sending {
        return failure;
    }
    if failure.message.contains("no credentials found") {
        Failure::new(
            Status::Denied,
            "no AWS credentials found: set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
        )
    } else if let Some((_, why)) = failure.message.split_once("loading credentials: ") {
        Failure::new(Status::Denied, format!("cannot load AWS credentials: {why}"))
    } else {
        failure
    }
}

/// The partition a region belongs to, from its name.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// Every region `DescribeRegions` lists for an account, with whether it is enabled.
#[derive(Debug, Default)]
pub struct DescribedRegions(Vec<(String, bool)>);

/// The regions of one account within its partition.
#[derive(Debug, Default)]
pub struct AccountRegions {
    /// Enabled for the account, sorted.
    pub enabled: Vec<String>,
    /// Every region of the partition, enabled or not, sorted.
    pub known: Vec<String>,
}

impl DescribedRegions {
    /// Keeps the regions of `partition`: a commercial account never scans `cn-*`
    /// or `us-gov-*`, even where an API (or an emulator) lists them.
    pub fn in_partition(&self, partition: &str) -> AccountRegions {
        let mut regions = AccountRegions::default();
        for (name, enabled) in self.0.iter().filter(|(name, _)| partition_of(name) == partition) {
            regions.known.push(name.clone());
            if *enabled {
                regions.enabled.push(name.clone());
            }
        }
        regions.enabled.sort();
        regions.known.sort();
        regions
    }
}

pub async fn describe_regions(config: &SdkConfig) -> Result<DescribedRegions, Failure> {
    let out = aws_sdk_ec2::Client::new(config).describe_regions().all_regions(true).send().await?;
    let regions = out
        .regions()
        .iter()
        .filter_map(|r| {
            let name = r.region_name()?.to_string();
            // Without an opt-in status (older APIs, emulators) a listed region is enabled.
            let enabled = matches!(r.opt_in_status(), None | Some("opt-in-not-required" | "opted-in"));
            Some((name, enabled))
        })
        .collect();
    Ok(DescribedRegions(regions))
}

/// A member account of the organization.
#[derive(Clone, Debug)]
pub struct OrgAccount {
    pub id: String,
    pub name: Option<String>,
    pub active: bool,
}

/// Every account of the caller's organization, following every page.
pub async fn list_org_accounts(config: &SdkConfig) -> Result<Vec<OrgAccount>, Failure> {
    let client = aws_sdk_organizations::Client::new(config);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        for account in page?.accounts() {
            accounts.push(OrgAccount {
                id: account.id().unwrap_or_default().to_string(),
                name: account.name().map(str::to_string),
                active: account
                    .state()
                    .map(|s| s.as_str() == "ACTIVE")
                    .unwrap_or_else(|| account.status().map(|s| s.as_str() == "ACTIVE").unwrap_or(false)),
            });
        }
    }
    Ok(accounts)
}

/// Assumes `role_name` in account `id` once and returns that account's config.
pub async fn assume_role(
    caller: &SdkConfig,
    partition: &str,
    id: &str,
    role_name: &str,
    external_id: Option<&str>,
) -> Result<SdkConfig, Failure> {
    let role_arn = format!("arn:{partition}:iam::{id}:role/{role_name}");
    let out = aws_sdk_sts::Client::new(caller)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("awsummary")
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|e| {
            let f = Failure::from(e);
            Failure::new(f.status, format!("cannot assume {role_arn}: {}", f.message))
        })?;
    let c = out
        .credentials()
        .ok_or_else(|| Failure::new(Status::Error, format!("AssumeRole into {role_arn} returned no credentials")))?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    let credentials = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "awsummary-assume-role",
    );
    Ok(caller.to_builder().credentials_provider(SharedCredentialsProvider::new(credentials)).build())
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn partitions() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("us-east-1"), "aws");
        assert_eq!(partition_of("us-iso-east-1"), "aws-iso");
    }
}

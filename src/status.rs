//! How a unit of work ended, and how an AWS SDK error maps onto that.
//!
//! Every cell (and every account's discovery) ends in exactly one [`Status`]. The
//! classification is done once, here, from the SDK's error value, so collectors
//! only ever write `?` and the reports can be trusted to say *why* a number is
//! missing: denied by IAM/SCP, not offered in that region, throttled past the
//! retry budget, timed out, or something else.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

/// The end state of a cell or an account. Names are part of every output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Denied,
    Unavailable,
    Throttled,
    Timeout,
    Error,
    Cancelled,
}

impl Status {
    /// Failure statuses a user may name in `--ignore-errors`, in report order.
    pub const FAILURES: [Status; 6] =
        [Status::Denied, Status::Unavailable, Status::Throttled, Status::Timeout, Status::Error, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Denied => "denied",
            Status::Unavailable => "unavailable",
            Status::Throttled => "throttled",
            Status::Timeout => "timeout",
            Status::Error => "error",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::FAILURES.into_iter().chain([Status::Ok]).find(|st| st.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed call, already classified: the status and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub status: Status,
    pub message: String,
}

impl Failure {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Failure { status, message: one_line(&message.into()) }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

/// Error codes AWS services use for "you may not do this".
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthFailure",
    "AuthorizationError",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "AccountProblem",
];

/// Error codes for "slow down": what adaptive retries give up on at the end.
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "BandwidthLimitExceeded",
    "ProvisionedThroughputExceededException",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
];

/// Error codes for "this service or region is not there for this account".
const UNAVAILABLE: &[&str] = &[
    "OptInRequired",
    "SubscriptionRequiredException",
    "InvalidAction",
    "UnknownOperationException",
    "UnsupportedOperation",
    "UnrecognizedServiceException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "AWSOrganizationsNotInUseException",
];

/// Classifies an error code (and the HTTP status where the code is missing).
pub fn classify_code(code: Option<&str>, http_status: Option<u16>) -> Status {
    match code {
        Some(c) if DENIED.contains(&c) => Status::Denied,
        Some(c) if THROTTLED.contains(&c) => Status::Throttled,
        Some(c) if UNAVAILABLE.contains(&c) => Status::Unavailable,
        Some(_) => Status::Error,
        None => match http_status {
            Some(401 | 403) => Status::Denied,
            Some(429) => Status::Throttled,
            Some(503) => Status::Unavailable,
            _ => Status::Error,
        },
    }
}

impl<E, R> From<SdkError<E, R>> for Failure
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + HttpStatus + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        match &err {
            SdkError::TimeoutError(_) => Failure::new(Status::Timeout, "request timed out"),
            SdkError::DispatchFailure(d) if d.is_timeout() => Failure::new(Status::Timeout, chain(&err)),
            SdkError::DispatchFailure(d) if d.is_io() => {
                let why = chain(&err);
                // EMFILE: a local limit, not the endpoint's fault.
                if why.contains("os error 24") {
                    Failure::new(
                        Status::Error,
                        format!("out of sockets: raise `ulimit -n` or lower --concurrency: {why}"),
                    )
                } else {
                    Failure::new(Status::Unavailable, format!("endpoint unreachable: {why}"))
                }
            }
            SdkError::ServiceError(s) => {
                let meta = s.err();
                let code = meta.code();
                let status = classify_code(code, s.raw().http_status());
                let msg = match (code, meta.message()) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c.to_string(),
                    (None, Some(m)) => m.to_string(),
                    (None, None) => format!("HTTP {}", s.raw().http_status().unwrap_or(0)),
                };
                Failure::new(status, msg)
            }
            SdkError::ResponseError(r) => {
                let status = classify_code(None, r.raw().http_status());
                Failure::new(status, chain(&err))
            }
            _ => Failure::new(Status::Error, chain(&err)),
        }
    }
}

/// The HTTP status of a raw response, where the SDK gives one.
pub trait HttpStatus {
    fn http_status(&self) -> Option<u16>;
}

impl HttpStatus for aws_sdk_sts::config::http::HttpResponse {
    fn http_status(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

/// An error and its sources as one line, `outer: inner: innermost`. Unlike the
/// SDK's `DisplayErrorContext` it never appends the `Debug` form, which holds
/// raw responses.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.last().is_some_and(|p| p.ends_with(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    one_line(&parts.join(": "))
}

/// Folds a message onto one line: reports, logs and tables are line-oriented.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_statuses() {
        assert_eq!(classify_code(Some("UnauthorizedOperation"), Some(403)), Status::Denied);
        assert_eq!(classify_code(Some("RequestLimitExceeded"), Some(503)), Status::Throttled);
        assert_eq!(classify_code(Some("SlowDown"), Some(503)), Status::Throttled);
        assert_eq!(classify_code(Some("OptInRequired"), Some(401)), Status::Unavailable);
        assert_eq!(classify_code(Some("ValidationError"), Some(400)), Status::Error);
        assert_eq!(classify_code(None, Some(403)), Status::Denied);
        assert_eq!(classify_code(None, Some(500)), Status::Error);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for st in Status::FAILURES.into_iter().chain([Status::Ok]) {
            assert_eq!(Status::parse(st.as_str()), Some(st));
        }
        assert_eq!(Status::parse("fine"), None);
    }

    #[test]
    fn messages_fold_onto_one_line() {
        assert_eq!(one_line(" a\n b\t\tc "), "a b c");
    }
}

//! The network phase: rules list URLs, a [`Checker`] answers once for each distinct one.
//!
//! [`http::HttpChecker`] asks the web (politely, safely) and [`cache::Cache`] remembers
//! successes; with the network off the engine runs no network phase at all.

pub mod cache;
pub mod http;
pub mod policy;

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Everything a check can conclude about one URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "kebab-case")]
pub enum UrlStatus {
    /// A 2xx answer with an image content type.
    Ok { content_type: String },
    /// A 2xx answer of `application/octet-stream` (or no type): probably an image.
    OkUntyped { content_type: String },
    /// 404 or 410.
    Gone { status: u16 },
    /// Another 4xx.
    ClientError { status: u16 },
    /// 5xx, still after the retries.
    ServerError { status: u16 },
    /// 429, still after waiting as `Retry-After` said.
    RateLimited,
    /// No answer in time, twice.
    Timeout,
    /// The host name does not resolve (while other hosts do).
    HostNotFound,
    /// The connection failed (refused, reset, TLS).
    ConnectionFailed { reason: String },
    /// A 2xx answer that is not an image (an HTML page: hotlink protection or a removed file).
    NotAnImage { content_type: String },
    /// More redirects than allowed, or a loop.
    RedirectLoop,
    /// Redirected permanently (301/308) to `to`; `then` is what `to` answered.
    Moved { to: String, then: Box<UrlStatus> },
    /// Not requested: a private, loopback or link-local address, credentials, or another scheme.
    Blocked { reason: String },
    /// Not checked this time (offline, cached mode, the network is down): never a finding.
    Unverified { reason: String },
}

impl UrlStatus {
    /// Success, which is what the cache keeps (failures are always checked again).
    pub fn is_success(&self) -> bool {
        match self {
            UrlStatus::Ok { .. } | UrlStatus::OkUntyped { .. } => true,
            UrlStatus::Moved { then, .. } => then.is_success(),
            _ => false,
        }
    }

    /// A failure that says more about our connectivity than about the URL.
    pub fn is_connectivity(&self) -> bool {
        matches!(
            self,
            UrlStatus::HostNotFound | UrlStatus::ConnectionFailed { .. } | UrlStatus::Timeout
        )
    }
}

/// Answers for a batch of distinct URLs.
pub trait Checker: Sync {
    fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus>;
}

/// What a run of the checker did, for the summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub checked: usize,
    pub from_cache: usize,
    pub failed: usize,
    pub unverified: usize,
    pub elapsed: Duration,
    /// Set when every host failed to resolve or connect: one notice instead of N findings.
    pub network_unavailable: bool,
}

impl Stats {
    /// `12 image URLs: 9 from cache, 3 checked (1 failed) in 0.4 s`.
    pub fn summary(&self) -> String {
        let total = self.checked + self.from_cache;
        let mut text = format!(
            "{total} URL{}: {} from cache, {} checked",
            if total == 1 { "" } else { "s" },
            self.from_cache,
            self.checked
        );
        if self.failed > 0 {
            text.push_str(&format!(" ({} failed)", self.failed));
        }
        if self.unverified > 0 {
            text.push_str(&format!(", {} not verified", self.unverified));
        }
        text.push_str(&format!(" in {:.1} s", self.elapsed.as_secs_f64()));
        text
    }
}

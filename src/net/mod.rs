//! The network phase's interface: rules list URLs, a [`Checker`] answers for each distinct one.
//!
//! The HTTP checker (cache, politeness, safety policy) arrives with the network issue; here
//! is the contract it fulfils and the offline checker used when the network is off.

use std::collections::HashMap;

/// What a checker learned about one URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlStatus {
    /// Served what was asked for.
    Ok,
    /// Answered, but not with success; `reason` says how (`404 Not Found`, `serves an HTML page`).
    Failed { reason: String },
    /// Could not be verified this time (offline, rate-limited, timed out): never an error.
    Unverified { reason: String },
}

/// Answers for a batch of distinct URLs.
pub trait Checker: Sync {
    fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus>;
}

/// Used with `--offline`: every URL is unverified and nothing is sent.
pub struct Offline;

impl Checker for Offline {
    fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus> {
        urls.iter()
            .map(|u| {
                (
                    u.clone(),
                    UrlStatus::Unverified {
                        reason: "offline".into(),
                    },
                )
            })
            .collect()
    }
}

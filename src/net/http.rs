//! The HTTP checker: HEAD (then a one-byte GET), redirects followed hop by hop under the address
//! policy, retries with backoff, `Retry-After`, per-host and global concurrency limits.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;
use ureq::Agent;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::policy;
use super::{Checker, Stats, UrlStatus};

/// How the checker behaves (`[network]` in postlint.toml and the command line).
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// For one request, headers and the little body read.
    pub timeout: Duration,
    pub retries: u32,
    /// First wait before retrying a 5xx; doubled each time.
    pub retry_backoff: Duration,
    pub concurrency: usize,
    pub per_host: usize,
    /// Least time between two requests to one host.
    pub host_interval: Duration,
    pub user_agent: String,
    /// Extra headers by host (a `Referer` a CDN wants).
    pub headers: HashMap<String, Vec<(String, String)>>,
    /// Statuses counted as success besides 2xx.
    pub accept_status: Vec<u16>,
    /// URLs never requested.
    pub exclude: Vec<Regex>,
    pub allow_private: bool,
    pub max_redirects: usize,
    /// Longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
    /// The whole network phase; URLs not reached by then are unverified.
    pub budget: Duration,
    /// Host names pinned to an address (and port), like curl's `--resolve`; pinned addresses are trusted.
    pub resolve: HashMap<String, Pinned>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            retries: 2,
            retry_backoff: Duration::from_millis(500),
            concurrency: 32,
            per_host: 8,
            host_interval: Duration::ZERO,
            user_agent: format!("postlint/{}", env!("CARGO_PKG_VERSION")),
            headers: HashMap::new(),
            accept_status: Vec::new(),
            exclude: Vec::new(),
            allow_private: false,
            max_redirects: 5,
            retry_after_cap: Duration::from_secs(30),
            budget: Duration::from_secs(120),
            resolve: HashMap::new(),
        }
    }
}

/// A pinned address: an IP, with the port of the URL unless one is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pinned {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl std::str::FromStr for Pinned {
    type Err = std::net::AddrParseError;

    fn from_str(s: &str) -> Result<Pinned, Self::Err> {
        match s.parse::<SocketAddr>() {
            Ok(addr) => Ok(Pinned {
                ip: addr.ip(),
                port: Some(addr.port()),
            }),
            Err(_) => Ok(Pinned {
                ip: s.trim_start_matches('[').trim_end_matches(']').parse()?,
                port: None,
            }),
        }
    }
}

/// Bytes read of a GET body at most: the status and headers are what matter.
const BODY_LIMIT: u64 = 4096;

/// Resolves host names and refuses addresses the policy blocks, on every connection.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
    pinned: HashMap<String, Pinned>,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Some(pinned) = self.pinned.get(host) {
            let default_port = if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            };
            let port = pinned
                .port
                .unwrap_or_else(|| uri.port_u16().unwrap_or(default_port));
            let mut addrs = DefaultResolver::default().empty();
            addrs.push(SocketAddr::new(pinned.ip, port));
            return Ok(addrs);
        }
        let addrs = DefaultResolver::default()
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Io(_) => ureq::Error::HostNotFound,
                other => other,
            })?;
        if !self.allow_private
            && let Some(reason) = addrs.iter().find_map(|a| policy::blocked(a.ip()))
        {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                reason,
            )));
        }
        Ok(addrs)
    }
}

/// Requests to one host in flight, and when the last one started.
#[derive(Default)]
struct HostSlots {
    state: Mutex<HashMap<String, (usize, Option<Instant>)>>,
    freed: Condvar,
}

impl HostSlots {
    fn acquire(&self, host: &str, limit: usize, interval: Duration) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (in_flight, last) = state.entry(host.to_owned()).or_default();
            let wait = last
                .map(|l| interval.saturating_sub(l.elapsed()))
                .unwrap_or_default();
            if *in_flight < limit && wait.is_zero() {
                *in_flight += 1;
                *last = Some(Instant::now());
                return;
            }
            let timeout = if wait.is_zero() {
                Duration::from_millis(50)
            } else {
                wait
            };
            state = self
                .freed
                .wait_timeout(state, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn release(&self, host: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((in_flight, _)) = state.get_mut(host) {
            *in_flight = in_flight.saturating_sub(1);
        }
        self.freed.notify_all();
    }
}

/// One answer: status, content type, and where a redirect points.
struct Answer {
    status: u16,
    content_type: String,
    location: Option<String>,
    retry_after: Option<Duration>,
}

pub struct HttpChecker {
    /// Show a progress bar on standard error (set by the command line on a terminal).
    pub progress: bool,
    agent: Agent,
    options: HttpOptions,
    slots: HostSlots,
    requests: AtomicUsize,
    stats: Mutex<Stats>,
}

impl HttpChecker {
    pub fn new(options: HttpOptions) -> HttpChecker {
        let config: Config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.timeout))
            .user_agent(options.user_agent.as_str())
            .max_idle_connections_per_host(options.per_host.max(1))
            .build();
        let resolver = GuardedResolver {
            allow_private: options.allow_private,
            pinned: options.resolve.clone(),
        };
        let agent = Agent::with_parts(config, DefaultConnector::new(), resolver);
        HttpChecker {
            progress: false,
            agent,
            options,
            slots: HostSlots::default(),
            requests: AtomicUsize::new(0),
            stats: Mutex::new(Stats::default()),
        }
    }

    /// What the last `check` did.
    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Requests sent so far (every attempt and hop).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn check_one(&self, url: &str, deadline: Instant) -> UrlStatus {
        let Ok(parsed) = url::Url::parse(url) else {
            return UrlStatus::Blocked {
                reason: "not a valid URL".into(),
            };
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return UrlStatus::Blocked {
                reason: format!("`{}:` is not http or https", parsed.scheme()),
            };
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return UrlStatus::Blocked {
                reason: "the URL holds credentials".into(),
            };
        }
        let mut current = parsed;
        let mut seen = BTreeSet::from([current.to_string()]);
        // Set while every hop so far was permanent: the URL to write instead.
        let mut moved: Option<String> = None;
        let mut all_permanent = true;
        for _ in 0..=self.options.max_redirects {
            if Instant::now() > deadline {
                return UrlStatus::Unverified {
                    reason: "time budget spent".into(),
                };
            }
            let answer = match self.request_with_retries(current.as_str(), deadline) {
                Ok(answer) => answer,
                Err(status) => return wrap(moved, status),
            };
            if (300..400).contains(&answer.status)
                && let Some(location) = &answer.location
            {
                let Ok(next) = current.join(location) else {
                    return wrap(
                        moved,
                        UrlStatus::ConnectionFailed {
                            reason: format!("bad redirect to `{location}`"),
                        },
                    );
                };
                if !matches!(next.scheme(), "http" | "https") {
                    return wrap(
                        moved,
                        UrlStatus::Blocked {
                            reason: format!("redirects to `{}:`", next.scheme()),
                        },
                    );
                }
                if !seen.insert(next.to_string()) {
                    return wrap(moved, UrlStatus::RedirectLoop);
                }
                all_permanent &= matches!(answer.status, 301 | 308);
                moved = all_permanent.then(|| next.to_string());
                current = next;
                continue;
            }
            return wrap(moved, self.classify(&answer));
        }
        wrap(moved, UrlStatus::RedirectLoop)
    }

    fn classify(&self, answer: &Answer) -> UrlStatus {
        let status = answer.status;
        if (200..300).contains(&status) || self.options.accept_status.contains(&status) {
            let content_type = answer.content_type.clone();
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            return if essence.starts_with("image/") {
                UrlStatus::Ok { content_type }
            } else if essence.is_empty()
                || essence == "application/octet-stream"
                || essence == "binary/octet-stream"
            {
                UrlStatus::OkUntyped { content_type }
            } else {
                UrlStatus::NotAnImage { content_type }
            };
        }
        match status {
            404 | 410 => UrlStatus::Gone { status },
            429 => UrlStatus::RateLimited,
            400..=499 => UrlStatus::ClientError { status },
            _ => UrlStatus::ServerError { status },
        }
    }

    fn request_with_retries(&self, url: &str, deadline: Instant) -> Result<Answer, UrlStatus> {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let mut attempt = 0;
        let mut timeouts = 0;
        loop {
            self.slots.acquire(
                &host,
                self.options.per_host.max(1),
                self.options.host_interval,
            );
            let result = self.head_or_get(url, &host);
            self.slots.release(&host);
            let wait = match &result {
                Ok(a) if a.status >= 500 && attempt < self.options.retries => {
                    self.options.retry_backoff * 2u32.pow(attempt)
                }
                Ok(a) if a.status == 429 && attempt < self.options.retries => a
                    .retry_after
                    .unwrap_or(self.options.retry_backoff)
                    .min(self.options.retry_after_cap),
                Err(UrlStatus::Timeout) if timeouts == 0 => {
                    timeouts += 1;
                    Duration::ZERO
                }
                _ => return result,
            };
            if Instant::now() + wait > deadline {
                return result;
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// HEAD, or a one-byte GET when the server refuses HEAD.
    fn head_or_get(&self, url: &str, host: &str) -> Result<Answer, UrlStatus> {
        let extra = self.options.headers.get(host).cloned().unwrap_or_default();
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut head = self.agent.head(url);
        for (name, value) in &extra {
            head = head.header(name, value);
        }
        match head.call() {
            Ok(response) if !matches!(response.status().as_u16(), 403 | 405 | 501) => {
                return Ok(answer(&response));
            }
            Ok(_) => {}
            Err(e) if !is_closed(&e) => return Err(error_status(e)),
            Err(_) => {}
        }
        let get = || {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let mut get = self.agent.get(url).header("Range", "bytes=0-0");
            for (name, value) in &extra {
                get = get.header(name, value);
            }
            get.call()
        };
        // The GET may go out on a kept-alive connection (the one HEAD used) that the server
        // closes right after answering without saying so; like curl, send it once more: the
        // dead connection is dropped, so the retry takes another one or opens a new one.
        let result = match get() {
            Err(e) if is_hung_up(&e) => get(),
            result => result,
        };
        match result {
            Ok(mut response) => {
                let answer = answer(&response);
                // Read a little so the connection can be reused; never the whole body.
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(BODY_LIMIT)
                    .read_to_vec();
                Ok(answer)
            }
            Err(e) => Err(error_status(e)),
        }
    }
}

fn wrap(moved: Option<String>, status: UrlStatus) -> UrlStatus {
    match moved {
        Some(to) => UrlStatus::Moved {
            to,
            then: Box::new(status),
        },
        None => status,
    }
}

fn answer<B>(response: &ureq::http::Response<B>) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: response.status().as_u16(),
        content_type: header("content-type").unwrap_or_default(),
        location: header("location"),
        retry_after: header("retry-after").and_then(|v| retry_after(&v)),
    }
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value.trim()).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::from_secs(wait.as_secs().max(0) as u64))
}

/// A connection the server closed on HEAD: some servers do that instead of answering 405.
fn is_closed(e: &ureq::Error) -> bool {
    is_hung_up(e) || matches!(e, ureq::Error::Protocol(_))
}

/// The server hung up before answering.
fn is_hung_up(e: &ureq::Error) -> bool {
    matches!(e, ureq::Error::Io(io) if matches!(io.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionAborted))
}

fn error_status(e: ureq::Error) -> UrlStatus {
    match e {
        ureq::Error::Timeout(_) => UrlStatus::Timeout,
        ureq::Error::HostNotFound => UrlStatus::HostNotFound,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => UrlStatus::Blocked {
            reason: io.to_string(),
        },
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => UrlStatus::Timeout,
        ureq::Error::Io(io) => UrlStatus::ConnectionFailed {
            reason: io.to_string(),
        },
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => UrlStatus::RedirectLoop,
        other => UrlStatus::ConnectionFailed {
            reason: other.to_string(),
        },
    }
}

impl Checker for HttpChecker {
    fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus> {
        let start = Instant::now();
        let deadline = start + self.options.budget;
        // Excluded URLs are neither requested nor counted.
        let (excluded, urls): (Vec<&String>, Vec<&String>) = urls
            .iter()
            .partition(|u| self.options.exclude.iter().any(|r| r.is_match(u)));
        let next = AtomicUsize::new(0);
        let results: Mutex<HashMap<String, UrlStatus>> = Mutex::new(HashMap::new());
        let workers = self.options.concurrency.max(1).min(urls.len());
        // A handful of URLs finish before a bar would be worth drawing.
        let bar = (self.progress && urls.len() > 8).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(urls.len() as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_message("checking image URLs");
            bar
        });
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(url) = urls.get(i) else { break };
                        let status = self.check_one(url, deadline);
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert((*url).clone(), status);
                        if let Some(bar) = &bar {
                            bar.inc(1);
                        }
                    }
                });
            }
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        let network_unavailable =
            !results.is_empty() && results.values().all(UrlStatus::is_connectivity);
        if network_unavailable {
            for status in results.values_mut() {
                *status = UrlStatus::Unverified {
                    reason: "network unavailable".into(),
                };
            }
        }
        let checked = results.len();
        results.extend(excluded.into_iter().map(|u| {
            (
                u.clone(),
                UrlStatus::Unverified {
                    reason: "excluded".into(),
                },
            )
        }));
        let failed = results
            .values()
            .filter(|s| {
                !s.is_success()
                    && !matches!(s, UrlStatus::Unverified { .. } | UrlStatus::Blocked { .. })
            })
            .count();
        let unverified = results
            .values()
            .filter(|s| matches!(s, UrlStatus::Unverified { reason } if reason != "excluded"))
            .count();
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = Stats {
            checked,
            from_cache: 0,
            failed,
            unverified,
            elapsed: start.elapsed(),
            network_unavailable,
        };
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_other_schemes_are_never_requested() {
        let checker = HttpChecker::new(HttpOptions::default());
        let urls = [
            "https://user:secret@images.example/a.png".to_owned(),
            "ftp://images.example/a.png".to_owned(),
        ];
        let results = checker.check(&urls);
        assert_eq!(
            results[&urls[0]],
            UrlStatus::Blocked {
                reason: "the URL holds credentials".into()
            }
        );
        assert_eq!(
            results[&urls[1]],
            UrlStatus::Blocked {
                reason: "`ftp:` is not http or https".into()
            }
        );
        assert_eq!(checker.requests(), 0);
    }

    #[test]
    fn transport_errors_map_to_classes() {
        // A name that does not resolve cannot be tested on loopback without DNS: check the mapping.
        assert_eq!(
            error_status(ureq::Error::HostNotFound),
            UrlStatus::HostNotFound
        );
        assert_eq!(
            error_status(ureq::Error::Io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "private address"
            ))),
            UrlStatus::Blocked {
                reason: "private address".into()
            }
        );
        assert_eq!(
            error_status(ureq::Error::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                "slow"
            ))),
            UrlStatus::Timeout
        );
        assert!(matches!(
            error_status(ureq::Error::Io(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "refused"
            ))),
            UrlStatus::ConnectionFailed { .. }
        ));
        assert_eq!(
            error_status(ureq::Error::TooManyRedirects),
            UrlStatus::RedirectLoop
        );
    }

    #[test]
    fn retry_after_in_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}

//! The on-disk cache of URL results: successes only, for a TTL; atomic writes; corrupt files ignored.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Checker, Stats, UrlStatus};

/// The cache file inside the cache folder.
const FILE_NAME: &str = "urls.json";
/// Bumped when the format changes: an old file is then ignored.
const VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    status: UrlStatus,
    /// Unix seconds.
    checked_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

pub struct Cache {
    path: PathBuf,
    ttl: Duration,
    entries: Mutex<BTreeMap<String, Entry>>,
    /// URLs stored in this run, written back by `save`.
    fresh: Mutex<BTreeMap<String, Entry>>,
}

/// The cache key: the URL as `url` normalises it (host case, default ports, escapes).
pub fn key(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.to_string())
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Cache {
    /// Opens the cache in `dir`; a missing file is an empty cache, a corrupt one too (with a warning).
    pub fn open(dir: &Path, ttl: Duration) -> (Cache, Option<String>) {
        let path = dir.join(FILE_NAME);
        let (entries, warning) = match crate::cache_dir::read(dir, FILE_NAME) {
            None => (BTreeMap::new(), None),
            Some(bytes) => match serde_json::from_slice::<File>(&bytes) {
                Ok(file) if file.version == VERSION => (file.entries, None),
                Ok(_) => (BTreeMap::new(), None),
                Err(e) => (
                    BTreeMap::new(),
                    Some(format!(
                        "{}: unreadable cache ignored and rebuilt ({e})",
                        path.display()
                    )),
                ),
            },
        };
        (
            Cache {
                path,
                ttl,
                entries: Mutex::new(entries),
                fresh: Mutex::new(BTreeMap::new()),
            },
            warning,
        )
    }

    /// A success checked within the TTL.
    pub fn get(&self, url: &str) -> Option<UrlStatus> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(&key(url))?;
        let age = now().saturating_sub(entry.checked_at);
        (entry.status.is_success() && age >= 0 && (age as u64) < self.ttl.as_secs())
            .then(|| entry.status.clone())
    }

    /// Remembers a success; failures are never cached, so they are checked again next time.
    pub fn put(&self, url: &str, status: &UrlStatus) {
        if !status.is_success() {
            return;
        }
        let entry = Entry {
            status: status.clone(),
            checked_at: now(),
        };
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key(url), entry.clone());
        self.fresh
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key(url), entry);
    }

    /// Writes this run's results, merged with what another run may have written meanwhile,
    /// through a temporary file and a rename: a reader never sees half a file.
    pub fn save(&self) -> std::io::Result<()> {
        let fresh = self.fresh.lock().unwrap_or_else(|e| e.into_inner());
        if fresh.is_empty() {
            return Ok(());
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut file = crate::cache_dir::read(dir, FILE_NAME)
            .and_then(|b| serde_json::from_slice::<File>(&b).ok())
            .filter(|f| f.version == VERSION)
            .unwrap_or_default();
        file.version = VERSION;
        let oldest = now() - self.ttl.as_secs() as i64;
        file.entries.retain(|_, e| e.checked_at >= oldest);
        file.entries
            .extend(fresh.iter().map(|(k, v)| (k.clone(), v.clone())));
        let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
        crate::cache_dir::write(dir, FILE_NAME, &bytes)
    }

    /// Deletes the cache file.
    pub fn clear(dir: &Path) -> std::io::Result<bool> {
        crate::cache_dir::remove(dir, FILE_NAME)
    }
}

/// Answers from the cache first (when there is one), then from `network` (none in `cached`
/// mode, where the rest is unverified), and stores new successes.
pub struct CachedChecker {
    pub cache: Option<Cache>,
    pub network: Option<Box<dyn NetworkChecker>>,
    stats: Mutex<Stats>,
}

/// A checker that can say what it did (the HTTP checker).
pub trait NetworkChecker: Checker + Send {
    fn stats(&self) -> Stats;
}

impl NetworkChecker for super::http::HttpChecker {
    fn stats(&self) -> Stats {
        super::http::HttpChecker::stats(self)
    }
}

impl CachedChecker {
    pub fn new(cache: Option<Cache>, network: Option<Box<dyn NetworkChecker>>) -> Self {
        CachedChecker {
            cache,
            network,
            stats: Mutex::new(Stats::default()),
        }
    }

    /// What the checks of this run did.
    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Writes the cache back, if there is one.
    pub fn save(&self) -> std::io::Result<()> {
        self.cache.as_ref().map_or(Ok(()), Cache::save)
    }
}

impl Checker for CachedChecker {
    fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus> {
        let start = Instant::now();
        let mut results = HashMap::new();
        let mut missing = Vec::new();
        for url in urls {
            match self.cache.as_ref().and_then(|c| c.get(url)) {
                Some(status) => {
                    results.insert(url.clone(), status);
                }
                None => missing.push(url.clone()),
            }
        }
        let from_cache = results.len();
        let mut stats = Stats {
            from_cache,
            ..Stats::default()
        };
        match &self.network {
            Some(network) if !missing.is_empty() => {
                let answers = network.check(&missing);
                if let Some(cache) = &self.cache {
                    for (url, status) in &answers {
                        cache.put(url, status);
                    }
                }
                stats = Stats {
                    from_cache,
                    ..network.stats()
                };
                results.extend(answers);
            }
            Some(_) => {}
            None => {
                stats.unverified = missing.len();
                results.extend(missing.into_iter().map(|u| {
                    (
                        u,
                        UrlStatus::Unverified {
                            reason: "not in the cache".into(),
                        },
                    )
                }));
            }
        }
        stats.elapsed = start.elapsed();
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = stats;
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successes_are_kept_failures_never_and_corruption_is_survived() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, warning) = Cache::open(dir.path(), Duration::from_secs(3600));
        assert!(warning.is_none());
        let ok = UrlStatus::Ok {
            content_type: "image/png".into(),
        };
        cache.put("https://EXAMPLE.com:443/a.png", &ok);
        cache.put(
            "https://example.com/b.png",
            &UrlStatus::Gone { status: 404 },
        );
        cache.save().unwrap();
        let (reopened, _) = Cache::open(dir.path(), Duration::from_secs(3600));
        assert_eq!(reopened.get("https://example.com/a.png"), Some(ok));
        assert_eq!(reopened.get("https://example.com/b.png"), None);
        let (expired, _) = Cache::open(dir.path(), Duration::ZERO);
        assert_eq!(expired.get("https://example.com/a.png"), None);

        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        let (rebuilt, warning) = Cache::open(dir.path(), Duration::from_secs(3600));
        assert!(warning.unwrap().contains("unreadable cache ignored"));
        assert_eq!(rebuilt.get("https://example.com/a.png"), None);
    }
}

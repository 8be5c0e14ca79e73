//! The outline index: the prefix of each post that collection rules read, kept on disk between
//! runs, so an editor save or a commit reads the files asked about and only stats the others.
//!
//! An entry is trusted only while its file has the same size, modification and change times and
//! inode as when it was read (git's index works the same way); files changed in the last seconds
//! are not stored, so a change within one timestamp tick cannot go unnoticed. The index is keyed
//! by postlint's version and the series regexes the prefixes were cut for: a new version or
//! another series pattern starts a fresh index. Any unreadable or foreign file is an empty index.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;

use crate::post::Post;
use crate::settings::{SeriesChoice, Settings};

/// The index's file in the cache folder.
pub const FILE_NAME: &str = "outline-index";
const MAGIC: &[u8] = b"postlint outline index v1\n";
/// Files changed more recently than this are read every time, never stored.
const SETTLE: Duration = Duration::from_secs(2);

/// What identifies one version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    modified_ns: i64,
    changed_ns: i64,
    inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |secs: i64, nanos: i64| secs.saturating_mul(1_000_000_000) + nanos;
            Stamp {
                size: meta.len(),
                modified_ns: ns(meta.mtime(), meta.mtime_nsec()),
                changed_ns: ns(meta.ctime(), meta.ctime_nsec()),
                inode: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            Stamp {
                size: meta.len(),
                modified_ns,
                changed_ns: modified_ns,
                inode: 0,
            }
        }
    }

    /// Whether the file last changed long enough before `now` to be stored.
    fn settled(&self, now: SystemTime) -> bool {
        let now_ns = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let limit = now_ns - SETTLE.as_nanos() as i64;
        self.modified_ns < limit && self.changed_ns < limit
    }
}

struct Entry {
    stamp: Stamp,
    prefix: String,
}

pub struct Index {
    path: PathBuf,
    key: String,
    entries: HashMap<String, Entry>,
    changed: bool,
}

impl Index {
    /// The index in `dir` for `key`; empty when missing, unreadable or for another key.
    pub fn open(dir: &Path, key: String) -> Index {
        let path = dir.join(FILE_NAME);
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| decode(&bytes, &key))
            .unwrap_or_default();
        Index {
            path,
            key,
            entries,
            changed: false,
        }
    }

    /// The stored prefix of the file at `rel` when it is still the version stored.
    pub fn prefix(&self, rel: &str, stamp: &Stamp) -> Option<&str> {
        self.entries
            .get(rel)
            .filter(|e| e.stamp == *stamp)
            .map(|e| e.prefix.as_str())
    }

    /// Stores a prefix read at `now` (unless the file changed too recently to be trusted).
    pub fn insert(&mut self, rel: &str, stamp: Stamp, prefix: &str, now: SystemTime) {
        if !stamp.settled(now) || self.prefix(rel, &stamp) == Some(prefix) {
            return;
        }
        self.entries.insert(
            rel.to_owned(),
            Entry {
                stamp,
                prefix: prefix.to_owned(),
            },
        );
        self.changed = true;
    }

    /// Forgets files that no collection holds any more.
    pub fn keep_only(&mut self, rels: &HashSet<&str>) {
        let before = self.entries.len();
        self.entries.retain(|rel, _| rels.contains(rel.as_str()));
        self.changed |= self.entries.len() != before;
    }

    /// Writes the index if it changed, through a temporary file and a rename.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let mut rels: Vec<&String> = self.entries.keys().collect();
        rels.sort();
        let mut out = Vec::with_capacity(MAGIC.len() + self.entries.len() * 1024);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.key.as_bytes());
        out.extend_from_slice(&(rels.len() as u64).to_le_bytes());
        for rel in rels {
            let entry = &self.entries[rel];
            put_bytes(&mut out, rel.as_bytes());
            for n in [entry.stamp.size, entry.stamp.inode] {
                out.extend_from_slice(&n.to_le_bytes());
            }
            for n in [entry.stamp.modified_ns, entry.stamp.changed_ns] {
                out.extend_from_slice(&n.to_le_bytes());
            }
            put_bytes(&mut out, entry.prefix.as_bytes());
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// Deletes the index in `dir`; whether there was one.
pub fn clear(dir: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(dir.join(FILE_NAME)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The key of an index for `settings`: postlint's version and the body regexes prefixes are
/// cut for.
pub fn key(regexes: &[Regex]) -> String {
    let mut key = format!("postlint {}", env!("CARGO_PKG_VERSION"));
    for regex in regexes {
        key.push('\n');
        key.push_str(regex.as_str());
    }
    key
}

/// Every body regex a series of `settings` may read: the declared ones and the detected greetings.
pub fn series_regexes(settings: &Settings) -> Vec<Regex> {
    let mut regexes: Vec<Regex> = crate::series::GREETINGS
        .iter()
        .filter_map(|g| crate::series::number_regex(g).ok())
        .collect();
    for collection in &settings.collections {
        if let SeriesChoice::Declared(series) = &collection.series
            && let Some(body) = &series.body
            && !regexes.iter().any(|r| r.as_str() == body.as_str())
        {
            regexes.push(body.clone());
        }
    }
    regexes
}

/// The prefix of `post` that collection rules read: up to the end of the line where the last
/// thing they look at ends (see [`crate::series::read_extent`]).
pub fn prefix<'a>(post: &'a Post, regexes: &[Regex]) -> &'a str {
    let source = &post.source;
    let extent = crate::series::read_extent(post, regexes).min(source.len());
    let bytes = source.as_bytes();
    if extent == 0 || bytes[extent - 1] == b'\n' {
        return &source[..extent];
    }
    let end = memchr::memchr(b'\n', &bytes[extent..]).map_or(source.len(), |i| extent + i + 1);
    &source[..end]
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Reads what [`Index::save`] wrote; `None` for anything else.
fn decode(bytes: &[u8], key: &str) -> Option<HashMap<String, Entry>> {
    let mut reader = Reader(bytes.strip_prefix(MAGIC)?);
    if reader.bytes()? != key.as_bytes() {
        return None;
    }
    let count = reader.u64()?;
    // Each entry takes at least 48 bytes: a corrupt count cannot make us reserve much.
    let mut entries = HashMap::with_capacity((count as usize).min(bytes.len() / 48));
    for _ in 0..count {
        let rel = std::str::from_utf8(reader.bytes()?).ok()?.to_owned();
        let size = reader.u64()?;
        let inode = reader.u64()?;
        let modified_ns = reader.u64()? as i64;
        let changed_ns = reader.u64()? as i64;
        let prefix = std::str::from_utf8(reader.bytes()?).ok()?.to_owned();
        let stamp = Stamp {
            size,
            modified_ns,
            changed_ns,
            inode,
        };
        entries.insert(rel, Entry { stamp, prefix });
    }
    reader.0.is_empty().then_some(entries)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u64()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(size: u64) -> Stamp {
        Stamp {
            size,
            modified_ns: 1_000_000_000,
            changed_ns: 1_000_000_000,
            inode: 7,
        }
    }

    #[test]
    fn entries_survive_a_save_and_a_reopen_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), "k1".into());
        index.insert(
            "a.md",
            stamp(10),
            "---\ntitle: 第一封信\n---\n",
            SystemTime::now(),
        );
        index.save().unwrap();

        let again = Index::open(dir.path(), "k1".into());
        assert_eq!(
            again.prefix("a.md", &stamp(10)),
            Some("---\ntitle: 第一封信\n---\n")
        );
        assert_eq!(again.prefix("a.md", &stamp(11)), None, "another size");
        assert_eq!(again.prefix("b.md", &stamp(10)), None);
        assert!(
            Index::open(dir.path(), "k2".into()).entries.is_empty(),
            "another key starts empty"
        );
    }

    #[test]
    fn recently_changed_files_are_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), "k".into());
        let now = UNIX_EPOCH + Duration::from_secs(2);
        index.insert("a.md", stamp(10), "text", now);
        assert_eq!(index.prefix("a.md", &stamp(10)), None);
        index.insert("a.md", stamp(10), "text", now + Duration::from_secs(2));
        assert_eq!(index.prefix("a.md", &stamp(10)), Some("text"));
    }

    #[test]
    fn a_truncated_or_corrupt_file_is_an_empty_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), "k".into());
        index.insert("a.md", stamp(10), "text", SystemTime::now());
        index.save().unwrap();
        let bytes = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], "k").is_none(), "cut at {cut}");
        }
        let mut huge_count = bytes.clone();
        let at = MAGIC.len() + 8 + 1;
        huge_count[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&huge_count, "k").is_none());
    }

    #[test]
    fn the_prefix_ends_after_the_greeting_line() {
        let text = "---\ntitle: t\n---\n\n```\n第 1 封信\n```\n\n这是我为你写的第 99 封信。\n\n正文很长。\n";
        let post = Post::parse_with("a.md", text, crate::post::Depth::Outline);
        let regexes = vec![crate::series::number_regex(crate::series::GREETINGS[0]).unwrap()];
        assert_eq!(
            prefix(&post, &regexes),
            "---\ntitle: t\n---\n\n```\n第 1 封信\n```\n\n这是我为你写的第 99 封信。\n"
        );
        let no_greeting = Post::parse_with(
            "b.md",
            "---\ntitle: t\n---\n正文\n",
            crate::post::Depth::Outline,
        );
        assert_eq!(prefix(&no_greeting, &regexes), "---\ntitle: t\n---\n");
    }
}

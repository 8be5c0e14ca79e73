//! The outline index: what collection rules read of each post (its [`skeleton`]), kept on disk
//! between runs, so an editor save or a commit reads the files asked about and only stats the
//! others.
//!
//! An entry is trusted only while its file has the same size, modification and change times and
//! inode as when it was read (git's index works the same way); files changed in the last seconds
//! are not stored, so a change within one timestamp tick cannot go unnoticed. The index is keyed
//! by postlint's version and the series regexes the skeletons were cut for: a new version or
//! another series pattern starts a fresh index. Any unreadable or foreign file is an empty index.
//!
//! The file holds a table of fixed-size records sorted by path, then the paths, then the
//! skeletons: opening it reads no entry, and an entry whose record points outside the file
//! (a file cut short) is not served. A file out of order (never written so) is not refused:
//! its entries may be missed, never served for another path or stamp.

pub mod listings;
pub(crate) mod skeleton;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::post::Post;
use crate::series::BodyRegex;
use crate::settings::{SeriesChoice, Settings};
use skeleton::{Reader, Writer};

/// The index's file in the cache folder.
pub const FILE_NAME: &str = "outline-index";
const MAGIC: &[u8] = b"postlint outline index v5\n";
/// Files changed more recently than this are read every time, never stored.
const SETTLE: Duration = Duration::from_secs(2);

#[cfg(unix)]
fn nanoseconds(secs: i64, nanos: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

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
            Stamp {
                size: meta.len(),
                modified_ns: nanoseconds(meta.mtime(), meta.mtime_nsec()),
                changed_ns: nanoseconds(meta.ctime(), meta.ctime_nsec()),
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

    /// The stamp of the file `name` in the opened `folder`, following symbolic links as
    /// [`std::fs::metadata`] does.
    #[cfg(unix)]
    pub fn at(folder: std::os::fd::BorrowedFd<'_>, name: &str) -> std::io::Result<Stamp> {
        let stat = rustix::fs::statat(folder, name, rustix::fs::AtFlags::empty())?;
        Ok(Stamp {
            size: stat.st_size as u64,
            modified_ns: nanoseconds(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
            changed_ns: nanoseconds(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
            inode: stat.st_ino as u64,
        })
    }

    pub(crate) fn write(&self, out: &mut Writer) {
        out.u64(self.size);
        out.u64(self.inode);
        out.u64(self.modified_ns as u64);
        out.u64(self.changed_ns as u64);
    }

    pub(crate) fn read(input: &mut Reader<'_>) -> Option<Stamp> {
        Some(Stamp {
            size: input.u64()?,
            inode: input.u64()?,
            modified_ns: input.u64()? as i64,
            changed_ns: input.u64()? as i64,
        })
    }

    /// Whether the file last changed long enough before `now` to be stored.
    pub(crate) fn settled(&self, now: SystemTime) -> bool {
        let now_ns = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let limit = now_ns - SETTLE.as_nanos() as i64;
        self.modified_ns < limit && self.changed_ns < limit
    }
}

/// Where an entry is in an [`Index`] (its place among the entries read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location(usize);

/// Bytes of one entry's record in the file's table: where its path and skeleton lie (start
/// and end of each), and its stamp, eight little-endian `u64`s.
const RECORD: usize = 64;

/// Word `i` (of eight) of a record.
fn word(record: &[u8; RECORD], i: usize) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&record[i * 8..i * 8 + 8]);
    u64::from_le_bytes(bytes)
}

/// One entry of the file read, as its record says.
struct Entry<'a> {
    rel: &'a [u8],
    stamp: Stamp,
    skeleton: &'a [u8],
}

pub struct Index {
    /// The cache folder.
    dir: PathBuf,
    key: String,
    /// The series body regexes the skeletons hold the first matches of, in order.
    patterns: Vec<Arc<str>>,
    /// The file as read: a table of records, sorted by path, then the paths, then the
    /// skeletons. Nothing is decoded on opening: an entry is read from its record when asked
    /// for (decoding every entry first was the longest wait of an editor save).
    stored: crate::cache_dir::Bytes,
    /// Where the table starts, and its records.
    table: usize,
    count: usize,
    /// Entries forgotten in this run, by place (empty while none is).
    forgotten: Vec<bool>,
    /// Entries made in this run, by path.
    fresh: HashMap<String, (Stamp, Vec<u8>)>,
    changed: bool,
}

impl Index {
    /// The index in `dir` for skeletons cut for `regexes` (see [`series_regexes`]); empty when
    /// missing, unreadable or made for other regexes or another version.
    pub fn open(dir: &Path, regexes: &[BodyRegex]) -> Index {
        let key = key(regexes);
        let stored = crate::cache_dir::read(dir, FILE_NAME).unwrap_or_default();
        let (table, count) = table(&stored, &key).unwrap_or((0, 0));
        Index {
            dir: dir.to_owned(),
            key,
            patterns: patterns(regexes),
            stored,
            table,
            count,
            forgotten: Vec::new(),
            fresh: HashMap::new(),
            changed: false,
        }
    }

    /// The entry at `at` as its record says; `None` when the record points outside the file
    /// (a file cut short or planted: its entries are not served).
    fn entry(&self, at: usize) -> Option<Entry<'_>> {
        let record = self.record(at)?;
        Some(Entry {
            rel: self.part(record, 0)?,
            skeleton: self.part(record, 2)?,
            stamp: Stamp {
                size: word(record, 4),
                inode: word(record, 5),
                modified_ns: word(record, 6) as i64,
                changed_ns: word(record, 7) as i64,
            },
        })
    }

    /// The record of the entry at `at`.
    fn record(&self, at: usize) -> Option<&[u8; RECORD]> {
        let start = self.table.checked_add(at.checked_mul(RECORD)?)?;
        self.stored
            .get(start..start.checked_add(RECORD)?)?
            .try_into()
            .ok()
    }

    /// The bytes from word `i` to word `i + 1` of `record` say.
    fn part(&self, record: &[u8; RECORD], i: usize) -> Option<&[u8]> {
        let start = usize::try_from(word(record, i)).ok()?;
        let end = usize::try_from(word(record, i + 1)).ok()?;
        self.stored.get(start..end)
    }

    /// The path of the entry at `at` (empty when its record points outside the file). Only the
    /// path is read: a file cut short in its skeletons still keeps its paths in order.
    fn rel_at(&self, at: usize) -> &[u8] {
        self.record(at)
            .and_then(|record| self.part(record, 0))
            .unwrap_or_default()
    }

    fn is_forgotten(&self, at: usize) -> bool {
        self.forgotten.get(at).copied().unwrap_or(false)
    }

    /// The first place from `start` on whose path is not before `rel` (entries are sorted).
    fn first_not_before(&self, start: usize, rel: &[u8]) -> usize {
        let (mut low, mut high) = (start, self.count);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.rel_at(middle) < rel {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// Where the entry of `rel` is, unless forgotten.
    fn location(&self, rel: &str) -> Option<Location> {
        let at = self.first_not_before(0, rel.as_bytes());
        (at < self.count && self.rel_at(at) == rel.as_bytes() && !self.is_forgotten(at))
            .then_some(Location(at))
    }

    /// The post at `rel` as stored, when its file is still the version stored (the engine
    /// locates a collection's posts at once: [`Index::locate`]).
    #[cfg(test)]
    fn post(&self, rel: &str, stamp: &Stamp) -> Option<Post> {
        self.post_at(rel, self.location(rel), stamp)
    }

    /// Where each of `rels` is stored, for [`Index::post_at`]: found in one pass when they come
    /// in order, as a walk lists them (a binary search per post read the stored file all over,
    /// and cost an editor save more than reading the posts found).
    pub fn locate(&self, rels: &[String]) -> Vec<Option<Location>> {
        // Where the next path is looked for first: right after the last one found.
        let mut next = 0;
        rels.iter()
            .map(|rel| {
                let rel = rel.as_bytes();
                let at = if next < self.count && self.rel_at(next) == rel {
                    next
                } else {
                    // Entries in between, or a path out of order: searched for.
                    let after_last = next == 0 || self.rel_at(next - 1) < rel;
                    self.first_not_before(if after_last { next } else { 0 }, rel)
                };
                let found = at < self.count && self.rel_at(at) == rel;
                next = if found { at + 1 } else { at };
                (found && !self.is_forgotten(at)).then_some(Location(at))
            })
            .collect()
    }

    /// The post at `rel` as stored at `location` (what [`Index::locate`] or the index's own
    /// search found), when its file is still the version stored.
    pub fn post_at(&self, rel: &str, location: Option<Location>, stamp: &Stamp) -> Option<Post> {
        // Entries made in this run come first (none while posts are read: hashing every path
        // for an empty map cost a save its share).
        let fresh = match self.fresh.is_empty() {
            true => None,
            false => self.fresh.get(rel),
        };
        let stored = match fresh {
            Some((fresh, skeleton)) => (fresh == stamp).then_some(skeleton.as_slice()),
            None => self
                .entry(location?.0)
                .filter(|e| e.stamp == *stamp && e.rel == rel.as_bytes())
                .map(|e| e.skeleton),
        };
        skeleton::decode(stored?, &self.patterns)
    }

    /// Stores a skeleton made at `now` (unless the file changed too recently to be trusted).
    pub fn insert(&mut self, rel: &str, stamp: Stamp, skeleton: Vec<u8>, now: SystemTime) {
        let stored = self
            .location(rel)
            .and_then(|at| self.entry(at.0))
            .is_some_and(|e| e.stamp == stamp && e.skeleton == skeleton.as_slice());
        if !stamp.settled(now) || stored {
            return;
        }
        self.fresh.insert(rel.to_owned(), (stamp, skeleton));
        self.changed = true;
    }

    /// Forgets the files `keep` says no (deleted ones, or ones no collection holds any more),
    /// and entries whose record is broken. The stored files are asked first, in increasing
    /// order, then those made in this run.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        for at in 0..self.count {
            if self.is_forgotten(at) {
                continue;
            }
            let rel = self.entry(at).and_then(|e| std::str::from_utf8(e.rel).ok());
            if !rel.is_some_and(&mut keep) {
                if self.forgotten.is_empty() {
                    self.forgotten = vec![false; self.count];
                }
                self.forgotten[at] = true;
                self.changed = true;
            }
        }
        let before = self.fresh.len();
        self.fresh.retain(|rel, _| keep(rel));
        self.changed |= self.fresh.len() != before;
    }

    /// Writes the index if it changed, through a temporary file and a rename.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let mut entries: Vec<Entry<'_>> = self
            .fresh
            .iter()
            .map(|(rel, (stamp, skeleton))| Entry {
                rel: rel.as_bytes(),
                stamp: *stamp,
                skeleton,
            })
            .collect();
        for at in (0..self.count).filter(|&at| !self.is_forgotten(at)) {
            let Some(entry) = self.entry(at) else {
                continue;
            };
            let fresh = std::str::from_utf8(entry.rel).is_ok_and(|r| self.fresh.contains_key(r));
            if !fresh {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.rel.cmp(b.rel));
        crate::cache_dir::write(&self.dir, FILE_NAME, &encode(&self.key, &entries))
    }
}

/// Deletes the index and the folder listings in `dir`; whether there was either.
pub fn clear(dir: &Path) -> std::io::Result<bool> {
    let index = crate::cache_dir::remove(dir, FILE_NAME)?;
    Ok(listings::clear(dir)? || index)
}

/// The key of an index: postlint's version and the body regexes its skeletons are cut for.
fn key(regexes: &[BodyRegex]) -> String {
    let mut key = format!("postlint {}", env!("CARGO_PKG_VERSION"));
    for regex in regexes {
        key.push('\n');
        key.push_str(regex.as_str());
    }
    key
}

/// Every body regex a series of `settings` may read: the declared ones and the detected greetings.
pub fn series_regexes(settings: &Settings) -> Vec<BodyRegex> {
    let mut regexes: Vec<BodyRegex> = BodyRegex::greetings().collect();
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

/// What skeletons file each regex's first match under: its pattern.
pub fn patterns(regexes: &[BodyRegex]) -> Vec<Arc<str>> {
    regexes.iter().map(|r| Arc::from(r.as_str())).collect()
}

/// The index file for `entries` (sorted by path): the header, the table of records, the
/// paths, the skeletons.
fn encode(key: &str, entries: &[Entry<'_>]) -> Vec<u8> {
    let header = MAGIC.len() + 8 + key.len() + 8;
    let paths: usize = entries.iter().map(|e| e.rel.len()).sum();
    let skeletons: usize = entries.iter().map(|e| e.skeleton.len()).sum();
    let mut out = Writer(Vec::with_capacity(
        header + entries.len() * RECORD + paths + skeletons,
    ));
    out.0.extend_from_slice(MAGIC);
    out.bytes(key.as_bytes());
    out.u64(entries.len() as u64);
    let mut path_at = header + entries.len() * RECORD;
    let mut skeleton_at = path_at + paths;
    for entry in entries {
        for (at, len) in [
            (&mut path_at, entry.rel.len()),
            (&mut skeleton_at, entry.skeleton.len()),
        ] {
            out.u64(*at as u64);
            *at += len;
            out.u64(*at as u64);
        }
        out.u64(entry.stamp.size);
        out.u64(entry.stamp.inode);
        out.u64(entry.stamp.modified_ns as u64);
        out.u64(entry.stamp.changed_ns as u64);
    }
    for entry in entries {
        out.0.extend_from_slice(entry.rel);
    }
    for entry in entries {
        out.0.extend_from_slice(entry.skeleton);
    }
    out.0
}

/// Where the table of an index file for `key` starts, and its records; `None` for anything
/// else, or a table longer than the file.
fn table(bytes: &[u8], key: &str) -> Option<(usize, usize)> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    if input.bytes()? != key.as_bytes() {
        return None;
    }
    let count = usize::try_from(input.u64()?).ok()?;
    let start = bytes.len() - input.0.len();
    (count.checked_mul(RECORD)? <= input.0.len()).then_some((start, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_stamp_read_in_an_opened_folder_is_the_stamp_of_the_path() {
        use std::os::fd::AsFd;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "one").unwrap();
        std::fs::write(dir.path().join("b.md"), "other text").unwrap();
        std::os::unix::fs::symlink("b.md", dir.path().join("link.md")).unwrap();
        let folder = std::fs::File::open(dir.path()).unwrap();
        for name in ["a.md", "b.md", "link.md"] {
            let by_path = Stamp::of(&std::fs::metadata(dir.path().join(name)).unwrap());
            assert_eq!(Stamp::at(folder.as_fd(), name).unwrap(), by_path, "{name}");
        }
        // A link is followed, as `std::fs::metadata` does: its stamp is its target's.
        assert_eq!(
            Stamp::at(folder.as_fd(), "link.md").unwrap(),
            Stamp::at(folder.as_fd(), "b.md").unwrap()
        );
        assert_ne!(
            Stamp::at(folder.as_fd(), "a.md").unwrap(),
            Stamp::at(folder.as_fd(), "b.md").unwrap()
        );
        assert!(Stamp::at(folder.as_fd(), "missing.md").is_err());
    }

    fn stamp(size: u64) -> Stamp {
        Stamp {
            size,
            modified_ns: 1_000_000_000,
            changed_ns: 1_000_000_000,
            inode: 7,
        }
    }

    /// The stored form of a small post, and the title it has.
    fn stored(title: &str) -> Vec<u8> {
        let post = Post::parse("a.md", format!("---\ntitle: {title}\n---\n正文\n"));
        skeleton::encode(&post, &[])
    }

    fn title(post: Option<Post>) -> Option<String> {
        post.and_then(|p| {
            p.field("title")
                .and_then(|e| e.value.value.as_str().map(str::to_owned))
        })
    }

    #[test]
    fn entries_survive_a_save_and_a_reopen_with_the_same_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        index.insert("a.md", stamp(10), stored("第一封信"), SystemTime::now());
        index.save().unwrap();

        let again = Index::open(dir.path(), &[]);
        let post = |rel: &str, size| again.post(rel, &stamp(size));
        assert_eq!(title(post("a.md", 10)).as_deref(), Some("第一封信"));
        assert!(post("a.md", 11).is_none(), "another size");
        assert!(post("b.md", 10).is_none());
        assert!(
            Index::open(
                dir.path(),
                &[BodyRegex::Other(
                    regex::Regex::new("第(?P<n>[0-9]+)期").unwrap()
                )]
            )
            .count
                == 0,
            "other regexes start empty"
        );
    }

    #[test]
    fn a_big_index_is_read_mapped_and_saved_over_while_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let rel = |i: usize| format!("posts/{i:04}.md");
        let mut index = Index::open(dir.path(), &[]);
        for i in 0..1500 {
            index.insert(
                &rel(i),
                stamp(10),
                stored(&format!("第{i}封信")),
                SystemTime::now(),
            );
        }
        index.save().unwrap();
        let file = std::fs::File::open(dir.path().join(FILE_NAME)).unwrap();
        assert!(file.metadata().unwrap().len() as usize > crate::cache_dir::MAP_FROM);

        let mut again = Index::open(dir.path(), &[]);
        #[cfg(target_os = "linux")]
        if crate::cache_dir::on_local_file_system(&file) {
            assert!(matches!(again.stored, crate::cache_dir::Bytes::Mapped(_)));
        }
        again.insert("new.md", stamp(10), stored("新"), SystemTime::now());
        again.save().unwrap();
        // The entries read before the save come from the mapped file as it was.
        assert_eq!(
            title(again.post(&rel(1499), &stamp(10))).as_deref(),
            Some("第1499封信")
        );
        let last = Index::open(dir.path(), &[]);
        assert_eq!(
            title(last.post(&rel(7), &stamp(10))).as_deref(),
            Some("第7封信")
        );
        assert_eq!(
            title(last.post("new.md", &stamp(10))).as_deref(),
            Some("新")
        );
    }

    #[test]
    fn paths_are_located_in_one_pass_as_a_search_for_each_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        for rel in ["a/1.md", "a/2.md", "b/1.md", "b/3.md", "c.md", "d/1.md"] {
            index.insert(rel, stamp(10), stored(rel), SystemTime::now());
        }
        index.save().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        index.retain(|rel| rel != "c.md");
        let searched = |rels: &[&str]| -> Vec<Option<Location>> {
            rels.iter().map(|rel| index.location(rel)).collect()
        };
        for rels in [
            // In order, some stored entries in between, some paths never stored.
            &["a/1.md", "a/2.md", "b/3.md", "c.md", "d/1.md", "e.md"][..],
            &["0.md", "a/2.md", "b/2.md", "b/3.md"],
            // Out of order, and twice.
            &["d/1.md", "a/1.md", "b/1.md", "b/1.md", "a/2.md", "a/1.md"],
            &[],
        ] {
            let owned: Vec<String> = rels.iter().map(|r| r.to_string()).collect();
            assert_eq!(index.locate(&owned), searched(rels), "{rels:?}");
        }
        assert_eq!(index.locate(&["c.md".into()]), [None], "forgotten");
        assert!(index.locate(&["b/3.md".into()])[0].is_some());
    }

    #[test]
    fn recently_changed_files_are_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        let now = UNIX_EPOCH + Duration::from_secs(2);
        let get = |index: &Index| title(index.post("a.md", &stamp(10)));
        index.insert("a.md", stamp(10), stored("t"), now);
        assert_eq!(get(&index), None);
        index.insert("a.md", stamp(10), stored("t"), now + Duration::from_secs(2));
        assert_eq!(get(&index).as_deref(), Some("t"));
    }

    #[test]
    fn a_file_cut_short_or_corrupt_serves_whole_entries_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        index.insert("a.md", stamp(10), stored("t"), SystemTime::now());
        index.insert("b.md", stamp(10), stored("u"), SystemTime::now());
        index.save().unwrap();
        let path = dir.path().join(FILE_NAME);
        let bytes = std::fs::read(&path).unwrap();
        let served = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            let index = Index::open(dir.path(), &[]);
            let get = |rel| title(index.post(rel, &stamp(10)));
            (get("a.md"), get("b.md"))
        };
        let both = (Some("t".to_owned()), Some("u".to_owned()));
        assert_eq!(served(&bytes), both);
        // Cut in the last skeleton: the other entry is whole, and found.
        assert_eq!(served(&bytes[..bytes.len() - 1]), (both.0.clone(), None));
        for cut in 0..bytes.len() {
            let (a, b) = served(&bytes[..cut]);
            assert!(a.is_none() || a == both.0, "cut at {cut}");
            // Its skeleton lies last: any cut loses it.
            assert_eq!(b, None, "cut at {cut}");
        }
        let table = MAGIC.len() + 8 + key(&[]).len() + 8;
        let mut huge_count = bytes.clone();
        huge_count[table - 8..table].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(served(&huge_count), (None, None));
        // A record whose path, or skeleton, lies outside the file or ends before it starts.
        for word in [1, 2, 3] {
            for value in [u64::MAX, bytes.len() as u64 + 1, 0] {
                let mut broken = bytes.clone();
                let at = table + word * 8;
                broken[at..at + 8].copy_from_slice(&value.to_le_bytes());
                assert_eq!(
                    served(&broken),
                    (None, both.1.clone()),
                    "word {word}: {value}"
                );
            }
        }
    }
}

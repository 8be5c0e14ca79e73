//! The outline index: what collection rules read of each post (its [`skeleton`]), kept on disk
//! between runs, so an editor save or a commit reads the files asked about and only stats the
//! others.
//!
//! An entry is trusted only while its file has the same size, modification and change times and
//! inode as when it was read (git's index works the same way); files changed in the last seconds
//! are not stored, so a change within one timestamp tick cannot go unnoticed. The index is keyed
//! by postlint's version and the series regexes the skeletons were cut for: a new version or
//! another series pattern starts a fresh index. Any unreadable or foreign file is an empty index.

pub mod listings;
pub(crate) mod skeleton;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::post::Post;
use crate::series::BodyRegex;
use crate::settings::{SeriesChoice, Settings};
use skeleton::{Reader, Writer};

/// The index's file in the cache folder.
pub const FILE_NAME: &str = "outline-index";
const MAGIC: &[u8] = b"postlint outline index v4\n";
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

    fn write(&self, out: &mut Writer) {
        out.u64(self.size);
        out.u64(self.inode);
        out.u64(self.modified_ns as u64);
        out.u64(self.changed_ns as u64);
    }

    fn read(input: &mut Reader<'_>) -> Option<Stamp> {
        Some(Stamp {
            size: input.u64()?,
            inode: input.u64()?,
            modified_ns: input.u64()? as i64,
            changed_ns: input.u64()? as i64,
        })
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

/// Where an entry is in an [`Index`] (its place among the entries read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location(usize);

/// Where one entry of the file read lies in it.
struct Slot {
    rel: Range<usize>,
    stamp: Stamp,
    skeleton: Range<usize>,
    kept: bool,
}

pub struct Index {
    /// The cache folder.
    dir: PathBuf,
    key: String,
    /// The series body regexes the skeletons hold the first matches of, in order.
    patterns: Vec<Arc<str>>,
    /// The file as read: entries are decoded from it in place, only when asked for.
    stored: crate::cache_dir::Bytes,
    /// Its entries, sorted by path (as written).
    slots: Vec<Slot>,
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
        let slots = decode(&stored, &key).unwrap_or_default();
        Index {
            dir: dir.to_owned(),
            key,
            patterns: patterns(regexes),
            stored,
            slots,
            fresh: HashMap::new(),
            changed: false,
        }
    }

    /// Where the entry of `rel` is, unless forgotten.
    fn location(&self, rel: &str) -> Option<Location> {
        let at = self
            .slots
            .binary_search_by(|s| self.stored[s.rel.clone()].cmp(rel.as_bytes()))
            .ok()?;
        self.slots[at].kept.then_some(Location(at))
    }

    fn slot(&self, rel: &str) -> Option<&Slot> {
        self.location(rel).map(|at| &self.slots[at.0])
    }

    /// The post at `rel` as stored, when its file is still the version stored.
    pub fn post(&self, rel: &str, stamp: &Stamp) -> Option<Post> {
        self.post_at(rel, self.location(rel), stamp)
    }

    /// Where each of `rels` is stored, for [`Index::post_at`]: found in one pass when they come
    /// in order, as a walk lists them (a binary search per post read the stored file all over,
    /// and cost an editor save more than reading the posts found).
    pub fn locate(&self, rels: &[String]) -> Vec<Option<Location>> {
        let key = |slot: &Slot| &self.stored[slot.rel.clone()];
        // Where the next path is looked for first: right after the last one found.
        let mut next = 0;
        rels.iter()
            .map(|rel| {
                let rel = rel.as_bytes();
                let at = if self.slots.get(next).is_some_and(|s| key(s) == rel) {
                    next
                } else {
                    // Entries in between, or a path out of order: searched for.
                    let after_last = next == 0 || key(&self.slots[next - 1]) < rel;
                    let start = if after_last { next } else { 0 };
                    start + self.slots[start..].partition_point(|s| key(s) < rel)
                };
                let slot = self.slots.get(at).filter(|s| key(s) == rel);
                next = if slot.is_some() { at + 1 } else { at };
                slot.filter(|s| s.kept).map(|_| Location(at))
            })
            .collect()
    }

    /// [`Index::post`] of the post at `rel`, stored at `location` (what [`Index::locate`] or
    /// the index's own search found).
    pub fn post_at(&self, rel: &str, location: Option<Location>, stamp: &Stamp) -> Option<Post> {
        // Entries made in this run come first (none while posts are read: hashing every path
        // for an empty map cost a save its share).
        let fresh = match self.fresh.is_empty() {
            true => None,
            false => self.fresh.get(rel),
        };
        let stored = match fresh {
            Some((fresh, skeleton)) => (fresh == stamp).then_some(skeleton.as_slice()),
            None => Some(&self.slots[location?.0])
                .filter(|s| s.stamp == *stamp)
                .map(|slot| &self.stored[slot.skeleton.clone()]),
        };
        skeleton::decode(stored?, &self.patterns)
    }

    /// Stores a skeleton made at `now` (unless the file changed too recently to be trusted).
    pub fn insert(&mut self, rel: &str, stamp: Stamp, skeleton: Vec<u8>, now: SystemTime) {
        let stored = self
            .slot(rel)
            .is_some_and(|s| s.stamp == stamp && self.stored[s.skeleton.clone()] == skeleton);
        if !stamp.settled(now) || stored {
            return;
        }
        self.fresh.insert(rel.to_owned(), (stamp, skeleton));
        self.changed = true;
    }

    /// Forgets the files `keep` says no (deleted ones, or ones no collection holds any more).
    /// The stored files are asked first, in increasing order, then those made in this run.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        for slot in &mut self.slots {
            let rel = std::str::from_utf8(&self.stored[slot.rel.clone()]).unwrap_or_default();
            if slot.kept && !keep(rel) {
                slot.kept = false;
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
        let mut entries: Vec<(&[u8], Stamp, &[u8])> = self
            .fresh
            .iter()
            .map(|(rel, (stamp, skeleton))| (rel.as_bytes(), *stamp, skeleton.as_slice()))
            .collect();
        for slot in self.slots.iter().filter(|s| s.kept) {
            let rel = &self.stored[slot.rel.clone()];
            let fresh = std::str::from_utf8(rel).is_ok_and(|r| self.fresh.contains_key(r));
            if !fresh {
                entries.push((rel, slot.stamp, &self.stored[slot.skeleton.clone()]));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Writer(Vec::with_capacity(MAGIC.len() + self.stored.len()));
        out.0.extend_from_slice(MAGIC);
        out.bytes(self.key.as_bytes());
        out.u64(entries.len() as u64);
        for (rel, stamp, skeleton) in entries {
            out.bytes(rel);
            stamp.write(&mut out);
            out.bytes(skeleton);
        }
        crate::cache_dir::write(&self.dir, FILE_NAME, &out.0)
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

/// The entries of what [`Index::save`] wrote; `None` for anything else (or out of order).
fn decode(bytes: &[u8], key: &str) -> Option<Vec<Slot>> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    if input.bytes()? != key.as_bytes() {
        return None;
    }
    let count = input.count()?;
    let offset = |part: &[u8]| part.as_ptr() as usize - bytes.as_ptr() as usize;
    let range = |part: &[u8]| offset(part)..offset(part) + part.len();
    let mut slots: Vec<Slot> = Vec::with_capacity(count);
    for _ in 0..count {
        let rel = range(input.bytes()?);
        let stamp = Stamp::read(&mut input)?;
        let skeleton = range(input.bytes()?);
        if slots
            .last()
            .is_some_and(|last| bytes[last.rel.clone()] >= bytes[rel.clone()])
        {
            return None;
        }
        slots.push(Slot {
            rel,
            stamp,
            skeleton,
            kept: true,
        });
    }
    input.0.is_empty().then_some(slots)
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
            .slots
            .is_empty(),
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
    fn a_truncated_or_corrupt_file_is_an_empty_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::open(dir.path(), &[]);
        index.insert("a.md", stamp(10), stored("t"), SystemTime::now());
        index.save().unwrap();
        let bytes = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        let key = key(&[]);
        assert!(decode(&bytes, &key).is_some());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], &key).is_none(), "cut at {cut}");
        }
        let mut huge_count = bytes.clone();
        let at = MAGIC.len() + 8 + key.len();
        huge_count[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&huge_count, &key).is_none());
    }
}

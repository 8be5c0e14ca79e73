//! What exists on disk, as the engine shows it to rules (which do no I/O themselves).
//!
//! Directory listings are read once and cached, so a wrong letter case can be told from a
//! missing file: `Photo.PNG` works on macOS and breaks on Linux hosting.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::index::Stamp;

use listing::Listing;
use stored::StoredListings;

mod listing;
mod stored;

/// The answer for one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found,
    /// Exists only with another letter case; the path as it is on disk.
    WrongCase(PathBuf),
    Missing,
}

/// Answers whether files exist; the engine provides one, tests may provide their own.
pub trait FileView: Sync {
    fn lookup(&self, path: &Path) -> Lookup;
}

/// The real file system, with cached directory listings.
pub struct Disk {
    /// Tells this disk's listings in [`LAST_LISTED`] from another's.
    id: u64,
    /// By the folder's path as bytes (hashing a `Path` walks its components).
    folders: Mutex<HashMap<OsString, Folder>>,
    /// Listings kept in the cache folder from the runs before (`None`: no cache folder).
    stored: Option<StoredListings>,
}

impl Default for Disk {
    fn default() -> Self {
        /// Disks made so far: each gets its own number.
        static DISKS: AtomicU64 = AtomicU64::new(0);
        Disk {
            id: DISKS.fetch_add(1, Ordering::Relaxed),
            folders: Mutex::default(),
            stored: None,
        }
    }
}

impl Disk {
    /// A disk that keeps the listings it reads in the cache folder `dir` for the next runs,
    /// and trusts those of the runs before while their folders are unchanged.
    pub fn with_cache(dir: &Path) -> Disk {
        Disk::with_cache_at(dir, SystemTime::now())
    }

    /// [`Disk::with_cache`] for a run that began at `now`.
    fn with_cache_at(dir: &Path, now: SystemTime) -> Disk {
        Disk {
            stored: Some(StoredListings::new(dir, now)),
            ..Disk::default()
        }
    }

    /// Stores the listings read in this run in the cache folder (when there is one).
    pub fn save(&self) {
        if let Some(stored) = &self.stored {
            stored.save();
        }
    }

    /// The listing of `dir`: as stored by an earlier run while the folder is unchanged, else
    /// read (and kept for the next runs).
    fn read_listing(&self, dir: &Path) -> Option<Arc<Listing>> {
        let Some(stored) = &self.stored else {
            return Listing::read(dir).map(Arc::new);
        };
        // Stamped before it is read: see `stored`.
        let stamp = std::fs::metadata(listable(dir)).ok().map(|m| Stamp::of(&m));
        if let Some(stamp) = stamp
            && let Some(listing) = stored.get(dir, stamp)
        {
            return Some(Arc::new(listing));
        }
        let listing = Arc::new(Listing::read(dir)?);
        if let Some(stamp) = stamp {
            stored.put(dir, stamp, &listing);
        }
        Some(listing)
    }
}

/// Deletes the listings kept in the cache folder `dir` ([`Disk::with_cache`]); whether there
/// were any.
pub fn clear(dir: &Path) -> std::io::Result<bool> {
    stored::clear(dir)
}

/// The folder to list for `dir` (the working folder for an empty path).
fn listable(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

thread_local! {
    /// The folder whose listing this thread used last, with the disk it belongs to: most images
    /// of a blog lie in one folder, and asking the shared map for it took a lock both cores
    /// wanted and a hash of the folder's path on every image. (The listing stays alive until
    /// this thread lists another folder, past the end of its disk.)
    static LAST_LISTED: RefCell<Option<(u64, PathBuf, Arc<Listing>)>> = const { RefCell::new(None) };
}

/// What is known of one folder.
#[derive(Default)]
struct Folder {
    /// Lookups of files in it so far.
    lookups: usize,
    /// Its listing once read (`Some(None)`: it cannot be read as a folder).
    listing: Option<Option<Arc<Listing>>>,
    /// A thread is reading its listing for [`Disk::busy_listing`]: the others `stat` meanwhile.
    being_read: bool,
}

impl Folder {
    /// Its listing, read with `read` at the first call.
    fn listing(&mut self, read: impl FnOnce() -> Option<Arc<Listing>>) -> Option<Arc<Listing>> {
        self.listing.get_or_insert_with(read).clone()
    }
}

/// Lookups in one folder answered by `stat` before its listing is read instead: a save in the
/// editor checks a few images of a folder that may hold thousands.
const STATS_BEFORE_LISTING: usize = 32;

impl Disk {
    /// Runs `f` on what is known of `dir` (allocating only for a folder not met before).
    fn folder<R>(&self, dir: &Path, f: impl FnOnce(&mut Folder) -> R) -> R {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(folder) = folders.get_mut(dir.as_os_str()) {
            return f(folder);
        }
        f(folders.entry(dir.as_os_str().to_owned()).or_default())
    }

    /// The listing of `dir` (`None` when it cannot be read as a folder), read once.
    fn listing(&self, dir: &Path) -> Option<Arc<Listing>> {
        self.folder(dir, |folder| folder.listing(|| self.read_listing(dir)))
    }

    /// Counts a lookup in `dir`; its listing when the folder is busy enough to be read whole
    /// (`None`: not read yet, `Some(None)`: cannot be read).
    fn busy_listing(&self, dir: &Path) -> Option<Option<Arc<Listing>>> {
        let known = self.folder(dir, |folder| {
            folder.lookups += 1;
            if folder.listing.is_some()
                || folder.being_read
                || folder.lookups <= STATS_BEFORE_LISTING
            {
                return Some(folder.listing.clone());
            }
            folder.being_read = true;
            None
        });
        if let Some(known) = known {
            return known;
        }
        // Read without the lock: a folder of images can hold thousands of names, and the other
        // cores would wait for them instead of answering by `stat` meanwhile.
        let listing = self.read_listing(dir);
        self.folder(dir, |folder| {
            folder.being_read = false;
            Some(folder.listing.get_or_insert(listing).clone())
        })
    }
}

impl FileView for Disk {
    fn lookup(&self, path: &Path) -> Lookup {
        self.lookup_below(path, 0)
    }
}

/// Parent folders searched for another letter case, at most: the search climbs one folder per
/// call, and an image path of thousands of missing folders overflowed the stack.
const WRONG_CASE_DEPTH: usize = 64;

impl Disk {
    /// [`FileView::lookup`], `depth` folders below the path first asked about.
    fn lookup_below(&self, path: &Path, depth: usize) -> Lookup {
        let (Some(parent), Some(name)) = parent_and_name(path) else {
            return if path.exists() {
                Lookup::Found
            } else {
                Lookup::Missing
            };
        };
        let last = LAST_LISTED.with_borrow(|last| match last {
            Some((disk, dir, listing))
                if *disk == self.id && dir.as_os_str() == parent.as_os_str() =>
            {
                Some(find(parent, listing, name))
            }
            _ => None,
        });
        if let Some(found) = last {
            return found;
        }
        // A busy folder answers from its listing: one read instead of one `stat` per image
        // (thousands of images share `public/images`). A miss needs the listing anyway.
        let listing = match self.busy_listing(parent) {
            Some(Some(listing)) => {
                LAST_LISTED.set(Some((self.id, parent.to_owned(), Arc::clone(&listing))));
                Some(listing)
            }
            Some(None) => None,
            None if path.exists() => return Lookup::Found,
            // A miss needs the names (for another letter case) even while another thread reads
            // them: read here too, under the lock (misses are rare).
            None => self.listing(parent),
        };
        match listing {
            Some(listing) => find(parent, &listing, name),
            // A folder that cannot be listed may still hold the file.
            None if path.exists() => Lookup::Found,
            None if depth >= WRONG_CASE_DEPTH => Lookup::Missing,
            // The folder itself may be written in another letter case.
            None => match self.lookup_below(parent, depth + 1) {
                Lookup::WrongCase(actual) => match self.listing(&actual) {
                    Some(listing) => match find(&actual, &listing, name) {
                        Lookup::Found => Lookup::WrongCase(actual.join(name)),
                        other => other,
                    },
                    None => Lookup::Missing,
                },
                Lookup::Found | Lookup::Missing => Lookup::Missing,
            },
        }
    }
}

/// `path`'s [`Path::parent`] and [`Path::file_name`]: split at its last `/` when that gives
/// them (nearly every image path of a post), which is much cheaper than parsing its components.
fn parent_and_name(path: &Path) -> (Option<&Path>, Option<&OsStr>) {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if let Some(slash) = memchr::memrchr(b'/', bytes) {
            let (folder, name) = (&bytes[..slash], &bytes[slash + 1..]);
            let plain = |part: &[u8]| !matches!(part, b"" | b"." | b"..");
            let last_folder =
                &folder[folder.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1)..];
            if plain(name) && plain(last_folder) {
                return (
                    Some(Path::new(OsStr::from_bytes(folder))),
                    Some(OsStr::from_bytes(name)),
                );
            }
        }
    }
    (path.parent(), path.file_name())
}

/// `name` in the listed folder `dir`: found as written (a link only when what it points to
/// exists), else in another letter case, else missing.
fn find(dir: &Path, listing: &Listing, name: &OsStr) -> Lookup {
    if listing.present(dir, name) {
        return Lookup::Found;
    }
    match listing.ignoring_case(name) {
        Some(actual) if actual != name && listing.present(dir, actual) => {
            Lookup::WrongCase(dir.join(actual))
        }
        _ => Lookup::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]

        #[test]
        fn a_path_splits_as_its_components_say(
            parts in proptest::collection::vec(
                proptest::sample::select(&["a", "图", ".", "..", "/", "//", "b.png", ""][..]),
                0..8,
            ),
        ) {
            let path = Path::new(&parts.concat()).to_path_buf();
            // As bytes: folders are cached by their path's bytes.
            let (parent, name) = parent_and_name(&path);
            proptest::prop_assert_eq!(parent.map(Path::as_os_str), path.parent().map(Path::as_os_str));
            proptest::prop_assert_eq!(name, path.file_name(), "{:?}", path);
        }
    }

    #[test]
    fn a_path_ending_in_a_name_after_a_double_slash_splits_as_path_does() {
        // A case the property test above found against a wrong split.
        for path in ["a//a", "/a", "./a", "a/./a"] {
            let path = Path::new(path);
            let (parent, name) = parent_and_name(path);
            assert_eq!(
                parent.map(Path::as_os_str),
                path.parent().map(Path::as_os_str)
            );
            assert_eq!(name, path.file_name(), "{path:?}");
        }
    }

    #[test]
    fn found_missing_and_wrong_case() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("Public/images")).unwrap();
        std::fs::write(dir.path().join("Public/images/Photo.PNG"), b"x").unwrap();
        let disk = Disk::default();
        assert_eq!(
            disk.lookup(&dir.path().join("Public/images/Photo.PNG")),
            Lookup::Found
        );
        assert_eq!(
            disk.lookup(&dir.path().join("public/images/photo.png")),
            Lookup::WrongCase(dir.path().join("Public/images/Photo.PNG"))
        );
        assert_eq!(
            disk.lookup(&dir.path().join("Public/images/other.png")),
            Lookup::Missing
        );
        assert_eq!(disk.lookup(&dir.path().join("nope/a.png")), Lookup::Missing);
        // The folder in the wrong case, the file as written or in the wrong case too.
        assert_eq!(
            disk.lookup(&dir.path().join("public/images/Photo.PNG")),
            Lookup::WrongCase(dir.path().join("Public/images/Photo.PNG"))
        );
        assert_eq!(
            disk.lookup(&dir.path().join("PUBLIC/IMAGES/PHOTO.png")),
            Lookup::WrongCase(dir.path().join("Public/images/Photo.PNG"))
        );
        assert_eq!(
            disk.lookup(&dir.path().join("Public/images/../images/Photo.PNG")),
            Lookup::Found
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_count_when_their_target_exists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.png"), b"x").unwrap();
        std::os::unix::fs::symlink("real.png", dir.path().join("alias.png")).unwrap();
        std::os::unix::fs::symlink("gone.png", dir.path().join("dangling.png")).unwrap();
        let disk = Disk::default();
        assert_eq!(disk.lookup(&dir.path().join("alias.png")), Lookup::Found);
        assert_eq!(
            disk.lookup(&dir.path().join("dangling.png")),
            Lookup::Missing
        );
        assert_eq!(
            disk.lookup(&dir.path().join("DANGLING.png")),
            Lookup::Missing
        );
        // The same inside a folder written in another letter case.
        std::fs::create_dir(dir.path().join("Sub")).unwrap();
        std::os::unix::fs::symlink("gone.png", dir.path().join("Sub/dangling.png")).unwrap();
        std::fs::write(dir.path().join("Sub/real.png"), b"x").unwrap();
        let disk = Disk::default();
        assert_eq!(
            disk.lookup(&dir.path().join("sub/dangling.png")),
            Lookup::Missing
        );
        assert_eq!(
            disk.lookup(&dir.path().join("sub/real.png")),
            Lookup::WrongCase(dir.path().join("Sub/real.png"))
        );
    }

    #[test]
    fn a_busy_folder_answers_from_its_listing_as_stats_would() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..40 {
            std::fs::write(dir.path().join(format!("Img{i}.png")), b"x").unwrap();
        }
        let disk = Disk::default();
        // Past the first lookups the folder is listed: the answers stay the same.
        for round in 0..2 {
            for i in 0..40 {
                let path = dir.path().join(format!("Img{i}.png"));
                assert_eq!(disk.lookup(&path), Lookup::Found, "round {round}, {i}");
            }
        }
        assert!(disk.busy_listing(dir.path()).flatten().is_some(), "listed");
        assert_eq!(
            disk.lookup(&dir.path().join("img3.png")),
            Lookup::WrongCase(dir.path().join("Img3.png"))
        );
        assert_eq!(disk.lookup(&dir.path().join("none.png")), Lookup::Missing);
    }

    #[test]
    fn thousands_of_missing_folders_are_missing_without_climbing_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let deep: PathBuf = std::iter::repeat_n("a", 5_000)
            .collect::<PathBuf>()
            .join("x.png");
        assert_eq!(
            Disk::default().lookup(&dir.path().join(deep)),
            Lookup::Missing
        );
    }

    /// A listed folder, past the lookups answered by `stat`.
    fn listed(files: usize) -> (tempfile::TempDir, Disk) {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..files {
            std::fs::write(dir.path().join(format!("{i}.png")), b"x").unwrap();
        }
        let disk = Disk::default();
        for i in 0..=STATS_BEFORE_LISTING {
            assert_eq!(
                disk.lookup(&dir.path().join(format!("{i}.png"))),
                Lookup::Found
            );
        }
        (dir, disk)
    }

    /// Whether `name` is in `dir` for a new disk keeping its listings in `cache` (a run that
    /// began at `now`), asked once `dir` is busy enough to be listed; the disk saves its
    /// listings after.
    fn cached_lookup(dir: &Path, cache: &Path, now: SystemTime, name: &str) -> Lookup {
        let disk = Disk::with_cache_at(cache, now);
        for _ in 0..=STATS_BEFORE_LISTING {
            disk.lookup(&dir.join("0.png"));
        }
        let found = disk.lookup(&dir.join(name));
        disk.save();
        found
    }

    /// A folder `images` holding `0.png` in a temporary folder, and a cache folder beside it.
    fn images_and_cache() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let (images, cache) = (dir.path().join("images"), dir.path().join("cache"));
        std::fs::create_dir(&images).unwrap();
        std::fs::write(images.join("0.png"), b"x").unwrap();
        (dir, images, cache)
    }

    #[test]
    fn a_stored_listing_is_trusted_while_its_folder_is_unchanged_and_read_again_after() {
        let (_dir, images, cache) = images_and_cache();
        // A run beginning well after the folder last changed stores its listing.
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            cached_lookup(&images, &cache, later, "0.png"),
            Lookup::Found
        );
        assert!(cache.join("folder-names").is_file());
        // Stored with the folder's stamp, a listing holding a name the folder does not is
        // believed: the folder was not read again.
        let stamp = Stamp::of(&std::fs::metadata(&images).unwrap());
        let planted = Listing::from_entries([("0.png", false), ("planted.png", false)]).unwrap();
        let stored = StoredListings::new(&cache, later);
        stored.put(&images, stamp, &Arc::new(planted));
        stored.save();
        let planted = cached_lookup(&images, &cache, later, "planted.png");
        assert_eq!(planted, Lookup::Found);
        // A file added changes the folder's stamp: its listing is read again, and stored.
        std::fs::write(images.join("new.png"), b"x").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            cached_lookup(&images, &cache, later, "new.png"),
            Lookup::Found
        );
        let planted = cached_lookup(&images, &cache, later, "planted.png");
        assert_eq!(planted, Lookup::Missing);
    }

    #[test]
    fn a_folder_changed_just_before_the_run_is_not_stored() {
        let (_dir, images, cache) = images_and_cache();
        let now = SystemTime::now();
        assert_eq!(cached_lookup(&images, &cache, now, "0.png"), Lookup::Found);
        assert!(!cache.join("folder-names").exists());
    }

    #[test]
    fn a_damaged_listings_file_is_read_as_none_and_replaced() {
        let (_dir, images, cache) = images_and_cache();
        std::fs::create_dir(&cache).unwrap();
        std::fs::write(
            cache.join("folder-names"),
            b"postlint folder names v1\n\xff",
        )
        .unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(
            cached_lookup(&images, &cache, later, "0.png"),
            Lookup::Found
        );
        assert_eq!(
            cached_lookup(&images, &cache, later, "1.png"),
            Lookup::Missing
        );
        let stamp = Stamp::of(&std::fs::metadata(&images).unwrap());
        let listing = StoredListings::new(&cache, later)
            .get(&images, stamp)
            .unwrap();
        assert!(listing.present(&images, OsStr::new("0.png")));
    }

    #[test]
    fn a_thread_keeps_the_listing_it_used_last_for_its_disk_only() {
        let (dir, first) = listed(STATS_BEFORE_LISTING + 1);
        let new = dir.path().join("new.png");
        // The listing was read before the file was written: this disk does not see it...
        std::fs::write(&new, b"x").unwrap();
        assert_eq!(first.lookup(&new), Lookup::Missing);
        // ...but the next run's does, though the last listing this thread used is the old one.
        assert_eq!(Disk::default().lookup(&new), Lookup::Found);
        assert_eq!(first.lookup(&new), Lookup::Missing);
    }

    #[test]
    fn while_a_folder_is_being_listed_other_lookups_stat() {
        let (dir, disk) = listed(STATS_BEFORE_LISTING + 2);
        let (dir_key, last) = (dir.path(), STATS_BEFORE_LISTING + 1);
        // As if another thread had started reading the listing.
        disk.folder(dir_key, |folder| {
            folder.listing = None;
            folder.being_read = true;
        });
        LAST_LISTED.set(None);
        assert_eq!(
            disk.lookup(&dir.path().join(format!("{last}.png"))),
            Lookup::Found
        );
        assert!(disk.folder(dir_key, |folder| folder.listing.is_none()));
        disk.folder(dir_key, |folder| folder.being_read = false);
        assert_eq!(
            disk.lookup(&dir.path().join(format!("{last}.png"))),
            Lookup::Found
        );
        assert!(disk.folder(dir_key, |folder| folder.listing.is_some()));
    }
}

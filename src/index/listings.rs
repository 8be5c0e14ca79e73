//! The Markdown files below a folder as the last walk found them, trusted while no folder the
//! walk went into and no ignore file that could apply has changed: an editor save then lists a
//! collection of thousands of letters with a few dozen stats instead of walking it.
//!
//! A listing depends on the entries of every folder walked (a folder's modification time
//! changes when an entry is added, removed or renamed; its change time when its permissions
//! do) and on the ignore files the walker reads: `.gitignore`, `.ignore` and
//! `.git/info/exclude` in those folders and in every parent folder, and git's global excludes
//! file. Each is stored with its [`Stamp`] (or as absent); a listing is reused only while every
//! stamp is the same (checked once per run: settings detection and the walk ask for the same
//! folders), and from the same working folder (git's global excludes are matched
//! against paths relative to it). As for the outline index, nothing changed in the seconds
//! before the walk began is stored, so a change within one timestamp tick cannot go unnoticed,
//! and neither is a walk that met an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::Stamp;
use super::skeleton::{Reader, Writer};
use crate::discover;

/// The listings' file in the cache folder.
const FILE_NAME: &str = "folder-listings";
/// Bumped whenever what a walk finds changes (the walker's settings, `discover::is_markdown`):
/// the key holds only postlint's version.
const MAGIC: &[u8] = b"postlint folder listings v2\n";
/// Listings kept at most (the folders of the last runs' collections, and every `src/data`
/// folder detection asked about).
const MAX_LISTINGS: usize = 256;
/// The ignore files a folder's walk reads, in it and in each of its parents.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git/info/exclude"];

struct Listing {
    /// Git's global excludes file when walked (where git's configuration pointed).
    global: Option<PathBuf>,
    /// The working folder when walked.
    cwd: Option<PathBuf>,
    /// Every path the listing depends on, with its stamp when walked (`None`: absent).
    watched: Vec<(PathBuf, Option<Stamp>)>,
    /// The Markdown files found, relative to the folder, sorted as [`discover::markdown_files`]
    /// sorts them.
    files: Vec<PathBuf>,
    /// Looked up (found current) or made in this run (kept first when there are too many).
    used: bool,
    /// Written by [`Listings::save`]: not a walk made a moment after a change, or one that met an
    /// error (used in this run only).
    saved: bool,
}

pub struct Listings {
    /// The cache folder.
    dir: PathBuf,
    /// By folder walked, as given.
    stored: HashMap<PathBuf, Listing>,
    changed: bool,
    /// Git's global excludes file and the working folder now, read once per run.
    context: std::cell::OnceCell<(Option<PathBuf>, Option<PathBuf>)>,
    /// Walks done by this value (the rest were served from the stored listings).
    walks: usize,
}

impl Listings {
    /// The listings stored in the cache folder `dir`; none when missing, unreadable, or written
    /// by another version.
    pub fn open(dir: &Path) -> Listings {
        let stored = crate::cache_dir::read(dir, FILE_NAME)
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default();
        Listings {
            dir: dir.to_owned(),
            stored,
            changed: false,
            context: std::cell::OnceCell::new(),
            walks: 0,
        }
    }

    /// [`discover::markdown_files`] of `folder`, relative to it, from the stored listing when
    /// nothing it depends on changed; `None` when `folder` is not a folder. Relative, as stored:
    /// the walk makes each file's path from its collection's folder instead of taking the whole
    /// path apart again. (A file the walker found outside the folder keeps its whole path.)
    pub fn markdown_files(&mut self, folder: &Path) -> Option<&[PathBuf]> {
        self.markdown_files_at(folder, SystemTime::now())
    }

    /// [`Listings::markdown_files`] for a walk starting at `now`.
    fn markdown_files_at(&mut self, folder: &Path, now: SystemTime) -> Option<&[PathBuf]> {
        if !folder.is_dir() {
            return None;
        }
        let (global, cwd) = self
            .context
            .get_or_init(|| {
                let global = ignore::gitignore::gitconfig_excludes_path();
                (global, std::env::current_dir().ok())
            })
            .clone();
        let current = self.stored.get(folder).is_some_and(|listing| {
            // Checked or made earlier in this run (settings detection and the walk of the
            // collection found ask for the same folder): checked once.
            listing.used
                || (listing.global == global && listing.cwd == cwd && is_current(&listing.watched))
        });
        if current {
            let listing = self.stored.get_mut(folder).expect("just looked up");
            listing.used = true;
            return Some(&listing.files);
        }
        self.walks += 1;
        let walk = discover::walk_folder(folder);
        let relative: Option<Vec<PathBuf>> = walk
            .files
            .iter()
            .map(|f| f.strip_prefix(folder).ok().map(Path::to_path_buf))
            .collect();
        let watched = walk
            .complete
            .then(|| watched(folder, &walk.folders, global.as_deref(), now))
            .flatten();
        let (watched, files, saved) = match (watched, relative) {
            (Some(watched), Some(relative)) => (watched, relative, true),
            // Something changed a moment ago, or the walk met an error: the walk serves this
            // run (detection, then the collection's walk), and the folder is walked again next
            // time.
            (_, relative) => (Vec::new(), relative.unwrap_or(walk.files), false),
        };
        let listing = Listing {
            global,
            cwd,
            watched,
            files,
            used: true,
            saved,
        };
        let previous = self.stored.insert(folder.to_owned(), listing);
        self.changed |= saved || previous.is_some_and(|p| p.saved);
        Some(&self.stored[folder].files)
    }

    /// Writes the listings if they changed since read or last written, through a temporary file
    /// and a rename.
    pub fn save(&mut self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let mut kept: Vec<(&PathBuf, &Listing)> =
            self.stored.iter().filter(|(_, l)| l.saved).collect();
        // The listings of this run first, then by folder: the same bytes for the same listings.
        kept.sort_by(|a, b| b.1.used.cmp(&a.1.used).then_with(|| a.0.cmp(b.0)));
        kept.truncate(MAX_LISTINGS);
        if let Some(bytes) = encode(&kept) {
            crate::cache_dir::write(&self.dir, FILE_NAME, &bytes)?;
        }
        // Saved once per run however many walks ask (`--fix` lints again and again).
        self.changed = false;
        Ok(())
    }
}

/// Deletes the listings in `dir`; whether there were some.
pub fn clear(dir: &Path) -> std::io::Result<bool> {
    crate::cache_dir::remove(dir, FILE_NAME)
}

/// What a walk of `folder` that went into `folders` (itself first) and began at `now` depends
/// on; `None` when any of it changed too recently to be trusted, or the walk never went in.
fn watched(
    folder: &Path,
    folders: &[PathBuf],
    global: Option<&Path>,
    now: SystemTime,
) -> Option<Vec<(PathBuf, Option<Stamp>)>> {
    // A folder that was not there when the walk began may be there now.
    if folders.first().map(PathBuf::as_path) != Some(folder) {
        return None;
    }
    // The walker reads the ignore files of the real parents (links resolved).
    let real = folder.canonicalize().ok()?;
    let parents = real.ancestors().skip(1);
    let mut paths: Vec<PathBuf> = folders.to_vec();
    for place in folders.iter().map(PathBuf::as_path).chain(parents) {
        paths.extend(IGNORE_FILES.iter().map(|name| place.join(name)));
    }
    paths.extend(global.map(Path::to_path_buf));
    let mut watched = Vec::with_capacity(paths.len());
    for path in paths {
        let stamp = stamp(&path)?;
        if stamp.is_some_and(|s| !s.settled(now)) {
            return None;
        }
        watched.push((path, stamp));
    }
    // A folder walked must exist: its entries are what the listing lists.
    watched[..folders.len()]
        .iter()
        .all(|(_, stamp)| stamp.is_some())
        .then_some(watched)
}

/// Whether every watched path still has its stamp.
fn is_current(watched: &[(PathBuf, Option<Stamp>)]) -> bool {
    watched
        .iter()
        .all(|(path, stored)| stamp(path).is_some_and(|now| now == *stored))
}

/// `Some(None)` for a path that is not there; `None` when it cannot be told.
fn stamp(path: &Path) -> Option<Option<Stamp>> {
    match std::fs::metadata(path) {
        Ok(meta) => Some(Some(Stamp::of(&meta))),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Some(None)
        }
        Err(_) => None,
    }
}

/// A path's bytes as cache files store them (`None` off Unix, where nothing is stored).
#[cfg(unix)]
pub(crate) fn path_bytes(path: &Path) -> Option<&[u8]> {
    use std::os::unix::ffi::OsStrExt;
    Some(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn path_bytes(_: &Path) -> Option<&[u8]> {
    // Stamps off Unix hold no change time or inode: nothing is stored.
    None
}

/// The path [`path_bytes`] gave these bytes for.
#[cfg(unix)]
pub(crate) fn path_of(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
pub(crate) fn path_of(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn encode(listings: &[(&PathBuf, &Listing)]) -> Option<Vec<u8>> {
    let mut out = Writer(Vec::new());
    out.0.extend_from_slice(MAGIC);
    out.bytes(super::key(&[]).as_bytes());
    out.u64(listings.len() as u64);
    for (folder, listing) in listings {
        out.bytes(path_bytes(folder)?);
        for place in [&listing.global, &listing.cwd] {
            match place {
                Some(path) => {
                    out.u8(1);
                    out.bytes(path_bytes(path)?);
                }
                None => out.u8(0),
            }
        }
        out.u64(listing.watched.len() as u64);
        for (path, stamp) in &listing.watched {
            out.bytes(path_bytes(path)?);
            match stamp {
                Some(stamp) => {
                    out.u8(1);
                    stamp.write(&mut out);
                }
                None => out.u8(0),
            }
        }
        out.u64(listing.files.len() as u64);
        for file in &listing.files {
            out.bytes(path_bytes(file)?);
        }
    }
    Some(out.0)
}

fn decode(bytes: &[u8]) -> Option<HashMap<PathBuf, Listing>> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    if input.bytes()? != super::key(&[]).as_bytes() {
        return None;
    }
    let mut listings = HashMap::new();
    for _ in 0..input.count()? {
        let folder = path_of(input.bytes()?);
        let mut place = || match input.u8()? {
            0 => Some(None),
            1 => Some(Some(path_of(input.bytes()?))),
            _ => None,
        };
        let (global, cwd) = (place()?, place()?);
        let mut watched = Vec::new();
        for _ in 0..input.count()? {
            let path = path_of(input.bytes()?);
            let stamp = match input.u8()? {
                0 => None,
                1 => Some(Stamp::read(&mut input)?),
                _ => return None,
            };
            watched.push((path, stamp));
        }
        // A listing watches its own folder first: one planted to watch nothing is refused.
        if !matches!(watched.first(), Some((path, Some(_))) if *path == folder) {
            return None;
        }
        // Only plain names below the folder: a planted file cannot send the walk elsewhere.
        // (Checked on the bytes: taking each path apart cost as much as the rest of reading.)
        let below = |name: &&[u8]| discover::is_plain_bytes(name);
        let files = (0..input.count()?)
            .map(|_| input.bytes().filter(below).map(path_of))
            .collect::<Option<Vec<PathBuf>>>()?;
        let listing = Listing {
            global,
            cwd,
            watched,
            files,
            used: false,
            saved: true,
        };
        listings.insert(folder, listing);
    }
    input.0.is_empty().then_some(listings)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;
    use std::time::Duration;

    /// A blog whose folders and ignore files last changed an hour ago, with its cache folder,
    /// its `letters` folder, and a time after which their change times count as settled.
    struct Blog {
        dir: tempfile::TempDir,
        cache: PathBuf,
        folder: PathBuf,
        now: SystemTime,
    }

    fn blog() -> Blog {
        let dir = tempfile::tempdir().unwrap();
        let letters = dir.path().join("letters");
        fs::create_dir_all(letters.join("2024")).unwrap();
        fs::write(letters.join("a.md"), "a").unwrap();
        fs::write(letters.join("2024/b.md"), "b").unwrap();
        fs::write(letters.join("notes.txt"), "c").unwrap();
        fs::write(letters.join(".gitignore"), "draft-*.md\n").unwrap();
        age(dir.path());
        Blog {
            cache: dir.path().join(".postlint-cache"),
            folder: letters,
            now: SystemTime::now() + Duration::from_secs(3600),
            dir,
        }
    }

    impl Blog {
        fn root(&self) -> &Path {
            self.dir.path()
        }

        /// Lists the `letters` folder as a new run would: (names found, walks done).
        fn list(&self) -> (Vec<String>, usize) {
            self.list_in(&self.folder)
        }

        fn list_in(&self, folder: &Path) -> (Vec<String>, usize) {
            list_again(&self.cache, folder, self.now)
        }
    }

    /// Sets the modification time of every folder and file below `dir` an hour back, so a
    /// change made by a test moves it whatever the clock's tick.
    fn age(dir: &Path) {
        let past = SystemTime::now() - Duration::from_secs(3600);
        for entry in walkdir(dir) {
            fs::File::open(&entry).unwrap().set_modified(past).unwrap();
        }
    }

    fn walkdir(dir: &Path) -> Vec<PathBuf> {
        let mut all = vec![dir.to_owned()];
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                all.extend(walkdir(&path));
            } else {
                all.push(path);
            }
        }
        all
    }

    fn names(files: &[PathBuf], folder: &Path) -> Vec<String> {
        files
            .iter()
            .map(|f| {
                f.strip_prefix(folder)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// Lists `folder` from the stored listings for a walk beginning at `now`, as a new run would.
    fn list_again(cache: &Path, folder: &Path, now: SystemTime) -> (Vec<String>, usize) {
        let mut listings = Listings::open(cache);
        let files: Vec<String> = (listings.markdown_files_at(folder, now).expect("a folder"))
            .iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        listings.save().unwrap();
        (files, listings.walks)
    }

    fn found(names: &[&str], walks: usize) -> (Vec<String>, usize) {
        (names.iter().map(|n| n.to_string()).collect(), walks)
    }

    #[test]
    fn an_unchanged_folder_is_listed_without_walking_it() {
        let blog = blog();
        assert_eq!(blog.list(), found(&["2024/b.md", "a.md"], 1));
        let served = blog.list();
        assert_eq!(served, found(&["2024/b.md", "a.md"], 0));
        let walked = discover::markdown_files(&blog.folder);
        assert_eq!(served.0, names(&walked, &blog.folder));
    }

    #[test]
    fn a_folder_is_checked_once_per_run() {
        let blog = blog();
        let mut listings = Listings::open(&blog.cache);
        let list = |listings: &mut Listings| {
            let files = listings.markdown_files_at(&blog.folder, blog.now).unwrap();
            names(files, Path::new(""))
        };
        assert_eq!(list(&mut listings), ["2024/b.md", "a.md"]);
        // Settings detection and the collection's walk ask for one folder in one run: the
        // second is served the listing the first checked, even after a change between them.
        fs::write(blog.folder.join("c.md"), "c").unwrap();
        assert_eq!(list(&mut listings), ["2024/b.md", "a.md"]);
        assert_eq!(listings.walks, 1);
        listings.save().unwrap();
        assert_eq!(
            blog.list(),
            found(&["2024/b.md", "a.md", "c.md"], 1),
            "next run"
        );
    }

    #[test]
    fn every_change_a_walk_would_see_is_seen() {
        let blog = blog();
        let (root, folder) = (blog.root(), &blog.folder);
        let listed = |expected: &[&str]| {
            let (files, walks) = blog.list();
            assert_eq!(files, expected, "walks: {walks}");
            assert_eq!(files, names(&discover::markdown_files(folder), folder));
            walks
        };
        assert_eq!(listed(&["2024/b.md", "a.md"]), 1);

        // A letter added in a subfolder (that folder's entries change).
        fs::write(folder.join("2024/c.md"), "c").unwrap();
        assert_eq!(listed(&["2024/b.md", "2024/c.md", "a.md"]), 1);
        age(root);
        // The folder's ignore file edited (its entries stay the same).
        listed(&["2024/b.md", "2024/c.md", "a.md"]);
        fs::write(folder.join(".gitignore"), "c.md\n").unwrap();
        assert_eq!(listed(&["2024/b.md", "a.md"]), 1);
        age(root);
        // An ignore file created in a parent folder, above the folder walked.
        listed(&["2024/b.md", "a.md"]);
        fs::write(root.join(".ignore"), "a.md\n").unwrap();
        assert_eq!(listed(&["2024/b.md"]), 1);
        age(root);
        // A git exclude file in a folder walked.
        fs::create_dir_all(folder.join("2024/.git/info")).unwrap();
        age(root);
        listed(&["2024/b.md"]);
        fs::write(folder.join("2024/.git/info/exclude"), "b.md\n").unwrap();
        assert_eq!(listed(&[]), 1);
        // A subfolder removed.
        fs::remove_dir_all(folder.join("2024")).unwrap();
        age(root);
        listed(&[]);
        fs::remove_file(root.join(".ignore")).unwrap();
        assert_eq!(listed(&["a.md"]), 1);
    }

    #[test]
    fn a_folder_changed_a_moment_before_the_walk_is_not_stored() {
        let blog = blog();
        // The change times are now: not settled for a walk beginning now.
        let now = SystemTime::now();
        assert_eq!(list_again(&blog.cache, &blog.folder, now).1, 1);
        assert_eq!(list_again(&blog.cache, &blog.folder, now).1, 1);
        assert!(!blog.cache.join(FILE_NAME).exists());
        // Within one run, the walk serves every ask (detection, then the collection's walk).
        let mut listings = Listings::open(&blog.cache);
        for _ in 0..2 {
            let files = listings.markdown_files_at(&blog.folder, now).unwrap();
            assert_eq!(names(files, Path::new("")), ["2024/b.md", "a.md"]);
        }
        assert_eq!(listings.walks, 1);
        listings.save().unwrap();
        assert!(!blog.cache.join(FILE_NAME).exists());
    }

    #[test]
    fn listings_are_written_once_however_often_they_are_saved() {
        let blog = blog();
        let mut listings = Listings::open(&blog.cache);
        listings.markdown_files_at(&blog.folder, blog.now).unwrap();
        listings.save().unwrap();
        let file = blog.cache.join(FILE_NAME);
        fs::remove_file(&file).unwrap();
        // Nothing changed since: `--fix` lints round after round with one value.
        listings.markdown_files_at(&blog.folder, blog.now).unwrap();
        listings.save().unwrap();
        assert!(!file.exists());
    }

    #[test]
    fn a_folder_modified_a_moment_before_the_walk_is_not_stored_whatever_its_change_time() {
        let blog = blog();
        // Its change time settled long before the walk, its modification time not.
        let folder = fs::File::open(&blog.folder).unwrap();
        folder.set_modified(blog.now).unwrap();
        assert_eq!(blog.list().1, 1);
        assert_eq!(blog.list().1, 1);
    }

    #[test]
    fn listings_cut_short_written_by_another_version_or_leaving_the_folder_are_ignored() {
        let blog = blog();
        let file = blog.cache.join(FILE_NAME);
        blog.list();
        let bytes = fs::read(&file).unwrap();
        for cut in [0, MAGIC.len(), bytes.len() / 2, bytes.len() - 1] {
            fs::write(&file, &bytes[..cut]).unwrap();
            assert_eq!(blog.list().1, 1, "cut at {cut}");
        }
        let mut foreign = bytes.clone();
        foreign[MAGIC.len() + 8] = b'X';
        fs::write(&file, foreign).unwrap();
        assert_eq!(blog.list().1, 1);
        // A listed name that leaves the folder, or is not plain (same length as `a.md`).
        let listed = fs::read(&file).unwrap();
        for name in [b"../a", b"/a.m", b"./am", b"a//m"] {
            let mut planted = listed.clone();
            let at = planted.windows(4).rposition(|w| w == b"a.md").unwrap();
            planted[at..at + 4].copy_from_slice(name);
            fs::write(&file, planted).unwrap();
            assert_eq!(blog.list().1, 1, "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn a_planted_listing_that_watches_nothing_is_refused() {
        let blog = blog();
        let planted = Listing {
            global: ignore::gitignore::gitconfig_excludes_path(),
            cwd: std::env::current_dir().ok(),
            watched: Vec::new(),
            files: vec![PathBuf::from("planted.md")],
            used: false,
            saved: true,
        };
        let bytes = encode(&[(&blog.folder, &planted)]).unwrap();
        crate::cache_dir::write(&blog.cache, FILE_NAME, &bytes).unwrap();
        assert_eq!(blog.list(), found(&["2024/b.md", "a.md"], 1));
    }

    #[test]
    fn a_folder_given_as_a_link_is_watched_through_it() {
        let blog = blog();
        let link = blog.root().join("linked");
        std::os::unix::fs::symlink(&blog.folder, &link).unwrap();
        assert_eq!(blog.list_in(&link).1, 1);
        assert_eq!(blog.list_in(&link).1, 0, "stored and served");
        fs::write(blog.folder.join("c.md"), "c").unwrap();
        let all = ["2024/b.md", "a.md", "c.md"];
        assert_eq!(blog.list_in(&link), found(&all, 1));
        age(blog.root());
        blog.list_in(&link);
        fs::write(blog.folder.join(".gitignore"), "a.md\n").unwrap();
        assert_eq!(blog.list_in(&link), found(&["2024/b.md", "c.md"], 1));
    }

    #[test]
    fn a_walk_that_met_an_error_or_never_went_in_is_not_stored() {
        let blog = blog();
        // An ignore file the walker cannot read whole: its other lines still apply, once.
        fs::write(blog.folder.join(".ignore"), "a.md\n[z-a]\n").unwrap();
        age(blog.root());
        assert_eq!(blog.list(), found(&["2024/b.md"], 1));
        assert_eq!(blog.list().1, 1, "walked again");
        // A folder that was not there when the walk began.
        let missing = blog.root().join("missing");
        let walk = discover::walk_folder(&missing);
        fs::create_dir(&missing).unwrap();
        assert!(watched(&missing, &walk.folders, None, blog.now).is_none());
    }
}

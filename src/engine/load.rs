//! Finding, reading and parsing the posts of the collections a request involves (outlines;
//! posts nobody asked about from the outline index when it is there).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
use std::time::SystemTime;

use rayon::prelude::*;

use super::{BodyPass, BodyPhase, Request};
use crate::collection::Collection;
use crate::discover;
use crate::index::listings::Listings;
use crate::index::{self, Index, Location, Stamp, skeleton};
use crate::post::{Depth, Post};
use crate::series::BodyRegex;
use crate::settings::{CollectionSettings, Settings};

/// Finds, reads and parses the posts of every collection involved in the request.
pub fn load(request: &Request<'_>, errors: &mut Vec<String>) -> Vec<Collection> {
    load_with(request, None, errors).0
}

/// [`load`], running `phase` on each requested post as it is read: the post is parsed in full for
/// it, then kept cut as the outline index cuts posts ([`skeleton::outline`], which outlines only
/// the lines the cut needs), or whole as an outline ([`Post::into_outline`]) when a report or a
/// later read of the file could not do without its text. Returns what phase 1 found, parallel
/// to the posts.
pub(crate) fn load_with(
    request: &Request<'_>,
    phase: Option<&BodyPhase<'_>>,
    errors: &mut Vec<String>,
) -> (Vec<Collection>, Vec<Vec<Option<BodyPass>>>) {
    let settings = request.settings;
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = discover::normalize(&cwd.join(&settings.root));
    let root_slash = format!("{}/", root.to_string_lossy().trim_end_matches('/'));
    let rel = |abs: &Path| match abs.to_str().and_then(|a| a.strip_prefix(&root_slash)) {
        // The walker's own paths: plain names below the root (the common, cheap case).
        Some(below) if discover::is_plain(below) => below.to_owned(),
        _ => discover::slash_path(&discover::relative(abs, &root)),
    };

    // Files are opened by their path from the working folder when the root lies in it: the
    // kernel then looks up only the names below it (for each of thousands of files, looking up
    // the root's own folders again cost a whole-blog run 2 % of its CPU).
    let open_root = match root.strip_prefix(&cwd) {
        Ok(below) if !cwd.as_os_str().is_empty() => below.to_path_buf(),
        _ => root.clone(),
    };

    // The path shown for a file: the root as the user sees it joined with the relative path.
    let shown_root = discover::normalize(&settings.root);
    let shown = |rel: &str| discover::join_normal(&shown_root, rel);

    let stdin_rel = request
        .stdin
        .as_ref()
        .map(|(path, _)| rel(&discover::normalize(path)));
    // Folders stay folders (a post is asked for when it lies below one): expanding them walked
    // the blog twice. A folder holding the root asks for everything.
    let mut asked = request.paths.as_ref().map(|paths| {
        let mut asked = Asked::default();
        for path in paths.iter().map(|p| discover::normalize(p)) {
            let rel = rel(&path);
            if path.is_dir() {
                asked.folders.push(rel);
            } else if !settings.is_excluded(&rel) {
                asked.files.insert(rel);
            }
        }
        asked
    });
    if let Some(rel) = &stdin_rel {
        // An unsaved buffer alone asks for findings on that buffer only.
        let asked = asked.get_or_insert_default();
        if !settings.is_excluded(rel) {
            asked.files.insert(rel.clone());
        }
    }
    if asked.as_ref().is_some_and(Asked::holds_root) {
        asked = None;
    }
    let requested = asked;
    let is_requested = |rel: &str| requested.as_ref().is_none_or(|r| r.contains(rel));

    crate::timings::mark("settings, requested paths");
    let regexes = index::series_regexes(settings);
    let patterns = index::patterns(&regexes);
    // A whole-project run asks for every post: no post would come from the index (its folders
    // are listed from the cache all the same). Opening the index reads no entry.
    let mut index = request
        .index_dir
        .as_deref()
        .filter(|_| requested.is_some())
        .map(|dir| Index::open(dir, &regexes));
    let mut opened = request
        .listings
        .map(|open| open.lock().unwrap_or_else(PoisonError::into_inner));
    let mut own = opened
        .is_none()
        .then(|| request.index_dir.as_deref().map(Listings::open))
        .flatten();
    let mut listings = opened.as_deref_mut().or(own.as_mut());
    let mut walked = walk(
        settings,
        &root,
        requested.as_ref(),
        &rel,
        listings.as_deref_mut(),
    );
    if let Some(listings) = listings {
        // Listings only save time, as the index does.
        let _ = listings.save();
    }

    crate::timings::mark("opened the outline index, walked the collections");
    // An unsaved buffer outside every collection is still linted, on its own.
    let mut extra: Option<CollectionSettings> = None;
    let mut unsaved_only = None;
    if let Some(rel) = &stdin_rel
        && !settings.is_excluded(rel)
        && !walked.found(rel)
    {
        unsaved_only = Some(rel.as_str());
        match settings.collections.iter().position(|c| c.contains(rel)) {
            Some(index) => walked.add(index, rel.clone()),
            None => extra = Some(CollectionSettings::standalone(rel)),
        }
    }

    let now = SystemTime::now();

    let mut collections = Vec::new();
    let mut early = Vec::new();
    let mut extra_files = vec![stdin_rel.clone().unwrap_or_default()];
    let groups = settings
        .collections
        .iter()
        .zip(&mut walked.files)
        .map(|(c, f)| (c.clone(), f))
        .chain(extra.map(|c| (c, &mut extra_files)));
    for (collection, files) in groups {
        if !files.iter().any(|f| is_requested(f)) {
            continue;
        }
        let folders = match &index {
            Some(_) => OpenFolders::open(&open_root, files.iter().filter(|f| !is_requested(f))),
            None => OpenFolders::default(),
        };
        let located = index.as_ref().map(|index| index.locate(files));
        let preset = crate::collection::preset_before_detection(collection.preset);
        // Posts go straight into their vector, the rest beside them: a vector of both was
        // thousands of posts copied, and memory touched twice, on every editor save.
        let (mut posts, loads): (Vec<Post>, Vec<Result<Loaded, String>>) = files
            .par_iter()
            .enumerate()
            .map(|(at, rel)| -> Result<(Post, Loaded), String> {
                let display = shown(rel);
                let requested = is_requested(rel);
                let (bytes, on_disk) = match (&request.stdin, &stdin_rel) {
                    _ if request.buffers.contains_key(&display) => {
                        (request.buffers[&display].clone().into_bytes(), false)
                    }
                    (Some((_, text)), Some(s)) if s == rel => (text.clone().into_bytes(), false),
                    _ if !requested && index.is_some() => {
                        let index = index.as_ref().expect("checked in the guard");
                        let stored = (index, located.as_ref().and_then(|l| l[at]));
                        return load_outline(&open_root, rel, display, stored, &regexes, &folders);
                    }
                    _ => (
                        std::fs::read(discover::join(&open_root, rel))
                            .map_err(|e| cannot_read(&display, e))?,
                        true,
                    ),
                };
                let Some(phase) = phase.filter(|_| requested) else {
                    // Bodies are parsed in full by the per-post phase, one post at a time.
                    let post = Post::from_bytes_with(display, bytes, Depth::Outline);
                    return Ok((post, Loaded::new(requested)));
                };
                let post = Post::from_bytes_with(display, bytes, Depth::Full);
                let body = phase.run(&post, preset);
                // The text stays for a report of what phase 1 found, for posts that cannot be read
                // again (buffers), for problems that stop the parse (their spans run to the end),
                // and for network runs (their findings point anywhere in a body, and they last
                // long enough for the file to change before it would be read again).
                let whole = !on_disk
                    || phase.network
                    || body.found_something()
                    || !post.syntax.is_empty()
                    || post.encoding.is_some();
                let kept = if whole {
                    post.into_outline()
                } else {
                    skeleton::outline(post, &regexes, &patterns)
                };
                let loaded = Loaded {
                    body: Some(body),
                    ..Loaded::new(requested)
                };
                Ok((kept, loaded))
            })
            .map(|result| match result {
                Ok((post, loaded)) => (post, Ok(loaded)),
                // A stand-in, removed below: files that cannot be read are rare.
                Err(e) => (Post::parse(PathBuf::new(), ""), Err(e)),
            })
            .unzip();
        drop_unread(&mut posts, &loads);
        let mut flags = Vec::with_capacity(posts.len());
        let mut rels = Vec::with_capacity(posts.len());
        let mut bodies = Vec::with_capacity(posts.len());
        // The walk's paths move into the collection unless the index needs them below: copying
        // thousands of paths was a serial step of every whole-blog run.
        let files = match index {
            Some(_) => files.clone(),
            None => std::mem::take(files),
        };
        for (result, rel) in loads.into_iter().zip(files) {
            match result {
                Ok(loaded) => {
                    if let (Some(index), Some(fresh)) = (&mut index, loaded.fresh) {
                        let (stamp, skeleton) = *fresh;
                        index.insert(&rel, stamp, skeleton, now);
                    }
                    flags.push(loaded.requested);
                    rels.push(rel);
                    bodies.push(loaded.body);
                }
                Err(e) => errors.push(e),
            }
        }
        crate::timings::mark("read a collection (body rules on the posts asked for)");
        collections.push(Collection::new(&collection, posts, rels, flags));
        early.push(bodies);
        crate::timings::mark("detected its preset and series");
    }
    if let Some(index) = &mut index {
        forget_removed(index, settings, &walked, unsaved_only);
        // The index only saves time: a cache folder that cannot be written changes no finding.
        let _ = index.save();
    }
    (collections, early)
}

/// Removes from `posts` the stand-ins of the files that could not be read (`loads`, parallel to
/// `posts`, holds their errors).
fn drop_unread(posts: &mut Vec<Post>, loads: &[Result<Loaded, String>]) {
    if loads.iter().all(Result::is_ok) {
        return;
    }
    let mut loads = loads.iter();
    posts.retain(|_| loads.next().is_some_and(Result::is_ok));
}

/// Forgets the index entries of files the walk should have found and did not (deleted, or no
/// longer in their collection), and of a buffer whose file is not on disk (`unsaved_only`).
/// Files of collections not walked this time stay.
fn forget_removed(
    index: &mut Index,
    settings: &Settings,
    walked: &Walk,
    unsaved_only: Option<&str>,
) {
    // A collection holds only files below the literal start of its patterns (where it is
    // walked from): the others, most of the index in an editor save, are kept unsearched.
    let walked_collections: Vec<(&CollectionSettings, Vec<String>)> = settings
        .collections
        .iter()
        .zip(&walked.walked)
        .filter(|(_, walked)| **walked)
        .map(|(c, _)| (c, c.folders().map(|f| discover::slash_path(&f)).collect()))
        .collect();
    let under = |rel: &str, folder: &str| {
        folder.is_empty()
            || rel
                .strip_prefix(folder)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let mut cursors = vec![0; walked.files.len()];
    index.retain(|rel| {
        let mut claiming = walked_collections
            .iter()
            .filter(|(_, folders)| folders.iter().any(|f| under(rel, f)))
            .peekable();
        claiming.peek().is_none()
            || (walked.found_from(rel, &mut cursors) && unsaved_only != Some(rel))
            || !claiming.any(|(c, _)| c.contains(rel))
    });
}

/// The posts findings were asked for, relative to the root.
#[derive(Default)]
struct Asked {
    files: HashSet<String>,
    /// Every Markdown file below these folders.
    folders: Vec<String>,
}

impl Asked {
    fn contains(&self, rel: &str) -> bool {
        // An editor save asks for one file, about every file of its collection: compared, not
        // hashed.
        let file = if self.files.len() <= 8 {
            self.files.iter().any(|f| f == rel)
        } else {
            self.files.contains(rel)
        };
        file || self.folders.iter().any(|folder| {
            rel.strip_prefix(folder.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// Whether a folder asked for is the root or holds it (`.`, `..`, `../..`).
    fn holds_root(&self) -> bool {
        self.folders
            .iter()
            .any(|folder| folder.split('/').all(|part| matches!(part, "." | "..")))
    }
}

/// The Markdown files of each collection, relative to the root.
struct Walk {
    /// By collection, each file in the first collection that claims it; sorted.
    files: Vec<Vec<String>>,
    /// Whether each collection was walked.
    walked: Vec<bool>,
}

impl Walk {
    /// Whether the walk found the file at `rel` (or it was added).
    fn found(&self, rel: &str) -> bool {
        self.files
            .iter()
            .any(|files| files.binary_search_by(|f| f.as_str().cmp(rel)).is_ok())
    }

    /// [`Walk::found`] for paths mostly asked in increasing order (the index's): each
    /// collection's search goes on from where the last one ended (`cursors`, one per collection,
    /// zero at first), and is a binary search for a path before it.
    fn found_from(&self, rel: &str, cursors: &mut [usize]) -> bool {
        self.files.iter().zip(cursors).any(|(files, at)| {
            if *at > 0
                && files
                    .get(*at - 1)
                    .is_none_or(|before| before.as_str() >= rel)
            {
                *at = files.partition_point(|f| f.as_str() < rel);
            }
            while files.get(*at).is_some_and(|f| f.as_str() < rel) {
                *at += 1;
            }
            files.get(*at).is_some_and(|f| f == rel)
        })
    }

    /// Adds a file the walk did not find to the collection at `index`, in order.
    fn add(&mut self, index: usize, rel: String) {
        let files = &mut self.files[index];
        files.insert(files.partition_point(|f| *f < rel), rel);
    }
}

/// Finds the files of every collection. Collections holding nothing `requested` (all when
/// `None`) are walked only when they could claim a file first.
fn walk(
    settings: &Settings,
    root: &Path,
    requested: Option<&Asked>,
    rel: &dyn Fn(&Path) -> String,
    mut listings: Option<&mut Listings>,
) -> Walk {
    let prefixes: Vec<BTreeSet<PathBuf>> = settings
        .collections
        .iter()
        .map(|c| c.folders().collect())
        .collect();
    let overlap = |a: &BTreeSet<PathBuf>, b: &BTreeSet<PathBuf>| {
        a.iter()
            .any(|p| b.iter().any(|q| p.starts_with(q) || q.starts_with(p)))
    };
    // The collection that claims each requested file first, and those a requested folder may hold.
    let claimed: Option<HashSet<usize>> = requested.map(|r| {
        let folders: BTreeSet<PathBuf> = r.folders.iter().map(PathBuf::from).collect();
        r.files
            .iter()
            .filter_map(|rel| settings.collections.iter().position(|c| c.contains(rel)))
            .chain((0..prefixes.len()).filter(|&i| overlap(&prefixes[i], &folders)))
            .collect()
    });
    let asked: Vec<bool> = (0..settings.collections.len())
        .map(|index| claimed.as_ref().is_none_or(|c| c.contains(&index)))
        .collect();
    let walked: Vec<bool> = (0..settings.collections.len())
        .map(|j| {
            asked[j]
                || (j + 1..asked.len()).any(|i| asked[i] && overlap(&prefixes[i], &prefixes[j]))
        })
        .collect();
    let mut files: Vec<Vec<String>> = vec![Vec::new(); settings.collections.len()];
    // A file found twice (by two collections, or two patterns of one) belongs to the first
    // walk that found it. Only walks of folders that hold one another can find a file twice:
    // otherwise nothing is hashed (hashing a copy of every path was most of a whole-blog walk).
    let folders: Vec<&PathBuf> = (0..prefixes.len())
        .filter(|&i| walked[i])
        .flat_map(|i| &prefixes[i])
        .collect();
    let nested = folders.iter().enumerate().any(|(i, a)| {
        folders[i + 1..]
            .iter()
            .any(|b| a.starts_with(b) || b.starts_with(a))
    });
    let mut seen = nested.then(HashSet::new);
    for (index, collection) in settings.collections.iter().enumerate() {
        if !walked[index] {
            continue;
        }
        for prefix in &prefixes[index] {
            let folder = root.join(prefix);
            let listed = listings
                .as_deref_mut()
                .and_then(|l| l.markdown_files(&folder));
            let rels: Vec<String> = match listed {
                Some(names) => {
                    let prefix = plain(prefix);
                    let rel_of = |name: &PathBuf| rel_of_listed(prefix, name, &folder, rel);
                    names.iter().map(rel_of).collect()
                }
                None => discover::markdown_files(&folder)
                    .iter()
                    .map(|f| rel(f))
                    .collect(),
            };
            for rel in rels {
                if collection.contains(&rel)
                    && !settings.is_excluded(&rel)
                    && seen.as_mut().is_none_or(|seen| seen.insert(rel.clone()))
                {
                    files[index].push(rel);
                }
            }
        }
    }
    for files in &mut files {
        // Usually in order already (not with several patterns, or paths not plain below the root).
        files.sort_unstable();
    }
    Walk { files, walked }
}

/// The path relative to the root of `name`, a file found below `folder` and named relative to
/// it: `prefix` (the folder relative to the root, when plain) and the name joined with a `/` when
/// the name is plain too, the common case met for every file of a walk; else `rel` of the whole
/// path.
fn rel_of_listed(
    prefix: Option<&str>,
    name: &Path,
    folder: &Path,
    rel: &dyn Fn(&Path) -> String,
) -> String {
    match (prefix, plain(name)) {
        (Some(prefix), Some(name)) if !name.is_empty() => {
            let mut joined = String::with_capacity(prefix.len() + 1 + name.len());
            if !prefix.is_empty() {
                joined.push_str(prefix);
                joined.push('/');
            }
            joined.push_str(name);
            joined
        }
        _ => rel(&folder.join(name)),
    }
}

/// `path` as `/`-separated text of plain names (maybe none), when it is that.
fn plain(path: &Path) -> Option<&str> {
    path.to_str()
        .filter(|p| std::path::MAIN_SEPARATOR == '/' && !p.starts_with('/'))
        .filter(|p| p.is_empty() || discover::is_plain(p))
}

/// What loading one file gave besides its post.
struct Loaded {
    requested: bool,
    /// A skeleton to store in the outline index, with the stamp of the file it was made from
    /// (boxed: most loads have none, and a vector of them is as long as the collection).
    fresh: Option<Box<(Stamp, Vec<u8>)>>,
    /// What phase 1 found, when it ran.
    body: Option<BodyPass>,
}

impl Loaded {
    /// Nothing for the index, and phase 1 not run.
    fn new(requested: bool) -> Loaded {
        Loaded {
            requested,
            fresh: None,
            body: None,
        }
    }
}

/// The error of a post whose file cannot be read.
fn cannot_read(display: &Path, e: std::io::Error) -> String {
    format!("{}: cannot read: {e}", display.display())
}

/// A post nobody asked findings for: from the outline index (stored at `location`) when its
/// file is unchanged, else read and outlined (and its skeleton kept for the index).
fn load_outline(
    root: &Path,
    rel: &str,
    display: PathBuf,
    (index, location): (&Index, Option<Location>),
    regexes: &[BodyRegex],
    folders: &OpenFolders,
) -> Result<(Post, Loaded), String> {
    // Nothing is allocated for a post served from the index, in a folder opened, but the post.
    let cannot = |e| cannot_read(&display, e);
    let stamp = folders.stamp(root, rel).map_err(cannot)?;
    if let Some(mut post) = index.post_at(rel, location, &stamp) {
        post.path = display;
        return Ok((post, Loaded::new(false)));
    }
    let bytes = std::fs::read(root.join(rel)).map_err(cannot)?;
    let post = Post::from_bytes_with(display, bytes, Depth::Outline);
    let fresh = post
        .encoding
        .is_none()
        .then(|| Box::new((stamp, skeleton::encode(&post, regexes))));
    let loaded = Loaded {
        fresh,
        ..Loaded::new(false)
    };
    Ok((post, loaded))
}

/// The folders of a collection's files, each opened once: a file's stamp read relative to its
/// folder makes the kernel look up one name instead of every component of the whole path (half
/// the cost of each of the thousands of stats of an editor save).
#[derive(Default)]
struct OpenFolders {
    /// Sorted by folder, for a binary search per file.
    #[cfg(unix)]
    opened: Vec<(String, std::os::fd::OwnedFd)>,
}

/// Folders with fewer files are not opened (an open costs about what it saves on 16 stats), and
/// no more than this many are held open (page bundles put each post in a folder of its own).
#[cfg(unix)]
const FILES_WORTH_A_FOLDER: usize = 16;
#[cfg(unix)]
const MOST_FOLDERS_OPEN: usize = 64;

impl OpenFolders {
    /// Opens the folders of `files` (relative to `root`) that hold many of them; one that cannot
    /// be opened is skipped, and its files are stat-ed by their whole path.
    fn open<'a>(root: &Path, files: impl Iterator<Item = &'a String>) -> OpenFolders {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for file in files {
                *counts.entry(split_folder(file).0).or_default() += 1;
            }
            // The fullest folders, opened in name order (for the binary search).
            let mut fullest: Vec<(&str, usize)> = counts
                .into_iter()
                .filter(|(_, count)| *count >= FILES_WORTH_A_FOLDER)
                .collect();
            fullest.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
            fullest.truncate(MOST_FOLDERS_OPEN);
            fullest.sort_unstable();
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let opened = fullest
                .into_iter()
                .filter_map(|(folder, _)| {
                    let fd = rustix::fs::open(root.join(folder), flags, Mode::empty()).ok()?;
                    Some((folder.to_owned(), fd))
                })
                .collect();
            OpenFolders { opened }
        }
        #[cfg(not(unix))]
        {
            let _ = (root, files);
            OpenFolders {}
        }
    }

    /// The stamp of the file at `rel`.
    fn stamp(&self, root: &Path, rel: &str) -> std::io::Result<Stamp> {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            let (folder, name) = split_folder(rel);
            if let Ok(at) = self
                .opened
                .binary_search_by(|(opened, _)| opened.as_str().cmp(folder))
            {
                return Stamp::at(self.opened[at].1.as_fd(), name);
            }
        }
        Ok(Stamp::of(&std::fs::metadata(root.join(rel))?))
    }
}

/// `a/b/c.md` as (`a/b`, `c.md`); a file of the root folder as (``, its name).
#[cfg(unix)]
fn split_folder(rel: &str) -> (&str, &str) {
    // By bytes: `rsplit_once` with a char cost a tenth of reading a letter from the index.
    match rel.bytes().rposition(|b| b == b'/') {
        Some(at) => (&rel[..at], &rel[at + 1..]),
        None => ("", rel),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_split_at_its_last_separator() {
        assert_eq!(split_folder("a/b/c.md"), ("a/b", "c.md"));
        assert_eq!(split_folder("文章/第一封.md"), ("文章", "第一封.md"));
        assert_eq!(split_folder("c.md"), ("", "c.md"));
    }

    #[test]
    fn the_posts_of_files_that_could_not_be_read_are_dropped_in_step_with_their_errors() {
        let post = |name: &str| Post::parse(name, "");
        let mut posts = vec![post("a.md"), post(""), post("c.md"), post("")];
        let loads = [
            Ok(Loaded::new(true)),
            Err("b.md: cannot read".to_owned()),
            Ok(Loaded::new(false)),
            Err("d.md: cannot read".to_owned()),
        ];
        drop_unread(&mut posts, &loads);
        let names: Vec<&Path> = posts.iter().map(|p| p.path.as_path()).collect();
        assert_eq!(names, [Path::new("a.md"), Path::new("c.md")]);
    }

    #[test]
    fn files_are_found_alike_asked_in_order_or_not() {
        let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let walk = Walk {
            files: vec![
                names(&["a/1.md", "a/3.md", "a/5.md"]),
                names(&["b/2.md", "b/4.md"]),
            ],
            walked: vec![true, true],
        };
        let asked = [
            "a/0.md", "a/1.md", "a/2.md", "a/3.md", "a/5.md", "b/2.md", "b/3.md", "b/4.md", "c.md",
        ];
        let mut cursors = [0, 0];
        for rel in asked {
            assert_eq!(
                walk.found_from(rel, &mut cursors),
                walk.found(rel),
                "{rel} in order"
            );
        }
        // Then out of order (the files made in this run), and the same path twice.
        for rel in [
            "a/3.md", "a/1.md", "b/4.md", "a/0.md", "a/5.md", "a/5.md", "b/2.md",
        ] {
            assert_eq!(
                walk.found_from(rel, &mut cursors),
                walk.found(rel),
                "{rel} again"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn files_are_found_alike_in_any_order(
            collections in proptest::collection::vec(
                proptest::collection::btree_set("[a-c]{0,2}", 0..6), 1..4),
            asked in proptest::collection::vec("[a-c]{0,2}", 0..24),
        ) {
            let files: Vec<Vec<String>> =
                collections.into_iter().map(|c| c.into_iter().collect()).collect();
            let walk = Walk { walked: vec![true; files.len()], files };
            let mut cursors = vec![0; walk.files.len()];
            for rel in &asked {
                proptest::prop_assert_eq!(walk.found_from(rel, &mut cursors), walk.found(rel));
            }
        }
    }

    #[test]
    fn a_file_below_a_plain_folder_is_named_by_joining_without_the_whole_path() {
        let root = Path::new("/blog");
        let whole = |abs: &Path| format!("whole:{}", abs.display());
        let named = |prefix: &str, name: &str| {
            let (prefix, name) = (Path::new(prefix), Path::new(name));
            rel_of_listed(plain(prefix), name, &root.join(prefix), &whole)
        };
        assert_eq!(
            named("src/data/newsletter", "2024/a.md"),
            "src/data/newsletter/2024/a.md"
        );
        assert_eq!(named("", "a.md"), "a.md");
        // Anything else is taken from the whole path.
        assert_eq!(named("../other", "a.md"), "whole:/blog/../other/a.md");
        assert_eq!(named("posts", "./a.md"), "whole:/blog/posts/./a.md");
        assert_eq!(named("posts", "/elsewhere/a.md"), "whole:/elsewhere/a.md");
    }

    #[test]
    fn stamps_are_read_in_folders_holding_many_files_and_by_path_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("posts")).unwrap();
        let mut files: Vec<String> = (0..FILES_WORTH_A_FOLDER)
            .map(|i| format!("posts/{i:02}.md"))
            .collect();
        files.extend(["a.md".to_owned(), "b.md".to_owned()]);
        for (i, file) in files.iter().enumerate() {
            std::fs::write(dir.path().join(file), "x".repeat(i)).unwrap();
        }
        let folders = OpenFolders::open(dir.path(), files.iter());
        let opened: Vec<&str> = folders.opened.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(opened, ["posts"], "the root holds two files only");
        for file in &files {
            let by_path = Stamp::of(&std::fs::metadata(dir.path().join(file)).unwrap());
            assert_eq!(folders.stamp(dir.path(), file).unwrap(), by_path, "{file}");
        }
        assert!(folders.stamp(dir.path(), "posts/missing.md").is_err());
        assert!(folders.stamp(dir.path(), "missing.md").is_err());
    }
}

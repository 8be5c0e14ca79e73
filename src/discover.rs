//! Finding Markdown files: walking a folder (honouring .gitignore) and matching globs.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::WalkBuilder;

/// Markdown file extensions postlint reads.
pub const EXTENSIONS: [&str; 2] = ["md", "markdown"];

pub fn is_markdown(path: &Path) -> bool {
    let name = last_name(path);
    match name.iter().rposition(|&b| b == b'.') {
        Some(dot) if dot > 0 => EXTENSIONS
            .iter()
            .any(|x| x.as_bytes().eq_ignore_ascii_case(&name[dot + 1..])),
        _ => false,
    }
}

/// The last name of `path` as bytes (`a.md` of `posts/a.md`; empty when it has none), split off
/// by hand: parsing the path's components cost 4 % of an editor save, which asks thousands of
/// paths for their names. `.`, `..`, a trailing separator and Windows paths are left to `Path`.
pub fn last_name(path: &Path) -> &[u8] {
    let by_components = || path.file_name().map_or(&[][..], |n| n.as_encoded_bytes());
    if cfg!(windows) {
        return by_components();
    }
    match path
        .as_os_str()
        .as_encoded_bytes()
        .rsplit(|&b| b == b'/')
        .next()
    {
        Some(name) if !matches!(name, b"" | b"." | b"..") => name,
        _ => by_components(),
    }
}

/// Globs matched as globset matches them; when every one has the shape `FOLDER/**/*.EXT` or
/// `FOLDER/**/*.{EXT,EXT}` (detected collections, and most configured ones) by hand: a walk
/// matches every file it lists, and globset runs a regex for those.
#[derive(Clone, Debug)]
pub enum Globs {
    /// Each glob as the files it matches (not compiled: a regex each, built on every save).
    ByHand(Vec<FilesBelow>),
    Set(GlobSet),
}

impl Globs {
    pub fn new(patterns: &[String]) -> Result<Globs, String> {
        match patterns.iter().map(|p| FilesBelow::parse(p)).collect() {
            Some(by_hand) => Ok(Globs::ByHand(by_hand)),
            None => glob_set(patterns).map(Globs::Set),
        }
    }

    pub fn empty() -> Globs {
        Globs::ByHand(Vec::new())
    }

    /// Whether a `/`-separated path relative to the project root matches any of the globs.
    pub fn is_match(&self, rel: &str) -> bool {
        match self {
            Globs::ByHand(globs) => globs.iter().any(|glob| glob.matches(rel)),
            Globs::Set(set) => set.is_match(rel),
        }
    }
}

/// The files `FOLDER/**/*.EXT` matches with globset's default options (`*` matches `/` too):
/// the paths that start with `FOLDER/` and end with `.EXT`, one of its extensions.
#[derive(Clone, Debug, PartialEq)]
pub struct FilesBelow {
    /// With its `/`; empty for `**/*.EXT`.
    folder: String,
    /// Each with its `.`.
    endings: Vec<String>,
}

impl FilesBelow {
    /// The glob when it has that shape, with a folder free of anything special to globs and
    /// extensions of letters and digits.
    fn parse(pattern: &str) -> Option<FilesBelow> {
        let (folder, rest) = match pattern.strip_prefix("**/") {
            Some(rest) => ("", rest),
            None => {
                let at = pattern.find("/**/")?;
                (&pattern[..=at], &pattern[at + 4..])
            }
        };
        if folder.contains(['*', '?', '[', ']', '{', '}', '\\']) {
            return None;
        }
        let extensions = rest.strip_prefix("*.")?;
        let extensions = match extensions.strip_prefix('{') {
            Some(list) => list.strip_suffix('}')?.split(',').collect(),
            None => vec![extensions],
        };
        let plain = |x: &&str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric());
        extensions.iter().all(plain).then(|| FilesBelow {
            folder: folder.to_owned(),
            endings: extensions.iter().map(|x| format!(".{x}")).collect(),
        })
    }

    fn matches(&self, rel: &str) -> bool {
        rel.starts_with(&self.folder)
            && self.endings.iter().any(|ending| {
                rel.len() >= self.folder.len() + ending.len() && rel.ends_with(ending.as_str())
            })
    }
}

/// Builds one matcher from globs; `Err` carries the bad glob and the reason.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob =
            Glob::new(pattern).map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Every Markdown file below `dir` (or `dir` itself when it is a file), skipping ignored and
/// hidden files as git would; paths are `dir` joined with the relative path, sorted.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    walk_folder(dir).files
}

/// What a walk of one folder found, and what its result depends on.
pub struct FolderWalk {
    /// The Markdown files below the folder, as [`markdown_files`] finds them.
    pub files: Vec<PathBuf>,
    /// Every folder the walk went into, the folder itself first.
    pub folders: Vec<PathBuf>,
    /// Whether every folder was read and every ignore file understood (a walk that met an
    /// error may find fewer files next time).
    pub complete: bool,
}

/// Walks the folder `dir` as [`markdown_files`] does, telling what the walk depended on.
pub fn walk_folder(dir: &Path) -> FolderWalk {
    let mut walk = FolderWalk {
        files: Vec::new(),
        folders: Vec::new(),
        complete: true,
    };
    for entry in markdown_walker(dir) {
        let Ok(entry) = entry else {
            walk.complete = false;
            continue;
        };
        walk.complete &= entry.error().is_none();
        match entry.file_type() {
            Some(t) if t.is_file() && is_markdown(entry.path()) => {
                walk.files.push(entry.into_path());
            }
            // The walk goes into a folder given as a link, and reports it as the link.
            Some(t) if t.is_dir() || entry.depth() == 0 => walk.folders.push(entry.into_path()),
            _ => {}
        }
    }
    sort_by_bytes(&mut walk.files);
    walk
}

/// Sorts paths in byte order: the same for every run, and far cheaper than comparing path
/// components (13 % of an editor save over 7 000 letters once). Comparing whole paths still
/// cost 7 %, their long shared start compared again each time, so they are sorted by the eight
/// bytes after the start all of them share, whole paths breaking ties (the walker's own sort
/// cost twice as much again).
fn sort_by_bytes(paths: &mut Vec<PathBuf>) {
    fn bytes(path: &Path) -> &[u8] {
        path.as_os_str().as_encoded_bytes()
    }
    let shared = paths.first().map_or(0, |first| {
        let first = bytes(first);
        paths.iter().fold(first.len(), |n, path| {
            first[..n]
                .iter()
                .zip(bytes(path))
                .take_while(|(a, b)| a == b)
                .count()
        })
    });
    // Zero padding keeps the order: a path holds no NUL byte.
    let key = |path: &Path| {
        let rest = &bytes(path)[shared..];
        let mut key = [0u8; 8];
        let n = rest.len().min(8);
        key[..n].copy_from_slice(&rest[..n]);
        u64::from_be_bytes(key)
    };
    let mut keyed: Vec<(u64, PathBuf)> = paths.drain(..).map(|p| (key(&p), p)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| bytes(&a.1).cmp(bytes(&b.1))));
    paths.extend(keyed.into_iter().map(|(_, path)| path));
}

/// Whether any Markdown file lies below `dir` (stops at the first).
pub fn has_markdown(dir: &Path) -> bool {
    markdown_walk(dir).next().is_some()
}

fn markdown_walk(dir: &Path) -> impl Iterator<Item = PathBuf> {
    markdown_walker(dir)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()) && is_markdown(entry.path()))
        .map(ignore::DirEntry::into_path)
}

/// The walk behind every listing: ignore files honoured with or without git (see
/// `index::listings` for what that makes a listing depend on). The extension test is done by
/// the callers rather than with the walker's file types: its glob matching cost more than the
/// rest of the walk.
fn markdown_walker(dir: &Path) -> ignore::Walk {
    WalkBuilder::new(dir).require_git(false).build()
}

/// The folder a glob can start walking from: its components before the first wildcard or
/// escape (`p\osts` matches `posts`). No file the glob matches lies outside it.
pub fn literal_prefix(pattern: &str) -> PathBuf {
    pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{', '\\']))
        .collect::<PathBuf>()
}

/// `path` without `.` components and with `a/..` folded, purely lexically.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() && !out.ends_with("..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Whether the `/`-separated `rel` holds only plain names (no empty part, `.` or `..`): already
/// normal, and below wherever it is joined to.
pub fn is_plain(rel: &str) -> bool {
    // Over bytes: splitting the string by a char pattern cost ten times as much, twice per file.
    is_plain_bytes(rel.as_bytes())
}

/// [`is_plain`] of a path's bytes.
pub fn is_plain_bytes(rel: &[u8]) -> bool {
    !rel.split(|&b| b == b'/')
        .any(|part| matches!(part, b"" | b"." | b".."))
}

/// `base` (already normal) joined with the `/`-separated `rel`, normal too: a plain join when
/// `rel` [`is_plain`], the common case met thousands of times per run.
pub fn join_normal(base: &Path, rel: &str) -> PathBuf {
    if !is_plain(rel) {
        return normalize(&base.join(rel));
    }
    if base.as_os_str() == "." {
        return PathBuf::from(rel);
    }
    join(base, rel)
}

/// `base.join(rel)`, sized up front: `Path::join` copies `base` and then grows the copy for
/// `rel` (thousands of post and image paths per run).
pub fn join(base: &Path, rel: &str) -> PathBuf {
    let mut joined = PathBuf::with_capacity(base.as_os_str().len() + 1 + rel.len());
    joined.push(base);
    joined.push(rel);
    joined
}

/// `target` relative to `base` (both absolute), with `..` where needed.
pub fn relative(target: &Path, base: &Path) -> PathBuf {
    // Files found by walking below `base` take the cheap way (thousands per run).
    if let Ok(below) = target.strip_prefix(base)
        && !below.as_os_str().is_empty()
        && below
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return below.to_owned();
    }
    let target: Vec<_> = target.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &target[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// A path as a glob sees it: `/`-separated, relative.
pub fn slash_path(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        // The root component is already a `/`; joining it with another would print `//`.
        if !(out.is_empty() || out.ends_with('/')) {
            out.push('/');
        }
        out.push_str(&component.as_os_str().to_string_lossy());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_files_are_known_by_the_extension_of_their_last_name() {
        for path in [
            "a.md",
            "a.MD",
            "a.Markdown",
            "dir/a.md",
            "/srv/第 1 封信.md",
            "a.md/",
            "a.md/.",
            "a.txt",
            "a.md.txt",
            ".md",
            "dir/.md",
            "a.",
            "md",
            "a.mdx",
            "",
            ".",
            "..",
            "a/..",
            "a..md",
        ] {
            let by_path = Path::new(path)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
            assert_eq!(is_markdown(Path::new(path)), by_path, "{path}");
        }
    }

    #[test]
    fn paths_sort_in_byte_order_whatever_they_share() {
        let sets: [&[&str]; 5] = [
            &[
                "/b/newsletter-10.md",
                "/b/newsletter-9.md",
                "/b/newsletter-100.md",
                "/b/newsletter-1.md",
                "/b/newsletter-10.md.md",
                "/b/newsletter-1/a.md",
                "/b/newsletter-1.md/x.md",
                "/b/newsletter-10-and-a-long-tail-a.md",
                "/b/newsletter-10-and-a-long-tail-b.md",
            ],
            &["/b/z.md", "/b/a.md", "/b/ä.md", "/b/A.md", "/b/a/b.md"],
            &["same.md", "same.md"],
            &["only.md"],
            &[],
        ];
        for set in sets {
            let mut sorted: Vec<PathBuf> = set.iter().map(PathBuf::from).collect();
            sort_by_bytes(&mut sorted);
            let mut expected: Vec<&str> = set.to_vec();
            expected.sort();
            let sorted: Vec<&str> = sorted.iter().map(|p| p.to_str().unwrap()).collect();
            assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn slash_paths_have_single_separators() {
        assert_eq!(slash_path(Path::new("/srv/blog/a.md")), "/srv/blog/a.md");
        assert_eq!(
            slash_path(Path::new("public/images/x.jpg")),
            "public/images/x.jpg"
        );
        assert_eq!(slash_path(Path::new("../up/x.jpg")), "../up/x.jpg");
    }

    #[test]
    fn literal_prefix_stops_at_the_first_wildcard() {
        assert_eq!(
            literal_prefix("src/data/blog/**/*.md"),
            PathBuf::from("src/data/blog")
        );
        assert_eq!(literal_prefix("**/*.md"), PathBuf::new());
        // An escaped character is matched as itself, but written otherwise.
        assert_eq!(literal_prefix("src/p\\osts/*.md"), PathBuf::from("src"));
        let glob = globset::Glob::new("src/p\\osts/*.md")
            .unwrap()
            .compile_matcher();
        assert!(glob.is_match("src/posts/a.md"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative(Path::new("/a/b/c"), Path::new("/a")),
            PathBuf::from("b/c")
        );
        assert_eq!(
            relative(Path::new("/a"), Path::new("/a/b")),
            PathBuf::from("..")
        );
        assert_eq!(normalize(Path::new("./a/../b/./c")), PathBuf::from("b/c"));
        for (base, rel) in [
            (".", "a/b.md"),
            ("/srv", "a/b"),
            ("x", "../y"),
            ("x", "a//b"),
            (".", "./a"),
        ] {
            let base = Path::new(base);
            assert_eq!(join_normal(base, rel), normalize(&base.join(rel)), "{rel}");
        }
        for (base, rel) in [
            ("", "a/b.md"),
            ("/", "a"),
            ("x/", "a"),
            ("x", "/abs"),
            ("x", ""),
        ] {
            let base = Path::new(base);
            assert_eq!(join(base, rel), base.join(rel), "{base:?} {rel}");
        }
        for plain in [
            "a.md",
            "a/b.md",
            ".hidden/a.md",
            "..a/b",
            "a./...",
            "第 1 封信.md",
        ] {
            assert!(is_plain(plain), "{plain}");
        }
        for odd in [
            "", ".", "..", "a/", "/a", "a//b", "a/./b", "a/../b", "./a", "a/..",
        ] {
            assert!(!is_plain(odd), "{odd}");
        }
    }

    /// Every path of `paths` matches a glob `by hand` as globset matches it.
    fn assert_matched_as_globset_does(pattern: &str, paths: &[&str]) {
        let patterns = [pattern.to_owned()];
        let (globs, set) = (Globs::new(&patterns).unwrap(), glob_set(&patterns).unwrap());
        for path in paths {
            assert_eq!(
                globs.is_match(path),
                set.is_match(path),
                "{pattern} on {path:?}"
            );
        }
    }

    #[test]
    fn globs_of_the_files_below_a_folder_are_matched_by_hand_as_globset_matches_them() {
        let parsed = |p: &str| FilesBelow::parse(p).map(|f| (f.folder, f.endings));
        let below = |folder: &str, endings: &[&str]| {
            Some((
                folder.to_owned(),
                endings.iter().map(|e| e.to_string()).collect(),
            ))
        };
        assert_eq!(
            parsed("src/data/blog/**/*.{md,markdown}"),
            below("src/data/blog/", &[".md", ".markdown"])
        );
        assert_eq!(parsed("**/*.md"), below("", &[".md"]));
        assert_eq!(parsed("文章 一/**/*.{MD}"), below("文章 一/", &[".MD"]));
        for other in [
            "src/*/x/**/*.md",
            "src/**/a*.md",
            "src/**/*.m?",
            "src/**/*.{md,}",
            "src/[ab]/**/*.md",
            "src/\\*/**/*.md",
            "src/**/**/*.md",
            "src/*.md",
            "src/**/*.md/",
            "src/**/*.{md,mark down}",
        ] {
            assert_eq!(parsed(other), None, "{other}");
        }
        let paths = [
            "src/data/blog/a.md",
            "src/data/blog/a.markdown",
            "src/data/blog/2024/a.md",
            "src/data/blog/.md",
            "src/data/blog/a.MD",
            "src/data/blog/a.mdx",
            "src/data/blog/a\nb.md",
            "src/data/blogs/a.md",
            "x/src/data/blog/a.md",
            "src/data/blog.md",
            "src/data/blog/",
            "a.md",
            ".md",
            "md",
            "/x.md",
        ];
        for pattern in [
            "src/data/blog/**/*.{md,markdown}",
            "**/*.md",
            "src/**/*.{MD,md}",
        ] {
            assert_matched_as_globset_does(pattern, &paths);
        }
    }

    const GLOB_PIECES: [&str; 12] = [
        "src", "data", "/", "文", "a b", ".", "..", "md", "markdown", "MD", "\n", "x",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn any_path_is_matched_by_hand_as_globset_matches_it(
            folder in proptest::collection::vec(proptest::sample::select(&GLOB_PIECES[..3]), 0..4),
            extensions in proptest::collection::vec(proptest::sample::select(&["md", "markdown", "MD", "x"][..]), 1..3),
            lead in proptest::collection::vec(proptest::sample::select(&GLOB_PIECES[..]), 0..3),
            with_folder: bool,
            rest in proptest::collection::vec(proptest::sample::select(&GLOB_PIECES[..]), 0..10),
        ) {
            let folder = folder.concat();
            // Paths often hold the folder, somewhere.
            let path = [lead.concat(), if with_folder { folder.clone() } else { String::new() }, rest.concat()].concat();
            let pattern = match extensions.len() {
                1 => format!("{folder}/**/*.{}", extensions[0]),
                _ => format!("{folder}/**/*.{{{}}}", extensions.join(",")),
            };
            let pattern = pattern.trim_start_matches('/').to_owned();
            let patterns = [pattern.clone()];
            let (Ok(globs), Ok(set)) = (Globs::new(&patterns), glob_set(&patterns)) else {
                return Ok(());
            };
            proptest::prop_assert_eq!(globs.is_match(&path), set.is_match(&path), "{} on {:?}", pattern, path);
        }
    }
}

//! The cache folder (`.postlint-cache/`): created with a `.gitignore` that keeps it out of git,
//! written through temporary files that nothing planted in a repository can redirect.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The cache folder's name, at the project root.
pub const NAME: &str = ".postlint-cache";

/// The cache folder of the project rooted at `root`.
pub fn of_project(root: &Path) -> std::path::PathBuf {
    root.join(NAME)
}

/// Cache files larger than this are not read (a planted file must not exhaust memory).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Creates `dir` if needed, with a `.gitignore` of `*` (as ruff and pytest do), so the cache
/// never shows up as untracked files even where `postlint init` was not run. A `dir` that is a
/// symbolic link is refused: a repository could point it anywhere.
pub fn create(dir: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other(format!(
            "{}: the cache folder is a symbolic link; not written",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)?;
    match new_file(&dir.join(".gitignore")) {
        Ok(mut file) => {
            file.write_all(b"# Created by postlint: the cache is never committed.\n*\n")
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Replaces `dir/name` with `bytes` through a fresh temporary file and a rename, so a reader
/// never sees half a file and no existing file or link is written through.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    create(dir)?;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = new_file(&tmp).and_then(|mut file| file.write_all(bytes));
    match written.and_then(|()| std::fs::rename(&tmp, dir.join(name))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Reads `dir/name` unless it is missing, not a regular file, or larger than [`MAX_FILE`].
pub fn read(dir: &Path, name: &str) -> Option<Bytes> {
    let path = dir.join(name);
    // A planted link to a device or a pipe could be read forever, or block in `open`.
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    let size = usize::try_from(meta.len()).ok()?;
    #[cfg(target_os = "linux")]
    if size >= MAP_FROM
        && let Some(map) = map(&file, size)
    {
        return Some(Bytes::Mapped(map));
    }
    let mut bytes = Vec::with_capacity(size);
    // No more than the size it had: a file growing meanwhile is not read without end.
    file.take(size as u64).read_to_end(&mut bytes).ok()?;
    Some(Bytes::Read(bytes))
}

/// Files at least this big are mapped rather than read: reading the outline index (6 MB at
/// 10 000 posts) was mostly the kernel handing the process fresh pages to copy it into, and an
/// editor save waited for it. Mapped, its pages come from the page cache as they are decoded.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) const MAP_FROM: usize = 64 * 1024;

/// A cache file's bytes, mapped or read. Files are mapped only on Linux's local file systems,
/// where replacing a file by a rename (as postlint does, even while reading the index) leaves a
/// mapping of the old one intact: on Windows a mapped file cannot be replaced, and on a network
/// file system another machine's rename can take the mapped pages away.
#[derive(Debug)]
pub enum Bytes {
    #[cfg(target_os = "linux")]
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Default for Bytes {
    fn default() -> Self {
        Bytes::Read(Vec::new())
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(target_os = "linux")]
            Bytes::Mapped(map) => map,
            Bytes::Read(bytes) => bytes,
        }
    }
}

/// The first `size` bytes of `file` mapped, when it lies on a local file system.
#[cfg(target_os = "linux")]
fn map(file: &std::fs::File, size: usize) -> Option<memmap2::Mmap> {
    if !on_local_file_system(file) {
        return None;
    }
    // SAFETY: a mapped file must not change while mapped. postlint never writes a cache file in
    // place: `write` puts a new file in its place by a rename, and on a local file system the
    // mapping keeps the old one. A program truncating the file in place while a run reads it
    // would end the run (SIGBUS): README asks users to delete cache files, never edit them.
    unsafe { memmap2::MmapOptions::new().len(size).map(file) }.ok()
}

/// Whether `file` lies on ext2/3/4, XFS, Btrfs, tmpfs, overlayfs (containers), F2FS, ZFS or
/// bcachefs (not on a network or user-space file system).
#[cfg(target_os = "linux")]
pub(crate) fn on_local_file_system(file: &std::fs::File) -> bool {
    const LOCAL: [i64; 8] = [
        0xEF53,
        0x5846_5342,
        0x9123_683E,
        0x0102_1994,
        0x794C_7630,
        0xF2F5_2010,
        0x2FC1_2FC1,
        0xCA45_1A4E,
    ];
    // The field is 32 bits wide on some targets.
    #[allow(clippy::useless_conversion)]
    let local = |kind| LOCAL.contains(&i64::from(kind));
    rustix::fs::fstatfs(file).is_ok_and(|fs| local(fs.f_type))
}

/// Deletes the cache file `name` in `dir`; whether there was one.
pub fn remove(dir: &Path, name: &str) -> std::io::Result<bool> {
    match std::fs::remove_file(dir.join(name)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates a file that must not exist yet (`O_EXCL`: a symbolic link there is not followed).
fn new_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_files_are_mapped_and_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0, 1, MAP_FROM - 1, MAP_FROM, 3 * MAP_FROM + 1] {
            let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
            write(dir.path(), "file", &bytes).unwrap();
            let read = read(dir.path(), "file").unwrap();
            assert!(*read == bytes, "size {size}");
            // Replacing the file leaves what was mapped as it was.
            write(dir.path(), "file", b"new").unwrap();
            assert!(*read == bytes, "size {size}");
            #[cfg(target_os = "linux")]
            if on_local_file_system(&std::fs::File::open(dir.path()).unwrap()) {
                let mapped = matches!(read, Bytes::Mapped(_));
                assert_eq!(mapped, size >= MAP_FROM, "size {size}");
            }
        }
        assert!(read(dir.path(), "missing").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_file_planted_as_a_link_to_a_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("file")).unwrap();
        assert!(read(dir.path(), "file").is_none());
    }

    #[test]
    fn writes_replace_the_file_and_leave_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        write(&cache, "f", b"one").unwrap();
        write(&cache, "f", b"two").unwrap();
        assert_eq!(*read(&cache, "f").unwrap(), *b"two");
        let mut names: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".gitignore", "f"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_planted_in_a_repository_are_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        // The cache folder itself is a link: nothing is written.
        let linked = dir.path().join("linked-cache");
        std::os::unix::fs::symlink(&outside, &linked).unwrap();
        assert!(write(&linked, "f", b"x").is_err());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // A `.gitignore` that is a (dangling) link is left alone, not followed.
        let cache = dir.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        let target = outside.join("planted");
        std::os::unix::fs::symlink(&target, cache.join(".gitignore")).unwrap();
        write(&cache, "f", b"x").unwrap();
        assert!(!target.exists());
    }
}

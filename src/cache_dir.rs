//! The cache folder (`.postlint-cache/`): created with a `.gitignore` that keeps it out of git,
//! written through temporary files that nothing planted in a repository can redirect.

use std::io::Write;
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
pub fn read(dir: &Path, name: &str) -> Option<Vec<u8>> {
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
    read_whole(file, usize::try_from(meta.len()).ok()?)
}

/// Files at least this big are read by two threads, each taking half.
const SPLIT_READ: usize = 1 << 20;

/// The `size` bytes of `file`. A big file is read in two halves at once: most of reading the
/// outline index (4 MB at 10 000 posts) is the kernel giving the process fresh pages, which two
/// cores do in half the time, and an editor save waits for it. Both halves come from the same
/// open file, so a new version renamed in meanwhile cannot be mixed in.
#[cfg(unix)]
fn read_whole(file: std::fs::File, size: usize) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    if size < SPLIT_READ {
        return read_rest(file, size);
    }
    let mut bytes = vec![0u8; size];
    let (head, tail) = bytes.split_at_mut(size / 2);
    let at = head.len() as u64;
    let halves = std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .spawn_scoped(scope, || file.read_exact_at(tail, at).is_ok())
            .ok()?;
        let head_read = file.read_exact_at(head, 0).is_ok();
        Some(head_read && other.join().unwrap_or(false))
    });
    // Read whole here when no thread could be started.
    let read = halves.unwrap_or_else(|| file.read_exact_at(&mut bytes, 0).is_ok());
    // A file cut short meanwhile (written in place, not by postlint) is not read.
    read.then_some(bytes)
}

#[cfg(not(unix))]
fn read_whole(file: std::fs::File, size: usize) -> Option<Vec<u8>> {
    read_rest(file, size)
}

fn read_rest(file: std::fs::File, size: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(size);
    // No more than the size it had: a file growing meanwhile is not read without end.
    file.take(size as u64).read_to_end(&mut bytes).ok()?;
    Some(bytes)
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
    fn big_files_read_in_halves_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0, 1, SPLIT_READ - 1, SPLIT_READ, 3 * SPLIT_READ + 1] {
            let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
            write(dir.path(), "file", &bytes).unwrap();
            assert!(read(dir.path(), "file") == Some(bytes), "size {size}");
        }
        assert_eq!(read(dir.path(), "missing"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_file_planted_as_a_link_to_a_device_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("file")).unwrap();
        assert_eq!(read(dir.path(), "file"), None);
    }

    #[test]
    fn writes_replace_the_file_and_leave_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        write(&cache, "f", b"one").unwrap();
        write(&cache, "f", b"two").unwrap();
        assert_eq!(read(&cache, "f").unwrap(), b"two");
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

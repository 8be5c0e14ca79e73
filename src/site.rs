//! What exists on disk, as the engine shows it to rules (which do no I/O themselves).
//!
//! Directory listings are read once and cached, so a wrong letter case can be told from a
//! missing file: `Photo.PNG` works on macOS and breaks on Linux hosting.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
#[derive(Default)]
pub struct Disk {
    listings: Mutex<HashMap<PathBuf, Vec<OsString>>>,
}

impl Disk {
    /// The entry of `dir` whose name is `lowercase` in any letter case (the folder is read once).
    fn entry_ignoring_case(&self, dir: &Path, lowercase: &str) -> Option<OsString> {
        let mut listings = self.listings.lock().unwrap_or_else(|e| e.into_inner());
        listings
            .entry(dir.to_owned())
            .or_insert_with(|| {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                std::fs::read_dir(dir)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|e| e.file_name())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .iter()
            .find(|entry| entry.to_string_lossy().to_lowercase() == lowercase)
            .cloned()
    }
}

impl FileView for Disk {
    fn lookup(&self, path: &Path) -> Lookup {
        if path.exists() {
            return Lookup::Found;
        }
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Lookup::Missing;
        };
        let parent = if parent.as_os_str().is_empty() {
            parent.to_owned()
        } else {
            match self.lookup(parent) {
                Lookup::Found => parent.to_owned(),
                Lookup::WrongCase(actual) => actual,
                Lookup::Missing => return Lookup::Missing,
            }
        };
        let wanted = name.to_string_lossy().to_lowercase();
        match self.entry_ignoring_case(&parent, &wanted) {
            Some(actual) => Lookup::WrongCase(parent.join(actual)),
            None => Lookup::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}

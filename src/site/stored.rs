//! Folder listings kept in the cache folder from one run to the next, each trusted while the
//! folder's stamp is the one it was read with: reading a folder of 17 000 images took ~10 ms of
//! one core on every whole-blog run (BENCHMARKS.md).
//!
//! A folder's modification time changes when an entry is added, removed or renamed in it, and
//! its change time when its permissions do. The folder is stamped before it is read, so a change
//! in between leaves the stored stamp older than the folder's and the next run reads it again;
//! and a listing is stored only when both times settled before the run began, so a change in the
//! same timestamp tick after the read cannot go unnoticed. Off Unix, where a stamp holds no
//! change time or inode, nothing is stored (as for the collection folders' listings).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use super::listing::Listing;
use crate::index::Stamp;
use crate::index::listings::{path_bytes, path_of};
use crate::index::skeleton::{Reader, Writer};

/// The listings' file in the cache folder.
const FILE_NAME: &str = "folder-names";
/// Bumped whenever the layout of the file or of a listing changes.
const MAGIC: &[u8] = b"postlint folder names v1\n";
/// Folders kept at most: a blog has a few image folders, and one can hold many names.
const MAX_FOLDERS: usize = 32;

pub(super) struct StoredListings {
    /// The cache folder.
    dir: PathBuf,
    /// When the run began: folders changed in the seconds before are not stored.
    now: SystemTime,
    /// The stored listings by folder (absolute), each with its stamp and encoded bytes: read at
    /// the first folder busy enough to be listed (an editor save seldom gets there).
    stored: OnceLock<HashMap<PathBuf, (Stamp, Vec<u8>)>>,
    /// Listings read in this run, to be stored.
    fresh: Mutex<Vec<(PathBuf, Stamp, Arc<Listing>)>>,
}

impl StoredListings {
    /// The listings stored in the cache folder `dir`, for a run that began at `now`.
    pub(super) fn new(dir: &Path, now: SystemTime) -> StoredListings {
        StoredListings {
            dir: dir.to_owned(),
            now,
            stored: OnceLock::new(),
            fresh: Mutex::default(),
        }
    }

    /// The listing of `folder` as stored, when it was stored with `stamp` (the folder's now).
    pub(super) fn get(&self, folder: &Path, stamp: Stamp) -> Option<Listing> {
        let stored = self.stored.get_or_init(|| self.read());
        let (stored_stamp, bytes) = stored.get(&std::path::absolute(folder).ok()?)?;
        (*stored_stamp == stamp)
            .then(|| Listing::decode(&mut Reader(bytes)))
            .flatten()
    }

    /// Keeps `listing`, read from `folder` stamped `stamp` just before, for the next runs (when
    /// the folder settled before this run began).
    pub(super) fn put(&self, folder: &Path, stamp: Stamp, listing: &Arc<Listing>) {
        if !stamp.settled(self.now) {
            return;
        }
        if let Ok(folder) = std::path::absolute(folder) {
            let mut fresh = self.fresh.lock().unwrap_or_else(PoisonError::into_inner);
            fresh.push((folder, stamp, Arc::clone(listing)));
        }
    }

    /// Writes the listings read in this run, with those stored before for other folders (the
    /// cache only saves time: a folder that cannot be written changes no finding).
    pub(super) fn save(&self) {
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(PoisonError::into_inner));
        if fresh.is_empty() {
            return;
        }
        let mut folders: Vec<(PathBuf, Stamp, Vec<u8>)> = Vec::new();
        for (folder, stamp, listing) in fresh.into_iter().rev() {
            if folders.iter().all(|(f, _, _)| *f != folder) {
                let mut out = Writer::default();
                listing.encode(&mut out);
                folders.push((folder, stamp, out.0));
            }
        }
        let stored = self.stored.get_or_init(|| self.read());
        for (folder, (stamp, bytes)) in stored {
            if folders.len() < MAX_FOLDERS && folders.iter().all(|(f, _, _)| f != folder) {
                folders.push((folder.clone(), *stamp, bytes.clone()));
            }
        }
        let mut out = Writer::default();
        out.0.extend_from_slice(MAGIC);
        out.u64(folders.len() as u64);
        for (folder, stamp, bytes) in &folders {
            // Off Unix nothing is stored, as for the collection folders' listings.
            let Some(folder) = path_bytes(folder) else {
                return;
            };
            out.bytes(folder);
            stamp.write(&mut out);
            out.bytes(bytes);
        }
        let _ = crate::cache_dir::write(&self.dir, FILE_NAME, &out.0);
    }

    /// The file's listings; none when it is missing, unreadable, or not what [`Self::save`]
    /// writes.
    fn read(&self) -> HashMap<PathBuf, (Stamp, Vec<u8>)> {
        crate::cache_dir::read(&self.dir, FILE_NAME)
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default()
    }
}

/// Deletes the stored listings in the cache folder `dir`; whether there were any.
pub(super) fn clear(dir: &Path) -> std::io::Result<bool> {
    crate::cache_dir::remove(dir, FILE_NAME)
}

fn decode(bytes: &[u8]) -> Option<HashMap<PathBuf, (Stamp, Vec<u8>)>> {
    let mut input = Reader(bytes.strip_prefix(MAGIC)?);
    let count = input.count()?;
    let mut folders = HashMap::with_capacity(count);
    for _ in 0..count {
        let folder = path_of(input.bytes()?);
        let stamp = Stamp::read(&mut input)?;
        folders.insert(folder, (stamp, input.bytes()?.to_vec()));
    }
    input.0.is_empty().then_some(folders)
}

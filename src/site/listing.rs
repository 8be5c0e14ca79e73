//! The names in one folder, read once and kept compact: an image folder may hold tens of
//! thousands of them, looked up for every image of every post.

use std::ffi::OsStr;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::index::skeleton::{Reader, Writer};

/// The entries of one folder.
pub(super) struct Listing {
    /// Every name's bytes, one after another: a string and a map entry per name made a folder
    /// of 17 000 images 1 600 of a 10 000-post run's page faults (sampled; ~220 now).
    bytes: Vec<u8>,
    /// Every name by its hash. The names themselves, not indexes into a list of them: each image
    /// looked up is a cache miss fewer.
    by_name: HashTable<Name>,
    /// Every name by the hash of its lowercase form, built after the first
    /// [`MISSES_BEFORE_TABLE`] misses (most lookups hit).
    by_lowercase: OnceLock<HashTable<Name>>,
    /// Lookups of names not in it so far.
    misses: AtomicUsize,
}

/// One name of a listing.
#[derive(Clone, Copy)]
struct Name {
    /// Where its bytes start and end in [`Listing::bytes`].
    start: u32,
    end: u32,
    /// Whether it is a symbolic link (which may dangle).
    link: bool,
    /// Whether it is ASCII (then compared ignoring case byte by byte).
    ascii: bool,
}

/// Misses answered by comparing the names one by one, before a table of their lowercase forms
/// is built: most blogs miss an image or two, and lowercasing a folder of 17 000 names costs as
/// much as a dozen such comparisons.
pub(super) const MISSES_BEFORE_TABLE: usize = 2;

/// Fixed keys: the names are the blog's own, nobody's attack; and a run is the same as the last.
const HASHER: FixedState = FixedState::with_seed(0);

impl Listing {
    /// The listing of `dir` (`None` when it cannot be read as a folder).
    pub(super) fn read(dir: &Path) -> Option<Listing> {
        let entries = std::fs::read_dir(super::listable(dir))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| {
                let link = e.file_type().is_ok_and(|t| t.is_symlink());
                (e.file_name(), link)
            });
        Listing::from_entries(entries)
    }

    /// A listing of these names, each with whether it is a symbolic link (`None` past 4 GiB of
    /// names: such a folder is looked into by `stat` instead).
    pub(super) fn from_entries<N: AsRef<OsStr>>(
        entries: impl IntoIterator<Item = (N, bool)>,
    ) -> Option<Listing> {
        let mut bytes = Vec::new();
        let mut names = Vec::new();
        for (name, link) in entries {
            let name = name.as_ref().as_encoded_bytes();
            let start = u32::try_from(bytes.len()).ok()?;
            bytes.extend_from_slice(name);
            let end = u32::try_from(bytes.len()).ok()?;
            names.push(Name::new(start, end, link, name));
        }
        Some(Listing::of_names(bytes, names))
    }

    /// The listing of `names`, whose bytes lie in `bytes`.
    fn of_names(bytes: Vec<u8>, names: Vec<Name>) -> Listing {
        let hash = |name: &Name| HASHER.hash_one(&bytes[name.range()]);
        // Sized once: grown entry by entry, a folder of 17 000 images was rehashed a dozen times.
        let mut by_name = HashTable::with_capacity(names.len());
        for name in names {
            by_name.insert_unique(hash(&name), name, hash);
        }
        Listing {
            bytes,
            by_name,
            by_lowercase: OnceLock::new(),
            misses: AtomicUsize::new(0),
        }
    }

    /// Writes the listing for [`Listing::decode`]: the names' bytes as they lie, then where
    /// each name ends and whether it is a link.
    pub(super) fn encode(&self, out: &mut Writer) {
        out.bytes(&self.bytes);
        out.u64(self.by_name.len() as u64);
        for name in &self.by_name {
            out.u64(u64::from(name.start));
            out.u64(u64::from(name.end));
            out.u8(u8::from(name.link));
        }
    }

    /// What [`Listing::encode`] wrote; `None` for bytes it did not write, where a name would lie
    /// outside the names' bytes or (off Unix, where a name's bytes are not any bytes) is not
    /// UTF-8 text.
    pub(super) fn decode(input: &mut Reader<'_>) -> Option<Listing> {
        let bytes = input.bytes()?.to_vec();
        let count = input.count()?;
        let mut names = Vec::with_capacity(count);
        for _ in 0..count {
            let start = u32::try_from(input.u64()?).ok()?;
            let end = u32::try_from(input.u64()?).ok()?;
            let link = match input.u8()? {
                0 => false,
                1 => true,
                _ => return None,
            };
            let name = bytes.get(start as usize..end as usize)?;
            if !cfg!(unix) && std::str::from_utf8(name).is_err() {
                return None;
            }
            names.push(Name::new(start, end, link, name));
        }
        Some(Listing::of_names(bytes, names))
    }

    /// Whether `name` is in the listing of `dir`: a link only when what it points to exists.
    pub(super) fn present(&self, dir: &Path, name: &OsStr) -> bool {
        let bytes = name.as_encoded_bytes();
        self.by_name
            .find(HASHER.hash_one(bytes), |n| self.bytes_of(n) == bytes)
            .is_some_and(|n| !n.link || dir.join(name).exists())
    }

    /// The name written in any letter case as `name` (the smallest in byte order when several
    /// are).
    pub(super) fn ignoring_case(&self, name: &OsStr) -> Option<&OsStr> {
        let target = name.as_encoded_bytes();
        let mut wanted = Vec::new();
        lowercase_into(target, &mut wanted);
        if self.misses.fetch_add(1, Ordering::Relaxed) < MISSES_BEFORE_TABLE {
            return self.smallest_alike(self.by_name.iter(), target, &wanted);
        }
        let table = self.by_lowercase.get_or_init(|| self.lowercase_table());
        let candidates = table.iter_hash(HASHER.hash_one(wanted.as_slice()));
        self.smallest_alike(candidates, target, &wanted)
    }

    /// The smallest of `candidates` whose lowercase form is `wanted` (that of `target`).
    fn smallest_alike<'n>(
        &'n self,
        candidates: impl Iterator<Item = &'n Name>,
        target: &[u8],
        wanted: &[u8],
    ) -> Option<&'n OsStr> {
        let mut scratch = Vec::new();
        let ascii = target.is_ascii();
        candidates
            .map(|name| (name, self.bytes_of(name)))
            .filter(|&(name, bytes)| {
                if ascii && name.ascii {
                    // ASCII lowercases byte by byte: no allocation per name.
                    return bytes.eq_ignore_ascii_case(target);
                }
                // Other letters may lowercase to ASCII (the Kelvin sign) or change length.
                scratch.clear();
                lowercase_into(bytes, &mut scratch);
                scratch == wanted
            })
            .map(|(_, bytes)| bytes)
            .min()
            // SAFETY: the bytes of one whole name, taken with `as_encoded_bytes` on this platform.
            .map(|bytes| unsafe { OsStr::from_encoded_bytes_unchecked(bytes) })
    }

    /// Every name by the hash of its lowercase form.
    fn lowercase_table(&self) -> HashTable<Name> {
        let lowercase_hash = |name: &Name, scratch: &mut Vec<u8>| {
            scratch.clear();
            lowercase_into(self.bytes_of(name), scratch);
            HASHER.hash_one(scratch.as_slice())
        };
        let mut table = HashTable::with_capacity(self.by_name.len());
        let mut scratch = Vec::new();
        for &name in &self.by_name {
            let hash = lowercase_hash(&name, &mut scratch);
            table.insert_unique(hash, name, |n| lowercase_hash(n, &mut Vec::new()));
        }
        table
    }

    fn bytes_of(&self, name: &Name) -> &[u8] {
        &self.bytes[name.range()]
    }

    #[cfg(test)]
    pub(super) fn table_built(&self) -> bool {
        self.by_lowercase.get().is_some()
    }
}

impl Name {
    /// The name whose bytes `bytes` lie at `start..end` of a listing's bytes.
    fn new(start: u32, end: u32, link: bool, bytes: &[u8]) -> Name {
        Name {
            start,
            end,
            link,
            ascii: bytes.is_ascii(),
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Appends the lowercase form of the name `bytes` to `out` (names that are not UTF-8 as their
/// lossy text).
fn lowercase_into(bytes: &[u8], out: &mut Vec<u8>) {
    if bytes.is_ascii() {
        out.extend(bytes.iter().map(u8::to_ascii_lowercase));
    } else {
        out.extend_from_slice(String::from_utf8_lossy(bytes).to_lowercase().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_another_letter_case_are_found_alike_before_and_after_the_table_is_built() {
        let names = ["A.png", "a.PNG", "b.png", "\u{212a}.png", "Straße.png", "x"];
        let listing = Listing::from_entries(names.iter().map(|n| (n, false))).unwrap();
        // The smallest of the names that lowercase alike; the Kelvin sign lowercases to ASCII.
        let asked = [
            ("a.png", Some("A.png")),
            ("B.PNG", Some("b.png")),
            ("k.png", Some("\u{212a}.png")),
            ("STRASSE.png", None),
            ("straße.PNG", Some("Straße.png")),
            ("y", None),
        ];
        for round in 0..=MISSES_BEFORE_TABLE / asked.len() + 1 {
            for (name, expected) in asked {
                let found = listing.ignoring_case(OsStr::new(name));
                assert_eq!(
                    found.map(|f| f.to_str().unwrap()),
                    expected,
                    "{name} in round {round}"
                );
            }
        }
        assert!(
            listing.table_built(),
            "the table was built in the last rounds"
        );
    }

    #[test]
    fn a_listing_decodes_to_the_names_it_encoded_and_refuses_any_other_bytes() {
        let entries = [("图.png", false), ("link.png", true), ("A.png", false)];
        let listing = Listing::from_entries(entries).unwrap();
        let mut out = Writer::default();
        listing.encode(&mut out);
        let names = |l: &Listing| {
            let mut names: Vec<(Vec<u8>, bool)> = l
                .by_name
                .iter()
                .map(|n| (l.bytes_of(n).to_vec(), n.link))
                .collect();
            names.sort();
            names
        };
        let decoded = Listing::decode(&mut Reader(&out.0)).unwrap();
        assert_eq!(names(&decoded), names(&listing));
        assert!(decoded.present(Path::new("unused"), OsStr::new("图.png")));
        let case = decoded.ignoring_case(OsStr::new("a.png"));
        assert_eq!(case, Some(OsStr::new("A.png")));
        // Cut anywhere, or a name's end moved past the names' bytes: not a listing.
        for cut in 0..out.0.len() {
            assert!(
                Listing::decode(&mut Reader(&out.0[..cut])).is_none(),
                "{cut}"
            );
        }
        let names_len = "图.pnglink.pngA.png".len() as u64;
        let end_of_first = 8 + names_len as usize + 8 + 8;
        let mut bad = out.0.clone();
        bad[end_of_first..end_of_first + 8].copy_from_slice(&(names_len + 1).to_le_bytes());
        assert!(Listing::decode(&mut Reader(&bad)).is_none());
    }

    #[test]
    fn every_name_is_present_and_no_other() {
        let names: Vec<String> = (0..3000).map(|i| format!("图{i}.png")).collect();
        let listing = Listing::from_entries(names.iter().map(|n| (n, false))).unwrap();
        let dir = Path::new("unused");
        for name in &names {
            assert!(listing.present(dir, OsStr::new(name)), "{name}");
        }
        // Names of the same length too: a name is found by its bytes, not its hash or length.
        let absent = names.iter().map(|n| n.replace("png", "PNG"));
        for absent in absent.chain(["图3000.png", "", "图1.pn"].map(String::from)) {
            assert!(!listing.present(dir, OsStr::new(&absent)), "{absent}");
        }
    }
}

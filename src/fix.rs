//! `--fix`: apply the fixes rules attach, re-lint until nothing changes, write atomically.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::engine::{self, Outcome, Request};

/// Rounds of fix-and-relint before giving up: fixes that keep producing fixes do not converge.
pub const MAX_ROUNDS: usize = 10;

/// Whether a fix may be applied under the chosen options.
pub fn allowed(applicability: Applicability, unsafe_fixes: bool) -> bool {
    match applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
    }
}

/// Applies the allowed fixes of `diagnostics` to `text`; a fix overlapping one already taken
/// waits for the next round. `None` when nothing applied.
pub fn apply(text: &str, diagnostics: &[&Diagnostic], unsafe_fixes: bool) -> Option<String> {
    let mut taken: Vec<&Edit> = Vec::new();
    for fix in diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| allowed(f.applicability, unsafe_fixes))
    {
        let overlaps = fix.edits.iter().any(|e| {
            taken
                .iter()
                .any(|t| e.span.start < t.span.end && t.span.start < e.span.end || e.span == t.span)
        });
        let in_bounds = fix.edits.iter().all(|e| {
            e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
        });
        if !overlaps && in_bounds {
            taken.extend(&fix.edits);
        }
    }
    if taken.is_empty() {
        return None;
    }
    taken.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for edit in taken {
        out.push_str(&text[pos..edit.span.start]);
        out.push_str(&edit.replacement);
        pos = edit.span.end;
    }
    out.push_str(&text[pos..]);
    Some(out)
}

/// The result of fixing: original and fixed text per changed file, and the findings left.
pub struct Fixed {
    pub changes: BTreeMap<PathBuf, (String, String)>,
    pub remaining: Outcome,
    /// Whether fixes were still changing files after `MAX_ROUNDS`.
    pub converged: bool,
}

/// Lints and fixes in memory until no allowed fix is left.
pub fn fix_in_memory(request: &Request<'_>, unsafe_fixes: bool) -> Fixed {
    let mut request = request.clone();
    let mut originals: BTreeMap<PathBuf, String> = BTreeMap::new();
    for _ in 0..MAX_ROUNDS {
        let outcome = engine::lint(&request);
        let mut changed = false;
        let mut by_path: BTreeMap<&PathBuf, Vec<&Diagnostic>> = BTreeMap::new();
        for d in &outcome.diagnostics {
            by_path.entry(&d.path).or_default().push(d);
        }
        for (path, diagnostics) in by_path {
            let Some(source) = outcome.sources.get(path) else {
                continue;
            };
            if let Some(fixed) = apply(&source.text, &diagnostics, unsafe_fixes) {
                originals
                    .entry(path.clone())
                    .or_insert_with(|| source.text.to_string());
                request.buffers.insert(path.clone(), fixed);
                changed = true;
            }
        }
        if !changed {
            return Fixed {
                changes: changes(originals, request.buffers),
                remaining: outcome,
                converged: true,
            };
        }
    }
    let remaining = engine::lint(&request);
    Fixed {
        changes: changes(originals, request.buffers),
        remaining,
        converged: false,
    }
}

/// The files whose fixed text differs from what was read: (original, fixed) by path.
fn changes(
    originals: BTreeMap<PathBuf, String>,
    mut fixed: HashMap<PathBuf, String>,
) -> BTreeMap<PathBuf, (String, String)> {
    originals
        .into_iter()
        .filter_map(|(path, original)| {
            fixed
                .remove(&path)
                .filter(|f| *f != original)
                .map(|fixed| (path, (original, fixed)))
        })
        .collect()
}

/// Writes `fixed` over `path` if the file still holds `original`; keeps its permissions.
/// Returns `Ok(false)` when the file changed on disk since it was read.
pub fn write_if_unchanged(path: &Path, original: &str, fixed: &str) -> io::Result<bool> {
    let on_disk = std::fs::read(path)?;
    if on_disk != original.as_bytes() {
        return Ok(false);
    }
    let permissions = std::fs::metadata(path)?.permissions();
    // Checked explicitly: a superuser's rename would replace a read-only file anyway.
    if permissions.readonly() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the file is read-only; left as it is",
        ));
    }
    write_atomically(path, fixed, Some(permissions))?;
    Ok(true)
}

/// Writes through a temporary file in the same folder and a rename, so a crash leaves no half
/// file; `permissions` are given to the new file (those of the file it replaces).
pub fn write_atomically(
    target: &Path,
    text: &str,
    permissions: Option<std::fs::Permissions>,
) -> io::Result<()> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.postlint-tmp",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
    ));
    std::fs::write(&tmp, text)?;
    if let Some(permissions) = permissions {
        std::fs::set_permissions(&tmp, permissions)?;
    }
    std::fs::rename(&tmp, target).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A unified diff of one file, as `git diff` prints it.
pub fn unified_diff(path: &Path, original: &str, fixed: &str) -> String {
    let name = crate::discover::slash_path(path);
    similar::TextDiff::from_lines(original, fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Fix, Span};
    use crate::rules::all;

    fn diagnostic(span: Span, replacement: &str, applicability: Applicability) -> Diagnostic {
        let meta = all()[0].meta();
        Diagnostic::new(meta, "a.md", span, "m").with_fix(Fix {
            applicability,
            message: "f".into(),
            edits: vec![Edit {
                span,
                replacement: replacement.into(),
            }],
        })
    }

    #[test]
    fn applies_allowed_non_overlapping_fixes() {
        let text = "abc def ghi";
        let safe = diagnostic(Span::new(0, 3), "ABC", Applicability::Safe);
        let unsafe_ = diagnostic(Span::new(4, 7), "DEF", Applicability::Unsafe);
        let overlapping = diagnostic(Span::new(1, 5), "X", Applicability::Safe);
        assert_eq!(
            apply(text, &[&safe, &unsafe_, &overlapping], false).as_deref(),
            Some("ABC def ghi")
        );
        assert_eq!(
            apply(text, &[&safe, &unsafe_], true).as_deref(),
            Some("ABC DEF ghi")
        );
        assert_eq!(apply(text, &[&unsafe_], false), None);
    }

    #[test]
    fn a_file_changed_on_disk_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "edited by someone else").unwrap();
        assert!(!write_if_unchanged(&path, "what postlint read", "fixed").unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "edited by someone else"
        );
        assert!(write_if_unchanged(&path, "edited by someone else", "fixed").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fixed");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }

    #[test]
    fn a_failed_rename_leaves_the_original_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // Renaming a file over a non-empty folder fails, as a crash before the rename would.
        let target = dir.path().join("post.md");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), "x").unwrap();
        assert!(write_atomically(&target, "new", None).is_err());
        assert!(target.join("keep").is_file());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temporary file is removed"
        );
    }

    #[test]
    fn a_read_only_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "old").unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).unwrap();
        let error = write_if_unchanged(&path, "old", "new").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }
}

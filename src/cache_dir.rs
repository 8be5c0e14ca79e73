//! The cache folder (`.postlint-cache/`): created with a `.gitignore` that keeps it out of git.

use std::path::Path;

/// Creates `dir` if needed, with a `.gitignore` of `*` (as ruff and pytest do), so the cache
/// never shows up as untracked files even where `postlint init` was not run.
pub fn create(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            ignore,
            "# Created by postlint: the cache is never committed.\n*\n",
        )?;
    }
    Ok(())
}

/// Deletes the cache file `name` in `dir`; whether there was one.
pub fn remove(dir: &Path, name: &str) -> std::io::Result<bool> {
    match std::fs::remove_file(dir.join(name)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

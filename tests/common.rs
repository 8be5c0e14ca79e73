//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built binary, run in `dir`, with no colour and a fixed width.
pub fn postlint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("postlint").expect("binary is built");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80");
    cmd
}

/// Runs `postlint ARGS` in `dir`, checks its exit code, and returns what it printed.
pub fn stdout_of(dir: &Path, args: &[&str], code: i32) -> String {
    let output = postlint(dir)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).expect("UTF-8 output")
}

/// Writes `files` (relative path, content) below a new temporary folder.
pub fn blog(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A newsletter collection with AstroPaper v3 front matter, as the reference user writes it.
pub fn letter(n: u64, slug: &str) -> String {
    format!(
        "---\ntitle: \"一颗小树 #{n}\"\npubDatetime: 2024-02-16T08:17:52.801Z\npostSlug: {slug}\ntags:\n  - newsletter\ndescription: \"第 {n} 封信。\"\n---\n\n> 你好，我是小树。这是我为你写的第 {n} 封信。\n\n[链接](https://example.com/{n})\n"
    )
}

pub const NEWSLETTER_CONFIG: &str = "[collections.newsletter]\ninclude = [\"src/data/newsletter/*.md\"]\npreset = \"astro-paper-v3\"\n";

/// The fixed "now" of fixture and doc tests, so date rules give the same answer every day.
pub const NOW: &str = "2025-01-01T00:00:00Z";

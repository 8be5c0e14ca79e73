//! `--fix`, `--unsafe-fixes` and `--diff`: what is written, what is kept, and convergence.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use postlint::engine::Request;
use postlint::settings::{CliOverrides, Settings};

use crate::common::{NOW, blog, postlint, repo, stdout_of};

/// One post with every safe-fixable problem.
const FIXABLE: &str = "---\ntitle: a\ndescription: b\npubDatetime: \"2024-02-16T08:00:00Z\"\n---\n\n中文 (the docs)[https://docs.rs/regex] and [text] (https://a.com/x) and [sp](https://a.com/a b).\n\nSee https://example.com/page.\n";
const FIXED: &str = "---\ntitle: a\ndescription: b\npubDatetime: 2024-02-16T08:00:00Z\n---\n\n中文 [the docs](https://docs.rs/regex) and [text](https://a.com/x) and [sp](https://a.com/a%20b).\n\nSee <https://example.com/page>.\n";

#[test]
fn fix_writes_safe_fixes_keeps_crlf_and_bom_and_is_idempotent() {
    for (prefix, newline) in [("", "\n"), ("\u{feff}", "\r\n")] {
        let original = format!("{prefix}{}", FIXABLE.replace('\n', newline));
        let untouched = "---\ntitle: clean\ndescription: b\npubDatetime: 2024-02-16T08:00:00Z\n---\n\nNothing to fix.\n";
        let dir = blog(&[
            ("src/data/blog/a.md", &original),
            ("src/data/blog/clean.md", untouched),
        ]);
        let clean = dir.path().join("src/data/blog/clean.md");
        let old = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&clean)
            .unwrap()
            .set_modified(old)
            .unwrap();

        postlint(dir.path())
            .args(["check", "--fix", "--quiet"])
            .assert()
            .code(0);
        let fixed = std::fs::read_to_string(dir.path().join("src/data/blog/a.md")).unwrap();
        assert_eq!(fixed, format!("{prefix}{}", FIXED.replace('\n', newline)));
        assert_eq!(
            std::fs::metadata(&clean).unwrap().modified().unwrap(),
            old,
            "a file without fixes is never touched"
        );
        // Clean afterwards, and a second run changes nothing.
        assert_eq!(
            stdout_of(dir.path(), &["check", "--format", "concise"], 0),
            "No problems found in 2 posts.\n"
        );
        postlint(dir.path())
            .args(["check", "--fix"])
            .assert()
            .code(0)
            .stderr("");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("src/data/blog/a.md")).unwrap(),
            fixed
        );
    }
}

#[test]
fn diff_prints_and_writes_nothing() {
    let dir = blog(&[("src/data/blog/a.md", FIXABLE)]);
    let diff = stdout_of(dir.path(), &["check", "--diff"], 1);
    assert!(
        diff.starts_with("--- a/src/data/blog/a.md\n+++ b/src/data/blog/a.md\n"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "-pubDatetime: \"2024-02-16T08:00:00Z\"\n+pubDatetime: 2024-02-16T08:00:00Z\n"
        ),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("src/data/blog/a.md")).unwrap(),
        FIXABLE
    );
}

#[test]
fn unsafe_fixes_need_their_flag() {
    let post = "---\ntitle: a\ndescription: b\npubDatetime: 2024-02-16 08:00:00\n---\n\n![photo](http://example.com/a.jpg)\n";
    let config = "[site]\ntimezone = \"Asia/Shanghai\"\n\n[collections.blog]\ninclude = [\"*.md\"]\npreset = \"astro-paper\"\n";
    let dir = blog(&[("postlint.toml", config), ("a.md", post)]);
    postlint(dir.path())
        .args(["check", "--fix"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.md")).unwrap(),
        post,
        "only unsafe fixes: nothing written"
    );
    postlint(dir.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.md")).unwrap(),
        "---\ntitle: a\ndescription: b\npubDatetime: 2024-02-16T08:00:00+08:00\n---\n\n![photo](https://example.com/a.jpg)\n"
    );
}

#[test]
fn stdin_fix_writes_the_buffer_to_stdout_and_findings_to_stderr() {
    let dir = blog(&[(
        "src/data/blog/other.md",
        "---\ntitle: o\ndescription: b\npubDatetime: 2024-02-16T08:00:00Z\nslug: same\n---\n",
    )]);
    let buffer =
        "---\ntitle: a\ndescription: b\npubDatetime: \"2024-02-16T08:00:00Z\"\nslug: same\n---\n";
    let output = postlint(dir.path())
        .args(["check", "--fix", "--stdin-filename", "src/data/blog/a.md"])
        .write_stdin(buffer)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        buffer.replace("\"2024-02-16T08:00:00Z\"", "2024-02-16T08:00:00Z")
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("src/data/blog/a.md:5:7: error[slug-duplicate]"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("src/data/blog/a.md").exists(),
        "nothing is written for a buffer"
    );
}

#[test]
fn series_greeting_fix_follows_the_slug_and_file() {
    let dir = repo().join("fixtures/collections/newsletter");
    let diff = stdout_of(
        &dir,
        &[
            "check",
            "--diff",
            "--unsafe-fixes",
            "--now",
            NOW,
            // Keep the outline index out of the repository's fixtures.
            "--no-cache",
            "src/data/newsletter/newsletter-8.md",
        ],
        1,
    );
    assert!(diff.contains("-> 你好，我是小树。这是我为你写的第 7 封信。 <!-- expect: series-number -->\n+> 你好，我是小树。这是我为你写的第 8 封信。 <!-- expect: series-number -->\n"), "{diff}");
}

/// Every fixture, fixed with all fixes: the loop converges and adds no finding of a new kind.
#[test]
fn fixes_converge_and_introduce_no_new_findings() {
    let overrides = CliOverrides {
        now: Some(NOW.parse().unwrap()),
        ..CliOverrides::default()
    };
    let mut dirs: Vec<_> = std::fs::read_dir(repo().join("fixtures/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.extend(
        std::fs::read_dir(repo().join("fixtures/collections"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for dir in dirs {
        let settings = Settings::discover(&dir, None, &overrides).unwrap();
        let request = Request::new(&settings);
        let before = postlint::engine::lint(&request);
        let fixed = postlint::fix::fix_in_memory(&request, true);
        assert!(fixed.converged, "{}: fixes did not converge", dir.display());
        let count = |diagnostics: &[postlint::diagnostic::Diagnostic]| {
            let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
            for d in diagnostics {
                *counts
                    .entry((d.path.display().to_string(), d.rule))
                    .or_default() += 1;
            }
            counts
        };
        let (before, after) = (
            count(&before.diagnostics),
            count(&fixed.remaining.diagnostics),
        );
        for (key, n) in &after {
            assert!(
                before.get(key).is_some_and(|b| n <= b),
                "{}: fixing added {key:?} ({n} after, {:?} before)",
                dir.display(),
                before.get(key)
            );
        }
    }
}

#[test]
fn two_fix_processes_at_once_never_mix_a_file() {
    let files: Vec<(String, String)> = (0..20)
        .map(|i| (format!("src/data/blog/p{i}.md"), FIXABLE.to_owned()))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = blog(&refs);
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("postlint"))
            .args(["check", "--fix", "--quiet"])
            .current_dir(dir.path())
            .env("POSTLINT_NETWORK", "off")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    let (a, b) = (a.wait().unwrap(), b.wait().unwrap());
    assert_ne!(a.code(), Some(101));
    assert_ne!(b.code(), Some(101));
    for (path, _) in &files {
        let text = std::fs::read_to_string(dir.path().join(path)).unwrap();
        assert!(
            text == FIXED || text == FIXABLE,
            "{path} is neither the original nor the fixed text:\n{text}"
        );
    }
    // Whatever the interleaving, one more run finishes the job.
    postlint(dir.path())
        .args(["check", "--fix", "--quiet"])
        .assert()
        .code(0);
    for (path, _) in &files {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(path)).unwrap(),
            FIXED
        );
    }
}

//! Hostile input: each gives a located diagnostic quickly and never a panic (exit code 101).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{NEWSLETTER_CONFIG, NOW, blog, letter, postlint};

/// Runs `postlint check --format json ARGS` in `dir`: never a panic, the expected exit code.
fn run_json(dir: &std::path::Path, args: &[&str], exit: i32, name: &str) -> (Value, Duration) {
    let start = Instant::now();
    let output = postlint(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(
        output.status.code(),
        Some(101),
        "{name}: panicked: {stderr}"
    );
    assert_eq!(output.status.code(), Some(exit), "{name}: {stderr}");
    (serde_json::from_slice(&output.stdout).unwrap(), elapsed)
}

fn lint_bytes(bytes: &[u8]) -> (Value, Duration) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/data/blog")).unwrap();
    std::fs::write(dir.path().join("src/data/blog/hostile.md"), bytes).unwrap();
    run_json(dir.path(), &[], 1, "hostile.md")
}

fn first(doc: &Value) -> (&str, u64) {
    let d = &doc["diagnostics"][0];
    (d["rule"].as_str().unwrap(), d["line"].as_u64().unwrap())
}

#[test]
fn unclosed_front_matter() {
    let (doc, elapsed) = lint_bytes(b"---\ntitle: a\n\nbody\n");
    assert_eq!(first(&doc), ("frontmatter-syntax", 1));
    assert!(elapsed < Duration::from_secs(5));
}

#[test]
fn binary_and_invalid_utf8() {
    let (doc, _) = lint_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert_eq!(first(&doc).0, "file-encoding");
    let (doc, _) = lint_bytes(b"---\ntitle: a\n---\n\nline \xe4\xb8 cut\n");
    assert_eq!(first(&doc), ("file-encoding", 5));
    assert_eq!(doc["diagnostics"][0]["span"]["start"], 23);
}

#[test]
fn a_series_number_as_large_as_can_be_leaves_one_run_of_missing_numbers() {
    // A mistyped greeting number: the gap before it was once listed number by number.
    let huge = u64::MAX;
    let numbered = |n: u64| letter(n, &format!("newsletter-{n}"));
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        ("src/data/newsletter/newsletter-1.md", &numbered(1)),
        ("src/data/newsletter/newsletter-2.md", &numbered(2)),
        ("src/data/newsletter/newsletter-3.md", &numbered(3)),
        ("src/data/newsletter/newsletter-huge.md", &numbered(huge)),
    ]);
    let (doc, elapsed) = run_json(
        dir.path(),
        &["--select", "series-order", "--now", NOW],
        0,
        "huge number",
    );
    let messages: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    let expected = format!("numbers 4–{} are missing before {huge}", huge - 1);
    assert_eq!(messages, [expected.as_str()]);
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn billion_laughs() {
    let mut yaml = String::from(
        "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10u8 {
        let (prev, name) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        yaml.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    yaml.push_str("---\n");
    let (doc, elapsed) = lint_bytes(yaml.as_bytes());
    let (rule, line) = first(&doc);
    assert_eq!(rule, "frontmatter-syntax");
    assert!(line > 1, "located in the block");
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases expand")
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn ten_thousand_nested_brackets() {
    let front = format!("---\ntitle: {}\n---\n", "[".repeat(10_000));
    let (doc, elapsed) = lint_bytes(front.as_bytes());
    assert_eq!(first(&doc), ("frontmatter-syntax", 2));
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // In the body, brackets are text: no front-matter finding, no crash.
    let body = format!("---\ntitle: a\ntitle: b\n---\n{}\n", "[".repeat(10_000));
    let (doc, _) = lint_bytes(body.as_bytes());
    assert_eq!(first(&doc), ("frontmatter-syntax", 3));
}

/// One entry of the hostile catalogue: files to write under `src/data/blog/`, the exit code,
/// and the rule of the first finding (if any).
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    exit: i32,
    rule: Option<&'static str>,
}

fn catalogue() -> Vec<Case> {
    let fm = |body: &str| format!("---\ntitle: a\n---\n\n{body}\n").into_bytes();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(
        "---\ntitle: a\n---\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let mut ten_mb = b"---\n".to_vec();
    ten_mb.extend(std::iter::repeat_n(b"x: y\n".as_slice(), 2_000_000).flatten());
    let nested_block: String = (0..2000)
        .map(|d| format!("{}k:\n", " ".repeat(d)))
        .collect();
    let repeated: String = (0..10_000).map(|_| "key: v\n").collect();
    let links: String = (0..100_000)
        .map(|i| format!("[l{i}](https://example.com/{i}) "))
        .collect();
    let references: String = (0..20_000)
        .map(|i| format!("[t][Label {i}] "))
        .chain(std::iter::once("\n".to_owned()))
        .chain((0..20_000).map(|i| format!("\n[label  {i}]: https://example.com/{i}")))
        .collect();
    vec![
        Case { name: "binary", files: vec![("a.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())], exit: 1, rule: Some("file-encoding") },
        Case { name: "invalid UTF-8 in the front matter", files: vec![("a.md", b"---\ntitle: \xff\n---\n".to_vec())], exit: 1, rule: Some("file-encoding") },
        Case { name: "UTF-16 with BOM", files: vec![("a.md", utf16)], exit: 1, rule: Some("file-encoding") },
        Case { name: "empty file", files: vec![("a.md", Vec::new())], exit: 0, rule: None },
        Case { name: "front matter only", files: vec![("a.md", b"---\ntitle: a\n---".to_vec())], exit: 0, rule: None },
        Case { name: "10 MB never closed", files: vec![("a.md", ten_mb)], exit: 1, rule: Some("frontmatter-syntax") },
        Case { name: "20 MB single line", files: vec![("a.md", fm(&"词".repeat(7_000_000)))], exit: 0, rule: None },
        Case { name: "100 000 links", files: vec![("a.md", fm(&links))], exit: 0, rule: None },
        // Each reference's label looked for among the definitions, and each definition's among
        // the references: pair by pair this took seconds.
        Case { name: "20 000 references and their definitions", files: vec![("a.md", fm(&references))], exit: 0, rule: None },
        // Every `#` a heading could start at, none at a line's start: the cut's heading search
        // once went back to the line's start from each (seconds for a megabyte).
        Case { name: "a 1 MB line of `#`", files: vec![("a.md", fm(&format!("x{}", "#".repeat(1_000_000))))], exit: 0, rule: None },
        Case { name: "100 KB URL", files: vec![("a.md", fm(&format!("[x](https://example.com/{})", "a".repeat(100_000))))], exit: 0, rule: None },
        Case { name: "2 000 nested block mappings", files: vec![("a.md", format!("---\n{nested_block}---\n").into_bytes())], exit: 1, rule: Some("frontmatter-syntax") },
        Case { name: "a key repeated 10 000 times", files: vec![("a.md", format!("---\n{repeated}---\n").into_bytes())], exit: 1, rule: Some("frontmatter-syntax") },
        Case { name: "tabs in YAML indentation", files: vec![("a.md", b"---\ntags:\n\t- a\n---\n".to_vec())], exit: 1, rule: Some("frontmatter-syntax") },
        Case { name: "slug with U+202E", files: vec![("a.md", "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\nslug: \"abc\u{202E}def\"\n---\n".as_bytes().to_vec())], exit: 1, rule: Some("slug-format") },
        Case { name: "slug with U+200B", files: vec![("a.md", "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\nslug: abc\u{200B}def\n---\n".as_bytes().to_vec())], exit: 1, rule: Some("slug-format") },
    ]
}

#[test]
fn the_hostile_catalogue_ends_quickly_with_documented_exit_codes() {
    for case in catalogue() {
        let dir = tempfile::tempdir().unwrap();
        let blog = dir.path().join("src/data/blog");
        std::fs::create_dir_all(&blog).unwrap();
        for (name, bytes) in &case.files {
            std::fs::write(blog.join(name), bytes).unwrap();
        }
        // Offline: a run with network rules keeps every post whole, and the cut of posts that
        // body rules have read must face these inputs too.
        let (doc, elapsed) = run_json(
            dir.path(),
            &[
                "--offline",
                "--select",
                "file-encoding,frontmatter-syntax,slug-format,link-syntax,reference-unused",
            ],
            case.exit,
            case.name,
        );
        assert_eq!(
            doc["diagnostics"][0]["rule"].as_str(),
            case.rule,
            "{}: {}",
            case.name,
            doc["diagnostics"][0]
        );
        // The unoptimised test build; the release build's times are in BENCHMARKS.md.
        assert!(
            elapsed < Duration::from_secs(20),
            "{}: {elapsed:?}",
            case.name
        );
    }
}

#[test]
fn odd_file_system_entries_are_skipped_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let blog = dir.path().join("src/data/blog");
    std::fs::create_dir_all(blog.join("post.md")).unwrap();
    std::fs::write(
        blog.join("post.md/inner.md"),
        "---\ntitle: a\ntitle: b\n---\n",
    )
    .unwrap();
    std::fs::write(
        blog.join("ok.md"),
        "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\n---\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&blog, blog.join("loop")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("secret.md"),
            "---\ntitle: a\ntitle: b\n---\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.md"), blog.join("outside.md"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), blog.join("outside-dir")).unwrap();
        let start = Instant::now();
        let out =
            crate::common::stdout_of(dir.path(), &["check", "--format", "concise", "--quiet"], 1);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "a symbolic-link loop ends"
        );
        // A folder named `post.md` is walked into; symbolic links are not followed.
        assert_eq!(
            out,
            "src/data/blog/post.md/inner.md:3:1: error[frontmatter-syntax] duplicate key `title`\n"
        );
        let mode = std::fs::metadata(blog.join("ok.md")).unwrap().permissions();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(blog.join("ok.md"), std::fs::Permissions::from_mode(0o000))
            .unwrap();
        if std::fs::read(blog.join("ok.md")).is_err() {
            // Permission denied: reported with the path, exit code 2, the rest still linted.
            let output = postlint(dir.path())
                .args(["check", "--format", "concise"])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&output.stderr).contains("ok.md: cannot read"));
        } else {
            eprintln!("skipped the permission-denied case: running as root reads any file");
        }
        std::fs::set_permissions(blog.join("ok.md"), mode).unwrap();
    }
}

#[test]
fn the_committed_hostile_fixtures_never_panic() {
    for entry in std::fs::read_dir(crate::common::repo().join("fixtures/hostile")).unwrap() {
        let path = entry.unwrap().path();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/data/blog")).unwrap();
        std::fs::copy(&path, dir.path().join("src/data/blog/post.md")).unwrap();
        let output = postlint(dir.path())
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0..=2)),
            "{}: {:?} {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

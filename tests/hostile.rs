//! Hostile input: each gives a located diagnostic quickly and never a panic (exit code 101).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::postlint;

fn lint_bytes(bytes: &[u8]) -> (Value, Duration) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src/data/blog")).unwrap();
    std::fs::write(dir.path().join("src/data/blog/hostile.md"), bytes).unwrap();
    let start = Instant::now();
    let output = postlint(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    assert_ne!(
        output.status.code(),
        Some(101),
        "panicked: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (serde_json::from_slice(&output.stdout).unwrap(), elapsed)
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

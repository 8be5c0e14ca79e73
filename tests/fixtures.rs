//! Fixture tests: `fixtures/rules/<rule>/` files carry their expected findings as inline markers
//! (`# expect: RULE` in front matter, `<!-- expect: RULE -->` in the body, both on the line
//! they expect a finding on; `expect-line N: RULE` for a line that cannot hold a comment).

use std::collections::BTreeSet;
use std::path::Path;

use postlint::engine::{self, Request};
use postlint::settings::{CliOverrides, Settings};

use crate::common::repo;
use crate::server::{Server, images_example_checker};

type Expected = BTreeSet<(usize, String)>;

fn markers(text: &str) -> Expected {
    let mut expected = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices("expect") {
            let rest = &line[at + "expect".len()..];
            let (line_no, rules) = if let Some(explicit) = rest.strip_prefix("-line ") {
                let (n, rules) = explicit.split_once(':').expect("expect-line N: RULE");
                (n.trim().parse().expect("a line number"), rules)
            } else if let Some(rules) = rest.strip_prefix(':') {
                (index + 1, rules)
            } else {
                continue;
            };
            // Rule names run until the end of the comment (or anything that is not a name).
            let names = rules
                .split([',', ' '])
                .filter(|w| !w.is_empty())
                .take_while(|w| {
                    w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && *w != "-->"
                });
            for rule in names {
                expected.insert((line_no, rule.to_owned()));
            }
        }
    }
    expected
}

/// Lints `dir` with `select` (every rule when empty) and compares findings with the markers.
/// `rule` names the fixture set in failures and in the with/without-findings check.
fn check_dir(dir: &Path, rule: &str, select: &[&str]) -> Vec<String> {
    let selection = CliOverrides {
        select: select.iter().map(|s| s.to_string()).collect(),
        ignore: Vec::new(),
        now: Some(crate::common::NOW.parse().unwrap()),
        ..CliOverrides::default()
    };
    let settings = Settings::discover(dir, None, &selection).expect("fixture config loads");
    assert!(
        settings
            .config_path
            .as_deref()
            .is_some_and(|p| p.starts_with(dir)),
        "{} needs its own postlint.toml",
        dir.display()
    );
    // Network rules run against a loopback server standing in for `images.example`.
    let server = Server::start();
    let checker = images_example_checker(&settings, &server);
    let is_network_rule = select
        .iter()
        .any(|r| postlint::rules::by_name(r).is_some_and(|rule| rule.meta().network));
    let request = if is_network_rule {
        Request {
            checker: Some(&checker),
            ..Request::new(&settings)
        }
    } else {
        Request::new(&settings)
    };
    let outcome = engine::lint(&request);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for file in postlint::discover::markdown_files(dir) {
        let name = file.strip_prefix(dir).unwrap().display().to_string();
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        let expected = markers(&text);
        // The file name may need to carry a date or a slug: markers decide, a prefix must agree.
        let base = file.file_name().unwrap().to_string_lossy();
        if expected.is_empty() {
            valid += 1;
            assert!(
                !base.starts_with("invalid-"),
                "{name}: an invalid fixture needs markers"
            );
        } else {
            invalid += 1;
            assert!(
                !base.starts_with("valid-"),
                "{name}: a valid fixture carries no markers"
            );
        }
        let actual: Expected = outcome
            .diagnostics
            .iter()
            .filter(|d| repo().join(&d.path) == file)
            .map(|d| {
                let source = &outcome.sources[&d.path];
                (
                    source.lines.line_col(&source.text, d.span.start).line,
                    d.rule.to_owned(),
                )
            })
            .collect();
        if expected != actual {
            failures.push(format!(
                "{rule}/{name}: expected {expected:?}, found {actual:?}"
            ));
        }
    }
    assert!(
        valid > 0 && invalid > 0,
        "{rule}: needs fixtures with and without findings"
    );
    failures
}

#[test]
fn every_rule_fires_exactly_where_its_fixtures_say() {
    let mut failures = Vec::new();
    for rule in postlint::rules::names() {
        let dir = repo().join("fixtures/rules").join(rule);
        assert!(
            dir.is_dir(),
            "rule {rule} has no fixtures in {}",
            dir.display()
        );
        failures.extend(check_dir(&dir, rule, &[rule]));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `fixtures/collections/<scenario>/`: whole blogs linted with every rule; markers list every finding.
#[test]
fn collection_scenarios_give_exactly_the_marked_findings() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(repo().join("fixtures/collections")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        failures.extend(check_dir(&dir, &name, &[]));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn markers_are_read_from_both_comment_styles() {
    let text =
        "---\ntitle: a # expect: x, y\n---\ntext <!-- expect: z -->\n<!-- expect-line 1: w -->\n";
    let expected: Vec<_> = markers(text).into_iter().collect();
    assert_eq!(
        expected,
        [
            (1, "w".into()),
            (2, "x".into()),
            (2, "y".into()),
            (4, "z".into())
        ]
    );
}

//! Rule documentation: every rule has a doc, every doc a rule, front matter matching the code,
//! and every example block (```` ```md invalid ```` / ```` ```md valid ````) behaves as it says.

use postlint::engine::{self, Request};
use postlint::post::Post;
use postlint::settings::{CliOverrides, Settings};

use crate::common::repo;
use crate::server::{Server, images_example_checker};

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let docs: Vec<String> = std::fs::read_dir(repo().join("rules"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for doc in &docs {
        assert!(
            postlint::rules::by_name(doc).is_some(),
            "rules/{doc}.md documents no rule"
        );
    }
    for name in postlint::rules::names() {
        assert!(
            docs.iter().any(|d| d == name),
            "rule {name} has no rules/{name}.md"
        );
    }
}

#[test]
fn doc_front_matter_matches_the_rule() {
    for rule in postlint::rules::all() {
        let meta = rule.meta();
        let post = Post::parse(format!("rules/{}.md", meta.name), meta.doc);
        let field = |key: &str| {
            post.field(key)
                .and_then(|e| e.value.value.scalar_text())
                .unwrap_or_else(|| panic!("{}: no `{key}`", meta.name))
        };
        assert_eq!(field("name"), meta.name);
        let severity = if meta.enabled {
            meta.severity.as_str()
        } else {
            "off"
        };
        assert_eq!(field("severity"), severity, "{}", meta.name);
        assert_eq!(field("category"), meta.category, "{}", meta.name);
        assert_eq!(field("fixable"), meta.fixable.to_string(), "{}", meta.name);
        assert_eq!(
            meta.doc.contains("## Fix safety"),
            meta.fixable,
            "{}: a fixable rule documents its fix safety, and only then",
            meta.name
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Examples",
            "## Options",
        ] {
            assert!(
                meta.doc.contains(section),
                "{}: missing section {section}",
                meta.name
            );
        }
    }
}

/// One ```` ```md valid|invalid [preset=NAME] ```` block of a rule doc.
struct Example {
    invalid: bool,
    preset: String,
    text: String,
}

fn examples(doc: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```md ") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let invalid = match words.next() {
            Some("invalid") => true,
            Some("valid") => false,
            _ => continue,
        };
        let preset = words
            .find_map(|w| w.strip_prefix("preset="))
            .unwrap_or("generic")
            .to_owned();
        let mut text = String::new();
        for line in lines.by_ref().take_while(|l| *l != "```") {
            text.push_str(line);
            text.push('\n');
        }
        found.push(Example {
            invalid,
            preset,
            text,
        });
    }
    found
}

#[test]
fn every_doc_example_behaves_as_labelled() {
    let server = Server::start();
    let mut failures = Vec::new();
    for rule in postlint::rules::all() {
        let name = rule.meta().name;
        let examples = examples(rule.meta().doc);
        assert!(
            examples.iter().any(|e| !e.invalid),
            "{name}: no valid example"
        );
        for example in examples {
            let dir = tempfile::tempdir().unwrap();
            let config = format!(
                "[collections.examples]\ninclude = [\"*.md\"]\npreset = \"{}\"\n",
                example.preset
            );
            std::fs::write(dir.path().join("postlint.toml"), config).unwrap();
            // `<!-- file: NAME -->` lines start another post of the same collection.
            let mut file = "post.md".to_owned();
            let mut text = String::new();
            for line in example.text.lines() {
                if let Some(next) = line
                    .strip_prefix("<!-- file: ")
                    .and_then(|l| l.strip_suffix(" -->"))
                {
                    // A marker on the first line names the first post.
                    if !text.is_empty() {
                        std::fs::write(dir.path().join(&file), &text).unwrap();
                    }
                    file = next.to_owned();
                    text.clear();
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            std::fs::write(dir.path().join(&file), &text).unwrap();
            let selection = CliOverrides {
                select: vec![name.to_owned()],
                ignore: Vec::new(),
                now: Some(crate::common::NOW.parse().unwrap()),
                ..CliOverrides::default()
            };
            let settings = Settings::discover(dir.path(), None, &selection).unwrap();
            // Network rules check their examples against a loopback server: `images.example`.
            let checker = images_example_checker(&settings, &server);
            let outcome = engine::lint(&Request {
                checker: Some(&checker),
                ..Request::new(&settings)
            });
            let fired = outcome.diagnostics.iter().any(|d| d.rule == name);
            if fired != example.invalid {
                failures.push(format!(
                    "{name}: {} example {}:\n{}{:#?}",
                    if example.invalid { "invalid" } else { "valid" },
                    if fired { "fired" } else { "did not fire" },
                    example.text,
                    outcome.diagnostics
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

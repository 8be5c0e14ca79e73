//! The binary as users run it: exit codes, every format, stdin mode, config errors.

use serde_json::Value;

use crate::common::{NEWSLETTER_CONFIG, blog, letter, postlint, repo, stdout_of};

fn json(output: &str) -> Value {
    serde_json::from_str(output).expect("valid JSON")
}

#[test]
fn clean_blog_exits_0() {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
    ]);
    postlint(dir.path())
        .arg("check")
        .assert()
        .code(0)
        .stdout("No problems found in 1 post.\n");
}

#[test]
fn error_finding_exits_1_and_warning_alone_exits_0() {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        ("src/data/newsletter/a.md", "---\ntitle: a\ntitle: b\n---\n"),
    ]);
    postlint(dir.path()).arg("check").assert().code(1);
    let dir = blog(&[(
        "src/data/blog/a.md",
        "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\ntypo: 1\n---\n",
    )]);
    let out = stdout_of(dir.path(), &["check", "--format", "concise"], 0);
    assert_eq!(
        out,
        "src/data/blog/a.md:5:1: warning[field-unknown] unknown field `typo`\nFound 1 warning in 1 post.\n"
    );
}

#[test]
fn usage_and_config_errors_exit_2() {
    let dir = blog(&[(
        "postlint.toml",
        "[collections.blog]\ninclude = [\"*.md\"]\nprest = \"hugo\"\n",
    )]);
    let assert = postlint(dir.path()).arg("check").assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("unknown field `prest`"), "{stderr}");
    assert!(stderr.contains("did you mean `preset`?"), "{stderr}");
    assert!(stderr.contains("postlint.toml:3:1"), "{stderr}");

    let dir = blog(&[("postlint.toml", "[rules]\nslug-duplicat = \"error\"\n")]);
    let stderr = postlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("unknown rule `slug-duplicat`")
            && stderr.contains("did you mean `slug-duplicate`?"),
        "{stderr}"
    );

    let dir = blog(&[("postlint.toml", "[rules]\nslug-duplicate = \"fatal\"\n")]);
    postlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown severity `fatal`"));

    let dir = blog(&[]);
    postlint(dir.path())
        .args(["check", "--select", "nope"])
        .assert()
        .code(2);
    postlint(dir.path())
        .args(["check", "missing.md"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing.md: no such file"));
    postlint(dir.path())
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    postlint(dir.path()).arg("frobnicate").assert().code(2);
}

#[test]
fn rule_severity_and_select_ignore_from_config_and_cli() {
    let files = [(
        "src/data/blog/a.md",
        "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\ntypo: 1\n---\n",
    )];
    let dir = blog(&files);
    std::fs::write(dir.path().join("postlint.toml"), "[collections.blog]\ninclude = [\"src/data/blog/*.md\"]\n\n[rules]\nfield-unknown = \"error\"\n").unwrap();
    postlint(dir.path()).arg("check").assert().code(1);
    postlint(dir.path())
        .args(["check", "--ignore", "field-unknown"])
        .assert()
        .code(0);
    postlint(dir.path())
        .args(["check", "--select", "field-required"])
        .assert()
        .code(0);
    std::fs::write(dir.path().join("postlint.toml"), "[collections.blog]\ninclude = [\"src/data/blog/*.md\"]\n\n[rules.field-unknown]\nseverity = \"off\"\n").unwrap();
    postlint(dir.path())
        .args(["check", "--format", "json"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("\"diagnostics\": []"));
}

#[test]
fn json_spans_slice_exactly_the_value_after_chinese_text() {
    let post = "---\ntitle: \"中文标题：第一行\"\ndescription: \"很长的中文描述，😀 还有 emoji\"\npubDatetime: \"2024-02-16T08:17:52Z\"\ntags:\n  - 新闻\n  - 42\n---\n\n中文正文。\n";
    let dir = blog(&[("src/data/blog/a.md", post)]);
    let out = stdout_of(dir.path(), &["check", "--format", "json"], 1);
    let doc = json(&out);
    assert_eq!(doc["version"], 1);
    let bytes = post.as_bytes();
    let slice = |d: &Value| {
        let (s, e) = (
            d["span"]["start"].as_u64().unwrap() as usize,
            d["span"]["end"].as_u64().unwrap() as usize,
        );
        std::str::from_utf8(&bytes[s..e]).unwrap().to_owned()
    };
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    let date = diagnostics
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("quoted"))
        .unwrap();
    assert_eq!(slice(date), "\"2024-02-16T08:17:52Z\"");
    assert_eq!(
        (
            date["line"].as_u64(),
            date["column"].as_u64(),
            date["end_column"].as_u64()
        ),
        (Some(4), Some(14), Some(36))
    );
    assert_eq!(date["path"], "src/data/blog/a.md");
    assert_eq!(date["severity"], "error");
    assert_eq!(date["rule"], "field-type");
    assert!(
        date["help"]
            .as_str()
            .unwrap()
            .starts_with("remove the quotes")
    );
    let item = diagnostics
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("found an integer"))
        .unwrap();
    assert_eq!(slice(item), "42");
    assert_eq!(doc["summary"]["errors"], 2);
    assert_eq!(doc["summary"]["files_checked"], 1);
}

#[test]
fn yaml_syntax_error_points_at_the_offending_line() {
    let post = "---\ntitle: 中文\ntags: [a, b\ndescription: x\n---\n";
    let dir = blog(&[("src/data/blog/a.md", post)]);
    let doc = json(&stdout_of(dir.path(), &["check", "--format", "json"], 1));
    let d = &doc["diagnostics"][0];
    assert_eq!(d["rule"], "frontmatter-syntax");
    let line = d["line"].as_u64().unwrap();
    assert!((3..=5).contains(&line), "line {line}: {d}");
}

#[test]
fn crlf_bom_and_lf_give_the_same_findings() {
    let lf = "---\ntitle: 中文\ndescription: x\npubDatetime: 2024-01-01T00:00:00Z\ndraft: \"yes\"\ntitle: again\n---\n";
    let mut results = Vec::new();
    for text in [
        lf.to_owned(),
        lf.replace('\n', "\r\n"),
        format!("\u{feff}{lf}"),
    ] {
        let dir = blog(&[("src/data/blog/a.md", &text)]);
        let doc = json(&stdout_of(dir.path(), &["check", "--format", "json"], 1));
        let found: Vec<_> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["rule"].clone(),
                    d["line"].clone(),
                    d["column"].clone(),
                    d["message"].clone(),
                )
            })
            .collect();
        results.push(found);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn one_file_inside_a_collection_still_sees_the_others() {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-98.md",
            &letter(98, "newsletter-98"),
        ),
        (
            "src/data/newsletter/newsletter-99.md",
            &letter(99, "newsletter-98"),
        ),
        (
            "src/data/newsletter/newsletter-97.md",
            &letter(97, "newsletter-97"),
        ),
    ]);
    let out = stdout_of(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "src/data/newsletter/newsletter-99.md",
        ],
        1,
    );
    let doc = json(&out);
    let paths: Vec<_> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            (
                "slug-duplicate".to_owned(),
                "src/data/newsletter/newsletter-98.md".to_owned()
            ),
            (
                "slug-duplicate".to_owned(),
                "src/data/newsletter/newsletter-99.md".to_owned()
            )
        ]
    );
    assert_eq!(
        doc["diagnostics"][1]["related"][0]["path"],
        "src/data/newsletter/newsletter-98.md"
    );
    assert_eq!(doc["summary"]["files_checked"], 1);
    // A post not involved in any finding, passed alone, is clean.
    postlint(dir.path())
        .args(["check", "src/data/newsletter/newsletter-97.md"])
        .assert()
        .code(0);
}

#[test]
fn stdin_mode_lints_the_buffer_with_its_collection_from_disk() {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-98.md",
            &letter(98, "newsletter-98"),
        ),
    ]);
    let out = postlint(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "src/data/newsletter/newsletter-99.md",
            "--format",
            "concise",
        ])
        .write_stdin(letter(99, "newsletter-98"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // Only the buffer is linted; the finding on the other letter involves it, so it counts.
    assert_eq!(
        out,
        "src/data/newsletter/newsletter-98.md:4:11: error[slug-duplicate] slug `newsletter-98` is used by 1 other post\n\
         src/data/newsletter/newsletter-99.md:4:11: error[slug-duplicate] slug `newsletter-98` is used by 1 other post\n\
         Found 2 errors in 1 post.\n"
    );
    // The unsaved buffer wins over the file on disk.
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        ("src/data/newsletter/a.md", "---\ntitle: a\ntitle: b\n---\n"),
    ]);
    postlint(dir.path())
        .args(["check", "--stdin-filename", "src/data/newsletter/a.md"])
        .write_stdin(letter(1, "a"))
        .assert()
        .code(0);
    // A buffer outside every collection is still linted on its own.
    postlint(dir.path())
        .args(["check", "--stdin-filename", "notes/draft.md"])
        .write_stdin("---\ntitle: a\ntitle: b\n---\n")
        .assert()
        .code(1);
}

#[test]
fn excluded_files_are_skipped_even_when_passed() {
    let config = format!("exclude = [\"**/template.md\"]\n\n{NEWSLETTER_CONFIG}");
    let dir = blog(&[
        ("postlint.toml", &config),
        (
            "src/data/newsletter/template.md",
            "---\ntitle: a\ntitle: b\n---\n",
        ),
    ]);
    postlint(dir.path())
        .args(["check", "src/data/newsletter/template.md"])
        .assert()
        .code(0)
        .stdout("No problems found in 0 posts.\n");
}

#[test]
fn github_format_has_the_documented_shape() {
    let dir = blog(&[(
        "src/data/blog/a,b.md",
        "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\ndraft: \"yes\"\n---\n",
    )]);
    let out = stdout_of(dir.path(), &["check", "--format", "github"], 1);
    assert_eq!(
        out,
        "::error file=src/data/blog/a%2Cb.md,line=5,col=8,endLine=5,endColumn=13,title=postlint(field-type)::`draft` should be a boolean (`true` or `false`), found a string%0Ahelp: write `draft: true` without quotes\n"
    );
}

#[test]
fn sarif_validates_against_the_schema() {
    // The OASIS schema (errata 01), kept in the repository so the test runs in every checkout.
    let schema_path = repo().join("tests/data/sarif-schema-2.1.0.json");
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
        (
            "src/data/newsletter/newsletter-2.md",
            &letter(2, "newsletter-1"),
        ),
        (
            "src/data/newsletter/newsletter-3.md",
            "---\ntitle: 中文\ntitle: x\n---\n",
        ),
    ]);
    let out = stdout_of(dir.path(), &["check", "--format", "sarif"], 1);
    let sarif = json(&out);
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("sarif.json", schema).unwrap();
    let index = compiler.compile("sarif.json", &mut schemas).unwrap();
    if let Err(e) = schemas.validate(&sarif, index) {
        panic!("SARIF does not validate: {e:#}");
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "slug-duplicate");
    assert_eq!(
        results[0]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/data/newsletter/newsletter-2.md"
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), postlint::rules::all().len());
    let slug_rule = rules.iter().find(|r| r["id"] == "slug-duplicate").unwrap();
    assert!(
        slug_rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("rules/slug-duplicate.md")
    );
    assert_eq!(slug_rule["defaultConfiguration"]["level"], "error");
}

#[test]
fn pretty_output_underlines_after_chinese_text() {
    let dir = blog(&[(
        "src/data/blog/a.md",
        "---\ntitle: 中文\ndescription: 描述\npubDatetime: 2024-01-01T00:00:00Z\ntags: [中文, 42]\n---\n",
    )]);
    let out = stdout_of(dir.path(), &["check", "--format", "pretty"], 1);
    // Each Chinese character takes two columns: the underline sits exactly under `42`.
    assert!(
        out.contains(" 5 │ tags: [中文, 42]\n   ·              ──\n"),
        "{out}"
    );
}

#[test]
fn rules_and_rule_commands() {
    let out = postlint(&repo())
        .arg("rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for name in postlint::rules::names() {
        assert!(out.contains(name), "{name} missing from `postlint rules`");
    }
    postlint(&repo())
        .args(["rule", "slug-duplicate"])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with("# slug-duplicate\n"));
    postlint(&repo())
        .args(["rule", "slug-duplicat"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `slug-duplicate`?"));
}

#[test]
fn init_writes_a_config_that_loads_and_never_overwrites() {
    let dir = blog(&[
        ("src/data/blog/a.md", "---\ntitle: a\n---\n"),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
    ]);
    postlint(dir.path()).arg("init").assert().code(0);
    let config = std::fs::read_to_string(dir.path().join("postlint.toml")).unwrap();
    assert!(
        config.contains("[collections.blog]\ninclude = [\"src/data/blog/**/*.{md,markdown}\"]"),
        "{config}"
    );
    assert!(config.contains("[collections.newsletter]"), "{config}");
    assert!(config.contains("preset = \"astro-paper-v3\""), "{config}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
        ".postlint-cache/\n"
    );
    postlint(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    postlint(dir.path())
        .args(["init", "--force"])
        .assert()
        .code(0);
    // The written config is valid.
    postlint(dir.path())
        .args(["check", "--select", "frontmatter-syntax"])
        .assert()
        .code(0);
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = blog(&[("src/data/blog/a.md", "---\ntitle: a\ntitle: b\n---\n")]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .args(["check", "--format", "json"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_ne!(output.status.code(), Some(101));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn zero_config_detects_hugo_jekyll_and_hexo() {
    for (folder, preset_field) in [
        ("content/posts", "weight: \"x\""),
        ("_posts", "published: \"x\""),
        ("source/_posts", "published: \"x\""),
    ] {
        let post = format!("---\ntitle: a\n{preset_field}\n---\n");
        let dir = blog(&[(&format!("{folder}/2024-01-01-a.md"), post.as_str())]);
        let out = stdout_of(dir.path(), &["check", "--format", "concise"], 1);
        assert!(out.contains("error[field-type]"), "{folder}");
    }
}

#[test]
fn regression_paths_with_dot_dot_find_their_posts() {
    let dir = blog(&[
        ("site/src/data/blog/a.md", "---\ntitle: a\ntitle: b\n---\n"),
        ("elsewhere/.keep", ""),
    ]);
    let out = postlint(&dir.path().join("elsewhere"))
        .args(["check", "--format", "concise", "../site"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(
            "../site/src/data/blog/a.md:3:1: error[frontmatter-syntax] duplicate key `title`"
        ),
        "{out}"
    );
}

#[test]
fn rule_docs_schema_in_the_repo_config_catches_a_bad_doc() {
    let config = std::fs::read_to_string(repo().join("postlint.toml")).unwrap();
    let dir = blog(&[
        ("postlint.toml", &config),
        (
            "rules/bad.md",
            "---\nname: bad\nseverity: fatal\ncategory: x\nfixable: \"no\"\nsinse: 0.1.0\n---\n\n# bad\n",
        ),
    ]);
    let out = stdout_of(
        dir.path(),
        &["check", "rules", "--format", "concise", "--quiet"],
        1,
    );
    assert_eq!(
        out,
        "rules/bad.md:1:1: error[field-required] required field `since` is missing\n\
         rules/bad.md:3:11: error[field-type] `fatal` is not an allowed value of `severity`\n\
         rules/bad.md:5:10: error[field-type] `fixable` should be a boolean (`true` or `false`), found a string\n\
         rules/bad.md:6:1: error[field-unknown] unknown field `sinse`\n"
    );
}

#[test]
fn suppression_comments_silence_findings() {
    let post = "---\ntitle: a\ndescription: b\npubDatetime: 2024-01-01T00:00:00Z\ndraft: \"yes\" # postlint-disable-line field-type\nfeatured: \"no\"\n---\n\n<!-- postlint-disable-file field-unknown -->\n";
    let dir = blog(&[("src/data/blog/a.md", post)]);
    let out = stdout_of(dir.path(), &["check", "--format", "concise", "--quiet"], 1);
    assert_eq!(
        out,
        "src/data/blog/a.md:6:11: error[field-type] `featured` should be a boolean (`true` or `false`), found a string\n"
    );
}

#[test]
fn a_comment_in_a_post_without_findings_of_its_own_silences_a_collection_finding() {
    // Phase 1 and the per-post rules find nothing in `b.md`: its comment must still reach the
    // suppressions step.
    let post = |title: &str, day: u8, body: &str| {
        format!(
            "---\ntitle: {title}\ndescription: b\npubDatetime: 2024-01-0{day}T00:00:00Z\nslug: same\n---\n\n{body}\n"
        )
    };
    let dir = blog(&[
        ("src/data/blog/a.md", &post("a", 1, "Text.")),
        (
            "src/data/blog/b.md",
            &post(
                "b",
                2,
                "<!-- postlint-disable-file slug-duplicate -->\n\nText.",
            ),
        ),
    ]);
    let out = stdout_of(dir.path(), &["check", "--format", "concise", "--quiet"], 1);
    assert_eq!(
        out,
        "src/data/blog/a.md:5:7: error[slug-duplicate] slug `same` is used by 1 other post\n"
    );
}

#[test]
fn zero_config_gives_did_you_mean_time_zone_help_and_detects_v3() {
    let dir = blog(&[
        (
            "src/data/blog/a.md",
            "---\ntitle: a\ndiscription: b\npubDatetime: 2022-01-11 13:05:12\n---\n",
        ),
        (
            "src/data/newsletter/newsletter-1.md",
            "---\ntitle: a\ndescription: b\npubDatetime: 2022-01-11T13:05:12Z\npostSlug: newsletter-1\nextra: x\n---\n",
        ),
    ]);
    let doc = json(&stdout_of(
        dir.path(),
        &["check", "--format", "json", "--now", "2025-01-01T00:00:00Z"],
        1,
    ));
    let found: Vec<(&str, &str, &str, &str)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
                d["help"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "field-required",
                "error",
                "required field `description` is missing",
                "add `description:` with a string"
            ),
            (
                "field-unknown",
                "warning",
                "unknown field `discription`",
                "did you mean `description`?"
            ),
            (
                "date-timezone",
                "warning",
                "`pubDatetime` has no time zone: `2022-01-11 13:05:12` will be read as UTC",
                "write the offset, e.g. `pubDatetime: 2022-01-11T13:05:12Z` for UTC, or set `site.timezone` in postlint.toml to get your zone's"
            ),
            // `postSlug` makes the newsletter AstroPaper v3, whose schema is strict.
            (
                "field-unknown",
                "error",
                "unknown field `extra`",
                "known fields: author, canonicalURL, description, draft, featured, hideEditPost, modDatetime, ogImage, postSlug, pubDatetime, tags, timezone, title"
            ),
        ]
    );
}

#[test]
fn site_time_zone_shapes_the_help_and_is_validated() {
    let post = "---\ntitle: a\ndescription: b\npubDatetime: 2022-07-11 13:05:12\n---\n";
    let config = "[site]\ntimezone = \"Asia/Shanghai\"\n\n[collections.blog]\ninclude = [\"*.md\"]\npreset = \"astro-paper\"\n";
    let dir = blog(&[("postlint.toml", config), ("a.md", post)]);
    let doc = json(&stdout_of(dir.path(), &["check", "--format", "json"], 0));
    assert_eq!(
        doc["diagnostics"][0]["help"],
        "write `pubDatetime: 2022-07-11T13:05:12+08:00` (Asia/Shanghai)"
    );
    let dir = blog(&[
        (
            "postlint.toml",
            &config.replace("Asia/Shanghai", "Asia/Shanghia"),
        ),
        ("a.md", post),
    ]);
    postlint(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown time zone `Asia/Shanghia`",
        ))
        .stderr(predicates::str::contains("did you mean `Asia/Shanghai`?"));
}

#[test]
fn now_can_be_fixed_from_the_command_line() {
    let dir = blog(&[(
        "src/data/blog/a.md",
        "---\ntitle: a\ndescription: b\npubDatetime: 2025-06-01T00:00:00Z\n---\n",
    )]);
    postlint(dir.path())
        .args(["check", "--now", "2025-05-01T00:00:00Z"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("warning[date-future]"));
    postlint(dir.path())
        .args(["check", "--now", "2025-07-01T00:00:00Z"])
        .assert()
        .code(0)
        .stdout("No problems found in 1 post.\n");
    postlint(dir.path())
        .args(["check", "--now", "tomorrow"])
        .assert()
        .code(2);
}

#[test]
fn only_the_copied_letter_passed_still_reports_the_duplicate_number() {
    let dir = repo().join("fixtures/collections/newsletter");
    let out = stdout_of(
        &dir,
        &[
            "check",
            "--format",
            "concise",
            "--quiet",
            "--now",
            "2025-01-01T00:00:00Z",
            // Keep the outline index out of the repository's fixtures.
            "--no-cache",
            "src/data/newsletter/newsletter-21.md",
        ],
        1,
    );
    assert_eq!(
        out,
        "src/data/newsletter/newsletter-20.md:4:11: error[slug-duplicate] slug `newsletter-20` is used by 1 other post\n\
         src/data/newsletter/newsletter-20.md:10:20: error[series-order] number 20 is used by 1 other post\n\
         src/data/newsletter/newsletter-21.md:1:1: error[series-number] the file name says 21, but the greeting and the slug say 20\n\
         src/data/newsletter/newsletter-21.md:4:11: error[slug-duplicate] slug `newsletter-20` is used by 1 other post\n\
         src/data/newsletter/newsletter-21.md:10:20: error[series-order] number 20 is used by 1 other post\n"
    );
}

#[test]
fn series_command_shows_numbers_problems_and_the_next_number() {
    let table = stdout_of(&repo(), &["series", "--root", "fixtures/demo-blog"], 0);
    insta::assert_snapshot!(table);
    let doc = json(&stdout_of(
        &repo(),
        &[
            "series",
            "newsletter",
            "--root",
            "fixtures/collections/newsletter",
            "--format",
            "json",
        ],
        0,
    ));
    let series = &doc["series"][0];
    assert_eq!(series["next"], 21);
    assert_eq!(series["detected"], true);
    assert_eq!(
        series["sources"],
        serde_json::json!(["body", "slug", "file"])
    );
    let numbers: Vec<_> = series["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].clone())
        .collect();
    assert_eq!(numbers.len(), 22);
    assert_eq!(
        numbers[10], 10,
        "the Chinese numeral greeting 第十封信 is number 10"
    );
    assert_eq!(
        numbers[21],
        Value::Null,
        "the template has no number and sorts last"
    );
    postlint(&repo())
        .args(["series", "newsleter", "--root", "fixtures/demo-blog"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `newsletter`?"));
}

#[test]
fn init_writes_the_detected_series() {
    let dir = blog(&[]);
    for n in 1..=5 {
        std::fs::create_dir_all(dir.path().join("src/data/newsletter")).unwrap();
        std::fs::write(
            dir.path()
                .join(format!("src/data/newsletter/newsletter-{n}.md")),
            letter(n, &format!("newsletter-{n}")),
        )
        .unwrap();
    }
    postlint(dir.path()).arg("init").assert().code(0);
    let config = std::fs::read_to_string(dir.path().join("postlint.toml")).unwrap();
    assert!(config.contains("[collections.newsletter.series]\nbody = '第\\s*{n}\\s*封信'\nslug = \"newsletter-{n}\"\nfile = \"newsletter-{n}.md\"\nstart = 1\n"), "{config}");
}

#[test]
fn changed_since_lints_only_changed_posts_with_their_collection() {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
        (
            "src/data/newsletter/newsletter-2.md",
            "---\ntitle: old\ntitle: broken but unchanged\n---\n",
        ),
    ]);
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "start"]);
    assert_eq!(
        stdout_of(dir.path(), &["check", "--changed-since", "HEAD"], 0),
        "No posts changed since HEAD.\n"
    );
    // A new letter copied from letter 1: untracked, yet linted against the whole collection.
    std::fs::write(
        dir.path().join("src/data/newsletter/newsletter-3.md"),
        letter(1, "newsletter-1"),
    )
    .unwrap();
    let out = stdout_of(
        dir.path(),
        &[
            "check",
            "--changed-since",
            "HEAD",
            "--format",
            "concise",
            "--quiet",
        ],
        1,
    );
    assert!(
        out.contains("newsletter-3.md:4:11: error[slug-duplicate]"),
        "{out}"
    );
    assert!(
        !out.contains("newsletter-2.md"),
        "unchanged posts are not reported: {out}"
    );
    postlint(dir.path())
        .args(["check", "--changed-since", "no-such-rev"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--changed-since no-such-rev"));
}

#[test]
fn regression_a_folder_name_with_glob_characters_is_a_collection() {
    // `[draft]` would be a glob class if the detected pattern were not escaped.
    let dir = blog(&[("src/data/[draft]/a.md", "---\ntitle: a\ntitle: b\n---\n")]);
    let out = stdout_of(dir.path(), &["check", "--format", "concise", "--quiet"], 1);
    assert_eq!(
        out,
        "src/data/[draft]/a.md:3:1: error[frontmatter-syntax] duplicate key `title`\n"
    );
}

#[test]
fn a_directive_shown_in_code_suppresses_nothing() {
    // Bodies are parsed in full one post at a time; suppressions must still come from that
    // parse, which knows code spans and indented code, not from the outline kept afterwards.
    let post = "---\ntitle: t\n---\n\nWrite `<!-- postlint-disable-file -->` to silence a file:\n\n    <!-- postlint-disable-file -->\n\nSee https://example.com for more.\n";
    let dir = blog(&[("posts/a.md", post)]);
    let out = stdout_of(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "bare-url",
            "posts/a.md",
        ],
        0,
    );
    assert!(
        out.starts_with("posts/a.md:9:5: info[bare-url] bare URL `https://example.com`"),
        "{out}"
    );
}

#[test]
fn a_collection_listed_first_keeps_its_files_when_only_a_later_one_is_linted() {
    // `letters` claims its files first; linting one post of `posts` must not pull the letters
    // into `posts` (where the shared slug would be a duplicate) by skipping the first walk.
    let config = "[collections.letters]\ninclude = [\"posts/letters/*.md\"]\npreset = \"astro-paper\"\n\n[collections.posts]\ninclude = [\"posts/**/*.md\"]\npreset = \"astro-paper\"\n";
    let post = "---\ntitle: t\nslug: same\n---\n\nText.\n";
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/letters/a.md", post),
        ("posts/b.md", post),
    ]);
    let lint_b = |code| {
        let args = [
            "check",
            "--format",
            "concise",
            "--select",
            "slug-duplicate",
            "posts/b.md",
        ];
        stdout_of(dir.path(), &args, code)
    };
    assert_eq!(lint_b(0), "No problems found in 1 post.\n");
    // Both in one collection, the same two posts do share a slug.
    std::fs::write(
        dir.path().join("postlint.toml"),
        "[collections.posts]\ninclude = [\"posts/**/*.md\"]\npreset = \"astro-paper\"\n",
    )
    .unwrap();
    let out = lint_b(1);
    assert!(
        out.contains("posts/b.md:3:7: error[slug-duplicate]"),
        "{out}"
    );
}

#[test]
fn a_collection_with_overlapping_patterns_holds_each_file_once_in_path_order() {
    // Three patterns, two walks (`posts` and `posts/2024`) that both find the 2024 posts.
    let config = "[collections.posts]\ninclude = [\"posts/*.md\", \"posts/2024/*.md\", \"posts/**/*.md\"]\npreset = \"astro-paper\"\n";
    let post = "---\ntitle: t\nslug: same\n---\n\nText.\n";
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/z.md", post),
        ("posts/2024/a.md", post),
        ("posts/2024-b.md", post),
    ]);
    let args = ["check", "--format", "json", "--select", "slug-duplicate"];
    let out = stdout_of(dir.path(), &args, 1);
    let report = json(&out);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let mut paths: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    // Each file once (the report orders by path components; posts are in byte order).
    paths.sort();
    assert_eq!(paths, ["posts/2024-b.md", "posts/2024/a.md", "posts/z.md"]);
    for d in diagnostics {
        assert_eq!(d["message"], "slug `same` is used by 2 other posts", "{d}");
        // The related places follow the posts' order: bytes of the path (`-` before `/`).
        let related: Vec<&str> = d["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        let others: Vec<&str> = paths
            .iter()
            .copied()
            .filter(|p| *p != d["path"].as_str().unwrap())
            .collect();
        assert_eq!(related, others);
    }
}

#[test]
fn a_slug_pattern_ending_in_a_group_is_shown_as_written() {
    let config = "[collections.posts]\ninclude = [\"posts/*.md\"]\npreset = \"astro-paper\"\nslug-pattern = \"news-(a|b)$\"\n";
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/x.md", "---\ntitle: t\nslug: other\n---\n\nText.\n"),
    ]);
    let args = ["check", "--format", "json", "--select", "slug-format"];
    let out = stdout_of(dir.path(), &args, 1);
    let report = json(&out);
    assert_eq!(
        report["diagnostics"][0]["help"],
        "slugs of this collection match `news-(a|b)$` (`slug-pattern` in postlint.toml)"
    );
}

#[test]
fn a_directive_shown_in_code_of_another_post_suppresses_nothing() {
    // Findings on posts nobody asked about are checked against their suppressions too; a
    // directive shown in a code span there is an example, not a directive.
    let other = format!(
        "{}\nWrite `<!-- postlint-disable-file slug-duplicate -->` to silence a file.\n",
        letter(3, "newsletter-3")
    );
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        ("src/data/newsletter/newsletter-3.md", &other),
    ]);
    let out = postlint(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "src/data/newsletter/newsletter-4.md",
            "--format",
            "concise",
            "--select",
            "slug-duplicate",
            "--no-cache",
        ])
        .write_stdin(letter(4, "newsletter-3"))
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("newsletter-3.md:4:11: error[slug-duplicate]")
            && out.contains("newsletter-4.md:4:11: error[slug-duplicate]"),
        "{out}"
    );
}

#[test]
fn a_folder_asks_for_the_posts_below_it_and_the_root_for_all() {
    let config = "[collections.posts]\ninclude = [\"posts/**/*.md\"]\npreset = \"astro-paper\"\n";
    let post = "---\ntitle: t\n---\n\nSee https://example.com for more.\n";
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/2023/a.md", post),
        ("posts/2024/b.md", post),
        ("posts/2024-old/c.md", post),
    ]);
    let args = |path| {
        let select = ["--select", "bare-url"];
        [
            ["check", "--format", "concise", "--quiet"].as_slice(),
            &select,
            &[path],
        ]
        .concat()
    };
    let found = |path| stdout_of(dir.path(), &args(path), 0);
    let line = |file: &str| {
        format!("{file}:5:5: info[bare-url] bare URL `https://example.com` is not a link\n")
    };
    // `posts/2024` holds `posts/2024/b.md`, not the folder whose name merely starts the same.
    assert_eq!(found("posts/2024"), line("posts/2024/b.md"));
    assert_eq!(found("posts/2024/"), line("posts/2024/b.md"));
    let all = [
        line("posts/2023/a.md"),
        line("posts/2024/b.md"),
        line("posts/2024-old/c.md"),
    ]
    .concat();
    assert_eq!(found("."), all);
    assert_eq!(found("posts"), all);
}

#[test]
fn postlint_timings_prints_each_step_on_stderr_only_when_asked() {
    let dir = blog(&[("posts/a.md", "---\ntitle: t\n---\n\nText.\n")]);
    let stderr = |timings: Option<&str>| {
        let mut cmd = postlint(dir.path());
        cmd.env_remove("POSTLINT_TIMINGS");
        if let Some(value) = timings {
            cmd.env("POSTLINT_TIMINGS", value);
        }
        let output = cmd.args(["check", "--quiet"]).output().unwrap();
        String::from_utf8(output.stderr).unwrap()
    };
    assert!(!stderr(Some("1")).contains("faults"));
    let timed = stderr(Some("faults"));
    // `<ms> ms  [<faults> faults  ]<step>`: page faults so far where the system counts them.
    let marks: Vec<(Option<u64>, &str)> = timed
        .lines()
        .filter_map(|l| l.strip_prefix("postlint timing:"))
        .map(|l| {
            let after_ms = l.split_once(" ms  ").map_or(l, |(_, rest)| rest);
            match after_ms.trim_start().split_once(" faults  ") {
                Some((n, step)) => (Some(n.parse().expect("a count")), step),
                None => (None, after_ms),
            }
        })
        .collect();
    let steps: Vec<&str> = marks.iter().map(|(_, step)| *step).collect();
    for step in ["per-post and collection phases", "report written"] {
        assert!(steps.contains(&step), "{timed}");
    }
    if std::fs::read_to_string("/proc/self/stat").is_ok() {
        let faults: Vec<u64> = marks.iter().filter_map(|(n, _)| *n).collect();
        assert_eq!(faults.len(), marks.len(), "{timed}");
        assert!(faults[0] > 0 && faults.is_sorted(), "{timed}");
    }
    assert!(!stderr(None).contains("timing"));
}

#[test]
fn a_collection_folder_written_with_an_escape_is_walked() {
    // `p\osts` matches the folder `posts`: the walk starts before the escape.
    let config = "[collections.posts]\ninclude = ['p\\osts/*.md']\npreset = \"generic\"\n";
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/a.md", "---\ntitle: a\ntitle: b\n---\n\nText.\n"),
    ]);
    let out = stdout_of(dir.path(), &["check", "--format", "concise", "--quiet"], 1);
    assert_eq!(
        out,
        "posts/a.md:3:1: error[frontmatter-syntax] duplicate key `title`\n"
    );
}

#[test]
fn slugs_are_compared_ignoring_letter_case_in_any_script() {
    let config = "[collections.posts]\ninclude = [\"posts/*.md\"]\npreset = \"astro-paper\"\n";
    let post = |slug: &str| format!("---\ntitle: t\nslug: {slug}\n---\n\nText.\n");
    let dir = blog(&[
        ("postlint.toml", config),
        ("posts/a.md", &post("Hello")),
        ("posts/b.md", &post("hello")),
        ("posts/c.md", &post("HÉLLO")),
        ("posts/d.md", &post("héllo")),
        ("posts/e.md", &post("other")),
    ]);
    let out = stdout_of(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--quiet",
            "--select",
            "slug-duplicate",
        ],
        1,
    );
    let line = |file: &str, slug: &str| {
        format!(
            "posts/{file}.md:3:7: error[slug-duplicate] slug `{slug}` is used by 1 other post\n"
        )
    };
    assert_eq!(
        out,
        [
            line("a", "Hello"),
            line("b", "hello"),
            line("c", "HÉLLO"),
            line("d", "héllo")
        ]
        .concat()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_ends_with_its_error_and_exit_code_2() {
    // Standard output is buffered: its last block is written at the end, and that write's
    // failure must still be reported.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("postlint"))
        .arg("rules")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn errors_follow_the_report_they_interrupt() {
    use std::os::unix::fs::PermissionsExt;
    // Four letters, the third with a slug typo (a finding to report), the fourth unreadable.
    let letters: Vec<(String, String)> = (1..=4)
        .map(|n| {
            let slug = if n == 3 {
                "newletter-3".to_owned()
            } else {
                format!("newsletter-{n}")
            };
            (
                format!("src/data/newsletter/newsletter-{n}.md"),
                letter(n, &slug),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = letters
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = blog(&files);
    let locked = dir.path().join("src/data/newsletter/newsletter-4.md");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        eprintln!("skipped: running as root reads any file");
        return;
    }
    // Both streams into one pipe, as a terminal shows them.
    for args in ["series", "check --format concise"] {
        let output = std::process::Command::new("sh")
            .args(["-c", &format!("exec \"$0\" {args} 2>&1")])
            .arg(assert_cmd::cargo::cargo_bin("postlint"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args}");
        let both = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = both.lines().collect();
        let first_error = lines
            .iter()
            .position(|l| l.starts_with("error: "))
            .expect("the unreadable post is reported");
        assert!(first_error > 0, "{args}: the report comes first: {both}");
        assert!(
            lines[first_error..]
                .iter()
                .all(|l| l.starts_with("error: ")),
            "{args}: nothing of the report after the errors: {both}"
        );
        assert!(
            lines[first_error].contains("newsletter-4.md: cannot read"),
            "{both}"
        );
    }
}

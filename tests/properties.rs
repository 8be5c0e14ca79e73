//! Properties over generated posts: spans are in bounds and on character boundaries, line
//! endings and a BOM change nothing, and linting never writes.

use std::sync::LazyLock;

use postlint::diagnostic::Diagnostic;
use postlint::schema::Preset;
use postlint::settings::{CliOverrides, Settings};
use proptest::prelude::*;

static SETTINGS: LazyLock<Settings> = LazyLock::new(|| {
    Settings::in_memory(&CliOverrides {
        now: Some(crate::common::NOW.parse().unwrap()),
        ..CliOverrides::default()
    })
});

const FRONT_MATTER: &[&str] = &[
    "title: \"精读《GPT4》😀\"",
    "title: 2024",
    "title:",
    "description: 描述\twith a tab",
    "pubDatetime: 2024-02-16T08:17:52.801Z",
    "pubDatetime: \"2024-02-30\"",
    "pubDatetime: 2022/11/28",
    "pubDatetime: 2022-01-11 13:05:12",
    "modDatetime: 2020-01-01T00:00:00Z",
    "slug: Newsletter_\u{202E}99",
    "slug: newsletter-99",
    "postSlug: \"\"",
    "tags: [新闻, 42, \"a b\"]",
    "tags:\n  - newsletter\n  - AI",
    "draft: \"yes\"",
    "ogImage: htp://x",
    "ogImage: ../../assets/none.png",
    "title: duplicate",
    "unknown-key: 值",
    "a: &x [1, 2]\nb: *x",
    "nested: {a: [b, {c: d}]}",
    "bad: [unclosed",
    "# postlint-disable-line field-type",
];

const BODY: &[&str] = &[
    "> 你好，我是小树。这是我为你写的第 99 封信。",
    "当写到第 50 封信时",
    "这是我为你写的第九十九封信",
    "# 标题 `code`",
    "(text)[https://example.com/x]",
    "[text] (https://example.com/y)",
    "[x](https://a.com/a b)",
    "[t][nope] [n][] [https://x.com/z]",
    "[empty]()",
    "[](https://example.com/)",
    "![](http://example.com/a.png)",
    "<img src=\"https://e.com/i.png\">",
    "Kimi(https://kimi.moonshot.cn/)",
    "see https://bare.example.com/path.",
    "[ref]: https://docs.rs\n[REF]: https://docs.rs/2",
    "```md\n[in](code) <!-- postlint-disable -->\n```",
    "    indented [code](x)",
    "<!-- postlint-disable-next-line link-syntax -->",
    "<!-- postlint-disable-file nope -->",
    "---",
    "😀\t中文\u{200B}",
    "[a [b] `c](d)`](https://x.com/y \"title\")",
    "[w](https://en.wikipedia.org/wiki/Rust_(language))",
    "![local](./missing image.png)",
    "[^1]\n\n[^1]: note",
];

/// A post assembled from fragments, sometimes with arbitrary text mixed in.
fn post() -> impl Strategy<Value = String> {
    let fm = prop::collection::vec(prop::sample::select(FRONT_MATTER), 0..8);
    let body = prop::collection::vec(
        prop_oneof![
            prop::sample::select(BODY).prop_map(str::to_owned),
            "\\PC{0,40}"
        ],
        0..12,
    );
    (fm, body, any::<bool>()).prop_map(|(fm, body, with_fm)| {
        let mut text = String::new();
        if with_fm {
            text.push_str("---\n");
            for line in fm {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str("---\n\n");
        }
        text.push_str(&body.join("\n\n"));
        text.push('\n');
        text
    })
}

fn lint(text: &str, preset: Preset) -> Vec<Diagnostic> {
    postlint::lint_bytes(
        &SETTINGS,
        "posts/newsletter-99.md",
        text.as_bytes().to_vec(),
        preset,
    )
    .1
}

fn check_spans(text: &str, diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for d in diagnostics {
        let spans = std::iter::once(d.span)
            .chain(d.labels.iter().map(|l| l.span))
            .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
        for span in spans {
            prop_assert!(
                span.start <= span.end && span.end <= text.len(),
                "{}: span {span:?} outside {} bytes",
                d.rule,
                text.len()
            );
            prop_assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{}: span {span:?} cuts a character",
                d.rule
            );
        }
    }
    Ok(())
}

/// What should not depend on line endings: rule, line, column and message.
fn shape(text: &str, diagnostics: &[Diagnostic]) -> Vec<(String, usize, usize, String)> {
    let lines = postlint::post::LineIndex::new(text);
    let mut shape: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let at = lines.line_col(text, d.span.start);
            (d.rule.to_owned(), at.line, at.column, d.message.clone())
        })
        .collect();
    shape.sort();
    shape
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn spans_are_in_bounds_and_on_character_boundaries(text in post()) {
        for preset in [Preset::AstroPaper, Preset::AstroPaperV3, Preset::Generic] {
            let diagnostics = lint(&text, preset);
            check_spans(&text, &diagnostics)?;
        }
    }

    #[test]
    fn crlf_and_bom_give_the_same_findings(text in post()) {
        // Only LF and the two variants: a lone CR inside generated text is its own line break.
        prop_assume!(!text.contains('\r'));
        let lf = shape(&text, &lint(&text, Preset::AstroPaper));
        let crlf_text = text.replace('\n', "\r\n");
        let crlf = shape(&crlf_text, &lint(&crlf_text, Preset::AstroPaper));
        let bom_text = format!("\u{feff}{text}");
        let bom = shape(&bom_text, &lint(&bom_text, Preset::AstroPaper));
        prop_assert_eq!(&lf, &crlf);
        prop_assert_eq!(&lf, &bom);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let diagnostics = postlint::lint_bytes(&SETTINGS, "a.md", bytes, Preset::AstroPaper).1;
        if std::str::from_utf8(text.as_bytes()).is_ok() && !text.contains('\u{fffd}') {
            check_spans(&text, &diagnostics)?;
        }
    }
}

#[test]
fn linting_never_changes_a_file() {
    let text = "---\ntitle: \"2024-02-30\"\npubDatetime: \"2024-02-16\"\n---\n\n(a)[https://x.com] https://bare.example.com\n";
    let dir = crate::common::blog(&[("src/data/blog/a.md", text)]);
    let path = dir.path().join("src/data/blog/a.md");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    for format in ["pretty", "concise", "json", "github", "sarif"] {
        crate::common::postlint(dir.path())
            .args(["check", "--format", format])
            .assert()
            .code(1);
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
}

//! Fuzz target: a post assembled from front-matter and body fragments the fuzzer chooses and mutates.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use postlint::schema::Preset;
use postlint::settings::{CliOverrides, Settings};

static SETTINGS: LazyLock<Settings> = LazyLock::new(|| Settings::in_memory(&CliOverrides::default()));

#[derive(Arbitrary, Debug)]
enum Value {
    Text(String),
    Quoted(String),
    Date(u16, u8, u8, Option<(u8, u8)>),
    List(Vec<String>),
    Empty,
}

#[derive(Arbitrary, Debug)]
enum Block {
    Greeting(u32),
    Link(String, String),
    Image(String, String),
    Reference(String, String),
    Code(String),
    Heading(u8, String),
    Comment(String),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct PostInput {
    toml: bool,
    crlf: bool,
    bom: bool,
    fields: Vec<(String, Value)>,
    blocks: Vec<Block>,
}

fn render(input: &PostInput) -> String {
    let mut text = String::new();
    if input.bom {
        text.push('\u{feff}');
    }
    let fence = if input.toml { "+++" } else { "---" };
    text.push_str(fence);
    text.push('\n');
    let sep = if input.toml { " = " } else { ": " };
    for (key, value) in &input.fields {
        let value = match value {
            Value::Text(s) => s.clone(),
            Value::Quoted(s) => format!("{s:?}"),
            Value::Date(y, m, d, time) => match time {
                Some((h, min)) => format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:00Z"),
                None => format!("{y:04}-{m:02}-{d:02}"),
            },
            Value::List(items) => format!("[{}]", items.join(", ")),
            Value::Empty => String::new(),
        };
        text.push_str(&format!("{key}{sep}{value}\n"));
    }
    text.push_str(fence);
    text.push_str("\n\n");
    for block in &input.blocks {
        let rendered = match block {
            Block::Greeting(n) => format!("> 这是我为你写的第 {n} 封信。"),
            Block::Link(t, u) => format!("[{t}]({u})"),
            Block::Image(a, u) => format!("![{a}]({u})"),
            Block::Reference(l, u) => format!("[{l}][{l}]\n\n[{l}]: {u}"),
            Block::Code(c) => format!("```\n{c}\n```"),
            Block::Heading(level, t) => format!("{} {t}", "#".repeat(usize::from(level % 6) + 1)),
            Block::Comment(c) => format!("<!-- postlint-disable-next-line {c} -->"),
            Block::Raw(r) => r.clone(),
        };
        text.push_str(&rendered);
        text.push_str("\n\n");
    }
    if input.crlf { text.replace('\n', "\r\n") } else { text }
}

fuzz_target!(|input: PostInput| {
    let text = render(&input);
    let (_, diagnostics) = postlint::lint_bytes(&SETTINGS, "posts/newsletter-1.md", text.clone().into_bytes(), Preset::AstroPaperV3);
    for d in &diagnostics {
        assert!(d.span.end <= text.len() && text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{}: {:?}", d.rule, d.span);
    }
});

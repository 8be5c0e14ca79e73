//! The floor for a linter that parses everything once: walk, read, split the front matter, run
//! the YAML parser over it and pulldown-cmark over the body, in parallel — and nothing else.
//!
//! `cargo bench --bench floor -- DIR` prints the number of events seen (so nothing is skipped).

use std::path::PathBuf;

use pulldown_cmark::{Options, Parser};
use rayon::prelude::*;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let files = postlint::discover::markdown_files(&dir);
    let events: usize = files
        .par_iter()
        .map(|path| {
            // Read and validated as postlint does (simdutf8).
            let Ok(bytes) = std::fs::read(path) else {
                return 0;
            };
            let Ok(text) = simdutf8::basic::from_utf8(&bytes) else {
                return 0;
            };
            let (front, body) = match postlint::post::split::split(text) {
                postlint::post::split::Split::Closed {
                    content,
                    body_start,
                    ..
                } => (&text[content.range()], &text[body_start..]),
                _ => ("", text),
            };
            let mut count = 0;
            let mut yaml = saphyr_parser::Parser::new_from_str(front);
            while let Some(Ok(_)) = yaml.next_event() {
                count += 1;
            }
            let options = Options::ENABLE_TABLES
                | Options::ENABLE_FOOTNOTES
                | Options::ENABLE_STRIKETHROUGH
                | Options::ENABLE_TASKLISTS;
            count + Parser::new_ext(body, options).into_offset_iter().count()
        })
        .sum();
    println!("{} files, {events} events", files.len());
}

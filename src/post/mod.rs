//! One post, parsed once: source text, line index, front matter and body with byte spans.

pub mod body;
pub mod front_matter;
pub mod line_index;
pub mod outline;
pub mod split;
mod toml;
mod yaml;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use body::Body;
pub use front_matter::{Entry, FrontMatter, Node, StrStyle, SyntaxProblem, Value};
pub use line_index::{LineCol, LineIndex};
pub use split::Format;

use crate::diagnostic::Span;
use crate::series::NumberMatch;
use split::Split;

/// Why a file could not be read as text; reported by the `file-encoding` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingProblem {
    pub span: Span,
    pub message: String,
}

/// A post as parsed from one file.
#[derive(Clone, Debug)]
pub struct Post {
    /// The path reported to the user (as given, or relative to the current directory).
    pub path: PathBuf,
    /// The file's text. An `Arc<String>` rather than an `Arc<str>`: the bytes read from the file
    /// become the post's text without a copy (copying every post's text into the shared buffer was
    /// a fifth of a whole-blog run's first-level write misses).
    pub source: Arc<String>,
    /// Built at first use: most posts of a big blog have no finding to place on a line.
    pub(crate) lines: OnceLock<LineIndex>,
    pub front_matter: Option<FrontMatter>,
    pub body: Body,
    /// Front-matter syntax problems (at most one: parsing stops at the first).
    pub syntax: Vec<SyntaxProblem>,
    /// Set when the file is not UTF-8 text; nothing else is parsed then.
    pub encoding: Option<EncodingProblem>,
    /// How much of the body was parsed.
    pub depth: Depth,
    /// The first match of each series body regex (by pattern) as the outline index stored it;
    /// empty for posts read from their file (the body is searched).
    pub(crate) known_numbers: Vec<(Arc<str>, Option<NumberMatch>)>,
}

/// How much of a body to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Everything rules look at: links, images, references, plain text, code, comments, headings.
    Full,
    /// What collection rules read of posts nobody asked findings for: code blocks, comments and
    /// headings, found by a line scan instead of the Markdown parser (much cheaper).
    Outline,
    /// An outline cut after the lines collection rules read, text included (the outline index's
    /// skeletons, and asked-for posts once the rules reading their whole body have run): reports
    /// read the file again. Parsing to this depth parses an outline.
    Skeleton,
}

/// Bytes scanned for NUL to call a file binary (git's heuristic uses the same window).
const BINARY_PROBE: usize = 8000;

impl Post {
    /// Parses a file's bytes; invalid UTF-8 and binary content become an [`EncodingProblem`].
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Post {
        Post::from_bytes_with(path, bytes, Depth::Full)
    }

    /// Like [`Post::from_bytes`], parsing the body to `depth`.
    pub fn from_bytes_with(path: impl Into<PathBuf>, bytes: Vec<u8>, depth: Depth) -> Post {
        let path = path.into();
        let nul_at = memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]);
        // UTF-8 is validated once, with SIMD: it was the biggest single cost of reading a post
        // (CJK text takes the standard library's slow path), and `String::from_utf8` would check
        // again.
        if nul_at.is_none() && simdutf8::basic::from_utf8(&bytes).is_ok() {
            // SAFETY: `bytes` was just validated as UTF-8.
            let text = unsafe { String::from_utf8_unchecked(bytes) };
            return Post::parse_shared(path, Arc::new(text), depth);
        }
        let invalid_at = std::str::from_utf8(&bytes[..nul_at.unwrap_or(bytes.len())])
            .err()
            .map(|e| e.valid_up_to());
        // The report points at the earlier problem, so the text before it is valid UTF-8 and
        // offsets stay exact; a NUL byte anywhere near the start makes the file binary.
        let at = nul_at.into_iter().chain(invalid_at).min().unwrap_or(0);
        let message = match nul_at {
            Some(_) if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) => {
                "file is UTF-16, not UTF-8".to_owned()
            }
            Some(nul) => format!("file is binary: NUL byte at offset {nul}"),
            None => format!(
                "file is not valid UTF-8: invalid byte 0x{:02x} at offset {at}",
                bytes[at]
            ),
        };
        Post::unreadable(path, &bytes, at, message)
    }

    /// A post whose text stops being readable at byte `at`: only the readable part is kept,
    /// so the report can still show where it breaks.
    fn unreadable(path: PathBuf, bytes: &[u8], at: usize, message: String) -> Post {
        // Callers guarantee `bytes[..at]` is valid UTF-8, so `at` is a byte offset of the text too.
        let valid = String::from_utf8_lossy(&bytes[..at]);
        let source = Arc::new(format!("{valid}\u{fffd}"));
        // An empty span at the offending byte: a valid offset both in the file and in the text
        // kept for display (where a replacement character stands for the rest).
        let span = Span::new(at, at);
        Post {
            path,
            lines: OnceLock::new(),
            body: Body {
                span: Span::new(source.len(), source.len()),
                ..Body::default()
            },
            source,
            front_matter: None,
            syntax: Vec::new(),
            encoding: Some(EncodingProblem { span, message }),
            depth: Depth::Full,
            known_numbers: Vec::new(),
        }
    }

    /// Parses UTF-8 text.
    pub fn parse(path: impl Into<PathBuf>, text: impl Into<String>) -> Post {
        Post::parse_with(path, text, Depth::Full)
    }

    /// Parses UTF-8 text, the body to `depth`.
    pub fn parse_with(path: impl Into<PathBuf>, text: impl Into<String>, depth: Depth) -> Post {
        Post::parse_shared(path.into(), Arc::new(text.into()), depth)
    }

    /// Parses the text `source` holds, the body to `depth`.
    fn parse_shared(path: PathBuf, source: Arc<String>, depth: Depth) -> Post {
        let mut syntax = Vec::new();
        let (front_matter, body_start) = match split::split(&source) {
            Split::None { body_start } => (None, body_start),
            Split::Unclosed { format, open_fence } => {
                let fence = &source[open_fence.range()];
                syntax.push(
                    SyntaxProblem::new(open_fence, "front matter is never closed")
                        .with_help(format!("add a line `{fence}` after the last field; until then the whole file is front matter")),
                );
                let content = Span::new(open_fence.end, source.len());
                (
                    Some(FrontMatter {
                        format,
                        open_fence,
                        content,
                        root: None,
                    }),
                    source.len(),
                )
            }
            Split::Closed {
                format,
                open_fence,
                content,
                body_start,
                ..
            } => {
                let text = &source[content.range()];
                let parsed = match format {
                    Format::Yaml => yaml::parse(text, content.start),
                    Format::Toml => toml::parse(text, content.start),
                };
                let root = match parsed {
                    Ok(Node {
                        value: Value::Map(entries),
                        ..
                    }) => Some(entries),
                    Ok(Node {
                        value: Value::Null, ..
                    }) => Some(Vec::new()),
                    Ok(node) => {
                        let kind = node.value.type_name();
                        syntax.push(
                            SyntaxProblem::new(
                                node.span,
                                format!("front matter is a {kind}, not a mapping of fields"),
                            )
                            .with_help("write one `key: value` line per field"),
                        );
                        None
                    }
                    Err(problem) => {
                        syntax.push(problem);
                        None
                    }
                };
                (
                    Some(FrontMatter {
                        format,
                        open_fence,
                        content,
                        root,
                    }),
                    body_start,
                )
            }
        };
        let body = match depth {
            Depth::Full => body::parse(&source, body_start),
            Depth::Outline | Depth::Skeleton => outline::outline(&source, body_start),
        };
        Post {
            path,
            source,
            lines: OnceLock::new(),
            front_matter,
            body,
            syntax,
            encoding: None,
            depth,
            known_numbers: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This post with its body parsed in full (itself when it already is).
    pub fn with_full_body(&self) -> Cow<'_, Post> {
        if self.depth == Depth::Full {
            return Cow::Borrowed(self);
        }
        Cow::Owned(Post {
            body: body::parse(&self.source, self.body.span.start),
            depth: Depth::Full,
            ..self.clone_without_body()
        })
    }

    /// This post with the outline of its body in place of the full parse: what collection rules
    /// read is then found as for every post nobody asked about (the outline index's), so a post
    /// gives the same series facts whichever way it was loaded.
    pub fn into_outline(self) -> Post {
        Post {
            body: outline::outline(&self.source, self.body.span.start),
            depth: Depth::Outline,
            ..self
        }
    }

    fn clone_without_body(&self) -> Post {
        Post {
            path: self.path.clone(),
            source: self.source.clone(),
            lines: self.lines.clone(),
            front_matter: self.front_matter.clone(),
            body: Body::default(),
            syntax: self.syntax.clone(),
            encoding: self.encoding.clone(),
            depth: self.depth,
            known_numbers: self.known_numbers.clone(),
        }
    }

    /// The top-level front-matter entry for `key`.
    pub fn field(&self, key: &str) -> Option<&Entry> {
        self.front_matter.as_ref()?.get(key)
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines().line_col(&self.source, offset)
    }

    /// Where each line of the source starts.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.source))
    }

    /// Whether `span` lies inside a code block or code span of the body.
    pub fn in_code(&self, span: Span) -> bool {
        self.body.in_code(span)
    }

    /// Whether `span` lies inside code or an HTML comment (text nobody reads as Markdown).
    pub fn in_code_or_comment(&self, span: Span) -> bool {
        self.body.in_code_or_comment(span)
    }

    /// Where findings about the whole post point: the opening fence, or the file's start.
    pub fn head_span(&self) -> Span {
        self.front_matter
            .as_ref()
            .map_or(Span::new(0, 0), |fm| fm.open_fence)
    }

    /// The file name (`newsletter-99.md`); empty when it is not Unicode.
    pub fn file_name(&self) -> &str {
        std::str::from_utf8(crate::discover::last_name(&self.path)).unwrap_or_default()
    }

    /// The file name without its extension (`newsletter-99` for `newsletter-99.md`).
    pub fn file_stem(&self) -> &str {
        let name = self.file_name();
        // By bytes: `rfind` with a char cost ten times as much, twice per post of a save.
        match name.bytes().rposition(|b| b == b'.') {
            Some(dot) if dot > 0 => &name[..dot],
            _ => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_stems_are_those_of_the_path() {
        for path in [
            "a.md",
            "posts/newsletter-99.md",
            "/srv/blog/第 1 封信.md",
            "a/.hidden",
            "a/b.tar.gz",
            "a/b.",
            "a/noext",
            "./a.md",
            "a/./b.md",
            "a/..",
            "a/",
            ".",
            "..",
            "",
        ] {
            let post = Post::parse_with(path, "", Depth::Outline);
            fn text(s: Option<&std::ffi::OsStr>) -> &str {
                s.and_then(|s| s.to_str()).unwrap_or_default()
            }
            assert_eq!(
                post.file_name(),
                text(Path::new(path).file_name()),
                "{path}"
            );
            assert_eq!(
                post.file_stem(),
                text(Path::new(path).file_stem()),
                "{path}"
            );
        }
    }

    #[test]
    fn crlf_bom_and_lf_give_matching_positions() {
        let lf = "---\ntitle: 中文\ntags:\n  - a\n---\n\n[x](https://a.com)\n";
        let crlf = lf.replace('\n', "\r\n");
        let bom = format!("\u{feff}{lf}");
        for text in [lf.to_owned(), crlf, bom] {
            let post = Post::parse("p.md", text.as_str());
            let title = post.field("title").unwrap();
            assert_eq!(&text[title.value.span.range()], "中文");
            assert_eq!(
                post.line_col(title.value.span.start),
                LineCol { line: 2, column: 8 }
            );
            let link = &post.body.links[0];
            assert_eq!(&text[link.url_span.range()], "https://a.com");
            assert_eq!(post.line_col(link.url_span.start).line, 7);
        }
    }

    #[test]
    fn invalid_utf8_and_binary_are_encoding_problems() {
        let post = Post::from_bytes("a.md", b"---\ntitle: a\n---\nok \xff bad".to_vec());
        let problem = post.encoding.unwrap();
        assert_eq!(problem.span.start, 20);
        assert!(
            problem.message.contains("0xff at offset 20"),
            "{}",
            problem.message
        );

        let post = Post::from_bytes("b.md", b"\x89PNG\r\n\x1a\n\0\0\0".to_vec());
        assert!(post.encoding.unwrap().message.starts_with("file is binary"));
    }

    #[test]
    fn regression_fuzz_nul_after_invalid_utf8_keeps_the_span_exact() {
        // Found by `cargo fuzz` (lint_bytes): an invalid byte before a NUL shifted the span.
        let post = Post::from_bytes("a.md", b"ab \xc9 cd\0 ef".to_vec());
        let problem = post.encoding.unwrap();
        assert_eq!(problem.span.start, 3);
        assert_eq!(problem.message, "file is binary: NUL byte at offset 7");
        assert!(post.source.is_char_boundary(problem.span.start));
    }

    #[test]
    fn regression_fuzz_encoding_span_is_an_offset_of_the_file() {
        // Found by `cargo fuzz` (lint_structured): the span ended past the file's last byte.
        let bytes = b"\xdf\x004\xff\"\0?\xef\xbb\xbf]\xff``".to_vec();
        let len = bytes.len();
        let post = Post::from_bytes("a.md", bytes);
        let span = post.encoding.unwrap().span;
        assert_eq!(span, Span::new(0, 0));
        assert!(span.end <= len);
    }

    #[test]
    fn unclosed_front_matter_is_a_problem_on_the_fence() {
        let post = Post::parse("a.md", "---\ntitle: a\n\nbody [x](y)\n");
        assert_eq!(post.syntax[0].span, Span::new(0, 3));
        assert!(post.body.links.is_empty());
    }

    #[test]
    fn scalar_front_matter_is_not_a_mapping() {
        let post = Post::parse("a.md", "---\n\njust text\n\n---\nbody\n");
        assert_eq!(
            post.syntax[0].message,
            "front matter is a string, not a mapping of fields"
        );
    }

    #[test]
    fn empty_front_matter_is_an_empty_mapping() {
        let post = Post::parse("a.md", "---\n---\nbody\n");
        assert_eq!(post.front_matter.unwrap().root, Some(Vec::new()));
        assert!(post.syntax.is_empty());
    }
}

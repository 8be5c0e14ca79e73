//! A post reduced to what collection rules read (front matter, first heading, the body lines
//! series sources come from), turned into bytes and back without parsing anything.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::series::BodyRegex;

use crate::diagnostic::Span;
use crate::post::body::{Heading, HtmlComment};
use crate::post::outline::{OutlineScan, OutlineView};
use crate::post::{Body, Entry, Format, FrontMatter, Node, Post, StrStyle, Value};
use crate::series::NumberMatch;

/// Deeper front matter than this in stored bytes is corruption (the YAML reader stops at 64).
const MAX_DEPTH: usize = 128;

/// How a key or string value is stored: as the text at its span, inside the quotes at its
/// span, or written out (escapes, block scalars, TOML keys).
const TEXT_AT_SPAN: u8 = 0;
const TEXT_IN_QUOTES: u8 = 1;
const TEXT_WRITTEN: u8 = 2;

/// Where a post is cut for its skeleton: its text up to the end of the line where the last thing
/// collection rules read ends, the body narrowed to the lines `regexes` match on.
struct Cut {
    /// Each regex's first match: it fixes the lines kept, and is kept so nothing searches again.
    found: Vec<Option<NumberMatch>>,
    /// The end of the text kept.
    end: usize,
    /// The body lines kept.
    scan: Span,
}

impl Cut {
    /// The cut of `post`, whose outline `view` gives.
    fn of(post: &Post, regexes: &[BodyRegex], view: &mut impl OutlineView) -> Cut {
        let source: &str = &post.source;
        let (found, range) = crate::series::greetings_and_read_range(post, regexes, view);
        let last = [
            Some(post.body.span.start),
            range.map(|r| r.end),
            view.first_heading().map(|h| h.span.end),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
        .min(source.len());
        let end = line_end(source, last);
        let scan = match range {
            Some(r) => Span::new(
                crate::post::line_index::start_of_line(source, r.start).min(end),
                end,
            ),
            None => Span::new(end, end),
        };
        Cut { found, end, scan }
    }

    /// Whether `span` meets the body lines kept.
    fn keeps(&self, span: &Span) -> bool {
        span.start < self.scan.end && span.end > self.scan.start
    }
}

/// The skeleton of `post` (see [`Cut`]): its text, the parsed front matter, the first heading,
/// the code and comments inside the narrowed body, and each regex's first match outside them.
pub fn encode(post: &Post, regexes: &[BodyRegex]) -> Vec<u8> {
    let source: &str = &post.source;
    let cut = Cut::of(post, regexes, &mut &post.body);
    let heading = post.body.headings.first();
    let kept = &source[..cut.end];
    let mut out = Writer::default();
    out.bytes(kept.as_bytes());
    out.span(cut.scan);
    match &post.front_matter {
        None => out.u8(0),
        Some(fm) => {
            out.u8(match fm.format {
                Format::Yaml => 1,
                Format::Toml => 2,
            });
            out.span(fm.open_fence);
            out.span(fm.content);
            match &fm.root {
                None => out.u8(0),
                Some(entries) => {
                    out.u8(1);
                    out.entries(entries, kept);
                }
            }
        }
    }
    match heading {
        None => out.u8(0),
        Some(h) => {
            out.u8(1);
            out.u8(h.level);
            out.bytes(h.text.as_bytes());
            out.span(h.span);
        }
    }
    let code: Vec<&Span> = post.body.code.iter().filter(|s| cut.keeps(s)).collect();
    out.u64(code.len() as u64);
    for span in code {
        out.span(*span);
    }
    let comments: Vec<&HtmlComment> = post
        .body
        .html_comments
        .iter()
        .filter(|c| cut.keeps(&c.span))
        .collect();
    out.u64(comments.len() as u64);
    for comment in comments {
        out.span(comment.span);
        out.bytes(comment.text.as_bytes());
    }
    for found in &cut.found {
        match found {
            None => out.u8(0),
            Some(found) => {
                out.u8(1);
                match found.number {
                    None => out.u8(0),
                    Some(n) => {
                        out.u8(1);
                        out.u64(n);
                    }
                }
                out.span(found.span);
                out.span(found.whole);
            }
        }
    }
    out.0
}

/// `post` cut as [`encode`] cuts it, without the round trip through bytes: what is kept of a
/// post once the rules that read its whole body have run. `patterns` are the `regexes`' own.
/// Whatever the post's depth, its body is outlined anew ([`OutlineScan`]), and only as far as
/// the cut needs: most of a letter lies past its greeting.
pub fn outline(post: Post, regexes: &[BodyRegex], patterns: &[Arc<str>]) -> Post {
    let mut scan = OutlineScan::new(&post.source, post.body.span.start);
    let cut = Cut::of(&post, regexes, &mut scan);
    let body = scan.finish_before(cut.end);
    let Post {
        path,
        source,
        front_matter,
        syntax,
        encoding,
        ..
    } = post;
    Post {
        path,
        lines: OnceLock::new(),
        source: Arc::new(source[..cut.end].to_owned()),
        front_matter,
        body: Body {
            span: cut.scan,
            headings: body.headings.into_iter().take(1).collect(),
            code: body.code.into_iter().filter(|s| cut.keeps(s)).collect(),
            html_comments: body
                .html_comments
                .into_iter()
                .filter(|c| cut.keeps(&c.span))
                .collect(),
            ..Body::default()
        },
        syntax,
        encoding,
        depth: crate::post::Depth::Skeleton,
        known_numbers: patterns.iter().cloned().zip(cut.found).collect(),
    }
}

/// The post [`encode`] wrote for the regexes with these `patterns`, without its path; `None`
/// when the bytes are not such a skeleton (the post is then read from its file).
pub fn decode(bytes: &[u8], patterns: &[Arc<str>]) -> Option<Post> {
    let mut input = Reader(bytes);
    let source = input.str()?;
    // Rules slice the text with these spans: each is checked to lie on character boundaries
    // inside it as it is read (`Reader::place`).
    let scan = input.place(source)?;
    let front_matter = match input.u8()? {
        0 => None,
        tag @ (1 | 2) => {
            let format = if tag == 1 { Format::Yaml } else { Format::Toml };
            let open_fence = input.place(source)?;
            let content = input.place(source)?;
            let root = match input.u8()? {
                0 => None,
                1 => Some(input.entries(0, source)?),
                _ => return None,
            };
            Some(FrontMatter {
                format,
                open_fence,
                content,
                root,
            })
        }
        _ => return None,
    };
    let headings = match input.u8()? {
        0 => Vec::new(),
        1 => vec![Heading {
            level: input.u8()?,
            text: input.str()?.to_owned(),
            span: input.place(source)?,
        }],
        _ => return None,
    };
    let code = input.items(Reader::span)?;
    let html_comments = input.items(|input| {
        Some(HtmlComment {
            span: input.span()?,
            text: input.str()?.to_owned(),
        })
    })?;
    // A vector of the exact size: thousands of these live through a save.
    let mut known_numbers = Vec::with_capacity(patterns.len());
    for pattern in patterns {
        let known = match input.u8()? {
            0 => None,
            1 => {
                let number = match input.u8()? {
                    0 => None,
                    1 => Some(input.u64()?),
                    _ => return None,
                };
                let span = input.place(source)?;
                let whole = input.place(source)?;
                Some(NumberMatch {
                    number,
                    span,
                    text: source[whole.range()].into(),
                    whole,
                })
            }
            _ => return None,
        };
        known_numbers.push((pattern.clone(), known));
    }
    if !input.0.is_empty() {
        return None;
    }
    Some(Post {
        path: PathBuf::new(),
        lines: OnceLock::new(),
        source: Arc::new(source.to_owned()),
        front_matter,
        body: Body {
            span: scan,
            headings,
            code,
            html_comments,
            ..Body::default()
        },
        syntax: Vec::new(),
        encoding: None,
        depth: crate::post::Depth::Skeleton,
        known_numbers,
    })
}

/// The end (after its line ending) of the line holding the byte before `at`; `at` itself when it
/// starts a line.
fn line_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    if at == 0 || bytes[at - 1] == b'\n' {
        return at;
    }
    memchr::memchr(b'\n', &bytes[at..]).map_or(text.len(), |i| at + i + 1)
}

#[derive(Default)]
pub(crate) struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u8(&mut self, n: u8) {
        self.0.push(n);
    }

    pub fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    fn span(&mut self, span: Span) {
        self.u64(span.start as u64);
        self.u64(span.end as u64);
    }

    fn entries(&mut self, entries: &[Entry], source: &str) {
        self.u64(entries.len() as u64);
        for entry in entries {
            self.span(entry.key_span);
            self.text(&entry.key, entry.key_span, source);
            self.node(&entry.value, source);
        }
    }

    /// `text`, read at `span`: most keys and values are written as they read (or in quotes
    /// without escapes), so only a tag is stored and the reader slices the text, checking
    /// character boundaries instead of validating the same bytes again as UTF-8.
    fn text(&mut self, text: &str, span: Span, source: &str) {
        let at = |start: usize, end: usize| source.get(start..end) == Some(text);
        if at(span.start, span.end) {
            self.u8(TEXT_AT_SPAN);
        } else if span.end >= span.start + 2 && at(span.start + 1, span.end - 1) {
            self.u8(TEXT_IN_QUOTES);
        } else {
            self.u8(TEXT_WRITTEN);
            self.bytes(text.as_bytes());
        }
    }

    fn node(&mut self, node: &Node, source: &str) {
        self.span(node.span);
        match &node.value {
            Value::Null => self.u8(0),
            Value::Bool(b) => {
                self.u8(1);
                self.u8(u8::from(*b));
            }
            Value::Int(i) => {
                self.u8(2);
                self.u64(*i as u64);
            }
            Value::Float(f) => {
                self.u8(3);
                self.u64(f.to_bits());
            }
            Value::Str(text, style) => {
                self.u8(4);
                self.text(text, node.span, source);
                self.u8(match style {
                    StrStyle::Plain => 0,
                    StrStyle::Quoted => 1,
                    StrStyle::Block => 2,
                });
            }
            Value::Datetime(text) => {
                self.u8(5);
                self.text(text, node.span, source);
            }
            Value::List(items) => {
                self.u8(6);
                self.u64(items.len() as u64);
                for item in items {
                    self.node(item, source);
                }
            }
            Value::Map(entries) => {
                self.u8(7);
                self.entries(entries, source);
            }
        }
    }
}

/// Reads what [`Writer`] wrote; every method returns `None` on bytes it did not write.
pub(crate) struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn u8(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    pub fn u64(&mut self) -> Option<u64> {
        let (head, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*head))
    }

    /// A count of items that each take at least one byte: never more than the bytes left.
    pub fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?)
            .ok()
            .filter(|n| *n <= self.0.len())
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u64()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(head)
    }

    /// Text, validated with SIMD: the kept text is most of a skeleton's bytes, CJK mostly, and
    /// the standard library's check was a third of decoding every letter of an editor save.
    pub fn str(&mut self) -> Option<&'a str> {
        simdutf8::basic::from_utf8(self.bytes()?).ok()
    }

    fn span(&mut self) -> Option<Span> {
        let start = usize::try_from(self.u64()?).ok()?;
        let end = usize::try_from(self.u64()?).ok()?;
        (start <= end).then(|| Span::new(start, end))
    }

    /// A span that lies on character boundaries of `source` (rules slice the text with it).
    fn place(&mut self, source: &str) -> Option<Span> {
        self.span()
            .filter(|span| source.get(span.range()).is_some())
    }

    /// What [`Writer::text`] wrote for the text at `span` of `source`.
    fn text(&mut self, span: Span, source: &'a str) -> Option<&'a str> {
        match self.u8()? {
            TEXT_AT_SPAN => source.get(span.range()),
            // `Reader::span` keeps `start <= end`: no underflow, and no overflow on any input.
            TEXT_IN_QUOTES if span.end - span.start >= 2 => {
                source.get(span.start + 1..span.end - 1)
            }
            TEXT_WRITTEN => self.str(),
            _ => None,
        }
    }

    fn entries(&mut self, depth: usize, source: &'a str) -> Option<Vec<Entry>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.items(|input| {
            let key_span = input.place(source)?;
            Some(Entry {
                key: input.text(key_span, source)?.into(),
                key_span,
                value: input.node(depth + 1, source)?,
            })
        })
    }

    /// A count, then that many items read by `item`, in a vector allocated once (growing it
    /// item by item was a fifth of the memory an editor save touched).
    fn items<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let count = self.count()?;
        // A count is at most the bytes left; capped so corrupt bytes cannot ask for much.
        let mut items = Vec::with_capacity(count.min(256));
        for _ in 0..count {
            items.push(item(self)?);
        }
        Some(items)
    }

    fn node(&mut self, depth: usize, source: &'a str) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let span = self.place(source)?;
        let value = match self.u8()? {
            0 => Value::Null,
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::Int(self.u64()? as i64),
            3 => Value::Float(f64::from_bits(self.u64()?)),
            4 => {
                let text = self.text(span, source)?.into();
                let style = match self.u8()? {
                    0 => StrStyle::Plain,
                    1 => StrStyle::Quoted,
                    2 => StrStyle::Block,
                    _ => return None,
                };
                Value::Str(text, style)
            }
            5 => Value::Datetime(self.text(span, source)?.into()),
            6 => Value::List(self.items(|input| input.node(depth + 1, source))?),
            7 => Value::Map(self.entries(depth + 1, source)?),
            _ => return None,
        };
        Some(Node { span, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::Depth;
    use crate::series::Series;

    fn patterns() -> Vec<Arc<str>> {
        crate::index::patterns(&regexes())
    }

    fn regexes() -> Vec<BodyRegex> {
        BodyRegex::greetings().collect()
    }

    /// Posts whose series sources are easy to get wrong from a part of the text.
    const POSTS: [&str; 12] = [
        "---\ntitle: \"一颗小树 #99\"\npostSlug: newsletter-99\ntags: [newsletter, 生活]\n---\n\n```\n第 1 封信\n```\n<!-- 第 2 封信 -->\n\n# 第 99 期\n\n这是我为你写的第 99 封信。当写到第 50 封信时……\n\n正文。\n",
        "---\ntitle: t\ndraft: true\npubDatetime: 2024-02-16T08:17:52Z\nnested:\n  a: [1, 2.5, null, \"x\"]\n---\n正文没有问候。\n",
        "---\ntitle: 模板\n---\n这是我为你写的第 n 封信。\n后来又写了第 3 封信。\n",
        "+++\ntitle = \"第 7 期\"\ndate = 2024-01-01T00:00:00Z\n+++\n\n# 周刊（第 7 期）\n",
        "---\ntitle: a\n\n正文永远不会结束 第 5 封信\n",
        "no front matter at all, 第 八 封信\r\n\r\nmore\r\n",
        "---\n- a\n- b\n---\n第 1 封信\n",
        "---\ntitle: t\n---\n前言。\n正文第\nn 封信，换了行。\n\n后文。\n",
        "---\nslug: plain-value\ntitle: \"引号里\"\nsay: \"say \\\"hi\\\"\"\nit: 'it''s'\nblock: |\n  line one\n  line two\n\"quoted key\": y\n---\n第 3 封信\n",
        // A comment opening inside code is none, but the search for the next goes on after `-->`.
        "---\ntitle: t\n---\n```\n<!-- in code\n```\n第 4 封信 -->\n\n<!-- 第 9 期 -->第 5 封信\n",
        // A block never closed holds the rest; the heading before it is kept.
        "---\ntitle: t\n---\n# 标题\n\n~~~\n第 6 封信\n",
        // The greeting past a heading and a block with a comment in it; a comment never closed.
        "---\ntitle: t\n---\n   ```js\n<!-- x -->\n   ```\n## 二\n<!-- 第 1 期 -->\n这是第 七 封信 <!-- open\n",
    ];

    #[test]
    fn a_skeleton_gives_collection_rules_the_same_answers_as_the_post() {
        for text in POSTS {
            let post = Post::parse_with("a.md", text, Depth::Outline);
            let bytes = encode(&post, &regexes());
            let skeleton = decode(&bytes, &patterns()).expect("decodes");
            assert!(text.starts_with(&*skeleton.source), "{text}");
            assert_eq!(
                skeleton
                    .front_matter
                    .as_ref()
                    .map(|f| (f.open_fence, f.content, &f.root)),
                post.front_matter
                    .as_ref()
                    .map(|f| (f.open_fence, f.content, &f.root)),
            );
            assert_eq!(skeleton.body.headings.first(), post.body.headings.first());
            // The stored first matches, and a search of the kept lines, agree with the post.
            assert_eq!(skeleton.known_numbers.len(), regexes().len());
            let mut searched = skeleton.clone();
            searched.known_numbers.clear();
            for regex in regexes() {
                let series = Series::declared(Some(regex));
                let sources = |p: &Post| format!("{:?}", series.sources(p, Some("postSlug")));
                assert_eq!(sources(&skeleton), sources(&post), "{text}");
                assert_eq!(sources(&searched), sources(&post), "{text}");
                assert_eq!(
                    series.greeting_without_number(&skeleton),
                    series.greeting_without_number(&post)
                );
            }
        }
    }

    #[test]
    fn an_outline_is_the_skeleton_without_the_bytes() {
        for text in POSTS {
            assert_cut_as_stored(text);
        }
    }

    /// Posts asked for are parsed in full and cut in memory once body rules ran; posts from the
    /// index were outlined, cut and stored: collection rules must not tell them apart.
    fn assert_cut_as_stored(text: &str) {
        let stored = Post::parse_with("a.md", text, Depth::Outline);
        for depth in [Depth::Full, Depth::Outline] {
            let post = Post::parse_with("a.md", text, depth);
            let mut decoded = decode(&encode(&stored, &regexes()), &patterns()).unwrap();
            decoded.path = post.path.clone();
            // The index keeps no syntax problems: no rule reads them of posts nobody asked
            // about. An outline keeps the post's.
            decoded.syntax = post.syntax.clone();
            let outline = outline(post, &regexes(), &patterns());
            assert_eq!(outline.depth, Depth::Skeleton);
            assert_eq!(format!("{outline:?}"), format!("{decoded:?}"), "{text:?}");
        }
    }

    /// Pieces of bodies where the cut's questions are easy to answer wrong: fences of both
    /// kinds and lengths, indented fences, comments opened and closed anywhere, headings,
    /// greetings with and without numbers, across lines, in CRLF.
    const PIECES: [&str; 22] = [
        "```\n",
        "````\n",
        "~~~ info\n",
        "    ```\n",
        "   ~~~\n",
        "<!--",
        "-->",
        "<!-- c -->",
        "# 标题\n",
        "## 第 3 期\n",
        "#no\n",
        "   # three spaces\n",
        "第 5 封信",
        "第 n 封信",
        "第\n7 封信",
        "这是第 九 封信。",
        "`第 8 封信`",
        "text\n",
        "\r\n",
        "\n",
        " ",
        "期",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        #[test]
        fn any_body_is_cut_as_the_index_stores_it(
            pieces in proptest::collection::vec(proptest::sample::select(&PIECES[..]), 0..24),
            front in proptest::bool::ANY,
        ) {
            let body = pieces.concat();
            let text = if front { format!("---\ntitle: t\n---\n{body}") } else { body };
            assert_cut_as_stored(&text);
        }
    }

    #[test]
    fn only_the_lines_series_sources_read_are_kept() {
        let post = Post::parse_with("a.md", POSTS[0], Depth::Outline);
        let skeleton = decode(&encode(&post, &regexes()), &patterns()).unwrap();
        let kept = &skeleton.source[skeleton.body.span.range()];
        assert_eq!(
            kept,
            "# 第 99 期\n\n这是我为你写的第 99 封信。当写到第 50 封信时……\n"
        );
        assert!(!skeleton.source.contains("正文。"));
    }

    #[test]
    fn every_cut_or_bad_byte_is_refused_without_panicking() {
        let post = Post::parse_with("a.md", POSTS[1], Depth::Outline);
        let bytes = encode(&post, &regexes());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], &patterns()).is_none(), "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0xff;
            let _ = decode(&bad, &patterns());
        }
        // Kept text that is not UTF-8 is refused (after its 8-byte length).
        let mut bad = bytes.clone();
        bad[8] = 0xff;
        assert!(decode(&bad, &patterns()).is_none());
        // Nesting deeper than any front matter can be is refused, not recursed into.
        // (levels of lists, where the innermost value says it lies in the text)
        let nested = |levels: usize, innermost: Span| {
            let mut out = Writer::default();
            out.bytes(b"");
            out.span(Span::new(0, 0));
            out.u8(1);
            out.span(Span::new(0, 0));
            out.span(Span::new(0, 0));
            out.u8(1);
            out.u64(1);
            out.span(Span::new(0, 0));
            out.u8(TEXT_WRITTEN);
            out.bytes(b"k");
            for _ in 0..levels {
                out.span(Span::new(0, 0));
                out.u8(6);
                out.u64(1);
            }
            out.span(innermost);
            out.u8(0);
            out.u8(0);
            out.u64(0);
            out.u64(0);
            decode(&out.0, &[])
        };
        let nowhere = Span::new(0, 0);
        assert!(nested(3, nowhere).is_some());
        assert!(nested(10_000, nowhere).is_none());
        // A value said to lie beyond the (empty) text is refused, however deep.
        assert!(nested(3, Span::new(0, 1)).is_none());
    }

    #[test]
    fn keys_and_values_are_stored_as_a_place_in_the_text_when_they_read_so() {
        let text = POSTS[8];
        let post = Post::parse_with("a.md", text, Depth::Outline);
        let bytes = encode(&post, &regexes());
        let skeleton = decode(&bytes, &patterns()).unwrap();
        assert_eq!(
            skeleton.front_matter.as_ref().map(|f| &f.root),
            post.front_matter.as_ref().map(|f| &f.root)
        );
        // Plain and simply quoted text is not stored twice; escaped and block text is.
        let count = |needle: &str| {
            bytes
                .windows(needle.len())
                .filter(|w| *w == needle.as_bytes())
                .count()
        };
        assert_eq!(count("plain-value"), 1);
        assert_eq!(count("引号里"), 1);
        assert_eq!(count("say \"hi\""), 1, "the decoded escape is stored");
        assert_eq!(count("line one\nline two"), 1, "the folded block is stored");
    }
}

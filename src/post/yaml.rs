//! YAML front matter to [`Node`]s with byte spans, on saphyr-parser's event stream.
//!
//! We build the tree ourselves instead of using saphyr's loader: it keeps the scalar style
//! (a quoted date is a string), converts its character markers to byte offsets, reports
//! duplicate keys with both places, and caps depth and alias expansion before they cost.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};
use smol_str::SmolStr;

use super::front_matter::{Entry, Node, StrStyle, SyntaxProblem, Value};
use crate::diagnostic::Span;

/// Deeper nesting than this is rejected: front matter is a flat record in practice.
pub const MAX_DEPTH: usize = 64;
/// Nodes that aliases may copy in one document (a billion-laughs document needs far more).
pub const MAX_ALIAS_NODES: usize = 10_000;

/// Parses `src` (the text between the fences, starting at byte `offset` of the file).
pub fn parse(src: &str, offset: usize) -> Result<Node, SyntaxProblem> {
    // saphyr reads the text with LF line breaks: after a CRLF its markers (where an error is
    // reported) could stand a few characters off where they stand after LF. Each CRLF and each
    // lone CR (a line break too, in YAML) becomes one LF; its markers count the characters of
    // what it read, and `positions` maps them to bytes of `src`.
    let cr = src.contains('\r');
    let lf: Cow<'_, str> = if cr {
        Cow::Owned(src.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(src)
    };
    let positions = CharToByte::new(src, cr);
    let mut builder = Builder {
        positions: &positions,
        offset,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
    };
    let mut parser = Parser::new_from_str(&lf);
    let mut root = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let at = builder.byte(e.marker().index());
            SyntaxProblem::new(
                point(src, at - offset).shift(offset),
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        match event {
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
            other => {
                if let Some(done) = builder.event(other, span)? {
                    root = Some(done);
                }
            }
        }
    }
    Ok(root.unwrap_or(Node {
        span: Span::new(offset, offset),
        value: Value::Null,
    }))
}

/// An empty-safe span of the character at `at` (or an empty span at the end).
fn point(src: &str, at: usize) -> Span {
    let len = src[at.min(src.len())..]
        .chars()
        .next()
        .map_or(0, char::len_utf8);
    Span::new(at, at + len)
}

/// saphyr markers count characters of the text with LF line breaks; this maps them to byte
/// offsets of the text as written. Markers come mostly in increasing order, so the map walks
/// forward from the last one asked (a table of every character's offset, built for each post
/// with a non-ASCII title, cost a whole-blog run more than its walk).
struct CharToByte<'a> {
    src: &'a [u8],
    /// ASCII without CR: character and byte offsets are the same.
    identity: bool,
    cr: bool,
    /// The last answer: (characters, byte offset where the next character starts).
    cursor: Cell<(usize, usize)>,
}

impl<'a> CharToByte<'a> {
    /// The map for `src`, which holds a CR when `cr`.
    fn new(src: &'a str, cr: bool) -> Self {
        CharToByte {
            src: src.as_bytes(),
            identity: !cr && src.is_ascii(),
            cr,
            cursor: Cell::new((0, 0)),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let len = self.src.len();
        if self.identity {
            return char_index.min(len);
        }
        let (mut chars, mut at) = self.cursor.get();
        if char_index < chars {
            (chars, at) = (0, 0);
        }
        while chars < char_index && at < len {
            let lead = self.src[at];
            // `src` is UTF-8: the leading byte tells the character's length.
            at += match lead {
                0..0x80 => 1,
                0x80..0xe0 => 2,
                0xe0..0xf0 => 3,
                _ => 4,
            };
            // saphyr reads a CRLF as one LF: that character starts where the CR does.
            if self.cr && lead == b'\r' && self.src.get(at) == Some(&b'\n') {
                at += 1;
            }
            chars += 1;
        }
        self.cursor.set((chars, at));
        at
    }
}

enum Frame {
    List {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(SmolStr, Span)>,
    },
}

struct Builder<'a> {
    positions: &'a CharToByte<'a>,
    offset: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        self.positions.byte(char_index) + self.offset
    }

    fn span(&self, span: YamlSpan) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }

    /// Feeds one event; returns the root node once it is complete.
    fn event(&mut self, event: Event<'_>, span: YamlSpan) -> Result<Option<Node>, SyntaxProblem> {
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let forced_string = tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let node = Node {
                    span: self.span(span),
                    value: scalar(&text, style, forced_string),
                };
                self.remember(anchor, &node);
                node
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let start = self.byte(span.start.index());
                if self.stack.len() >= MAX_DEPTH {
                    return Err(SyntaxProblem::new(
                        Span::new(start, start + 1),
                        format!("front matter nests deeper than {MAX_DEPTH} levels"),
                    )
                    .with_help("flatten the front matter: site generators read a flat record"));
                }
                self.stack.push(match event {
                    Event::SequenceStart(..) => Frame::List {
                        start,
                        anchor,
                        items: Vec::new(),
                    },
                    _ => Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    },
                });
                return Ok(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = self.byte(span.end.index());
                let (start, anchor, value) = match self.stack.pop() {
                    Some(Frame::List {
                        start,
                        anchor,
                        items,
                    }) => (start, anchor, Value::List(exact(items))),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (start, anchor, Value::Map(exact(entries))),
                    None => return Ok(None),
                };
                let node = Node {
                    span: Span::new(start, end.max(start)),
                    value,
                };
                self.remember(anchor, &node);
                node
            }
            Event::Alias(id) => {
                let at = self.span(span);
                let Some(target) = self.anchors.get(&id) else {
                    return Err(SyntaxProblem::new(at, "alias to an unknown anchor"));
                };
                self.alias_nodes += count_nodes(target);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(SyntaxProblem::new(
                        at,
                        format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                    )
                    .with_help("write the values out instead of nesting anchors and aliases"));
                }
                Node {
                    span: at,
                    value: target.value.clone(),
                }
            }
            _ => return Ok(None),
        };
        self.attach(node)
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    /// Puts a finished node into its parent; returns it when it is the root.
    fn attach(&mut self, node: Node) -> Result<Option<Node>, SyntaxProblem> {
        match self.stack.last_mut() {
            None => Ok(Some(node)),
            Some(Frame::List { items, .. }) => {
                items.push(node);
                Ok(None)
            }
            Some(Frame::Map { entries, key, .. }) => {
                match key.take() {
                    None => {
                        let text = match node.value {
                            Value::List(_) | Value::Map(_) => {
                                return Err(SyntaxProblem::new(
                                    node.span,
                                    "a mapping key must be a plain value, not a list or mapping",
                                ));
                            }
                            // The key's text is moved, not copied: every key of every post.
                            Value::Str(text, _) | Value::Datetime(text) => text,
                            value => value.scalar_text().unwrap_or_default().into(),
                        };
                        if let Some(first) = entries.iter().find(|e| e.key == text) {
                            let mut problem = SyntaxProblem::new(
                                node.span,
                                format!("duplicate key `{text}`"),
                            )
                            .with_help(
                                "remove one of the two: site generators keep only one of them",
                            );
                            problem.first = Some(first.key_span);
                            return Err(problem);
                        }
                        *key = Some((text, node.span));
                    }
                    Some((key, key_span)) => entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    }),
                }
                Ok(None)
            }
        }
    }
}

/// `items` in a vector of their exact size: a tree lives as long as its post (thousands of
/// them through a run), and a vector grown item by item holds up to twice its items' room.
fn exact<T>(items: Vec<T>) -> Vec<T> {
    if items.capacity() == items.len() {
        return items;
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.extend(items);
    exact
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::List(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
        _ => 0,
    }
}

/// Types a scalar as the YAML 1.2 core schema does; quoted and block scalars are strings.
fn scalar(text: &str, style: ScalarStyle, forced_string: bool) -> Value {
    match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            return Value::Str(text.into(), StrStyle::Quoted);
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            return Value::Str(text.into(), StrStyle::Block);
        }
        ScalarStyle::Plain => {}
    }
    if forced_string {
        return Value::Str(text.into(), StrStyle::Plain);
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(int) = parse_int(text) {
        return Value::Int(int);
    }
    if looks_like_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => Value::Str(text.into(), StrStyle::Plain),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without a regex.
fn looks_like_float(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(src: &str) -> Vec<Entry> {
        match parse(src, 0).unwrap().value {
            Value::Map(entries) => entries,
            other => panic!("not a mapping: {other:?}"),
        }
    }

    fn slice(src: &str, span: Span) -> &str {
        &src[span.range()]
    }

    #[test]
    fn spans_are_bytes_after_chinese_text_and_emoji() {
        let src = "title: \"精读《GPT4》😀\"\npostSlug: newsletter-99\ntags:\n  - 新闻\n  - AI\n";
        let entries = root(src);
        assert_eq!(slice(src, entries[0].value.span), "\"精读《GPT4》😀\"");
        assert_eq!(slice(src, entries[1].key_span), "postSlug");
        assert_eq!(slice(src, entries[1].value.span), "newsletter-99");
        let Value::List(items) = &entries[2].value.value else {
            panic!()
        };
        assert_eq!(slice(src, items[0].span), "新闻");
        assert_eq!(slice(src, items[1].span), "AI");
    }

    #[test]
    fn crlf_line_breaks_give_the_spans_and_errors_of_lf_ones() {
        let src = "title: 精读\npostSlug: a\ntags:\n  - 新闻\n  - |\n    block\n";
        let crlf = src.replace('\n', "\r\n");
        let (lf_entries, crlf_entries) = (root(src), root(&crlf));
        assert_eq!(slice(&crlf, crlf_entries[0].value.span), "精读");
        assert_eq!(slice(&crlf, crlf_entries[1].key_span), "postSlug");
        assert_eq!(slice(&crlf, crlf_entries[1].value.span), "a");
        let (Value::List(lf_items), Value::List(crlf_items)) =
            (&lf_entries[2].value.value, &crlf_entries[2].value.value)
        else {
            panic!()
        };
        assert_eq!(slice(&crlf, crlf_items[0].span), "新闻");
        assert_eq!(
            crlf_items[1].value, lf_items[1].value,
            "a block scalar reads LF"
        );
        // An error found after a few lines (a directive, then no `---`) stands at the same
        // character of the same line: the scanner's lookahead once moved it after CRLF.
        let broken = "\n%¡੦®並𖹀𑪰🫎𝼥𞹝𝀀\u{b3c}\u{897}𑥐𞹂\n\n(text)[https://example.com/x]\n\n> 你好，我是小树。这是我为你写的第 99 封信。\n\n";
        let position = |text: &str| {
            let at = parse(text, 0).unwrap_err().span.start;
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            (
                text[..at].matches('\n').count(),
                text[line_start..at].chars().count(),
            )
        };
        assert_eq!(position(&broken.replace('\n', "\r\n")), position(broken));
        // A lone CR before a CRLF is a line break of its own (twice converted line endings).
        let title = |src: &str| root(src)[0].value.value.clone();
        let folded = |text: &str| Value::Str(text.into(), StrStyle::Quoted);
        assert_eq!(title("t: \"a\r\r\n  b\""), folded("a\nb"));
        assert_eq!(title("t: \"a\r  b\""), folded("a b"));
        let src = "t: |\r\n  x\r\r\n  y\r\n";
        assert_eq!(
            root(src)[0].value.value,
            Value::Str("x\n\ny\n".into(), StrStyle::Block)
        );
        assert_eq!(slice(src, root(src)[0].key_span), "t");
    }

    #[test]
    fn flow_sequence_items_have_spans() {
        let src = "tags: [中文, \"b c\", d]\n";
        let entries = root(src);
        let Value::List(items) = &entries[0].value.value else {
            panic!()
        };
        let texts: Vec<_> = items.iter().map(|n| slice(src, n.span)).collect();
        assert_eq!(texts, ["中文", "\"b c\"", "d"]);
    }

    #[test]
    fn scalars_are_typed_by_the_core_schema_and_style() {
        let src = "a: true\nb: 42\nc: 1.5\nd: ~\ne: '2024-01-01'\nf: 2024-01-01\ng:\nh: !!str 7\n";
        let values: Vec<_> = root(src).into_iter().map(|e| e.value.value).collect();
        assert_eq!(values[0], Value::Bool(true));
        assert_eq!(values[1], Value::Int(42));
        assert_eq!(values[2], Value::Float(1.5));
        assert_eq!(values[3], Value::Null);
        assert_eq!(values[4], Value::Str("2024-01-01".into(), StrStyle::Quoted));
        assert_eq!(values[5], Value::Str("2024-01-01".into(), StrStyle::Plain));
        assert_eq!(values[6], Value::Null);
        assert_eq!(values[7], Value::Str("7".into(), StrStyle::Plain));
    }

    #[test]
    fn duplicate_keys_point_at_both() {
        let src = "title: a\n标题: b\ntitle: c\n";
        let problem = parse(src, 0).unwrap_err();
        assert_eq!(problem.message, "duplicate key `title`");
        assert_eq!(slice(src, problem.span), "title");
        assert_eq!(problem.span.start, src.rfind("title").unwrap());
        assert_eq!(problem.first, Some(Span::new(0, 5)));
    }

    #[test]
    fn syntax_error_points_into_the_offending_line() {
        let src = "title: 中文\ntags: [a, b\ndescription: x\n";
        let problem = parse(src, 10).unwrap_err();
        assert!(
            problem.message.starts_with("invalid YAML"),
            "{}",
            problem.message
        );
        assert!(problem.span.start >= 10);
    }

    #[test]
    fn billion_laughs_is_rejected_quickly() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = (b'a' + i - 1) as char;
            let name = (b'a' + i) as char;
            let refs = vec![format!("*{prev}"); 9].join(", ");
            src.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let problem = parse(&src, 0).unwrap_err();
        assert!(
            problem.message.contains("aliases expand"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let src = format!("a: {}", "[".repeat(10_000));
        assert!(parse(&src, 0).is_err());
        let mut block = String::new();
        for depth in 0..100 {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        let problem = parse(&block, 0).unwrap_err();
        assert!(
            problem.message.contains("deeper than"),
            "{}",
            problem.message
        );
    }

    /// Each character's byte offset as saphyr counts characters (a CRLF is one), past the end
    /// the length: what the map must answer, asked in any order.
    fn offsets_of_every_character(src: &str) -> Vec<usize> {
        let bytes = src.as_bytes();
        src.char_indices()
            .filter(|&(i, c)| !(c == '\n' && i > 0 && bytes[i - 1] == b'\r'))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn a_character_asked_behind_the_last_one_and_after_cjk_text_is_found() {
        // Cases the property test below found against wrong walks.
        let map = CharToByte::new("\r\n", true);
        assert_eq!((map.byte(1), map.byte(0)), (2, 0));
        let cjk = "aaaaaaaaa精读";
        assert_eq!(
            CharToByte::new(cjk, false).byte(10),
            cjk.find("读").unwrap()
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn characters_map_to_the_bytes_they_start_at_whatever_order_they_are_asked_in(
            pieces in proptest::collection::vec(
                proptest::sample::select(&["a", ":", " ", "\r", "\n", "\r\n", "é", "精读", "😀", "-"][..]),
                0..24,
            ),
            asked in proptest::collection::vec(0usize..40, 0..12),
        ) {
            let src = pieces.concat();
            let map = CharToByte::new(&src, src.contains('\r'));
            let expected = offsets_of_every_character(&src);
            for index in asked {
                let want = expected.get(index).copied().unwrap_or(src.len());
                proptest::prop_assert_eq!(map.byte(index), want, "{:?} at {}", src, index);
            }
        }
    }
}

//! The Markdown body, parsed once: links, images, reference definitions, headings, code, HTML comments.
//!
//! pulldown-cmark runs on the body slice; every span is shifted to a byte offset of the file.
//! It gives no span for a link's URL, so [`destination`] scans it from the construct's text.

use std::cell::RefCell;
use std::collections::HashMap;

use pulldown_cmark::{BrokenLink, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::diagnostic::Span;

/// What the parser found in a body.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// The body's bytes in the file (after the front matter).
    pub span: Span,
    pub links: Vec<Link>,
    pub ref_defs: Vec<RefDef>,
    pub headings: Vec<Heading>,
    /// Fenced and indented code blocks and code spans: never links, never directives.
    pub code: Vec<Span>,
    pub html_comments: Vec<HtmlComment>,
    /// `[text][label]`, `[label][]` and `[label]` whose label has no definition.
    pub unresolved_refs: Vec<UnresolvedRef>,
    /// Runs of plain text outside links, code and HTML (where bare URLs and pseudo-links hide).
    pub plain_text: Vec<Span>,
}

impl Body {
    /// Whether `span` lies inside a code block or code span.
    pub fn in_code(&self, span: Span) -> bool {
        self.code.iter().any(|code| code.contains(span))
    }

    /// Whether `span` lies inside code or an HTML comment (text nobody reads as Markdown).
    pub fn in_code_or_comment(&self, span: Span) -> bool {
        self.in_code(span) || self.html_comments.iter().any(|c| c.span.contains(span))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `[text](url)`
    Inline,
    /// `[text][label]`
    Reference,
    /// `[label][]`
    Collapsed,
    /// `[label]`
    Shortcut,
    /// `<https://…>`
    Autolink,
    /// `<name@example.com>`
    Email,
    /// `<img src="…">` in raw HTML
    Html,
}

/// A link or an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub kind: LinkKind,
    pub image: bool,
    /// The whole construct, `[text](url)` or `<img …>`.
    pub span: Span,
    /// The destination after the parser's unescaping: [`Link::url`] reads it.
    pub destination: Destination,
    /// The destination as written (in the reference definition for reference links).
    pub url_span: Span,
    /// Whether the link text or the image's alt text holds more than white space (markup and
    /// the text of code spans count; what the text is, no rule asks).
    pub has_text: bool,
    /// An image with alt text, or an `<img>` with an `alt` attribute (`alt=""` marks decoration).
    pub has_alt: bool,
    /// The label of a reference link (`d` in `[text][d]`); empty for other kinds.
    pub reference: String,
}

impl Link {
    /// The destination after the parser's unescaping; `source` is the text the body was parsed
    /// from (the post's: a link's span means nothing in another text).
    pub fn url<'a>(&'a self, source: &'a str) -> &'a str {
        match &self.destination {
            Destination::Written(span) => &source[span.range()],
            Destination::Unescaped(url) => url,
        }
    }
}

/// A link's destination as the parser reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// These bytes of the post, as written: most destinations need no unescaping, and a string
    /// of their own was an allocation per link.
    Written(Span),
    /// Unescaped or decoded from what is written (`\(`, `&amp;`, an `<img>` attribute).
    Unescaped(Box<str>),
}

impl Destination {
    /// `url` from the parser of `src` (the text of the post from byte `start`).
    fn of(url: CowStr<'_>, src: &str, start: usize) -> Destination {
        if let CowStr::Borrowed(written) = url {
            // The parser lends what needs no unescaping: a slice of the text it parses.
            let at = (written.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
            // An empty one may be a constant lying anywhere (no offset of the text to trust).
            if !written.is_empty() && at <= src.len() && written.len() <= src.len() - at {
                return Destination::Written(Span::new(start + at, start + at + written.len()));
            }
        }
        Destination::Unescaped(url.as_ref().into())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDef {
    pub label: String,
    pub span: Span,
    pub url_span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub span: Span,
}

/// `<!-- … -->` outside code; `text` is what stands between the markers, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtmlComment {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedRef {
    pub kind: LinkKind,
    pub span: Span,
    pub label: String,
}

/// Parses the body `text[start..]`.
pub fn parse(text: &str, start: usize) -> Body {
    let src = &text[start..];
    let unresolved = RefCell::new(Vec::new());
    let callback = |broken: BrokenLink<'_>| {
        let kind = link_kind(broken.link_type).unwrap_or(LinkKind::Shortcut);
        let span = Span::from(broken.span.clone()).shift(start);
        unresolved.borrow_mut().push(UnresolvedRef {
            kind,
            span,
            label: broken.reference.into_string(),
        });
        None::<(CowStr<'_>, CowStr<'_>)>
    };
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut events =
        Parser::new_with_broken_link_callback(src, options, Some(callback)).into_offset_iter();
    // Sized for a typical post: growing these one push at a time reallocated them several times.
    let mut body = Body {
        span: Span::new(start, text.len()),
        links: Vec::with_capacity(16),
        plain_text: Vec::with_capacity(32),
        ..Body::default()
    };
    // Open links and headings collect the text inside them.
    let mut open_links: Vec<(Link, usize)> = Vec::new();
    let mut open_heading: Option<Heading> = None;
    let mut in_code_block = false;

    for (event, range) in events.by_ref() {
        let span = Span::from(range).shift(start);
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                id,
                ..
            })
            | Event::Start(Tag::Image {
                link_type,
                dest_url,
                id,
                ..
            }) => {
                let image = src[span.start - start..].starts_with('!');
                let kind = link_kind(link_type).unwrap_or(LinkKind::Inline);
                let reference = if matches!(
                    kind,
                    LinkKind::Reference | LinkKind::Collapsed | LinkKind::Shortcut
                ) {
                    id.into_string()
                } else {
                    String::new()
                };
                let link = Link {
                    kind,
                    image,
                    span,
                    destination: Destination::of(dest_url, src, start),
                    url_span: span,
                    has_text: false,
                    has_alt: false,
                    reference,
                };
                // Text after `[` (or `![`): children move it on; `](` follows the last one.
                open_links.push((link, span.start + if image { 2 } else { 1 }));
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((mut link, text_end)) = open_links.pop() {
                    link.url_span = match (link.kind, &link.destination) {
                        // The parser lent the destination as written: its place is known, and
                        // scanning the text for it again was a twelfth of a whole-blog run's
                        // instructions beyond the parse.
                        (LinkKind::Inline, Destination::Written(written)) => *written,
                        (LinkKind::Inline, _) => {
                            inline_destination(text, text_end, link.span).unwrap_or(link.span)
                        }
                        (LinkKind::Autolink | LinkKind::Email, _) => {
                            Span::new(link.span.start + 1, link.span.end - 1)
                        }
                        _ => link.span,
                    };
                    if let Some((parent, _)) = open_links.last_mut() {
                        parent.has_text |= link.has_text;
                    }
                    link.has_alt = link.has_text;
                    body.links.push(link);
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                open_heading = Some(Heading {
                    level: level as u8,
                    text: String::new(),
                    span,
                });
            }
            Event::End(TagEnd::Heading(_)) => body.headings.extend(open_heading.take()),
            Event::Start(Tag::CodeBlock(_)) => {
                body.code.push(span);
                in_code_block = true;
            }
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Code(code) => {
                body.code.push(span);
                push_text(&mut open_links, &mut open_heading, &code, span);
            }
            Event::Text(t) => {
                if open_links.is_empty() && !in_code_block {
                    // The parser splits text at possible delimiters; keep contiguous runs whole.
                    match body.plain_text.last_mut() {
                        Some(last) if last.end == span.start => last.end = span.end,
                        _ => body.plain_text.push(span),
                    }
                }
                push_text(&mut open_links, &mut open_heading, &t, span);
            }
            Event::Start(Tag::HtmlBlock) => scan_html(text, span, &mut body),
            Event::InlineHtml(_) => scan_html(text, span, &mut body),
            _ => {
                if let Some((_, text_end)) = open_links.last_mut() {
                    *text_end = (*text_end).max(span.end);
                }
            }
        }
    }
    for (label, def) in events.reference_definitions().iter() {
        let span = Span::from(def.span.clone()).shift(start);
        let url_span = definition_destination(text, span).unwrap_or(span);
        body.ref_defs.push(RefDef {
            label: label.to_owned(),
            span,
            url_span,
        });
    }
    drop(events);
    body.ref_defs.sort_by_key(|d| d.span.start);
    let references = body
        .links
        .iter()
        .filter(|l| !l.reference.is_empty())
        .count();
    let defs = &body.ref_defs;
    let definitions = LabelIndex::new(defs.len(), |i| &defs[i].label, references);
    for link in body.links.iter_mut().filter(|l| !l.reference.is_empty()) {
        if let Some(at) = definitions.find(&link.reference) {
            link.url_span = defs[at].url_span;
        }
    }
    // Links close inside-out; reporters and rules want source order.
    body.links.sort_by_key(|l| l.span.start);
    body.unresolved_refs = unresolved.into_inner();
    body
}

/// Whether `text` is empty or only white space (as `str::trim` sees it), deciding at the first
/// character that is not: link texts are rarely blank.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Labels looked up as CommonMark matches reference labels ([`normalize_label`]): pair by pair
/// while few lookups meet few labels (no normal form built, as in nearly every post: a post's
/// references were four allocations each), through a map of the normal forms when more would
/// meet (a post with 20 000 references took seconds pair by pair). Empty labels match nothing.
pub struct LabelIndex<F> {
    len: usize,
    label_at: F,
    /// The first label of each normal form, when the labels are many.
    by_normal: Option<HashMap<String, usize>>,
}

/// Label pairs compared one by one at most before the labels are mapped by their normal forms.
const PAIRS_BEFORE_MAP: usize = 64;

impl<'a, F: Fn(usize) -> &'a str> LabelIndex<F> {
    /// The `len` labels `label_at` gives, for `lookups` lookups to come.
    pub fn new(len: usize, label_at: F, lookups: usize) -> Self {
        let by_normal = (len.saturating_mul(lookups) > PAIRS_BEFORE_MAP).then(|| {
            let mut by_normal = HashMap::with_capacity(len);
            for at in (0..len).filter(|&at| !label_at(at).is_empty()) {
                by_normal.entry(normalize_label(label_at(at))).or_insert(at);
            }
            by_normal
        });
        LabelIndex {
            len,
            label_at,
            by_normal,
        }
    }

    /// The first label that matches `label`.
    pub fn find(&self, label: &str) -> Option<usize> {
        match &self.by_normal {
            Some(by_normal) => by_normal.get(&normalize_label(label)).copied(),
            None => (0..self.len).find(|&at| {
                let candidate = (self.label_at)(at);
                !candidate.is_empty() && same_label(candidate, label)
            }),
        }
    }
}

/// Whether two reference labels match ([`normalize_label`] makes them equal), without building
/// either normalized form when both are ASCII.
fn same_label(a: &str, b: &str) -> bool {
    if !(a.is_ascii() && b.is_ascii()) {
        return normalize_label(a) == normalize_label(b);
    }
    // White space as `str::split_whitespace` sees it, in ASCII: tab, LF, VT, FF, CR, space.
    fn words(s: &str) -> impl Iterator<Item = &[u8]> {
        s.as_bytes()
            .split(|b| matches!(b, b'\t'..=b'\r' | b' '))
            .filter(|w| !w.is_empty())
    }
    let (mut a, mut b) = (words(a), words(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

/// Reference labels match case-insensitively with runs of white space collapsed (CommonMark).
pub fn normalize_label(label: &str) -> String {
    let mut words = label.split_whitespace();
    let mut joined = String::with_capacity(label.len());
    if let Some(first) = words.next() {
        joined.push_str(first);
    }
    for word in words {
        joined.push(' ');
        joined.push_str(word);
    }
    // Lower case for the whole text at once: a final sigma depends on what follows it.
    if joined.is_ascii() {
        joined.make_ascii_lowercase();
        joined
    } else {
        joined.to_lowercase()
    }
}

fn link_kind(link_type: LinkType) -> Option<LinkKind> {
    Some(match link_type {
        LinkType::Inline => LinkKind::Inline,
        LinkType::Reference | LinkType::ReferenceUnknown => LinkKind::Reference,
        LinkType::Collapsed | LinkType::CollapsedUnknown => LinkKind::Collapsed,
        LinkType::Shortcut | LinkType::ShortcutUnknown => LinkKind::Shortcut,
        LinkType::Autolink => LinkKind::Autolink,
        LinkType::Email => LinkKind::Email,
        LinkType::WikiLink { .. } => return None,
    })
}

fn push_text(
    open_links: &mut [(Link, usize)],
    heading: &mut Option<Heading>,
    text: &str,
    span: Span,
) {
    if let Some((link, text_end)) = open_links.last_mut() {
        link.has_text = link.has_text || !is_blank(text);
        *text_end = (*text_end).max(span.end);
    }
    if let Some(heading) = heading {
        heading.text.push_str(text);
    }
}

/// The destination of `[text](dest "title")`, searching for `](` from `text_end`.
fn inline_destination(text: &str, text_end: usize, construct: Span) -> Option<Span> {
    let inner = text.get(text_end..construct.end)?.as_bytes();
    // `str::find` built a searcher per link: more than finding `](` in a few bytes costs.
    let open = memchr::memchr_iter(b']', inner).find(|&i| inner.get(i + 1) == Some(&b'('))?;
    let open = text_end + open + 2;
    destination(text, open, construct.end)
}

/// The destination of `[label]: dest "title"`.
fn definition_destination(text: &str, def: Span) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut i = def.start;
    while i + 1 < def.end {
        match bytes[i] {
            b'\\' => i += 1,
            b']' if bytes[i + 1] == b':' => return destination(text, i + 2, def.end),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Scans a link destination starting at `from` (after `(` or `]:`): skips leading white space
/// (one line ending at most), then reads `<…>` or a run with balanced parentheses and escapes.
/// The span excludes angle brackets; an empty destination gives an empty span.
fn destination(text: &str, from: usize, limit: usize) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < limit && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    if i < limit && bytes[i] == b'<' {
        let start = i + 1;
        let mut j = start;
        while j < limit {
            match bytes[j] {
                b'\\' => j += 1,
                b'>' => return Some(Span::new(start, j)),
                b'\n' => return None,
                _ => {}
            }
            j += 1;
        }
        return None;
    }
    let start = i;
    let mut depth = 0usize;
    while i < limit {
        // Most bytes of a URL are skipped in one run: past `)` in ASCII (so neither white space,
        // a control character nor a parenthesis), and not `\` or DEL.
        i += bytes[i..limit]
            .iter()
            .position(|&b| b <= b')' || b == b'\\' || b == 0x7f)
            .unwrap_or(limit - i);
        let Some(&b) = bytes[..limit].get(i) else {
            break;
        };
        match b {
            b'\\' if i + 1 < limit => i += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b if b.is_ascii_whitespace() || b.is_ascii_control() => break,
            _ => {}
        }
        i += 1;
    }
    Some(Span::new(start, i.min(limit)))
}

/// Records HTML comments and `<img src>` images found in raw HTML at `span`.
fn scan_html(text: &str, span: Span, body: &mut Body) {
    let html = &text[span.range()];
    let mut pos = 0;
    while let Some(found) = html[pos..].find('<') {
        let at = pos + found;
        let rest = &html[at..];
        if let Some(inner) = rest.strip_prefix("<!--") {
            let Some(close) = inner.find("-->") else {
                break;
            };
            let end = at + 4 + close + 3;
            body.html_comments.push(HtmlComment {
                span: Span::new(span.start + at, span.start + end),
                text: inner[..close].trim().to_owned(),
            });
            pos = end;
            continue;
        }
        let tag_end = rest.find('>').map_or(html.len(), |e| at + e + 1);
        // Bytes, not `str` slices: the text after `<` may be any character.
        let bytes = rest.as_bytes();
        if bytes.len() > 4
            && bytes[1..4].eq_ignore_ascii_case(b"img")
            && bytes[4].is_ascii_whitespace()
        {
            let tag = &html[at..tag_end];
            if let Some((value, range)) = attribute(tag, "src") {
                let url_span = Span::new(span.start + at + range.0, span.start + at + range.1);
                let alt = attribute(tag, "alt").map(|(v, _)| v);
                let has_alt = alt.is_some();
                let has_text = alt.is_some_and(|alt| !is_blank(&alt));
                body.links.push(Link {
                    kind: LinkKind::Html,
                    image: true,
                    span: Span::new(span.start + at, span.start + tag_end),
                    destination: Destination::Unescaped(value.into()),
                    url_span,
                    has_text,
                    has_alt,
                    reference: String::new(),
                });
            }
        }
        pos = tag_end.max(at + 1);
    }
}

/// The value of attribute `name` in one HTML tag, with its byte range inside the tag.
fn attribute(tag: &str, name: &str) -> Option<(String, (usize, usize))> {
    let bytes = tag.as_bytes();
    let mut i = 0;
    // Skip `<tagname`.
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let attr = &tag[name_start..i];
        if attr.is_empty() {
            return None;
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (start, end) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = tag[start..]
                    .find(q as char)
                    .map_or(tag.len(), |e| start + e);
                i = (end + 1).min(tag.len());
                (start, end)
            }
            _ => {
                let start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                (start, i)
            }
        };
        if attr.eq_ignore_ascii_case(name) {
            return Some((tag[start..end].to_owned(), (start, end)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_texts(text: &str) -> Vec<(LinkKind, bool, &str)> {
        parse(text, 0)
            .links
            .iter()
            .map(|l| (l.kind, l.image, &text[l.url_span.range()]))
            .collect()
    }

    #[test]
    fn inline_links_and_images_have_url_spans() {
        let text = "中文 [链接](https://a.com/x \"title\") and ![图](<https://b.com/a b.png>)\n";
        assert_eq!(
            url_texts(text),
            [
                (LinkKind::Inline, false, "https://a.com/x"),
                (LinkKind::Inline, true, "https://b.com/a b.png")
            ]
        );
    }

    #[test]
    fn balanced_parentheses_escapes_and_a_closing_paren_on_the_next_line() {
        let text =
            "[w](https://en.wikipedia.org/wiki/Rust_(language)) [e](a\\)b) [n](https://x.com\n)\n";
        let urls: Vec<_> = url_texts(text).into_iter().map(|(_, _, u)| u).collect();
        assert_eq!(
            urls,
            [
                "https://en.wikipedia.org/wiki/Rust_(language)",
                "a\\)b",
                "https://x.com"
            ]
        );
    }

    #[test]
    fn nested_brackets_and_code_in_link_text() {
        let text = "[a [b] `c](d)`](https://x.com/y)\n";
        assert_eq!(
            url_texts(text),
            [(LinkKind::Inline, false, "https://x.com/y")]
        );
        assert!(parse(text, 0).links[0].has_text);
        // Text is what is not white space, in any of the parser's pieces; an image's alt text is
        // the text of the link around it.
        let texts: Vec<bool> = parse(
            "[ ](a) [ `x` ](b) [ *x* ](c) [![i](p)](q) [![ ](r)](s) ![ ](f) ![图](g)\n",
            0,
        )
        .links
        .iter()
        .map(|l| l.has_text)
        .collect();
        assert_eq!(
            texts,
            [false, true, true, true, true, false, false, false, true]
        );
    }

    #[test]
    fn destinations_are_read_from_the_text_unless_the_parser_unescapes_them() {
        let text = "前 [a](https://a.com/x) [b](https://b.com/x\\_y) [c][d] ![e](</p q.png>)\n\n[d]: https://d.com/&amp;\n";
        let body = parse(text, "前 ".len());
        let urls: Vec<(&str, bool)> = body
            .links
            .iter()
            .map(|l| {
                (
                    l.url(text),
                    matches!(l.destination, Destination::Written(_)),
                )
            })
            .collect();
        assert_eq!(
            urls,
            [
                ("https://a.com/x", true),
                ("https://b.com/x_y", false),
                ("https://d.com/&", false),
                ("/p q.png", true),
            ]
        );
    }

    /// Pieces of inline links and of what surrounds them, for the property test below.
    const LINK_PIECES: [&str; 22] = [
        "[a](",
        "](",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        " ",
        "\t",
        "\n",
        "\\",
        "\\)",
        "&amp;",
        "\"t\"",
        "'t'",
        "https://a.b/c",
        "x(y)z",
        "图",
        "`",
        "![i](",
        "%20",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn a_destination_lent_by_the_parser_is_its_place_after_the_link_text(
            pieces in proptest::collection::vec(proptest::sample::select(&LINK_PIECES[..]), 0..16),
        ) {
            let text = format!("前 {}\n", pieces.concat());
            let start = "前 ".len();
            for link in parse(&text, start).links.iter().filter(|l| l.kind == LinkKind::Inline) {
                if let Destination::Written(written) = link.destination {
                    // Right after the link text's `](` (and white space, or `<`), inside the
                    // construct: where scanning the text finds a destination.
                    let before = text[link.span.start..written.start].trim_end();
                    let before = before.strip_suffix('<').unwrap_or(before).trim_end();
                    proptest::prop_assert!(before.ends_with("]("), "{:?} {:?}", text, written);
                    proptest::prop_assert!(written.end < link.span.end, "{:?}", text);
                    proptest::prop_assert_eq!(link.url_span, written);
                }
            }
        }
    }

    #[test]
    fn a_destination_in_quotes_is_where_it_is_written() {
        // A case the property test above found against a wrong span.
        let text = "[a](\"t\")\n";
        let link = &parse(text, 0).links[0];
        assert_eq!(&text[link.url_span.range()], "\"t\"");
    }

    #[test]
    fn empty_destination_has_an_empty_span() {
        let body = parse("[t]()\n", 0);
        assert_eq!(body.links[0].url_span, Span::new(4, 4));
    }

    #[test]
    fn reference_links_point_at_their_definition() {
        let text = "See [docs][d] and [D][].\n\n[d]: https://docs.rs/x \"t\"\n";
        let body = parse(text, 0);
        assert_eq!(body.links.len(), 2);
        assert!(
            body.links
                .iter()
                .all(|l| &text[l.url_span.range()] == "https://docs.rs/x")
        );
        assert_eq!(body.ref_defs[0].label, "d");
        assert_eq!(
            &text[body.ref_defs[0].url_span.range()],
            "https://docs.rs/x"
        );
    }

    #[test]
    fn autolinks_html_images_and_offsets() {
        let text =
            "---\nx: 1\n---\n<https://a.com/>\n\n<img alt=\"图\" src='https://c.com/i.png'>\n";
        let start = text.find("<https").unwrap();
        let urls: Vec<_> = parse(text, start)
            .links
            .iter()
            .map(|l| (l.kind, &text[l.url_span.range()], l.has_text, l.has_alt))
            .collect();
        assert_eq!(
            urls,
            [
                (LinkKind::Autolink, "https://a.com/", true, true),
                (LinkKind::Html, "https://c.com/i.png", true, true)
            ]
        );
    }

    #[test]
    fn code_is_never_links() {
        let text = "```md\n[x](https://a.com) <!-- postlint-disable -->\n```\n\n`[y](https://b.com)`\n\n    [z](https://c.com)\n";
        let body = parse(text, 0);
        assert!(body.links.is_empty());
        assert!(body.html_comments.is_empty());
        assert_eq!(body.code.len(), 3);
    }

    #[test]
    fn unresolved_references_are_recorded() {
        let text = "[t][nope] and [x][] and (text)[https://a.com]\n";
        let body = parse(text, 0);
        let labels: Vec<_> = body
            .unresolved_refs
            .iter()
            .map(|r| (r.kind, r.label.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                (LinkKind::Reference, "nope"),
                (LinkKind::Collapsed, "x"),
                (LinkKind::Shortcut, "https://a.com")
            ]
        );
    }

    #[test]
    fn regression_proptest_html_with_a_wide_character_after_the_bracket() {
        // Found by the property tests: `<?𑎸` made a slice cut a four-byte character.
        let body = parse("<?\u{113b8}x\n\n<img\u{113b8} src=a>\n", 0);
        assert!(body.links.is_empty());
    }

    #[test]
    fn labels_normalize_as_commonmark_matches_them() {
        for label in ["  Foo\tBAR \n baz ", "", "ΟΔΟΣ Σ", "Straße ẞ", "a"] {
            let joined = label.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(normalize_label(label), joined.to_lowercase(), "{label:?}");
        }
        assert_eq!(normalize_label("  Foo\tBAR \n baz "), "foo bar baz");
    }

    #[test]
    fn labels_are_the_same_when_their_normal_forms_are() {
        let labels = [
            "Foo Bar",
            " foo\tbar ",
            "foo\u{b}bar",
            "foobar",
            "foo bar baz",
            "",
            " ",
            "ΟΔΟΣ",
            "οδοσ",
            "Straße",
            "STRASSE",
            "a\u{a0}b",
            "A B",
        ];
        for a in labels {
            for b in labels {
                let same = normalize_label(a) == normalize_label(b);
                assert_eq!(same_label(a, b), same, "{a:?} {b:?}");
            }
        }
        assert!(same_label("Foo  Bar", "foo\nbar"));
    }

    #[test]
    fn a_label_index_finds_the_first_match_pair_by_pair_and_by_normal_forms_alike() {
        let labels = ["", "Foo Bar", "ΟΔΟΣ", "foo  bar", "x"];
        let at = |i: usize| labels[i];
        let few = LabelIndex::new(labels.len(), at, 1);
        let many = LabelIndex::new(labels.len(), at, 100);
        assert!(few.by_normal.is_none() && many.by_normal.is_some());
        for (label, first) in [
            ("foo bar", Some(1)),
            ("Οδος", Some(2)),
            ("X", Some(4)),
            ("", None),
            ("y", None),
        ] {
            assert_eq!(few.find(label), first, "{label:?}");
            assert_eq!(many.find(label), first, "{label:?}");
        }
    }

    #[test]
    fn comments_and_headings() {
        let text = "# 标题 `one`\n\n<!-- postlint-disable-next-line a -->\ntext <!-- inline -->\n";
        let body = parse(text, 0);
        assert_eq!(
            body.headings,
            [Heading {
                level: 1,
                text: "标题 one".into(),
                span: Span::new(0, 15)
            }]
        );
        let comments: Vec<_> = body.html_comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(comments, ["postlint-disable-next-line a", "inline"]);
    }
}

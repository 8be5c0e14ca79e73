//! The outline of a body without the Markdown parser: fenced code, HTML comments outside code
//! and ATX headings, found by a line scan that goes only as far into the body as it is asked to.
//!
//! Collection rules read the outline of posts nobody asked about (the outline index's), so a
//! post that was parsed in full is outlined the same way before they read it.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::body::{Body, Heading, HtmlComment};
use crate::diagnostic::Span;

// Searchers built once: building one per search cost more than the search.
static COMMENT_OPEN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<!--"));
static COMMENT_CLOSE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-->"));

/// The outline of the body `text[start..]`.
pub fn outline(text: &str, start: usize) -> Body {
    let mut scan = OutlineScan::new(text, start);
    scan.lines_through(text.len());
    scan.comments_through(text.len());
    scan.body
}

/// What cutting a post asks of its outline (see `index::skeleton`): answered from an outline
/// already made, or by an [`OutlineScan`] that scans only as far as the questions reach.
pub trait OutlineView {
    /// Whether `span` lies inside a code block.
    fn in_code(&mut self, span: Span) -> bool;
    /// Whether `span` lies inside a code block or an HTML comment.
    fn in_code_or_comment(&mut self, span: Span) -> bool;
    /// The body's first heading.
    fn first_heading(&mut self) -> Option<&Heading>;
}

impl OutlineView for &Body {
    fn in_code(&mut self, span: Span) -> bool {
        Body::in_code(self, span)
    }

    fn in_code_or_comment(&mut self, span: Span) -> bool {
        Body::in_code_or_comment(self, span)
    }

    fn first_heading(&mut self) -> Option<&Heading> {
        self.headings.first()
    }
}

/// [`outline`] made line by line as questions need it. Whatever it has found when asked equals
/// the start of what [`outline`] finds: lines are read in order, and a question about a span
/// first reads every line that starts at or before the span's end.
#[derive(Clone)]
pub struct OutlineScan<'t> {
    text: &'t str,
    /// Where the next line to read starts.
    line: usize,
    /// The fence of the code block open at `line`: its character, its length, where it starts.
    fence: Option<(u8, usize, usize)>,
    /// Where the search for the next comment goes on: every comment opening before it is found.
    comment_search: usize,
    body: Body,
}

impl<'t> OutlineScan<'t> {
    pub fn new(text: &'t str, start: usize) -> Self {
        OutlineScan {
            text,
            line: start,
            fence: None,
            comment_search: start,
            body: Body {
                span: Span::new(start, text.len()),
                ..Body::default()
            },
        }
    }

    /// Reads every line that starts at or before `at` (all of them when `at` is the text's end).
    fn lines_through(&mut self, at: usize) {
        while self.line < self.text.len() && self.line <= at {
            self.read_line();
        }
        if self.line >= self.text.len()
            && let Some((_, _, from)) = self.fence.take()
        {
            // A block never closed runs to the end of the text.
            self.body.code.push(Span::new(from, self.text.len()));
        }
    }

    fn read_line(&mut self) {
        let text = self.text;
        let line_start = self.line;
        // Lines found with memchr: the generic `split_inclusive` cost two thirds of this scan.
        self.line = memchr::memchr(b'\n', &text.as_bytes()[line_start..])
            .map_or(text.len(), |i| line_start + i + 1);
        let line = &text[line_start..self.line];
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let marker = trimmed.bytes().next().filter(|b| matches!(b, b'`' | b'~'));
        let run = marker.map_or(0, |m| trimmed.bytes().take_while(|b| *b == m).count());
        match (self.fence, marker) {
            (None, Some(m)) if indent <= 3 && run >= 3 => self.fence = Some((m, run, line_start)),
            (Some((m, len, from)), Some(c))
                if c == m && run >= len && trimmed[run..].trim().is_empty() =>
            {
                self.body.code.push(Span::new(
                    from,
                    line_start + line.trim_end_matches(['\n', '\r']).len(),
                ));
                self.fence = None;
            }
            (None, _) if indent <= 3 && trimmed.starts_with('#') => {
                let level = trimmed.bytes().take_while(|b| *b == b'#').count();
                let rest = &trimmed[level..];
                if level <= 6 && (rest.starts_with([' ', '\t']) || rest.trim().is_empty()) {
                    let text = rest.trim().trim_end_matches('#').trim_end().to_owned();
                    let end = line_start + line.trim_end_matches(['\n', '\r']).len();
                    self.body.headings.push(Heading {
                        level: level as u8,
                        text,
                        span: Span::new(line_start, end),
                    });
                }
            }
            _ => {}
        }
    }

    /// Whether a code block holds `span`, once every line up to its end is read: a block still
    /// open then closes on a later line (or at the text's end), past the span.
    fn code_holds(&mut self, span: Span) -> bool {
        self.lines_through(span.end);
        self.body.in_code(span) || self.fence.is_some_and(|(_, _, from)| from <= span.start)
    }

    /// Finds every comment that opens at or before `at`. An opening inside code is no comment,
    /// but its text up to `-->` is skipped all the same.
    fn comments_through(&mut self, at: usize) {
        let bytes = self.text.as_bytes();
        while self.comment_search <= at {
            // An opening at or before `at` ends within three bytes of it.
            let window = &bytes[self.comment_search..(at + 4).min(bytes.len())];
            let Some(found) = COMMENT_OPEN.find(window) else {
                self.comment_search = at + 1;
                return;
            };
            let open = self.comment_search + found;
            let Some(close) = COMMENT_CLOSE.find(&bytes[open + 4..]) else {
                // Nothing after an opening never closed is a comment.
                self.comment_search = usize::MAX;
                return;
            };
            let end = open + 4 + close + 3;
            if !self.code_holds(Span::new(open, open)) {
                self.body.html_comments.push(HtmlComment {
                    span: Span::new(open, end),
                    text: self.text[open + 4..open + 4 + close].trim().to_owned(),
                });
            }
            self.comment_search = end;
        }
    }

    /// The outline of everything that starts before `end`: code blocks that open before it are
    /// read to their close.
    pub fn finish_before(mut self, end: usize) -> Body {
        let last = end.saturating_sub(1);
        self.lines_through(last);
        while self.fence.is_some() {
            self.lines_through(self.line);
        }
        self.comments_through(last);
        self.body
    }
}

impl OutlineView for OutlineScan<'_> {
    fn in_code(&mut self, span: Span) -> bool {
        self.code_holds(span)
    }

    fn in_code_or_comment(&mut self, span: Span) -> bool {
        if self.code_holds(span) {
            return true;
        }
        self.comments_through(span.start);
        self.body
            .html_comments
            .iter()
            .any(|c| c.span.contains(span))
    }

    fn first_heading(&mut self) -> Option<&Heading> {
        let bytes = self.text.as_bytes();
        // Only a line that starts with `#` after at most three spaces can be a heading: lines
        // are read up to each such line until one is (most bodies have none to find).
        let mut search = self.line;
        while self.body.headings.is_empty() {
            let Some(found) = memchr::memchr(b'#', &bytes[search..]) else {
                break;
            };
            let at = search + found;
            search = at + 1;
            if at < self.line {
                continue;
            }
            // Back over at most three spaces (never further: a long line of `#` stays linear).
            let mut start = at;
            while start > self.body.span.start && at - start < 4 && bytes[start - 1] == b' ' {
                start -= 1;
            }
            let starts_line = start == self.body.span.start || bytes[start - 1] == b'\n';
            if at - start <= 3 && starts_line {
                self.lines_through(at);
            }
        }
        self.body.headings.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::body::parse;

    #[test]
    fn the_outline_agrees_with_the_parser_on_code_comments_and_headings() {
        let text = "# 第 1 期 #\n\ntext <!-- postlint-disable-next-line a -->\n\n```md\n# not a heading\n<!-- not a comment -->\n```\n\n## Two\n\n~~~~\ncode\n~~~~\n";
        let (full, outline) = (parse(text, 0), outline(text, 0));
        assert_eq!(outline.code, full.code);
        assert_eq!(outline.html_comments, full.html_comments);
        let headings = |b: &Body| {
            b.headings
                .iter()
                .map(|h| (h.level, h.text.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(headings(&outline), headings(&full));
        assert_eq!(outline.headings[0].text, "第 1 期");
    }

    /// Bodies whose code, comments and headings interleave.
    const BODIES: [&str; 5] = [
        "a # b\n    # four spaces\n```\n# in code\n```\n  ## real #\n# later\n",
        "# 一\n\n```\n<!-- in code\n```\n text -->\n<!-- c1 -->x<!-- c2\n-->\n## 二\n~~~\n# no\n~~~\n",
        "<!-- a --> ```\n```x\n```\n# 三\n    ```\n<!--\n```",
        "~~~\n<!-- never -->\n",
        "## h\r\n```\r\ncode\r\n```\r\n<!-- c -->\r\n",
    ];

    #[test]
    fn a_scan_asked_anything_finds_the_start_of_the_whole_outline() {
        for text in BODIES {
            // The body from its first byte, and from its second line (as after front matter).
            let second_line = text.find('\n').map_or(0, |i| i + 1);
            for start in [0, second_line] {
                let whole = outline(text, start);
                for asked in start..=text.len() {
                    // Questions near the start, at `asked`, and far on, in either order.
                    let spans = [
                        Span::new(asked, text.len().min(asked + 3)),
                        Span::new(start.max(asked / 2), asked),
                        Span::new(asked, text.len()),
                    ];
                    for reversed in [false, true] {
                        let mut scan = OutlineScan::new(text, start);
                        let mut order: Vec<&Span> = spans.iter().collect();
                        if reversed {
                            order.reverse();
                            assert_eq!(scan.first_heading(), whole.headings.first());
                        }
                        for &span in order {
                            let answers = (scan.in_code(span), scan.in_code_or_comment(span));
                            let eager = (whole.in_code(span), whole.in_code_or_comment(span));
                            assert_eq!(answers, eager, "{text:?} from {start}, asked {span:?}");
                        }
                        assert_eq!(scan.first_heading(), whole.headings.first());
                        for cut in start..=text.len() {
                            assert_holds_what_starts_before(&scan, &whole, cut, text);
                        }
                    }
                }
            }
        }
    }

    /// What `scan` finds when finished before `cut` is where `whole` starts, and holds every
    /// block, comment and heading of `whole` that starts before the cut.
    fn assert_holds_what_starts_before(
        scan: &OutlineScan<'_>,
        whole: &Body,
        cut: usize,
        text: &str,
    ) {
        let part = scan.clone().finish_before(cut);
        let holds = |part: &[Span], all: &[Span]| {
            all.starts_with(part) && all.iter().all(|s| s.start >= cut || part.contains(s))
        };
        assert!(holds(&part.code, &whole.code), "{text:?} cut at {cut}");
        let comments = |b: &Body| b.html_comments.iter().map(|c| c.span).collect::<Vec<_>>();
        assert!(
            holds(&comments(&part), &comments(whole)),
            "{text:?} cut at {cut}"
        );
        let headings = |b: &Body| b.headings.iter().map(|h| h.span).collect::<Vec<_>>();
        assert!(
            holds(&headings(&part), &headings(whole)),
            "{text:?} cut at {cut}"
        );
    }
}

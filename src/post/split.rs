//! Finds the front-matter block (`---` YAML or `+++` TOML) at the top of a file.
//!
//! Own code rather than a crate: we need byte offsets of both fences, CRLF kept as is, a BOM
//! skipped, and an unclosed block reported instead of silently read as body (DESIGN.md §4).

use crate::diagnostic::Span;

/// The language of a front-matter block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

/// Where the front matter and the body of one file are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Split {
    /// No front matter: the body starts after the BOM, if any.
    None { body_start: usize },
    /// A closed block; `content` is the text between the fence lines.
    Closed {
        format: Format,
        open_fence: Span,
        content: Span,
        close_fence: Span,
        body_start: usize,
    },
    /// An opening fence that no closing fence matches: the rest of the file is unusable.
    Unclosed { format: Format, open_fence: Span },
}

const BOM: &str = "\u{feff}";

/// Splits `text` into front matter and body.
pub fn split(text: &str) -> Split {
    let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let mut lines = Lines { text, pos: start };
    let Some(first) = lines.next() else {
        return Split::None { body_start: start };
    };
    let format = match first.content(text).trim_end_matches([' ', '\t']) {
        "---" => Format::Yaml,
        "+++" => Format::Toml,
        _ => return Split::None { body_start: start },
    };
    let open_fence = Span::new(first.start, first.content_end);
    let content_start = first.end;
    for line in lines {
        let stripped = line.content(text).trim_end_matches([' ', '\t']);
        let closes = match format {
            Format::Yaml => stripped == "---" || stripped == "...",
            Format::Toml => stripped == "+++",
        };
        if closes {
            return Split::Closed {
                format,
                open_fence,
                content: Span::new(content_start, line.start),
                close_fence: Span::new(line.start, line.content_end),
                body_start: line.end,
            };
        }
    }
    Split::Unclosed { format, open_fence }
}

/// One line: `start..content_end` is its text, `end` is past its line ending.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

impl Line {
    fn content(self, text: &str) -> &str {
        &text[self.start..self.content_end]
    }
}

struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text.as_bytes()[start..];
        let (content_end, end) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) if i > 0 && rest[i - 1] == b'\r' => (start + i - 1, start + i + 1),
            Some(i) => (start + i, start + i + 1),
            None => (self.text.len(), self.text.len()),
        };
        self.pos = end;
        Some(Line {
            start,
            content_end,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(text: &str) -> (Format, &str, &str, &str) {
        match split(text) {
            Split::Closed {
                format,
                open_fence,
                content,
                close_fence,
                body_start,
            } => (
                format,
                &text[open_fence.range()],
                &text[content.range()],
                &text[close_fence.start..body_start.max(close_fence.end)],
            ),
            other => panic!("expected a closed block, got {other:?}"),
        }
    }

    #[test]
    fn yaml_block_with_lf() {
        let (format, open, content, close) = closed("---\ntitle: a\n---\nbody\n");
        assert_eq!(format, Format::Yaml);
        assert_eq!(open, "---");
        assert_eq!(content, "title: a\n");
        assert_eq!(close, "---\n");
    }

    #[test]
    fn crlf_and_bom_keep_exact_offsets() {
        let text = "\u{feff}---\r\ntitle: a\r\n...\r\nbody";
        let Split::Closed {
            open_fence,
            content,
            body_start,
            ..
        } = split(text)
        else {
            panic!()
        };
        assert_eq!(open_fence, Span::new(3, 6));
        assert_eq!(&text[content.range()], "title: a\r\n");
        assert_eq!(&text[body_start..], "body");
    }

    #[test]
    fn toml_block() {
        let (format, _, content, _) = closed("+++\ntitle = 'a'\n+++\n");
        assert_eq!(format, Format::Toml);
        assert_eq!(content, "title = 'a'\n");
    }

    #[test]
    fn empty_block() {
        let (_, _, content, _) = closed("---\n---\n");
        assert_eq!(content, "");
    }

    #[test]
    fn unclosed_block_points_at_the_opening_fence() {
        assert_eq!(
            split("---\ntitle: a\nbody\n"),
            Split::Unclosed {
                format: Format::Yaml,
                open_fence: Span::new(0, 3)
            }
        );
    }

    #[test]
    fn no_front_matter_when_the_first_line_is_not_a_fence() {
        assert_eq!(
            split("# title\n\n---\n\ntext\n"),
            Split::None { body_start: 0 }
        );
        assert_eq!(split("----\nx\n----\n"), Split::None { body_start: 0 });
        assert_eq!(split(""), Split::None { body_start: 0 });
        assert_eq!(split("\u{feff}"), Split::None { body_start: 3 });
    }

    #[test]
    fn a_thematic_break_in_the_body_ends_nothing() {
        let text = "---\na: 1\n---\ntext\n\n---\n\nmore\n";
        let Split::Closed { body_start, .. } = split(text) else {
            panic!()
        };
        assert_eq!(&text[body_start..], "text\n\n---\n\nmore\n");
    }
}

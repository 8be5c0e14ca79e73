//! Byte offsets to 1-based lines and character columns.

/// The start of the `\n`-ended line holding byte `at` of `text`, found without an index.
pub fn start_of_line(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1)
}

/// Start offset of every line of one file; `\r\n`, `\n` and a lone `\r` end a line.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = Vec::with_capacity(bytes.len() / 40 + 1);
        starts.push(0);
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // `\r\n` ends the line at the `\n`; a lone `\r` ends it by itself.
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    /// Line and column of `offset` in `text`; an offset inside a character counts as that character.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        self.position(text, offset, |_| 1)
    }

    /// Line and column of `offset` with the column in UTF-16 code units (LSP positions).
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> LineCol {
        self.position(text, offset, char::len_utf16)
    }

    /// The line of `offset` and its column, counting each character before it as `width` says.
    fn position(&self, text: &str, offset: usize, width: impl Fn(char) -> usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        // Editors do not show a byte-order mark: it takes no column.
        let start = if line == 0 && text.starts_with('\u{feff}') {
            3
        } else {
            self.starts[line]
        };
        let column: usize = text
            .get(start..)
            .map(|rest| {
                rest.char_indices()
                    .take_while(|(i, _)| start + i < offset)
                    .map(|(_, c)| width(c))
                    .sum()
            })
            .unwrap_or(0);
        LineCol {
            line: line + 1,
            column: column + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_after_chinese_text() {
        let text = "标题\n你好 world\r\nx";
        let index = LineIndex::new(text);
        let w = text.find("world").unwrap();
        assert_eq!(index.line_col(text, w), LineCol { line: 2, column: 4 });
        assert_eq!(
            index.line_col(text, text.len() - 1),
            LineCol { line: 3, column: 1 }
        );
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "😀x";
        let index = LineIndex::new(text);
        assert_eq!(
            index.line_col_utf16(text, 4),
            LineCol { line: 1, column: 3 }
        );
        assert_eq!(index.line_col(text, 4), LineCol { line: 1, column: 2 });
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let text = "\u{feff}ab";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 3), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 4), LineCol { line: 1, column: 2 });
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn lone_carriage_return_ends_a_line() {
        let index = LineIndex::new("a\rb\r\nc\n");
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_of(2), 1);
        assert_eq!(index.line_of(5), 2);
    }
}

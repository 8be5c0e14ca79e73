//! Inline suppression comments: `<!-- postlint-disable… -->` in the body, `# postlint-disable-line`
//! in YAML front matter.

use crate::diagnostic::Span;
use crate::post::{Format, Post};

/// What a directive switches off, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectiveKind {
    /// The line after the comment.
    NextLine,
    /// The comment's own line.
    Line,
    /// From the comment until a matching `enable` (or the end of the file).
    Disable,
    Enable,
    /// The whole file.
    File,
}

/// One suppression comment; an empty rule list means every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub kind: DirectiveKind,
    /// The comment.
    pub span: Span,
    /// Each rule name with its span.
    pub rules: Vec<(String, Span)>,
}

const PREFIXES: [(&str, DirectiveKind); 5] = [
    ("postlint-disable-next-line", DirectiveKind::NextLine),
    ("postlint-disable-line", DirectiveKind::Line),
    ("postlint-disable-file", DirectiveKind::File),
    ("postlint-disable", DirectiveKind::Disable),
    ("postlint-enable", DirectiveKind::Enable),
];

/// Every directive of a post in source order: YAML comments first, then body comments.
pub fn directives(post: &Post) -> Vec<Directive> {
    let mut found = Vec::new();
    // Only lines holding a `#` can hold a comment: the lines are found from the `#`s (a title
    // such as `一颗小树 #532` has one), not by walking every line of every post.
    if let Some(fm) = post
        .front_matter
        .as_ref()
        .filter(|fm| fm.format == Format::Yaml)
    {
        let text = &post.source[fm.content.range()];
        for (start, line) in lines_with_hash(text, fm.content.start) {
            if let Some(hash) = yaml_comment_start(line) {
                parse_directive(
                    &line[hash + 1..],
                    start + hash + 1,
                    Span::new(start + hash, start + line.len()),
                    &mut found,
                );
            }
        }
    }
    for comment in &post.body.html_comments {
        let raw = &post.source[comment.span.range()];
        let inner_start = comment.span.start + 4;
        let inner = &raw[4..raw.len() - 3];
        parse_directive(inner, inner_start, comment.span, &mut found);
    }
    found
}

/// The lines of `text` holding a `#` (each once, without its line break), with their offsets
/// (`text` starts at `offset`).
fn lines_with_hash(text: &str, offset: usize) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut next_line = 0;
    memchr::memchr_iter(b'#', bytes).filter_map(move |hash| {
        if hash < next_line {
            return None;
        }
        let start = memchr::memrchr(b'\n', &bytes[..hash]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[hash..]).map_or(bytes.len(), |i| hash + i);
        next_line = end + 1;
        Some((
            offset + start,
            text[start..end].trim_end_matches(['\n', '\r']),
        ))
    })
}

/// Where a YAML comment starts: a `#` at the line start or after white space, outside quotes.
fn yaml_comment_start(line: &str) -> Option<usize> {
    // Most lines hold no `#`: found without walking their characters.
    memchr::memchr(b'#', line.as_bytes())?;
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') if prev == ' ' || prev == '\t' => return Some(i),
            (None, '"' | '\'')
                if prev == ' ' || prev == ':' || prev == '-' || prev == '[' || prev == ',' =>
            {
                quote = Some(c)
            }
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        prev = c;
    }
    None
}

/// Parses `postlint-KIND rule rule…` in `text` (which starts at byte `offset`).
fn parse_directive(text: &str, offset: usize, span: Span, out: &mut Vec<Directive>) {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    let Some((prefix, kind)) = PREFIXES.iter().find(|(p, _)| trimmed.starts_with(p)) else {
        return;
    };
    let rest = &trimmed[prefix.len()..];
    // `postlint-disable-lines` is not a directive: the keyword must end here.
    if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return;
    }
    let rest_offset = offset + lead + prefix.len();
    let mut rules = Vec::new();
    let mut pos = 0;
    for word in rest.split(|c: char| c.is_whitespace() || c == ',') {
        let at = rest[pos..].find(word).map_or(pos, |i| pos + i);
        pos = at + word.len();
        // `-- reason` ends the rule list, as in ESLint.
        if word == "--" {
            break;
        }
        if word.is_empty() {
            continue;
        }
        rules.push((
            word.to_owned(),
            Span::new(rest_offset + at, rest_offset + at + word.len()),
        ));
    }
    out.push(Directive {
        kind: *kind,
        span,
        rules,
    });
}

/// Answers whether a finding of a rule at an offset is switched off in one post.
pub struct Suppressions<'a> {
    post: &'a Post,
    directives: Vec<Directive>,
}

impl<'a> Suppressions<'a> {
    pub fn new(post: &'a Post) -> Self {
        Suppressions::with_directives(post, directives(post))
    }

    /// Suppressions from `directives` found earlier in `post` (by a fuller parse of it).
    pub fn with_directives(post: &'a Post, mut directives: Vec<Directive>) -> Self {
        // A file changed during the run keeps the text first loaded, which may end before them
        // (a whole-file directive holds wherever it stands).
        directives.retain(|d| d.kind == DirectiveKind::File || d.span.end <= post.source.len());
        Suppressions { post, directives }
    }

    pub fn is_suppressed(&self, rule: &str, at: usize) -> bool {
        let names = |d: &Directive| d.rules.is_empty() || d.rules.iter().any(|(r, _)| r == rule);
        let line = self.post.lines().line_of(at);
        let mut disabled = false;
        for directive in &self.directives {
            if !names(directive) {
                continue;
            }
            let first = self.post.lines().line_of(directive.span.start);
            let last = self.post.lines().line_of(
                directive
                    .span
                    .end
                    .saturating_sub(1)
                    .max(directive.span.start),
            );
            match directive.kind {
                DirectiveKind::File => return true,
                DirectiveKind::Line if (first..=last).contains(&line) => return true,
                DirectiveKind::NextLine if line == last + 1 => return true,
                DirectiveKind::Disable if directive.span.start <= at => disabled = true,
                DirectiveKind::Enable if directive.span.start <= at => disabled = false,
                _ => {}
            }
        }
        disabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_lines_holding_a_hash_are_each_line_that_holds_one(
            pieces in proptest::collection::vec(
                proptest::sample::select(&["a", "#", "\n", "\r\n", "\r", " ", "精"][..]),
                0..24,
            ),
        ) {
            let text = pieces.concat();
            let mut pos = 0;
            let every_line: Vec<(usize, &str)> = text
                .split_inclusive('\n')
                .map(|raw| {
                    let start = pos;
                    pos += raw.len();
                    (7 + start, raw.trim_end_matches(['\n', '\r']))
                })
                .filter(|(_, line)| line.contains('#'))
                .collect();
            proptest::prop_assert_eq!(lines_with_hash(&text, 7).collect::<Vec<_>>(), every_line);
        }
    }

    #[test]
    fn a_line_holding_two_hashes_is_one_line() {
        // A case the property test above found against a wrong walk.
        assert_eq!(lines_with_hash("##", 0).collect::<Vec<_>>(), [(0, "##")]);
    }

    fn suppressed(text: &str, rule: &str, needle: &str) -> bool {
        let post = Post::parse("a.md", text);
        Suppressions::new(&post).is_suppressed(rule, text.find(needle).unwrap())
    }

    #[test]
    fn next_line_and_same_line() {
        let text =
            "<!-- postlint-disable-next-line a, b -->\nX\nY <!-- postlint-disable-line c -->\n";
        assert!(suppressed(text, "a", "X"));
        assert!(suppressed(text, "b", "X"));
        assert!(!suppressed(text, "c", "X"));
        assert!(!suppressed(text, "a", "Y"));
        assert!(suppressed(text, "c", "Y"));
    }

    #[test]
    fn disable_enable_ranges_and_all_rules() {
        let text = "A\n\n<!-- postlint-disable a -->\n\nB\n\n<!-- postlint-enable a -->\n\nC\n\n<!-- postlint-disable -->\n\nD\n";
        assert!(!suppressed(text, "a", "A"));
        assert!(suppressed(text, "a", "B"));
        assert!(!suppressed(text, "a", "C"));
        assert!(suppressed(text, "zzz", "D"));
    }

    #[test]
    fn file_wide() {
        assert!(suppressed(
            "X\n\n<!-- postlint-disable-file a -->\n",
            "a",
            "X"
        ));
    }

    #[test]
    fn directives_past_a_text_that_ends_early_count_only_when_file_wide() {
        // A file changed during a run is reported from the shorter text first loaded, with the
        // directives its longer text had.
        let whole = "X\n\n<!-- postlint-disable-line a -->\n<!-- postlint-disable-file b -->\n";
        let found = directives(&Post::parse("a.md", whole));
        let cut = Post::parse("a.md", "X\n");
        let suppressions = Suppressions::with_directives(&cut, found);
        assert!(!suppressions.is_suppressed("a", 0), "a line past the text");
        assert!(suppressions.is_suppressed("b", 0), "the whole file");
    }

    #[test]
    fn yaml_comment_disables_its_line() {
        let text = "---\ntitle: \"a # not\" # postlint-disable-line field-type\nslug: x\n---\n";
        assert!(suppressed(text, "field-type", "title"));
        assert!(!suppressed(text, "field-type", "slug"));
        let post = Post::parse("a.md", text);
        let d = &directives(&post)[0];
        assert_eq!(&text[d.rules[0].1.range()], "field-type");
    }

    #[test]
    fn comments_in_code_are_ignored() {
        let text = "```\n<!-- postlint-disable-file -->\n```\nX\n";
        assert!(!suppressed(text, "a", "X"));
    }
}

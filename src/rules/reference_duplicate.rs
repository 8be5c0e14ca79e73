//! `reference-duplicate`: the same reference label defined twice.

use std::collections::HashMap;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use regex::Regex;

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::{Diagnostic, Span};
use crate::post::body::normalize_label;

declare_rule! {
    /// Reports a second `[label]: url` for a label already defined (CommonMark keeps the first).
    pub struct ReferenceDuplicate {
        name: "reference-duplicate",
        severity: Warning,
        category: "links",
        fixable: false,
        summary: "a reference label defined twice; only the first definition counts",
    }
}

/// A definition line: up to three spaces, `[label]:`.
static DEFINITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^ {0,3}\[([^\[\]\n]+)\]:[ \t]*\S").expect("valid regex"));

/// What every definition holds: a body with fewer than two cannot define a label twice.
static HINT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"]:"));

impl Rule for ReferenceDuplicate {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let post = ctx.post;
        let body = post.body.span;
        // A second definition needs a first, which the parser keeps: without one, lines shaped
        // like definitions are paragraph text (a definition cannot interrupt a paragraph).
        if post.body.ref_defs.is_empty() {
            return;
        }
        let text = &post.source[body.range()];
        let mut hints = HINT.find_iter(text.as_bytes());
        let (Some(first), Some(second)) = (hints.next(), hints.next()) else {
            return;
        };
        let hits: Vec<usize> = [first, second].into_iter().chain(hints).collect();
        // The parser keeps only the first definition of a label, so find them all in the text,
        // on the lines holding `]:` (a definition never spans lines).
        let mut first: HashMap<String, Span> = HashMap::new();
        let hidden = |start: usize, end: usize| {
            post.in_code_or_comment(Span::new(body.start + start, body.start + end))
        };
        for (line, c) in super::on_lines(&DEFINITION, text, &hits, hidden) {
            let label = c.get(1).unwrap();
            let (start, end) = (
                body.start + line + label.start(),
                body.start + line + label.end(),
            );
            let span = Span::new(start - 1, end + 2);
            if post.in_code_or_comment(span) {
                continue;
            }
            let key = normalize_label(label.as_str());
            match first.get(&key) {
                None => {
                    first.insert(key, span);
                }
                Some(&earlier) => out.push(
                    Diagnostic::new(
                        &Self::META,
                        post.path(),
                        span,
                        format!("reference `[{}]` is defined twice", label.as_str()),
                    )
                    .with_secondary(earlier, "first defined here; this one wins")
                    .with_help("remove one definition, or give this one another label"),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<Diagnostic> {
        crate::rules::body_findings(&ReferenceDuplicate, text)
    }

    #[test]
    fn a_label_defined_again_is_reported_at_its_second_definition() {
        let found = found("See [a].\n\n[a]: https://a.cn\n[A]: https://b.cn\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].message, "reference `[A]` is defined twice");
        assert_eq!(found[0].span, Span::new(28, 32));
    }

    #[test]
    fn lines_shaped_like_definitions_inside_a_paragraph_are_text() {
        // Neither line defines anything: a definition cannot interrupt a paragraph.
        assert!(found("Some text\n[a]: https://a.cn\n[a]: https://b.cn\n").is_empty());
    }
}

//! `link-syntax`: Markdown meant as a link that does not render as one, or renders wrong.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use regex::Regex;

use super::{BodyContext, Rule, declare_rule};
use crate::config::did_you_mean;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity, Span};
use crate::post::body::{Link, LinkKind, normalize_label};
use crate::urls::{self, Gravity};

declare_rule! {
    /// Reports reversed links, a space before `(`, spaces in destinations, undefined references,
    /// empty destinations, malformed or dangerous URLs, and `Text(https://…)` pseudo-links.
    pub struct LinkSyntax {
        name: "link-syntax",
        severity: Error,
        category: "links",
        fixable: true,
        summary: "a link that does not render as one: `(text)[url]`, `[text] (url)`, `[x](a b)`, `[t][nope]`, `htps://`",
    }
}

/// `(text)[url]`
static REVERSED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(([^()\n]+)\)\[([^\[\]\n]+)\]").expect("valid regex"));
/// `[text] (url)`
static SPACED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\[\]\n]+)\][ \t]+\(([^()\s]+)\)").expect("valid regex"));
/// `[text](https://a.com/a b)`
static SPACE_IN_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([^\[\]\n]*)\]\(([^()\s<>]+)([ \t]+[^()\n]*?)\)").expect("valid regex")
});
/// `Kimi(https://kimi.moonshot.cn/)`
static PSEUDO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]\((https?://[^\s()]+)\)").expect("valid regex"));
static PSEUDO_HINT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"(http"));

/// Where a match of each line-bound pattern may lie, found in one pass over the body: most
/// posts hold none of these shapes, and the regexes then run only on the lines that might.
#[derive(Default)]
struct Hints {
    /// `)[`, which every [`REVERSED`] match holds.
    reversed: Vec<usize>,
    /// `] ` or `]\t`, which every [`SPACED`] match holds.
    spaced: Vec<usize>,
    /// `](`, a destination, then a space or tab, as every [`SPACE_IN_URL`] match holds.
    space_in_url: Vec<usize>,
}

impl Hints {
    /// The hints in `text`, a body starting at byte `offset` of the file whose `links` (in
    /// source order) the parser found.
    fn of(text: &[u8], offset: usize, links: &[Link]) -> Hints {
        let mut hints = Hints::default();
        let mut from = 0;
        for (start, end) in bracketed_runs(links, offset) {
            hints.scan(text, from, start.min(text.len()));
            // A link's last byte may close a `(url)` that a `[` follows.
            from = from.max(end.saturating_sub(1));
        }
        hints.scan(text, from, text.len());
        hints
    }

    /// Adds the hints at the `]` and `)` of `text[from..to]` (the bytes after them may lie
    /// past `to`).
    fn scan(&mut self, text: &[u8], from: usize, to: usize) {
        let Some(region) = text.get(from..to) else {
            return;
        };
        for at in memchr::memchr2_iter(b']', b')', region).map(|at| from + at) {
            match (text[at], text.get(at + 1)) {
                (b')', Some(b'[')) => self.reversed.push(at),
                (b']', Some(b' ' | b'\t')) => self.spaced.push(at),
                (b']', Some(b'(')) if space_after_destination(&text[at + 2..]) => {
                    self.space_in_url.push(at);
                }
                _ => {}
            }
        }
    }
}

/// The stretches of a body (starting at byte `offset` of its file) that links starting with
/// `[` or `![` cover, overlapping links joined, in order: no hint inside one but at its last
/// byte can lead to a finding. A match through a `]` inside a link starts at a `[` inside it
/// too (the link's own `[` lies before), and so does the link text a `)[` inside it leads to;
/// the rule skips both. Scanning every link's destination was most of this rule's time.
fn bracketed_runs(links: &[Link], offset: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut spans = links
        .iter()
        .filter(|l| {
            !matches!(
                l.kind,
                LinkKind::Autolink | LinkKind::Email | LinkKind::Html
            )
        })
        .map(move |l| {
            (
                l.span.start.saturating_sub(offset),
                l.span.end.saturating_sub(offset),
            )
        })
        .peekable();
    std::iter::from_fn(move || {
        let (start, mut end) = spans.next()?;
        // Links come in order of their starts; one starting inside another (an image in a
        // link's text) joins it.
        while let Some((_, next_end)) = spans.next_if(|&(next_start, _)| next_start < end) {
            end = end.max(next_end);
        }
        Some((start, end))
    })
}

/// Whether `rest` starts with a destination (no brackets, `<>` or white space) and a space or tab.
fn space_after_destination(rest: &[u8]) -> bool {
    let run = rest
        .iter()
        .take_while(|b| !matches!(b, b'(' | b')' | b'<' | b'>') && !b.is_ascii_whitespace())
        .count();
    run > 0 && matches!(rest.get(run), Some(b' ' | b'\t'))
}

impl Rule for LinkSyntax {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let post = ctx.post;
        let source = &post.source;
        let body = &post.body;
        let path = post.path();
        let in_link = |span: Span| {
            body.links
                .iter()
                .any(|l| l.span.start <= span.start && span.start < l.span.end)
        };
        let outside = |span: Span| !post.in_code_or_comment(span);
        let text = &source[body.span.range()];
        // A match on the line starting at `line` of the body, as a span of the file.
        let at = |line: usize, m: regex::Match<'_>| {
            let start = body.span.start + line;
            Span::new(start + m.start(), start + m.end())
        };
        let hints = Hints::of(text.as_bytes(), body.span.start, &body.links);
        // A line of a code block (or a comment): every match on it would be skipped.
        let hidden = |start: usize, end: usize| {
            let line = Span::new(body.span.start + start, body.span.start + end);
            post.in_code_or_comment(line)
        };
        let mut reversed_labels = Vec::new();

        for (line, c) in super::on_lines(&REVERSED, text, &hints.reversed, hidden) {
            let at = |m| at(line, m);
            let (whole, label, target) = (at(c.get(0).unwrap()), &c[1], &c[2]);
            if !outside(whole)
                || in_link(at(c.get(2).unwrap()))
                || !urls::looks_like_url_or_path(target)
            {
                continue;
            }
            reversed_labels.push(at(c.get(2).unwrap()).start - 1);
            let replacement = format!("[{label}]({target})");
            out.push(
                Diagnostic::new(
                    &Self::META,
                    path,
                    whole,
                    format!("link written backwards: `({label})[{target}]` renders as plain text"),
                )
                .with_help(format!("write `{replacement}`"))
                .with_fix(Fix {
                    applicability: Applicability::Safe,
                    message: "swap the brackets".into(),
                    edits: vec![Edit {
                        span: whole,
                        replacement,
                    }],
                }),
            );
        }
        for (line, c) in super::on_lines(&SPACED, text, &hints.spaced, hidden) {
            let whole = at(line, c.get(0).unwrap());
            if !outside(whole) || in_link(whole) || !urls::looks_like_url_or_path(&c[2]) {
                continue;
            }
            let replacement = format!("[{}]({})", &c[1], &c[2]);
            out.push(
                Diagnostic::new(
                    &Self::META,
                    path,
                    whole,
                    "space between `]` and `(`: this renders as text, not a link",
                )
                .with_help(format!("write `{replacement}`"))
                .with_fix(Fix {
                    applicability: Applicability::Safe,
                    message: "remove the space".into(),
                    edits: vec![Edit {
                        span: whole,
                        replacement,
                    }],
                }),
            );
        }
        for (line, c) in super::on_lines(&SPACE_IN_URL, text, &hints.space_in_url, hidden) {
            let at = |m| at(line, m);
            let whole = at(c.get(0).unwrap());
            let rest = c[3].trim_start();
            if !outside(whole) || in_link(whole) || rest.starts_with(['"', '\'', '(']) {
                continue;
            }
            let destination = Span::new(at(c.get(2).unwrap()).start, at(c.get(3).unwrap()).end);
            out.push(
                Diagnostic::new(
                    &Self::META,
                    path,
                    destination,
                    "space in a link destination: this renders as text, not a link",
                )
                .with_help(format!(
                    "encode the space as `%20`, or wrap the destination in `<…>`: `[{}](<{}>)`",
                    &c[1],
                    &source[destination.range()]
                ))
                .with_fix(Fix {
                    applicability: Applicability::Safe,
                    message: "encode the spaces as `%20`".into(),
                    edits: vec![Edit {
                        span: destination,
                        replacement: source[destination.range()]
                            .trim_end()
                            .replace([' ', '\t'], "%20"),
                    }],
                }),
            );
        }

        for unresolved in &body.unresolved_refs {
            let label = unresolved.label.trim();
            let meant_as_link = match unresolved.kind {
                LinkKind::Shortcut => {
                    urls::looks_like_url_or_path(label)
                        && !reversed_labels.contains(&unresolved.span.start)
                }
                _ => true,
            };
            if !meant_as_link || label.starts_with('^') || !outside(unresolved.span) {
                continue;
            }
            let defined = body.ref_defs.iter().map(|d| d.label.as_str());
            let help = match did_you_mean(&normalize_label(label), defined) {
                Some(known) => format!("did you mean `[{known}]`?"),
                None => format!(
                    "define it: a line `[{label}]: https://…`, or write an inline link `[text](url)`"
                ),
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    path,
                    unresolved.span,
                    format!("reference `[{label}]` is not defined: this renders as text"),
                )
                .with_help(help),
            );
        }

        for link in &body.links {
            let url = link.url(source);
            if link.kind == LinkKind::Inline && url.is_empty() {
                out.push(
                    Diagnostic::new(&Self::META, path, link.span, "empty link destination")
                        .with_help("put the URL between the parentheses, or remove the link"),
                );
                continue;
            }
            if matches!(link.kind, LinkKind::Email) {
                continue;
            }
            if let Some(problem) = urls::check(url, link.image) {
                let mut diagnostic =
                    Diagnostic::new(&Self::META, path, link.url_span, problem.message);
                if let Some(help) = problem.help {
                    diagnostic = diagnostic.with_help(help);
                }
                if problem.gravity == Gravity::Dangerous {
                    diagnostic = diagnostic.with_label("dangerous scheme");
                }
                out.push(diagnostic);
            }
        }
        // Definitions nobody uses still publish a broken URL nowhere; `reference-unused` says so.

        for &run in ctx.plain_text_with_http() {
            let run_text = &source[run.range()];
            if PSEUDO_HINT.find(run_text.as_bytes()).is_none() {
                continue;
            }
            for c in PSEUDO.captures_iter(run_text) {
                let m = c.get(0).unwrap();
                // The word glued to `(`: back up to its start.
                let before = &source[run.start..run.start + m.start() + 1];
                let word_start = before
                    .rfind(|ch: char| ch.is_whitespace() || "，。、；：！？（）()[]".contains(ch))
                    .map_or(run.start, |i| {
                        run.start + i + before[i..].chars().next().map_or(1, char::len_utf8)
                    });
                let span = Span::new(word_start, run.start + m.end());
                let word = &source[word_start..run.start + m.start() + 1];
                let url = &c[1];
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        path,
                        span,
                        format!("`{word}({url})` looks like a link but renders as text"),
                    )
                    .with_severity(Severity::Warning)
                    .with_help(format!("write `[{word}]({url})`"))
                    .with_fix(Fix {
                        applicability: Applicability::Unsafe,
                        message: "make it a link".into(),
                        edits: vec![Edit {
                            span,
                            replacement: format!("[{word}]({url})"),
                        }],
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_space_hint_holds_for_every_match() {
        // Every text the regex matches passes the hint (it may pass others).
        let pieces = [
            "[a]",
            "(",
            ")",
            "](",
            "x",
            " ",
            "\t",
            "\n",
            "<",
            ">",
            "　",
            "链接",
            "https://a.b/c",
        ];
        let mut matched = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let text = format!("[t]({a}{b}{c}{d})");
                        if SPACE_IN_URL.is_match(&text) {
                            matched += 1;
                            assert!(
                                !Hints::of(text.as_bytes(), 0, &[]).space_in_url.is_empty(),
                                "{text:?}"
                            );
                        }
                    }
                }
            }
        }
        assert!(matched > 100, "{matched}");
        assert!(
            Hints::of(b"[a](https://a.b/c) and [b](x)", 0, &[])
                .space_in_url
                .is_empty()
        );
        assert_eq!(Hints::of(b"[a](https://a.b/c d)", 0, &[]).space_in_url, [2]);
    }

    #[test]
    fn the_hints_skip_only_what_links_hold() {
        // Every match the rule would not skip for lying in a link keeps its hint; the links'
        // own destinations are not scanned.
        let pieces = [
            "[a]",
            "[",
            "]",
            "![i]",
            "(",
            ")",
            "](",
            "x y",
            "<https://a.b/c>",
            " ",
            "\"t\"",
            "[b](c)",
        ];
        let mut kept = [0; 3];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}[t](https://a.b/c {c}) [u](v){a}](w x){b}[d] (e){c}");
                    let post =
                        crate::post::Post::parse_with("a.md", &text, crate::post::Depth::Full);
                    let links = &post.body.links;
                    let in_link =
                        |at: usize| links.iter().any(|l| l.span.start <= at && at < l.span.end);
                    let hints = Hints::of(text.as_bytes(), 0, links);
                    let cases = [
                        (&REVERSED, &hints.reversed, 2),
                        (&SPACED, &hints.spaced, 0),
                        (&SPACE_IN_URL, &hints.space_in_url, 0),
                    ];
                    for (kind, (regex, found, skip_by)) in cases.into_iter().enumerate() {
                        for m in regex.captures_iter(&text) {
                            if in_link(m.get(skip_by).unwrap().start()) {
                                continue;
                            }
                            kept[kind] += 1;
                            // `)` before `[url]`; `]` after the text; `]` before `(url`.
                            let hint = match kind {
                                0 => m.get(2).unwrap().start() - 2,
                                1 => m.get(1).unwrap().end(),
                                _ => m.get(2).unwrap().start() - 2,
                            };
                            assert!(found.contains(&hint), "{text:?}: pattern {kind} at {hint}");
                        }
                    }
                }
            }
        }
        assert!(kept.iter().all(|&k| k > 100), "{kept:?}");
        let text = "[a](https://a.b/c \"t\") [b](c d)";
        let post = crate::post::Post::parse_with("a.md", text, crate::post::Depth::Full);
        assert_eq!(
            Hints::of(text.as_bytes(), 0, &post.body.links).space_in_url,
            [25]
        );
    }
}

//! `bare-url`: a URL written as plain text (markdownlint MD034).

use std::sync::LazyLock;

use regex::Regex;

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Span};

declare_rule! {
    /// Reports `https://…` in running text: CommonMark does not make it a link.
    pub struct BareUrl {
        name: "bare-url",
        severity: Info,
        category: "links",
        fixable: true,
        summary: "a URL written as plain text, which CommonMark renders unlinked",
    }
}

static BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"https?://[^\s<>()\[\]（）【】，。、；：！？「」]+").expect("valid regex")
});

// Every match holds `http`: the regex runs only on the plain-text runs that do
// (`BodyContext::plain_text_with_http`), most runs hold no URL.

impl Rule for BareUrl {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let source = &ctx.post.source;
        for &run in ctx.plain_text_with_http() {
            let text = &source[run.range()];
            for m in BARE.find_iter(text) {
                // Sentence punctuation after a URL is not part of it.
                let url = m
                    .as_str()
                    .trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '"']);
                let start = run.start + m.start();
                // `Kimi(https://…)` and `(text)[https://…]` are `link-syntax`'s business.
                if source[..start].ends_with(['(', '[']) {
                    continue;
                }
                let span = Span::new(start, start + url.len());
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        ctx.post.path(),
                        span,
                        format!("bare URL `{url}` is not a link"),
                    )
                    .with_help(format!("write `<{url}>` to make it one"))
                    .with_fix(Fix {
                        applicability: Applicability::Safe,
                        message: "wrap in `<…>`".into(),
                        edits: vec![Edit {
                            span,
                            replacement: format!("<{url}>"),
                        }],
                    }),
                );
            }
        }
    }
}

//! `link-empty-text`: a link with no text, which renders invisibly.

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;
use crate::post::body::LinkKind;

declare_rule! {
    /// Reports `[](https://…)`: a link nobody can see or click.
    pub struct LinkEmptyText {
        name: "link-empty-text",
        severity: Warning,
        category: "links",
        fixable: false,
        summary: "a link without text (`[](https://…)`), invisible on the page",
    }
}

impl Rule for LinkEmptyText {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let links = &ctx.post.body.links;
        for link in links
            .iter()
            .filter(|l| !l.image && l.kind != LinkKind::Html && !l.has_text)
        {
            // `[![alt](img)](url)`: the image is the link's content.
            if links
                .iter()
                .any(|other| other.image && link.span.contains(other.span))
            {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    link.span,
                    "link has no text: it renders invisibly",
                )
                .with_help("write the text readers should click between the brackets"),
            );
        }
    }
}

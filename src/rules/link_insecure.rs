//! `link-insecure`: an `http://` link or image where `https://` is the norm.

use std::collections::HashSet;

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Span};
use crate::urls;

declare_rule! {
    /// Reports `http://` links and images (localhost and reserved test hosts excepted).
    pub struct LinkInsecure {
        name: "link-insecure",
        severity: Info,
        category: "links",
        fixable: true,
        summary: "an `http://` link or image: browsers warn, and mixed content is blocked on https pages",
    }
}

impl Rule for LinkInsecure {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        // Reference links share their definition's URL: report it once.
        let mut seen = HashSet::new();
        for link in &ctx.post.body.links {
            let url = link.url(&ctx.post.source);
            if !urls::starts_with_ignore_case(url, "http://")
                || urls::is_local_host(url)
                || !seen.insert(link.url_span)
            {
                continue;
            }
            let what = if link.image { "image" } else { "link" };
            let scheme = Span::new(link.url_span.start, link.url_span.start + 4);
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    link.url_span,
                    format!("insecure {what}: `{url}`"),
                )
                .with_help("use `https://` if the site serves it")
                .with_fix(Fix {
                    applicability: Applicability::Unsafe,
                    message: "use https".into(),
                    edits: vec![Edit {
                        span: scheme,
                        replacement: "https".into(),
                    }],
                }),
            );
        }
    }
}

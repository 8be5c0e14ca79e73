//! `frontmatter-syntax`: front matter that does not parse.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports YAML/TOML syntax errors, duplicate keys, unclosed blocks and parser limits.
    pub struct FrontmatterSyntax {
        name: "frontmatter-syntax",
        severity: Error,
        category: "front-matter",
        fixable: false,
        summary: "front matter that does not parse: syntax errors, duplicate keys, an unclosed block",
    }
}

impl Rule for FrontmatterSyntax {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        for problem in &ctx.post.syntax {
            let mut diagnostic =
                Diagnostic::new(&Self::META, ctx.post.path(), problem.span, &problem.message);
            if let Some(help) = &problem.help {
                diagnostic = diagnostic.with_help(help);
            }
            if let Some(first) = problem.first {
                diagnostic = diagnostic
                    .with_label("defined again here")
                    .with_secondary(first, "first defined here");
            }
            out.push(diagnostic);
        }
    }
}

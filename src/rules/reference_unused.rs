//! `reference-unused`: a reference definition no link uses.

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;
use crate::post::body::normalize_label;

declare_rule! {
    /// Reports `[label]: url` lines that no `[text][label]`, `[label][]` or `[label]` refers to.
    pub struct ReferenceUnused {
        name: "reference-unused",
        severity: Warning,
        category: "links",
        fixable: false,
        summary: "a reference definition that no link uses",
    }
}

impl Rule for ReferenceUnused {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let body = &ctx.post.body;
        if body.ref_defs.is_empty() {
            return;
        }
        // Sorted, not hashed: a post holds a few references.
        let mut used: Vec<String> = body
            .links
            .iter()
            .filter(|l| !l.reference.is_empty())
            .map(|l| normalize_label(&l.reference))
            .collect();
        used.sort_unstable();
        for def in &body.ref_defs {
            if used.binary_search(&normalize_label(&def.label)).is_err() {
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        ctx.post.path(),
                        def.span,
                        format!("reference `[{}]` is defined but never used", def.label),
                    )
                    .with_help("remove the definition, or link to it with `[text][label]`"),
                );
            }
        }
    }
}

//! `reference-unused`: a reference definition no link uses.

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;
use crate::post::body::LabelIndex;

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
        // The links, by their reference labels (other links have none, which match nothing).
        let links = &body.links;
        let references = LabelIndex::new(links.len(), |i| &links[i].reference, body.ref_defs.len());
        for def in &body.ref_defs {
            if references.find(&def.label).is_none() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unused(text: &str) -> Vec<String> {
        let found = crate::rules::body_findings(&ReferenceUnused, text);
        found.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn labels_match_ignoring_case_and_spacing_however_many_there_are() {
        let few = "[a][Foo  Bar]\n\n[foo bar]: https://a.cn\n[baz]: https://b.cn\n";
        assert_eq!(unused(few), ["reference `[baz]` is defined but never used"]);
        // Past 64 pairs the labels are sorted and searched: the same answers.
        let mut many: String = (0..9).map(|i| format!("[t][L{i}] ")).collect();
        many.push_str("\n\n");
        many.extend((0..9).map(|i| format!("[l{i}]: https://a.cn/{i}\n")));
        many.push_str("[ΟΔΟΣ]: https://c.cn\n");
        assert_eq!(
            unused(&many),
            ["reference `[ΟΔΟΣ]` is defined but never used"]
        );
    }
}

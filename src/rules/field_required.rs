//! `field-required`: a field the collection's schema requires is absent.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports each required field missing from a post's front matter.
    pub struct FieldRequired {
        name: "field-required",
        severity: Error,
        category: "front-matter",
        fixable: false,
        summary: "a field the schema requires (`title`, `pubDatetime`, …) is missing",
    }
}

impl Rule for FieldRequired {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        // Without parsed front matter the missing block or the syntax error is the finding.
        let Some(fm) = ctx
            .post
            .front_matter
            .as_ref()
            .filter(|fm| fm.root.is_some())
        else {
            return;
        };
        // Keys are unique in parsed front matter (a duplicate is a syntax problem): when as many
        // declared entries are required as the schema requires, none is missing.
        let fields = &ctx.collection.schema.fields;
        let present = ctx.declared().iter().filter(|(_, f)| f.required).count();
        if present == fields.values().filter(|f| f.required).count() {
            return;
        }
        for (name, field) in fields {
            if field.required && fm.get(name).is_none() {
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        ctx.post.path(),
                        fm.open_fence,
                        format!("required field `{name}` is missing"),
                    )
                    .with_label(format!("`{name}` is missing from this front matter"))
                    .with_help(format!("add `{name}:` with {}", field.ty.describe())),
                );
            }
        }
    }
}

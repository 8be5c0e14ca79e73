//! `date-order`: a post modified before it was published.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports a modification date (`modDatetime`, `lastmod`, `updated`) earlier than the publication date.
    pub struct DateOrder {
        name: "date-order",
        severity: Warning,
        category: "date",
        fixable: false,
        summary: "the modification date is earlier than the publication date",
    }
}

impl Rule for DateOrder {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let (published_key, Some(modified_key)) = ctx.collection.preset.date_fields() else {
            return;
        };
        let dates = ctx.dates();
        let find = |key: &str| {
            dates
                .iter()
                .find(|d| d.key == key)
                .and_then(|d| d.parsed.as_ref().ok().map(|p| (d, p.timestamp())))
        };
        let (Some((published, published_at)), Some((modified, modified_at))) =
            (find(published_key), find(modified_key))
        else {
            return;
        };
        if modified_at < published_at {
            out.push(
                Diagnostic::new(&Self::META, ctx.post.path(), modified.entry.value.span, format!("`{modified_key}` ({}) is earlier than `{published_key}` ({})", modified.text, published.text))
                    .with_label("modified before it was published")
                    .with_secondary(published.entry.value.span, "published here")
                    .with_help(format!("`{modified_key}` is the date of the last change: it cannot precede `{published_key}`")),
            );
        }
    }
}

//! `field-empty`: a declared field that is present but empty.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::post::Value;

declare_rule! {
    /// Reports `postSlug: ""`, `title:` and `tags: []` where the schema wants a value.
    pub struct FieldEmpty {
        name: "field-empty",
        severity: Warning,
        category: "front-matter",
        fixable: false,
        summary: "a field present but empty (`postSlug: \"\"`, `title:`), an error when the field is required",
    }
}

impl Rule for FieldEmpty {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        for &(entry, field) in ctx.declared() {
            let empty = match &entry.value.value {
                Value::Null => true,
                Value::Str(s, _) => s.trim().is_empty(),
                // An empty list is a choice (no tags) unless the field is required.
                Value::List(items) => items.is_empty() && field.required,
                Value::Map(entries) => entries.is_empty() && field.required,
                _ => false,
            };
            if !empty || field.allow_empty {
                continue;
            }
            // An empty scalar has an empty span: point at the key instead.
            let span = if entry.value.span.is_empty() {
                entry.key_span
            } else {
                entry.value.span
            };
            let severity = if field.required {
                Severity::Error
            } else {
                Severity::Warning
            };
            let help = if field.required {
                format!("give `{}` {}", entry.key, field.ty.describe())
            } else {
                format!(
                    "give `{}` {}, or remove the line to use the default",
                    entry.key,
                    field.ty.describe()
                )
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    span,
                    format!("`{}` is empty", entry.key),
                )
                .with_severity(severity)
                .with_help(help),
            );
        }
    }
}

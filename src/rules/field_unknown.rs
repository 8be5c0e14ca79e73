//! `field-unknown`: a front-matter key the collection's schema does not declare.

use super::{PostContext, Rule, declare_rule};
use crate::config::did_you_mean;
use crate::diagnostic::Diagnostic;
use crate::schema::UnknownFields;

declare_rule! {
    /// Reports undeclared keys, with a did-you-mean for typos such as `pubDatetim`.
    pub struct FieldUnknown {
        name: "field-unknown",
        severity: Warning,
        category: "front-matter",
        fixable: false,
        summary: "a front-matter key the schema does not know, often a typo whose value is silently dropped",
    }
}

impl Rule for FieldUnknown {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let schema = &ctx.collection.schema;
        let UnknownFields::Report(severity) = schema.unknown else {
            return;
        };
        let Some(fm) = &ctx.post.front_matter else {
            return;
        };
        // The entries the schema declares are found once for every rule: when they are all the
        // entries, no key needs looking up again.
        if ctx.declared().len() == fm.entries().len() {
            return;
        }
        for entry in fm.entries() {
            if schema.fields.contains_key(entry.key.as_str()) {
                continue;
            }
            let help = match did_you_mean(&entry.key, schema.fields.keys().map(String::as_str)) {
                Some(known) => format!("did you mean `{known}`?"),
                None => format!(
                    "known fields: {}",
                    schema
                        .fields
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    entry.key_span,
                    format!("unknown field `{}`", entry.key),
                )
                .with_severity(severity)
                .with_help(help),
            );
        }
    }
}

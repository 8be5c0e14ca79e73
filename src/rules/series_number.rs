//! `series-number`: a series post whose number is missing, or whose sources disagree.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::series::{Found, Source};

declare_rule! {
    /// Compares every source of a series post's number (greeting, slug, file name, title, heading).
    pub struct SeriesNumber {
        name: "series-number",
        severity: Error,
        category: "series",
        fixable: true,
        summary: "a series post without a number, or whose greeting, slug, file name or title disagree",
    }
}

impl Rule for SeriesNumber {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let collection = ctx.collection;
        let Some(series) = &collection.series else {
            return;
        };
        let Some(member) = collection.member_of(ctx.index) else {
            return;
        };
        if let (Some(since), Some(n)) = (series.since, member.number)
            && n < since
        {
            return;
        }
        let path = ctx.post.path();
        for found in member.found.iter().filter(|f| f.number.is_none()) {
            let template = match found.source {
                Source::Slug => series.slug.as_ref(),
                Source::File => series.file.as_ref(),
                _ => None,
            };
            let Some(template) = template else { continue };
            let mut diagnostic = Diagnostic::new(
                &Self::META,
                path,
                found.span,
                format!(
                    "{} `{}` does not fit the series template `{}`",
                    found.source.describe(),
                    found.text,
                    template.text
                ),
            );
            if let Some(n) = member.number {
                diagnostic = diagnostic.with_help(format!("did you mean `{}`?", template.fill(n)));
            }
            out.push(diagnostic);
        }
        let Some(agreed) = member.number else {
            let Some(next) = collection.next_series_number() else {
                return;
            };
            let (span, message) = match series.greeting_without_number(ctx.post) {
                Some(span) => (
                    span,
                    format!(
                        "the greeting has no number: `{}`",
                        &ctx.post.source[span.range()]
                    ),
                ),
                None => (
                    ctx.post.head_span(),
                    "series post has no number in any of its sources".to_owned(),
                ),
            };
            out.push(
                Diagnostic::new(&Self::META, path, span, message)
                    .with_help(format!("the next free number is {next}")),
            );
            return;
        };
        let agreeing: Vec<&Found> = member
            .found
            .iter()
            .filter(|f| f.number == Some(agreed))
            .collect();
        for found in member
            .found
            .iter()
            .filter(|f| f.number.is_some_and(|n| n != agreed))
        {
            let others = agreeing
                .iter()
                .map(|f| f.source.describe())
                .collect::<Vec<_>>()
                .join(" and ");
            let verb = if agreeing.len() > 1 { "say" } else { "says" };
            let mut diagnostic = Diagnostic::new(
                &Self::META,
                path,
                found.span,
                format!(
                    "{} says {}, but {others} {verb} {agreed}",
                    found.source.describe(),
                    found.number.unwrap_or_default()
                ),
            )
            .with_label(format!(
                "{} says {}",
                found.source.describe(),
                found.number.unwrap_or_default()
            ))
            .with_help(format!(
                "use {agreed}, the number the other sources agree on"
            ));
            for other in member
                .found
                .iter()
                .filter(|f| f.source != found.source && f.number.is_some())
            {
                diagnostic = diagnostic.with_secondary(
                    other.span,
                    format!(
                        "{} says {}",
                        other.source.describe(),
                        other.number.unwrap_or_default()
                    ),
                );
            }
            // Rewriting the greeting's number is the only edit postlint can make for a source.
            if found.source == Source::Body && agreeing.len() > 1 {
                diagnostic = diagnostic.with_fix(Fix {
                    applicability: Applicability::Unsafe,
                    message: format!("write {agreed} in the greeting"),
                    edits: vec![Edit {
                        span: found.span,
                        replacement: agreed.to_string(),
                    }],
                });
            }
            out.push(diagnostic);
        }
    }
}

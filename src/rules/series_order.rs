//! `series-order`: duplicate numbers, gaps and dates out of order across a numbered series.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{CollectionContext, Rule, declare_rule};
use crate::collection::Member;
use crate::dates::{self, is_draft};
use crate::diagnostic::{Diagnostic, Span};
use crate::series::{Source, describe_runs};

declare_rule! {
    /// Checks the numbering of a series as a whole: each number once, none missing, dates rising.
    pub struct SeriesOrder {
        name: "series-order",
        severity: Error,
        category: "series",
        fixable: false,
        summary: "a series number used twice, missing numbers, or a later number dated before an earlier one",
    }
}

impl Rule for SeriesOrder {
    fn check_collection(&self, ctx: &CollectionContext<'_>, out: &mut Vec<Diagnostic>) {
        let collection = ctx.collection;
        let Some(series) = &collection.series else {
            return;
        };
        let mut by_number: BTreeMap<u64, Vec<&Member>> = BTreeMap::new();
        for member in collection.series_members() {
            if let Some(n) = member.number {
                by_number.entry(n).or_default().push(member);
            }
        }
        let post = |m: &Member| &collection.posts[m.index];
        // Where a member's number stands: the greeting if it has one, else the first source.
        let number_span = |m: &Member| {
            let with_number = |f: &&crate::series::Found| f.number == m.number;
            m.found
                .iter()
                .filter(with_number)
                .find(|f| f.source == Source::Body)
                .or_else(|| m.found.iter().find(with_number))
                .map_or(Span::new(0, 0), |f| f.span)
        };

        for (n, members) in by_number.iter().filter(|(_, m)| m.len() > 1) {
            for member in members {
                let others: Vec<&&Member> =
                    members.iter().filter(|o| o.index != member.index).collect();
                let mut diagnostic = Diagnostic::new(&Self::META, post(member).path(), number_span(member), format!("number {n} is used by {} other post{}", others.len(), if others.len() == 1 { "" } else { "s" }))
                    .with_help("a copied post usually kept its predecessor's number: give it the next free one");
                for other in others {
                    diagnostic = diagnostic.with_related(
                        post(other).path(),
                        number_span(other),
                        format!("number {n} is also used here"),
                    );
                }
                out.push(diagnostic);
            }
        }

        let mut expected = series.start;
        for (&n, members) in &by_number {
            let missing = series.missing(expected, n);
            if !missing.is_empty() {
                let first = members[0];
                let (word, verb) = if missing.len() == 1 && missing[0].start() == missing[0].end() {
                    ("number", "is")
                } else {
                    ("numbers", "are")
                };
                out.push(
                    Diagnostic::new(&Self::META, post(first).path(), number_span(first), format!("{word} {} {verb} missing before {n}", describe_runs(&missing)))
                        .with_severity(crate::diagnostic::Severity::Warning)
                        .with_help("publish the missing posts, fix this number, or list the gap in `allow-gaps` of the series"),
                );
            }
            expected = expected.max(n.saturating_add(1));
        }

        let numbered: Vec<(u64, &Member)> = by_number
            .iter()
            .flat_map(|(&n, members)| members.iter().map(move |m| (n, *m)))
            .collect();
        // (number, member, its publication date, when that is)
        // Dates are parsed on every core: a save in the editor reads thousands of them.
        let dated: Vec<(u64, &Member, dates::PostDate<'_>, jiff::Timestamp)> = numbered
            .into_par_iter()
            .filter(|(_, m)| !is_draft(post(m)))
            .filter_map(|(n, m)| {
                let date = dates::published(post(m), collection)?;
                let at = date.parsed.as_ref().ok()?.timestamp();
                Some((n, m, date, at))
            })
            .collect();
        for pair in dated.windows(2) {
            let [(prev_n, prev, prev_date, prev_at), (n, member, date, at)] = pair else {
                continue;
            };
            if prev_n < n && at < prev_at {
                out.push(
                    Diagnostic::new(&Self::META, post(member).path(), date.entry.value.span, format!("number {n} is dated {}, before number {prev_n} ({})", date.text, prev_date.text))
                        .with_help("numbers and dates should rise together: check which of the two dates is wrong")
                        .with_related(post(prev).path(), prev_date.entry.value.span, format!("number {prev_n} is dated {}", prev_date.text)),
                );
            }
        }
    }
}

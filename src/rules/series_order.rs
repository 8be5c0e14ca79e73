//! `series-order`: duplicate numbers, gaps and dates out of order across a numbered series.

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
        // Members by number, each number's members in the collection's order (a stable sort).
        let mut numbered: Vec<(u64, &Member)> = collection
            .series_members()
            .iter()
            .filter_map(|m| Some((m.number?, m)))
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        let by_number = || numbered.chunk_by(|(a, _), (b, _)| a == b);
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

        for members in by_number().filter(|m| m.len() > 1) {
            let n = members[0].0;
            for (_, member) in members {
                let others: Vec<&Member> = members
                    .iter()
                    .map(|(_, o)| *o)
                    .filter(|o| o.index != member.index)
                    .collect();
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
        for members in by_number() {
            let (n, first) = members[0];
            let missing = series.missing(expected, n);
            if !missing.is_empty() {
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

        // (number, member, when it was published): only the instants are kept, as the dates of
        // thousands of members are parsed on every save (on every core); the two dates of a
        // finding are read again.
        let published = dates::Published::of(collection);
        let dated: Vec<(u64, &Member, jiff::Timestamp)> = numbered
            .par_iter()
            .filter(|(_, m)| !is_draft(post(m)))
            .filter_map(|&(n, m)| {
                let at = published.date(post(m))?.parsed.ok()?.timestamp();
                Some((n, m, at))
            })
            .collect();
        for pair in dated.windows(2) {
            let [(prev_n, prev, prev_at), (n, member, at)] = pair else {
                continue;
            };
            if prev_n < n
                && at < prev_at
                && let Some(date) = published.date(post(member))
                && let Some(prev_date) = published.date(post(prev))
            {
                out.push(
                    Diagnostic::new(&Self::META, post(member).path(), date.entry.value.span, format!("number {n} is dated {}, before number {prev_n} ({})", date.text, prev_date.text))
                        .with_help("numbers and dates should rise together: check which of the two dates is wrong")
                        .with_related(post(prev).path(), prev_date.entry.value.span, format!("number {prev_n} is dated {}", prev_date.text)),
                );
            }
        }
    }
}

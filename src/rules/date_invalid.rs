//! `date-invalid`: a date field that cannot be parsed or cannot exist.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports impossible dates (`2024-02-30`) and formats the site does not accept (`2022/11/28`).
    pub struct DateInvalid {
        name: "date-invalid",
        severity: Error,
        category: "date",
        fixable: false,
        summary: "a date that cannot exist (`2024-02-30`) or is not in the accepted format (`2022/11/28`)",
    }
}

impl Rule for DateInvalid {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        for date in ctx.dates() {
            let Err(error) = &date.parsed else { continue };
            let help = match (&error.suggestion, &date.field.format) {
                (_, Some(format)) => format!("write the date in the format `{format}`"),
                (Some(suggestion), None) => format!("write `{}: {suggestion}`", date.key),
                (None, None) if error.impossible => {
                    "correct the date: that day or time does not exist in the calendar".to_owned()
                }
                (None, None) => {
                    "write an ISO 8601 date such as `2024-02-16` or `2024-02-16T08:17:52+08:00`"
                        .to_owned()
                }
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    date.entry.value.span,
                    format!(
                        "invalid date `{}` in `{}`: {}",
                        date.text, date.key, error.reason
                    ),
                )
                .with_help(help),
            );
        }
    }
}

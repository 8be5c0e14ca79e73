//! `date-filename`: a file name's date that disagrees with the post's publication date.

use jiff::civil::Date;

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports `2024-02-16-title.md` whose front-matter date falls on another day.
    pub struct DateFilename {
        name: "date-filename",
        severity: Warning,
        category: "date",
        fixable: false,
        summary: "the date in the file name differs from the publication date's day",
    }
}

impl Rule for DateFilename {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(file_day) = file_name_date(ctx.post.file_stem()) else {
            return;
        };
        let zone = &ctx.settings.site.timezone;
        if let Some(date) = ctx.published() {
            let Ok(parsed) = &date.parsed else { return };
            let day = parsed.day_in(zone);
            if day != file_day {
                let zone_name = ctx.settings.site.timezone_name.as_deref().unwrap_or("UTC");
                out.push(
                    Diagnostic::new(&Self::META, ctx.post.path(), date.entry.value.span, format!("`{}` falls on {day} ({zone_name}) but the file name says {file_day}", date.key))
                        .with_help("rename the file or correct the date; Jekyll and Hugo may take the date from the file name"),
                );
            }
        }
    }
}

/// `2024-02-16-title` or `2024-02-16` → that day.
fn file_name_date(stem: &str) -> Option<Date> {
    let head = stem.get(..10)?;
    if stem.len() > 10 && !stem[10..].starts_with(['-', '_', '.']) {
        return None;
    }
    // Only `YYYY-MM-DD` can parse: other names (`newsletter-99`) skip the parser and its error.
    if !crate::dates::iso_shaped(head) {
        return None;
    }
    head.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_file_names() {
        assert_eq!(
            file_name_date("2024-02-16-hello"),
            Some(Date::new(2024, 2, 16).unwrap())
        );
        assert_eq!(
            file_name_date("2016-02-16"),
            Some(Date::new(2016, 2, 16).unwrap())
        );
        assert_eq!(file_name_date("newsletter-99"), None);
        assert_eq!(file_name_date("2024-02-16x"), None);
    }
}

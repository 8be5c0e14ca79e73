//! `date-timezone`: a date-time without an offset, which site generators read as UTC.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::{PostContext, Rule, declare_rule};
use crate::dates::ParsedDate;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};

declare_rule! {
    /// Reports `2022-01-11 13:05:12`: without `+08:00` it is 13:05 in London, not in Shanghai.
    pub struct DateTimezone {
        name: "date-timezone",
        severity: Warning,
        category: "date",
        fixable: true,
        summary: "a date-time without a time zone offset, read as UTC by the site generator",
    }
}

impl Rule for DateTimezone {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let site = &ctx.settings.site;
        // AstroPaper v5 lets a post name its own zone.
        let post_zone = ctx
            .post
            .field("timezone")
            .and_then(|e| e.value.value.as_str())
            .and_then(|name| TimeZone::get(name).ok().map(|z| (name.to_owned(), z)));
        let (zone_name, zone) = post_zone.unwrap_or_else(|| {
            (
                site.timezone_name.clone().unwrap_or_else(|| "UTC".into()),
                site.timezone.clone(),
            )
        });
        for date in ctx.dates() {
            let Ok(ParsedDate::Civil(civil)) = &date.parsed else {
                continue;
            };
            let zone_known = site.timezone_name.is_some() || post_zone_set(ctx);
            // Only a zone the author configured is a fix; UTC would be a guess.
            let fix = with_offset(*civil, &zone)
                .filter(|_| zone_known)
                .map(|fixed| Fix {
                    applicability: Applicability::Unsafe,
                    message: format!("add the {zone_name} offset"),
                    edits: vec![Edit {
                        span: date.entry.value.span,
                        replacement: fixed,
                    }],
                });
            let help = match with_offset(*civil, &zone) {
                Some(fixed) if site.timezone_name.is_some() || post_zone_set(ctx) => {
                    format!("write `{}: {fixed}` ({zone_name})", date.key)
                }
                Some(fixed) => format!(
                    "write the offset, e.g. `{}: {fixed}` for UTC, or set `site.timezone` in postlint.toml to get your zone's",
                    date.key
                ),
                None => "add the offset of your time zone, e.g. `+08:00`".to_owned(),
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    date.entry.value.span,
                    format!(
                        "`{}` has no time zone: `{}` will be read as UTC",
                        date.key, date.text
                    ),
                )
                .with_help(help),
            );
            if let (Some(fix), Some(last)) = (fix, out.last_mut()) {
                last.fix = Some(fix);
            }
        }
    }
}

fn post_zone_set(ctx: &PostContext<'_>) -> bool {
    ctx.post.field("timezone").is_some()
}

/// `2022-01-11T13:05:12+08:00`: the civil time with the zone's offset at that time.
fn with_offset(civil: DateTime, zone: &TimeZone) -> Option<String> {
    let timestamp = zone.to_timestamp(civil).ok()?;
    let seconds = zone.to_offset(timestamp).seconds();
    let offset = if seconds == 0 {
        "Z".to_owned()
    } else {
        let (sign, abs) = if seconds < 0 {
            ('-', -seconds)
        } else {
            ('+', seconds)
        };
        format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
    };
    Some(format!(
        "{}{offset}",
        civil.to_string().trim_end_matches(".0")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_zone() {
        let civil: DateTime = "2022-01-11T13:05:12".parse().unwrap();
        assert_eq!(
            with_offset(civil, &TimeZone::get("Asia/Shanghai").unwrap()).as_deref(),
            Some("2022-01-11T13:05:12+08:00")
        );
        assert_eq!(
            with_offset(civil, &TimeZone::UTC).as_deref(),
            Some("2022-01-11T13:05:12Z")
        );
    }
}

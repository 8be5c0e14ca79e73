//! Front-matter dates: parsing the text YAML leaves as a string, with jiff's precise reasons.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::collection::Collection;
use crate::post::{Entry, Post, Value};
use crate::schema::Field;

/// A date as written: with an offset, a date-time without one, or a calendar day.
#[derive(Clone, Debug, PartialEq)]
pub enum ParsedDate {
    /// `2024-02-16T08:17:52Z`, `2024-02-16 08:17:52 +0800`
    Instant(Timestamp),
    /// `2022-01-11 13:05:12`: read as UTC by site generators.
    Civil(DateTime),
    /// `2024-02-16`
    Day(Date),
}

impl ParsedDate {
    /// The instant site generators use: a missing offset means UTC, a day means its UTC midnight.
    pub fn timestamp(&self) -> Timestamp {
        match self {
            ParsedDate::Instant(t) => *t,
            ParsedDate::Civil(dt) => TimeZone::UTC
                .to_timestamp(*dt)
                .unwrap_or(Timestamp::UNIX_EPOCH),
            ParsedDate::Day(d) => TimeZone::UTC
                .to_timestamp(d.to_datetime(Time::midnight()))
                .unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }

    /// The calendar day in `zone`: an instant is converted, a civil date is taken as written.
    pub fn day_in(&self, zone: &TimeZone) -> Date {
        match self {
            ParsedDate::Instant(t) => zone.to_datetime(*t).date(),
            ParsedDate::Civil(dt) => dt.date(),
            ParsedDate::Day(d) => *d,
        }
    }
}

/// Why a date did not parse: the reason, and the value to suggest when one can be guessed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError {
    pub reason: String,
    pub suggestion: Option<String>,
    /// The text has the ISO 8601 shape, but names a day or time that does not exist.
    pub impossible: bool,
}

/// A date-valued front-matter entry of a post, parsed.
pub struct PostDate<'a> {
    pub key: &'a str,
    pub entry: &'a Entry,
    pub field: &'a Field,
    pub text: &'a str,
    pub parsed: Result<ParsedDate, DateError>,
}

/// Reads the publication date (the preset's publication field) of a collection's posts, when it
/// holds text. The field and its schema are looked up once: series order reads the date of
/// every member on every save.
pub struct Published<'a> {
    key: &'static str,
    field: Option<&'a Field>,
}

impl<'a> Published<'a> {
    pub fn of(collection: &'a Collection) -> Published<'a> {
        let (key, _) = collection.preset.date_fields();
        Published {
            key,
            field: collection.schema.fields.get(key),
        }
    }

    /// The publication date of `post`, a post of the collection.
    pub fn date(&self, post: &'a Post) -> Option<PostDate<'a>> {
        date_of(post.field(self.key)?, self.field?)
    }
}

/// `entry` parsed as a date, when its `field` is one and it holds text (other types are
/// `field-type`'s business).
pub(crate) fn date_of<'a>(entry: &'a Entry, field: &'a Field) -> Option<PostDate<'a>> {
    if !field.is_date() {
        return None;
    }
    let text = match &entry.value.value {
        Value::Str(text, _) | Value::Datetime(text) if !text.trim().is_empty() => text.as_str(),
        _ => return None,
    };
    Some(PostDate {
        key: &entry.key,
        entry,
        field,
        text,
        parsed: parse(text, field.format.as_deref()),
    })
}

/// Whether the post is a draft (`draft: true`, or `published: false` as Jekyll and Hexo write it;
/// both count under every preset).
pub fn is_draft(post: &Post) -> bool {
    post.field("draft")
        .is_some_and(|e| e.value.value == Value::Bool(true))
        || post
            .field("published")
            .is_some_and(|e| e.value.value == Value::Bool(false))
}

/// Parses an ISO 8601 / RFC 3339 date or date-time (`T` or a space between date and time, an
/// optional `Z` or offset, Jekyll's `+0800` after a space), or `format` (strftime) when given.
pub fn parse(text: &str, format: Option<&str>) -> Result<ParsedDate, DateError> {
    let text = text.trim();
    if let Some(format) = format {
        return parse_with_format(text, format);
    }
    if let Some(ts) = utc_instant(text) {
        return Ok(ParsedDate::Instant(ts));
    }
    let normalized = normalize(text);
    if let Ok(ts) = normalized.parse::<Timestamp>() {
        return Ok(ParsedDate::Instant(ts));
    }
    if !iso_shaped(text) {
        return Err(DateError {
            reason: format!(
                "`{text}` is not an ISO 8601 date (`YYYY-MM-DD`, then optionally a time and an offset)"
            ),
            suggestion: guess_iso(text),
            impossible: false,
        });
    }
    let has_time = normalized.len() > 10;
    let result = if has_time {
        normalized.parse::<DateTime>().map(ParsedDate::Civil)
    } else {
        normalized.parse::<Date>().map(ParsedDate::Day)
    };
    result.map_err(|e| DateError {
        impossible: true,
        ..failed(&e)
    })
}

fn parse_with_format(text: &str, format: &str) -> Result<ParsedDate, DateError> {
    let broken = jiff::fmt::strtime::parse(format, text).map_err(|e| failed(&e))?;
    let parsed = if broken.offset().is_some() {
        broken.to_timestamp().map(ParsedDate::Instant)
    } else if broken.hour().is_some() {
        broken.to_datetime().map(ParsedDate::Civil)
    } else {
        broken.to_date().map(ParsedDate::Day)
    };
    parsed.map_err(|e| failed(&e))
}

fn failed(e: &jiff::Error) -> DateError {
    DateError {
        reason: reason(e),
        suggestion: None,
        impossible: false,
    }
}

/// `2024-02-16T08:17:52Z`, the shape nearly every post is dated in, read without the general
/// parser: series order reads the date of every letter on every save. Anything else, and a day
/// or time that cannot exist, is left to jiff (and its reasons).
fn utc_instant(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let shaped = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !shaped {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0i16, |n, digit| {
            digit
                .is_ascii_digit()
                .then(|| n * 10 + i16::from(digit - b'0'))
        })
    };
    let two = |from: usize| number(from, from + 2).and_then(|n| i8::try_from(n).ok());
    let time = DateTime::new(
        number(0, 4)?,
        two(5)?,
        two(8)?,
        two(11)?,
        two(14)?,
        two(17)?,
        0,
    )
    .ok()?;
    TimeZone::UTC.to_timestamp(time).ok()
}

/// `YYYY-MM-DD` at the start.
pub(crate) fn iso_shaped(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

/// `2016-02-16 10:00:00 +0800` → `2016-02-16T10:00:00+0800`; `t`/`z` → upper case.
fn normalize(text: &str) -> String {
    let mut s = text.to_owned();
    if s.len() > 10 && s.as_bytes()[10] == b' ' {
        s.replace_range(10..11, "T");
    }
    if let Some(i) = s.rfind([' ']) {
        let tail = &s[i + 1..];
        if tail.starts_with(['+', '-']) || tail == "Z" {
            s.remove(i);
        }
    }
    s
}

/// jiff's message without its outer layers ("failed to parse …: "), which repeat the value.
fn reason(e: &jiff::Error) -> String {
    let full = e.to_string();
    let last = full.rsplit(": ").next().unwrap_or(&full);
    // Keep the most specific part, but not a fragment without context.
    if last.len() < 12 {
        full
    } else {
        last.to_owned()
    }
}

/// `2022/11/28` or `2022.11.28 13:05` → ISO 8601, when the parts make a real date.
fn guess_iso(text: &str) -> Option<String> {
    let (date, time) = text
        .split_once([' ', 'T'])
        .map_or((text, None), |(d, t)| (d, Some(t.trim())));
    let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (i16, i8, i8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let day = Date::new(y, m, d).ok()?;
    match time {
        None => Some(day.to_string()),
        Some(t) => {
            let t: Time = t.parse().ok()?;
            Some(
                day.at(t.hour(), t.minute(), t.second(), 0)
                    .to_string()
                    .replace('T', " "),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utc_shortcut_reads_what_jiff_reads() {
        for text in [
            "2024-02-16T08:17:52Z",
            "0000-01-01T00:00:00Z",
            "9999-12-30T00:00:00Z",
            "2024-02-29T12:00:00Z",
        ] {
            let jiff: Timestamp = text.parse().unwrap();
            assert_eq!(utc_instant(text), Some(jiff), "{text}");
        }
        // Left to jiff: days and times that cannot exist, a leap second, past jiff's range,
        // other shapes.
        for text in [
            "9999-12-31T23:59:59Z",
            "2023-02-29T12:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:59:60Z",
            "2024-01-01t00:00:00z",
            "2024-01-01T00:00:00+08:00",
            "2024-01-01T00:00:0xZ",
            "+024-01-01T00:00:00Z",
        ] {
            assert_eq!(utc_instant(text), None, "{text}");
        }
        assert!(matches!(
            parse("2024-01-01T23:59:60Z", None),
            Ok(ParsedDate::Instant(_))
        ));
    }

    #[test]
    fn iso_forms() {
        assert!(matches!(
            parse("2024-02-16T08:17:52.801Z", None),
            Ok(ParsedDate::Instant(_))
        ));
        assert!(matches!(
            parse("2024-02-16T08:17:52+08:00", None),
            Ok(ParsedDate::Instant(_))
        ));
        assert!(matches!(
            parse("2016-02-16 10:00:00 +0800", None),
            Ok(ParsedDate::Instant(_))
        ));
        assert!(matches!(
            parse("2022-01-11 13:05:12", None),
            Ok(ParsedDate::Civil(_))
        ));
        assert!(matches!(parse("2024-02-16", None), Ok(ParsedDate::Day(_))));
    }

    #[test]
    fn impossible_dates_have_precise_reasons() {
        for text in [
            "2024-02-30",
            "2024-13-01",
            "2024-01-01T24:61:00Z",
            "2022/11/28",
            "yesterday",
        ] {
            let e = parse(text, None).unwrap_err();
            println!("{text}: {} / {:?}", e.reason, e.suggestion);
        }
        let e = parse("2024-02-30", None).unwrap_err();
        assert!(e.reason.contains("day"), "{}", e.reason);
        assert_eq!(
            parse("2022/11/28", None).unwrap_err().suggestion.as_deref(),
            Some("2022-11-28")
        );
    }

    #[test]
    fn custom_format() {
        assert_eq!(
            parse("2022/12/14", Some("%Y/%m/%d")),
            Ok(ParsedDate::Day(Date::new(2022, 12, 14).unwrap()))
        );
        assert!(parse("2022-12-14", Some("%Y/%m/%d")).is_err());
    }

    #[test]
    fn days_in_a_zone() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let late = parse("2024-02-16T20:00:00Z", None).unwrap();
        assert_eq!(late.day_in(&shanghai), Date::new(2024, 2, 17).unwrap());
        assert_eq!(late.day_in(&TimeZone::UTC), Date::new(2024, 2, 16).unwrap());
    }
}

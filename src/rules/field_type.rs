//! `field-type`: a front-matter value of the wrong type, or outside its allowed values.

use super::{PostContext, Rule, declare_rule};
use crate::config::did_you_mean;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Span};
use crate::post::{Node, StrStyle, Value};
use crate::schema::{Field, FieldType};
use crate::urls;

declare_rule! {
    /// Checks every declared field's value against its type and `enum`.
    pub struct FieldTypeRule {
        name: "field-type",
        severity: Error,
        category: "front-matter",
        fixable: true,
        summary: "a front-matter value of the wrong type (a quoted date, `tags: x` instead of a list, `draft: \"yes\"`)",
    }
}

/// One mismatch: where, what, and what to do.
#[derive(Default)]
struct Mismatch {
    span: Span,
    message: String,
    help: Option<String>,
    fix: Option<Fix>,
}

impl Rule for FieldTypeRule {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        for &(entry, field) in ctx.declared() {
            // An empty value is `field-empty`'s business, not a type error.
            if entry.value.value == Value::Null {
                continue;
            }
            let mut problems = Vec::new();
            check(&entry.key, &field.ty, &entry.value, &mut problems);
            if problems.is_empty() && !field.allowed.is_empty() {
                let text = entry.value.value.scalar_text().unwrap_or_default();
                if !field.allowed.contains(&text) {
                    let allowed = field
                        .allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let help = did_you_mean(&text, field.allowed.iter().map(String::as_str))
                        .map_or_else(
                            || format!("use one of: {allowed}"),
                            |a| format!("did you mean `{a}`?"),
                        );
                    problems.push(Mismatch {
                        span: entry.value.span,
                        message: format!("`{}` is not an allowed value of `{}`", text, entry.key),
                        help: Some(help),
                        ..Default::default()
                    });
                }
            }
            if problems.is_empty() {
                constraints(&entry.key, field, &entry.value, &mut problems);
            }
            for problem in problems {
                let mut diagnostic =
                    Diagnostic::new(&Self::META, ctx.post.path(), problem.span, problem.message);
                if let Some(help) = problem.help {
                    diagnostic = diagnostic.with_help(help);
                }
                if let Some(fix) = problem.fix {
                    diagnostic = diagnostic.with_fix(fix);
                }
                out.push(diagnostic);
            }
        }
    }
}

fn check(key: &str, ty: &FieldType, node: &Node, out: &mut Vec<Mismatch>) {
    let found = node.value.type_name();
    let mismatch = |help: Option<String>| Mismatch {
        span: node.span,
        message: format!(
            "`{key}` should be {}, found {} {found}",
            ty.describe(),
            article(found)
        ),
        help,
        ..Default::default()
    };
    match (ty, &node.value) {
        (FieldType::Any, _)
        | (FieldType::String, Value::Str(..))
        | (FieldType::Bool, Value::Bool(_))
        | (FieldType::Int, Value::Int(_))
        | (FieldType::Number, Value::Int(_) | Value::Float(_))
        | (
            FieldType::Datetime | FieldType::DatetimeText | FieldType::OptionalDatetime,
            Value::Datetime(_),
        )
        | (FieldType::OptionalDatetime, Value::Null) => {}
        (FieldType::Datetime | FieldType::OptionalDatetime, Value::Str(text, style))
            if looks_like_date(text) =>
        {
            if *style == StrStyle::Quoted {
                out.push(Mismatch {
                    span: node.span,
                    message: format!("`{key}` should be a date-time, found a quoted string"),
                    help: Some(format!("remove the quotes: `{key}: {text}`; a quoted date is a string, which the site's schema rejects")),
                fix: Some(Fix { applicability: Applicability::Safe, message: "remove the quotes".into(), edits: vec![Edit { span: node.span, replacement: text.to_string() }] }),
                });
            }
        }
        // Whether a date string parses is `date-invalid`'s business; here only its YAML type counts.
        (
            FieldType::Datetime | FieldType::DatetimeText | FieldType::OptionalDatetime,
            Value::Str(..),
        ) => {}
        (FieldType::Url | FieldType::UrlOrPath, Value::Str(text, _)) => {
            if let Some(problem) = url_problem(text, *ty == FieldType::UrlOrPath) {
                out.push(Mismatch {
                    span: node.span,
                    message: format!("`{key}` should be {}: {problem}", ty.describe()),
                    help: None,
                    ..Default::default()
                });
            }
        }
        (FieldType::List(item), Value::List(items)) => {
            for node in items {
                check(key, item, node, out);
            }
        }
        (FieldType::List(_), Value::Str(text, _)) => {
            out.push(mismatch(Some(format!(
                "write a list: `{key}: [{text}]`, or one `- {text}` line per item"
            ))));
        }
        (FieldType::String, Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
            let text = node.value.scalar_text().unwrap_or_default();
            out.push(mismatch(Some(format!(
                "quote it to keep it text: `{key}: \"{text}\"`"
            ))));
        }
        (FieldType::Bool, Value::Str(text, _)) => {
            let help = match text.to_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => format!("write `{key}: true` without quotes"),
                "false" | "no" | "off" | "n" => format!("write `{key}: false` without quotes"),
                _ => "write `true` or `false` without quotes".to_owned(),
            };
            out.push(mismatch(Some(help)));
        }
        _ => out.push(mismatch(None)),
    }
}

/// `pattern`, `min-length` and `max-length` of a field whose value has the right type.
fn constraints(key: &str, field: &Field, node: &Node, out: &mut Vec<Mismatch>) {
    // Characters are counted only for a field with a length limit: most have none.
    let limited = field.min_length.is_some() || field.max_length.is_some();
    let length = match &node.value {
        _ if !limited => None,
        Value::Str(s, _) => Some((s.chars().count(), "characters")),
        Value::List(items) => Some((items.len(), "items")),
        _ => None,
    };
    if let Some((len, unit)) = length {
        if let Some(min) = field.min_length.filter(|&min| len < min) {
            out.push(Mismatch {
                span: node.span,
                message: format!("`{key}` has {len} {unit}, fewer than the minimum of {min}"),
                help: None,
                ..Default::default()
            });
        }
        if let Some(max) = field.max_length.filter(|&max| len > max) {
            out.push(Mismatch {
                span: node.span,
                message: format!("`{key}` has {len} {unit}, more than the maximum of {max}"),
                help: None,
                ..Default::default()
            });
        }
    }
    if let Some(pattern) = &field.pattern {
        let texts: Vec<&Node> = match &node.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in texts {
            let Some(text) = item.value.scalar_text() else {
                continue;
            };
            if !pattern.is_match(&text) {
                let shown = crate::settings::pattern_text(pattern);
                out.push(Mismatch {
                    span: item.span,
                    message: format!("`{text}` does not match the pattern `{shown}` of `{key}`"),
                    help: None,
                    ..Default::default()
                });
            }
        }
    }
}

fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// `YYYY-M-D…`: the shape of a YAML timestamp; whether the date exists is `date-invalid`'s job.
fn looks_like_date(text: &str) -> bool {
    let mut parts = text.splitn(3, '-');
    let year = parts.next().unwrap_or_default();
    let month = parts.next().unwrap_or_default();
    let day_digits = parts
        .next()
        .unwrap_or_default()
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (1..=2).contains(&month.len())
        && month.bytes().all(|b| b.is_ascii_digit())
        && (1..=2).contains(&day_digits)
}

/// Why `text` is not an absolute http(s) URL (or, when `path_ok`, a path).
fn url_problem(text: &str, path_ok: bool) -> Option<String> {
    if text.chars().any(char::is_whitespace) {
        return Some(format!("`{text}` contains white space"));
    }
    // The same checks as links in the body (`link-syntax`): typos, dangerous schemes, bad hosts.
    if let Some(problem) = urls::check(text, true) {
        return Some(problem.message);
    }
    match urls::scheme(text) {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => None,
        Some(s) => Some(format!("`{s}` is not `http` or `https`")),
        None if path_ok => None,
        None => Some(format!("`{text}` is not an absolute URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_shapes() {
        assert!(looks_like_date("2024-02-16T08:17:52.801Z"));
        assert!(looks_like_date("2022-01-11 13:05:12"));
        assert!(looks_like_date("2024-2-3"));
        assert!(!looks_like_date("2022/11/28"));
        assert!(!looks_like_date("yesterday"));
    }

    #[test]
    fn url_problems() {
        assert_eq!(
            url_problem("htp://x.com", false).as_deref(),
            Some("unknown scheme `htp:`")
        );
        assert_eq!(
            url_problem("ftp://example.com/a", false).as_deref(),
            Some("`ftp` is not `http` or `https`")
        );
        assert_eq!(url_problem("/images/og.png", true), None);
        assert!(url_problem("/images/og.png", false).is_some());
        assert_eq!(url_problem("https://example.com/a.png", false), None);
    }
}

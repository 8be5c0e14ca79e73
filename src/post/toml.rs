//! TOML front matter (Hugo's `+++` blocks) to [`Node`]s with byte spans.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::front_matter::{Entry, Node, StrStyle, SyntaxProblem, Value};
// Deeper nesting than YAML's limit is rejected here too.
use super::yaml::MAX_DEPTH;
use crate::diagnostic::Span;

/// Parses `src` (the text between the fences, starting at byte `offset` of the file).
pub fn parse(src: &str, offset: usize) -> Result<Node, SyntaxProblem> {
    let table = DeTable::parse(src).map_err(|e| {
        let span = e.span().map_or(Span::new(0, 0), Span::from).shift(offset);
        let message = e.message().trim_end().trim_end_matches('.').to_owned();
        SyntaxProblem::new(span, format!("invalid TOML: {message}"))
    })?;
    let span = Span::from(table.span()).shift(offset);
    Ok(Node {
        span,
        value: Value::Map(entries(table.get_ref(), offset, 0)?),
    })
}

fn entries(table: &DeTable<'_>, offset: usize, depth: usize) -> Result<Vec<Entry>, SyntaxProblem> {
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        entries.push(Entry {
            key: key.get_ref().as_ref().into(),
            key_span: Span::from(key.span()).shift(offset),
            value: node(value, offset, depth + 1)?,
        });
    }
    // The map is sorted by key; rules and reporters want source order.
    entries.sort_by_key(|e| e.key_span.start);
    Ok(entries)
}

fn node(value: &Spanned<DeValue<'_>>, offset: usize, depth: usize) -> Result<Node, SyntaxProblem> {
    let span = Span::from(value.span()).shift(offset);
    if depth > MAX_DEPTH {
        return Err(SyntaxProblem::new(
            span,
            format!("front matter nests deeper than {MAX_DEPTH} levels"),
        ));
    }
    let value = match value.get_ref() {
        DeValue::String(s) => Value::Str(s.as_ref().into(), StrStyle::Quoted),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let parsed = match i.radix() {
                10 => digits.parse().ok(),
                radix => i64::from_str_radix(&digits, radix).ok(),
            };
            parsed.map_or_else(
                || Value::Str(i.as_str().into(), StrStyle::Plain),
                Value::Int,
            )
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse().map_or_else(
            |_| Value::Str(f.as_str().into(), StrStyle::Plain),
            Value::Float,
        ),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(smol_str::format_smolstr!("{d}")),
        DeValue::Array(items) => Value::List(
            items
                .iter()
                .map(|item| node(item, offset, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => Value::Map(entries(table, offset, depth)?),
    };
    Ok(Node { span, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_items_have_byte_spans_in_source_order() {
        let src = "title = \"中文标题\"\ndate = 2024-02-16T08:17:52Z\ntags = [\"a\", \"新\"]\ndraft = false\n";
        let Value::Map(entries) = parse(src, 4).unwrap().value else {
            panic!()
        };
        let keys: Vec<_> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["title", "date", "tags", "draft"]);
        let text = |s: Span| &src[s.start - 4..s.end - 4];
        assert_eq!(text(entries[0].value.span), "\"中文标题\"");
        assert_eq!(
            entries[1].value.value,
            Value::Datetime("2024-02-16T08:17:52Z".into())
        );
        let Value::List(items) = &entries[2].value.value else {
            panic!()
        };
        assert_eq!(text(items[1].span), "\"新\"");
        assert_eq!(entries[3].value.value, Value::Bool(false));
    }

    #[test]
    fn syntax_error_has_a_position() {
        let src = "title = \"a\"\ntitle = \"b\"\n";
        let problem = parse(src, 0).unwrap_err();
        assert!(
            problem.message.starts_with("invalid TOML"),
            "{}",
            problem.message
        );
        assert_eq!(&src[problem.span.range()], "title");
        assert_eq!(problem.span.start, 12);
    }

    #[test]
    fn deep_nesting_ends_with_a_problem() {
        let src = format!("a = {}", "[".repeat(10_000));
        assert!(parse(&src, 0).is_err());
    }
}

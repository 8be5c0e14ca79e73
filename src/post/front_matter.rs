//! The parsed front matter: every key, value and list item with a byte span into the file.

use smol_str::SmolStr;

use crate::diagnostic::Span;

pub use super::split::Format;

/// A front-matter block as found in a file.
#[derive(Clone, Debug)]
pub struct FrontMatter {
    pub format: Format,
    /// The opening `---` or `+++` line, without its line ending.
    pub open_fence: Span,
    /// The text between the fences.
    pub content: Span,
    /// The top-level mapping; `None` when the block did not parse or is not a mapping.
    pub root: Option<Vec<Entry>>,
}

impl FrontMatter {
    /// The entry for `key` at the top level.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    /// Top-level entries in source order (none when the block did not parse).
    pub fn entries(&self) -> &[Entry] {
        self.root.as_deref().unwrap_or(&[])
    }
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: SmolStr,
    pub key_span: Span,
    pub value: Node,
}

/// A value with the span of its source text (quotes included for quoted strings).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// How a string was written; a quoted date is a string to site generators, a plain one a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrStyle {
    Plain,
    Quoted,
    /// A YAML `|` or `>` block scalar.
    Block,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(SmolStr, StrStyle),
    /// A TOML date-time literal (YAML has none: its timestamps are plain strings).
    Datetime(SmolStr),
    List(Vec<Node>),
    Map(Vec<Entry>),
}

impl Value {
    /// The name users see in messages (`expected a list, found a string`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(..) => "string",
            Value::Datetime(_) => "date-time",
            Value::List(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s, _) => Some(s),
            _ => None,
        }
    }

    /// Scalars as the text a reader would see (`true`, `42`, `2024-01-01`); none for collections.
    pub fn scalar_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s, _) | Value::Datetime(s) => s.to_string(),
            Value::List(_) | Value::Map(_) => return None,
        })
    }
}

/// A problem found while parsing front matter, reported by the `frontmatter-syntax` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// An earlier place involved (the first of two duplicate keys).
    pub first: Option<Span>,
}

impl SyntaxProblem {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        SyntaxProblem {
            span,
            message: message.into(),
            help: None,
            first: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

//! What a collection's front matter may hold: field types, required fields, presets per site generator.

use std::collections::BTreeMap;

use regex::Regex;

use crate::diagnostic::Severity;
use crate::post::{Entry, Post};

/// The type a field's value must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    Any,
    String,
    Bool,
    Int,
    Number,
    /// A date or date-time written as a YAML timestamp (unquoted) or TOML date-time; a quoted
    /// date is a string to Astro's `z.date()`.
    Datetime,
    /// A date or date-time, quoted or not (Hugo, Jekyll and Hexo parse strings).
    DatetimeText,
    /// Like `Datetime`, or null (AstroPaper's optional `modDatetime`).
    OptionalDatetime,
    /// An absolute URL (`https://…`).
    Url,
    /// An absolute URL or a path (`/images/og.png`, `../assets/a.png`).
    UrlOrPath,
    List(Box<FieldType>),
}

impl FieldType {
    /// The names accepted in `postlint.toml`.
    pub const NAMES: [&'static str; 13] = [
        "any",
        "string",
        "slug",
        "bool",
        "int",
        "number",
        "datetime",
        "datetime-text",
        "datetime-or-null",
        "url",
        "url-or-path",
        "list",
        "list<string>",
    ];

    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "any" => FieldType::Any,
            "string" | "slug" => FieldType::String,
            "bool" => FieldType::Bool,
            "int" => FieldType::Int,
            "number" => FieldType::Number,
            "datetime" | "date" => FieldType::Datetime,
            "datetime-text" => FieldType::DatetimeText,
            "datetime-or-null" => FieldType::OptionalDatetime,
            "url" => FieldType::Url,
            "url-or-path" => FieldType::UrlOrPath,
            "list" => FieldType::List(Box::new(FieldType::Any)),
            "list<string>" => FieldType::List(Box::new(FieldType::String)),
            _ => return None,
        })
    }

    /// How messages name the type (`expected a list of strings`).
    pub fn describe(&self) -> String {
        match self {
            FieldType::Any => "any value".into(),
            FieldType::String => "a string".into(),
            FieldType::Bool => "a boolean (`true` or `false`)".into(),
            FieldType::Int => "an integer".into(),
            FieldType::Number => "a number".into(),
            FieldType::Datetime | FieldType::DatetimeText => "a date-time".into(),
            FieldType::OptionalDatetime => "a date-time or nothing".into(),
            FieldType::Url => "an absolute URL".into(),
            FieldType::UrlOrPath => "a URL or a path".into(),
            FieldType::List(item) if **item == FieldType::Any => "a list".into(),
            FieldType::List(item) => format!(
                "a list of {}",
                item.describe()
                    .trim_start_matches("a ")
                    .trim_start_matches("an ")
            )
            .replace("string", "strings"),
        }
    }
}

/// One declared field.
#[derive(Clone, Debug)]
pub struct Field {
    pub ty: FieldType,
    pub required: bool,
    /// The only values allowed (compared as text); empty means any.
    pub allowed: Vec<String>,
    /// A regular expression the whole value must match.
    pub pattern: Option<Regex>,
    /// Bounds on characters of a string or items of a list.
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// strftime-style format of a date field; ISO 8601 when absent.
    pub format: Option<String>,
    /// Whether an empty value is acceptable (`field-empty` stays silent).
    pub allow_empty: bool,
}

impl Field {
    pub fn new(ty: FieldType, required: bool) -> Field {
        // Optional dates in AstroPaper may be left empty (`modDatetime:`).
        let allow_empty = ty == FieldType::OptionalDatetime;
        Field {
            ty,
            required,
            allowed: Vec::new(),
            pattern: None,
            min_length: None,
            max_length: None,
            format: None,
            allow_empty,
        }
    }

    /// Whether values of this field are dates (checked by the `date-*` rules).
    pub fn is_date(&self) -> bool {
        matches!(
            self.ty,
            FieldType::Datetime | FieldType::DatetimeText | FieldType::OptionalDatetime
        ) || self.format.is_some()
    }
}

/// What to do with a key the schema does not declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownFields {
    Allow,
    Report(Severity),
}

#[derive(Clone, Debug)]
pub struct Schema {
    pub fields: BTreeMap<String, Field>,
    pub unknown: UnknownFields,
    /// Whether a post without front matter is a problem (`frontmatter-missing`).
    pub front_matter_required: bool,
}

impl Schema {
    /// The post's top-level entries this schema declares, each with its field (source order).
    pub fn declared<'a>(
        &'a self,
        post: &'a Post,
    ) -> impl Iterator<Item = (&'a Entry, &'a Field)> + 'a {
        post.front_matter
            .iter()
            .flat_map(|fm| fm.entries())
            .filter_map(|entry| {
                self.fields
                    .get(entry.key.as_str())
                    .map(|field| (entry, field))
            })
    }

    /// No declared fields, anything allowed: used when nothing is known about a collection.
    pub fn open() -> Schema {
        Schema {
            fields: BTreeMap::new(),
            unknown: UnknownFields::Allow,
            front_matter_required: false,
        }
    }
}

/// The site generators postlint knows; each brings a schema and its slug field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// AstroPaper v4/v5 (`slug`, unknown keys dropped silently).
    AstroPaper,
    /// AstroPaper v3 (`postSlug`, strict schema).
    AstroPaperV3,
    Hugo,
    Jekyll,
    Hexo,
    /// Markdown files with no known generator: no schema.
    Generic,
}

impl Preset {
    pub const NAMES: [&'static str; 6] = [
        "astro-paper",
        "astro-paper-v3",
        "hugo",
        "jekyll",
        "hexo",
        "generic",
    ];

    pub fn parse(name: &str) -> Option<Preset> {
        Some(match name {
            "astro-paper" => Preset::AstroPaper,
            "astro-paper-v3" => Preset::AstroPaperV3,
            "hugo" => Preset::Hugo,
            "jekyll" => Preset::Jekyll,
            "hexo" => Preset::Hexo,
            "generic" => Preset::Generic,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::AstroPaper => "astro-paper",
            Preset::AstroPaperV3 => "astro-paper-v3",
            Preset::Hugo => "hugo",
            Preset::Jekyll => "jekyll",
            Preset::Hexo => "hexo",
            Preset::Generic => "generic",
        }
    }

    /// The front-matter field that sets a post's URL slug, if the generator has one.
    pub fn slug_field(self) -> Option<&'static str> {
        match self {
            Preset::AstroPaper | Preset::Hugo | Preset::Jekyll => Some("slug"),
            Preset::AstroPaperV3 => Some("postSlug"),
            Preset::Hexo | Preset::Generic => None,
        }
    }

    /// Folders served at the site root (`/images/a.png` → `public/images/a.png`), relative to the project.
    pub fn public_roots(self) -> &'static [&'static str] {
        match self {
            Preset::AstroPaper | Preset::AstroPaperV3 => &["public"],
            Preset::Hugo => &["static"],
            Preset::Jekyll | Preset::Generic => &[""],
            Preset::Hexo => &["source"],
        }
    }

    /// Front-matter fields that hold an image URL or path.
    pub fn image_fields(self) -> &'static [&'static str] {
        match self {
            Preset::AstroPaper | Preset::AstroPaperV3 => &["ogImage"],
            Preset::Hugo => &["images", "image"],
            Preset::Jekyll => &["image"],
            Preset::Hexo => &["cover", "thumbnail"],
            Preset::Generic => &["image", "ogImage", "cover"],
        }
    }

    /// The publication and modification date fields.
    pub fn date_fields(self) -> (&'static str, Option<&'static str>) {
        match self {
            Preset::AstroPaper | Preset::AstroPaperV3 => ("pubDatetime", Some("modDatetime")),
            Preset::Hugo => ("date", Some("lastmod")),
            Preset::Jekyll => ("date", None),
            Preset::Hexo => ("date", Some("updated")),
            Preset::Generic => ("date", None),
        }
    }

    pub fn schema(self) -> Schema {
        use FieldType::*;
        let strings = || List(Box::new(String));
        let (fields, unknown): (Vec<(&str, FieldType, bool)>, UnknownFields) = match self {
            Preset::AstroPaper | Preset::AstroPaperV3 => {
                let slug = if self == Preset::AstroPaper {
                    "slug"
                } else {
                    "postSlug"
                };
                let unknown = if self == Preset::AstroPaper {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                (
                    vec![
                        ("title", String, true),
                        ("description", String, true),
                        ("pubDatetime", Datetime, true),
                        ("modDatetime", OptionalDatetime, false),
                        (slug, String, false),
                        ("author", String, false),
                        ("featured", Bool, false),
                        ("draft", Bool, false),
                        ("tags", strings(), false),
                        ("ogImage", UrlOrPath, false),
                        ("canonicalURL", Url, false),
                        ("hideEditPost", Bool, false),
                        ("timezone", String, false),
                    ],
                    UnknownFields::Report(unknown),
                )
            }
            Preset::Hugo => (
                vec![
                    ("title", String, false),
                    ("date", DatetimeText, false),
                    ("lastmod", DatetimeText, false),
                    ("publishDate", DatetimeText, false),
                    ("expiryDate", DatetimeText, false),
                    ("slug", String, false),
                    ("url", String, false),
                    ("draft", Bool, false),
                    ("tags", strings(), false),
                    ("categories", strings(), false),
                    ("aliases", strings(), false),
                    ("description", String, false),
                    ("summary", String, false),
                    ("weight", Int, false),
                ],
                UnknownFields::Allow,
            ),
            Preset::Jekyll => (
                vec![
                    ("title", String, false),
                    ("date", DatetimeText, false),
                    ("permalink", String, false),
                    ("published", Bool, false),
                    ("categories", Any, false),
                    ("tags", Any, false),
                    ("layout", String, false),
                    ("slug", String, false),
                ],
                UnknownFields::Allow,
            ),
            Preset::Hexo => (
                vec![
                    ("title", String, false),
                    ("date", DatetimeText, false),
                    ("updated", DatetimeText, false),
                    ("categories", Any, false),
                    ("tags", Any, false),
                    ("permalink", String, false),
                    ("abbrlink", Any, false),
                    ("published", Bool, false),
                ],
                UnknownFields::Allow,
            ),
            Preset::Generic => return Schema::open(),
        };
        Schema {
            fields: fields
                .into_iter()
                .map(|(name, ty, required)| (name.to_owned(), Field::new(ty, required)))
                .collect(),
            unknown,
            front_matter_required: true,
        }
    }
}

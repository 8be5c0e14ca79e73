//! The rule trait, rule metadata and the registry of every rule, sorted by name.

mod bare_url;
mod date_filename;
mod date_future;
mod date_invalid;
mod date_order;
mod date_timezone;
mod field_empty;
mod field_required;
mod field_type;
mod field_unknown;
mod file_encoding;
mod frontmatter_missing;
mod frontmatter_syntax;
mod image_alt_missing;
mod image_missing;
mod image_unreachable;
mod link_empty_text;
mod link_insecure;
mod link_syntax;
mod reference_duplicate;
mod reference_unused;
mod series_number;
mod series_order;
mod slug_duplicate;
mod slug_format;
mod suppression_invalid;

use std::cell::OnceCell;
use std::sync::{LazyLock, OnceLock};

use regex::{Captures, Regex};

use crate::collection::Collection;
use crate::dates::PostDate;
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::net::UrlStatus;
use crate::post::line_index::start_of_line;
use crate::post::{Entry, Post, Value};
use crate::schema::{Field, Preset};
use crate::settings::Settings;
use crate::site::FileView;
use crate::suppress::Directive;

/// What the registry, `postlint rules` and the reporters know about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    /// The severity of its findings unless configured otherwise.
    pub severity: Severity,
    /// Off-by-default rules run only when configured or selected.
    pub enabled: bool,
    pub category: &'static str,
    pub fixable: bool,
    pub summary: &'static str,
    /// Whether the rule needs the network phase (skipped with `--network off`).
    pub network: bool,
    /// Option keys accepted in `[rules.NAME]` besides `severity`.
    pub options: &'static [&'static str],
    /// The rule's documentation, `rules/NAME.md`, embedded.
    pub doc: &'static str,
}

/// Declares a rule's unit struct and its metadata; the doc is embedded from `rules/NAME.md`.
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        pub struct $ty:ident {
            name: $name:literal,
            severity: $severity:ident,
            $(enabled: $enabled:literal,)?
            category: $category:literal,
            fixable: $fixable:literal,
            summary: $summary:literal,
            $(options: [$($option:literal),* $(,)?],)?
            $(network: $network:literal,)?
        }
    ) => {
        $(#[$attr])*
        pub struct $ty;

        impl $crate::rules::Described for $ty {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }
        }

        impl $ty {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                name: $name,
                severity: $crate::diagnostic::Severity::$severity,
                enabled: true $(&& $enabled)?,
                category: $category,
                fixable: $fixable,
                summary: $summary,
                options: &[$($($option),*)?],
                network: false $(|| $network)?,
                doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
            };
        }
    };
}
pub(crate) use declare_rule;

/// What a body rule sees: one post with its body parsed in full, as it is read, before the rest
/// of its collection is known (so the post's full text need not be kept until then).
pub struct BodyContext<'a> {
    pub post: &'a Post,
    /// The collection's preset as far as it is known before detection, which only chooses between
    /// presets that agree on everything body rules read ([`crate::collection::preset_before_detection`]).
    pub preset: Preset,
    pub settings: &'a Settings,
    /// Which files exist (local images); the engine's cached view of the disk.
    pub files: &'a dyn FileView,
    /// The post's suppression comments, read once for `suppression-invalid` and the engine.
    directives: OnceLock<Vec<Directive>>,
    plain_text_with_http: OnceLock<Vec<Span>>,
}

impl<'a> BodyContext<'a> {
    pub fn new(
        post: &'a Post,
        preset: Preset,
        settings: &'a Settings,
        files: &'a dyn FileView,
    ) -> BodyContext<'a> {
        BodyContext {
            post,
            preset,
            settings,
            files,
            directives: OnceLock::new(),
            plain_text_with_http: OnceLock::new(),
        }
    }

    /// The post's suppression comments.
    pub fn directives(&self) -> &[Directive] {
        self.directives
            .get_or_init(|| crate::suppress::directives(self.post))
    }

    /// [`BodyContext::directives`], kept for the engine once the rules have run.
    pub fn into_directives(self) -> Vec<Directive> {
        self.directives
            .into_inner()
            .unwrap_or_else(|| crate::suppress::directives(self.post))
    }

    /// The plain-text runs of the body (see [`crate::post::Body::plain_text`]) that hold `http`,
    /// in order: where URLs written as text hide. Found once for the rules that look for them,
    /// with a byte search per run (a search of the whole body stopped at every link's URL).
    pub fn plain_text_with_http(&self) -> &[Span] {
        self.plain_text_with_http.get_or_init(|| {
            let source = self.post.source.as_bytes();
            self.post
                .body
                .plain_text
                .iter()
                .copied()
                .filter(|run| {
                    let text = &source[run.range()];
                    memchr::memchr_iter(b'h', text).any(|at| text[at..].starts_with(b"http"))
                })
                .collect()
        })
    }

    /// Every image the post shows: body images, then the preset's image fields (a string or a
    /// list of strings), each with the span of its URL.
    pub fn images(&self) -> Vec<(&'a str, Span)> {
        let post = self.post;
        let mut images: Vec<(&str, Span)> = post
            .body
            .links
            .iter()
            .filter(|l| l.image)
            .map(|l| (l.url(&post.source), l.url_span))
            .collect();
        for field in self.preset.image_fields() {
            let Some(entry) = post.field(field) else {
                continue;
            };
            match &entry.value.value {
                Value::Str(url, _) => images.push((url, entry.value.span)),
                Value::List(items) => images.extend(
                    items
                        .iter()
                        .filter_map(|i| i.value.as_str().map(|u| (u, i.span))),
                ),
                _ => {}
            }
        }
        images
    }
}

/// What a per-post rule sees: one post with its collection, after detection. Its body may be an
/// outline (code blocks, comments, headings), cut after the lines series sources come from (the
/// text too, as [`crate::index`] cuts posts): body rules read the full body.
pub struct PostContext<'a> {
    pub post: &'a Post,
    /// The post's position in `collection.posts` (where an outline of it is kept).
    pub index: usize,
    pub collection: &'a Collection,
    pub settings: &'a Settings,
    declared: OnceCell<Vec<(&'a Entry, &'a Field)>>,
    dates: OnceCell<Vec<PostDate<'a>>>,
}

impl<'a> PostContext<'a> {
    pub fn new(
        post: &'a Post,
        index: usize,
        collection: &'a Collection,
        settings: &'a Settings,
    ) -> Self {
        PostContext {
            post,
            index,
            collection,
            settings,
            declared: OnceCell::new(),
            dates: OnceCell::new(),
        }
    }

    /// The post's front-matter entries the collection's schema declares, with their fields
    /// ([`crate::schema::Schema::declared`]): looked up once for the rules that read them.
    pub fn declared(&self) -> &[(&'a Entry, &'a Field)] {
        self.declared
            .get_or_init(|| self.collection.schema.declared(self.post).collect())
    }

    /// The post's declared date fields that hold text, parsed once for all the date rules.
    pub fn dates(&self) -> &[PostDate<'a>] {
        self.dates.get_or_init(|| {
            self.declared()
                .iter()
                .filter_map(|&(entry, field)| crate::dates::date_of(entry, field))
                .collect()
        })
    }

    /// The publication date (the preset's publication field), as [`crate::dates::Published`]
    /// reads it.
    pub fn published(&self) -> Option<&PostDate<'a>> {
        let (published, _) = self.collection.preset.date_fields();
        self.dates().iter().find(|date| date.key == published)
    }
}

/// The matches of `regex`, a pattern that never crosses a line, on the lines of `text` holding
/// one of `hits` (increasing offsets), each with the offset of its line. Lines `hidden` says lie
/// in code or a comment (as `start..end` of `text`) are not searched: nothing there is reported.
pub(crate) fn on_lines<'t>(
    regex: &LazyLock<Regex>,
    text: &'t str,
    hits: &[usize],
    hidden: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, Captures<'t>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut next_line = 0;
    // The regex is compiled at its first use: most saves of most posts never need it.
    for &hit in hits {
        if hit < next_line {
            continue;
        }
        let start = start_of_line(text, hit);
        let end = memchr::memchr(b'\n', &bytes[hit..]).map_or(bytes.len(), |i| hit + i);
        if !hidden(start, end) {
            found.extend(regex.captures_iter(&text[start..end]).map(|c| (start, c)));
        }
        next_line = end + 1;
    }
    found
}

/// What a collection rule sees: every post of one collection, requested or not.
pub struct CollectionContext<'a> {
    pub collection: &'a Collection,
    pub settings: &'a Settings,
}

/// A URL a network rule wants checked, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlUse {
    pub url: String,
    pub span: Span,
}

/// A rule's metadata; `declare_rule!` implements it.
pub trait Described {
    fn meta(&self) -> &'static RuleMeta;
}

/// A check. Rules do no I/O: the engine hands them parsed posts and the checker's answers.
pub trait Rule: Described + Sync + Send {
    /// Phase 1, as each post is read: its body parsed in full (links, images, plain text,
    /// references, comments), one post at a time, in parallel.
    fn check_body(&self, _ctx: &BodyContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Phase 2, once its collection is known: one post (front matter, series), in parallel.
    fn check_post(&self, _ctx: &PostContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Phase 3: a whole collection.
    fn check_collection(&self, _ctx: &CollectionContext<'_>, _out: &mut Vec<Diagnostic>) {}

    /// Phase 4, first half (asked in phase 1): the URLs this rule wants checked in one post.
    fn network_urls(&self, _ctx: &BodyContext<'_>, _out: &mut Vec<UrlUse>) {}

    /// Phase 4, second half: findings from the checker's answers for this post's URLs.
    fn check_network(
        &self,
        _ctx: &PostContext<'_>,
        _answers: &[(UrlUse, UrlStatus)],
        _out: &mut Vec<Diagnostic>,
    ) {
    }
}

/// Every rule, sorted by name.
pub fn all() -> &'static [&'static dyn Rule] {
    static RULES: &[&dyn Rule] = &[
        &bare_url::BareUrl,
        &date_filename::DateFilename,
        &date_future::DateFuture,
        &date_invalid::DateInvalid,
        &date_order::DateOrder,
        &date_timezone::DateTimezone,
        &field_empty::FieldEmpty,
        &field_required::FieldRequired,
        &field_type::FieldTypeRule,
        &field_unknown::FieldUnknown,
        &file_encoding::FileEncoding,
        &frontmatter_missing::FrontmatterMissing,
        &frontmatter_syntax::FrontmatterSyntax,
        &image_alt_missing::ImageAltMissing,
        &image_missing::ImageMissing,
        &image_unreachable::ImageUnreachable,
        &link_empty_text::LinkEmptyText,
        &link_insecure::LinkInsecure,
        &link_syntax::LinkSyntax,
        &reference_duplicate::ReferenceDuplicate,
        &reference_unused::ReferenceUnused,
        &series_number::SeriesNumber,
        &series_order::SeriesOrder,
        &slug_duplicate::SlugDuplicate,
        &slug_format::SlugFormat,
        &suppression_invalid::SuppressionInvalid,
    ];
    RULES
}

/// The rule called `name`.
pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| r.meta().name == name)
}

/// Every rule name, for did-you-mean suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    all().iter().map(|r| r.meta().name)
}

/// The findings of `rule`'s body check on a post of `text` (no settings, the disk as it is).
#[cfg(test)]
pub(crate) fn body_findings(rule: &dyn Rule, text: &str) -> Vec<Diagnostic> {
    let post = Post::parse_with("a.md", text, crate::post::Depth::Full);
    let settings = Settings::in_memory(&Default::default());
    let disk = crate::site::Disk::default();
    let mut out = Vec::new();
    rule.check_body(
        &BodyContext::new(&post, Preset::Generic, &settings, &disk),
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_names_are_unique() {
        let names: Vec<_> = names().collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn the_runs_with_http_are_the_plain_text_that_holds_it() {
        let text = "http one http two [http](x) ht\\tp `http` **http**\n\nno h\n\nhttp";
        let post = Post::parse_with("a.md", text, crate::post::Depth::Full);
        let settings = Settings::in_memory(&Default::default());
        let disk = crate::site::Disk::default();
        let ctx = BodyContext::new(&post, Preset::Generic, &settings, &disk);
        let runs = ctx.plain_text_with_http();
        let texts: Vec<&str> = runs.iter().map(|run| &text[run.range()]).collect();
        assert_eq!(texts, ["http one http two ", "http", "http"]);
        // Runs without `http` (`ht\tp`, a space, `no h`) are left out.
        assert_eq!(post.body.plain_text.len(), 6, "{:?}", post.body.plain_text);
    }
}

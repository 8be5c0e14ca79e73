//! `postlint init`: a commented postlint.toml for the detected layout, presets and series.

use std::fmt::Write;

use crate::collection::Collection;
use crate::engine::{self, Request};
use crate::series::{NUMBER, Series};
use crate::settings::Settings;

/// The config text for `settings` (detected), with presets and series decided from the posts.
pub fn render(settings: &Settings) -> String {
    let mut text = String::from(
        "# postlint configuration, written by `postlint init` from the detected layout.\n\
         # Paths and globs are relative to this file's folder. README.md documents every key.\n\n\
         # Globs never linted, even when a file is passed explicitly (pre-commit does).\n\
         exclude = []\n\n\
         [site]\n\
         # The site's time zone, for dates written without an offset.\n\
         # timezone = \"Asia/Shanghai\"\n\
         # Folders served at the site root, for local image paths.\n\
         # public = [\"public\"]\n",
    );
    let request = Request::new(settings);
    let collections = engine::load(&request, &mut Vec::new());
    for collection in &collections {
        let include = settings
            .collections
            .iter()
            .find(|c| c.name == collection.name)
            .map(|c| {
                c.include_patterns
                    .iter()
                    .map(|p| format!("{p:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let _ = write!(
            text,
            "\n[collections.{name}]\n\
             include = [{include}]\n\
             # exclude = []\n\
             # One of: astro-paper, astro-paper-v3, hugo, jekyll, hexo, generic.\n\
             preset = \"{preset}\"\n\
             # What an undeclared front-matter key is: allow, info, warning or error.\n\
             # unknown-fields = \"warning\"\n\
             # What every explicit slug must match (a regular expression):\n\
             # slug-pattern = '[a-z0-9]+(-[a-z0-9]+)*'\n\
             # Fields added to the preset, or changing its field of the same name:\n\
             # [collections.{name}.fields.author]\n\
             # type = \"string\"\n\
             # required = true\n",
            name = collection.name,
            preset = collection.preset.name(),
        );
        if let Some(series) = &collection.series {
            text.push_str(&series_section(collection, series));
        }
    }
    text.push_str(
        "\n[rules]\n\
         # A severity per rule (error, warning, info, off), or a table with `severity` and options:\n\
         # field-unknown = \"error\"\n",
    );
    text
}

/// The detected series, written out so the author can read and adjust it.
fn series_section(collection: &Collection, series: &Series) -> String {
    let numbered = collection
        .series_members()
        .iter()
        .filter(|m| m.number.is_some())
        .count();
    let mut text = format!(
        "\n# Detected: {numbered} of {} posts are numbered letters. Adjust the sources below, or set\n\
         # `enabled = false` if this collection is not a series.\n\
         [collections.{}.series]\n",
        collection.posts.len(),
        collection.name
    );
    if let Some(body) = &series.body {
        let pattern = body.as_str().replace(&format!("(?P<n>{NUMBER})"), "{n}");
        let _ = writeln!(text, "body = '{pattern}'");
    }
    if let Some(slug) = &series.slug {
        let _ = writeln!(text, "slug = \"{}\"", slug.text);
    }
    if let Some(file) = &series.file {
        let _ = writeln!(text, "file = \"{}\"", file.text);
    }
    let _ = writeln!(text, "start = {}", series.start);
    text.push_str("# allow-gaps = []     # numbers never published, e.g. [5, \"10-12\"]\n# since = 0           # posts numbered below are exempt from series-number\n");
    text
}

//! `postlint init`: a commented postlint.toml for the detected site layout.

use std::fmt::Write;
use std::path::Path;

use crate::collection::Collection;
use crate::discover;
use crate::post::Post;
use crate::settings::Settings;

/// The config text for `settings` (detected), with presets decided from the posts.
pub fn render(settings: &Settings, root: &Path) -> String {
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
    for collection in &settings.collections {
        let preset = match collection.preset {
            Some(preset) => preset,
            None => {
                let posts: Vec<Post> = collection
                    .include_patterns
                    .iter()
                    .flat_map(|p| discover::markdown_files(&root.join(discover::literal_prefix(p))))
                    .filter_map(|f| {
                        std::fs::read(&f)
                            .ok()
                            .map(|bytes| Post::from_bytes(f, bytes))
                    })
                    .collect();
                let count = posts.len();
                Collection::new(collection, posts, vec![false; count]).preset
            }
        };
        let _ = write!(
            text,
            "\n[collections.{name}]\n\
             include = [{include}]\n\
             # exclude = []\n\
             # One of: astro-paper, astro-paper-v3, hugo, jekyll, hexo, generic.\n\
             preset = \"{preset}\"\n\
             # What an undeclared front-matter key is: allow, info, warning or error.\n\
             # unknown-fields = \"warning\"\n\
             # Fields added to (or replacing those of) the preset:\n\
             # [collections.{name}.fields.author]\n\
             # type = \"string\"\n\
             # required = true\n",
            name = collection.name,
            include = collection
                .include_patterns
                .iter()
                .map(|p| format!("{p:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            preset = preset.name(),
        );
    }
    text.push_str(
        "\n[rules]\n\
         # A severity per rule (error, warning, info, off), or a table with `severity` and options:\n\
         # field-unknown = \"error\"\n",
    );
    text
}

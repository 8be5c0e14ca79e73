//! postlint: a linter for Markdown blog posts with front matter.
//!
//! [`post::Post`] parses a file once; [`engine`] runs the [`rules`] over posts, collections and
//! the network; [`report`] prints the [`diagnostic::Diagnostic`]s; [`run`] is the command line.

pub mod cache_dir;
pub mod cli;
pub mod collection;
pub mod config;
pub mod dates;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod index;
mod init;
pub mod net;
pub mod post;
pub mod report;
pub mod rules;
pub mod schema;
pub mod series;
mod server;
pub mod settings;
pub mod site;
pub mod suppress;
pub mod timings;
pub mod urls;

pub(crate) mod run;

pub use run::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, run};

/// Where a rule's documentation is published.
pub fn rule_doc_url(rule: &str) -> String {
    format!("{}/blob/main/rules/{rule}.md", env!("CARGO_PKG_REPOSITORY"))
}

/// Lints one post held in memory, alone in a collection of `preset`, with the rules `settings`
/// enables (for fuzzing, property tests and embedding). Network rules do not run; local images
/// are looked up relative to the current folder.
pub fn lint_bytes(
    settings: &settings::Settings,
    path: &str,
    bytes: Vec<u8>,
    preset: schema::Preset,
) -> (post::Post, Vec<diagnostic::Diagnostic>) {
    let mut collection_settings = settings::CollectionSettings::standalone(path);
    collection_settings.preset = Some(preset);
    let post = post::Post::from_bytes(path, bytes);
    let collection = collection::Collection::new(
        &collection_settings,
        vec![post],
        vec![path.to_owned()],
        vec![true],
    );
    let request = engine::Request::new(settings);
    let outcome = engine::lint_loaded(rules::all(), &request, std::slice::from_ref(&collection));
    let post = collection
        .posts
        .into_iter()
        .next()
        .expect("the collection holds the post");
    (post, outcome.diagnostics)
}

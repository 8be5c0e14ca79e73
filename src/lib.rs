//! postlint: a linter for Markdown blog posts with front matter.
//!
//! [`post::Post`] parses a file once; [`engine`] runs the [`rules`] over posts, collections and
//! the network; [`report`] prints the [`diagnostic::Diagnostic`]s; [`run`] is the command line.

pub mod cli;
pub mod collection;
pub mod config;
pub mod dates;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fix;
mod init;
pub mod net;
pub mod post;
pub mod report;
pub mod rules;
pub mod schema;
pub mod series;
pub mod settings;
pub mod site;
pub mod suppress;
pub mod urls;

mod run;

pub use run::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, run};

/// Where a rule's documentation is published.
pub fn rule_doc_url(rule: &str) -> String {
    format!("{}/blob/main/rules/{rule}.md", env!("CARGO_PKG_REPOSITORY"))
}

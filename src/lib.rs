//! postlint: a linter for Markdown blog posts with front matter.

pub mod diagnostic;
pub mod post;

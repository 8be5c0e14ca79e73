//! Reporters: the only code that prints findings, one module per `--format`.

mod concise;
mod github;
mod json;
mod pretty;
mod sarif;
pub mod series;

pub use pretty::{handler as pretty_handler, render_one as render_miette};

use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::engine::{Outcome, Source};

/// The output formats of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with underlined spans (default on a terminal).
    Pretty,
    /// One line per finding: `path:line:col: severity[rule] message` (default otherwise).
    Concise,
    /// A stable JSON document (`version` 1).
    Json,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// How to render.
#[derive(Clone, Debug)]
pub struct Options {
    pub color: bool,
    /// Wrapping width of the pretty report.
    pub width: usize,
    /// Leave out the closing summary line.
    pub quiet: bool,
}

pub fn render(
    format: Format,
    outcome: &Outcome,
    options: &Options,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Pretty => pretty::render(outcome, options, out),
        Format::Concise => concise::render(outcome, options, out),
        Format::Json => json::render(outcome, out),
        Format::Github => github::render(outcome, out),
        Format::Sarif => sarif::render(outcome, out),
    }
}

/// Start and end of a span as 1-based lines and character columns (end column exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn range(outcome: &Outcome, path: &Path, span: Span) -> Range {
    match outcome.sources.get(path) {
        Some(Source { text, lines }) => {
            let start = lines.line_col(text, span.start);
            let end = lines.line_col(text, span.end);
            Range {
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            }
        }
        None => Range {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        },
    }
}

/// Counts by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn counts(diagnostics: &[Diagnostic]) -> Counts {
    let mut counts = Counts::default();
    for d in diagnostics {
        match d.severity {
            Severity::Error => counts.errors += 1,
            Severity::Warning => counts.warnings += 1,
            Severity::Info => counts.infos += 1,
        }
    }
    counts
}

/// `Found 2 errors and 1 warning in 12 posts.` or `No problems found in 12 posts.`
pub fn summary(outcome: &Outcome) -> String {
    let c = counts(&outcome.diagnostics);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let posts = plural(outcome.files_checked, "post");
    let parts: Vec<String> = [
        (c.errors, "error"),
        (c.warnings, "warning"),
        (c.infos, "info"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| plural(n, w))
    .collect();
    match parts.len() {
        0 => format!("No problems found in {posts}."),
        1 => format!("Found {} in {posts}.", parts[0]),
        n => format!(
            "Found {} and {} in {posts}.",
            parts[..n - 1].join(", "),
            parts[n - 1]
        ),
    }
}

/// A path as reporters print it: `/`-separated on every platform.
pub fn display_path(path: &Path) -> String {
    crate::discover::slash_path(path)
}

//! `--format pretty`: miette's graphical report, with the source snippet and labels.
//!
//! miette's derive cannot take a severity from a field, so [`Report`] implements its
//! `Diagnostic` trait by hand over our plain diagnostic.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Options, display_path, summary};
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::engine::Outcome;

pub fn render(outcome: &Outcome, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let handler = handler(options);
    for d in &outcome.diagnostics {
        let source = outcome
            .sources
            .get(&d.path)
            .map(|s| s.text.clone())
            .unwrap_or_default();
        let related = d
            .related
            .iter()
            .map(|r| {
                let text = outcome
                    .sources
                    .get(&r.path)
                    .map(|s| s.text.clone())
                    .unwrap_or_default();
                Related {
                    message: r.message.clone(),
                    source: NamedSource::new(display_path(&r.path), text),
                    span: r.span,
                }
            })
            .collect();
        let report = Report {
            diagnostic: d,
            source: NamedSource::new(display_path(&d.path), source),
            related,
        };
        writeln!(out, "{}", render_one(&handler, &report))?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary(outcome))?;
    }
    Ok(())
}

pub fn handler(options: &Options) -> GraphicalReportHandler {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
}

pub fn render_one(handler: &GraphicalReportHandler, report: &dyn miette::Diagnostic) -> String {
    let mut text = String::new();
    if handler.render_report(&mut text, report).is_err() {
        text = format!("{report}\n");
    }
    text
}

fn span(span: Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.len())
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<Arc<String>>,
    related: Vec<Related>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(d.label.clone(), span(d.span));
        let secondary = d
            .labels
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), span(l.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A place in another post, shown under the finding.
struct Related {
    message: String,
    source: NamedSource<Arc<String>>,
    span: Span,
}

impl fmt::Debug for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Related {}

impl miette::Diagnostic for Related {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(None, span(self.span)),
        )))
    }
}

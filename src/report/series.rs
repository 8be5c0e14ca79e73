//! `postlint series`: a numbered series as a table (or JSON), problems inline, and the next number.

use std::io::{self, Write};

use serde::Serialize;

use super::display_path;
use crate::collection::Collection;
use crate::dates;
use crate::engine::Outcome;
use crate::series::Source;

#[derive(Debug, Serialize)]
pub struct SeriesView {
    pub collection: String,
    /// Where numbers come from: `body`, `slug`, `file`, `title`, `heading`.
    pub sources: Vec<&'static str>,
    pub detected: bool,
    /// The number the next post should take.
    pub next: u64,
    pub posts: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub number: Option<u64>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub path: String,
    pub draft: bool,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub rule: &'static str,
    pub severity: &'static str,
    pub message: String,
}

/// The view of one collection's series, with the findings of `outcome` on its posts.
pub fn view(collection: &Collection, outcome: &Outcome) -> Option<SeriesView> {
    let series = collection.series.as_ref()?;
    let sources = [
        (series.body.is_some(), Source::Body, "body"),
        (series.slug.is_some(), Source::Slug, "slug"),
        (series.file.is_some(), Source::File, "file"),
        (series.title.is_some(), Source::Title, "title"),
        (series.heading.is_some(), Source::Heading, "heading"),
    ];
    let published = dates::Published::of(collection);
    let mut posts: Vec<Row> = collection
        .series_members()
        .iter()
        .map(|member| {
            let post = &collection.posts[member.index];
            let date = published.date(post).map(|d| d.text.to_owned());
            let problems = outcome
                .diagnostics
                .iter()
                .filter(|d| d.path == post.path)
                .map(|d| Problem {
                    rule: d.rule,
                    severity: d.severity.as_str(),
                    message: d.message.clone(),
                })
                .collect();
            Row {
                number: member.number,
                date,
                title: post
                    .field("title")
                    .and_then(|e| e.value.value.as_str())
                    .map(str::to_owned),
                path: display_path(&post.path),
                draft: dates::is_draft(post),
                problems,
            }
        })
        .collect();
    posts.sort_by(|a, b| {
        (a.number.is_none(), a.number, &a.path).cmp(&(b.number.is_none(), b.number, &b.path))
    });
    let next = collection.next_series_number()?;
    Some(SeriesView {
        collection: collection.name.clone(),
        sources: sources
            .iter()
            .filter(|(on, ..)| *on)
            .map(|(_, _, name)| *name)
            .collect(),
        detected: series.detected,
        next,
        posts,
    })
}

pub fn render_table(views: &[SeriesView], out: &mut dyn Write) -> io::Result<()> {
    for view in views {
        let how = if view.detected {
            "detected"
        } else {
            "declared"
        };
        writeln!(
            out,
            "{} — {} posts, numbers from {} ({how})",
            view.collection,
            view.posts.len(),
            view.sources.join(", ")
        )?;
        for row in &view.posts {
            let number = row.number.map_or("?".to_owned(), |n| n.to_string());
            let date = row.date.as_deref().map_or("", |d| d.get(..10).unwrap_or(d));
            let draft = if row.draft { " (draft)" } else { "" };
            writeln!(
                out,
                "{number:>5}  {date:<10}  {}  {}{draft}",
                row.path,
                row.title.as_deref().unwrap_or("")
            )?;
            for problem in &row.problems {
                writeln!(
                    out,
                    "{:>5}  ↳ {}[{}] {}",
                    "", problem.severity, problem.rule, problem.message
                )?;
            }
        }
        writeln!(out, "next number: {}", view.next)?;
    }
    if views.is_empty() {
        writeln!(out, "no collection is a numbered series")?;
    }
    Ok(())
}

pub fn render_json(views: &[SeriesView], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({"version": 1, "series": views}),
    )?;
    writeln!(out)
}

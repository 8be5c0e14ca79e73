//! `--format json`: a stable document, `{"version": 1, "diagnostics": [...], "summary": {...}}`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{counts, display_path, range};
use crate::engine::Outcome;

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics: Vec<Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let r = range(outcome, &d.path, d.span);
            let mut value = json!({
                "rule": d.rule,
                "severity": d.severity,
                "path": display_path(&d.path),
                "message": d.message,
                "span": d.span,
                "line": r.line,
                "column": r.column,
                "end_line": r.end_line,
                "end_column": r.end_column,
                "labels": d.labels.iter().map(|l| json!({"span": l.span, "message": l.message})).collect::<Vec<_>>(),
                "related": d.related.iter().map(|rel| {
                    let r = range(outcome, &rel.path, rel.span);
                    json!({"path": display_path(&rel.path), "span": rel.span, "line": r.line, "column": r.column, "message": rel.message})
                }).collect::<Vec<_>>(),
            });
            if let Some(help) = &d.help {
                value["help"] = json!(help);
            }
            if let Some(fix) = &d.fix {
                value["fix"] = json!(fix);
            }
            value
        })
        .collect();
    let c = counts(&outcome.diagnostics);
    let document = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {"errors": c.errors, "warnings": c.warnings, "infos": c.infos, "files_checked": outcome.files_checked},
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

//! `--format sarif`: SARIF 2.1.0 with the rule table, for GitHub code scanning.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{display_path, range};
use crate::diagnostic::Severity;
use crate::engine::Outcome;
use crate::rules;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let all = rules::all();
    let rule_table: Vec<Value> = all
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            json!({
                "id": meta.name,
                "name": meta.name,
                "shortDescription": {"text": meta.summary},
                "helpUri": crate::rule_doc_url(meta.name),
                "defaultConfiguration": {"level": if meta.enabled { level(meta.severity) } else { "none" }},
                "properties": {"category": meta.category},
            })
        })
        .collect();
    let results: Vec<Value> = outcome
        .diagnostics
        .iter()
        .map(|d| {
            let location = |path: &std::path::Path, span: crate::diagnostic::Span| {
                let r = range(outcome, path, span);
                json!({"physicalLocation": {
                    "artifactLocation": {"uri": display_path(path)},
                    "region": {
                        "startLine": r.line, "startColumn": r.column, "endLine": r.end_line, "endColumn": r.end_column,
                        "byteOffset": span.start, "byteLength": span.len(),
                    },
                }})
            };
            let text = d.message_with_help();
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    let mut loc = location(&rel.path, rel.span);
                    loc["id"] = json!(i);
                    loc["message"] = json!({"text": rel.message});
                    loc
                })
                .collect();
            let mut result = json!({
                "ruleId": d.rule,
                "ruleIndex": all.iter().position(|r| r.meta().name == d.rule).unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [location(&d.path, d.span)],
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    let document = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "postlint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rule_table,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

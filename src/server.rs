//! `postlint server`: the Language Server Protocol over standard input and output.
//!
//! Sync, like the rest of postlint: one reader thread frames messages (and survives a malformed
//! one, which lsp-server's own stdio transport does not), the main thread lints and answers.

use std::collections::HashMap;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::Value;

use crate::diagnostic::{Applicability, Diagnostic, Severity, Span};
use crate::engine::{self, Outcome, Request as LintRequest, Source};
use crate::index::listings::Listings;
use crate::net::Checker;
use crate::net::cache::{Cache, CachedChecker};
use crate::post::{LineIndex, split};
use crate::rules;
use crate::settings::{CliOverrides, Project, Settings};

/// Quiet time after a change before linting: typing does not lint every keystroke.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// An open document and what was last found in it.
struct Document {
    path: PathBuf,
    text: String,
    /// The last findings, and the same as published (parallel): code actions and hover reuse them.
    diagnostics: Vec<Diagnostic>,
    published: Vec<lsp::Diagnostic>,
}

#[allow(clippy::mutable_key_type)]
struct Server {
    out: io::Stdout,
    documents: HashMap<lsp::Uri, Document>,
    /// Documents changed and waiting for the debounce to pass.
    pending: HashMap<lsp::Uri, Instant>,
    shutting_down: bool,
}

/// Runs the server until `exit`; returns the process exit code (0 after `shutdown`).
pub fn run() -> io::Result<u8> {
    let (tx, rx) = mpsc::channel::<Result<Message, String>>();
    std::thread::spawn(move || {
        let mut stdin = BufReader::new(io::stdin());
        loop {
            match Message::read(&mut stdin) {
                Ok(Some(message)) => {
                    if tx.send(Ok(message)).is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                // The frame was read whole: report it and go on with the next one.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    if tx.send(Err(e.to_string())).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    let mut server = Server {
        out: io::stdout(),
        documents: HashMap::new(),
        pending: HashMap::new(),
        shutting_down: false,
    };
    loop {
        let wait = server
            .pending
            .values()
            .min()
            .map(|due| due.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(3600));
        match rx.recv_timeout(wait) {
            Ok(Ok(Message::Request(request))) => server.request(request)?,
            Ok(Ok(Message::Notification(notification))) => {
                if notification.method == "exit" {
                    return Ok(if server.shutting_down { 0 } else { 1 });
                }
                server.notification(notification)?;
            }
            Ok(Ok(Message::Response(_))) => {}
            Ok(Err(error)) => server.send(Message::Response(Response::new_err(
                RequestId::from(0),
                ErrorCode::ParseError as i32,
                error,
            )))?,
            Err(RecvTimeoutError::Timeout) => server.lint_due()?,
            Err(RecvTimeoutError::Disconnected) => return Ok(1),
        }
    }
}

impl Server {
    fn send(&mut self, message: Message) -> io::Result<()> {
        message.write(&mut self.out)?;
        self.out.flush()
    }

    fn request(&mut self, request: Request) -> io::Result<()> {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            "initialize" => Ok(capabilities()),
            "shutdown" => {
                self.shutting_down = true;
                Ok(Value::Null)
            }
            "textDocument/codeAction" => self.code_actions(request.params),
            "textDocument/hover" => self.hover(request.params),
            method => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method `{method}`"),
            )),
        };
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response))
    }

    fn notification(&mut self, notification: Notification) -> io::Result<()> {
        let params = notification.params;
        match notification.method.as_str() {
            "initialized" => self.watch_config(),
            "textDocument/didOpen" => {
                let Ok(params) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(params)
                else {
                    return Ok(());
                };
                let Some(path) = file_path(&params.text_document.uri) else {
                    return Ok(());
                };
                self.documents.insert(
                    params.text_document.uri.clone(),
                    Document {
                        path,
                        text: params.text_document.text,
                        diagnostics: Vec::new(),
                        published: Vec::new(),
                    },
                );
                self.lint(&params.text_document.uri)
            }
            "textDocument/didChange" => {
                let Ok(params) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(params)
                else {
                    return Ok(());
                };
                if let Some(document) = self.documents.get_mut(&params.text_document.uri)
                    && let Some(change) = params.content_changes.into_iter().last()
                {
                    // Full synchronisation: each change carries the whole text.
                    document.text = change.text;
                    self.pending
                        .insert(params.text_document.uri, Instant::now() + DEBOUNCE);
                }
                Ok(())
            }
            "textDocument/didSave" => {
                let Ok(params) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(params)
                else {
                    return Ok(());
                };
                self.pending.remove(&params.text_document.uri);
                self.lint(&params.text_document.uri)
            }
            "textDocument/didClose" => {
                let Ok(params) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(params)
                else {
                    return Ok(());
                };
                self.documents.remove(&params.text_document.uri);
                self.pending.remove(&params.text_document.uri);
                self.publish(params.text_document.uri, Vec::new())
            }
            // postlint.toml changed: settings are read afresh on every lint, so re-lint what is open.
            "workspace/didChangeWatchedFiles" => {
                let open: Vec<lsp::Uri> = self.documents.keys().cloned().collect();
                open.iter().try_for_each(|uri| self.lint(uri))
            }
            _ => Ok(()),
        }
    }

    /// Asks the client to report changes of postlint.toml (clients that cannot simply ignore it).
    fn watch_config(&mut self) -> io::Result<()> {
        let options = lsp::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String("**/postlint.toml".into()),
                kind: None,
            }],
        };
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "postlint-config".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(Message::Request(Request::new(
            RequestId::from("register-config-watcher".to_owned()),
            "client/registerCapability".into(),
            params,
        )))
    }

    fn lint_due(&mut self) -> io::Result<()> {
        let now = Instant::now();
        let due: Vec<lsp::Uri> = self
            .pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in due {
            self.pending.remove(&uri);
            self.lint(&uri)?;
        }
        Ok(())
    }

    /// Lints one open document from its unsaved text, its collection read from the workspace.
    fn lint(&mut self, uri: &lsp::Uri) -> io::Result<()> {
        let Some(document) = self.documents.get(uri) else {
            return Ok(());
        };
        let outcome = lint_document(&document.path, &document.text);
        let lines = LineIndex::new(&document.text);
        let published: Vec<lsp::Diagnostic> = outcome
            .diagnostics
            .iter()
            .map(|d| to_lsp(d, &document.text, &lines, &outcome.sources))
            .collect();
        if let Some(document) = self.documents.get_mut(uri) {
            document.diagnostics = outcome.diagnostics;
            document.published = published.clone();
        }
        self.publish(uri.clone(), published)
    }

    fn publish(&mut self, uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>) -> io::Result<()> {
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        )))
    }

    fn code_actions(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let params: lsp::CodeActionParams = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let Some(document) = self.documents.get(&params.text_document.uri) else {
            return Ok(Value::Array(Vec::new()));
        };
        let lines = LineIndex::new(&document.text);
        let uri = &params.text_document.uri;
        let mut actions = Vec::new();
        for (d, lsp_diagnostic) in document
            .diagnostics
            .iter()
            .zip(&document.published)
            .filter(|(_, published)| overlaps(published.range, params.range))
        {
            let lsp_diagnostic = lsp_diagnostic.clone();
            if let Some(fix) = &d.fix {
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| lsp::TextEdit {
                        range: range(&document.text, &lines, e.span),
                        new_text: e.replacement.clone(),
                    })
                    .collect();
                let unsafe_note = if fix.applicability == Applicability::Unsafe {
                    " (unsafe)"
                } else {
                    ""
                };
                actions.push(action(
                    format!("{}{unsafe_note}", capitalize(&fix.message)),
                    uri,
                    edits,
                    Some(lsp_diagnostic.clone()),
                    fix.applicability == Applicability::Safe,
                ));
            }
            actions.push(action(
                format!("Disable {} for this line", d.rule),
                uri,
                vec![disable_line(&document.text, &lines, d)],
                Some(lsp_diagnostic.clone()),
                false,
            ));
            let end = lines.line_col_utf16(&document.text, document.text.len());
            let at_end = lsp::Position {
                line: end.line as u32 - 1,
                character: end.column as u32 - 1,
            };
            let newline = if document.text.is_empty() || document.text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            let file_edit = lsp::TextEdit {
                range: lsp::Range {
                    start: at_end,
                    end: at_end,
                },
                new_text: format!("{newline}\n<!-- postlint-disable-file {} -->\n", d.rule),
            };
            actions.push(action(
                format!("Disable {} for this file", d.rule),
                uri,
                vec![file_edit],
                Some(lsp_diagnostic),
                false,
            ));
        }
        serde_json::to_value(actions).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    fn hover(&self, params: Value) -> Result<Value, (ErrorCode, String)> {
        let params: lsp::HoverParams = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let position = params.text_document_position_params.position;
        let Some(document) = self
            .documents
            .get(&params.text_document_position_params.text_document.uri)
        else {
            return Ok(Value::Null);
        };
        let at = lsp::Range {
            start: position,
            end: position,
        };
        let texts: Vec<String> = document
            .diagnostics
            .iter()
            .zip(&document.published)
            .filter(|(_, published)| overlaps(published.range, at))
            .filter_map(|(d, _)| rules::by_name(d.rule))
            .map(|rule| {
                let meta = rule.meta();
                format!(
                    "**{}** ({}): {}\n\n[Documentation]({})",
                    meta.name,
                    meta.category,
                    meta.summary,
                    crate::rule_doc_url(meta.name)
                )
            })
            .collect();
        if texts.is_empty() {
            return Ok(Value::Null);
        }
        let hover = lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: texts.join("\n\n---\n\n"),
            }),
            range: None,
        };
        serde_json::to_value(hover).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }
}

fn capabilities() -> Value {
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        position_encoding: Some(lsp::PositionEncodingKind::UTF16),
        ..Default::default()
    };
    serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": {"name": "postlint", "version": env!("CARGO_PKG_VERSION")},
    })
}

/// The findings on one document (with the texts they point into), network results from the
/// cache only (never waiting).
fn lint_document(path: &Path, text: &str) -> Outcome {
    let project = Project::of(path, None);
    let cache_dir = crate::cache_dir::of_project(&project.root());
    let mut listings = Listings::open(&cache_dir);
    let detected = Settings::of_project(project, &CliOverrides::default(), Some(&mut listings));
    let Ok(settings) = detected else {
        return Outcome::default();
    };
    let listings = Mutex::new(listings);
    let (cache, _) = Cache::open(&cache_dir, settings.cache_ttl);
    let checker = CachedChecker::new(Some(cache), None);
    let request = LintRequest {
        stdin: Some((path.to_owned(), text.to_owned())),
        checker: Some(&checker as &dyn Checker),
        index_dir: Some(cache_dir),
        listings: Some(&listings),
        ..LintRequest::new(&settings)
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let target = crate::discover::normalize(path);
    let mut outcome = engine::lint(&request);
    outcome
        .diagnostics
        .retain(|d| crate::discover::normalize(&cwd.join(&d.path)) == target);
    outcome
}

/// An LSP range (UTF-16 columns, 0-based) for a byte span.
fn range(text: &str, lines: &LineIndex, span: Span) -> lsp::Range {
    let position = |offset| {
        let at = lines.line_col_utf16(text, offset);
        lsp::Position {
            line: at.line as u32 - 1,
            character: at.column as u32 - 1,
        }
    };
    lsp::Range {
        start: position(span.start),
        end: position(span.end),
    }
}

/// `sources` are the engine's texts of the other posts a finding relates to (not read again).
fn to_lsp(
    d: &Diagnostic,
    text: &str,
    lines: &LineIndex,
    sources: &HashMap<PathBuf, Source>,
) -> lsp::Diagnostic {
    let severity = match d.severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    };
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let other = sources.get(&r.path)?;
            let path = std::env::current_dir().unwrap_or_default().join(&r.path);
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location {
                    uri: file_uri(&path)?,
                    range: range(&other.text, &other.lines, r.span),
                },
                message: r.message.clone(),
            })
        })
        .collect();
    let message = d.message_with_help();
    lsp::Diagnostic {
        range: range(text, lines, d.span),
        severity: Some(severity),
        code: Some(lsp::NumberOrString::String(d.rule.to_owned())),
        code_description: lsp::Uri::from_str(&crate::rule_doc_url(d.rule))
            .ok()
            .map(|href| lsp::CodeDescription { href }),
        source: Some("postlint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// `<!-- postlint-disable-next-line RULE -->` above the line, or a YAML comment at its end
/// inside front matter.
fn disable_line(text: &str, lines: &LineIndex, d: &Diagnostic) -> lsp::TextEdit {
    let line = lines.line_of(d.span.start);
    let line_start = lines.line_start(line);
    let in_front_matter = match split::split(text) {
        split::Split::Closed { content, .. } => {
            content.contains(Span::new(d.span.start, d.span.start))
        }
        _ => false,
    };
    if in_front_matter {
        let line_end = text[line_start..]
            .find(['\r', '\n'])
            .map_or(text.len(), |i| line_start + i);
        let at = range(text, lines, Span::new(line_end, line_end));
        return lsp::TextEdit {
            range: at,
            new_text: format!(" # postlint-disable-line {}", d.rule),
        };
    }
    let at = range(text, lines, Span::new(line_start, line_start));
    lsp::TextEdit {
        range: at,
        new_text: format!("<!-- postlint-disable-next-line {} -->\n", d.rule),
    }
}

fn action(
    title: String,
    uri: &lsp::Uri,
    edits: Vec<lsp::TextEdit>,
    diagnostic: Option<lsp::Diagnostic>,
    preferred: bool,
) -> lsp::CodeActionOrCommand {
    // lsp-types keys workspace edits by `Uri`, whose parsed form caches lazily: never mutated here.
    #[allow(clippy::mutable_key_type)]
    let changes = HashMap::from([(uri.clone(), edits)]);
    lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
        title,
        kind: Some(lsp::CodeActionKind::QUICKFIX),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    })
}

fn overlaps(a: lsp::Range, b: lsp::Range) -> bool {
    let key = |p: lsp::Position| (p.line, p.character);
    key(a.start) <= key(b.end) && key(b.start) <= key(a.end)
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn file_path(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn file_uri(path: &Path) -> Option<lsp::Uri> {
    lsp::Uri::from_str(url::Url::from_file_path(path).ok()?.as_str()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_utf16_units_after_crlf_chinese_and_emoji() {
        let text = "---\r\ntitle: 中😀\r\n---\r\n中文😀 x\r\n";
        let lines = LineIndex::new(text);
        let x = text.rfind('x').unwrap();
        let r = range(text, &lines, Span::new(x, x + 1));
        assert_eq!(
            (r.start.line, r.start.character, r.end.character),
            (3, 5, 6)
        );
    }

    #[test]
    fn file_uris_round_trip_with_spaces_and_chinese() {
        let path = Path::new("/tmp/博客 posts/第 1 封信.md");
        let uri = file_uri(path).unwrap();
        assert!(uri.as_str().starts_with("file:///tmp/"));
        assert_eq!(file_path(&uri).as_deref(), Some(path));
    }
}

//! `postlint server`: a scripted LSP session over the built binary's standard input and output.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{NEWSLETTER_CONFIG, blog, letter};

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Session {
    fn start(dir: &std::path::Path) -> Session {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("postlint"))
            .arg("server")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Session {
            child,
            stdin,
            stdout,
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_raw(&message.to_string());
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.read();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn read(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed its output"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// The next `publishDiagnostics` notification.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let message = self.read();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

/// UTF-16 line and character of a byte offset, computed independently of postlint.
fn utf16_position(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].encode_utf16().count() as u64)
}

/// (rule, start, end) with positions as (line, UTF-16 character).
type Ranges = Vec<(String, (u64, u64), (u64, u64))>;

fn ranges(diagnostics: &[Value]) -> Ranges {
    let at = |p: &Value| {
        (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        )
    };
    let mut out: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                at(&d["range"]["start"]),
                at(&d["range"]["end"]),
            )
        })
        .collect();
    out.sort();
    out
}

fn apply(text: &str, edit: &Value) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = lines[..line].iter().map(|l| l.len()).sum();
        let mut units = 0;
        let character = p["character"].as_u64().unwrap() as usize;
        let within = lines.get(line).map_or(0, |l| {
            l.char_indices()
                .take_while(|(_, c)| {
                    let fits = units < character;
                    units += c.len_utf16();
                    fits
                })
                .count()
        });
        start
            + lines
                .get(line)
                .map_or(0, |l| l.chars().take(within).map(char::len_utf8).sum())
    };
    let (s, e) = (
        offset(&edit["range"]["start"]),
        offset(&edit["range"]["end"]),
    );
    format!(
        "{}{}{}",
        &text[..s],
        edit["newText"].as_str().unwrap(),
        &text[e..]
    )
}

/// A newsletter with letter 98 on disk and a server started in it; the URI is letter 99's.
fn newsletter_session() -> (tempfile::TempDir, String, Session) {
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-98.md",
            &letter(98, "newsletter-98"),
        ),
    ]);
    let path = dir.path().join("src/data/newsletter/newsletter-99.md");
    let uri = url::Url::from_file_path(&path).unwrap().to_string();
    let session = Session::start(dir.path());
    (dir, uri, session)
}

const PROBLEMS: &str = "---\ntitle: \"一颗小树 😀 #99\"\npubDatetime: \"2024-02-16T08:17:52Z\"\npostSlug: newsletter-98\ntags:\n  - newsletter\ndescription: \"第 99 封信。\"\n---\n\n> 你好😀，这是我为你写的第 99 封信。看 (文档)[https://docs.rs/regex]。\n";

#[test]
fn a_scripted_session() {
    let (_dir, uri, mut session) = newsletter_session();

    let init = session.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "postlint");
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    session.notify("initialized", json!({}));
    session.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": PROBLEMS}}));
    let diagnostics = session.diagnostics();

    // The ranges are the JSON reporter's spans in UTF-16, after Chinese text and an emoji.
    let quoted = PROBLEMS.find("\"2024").unwrap();
    let reversed = PROBLEMS.find("(文档)").unwrap();
    let reversed_end = PROBLEMS.find("]。").unwrap() + 1;
    let slug = PROBLEMS.find("newsletter-98").unwrap();
    assert_eq!(
        ranges(&diagnostics),
        [
            (
                "field-type".to_owned(),
                utf16_position(PROBLEMS, quoted),
                utf16_position(PROBLEMS, quoted + 22)
            ),
            (
                "link-syntax".to_owned(),
                utf16_position(PROBLEMS, reversed),
                utf16_position(PROBLEMS, reversed_end)
            ),
            (
                "slug-duplicate".to_owned(),
                utf16_position(PROBLEMS, slug),
                utf16_position(PROBLEMS, slug + 13)
            ),
        ]
    );
    assert_eq!(
        ranges(&diagnostics)[1].1,
        (9, 24),
        "`(` after 你好😀 (the emoji is two UTF-16 units)"
    );
    let duplicate = diagnostics
        .iter()
        .find(|d| d["code"] == "slug-duplicate")
        .unwrap();
    assert!(
        duplicate["relatedInformation"][0]["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("newsletter-98.md"),
        "{duplicate}"
    );
    assert!(
        duplicate["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("rules/slug-duplicate.md")
    );
    assert_eq!(duplicate["severity"], 1);

    // Fix the slug in the editor: after the debounce, fresh diagnostics without the duplicate.
    let fixed_slug = PROBLEMS.replace("newsletter-98", "newsletter-99");
    session.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed_slug}]}));
    let diagnostics = session.diagnostics();
    let codes: Vec<String> = ranges(&diagnostics).into_iter().map(|r| r.0).collect();
    assert_eq!(codes, ["field-type", "link-syntax"]);

    // Hover on the reversed link shows the rule's summary.
    let hover = session.request(
        2,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 26}}),
    );
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**link-syntax**"),
        "{hover}"
    );

    // Code actions on the quoted date: the safe fix is preferred; applying it clears the finding.
    let date = diagnostics
        .iter()
        .find(|d| d["code"] == "field-type")
        .unwrap()
        .clone();
    let actions = session.request(3, "textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": date["range"], "context": {"diagnostics": [date]}}));
    let actions = actions["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Remove the quotes",
            "Disable field-type for this line",
            "Disable field-type for this file"
        ]
    );
    assert_eq!(actions[0]["isPreferred"], true);
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    let fixed = apply(&fixed_slug, edit);
    assert!(
        fixed.contains("\npubDatetime: 2024-02-16T08:17:52Z\n"),
        "{fixed}"
    );
    let disable = &actions[1]["edit"]["changes"][&uri][0];
    assert!(
        apply(&fixed_slug, disable)
            .contains("\"2024-02-16T08:17:52Z\" # postlint-disable-line field-type\n")
    );
    session.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    session.diagnostics();
    session.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(
        ranges(&session.diagnostics())
            .into_iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        ["link-syntax"]
    );

    // A malformed message and an unknown method do not kill the server.
    session.send_raw("{this is not json");
    let error = session.read();
    assert_eq!(error["error"]["code"], -32700);
    let unknown = session.request(4, "postlint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);

    // Closing clears the document's diagnostics.
    session.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(session.diagnostics().is_empty());

    let shutdown = session.request(5, "shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    session.notify("exit", Value::Null);
    let status = session.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn memory_stays_flat_over_a_thousand_edits() {
    let (_dir, uri, mut session) = newsletter_session();
    session.request(
        1,
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    session.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": PROBLEMS}}));
    session.diagnostics();
    let rss = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let pid = session.child.id();
    let mut after_warm_up = 0;
    let start = Instant::now();
    for version in 2..1002 {
        let text = format!("{PROBLEMS}\n编辑 {version} 次。\n");
        session.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}));
        // Saving lints at once: every tenth edit is a full lint, the rest are debounced.
        if version % 10 == 0 {
            session.notify(
                "textDocument/didSave",
                json!({"textDocument": {"uri": uri}}),
            );
            session.diagnostics();
        }
        if version == 100 {
            after_warm_up = rss(pid);
        }
    }
    let end = rss(pid);
    if after_warm_up > 0 {
        assert!(
            end < after_warm_up + 20_000,
            "RSS grew from {after_warm_up} KB to {end} KB"
        );
    }
    assert!(start.elapsed() < Duration::from_secs(120));
    session.request(2, "shutdown", Value::Null);
    session.notify("exit", Value::Null);
    assert_eq!(session.child.wait().unwrap().code(), Some(0));
}

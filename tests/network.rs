//! `image-unreachable` against a real HTTP server on 127.0.0.1 started by each test.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{blog, postlint};
use crate::server::Server;

/// Fast settings so retries and timeouts take seconds, not minutes. The timeout stays under the
/// 5 s the slow and silent endpoints wait, with room for a loaded machine: at 2 s, `/down.png`
/// once ended in another class than its 503 under a full `cargo test --release` (most likely no
/// answer in time; not reproduced in 12 concurrent runs since).
const NETWORK: &str = "[network]\ntimeout = 4\nconnect-timeout = 1\nretry-backoff-ms = 50\nretries = 2\nbudget = 30\n";

fn config(extra: &str) -> String {
    format!("[collections.blog]\ninclude = [\"*.md\"]\npreset = \"generic\"\n\n{NETWORK}{extra}")
}

/// Runs `postlint check` (`--network on` unless the arguments say otherwise) and returns (rule, severity, message) by image URL text.
fn check(
    dir: &std::path::Path,
    extra_args: &[&str],
) -> (HashMap<String, Vec<(String, String)>>, String) {
    let mut args = vec!["check", "--format", "json", "--select", "image-unreachable"];
    args.extend(extra_args);
    if !extra_args.contains(&"--network") {
        args.extend(["--network", "on"]);
    }
    let output = postlint(dir).args(&args).output().unwrap();
    assert_ne!(output.status.code(), Some(101));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut by_url: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for d in doc["diagnostics"].as_array().unwrap() {
        let path = dir.join(d["path"].as_str().unwrap());
        let text = std::fs::read_to_string(path).unwrap();
        let (s, e) = (
            d["span"]["start"].as_u64().unwrap() as usize,
            d["span"]["end"].as_u64().unwrap() as usize,
        );
        by_url.entry(text[s..e].to_owned()).or_default().push((
            d["severity"].as_str().unwrap().to_owned(),
            d["message"].as_str().unwrap().to_owned(),
        ));
    }
    (by_url, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_failure_class_lands_on_the_url_with_its_severity() {
    let server = Server::start();
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let paths = [
        "/ok.png",
        "/gone.png",
        "/removed.png",
        "/forbidden.png",
        "/flaky.png",
        "/down.png",
        "/busy.png",
        "/nohead.png",
        "/chain-1",
        "/loop-a",
        "/moved.png",
        "/page.png",
        "/octet.bin",
        "/slow.png",
    ];
    let mut body: String = paths
        .iter()
        .map(|p| format!("![x]({})\n\n", server.url(p)))
        .collect();
    body.push_str(&format!("![x](http://127.0.0.1:{refused}/nothing.png)\n"));
    let dir = blog(&[("postlint.toml", &config("")), ("a.md", &body)]);
    let started = Instant::now();
    let (found, _) = check(dir.path(), &["--allow-private"]);
    let at = |path: &str| found.get(&server.url(path)).cloned().unwrap_or_default();
    let one = |path: &str| {
        let f = at(path);
        assert_eq!(f.len(), 1, "{path}: {f:?}");
        f[0].clone()
    };
    assert!(
        at("/ok.png").is_empty()
            && at("/flaky.png").is_empty()
            && at("/busy.png").is_empty()
            && at("/nohead.png").is_empty()
            && at("/chain-1").is_empty(),
        "{found:#?}"
    );
    assert_eq!(
        one("/gone.png"),
        (
            "error".into(),
            format!("image `{}` is gone (404)", server.url("/gone.png"))
        )
    );
    assert_eq!(
        one("/removed.png").1,
        format!("image `{}` is gone (410)", server.url("/removed.png"))
    );
    assert_eq!(
        one("/forbidden.png").1,
        format!("image `{}` answers 401", server.url("/forbidden.png"))
    );
    assert_eq!(
        one("/down.png"),
        (
            "warning".into(),
            format!(
                "image `{}`: server error 503, not verified",
                server.url("/down.png")
            )
        )
    );
    assert_eq!(one("/loop-a").0, "error");
    let looped = one("/loop-a").1;
    assert!(looped.contains("redirects in a loop"), "{looped}");
    assert_eq!(
        one("/moved.png"),
        (
            "info".into(),
            format!(
                "image `{}` moved permanently to `{}`",
                server.url("/moved.png"),
                server.url("/ok.png")
            )
        )
    );
    assert_eq!(
        one("/page.png"),
        (
            "error".into(),
            format!(
                "image `{}` serves an HTML page, not an image (hotlink protection or a removed file)",
                server.url("/page.png")
            )
        )
    );
    assert_eq!(one("/octet.bin").0, "info");
    assert_eq!(
        one("/slow.png"),
        (
            "warning".into(),
            format!(
                "image `{}`: no answer in time, not verified",
                server.url("/slow.png")
            )
        )
    );
    let refused_url = format!("http://127.0.0.1:{refused}/nothing.png");
    assert_eq!(found[&refused_url][0].0, "error", "{found:#?}");
    // Retried: 500 then 200, 429 (Retry-After: 1) then 200; HEAD 405 then GET; a 5xx three
    // times; a timeout twice. A loaded machine may add one transport-level retry.
    let about = |path: &str, n: usize| {
        let count = server.count(path);
        assert!(
            (n..=n + 1).contains(&count),
            "{path}: {count} requests, expected {n}"
        );
    };
    about("/flaky.png", 2);
    about("/busy.png", 2);
    about("/nohead.png", 2);
    about("/down.png", 3);
    about("/slow.png", 2);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn each_url_is_requested_once_and_a_warm_cache_sends_nothing() {
    let server = Server::start();
    let post = format!(
        "![a]({})\n\n![b]({})\n",
        server.url("/ok.png"),
        server.url("/gone.png")
    );
    let dir = blog(&[
        ("postlint.toml", &config("")),
        ("a.md", &post),
        ("b.md", &post),
        ("c.md", &format!("![c]({})\n", server.url("/ok.png"))),
    ]);
    let (found, stderr) = check(dir.path(), &["--allow-private"]);
    assert_eq!(server.count("/ok.png"), 1, "three posts, one request");
    assert_eq!(server.count("/gone.png"), 1);
    assert_eq!(
        found[&server.url("/gone.png")].len(),
        2,
        "reported in both posts"
    );
    assert!(
        stderr.contains("2 URLs: 0 from cache, 2 checked (1 failed)"),
        "{stderr}"
    );
    // Second run: the success comes from the cache, the failure is checked again.
    let (_, stderr) = check(dir.path(), &["--allow-private"]);
    assert_eq!(
        server.count("/ok.png"),
        1,
        "a warm cache sends no request for a success"
    );
    assert_eq!(server.count("/gone.png"), 2, "failures are never cached");
    assert!(
        stderr.contains("2 URLs: 1 from cache, 1 checked (1 failed)"),
        "{stderr}"
    );
    // Cached mode never waits on the network; unknown URLs are silent.
    let (found, _) = check(dir.path(), &["--allow-private", "--network", "cached"]);
    assert!(found.is_empty());
    assert_eq!(server.total(), 3);
}

#[test]
fn private_addresses_are_never_requested_by_default() {
    let server = Server::start();
    // A public-looking name pinned to the test server: its redirect to 127.0.0.1 is refused.
    let pinned = format!(
        "resolve = {{ \"cdn.example.com\" = \"127.0.0.1:{}\" }}\n",
        server.port
    );
    let post = format!(
        "![a]({})\n\n![b](http://cdn.example.com/to-loopback)\n",
        server.url("/ok.png")
    );
    let dir = blog(&[("postlint.toml", &config(&pinned)), ("a.md", &post)]);
    let (found, _) = check(dir.path(), &[]);
    assert_eq!(
        server.count("/ok.png"),
        0,
        "a loopback URL gets zero requests"
    );
    assert_eq!(
        found[&server.url("/ok.png")],
        [(
            "info".to_owned(),
            format!(
                "image `{}` not checked: loopback address",
                server.url("/ok.png")
            )
        )]
    );
    assert_eq!(server.count("/to-loopback"), 1);
    assert_eq!(
        found["http://cdn.example.com/to-loopback"],
        [(
            "info".to_owned(),
            "image `http://cdn.example.com/to-loopback` not checked: loopback address".to_owned()
        )]
    );
}

#[test]
fn network_unavailable_is_one_notice() {
    let refused: Vec<u16> = (0..3)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let post: String = refused
        .iter()
        .map(|p| format!("![x](http://127.0.0.1:{p}/a.png)\n\n"))
        .collect();
    let dir = blog(&[("postlint.toml", &config("")), ("a.md", &post)]);
    let (found, stderr) = check(dir.path(), &["--allow-private"]);
    assert!(found.is_empty(), "{found:#?}");
    assert!(
        stderr.contains("notice: network unavailable: 3 image URLs not verified"),
        "{stderr}"
    );
}

#[test]
fn cache_clear_removes_the_cache() {
    let server = Server::start();
    let dir = blog(&[
        ("postlint.toml", &config("")),
        ("a.md", &format!("![a]({})\n", server.url("/ok.png"))),
    ]);
    check(dir.path(), &["--allow-private"]);
    assert!(dir.path().join(".postlint-cache/urls.json").is_file());
    postlint(dir.path())
        .args(["cache", "clear"])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with("cleared "));
    assert!(!dir.path().join(".postlint-cache/urls.json").exists());
    check(dir.path(), &["--allow-private"]);
    assert_eq!(
        server.count("/ok.png"),
        2,
        "after clearing, the URL is requested again"
    );
    // --no-cache neither reads nor writes it.
    std::fs::remove_dir_all(dir.path().join(".postlint-cache")).unwrap();
    check(dir.path(), &["--allow-private", "--no-cache"]);
    assert!(!dir.path().join(".postlint-cache").exists());
}

/// A raw TCP server misbehaving by request path, below what an HTTP library would allow.
fn fault_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let head = request.starts_with("HEAD");
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let _ = match path.as_str() {
                    "/silent.png" => {
                        std::thread::sleep(Duration::from_secs(5));
                        Ok(())
                    }
                    "/drip.png" => {
                        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n" {
                            if stream.write_all(&[*byte]).is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(500));
                        }
                        Ok(())
                    }
                    "/endless.png" if head => stream.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"),
                    "/endless.png" => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n");
                        let chunk = vec![0u8; 64 * 1024];
                        // Stops when postlint hangs up, or after 1 GiB.
                        for _ in 0..16_384 {
                            if stream.write_all(&chunk).is_err() {
                                break;
                            }
                        }
                        Ok(())
                    }
                    "/bomb.png" => {
                        // A body that claims gzip: postlint asks for no encoding and never inflates.
                        let body = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
                        let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
                        stream.write_all(if head { &[] } else { &body })
                    }
                    "/malformed.png" => stream.write_all(b"HTTP/1.1 abc\r\n\x00\x01garbage\r\n\r\n"),
                    "/reset.png" => Ok(()),
                    "/stale.png" if head => {
                        // Keeps the connection as HTTP/1.1 allows, then hangs up on the next
                        // request, as a server whose idle timeout crosses the client's reuse.
                        let _ = stream.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
                        let _ = stream.read(&mut buf);
                        Ok(())
                    }
                    "/stale.png" => stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 0\r\n\r\n"),
                    "/always-busy.png" => stream.write_all(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"),
                    _ => stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
                };
                // Dropping the stream closes (or resets) the connection.
            });
        }
    });
    port
}

#[test]
fn network_faults_end_in_their_class_within_the_budget() {
    let port = fault_server();
    let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
    let paths = [
        "/silent.png",
        "/drip.png",
        "/endless.png",
        "/bomb.png",
        "/malformed.png",
        "/reset.png",
        "/always-busy.png",
        "/stale.png",
    ];
    let body: String = paths
        .iter()
        .map(|p| format!("![x]({})\n\n", url(p)))
        .collect();
    let dir = blog(&[("postlint.toml", &config("")), ("a.md", &body)]);
    let start = Instant::now();
    let (found, _) = check(dir.path(), &["--allow-private"]);
    let elapsed = start.elapsed();
    let first = |path: &str| found.get(&url(path)).map(|f| f[0].clone());
    assert_eq!(
        first("/silent.png").map(|f| f.1),
        Some(format!(
            "image `{}`: no answer in time, not verified",
            url("/silent.png")
        ))
    );
    assert_eq!(
        first("/drip.png").map(|f| f.0),
        Some("warning".into()),
        "{found:#?}"
    );
    assert_eq!(
        first("/endless.png"),
        None,
        "an endless body is cut after a few KiB: {found:#?}"
    );
    assert_eq!(first("/bomb.png"), None, "a gzip body is never inflated");
    assert_eq!(
        first("/stale.png"),
        None,
        "a GET on a connection the server hung up is sent again on a new one: {found:#?}"
    );
    assert_eq!(
        first("/malformed.png").map(|f| f.0),
        Some("error".into()),
        "{found:#?}"
    );
    assert_eq!(
        first("/reset.png").map(|f| f.0),
        Some("error".into()),
        "{found:#?}"
    );
    assert_eq!(
        first("/always-busy.png").map(|f| f.1),
        Some(format!(
            "image `{}`: rate-limited (429), not verified",
            url("/always-busy.png")
        ))
    );
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
}

#[test]
fn cache_faults_never_stop_the_run() {
    let server = Server::start();
    let post = format!("![a]({})\n", server.url("/ok.png"));
    let dir = blog(&[("postlint.toml", &config("")), ("a.md", &post)]);
    // A cache from a future version is ignored (and replaced).
    std::fs::create_dir_all(dir.path().join(".postlint-cache")).unwrap();
    std::fs::write(
        dir.path().join(".postlint-cache/urls.json"),
        r#"{"version": 99, "entries": {}}"#,
    )
    .unwrap();
    let (found, _) = check(dir.path(), &["--allow-private"]);
    assert!(found.is_empty());
    assert_eq!(server.count("/ok.png"), 1);
    // A truncated cache: a warning, the URL is checked again, the run goes on.
    let cache = std::fs::read(dir.path().join(".postlint-cache/urls.json")).unwrap();
    std::fs::write(
        dir.path().join(".postlint-cache/urls.json"),
        &cache[..cache.len() / 2],
    )
    .unwrap();
    let (found, stderr) = check(dir.path(), &["--allow-private"]);
    assert!(found.is_empty());
    assert!(
        stderr.contains("unreadable cache ignored and rebuilt"),
        "{stderr}"
    );
    assert_eq!(server.count("/ok.png"), 2);
    // A cache folder that cannot be created: a warning, results unchanged.
    std::fs::write(dir.path().join("not-a-folder"), "x").unwrap();
    let (found, stderr) = check(
        dir.path(),
        &["--allow-private", "--cache-dir", "not-a-folder/cache"],
    );
    assert!(found.is_empty());
    assert!(
        stderr.contains("warning: cannot write the network cache"),
        "{stderr}"
    );
    // Two runs at once: the cache stays readable.
    let run = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("postlint"))
            .args(["check", "--network", "on", "--allow-private", "--quiet"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (run(), run());
    a.wait().unwrap();
    b.wait().unwrap();
    let cache: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".postlint-cache/urls.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cache["version"], 1);
}

#[test]
fn headers_accepted_statuses_exclusions_and_host_spacing_are_honoured() {
    let server = Server::start();
    let extra = "accept-status = [401]\nexclude = ['/excluded/']\nhost-interval-ms = 300\nper-host = 8\nheaders.\"127.0.0.1\" = { Referer = \"https://blog.example/\" }\n";
    let post = format!(
        "![a]({})\n\n![b]({})\n\n![c]({})\n",
        server.url("/needs-referer.png"),
        server.url("/forbidden.png"),
        server.url("/excluded/gone.png")
    );
    let dir = blog(&[("postlint.toml", &config(extra)), ("a.md", &post)]);
    let start = Instant::now();
    let (found, _) = check(dir.path(), &["--allow-private"]);
    assert!(
        found.is_empty(),
        "the Referer is sent, 401 is accepted, the excluded URL is skipped: {found:#?}"
    );
    assert_eq!(server.count("/excluded/gone.png"), 0);
    // Two requests to one host, 300 ms apart at least.
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    // Without the header the CDN refuses the image.
    let dir = blog(&[
        ("postlint.toml", &config("")),
        (
            "a.md",
            &format!("![a]({})\n", server.url("/needs-referer.png")),
        ),
    ]);
    let (found, _) = check(dir.path(), &["--allow-private"]);
    assert!(
        found[&server.url("/needs-referer.png")][0]
            .1
            .contains("answers 403")
            || found[&server.url("/needs-referer.png")][0]
                .1
                .contains("HTML"),
        "{found:#?}"
    );
}

//! A fault-injecting image server on 127.0.0.1 for network tests; it counts every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fault-injecting image server on loopback that counts every request by path.
pub struct Server {
    pub port: u16,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    server: Arc<tiny_http::Server>,
}

impl Server {
    pub fn start() -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().unwrap().port();
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (accept, seen) = (server.clone(), counts.clone());
        std::thread::spawn(move || {
            for request in accept.incoming_requests() {
                let path = request.url().to_owned();
                let method = request.method().clone();
                let n = {
                    let mut seen = seen.lock().unwrap();
                    let n = seen.entry(path.clone()).or_default();
                    *n += 1;
                    *n
                };
                std::thread::spawn(move || respond(request, &path, &method, n, port));
            }
        });
        Server {
            port,
            counts,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn count(&self, path: &str) -> usize {
        self.counts.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.counts.lock().unwrap().values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// What the server answers: status, (content type, body), extra headers.
type Canned<'a> = (u16, (&'a str, Vec<u8>), Vec<(&'a str, String)>);

fn respond(
    request: tiny_http::Request,
    path: &str,
    method: &tiny_http::Method,
    n: usize,
    port: u16,
) {
    use tiny_http::{Header, Response};
    let headers = request.headers().to_vec();
    let png = ("image/png", b"\x89PNG".to_vec());
    let html = (
        "text/html; charset=utf-8",
        b"<html>no hotlinking</html>".to_vec(),
    );
    // (status, content type and body, extra headers)
    let (status, (content_type, body), extra): Canned = match path {
        "/ok.png" | "/tree.png" => (200, png, vec![]),
        "/gone.png" => (404, png, vec![]),
        "/removed.png" => (410, png, vec![]),
        "/forbidden.png" => (401, png, vec![]),
        "/flaky.png" if n == 1 => (500, png, vec![]),
        "/flaky.png" => (200, png, vec![]),
        "/down.png" => (503, png, vec![]),
        "/busy.png" if n == 1 => (429, png, vec![("Retry-After", "1".into())]),
        "/busy.png" => (200, png, vec![]),
        "/nohead.png" if *method == tiny_http::Method::Head => (405, png, vec![]),
        "/nohead.png" => (206, png, vec![]),
        "/chain-1" => (302, png, vec![("Location", "/chain-2".into())]),
        "/chain-2" => (307, png, vec![("Location", "/ok.png".into())]),
        "/loop-a" => (302, png, vec![("Location", "/loop-b".into())]),
        "/loop-b" => (302, png, vec![("Location", "/loop-a".into())]),
        "/moved.png" => (301, png, vec![("Location", "/ok.png".into())]),
        "/page.png" => (200, html, vec![]),
        "/octet.bin" => (200, ("application/octet-stream", vec![1, 2]), vec![]),
        "/slow.png" => {
            std::thread::sleep(Duration::from_secs(5));
            (200, png, vec![])
        }
        "/needs-referer.png"
            if !headers.iter().any(|h| {
                h.field.equiv("Referer") && h.value.as_str() == "https://blog.example/"
            }) =>
        {
            (403, html, vec![])
        }
        "/needs-referer.png" => (200, png, vec![]),
        "/to-loopback" => (
            302,
            png,
            vec![("Location", format!("http://127.0.0.1:{port}/ok.png"))],
        ),
        _ => (404, png, vec![]),
    };
    // A HEAD answer carries no body, or the next answer on the connection would be garbled.
    let body = if *method == tiny_http::Method::Head {
        Vec::new()
    } else {
        body
    };
    let mut response = Response::from_data(body).with_status_code(status);
    response.add_header(Header::from_bytes("Content-Type", content_type).unwrap());
    for (name, value) in extra {
        response.add_header(Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
    }
    let _ = request.respond(response);
}

/// An HTTP checker for `settings` that sends `images.example` to this server (loopback allowed):
/// rule docs and fixtures write their network examples against that host.
pub fn images_example_checker(
    settings: &postlint::settings::Settings,
    server: &Server,
) -> postlint::net::http::HttpChecker {
    let mut network = settings.network.clone();
    network.resolve.insert(
        "images.example".into(),
        format!("127.0.0.1:{}", server.port).parse().unwrap(),
    );
    network.allow_private = true;
    postlint::net::http::HttpChecker::new(network)
}

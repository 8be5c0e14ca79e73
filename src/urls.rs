//! URL checks shared by link rules and front-matter fields: schemes, shape, local paths.

use crate::config::did_you_mean;

/// Schemes seen in blog posts; an unknown scheme close to one of these is a typo.
const KNOWN_SCHEMES: [&str; 16] = [
    "http", "https", "mailto", "tel", "sms", "ftp", "ftps", "sftp", "ssh", "git", "irc", "xmpp",
    "magnet", "file", "data", "webcal",
];

/// Schemes that run code when clicked.
const DANGEROUS_SCHEMES: [&str; 2] = ["javascript", "vbscript"];

/// How bad a URL problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gravity {
    Broken,
    Dangerous,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlProblem {
    pub gravity: Gravity,
    pub message: String,
    pub help: Option<String>,
}

/// The scheme of `url` (`https` in `https://…`), if it has one.
pub fn scheme(url: &str) -> Option<&str> {
    // By bytes (a scheme is ASCII), stopping at the first that cannot be in one: every local
    // image path of a blog is asked.
    let bytes = url.as_bytes();
    let colon = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .filter(|&at| bytes[at] == b':')?;
    let candidate = &url[..colon];
    // `C:\…` is a Windows path, not a scheme.
    (candidate.len() > 1 && bytes[0].is_ascii_alphabetic()).then_some(candidate)
}

/// A local path (not a URL with a scheme, not `//host/…`), with query and fragment removed.
pub fn local_path(url: &str) -> Option<&str> {
    if url.is_empty() || url.starts_with("//") || url.starts_with('#') || scheme(url).is_some() {
        return None;
    }
    let end = memchr::memchr2(b'?', b'#', url.as_bytes()).unwrap_or(url.len());
    let path = &url[..end];
    (!path.is_empty()).then_some(path)
}

/// What is wrong with a link destination, if anything. `image`: `data:` URLs are fine there.
pub fn check(url: &str, image: bool) -> Option<UrlProblem> {
    // Most links of a blog: nothing below can object to them.
    if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        && plain_host(rest)
    {
        return None;
    }
    let broken = |message: String, help: Option<String>| {
        Some(UrlProblem {
            gravity: Gravity::Broken,
            message,
            help,
        })
    };
    for s in ["http", "https"] {
        if starts_with_ignore_case(url, s) && url[s.len()..].starts_with("//") {
            return broken(
                format!("`{url}` is missing the `:` after `{s}`"),
                Some(format!("write `{s}://{}`", &url[s.len() + 2..])),
            );
        }
    }
    let scheme = scheme(url)?;
    let is = |name: &str| scheme.eq_ignore_ascii_case(name);
    if DANGEROUS_SCHEMES.iter().any(|d| is(d)) || (is("data") && !image) {
        return Some(UrlProblem {
            gravity: Gravity::Dangerous,
            message: format!(
                "`{scheme}:` link: it runs code or embeds content when clicked, and sites strip it"
            ),
            help: Some("link to a page instead".to_owned()),
        });
    }
    if is("http") || is("https") {
        let rest = &url[scheme.len() + 1..];
        if !rest.starts_with("//") {
            return broken(
                format!("`{url}` needs `//` after `{scheme}:`"),
                Some(format!(
                    "write `{scheme}://{}`",
                    rest.trim_start_matches('/')
                )),
            );
        }
        if plain_host(&rest[2..]) {
            return None;
        }
        return match url::Url::parse(url) {
            Err(e) => broken(format!("`{url}` is not a valid URL: {e}"), None),
            Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => {
                broken(format!("`{url}` has no host"), None)
            }
            Ok(_) => None,
        };
    }
    let scheme_lower = scheme.to_ascii_lowercase();
    if !KNOWN_SCHEMES.contains(&scheme_lower.as_str())
        && let Some(known) = did_you_mean(&scheme_lower, KNOWN_SCHEMES)
    {
        return broken(
            format!("unknown scheme `{scheme}:`"),
            Some(format!("did you mean `{known}:`?")),
        );
    }
    None
}

/// Whether `text` starts with `prefix`, ASCII letters in either case (`HTTP://` is `http://`).
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Whether the part after `http://` starts with a host the URL parser cannot refuse: ASCII
/// labels of letters, digits and `-`, the last one starting with a letter (not an IPv4 number),
/// no port, user or punycode. Such URLs skip the full parse, which cost more than the rest of
/// `link-syntax` (after the host, the parser encodes rather than fails).
fn plain_host(after_slashes: &str) -> bool {
    // One pass over the bytes up to the end of the host, a table lookup each: this runs for
    // every link of every post. A letter, digit or `-` is one test that nearly always goes the
    // same way; a `match` over the four kinds became a jump per byte, mispredicted at dots.
    let bytes = after_slashes.as_bytes();
    let mut label_start = 0;
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        let kind = HOST_BYTES[usize::from(b)];
        if kind == HostByte::Label {
            continue;
        }
        if kind == HostByte::Dot {
            if !plain_label(&bytes[label_start..i]) {
                return false;
            }
            label_start = i + 1;
        } else if kind == HostByte::End {
            end = i;
            break;
        } else {
            return false;
        }
    }
    let last = &bytes[label_start..end];
    plain_label(last) && last[0].is_ascii_alphabetic()
}

/// What a byte is to [`plain_host`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum HostByte {
    /// A letter, digit or `-`.
    Label,
    Dot,
    /// `/`, `?` or `#`: the host ends.
    End,
    Other,
}

static HOST_BYTES: [HostByte; 256] = {
    let mut table = [HostByte::Other; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => HostByte::Label,
            b'.' => HostByte::Dot,
            b'/' | b'?' | b'#' => HostByte::End,
            _ => HostByte::Other,
        };
        b += 1;
    }
    table
};

/// A host label of letters, digits and `-` (already checked), not empty and not punycode.
fn plain_label(label: &[u8]) -> bool {
    !label.is_empty()
        && !label
            .get(..4)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"xn--"))
}

/// Hosts where `http://` is expected: the author's own machine and reserved test names.
pub fn is_local_host(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    host == "localhost"
        || host.starts_with("127.")
        || host == "[::1]"
        || [".local", ".test", ".localhost", ".example", ".invalid"]
            .iter()
            .any(|t| host.ends_with(t))
}

/// Whether link text or a label looks like a URL or a path (a shortcut `[label]` meant as a link).
pub fn looks_like_url_or_path(text: &str) -> bool {
    let t = text.trim();
    !t.contains(char::is_whitespace)
        && (t.contains("://")
            || t.starts_with("www.")
            || t.starts_with('/')
            || t.starts_with("./")
            || t.starts_with("../")
            || t.ends_with(".md")
            || t.ends_with(".html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn a_scheme_is_what_the_rfc_calls_one(url in "[a-zA-Z0-9+.:/#?\\-é ]{0,12}") {
            // RFC 3986: a letter, then letters, digits, `+`, `-` or `.`, then `:` (one letter
            // alone is a Windows drive).
            let rfc = regex::Regex::new(r"^([A-Za-z][A-Za-z0-9+.\-]+):").unwrap();
            let expected = rfc.captures(&url).map(|c| c.get(1).unwrap().as_str());
            proptest::prop_assert_eq!(scheme(&url), expected);
        }
    }

    #[test]
    fn a_plain_host_is_one_the_url_parser_accepts() {
        // Every host the shortcut lets through must parse, with a host: the shortcut may only
        // skip work, never a finding. Hosts are built from characters that trip parsers.
        let alphabet = [
            'a', 'Z', '0', '9', '-', '.', ':', '@', '%', '_', '[', 'x', 'n', '/',
        ];
        let mut seed = 7u64;
        let mut checked = 0;
        for _ in 0..200_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 1 + (seed >> 60) as usize;
            let host: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 4)) % alphabet.len() as u64) as usize])
                .collect();
            let url = format!("https://{host}/path?q=1#top");
            if plain_host(&url["https://".len()..]) {
                checked += 1;
                let parsed = url::Url::parse(&url);
                assert!(
                    parsed
                        .as_ref()
                        .is_ok_and(|p| p.host_str().is_some_and(|h| !h.is_empty())),
                    "{url}: {parsed:?}"
                );
            }
        }
        assert!(checked > 1000, "the shortcut was tried {checked} times");
        for host in [
            "1.2.3.4",
            "999.1.1.1",
            "a..b",
            "-",
            "xn--a.com",
            "a:80",
            "u@a.com",
            "",
        ] {
            assert!(!plain_host(host), "{host}");
        }
        assert!(plain_host("kimi.moonshot.cn/"));
        for host in ["A.COM#x", "a.b-c.com?x", "a", "x.y/z:1@w"] {
            assert!(plain_host(host), "{host}");
        }
        for host in [
            "a.1com",
            "a.com.",
            ".a.com",
            "a.xn--p1ai/",
            "a.com:443/",
            "例子.cn",
        ] {
            assert!(!plain_host(host), "{host}");
        }
    }

    fn message(url: &str) -> Option<String> {
        check(url, false).map(|p| p.message)
    }

    #[test]
    fn broken_urls() {
        assert_eq!(
            message("http//x.com").as_deref(),
            Some("`http//x.com` is missing the `:` after `http`")
        );
        assert_eq!(
            message("https:/example.com").as_deref(),
            Some("`https:/example.com` needs `//` after `https:`")
        );
        assert_eq!(
            message("htps://example.com").as_deref(),
            Some("unknown scheme `htps:`")
        );
        assert!(
            message("https://exa mple.com")
                .unwrap()
                .contains("not a valid URL")
        );
        assert_eq!(
            check("javascript:alert(1)", false).unwrap().gravity,
            Gravity::Dangerous
        );
        assert!(message("data:text/html,x").is_some());
        assert!(check("data:image/png;base64,AAA", true).is_none());
    }

    #[test]
    fn fine_urls() {
        for url in [
            "https://a.com/x_(y)",
            "//cdn.com/a.png",
            "/images/a.png",
            "../a.md",
            "#top",
            "mailto:a@b.c",
            "obsidian://open",
            "weixin://dl",
            "C:\\a",
        ] {
            assert_eq!(check(url, false), None, "{url}");
        }
    }

    #[test]
    fn a_scheme_is_two_characters_or_more_before_the_colon() {
        // Cases the property test above found against wrong implementations.
        assert_eq!(scheme("a:"), None);
        assert_eq!(scheme("C:\\x"), None);
        assert_eq!(scheme("ab:"), Some("ab"));
        assert_eq!(scheme("a b:"), None);
    }

    #[test]
    fn local_paths() {
        assert_eq!(local_path("/images/a.png?x=1#y"), Some("/images/a.png"));
        assert_eq!(local_path("https://a.com/a.png"), None);
        assert_eq!(local_path("//cdn/a.png"), None);
        assert_eq!(
            local_path("../assets/a%20b.png"),
            Some("../assets/a%20b.png")
        );
    }
}

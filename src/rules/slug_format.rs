//! `slug-format`: an explicit slug that is not a clean URL segment, or breaks the collection's pattern.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::{Diagnostic, join_and};

declare_rule! {
    /// Reports slugs with uppercase letters, underscores, spaces, stray hyphens, non-ASCII or
    /// invisible characters, or that do not match the collection's `slug-pattern`.
    pub struct SlugFormat {
        name: "slug-format",
        severity: Error,
        category: "slug",
        fixable: false,
        summary: "a slug that is not lowercase words joined by hyphens, or breaks the collection's pattern",
    }
}

/// Longest slug accepted by the default format.
const MAX_LEN: usize = 100;

impl Rule for SlugFormat {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(field) = ctx.collection.preset.slug_field() else {
            return;
        };
        let Some(entry) = ctx.post.field(field) else {
            return;
        };
        let Some(slug) = entry.value.value.as_str().filter(|s| !s.is_empty()) else {
            return;
        };
        let path = ctx.post.path();
        if let Some(pattern) = &ctx.collection.slug_pattern {
            if pattern.is_match(slug) {
                return;
            }
            let shown = crate::settings::pattern_text(pattern);
            let stem = ctx.post.file_stem();
            let help = if pattern.is_match(stem) {
                format!("did you mean `{stem}` (the file name)?")
            } else {
                format!(
                    "slugs of this collection match `{shown}` (`slug-pattern` in postlint.toml)"
                )
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    path,
                    entry.value.span,
                    format!("slug `{slug}` does not match the pattern `{shown}`"),
                )
                .with_help(help),
            );
            return;
        }
        let problems = problems(slug);
        if problems.is_empty() {
            return;
        }
        let mut diagnostic = Diagnostic::new(
            &Self::META,
            path,
            entry.value.span,
            format!("slug `{}` has {}", slug.escape_debug(), join_and(&problems)),
        );
        let normal = normalize(slug);
        diagnostic = if !normal.is_empty() && normal != slug {
            diagnostic.with_help(format!(
                "use `{normal}`; changing a published slug changes its URL, so add a redirect"
            ))
        } else {
            diagnostic
                .with_help("use lowercase ASCII letters and digits, words joined by single hyphens")
        };
        out.push(diagnostic);
    }
}

/// Each way `slug` breaks the default format, named for the message.
pub fn problems(slug: &str) -> Vec<String> {
    // Most slugs are already in the format: told in one pass over the bytes (the checks below
    // walked every slug's characters a dozen times, on every post of a blog).
    let bytes = slug.as_bytes();
    if bytes.len() <= MAX_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
        && !slug.contains("--")
    {
        return Vec::new();
    }
    let mut found = Vec::new();
    let invisible: Vec<char> = slug.chars().filter(|&c| is_invisible(c)).collect();
    if !invisible.is_empty() {
        let codes: Vec<String> = invisible
            .iter()
            .map(|c| format!("U+{:04X}", *c as u32))
            .collect();
        found.push(format!(
            "invisible or bidirectional control characters ({})",
            codes.join(", ")
        ));
    }
    let checks: [(bool, &str); 7] = [
        (slug.chars().any(|c| c.is_uppercase()), "uppercase letters"),
        (slug.contains('_'), "underscores"),
        (slug.chars().any(char::is_whitespace), "spaces"),
        (slug.contains("--"), "a double hyphen"),
        (slug.starts_with('-'), "a leading hyphen"),
        (slug.ends_with('-'), "a trailing hyphen"),
        (
            slug.chars()
                .any(|c| !c.is_ascii() && !is_invisible(c) && !c.is_uppercase()),
            "non-ASCII characters",
        ),
    ];
    found.extend(
        checks
            .iter()
            .filter(|(hit, _)| *hit)
            .map(|(_, name)| (*name).to_owned()),
    );
    let others: String = slug
        .chars()
        .filter(|c| {
            c.is_ascii()
                && !c.is_ascii_alphanumeric()
                && !matches!(c, '-' | '_' | ' ')
                && !c.is_whitespace()
        })
        .collect();
    if !others.is_empty() {
        found.push(format!(
            "characters other than letters, digits and hyphens (`{others}`)"
        ));
    }
    if slug.chars().count() > MAX_LEN {
        found.push(format!("more than {MAX_LEN} characters"));
    }
    found
}

/// Zero-width, joiner and bidirectional control characters: invisible in an editor, yet in the URL.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}

/// The slug in the default format: lowercase, hyphens for separators, invisible and other characters dropped.
pub fn normalize(slug: &str) -> String {
    let mut out = String::new();
    for c in slug.chars().filter(|&c| !is_invisible(c)) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if (c == '-' || c == '_' || c.is_whitespace() || c == '.')
            && !out.ends_with('-')
            && !out.is_empty()
        {
            out.push('-');
        }
    }
    out.trim_end_matches('-')
        .chars()
        .take(MAX_LEN)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_named() {
        assert!(problems("newsletter-99").is_empty());
        assert!(problems("").is_empty());
        // Each just past what the one-pass check lets through.
        let long = "a".repeat(MAX_LEN + 1);
        for (slug, problem) in [
            ("a-", "a trailing hyphen"),
            ("-a", "a leading hyphen"),
            ("a--b", "a double hyphen"),
            ("a_b", "underscores"),
            ("aB", "uppercase letters"),
            (
                "a.b",
                "characters other than letters, digits and hyphens (`.`)",
            ),
            (
                "a\u{200B}b",
                "invisible or bidirectional control characters (U+200B)",
            ),
            (long.as_str(), "more than 100 characters"),
        ] {
            assert_eq!(problems(slug), [problem], "{slug:?}");
        }
        assert_eq!(
            problems("Hello_World"),
            ["uppercase letters", "underscores"]
        );
        assert_eq!(
            problems("-a--b-"),
            ["a double hyphen", "a leading hyphen", "a trailing hyphen"]
        );
        assert_eq!(
            problems("a\u{200B}b"),
            ["invisible or bidirectional control characters (U+200B)"]
        );
        assert_eq!(problems("a b"), ["spaces"]);
        assert_eq!(problems("中文"), ["non-ASCII characters"]);
        assert_eq!(
            problems("a.b"),
            ["characters other than letters, digits and hyphens (`.`)"]
        );
    }

    #[test]
    fn normalized_slugs() {
        assert_eq!(normalize("Hello_World  Again"), "hello-world-again");
        assert_eq!(normalize("-a--b-"), "a-b");
        assert_eq!(normalize("a\u{202E}b"), "ab");
        assert_eq!(normalize("中文"), "");
    }
}

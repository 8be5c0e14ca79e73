//! `image-missing`: a local image that does not exist (or exists only with another letter case).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;
use crate::site::Lookup;
use crate::urls;

declare_rule! {
    /// Resolves local image paths like the site generator and reports the ones not on disk.
    pub struct ImageMissing {
        name: "image-missing",
        severity: Error,
        category: "images",
        fixable: false,
        summary: "a local image that does not exist, or exists only with another letter case",
    }
}

impl Rule for ImageMissing {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        let post = ctx.post;
        let images = ctx.images();
        // The folders served at the site root, found once per post and only when needed.
        let public = OnceCell::new();
        for (url, span) in images {
            let Some(path) = urls::local_path(url) else {
                continue;
            };
            let decoded = if path.contains('%') {
                percent_encoding::percent_decode_str(path).decode_utf8_lossy()
            } else {
                Cow::Borrowed(path)
            };
            let candidates = candidates(ctx, &public, &decoded);
            let mut wrong_case = None;
            let mut found = false;
            for candidate in &candidates {
                match ctx.files.lookup(candidate) {
                    Lookup::Found => found = true,
                    Lookup::WrongCase(actual) => wrong_case = wrong_case.or(Some(actual)),
                    Lookup::Missing => {}
                }
            }
            if found {
                continue;
            }
            let shown = |p: &Path| crate::discover::slash_path(p);
            let diagnostic = match wrong_case {
                Some(actual) => Diagnostic::new(&Self::META, post.path(), span, format!("image `{url}` exists only as `{}` (another letter case)", shown(&actual)))
                    .with_help("match the letter case exactly: it works on macOS and Windows, and breaks on Linux hosting"),
                None => Diagnostic::new(&Self::META, post.path(), span, format!("image `{url}` does not exist"))
                    .with_help(format!("looked for {}", candidates.iter().map(|c| format!("`{}`", shown(c))).collect::<Vec<_>>().join(", "))),
            };
            out.push(diagnostic);
        }
    }
}

/// Where the site generator would look for `path`; `public` holds [`public_folders`] once
/// asked for.
fn candidates(ctx: &BodyContext<'_>, public: &OnceCell<Vec<PathBuf>>, path: &str) -> Vec<PathBuf> {
    let settings = ctx.settings;
    if let Some(absolute) = path.strip_prefix('/') {
        // Most image paths are plain names below a normal folder: joined, not normalized.
        return public
            .get_or_init(|| public_folders(ctx))
            .iter()
            .map(|folder| crate::discover::join_normal(folder, absolute))
            .collect();
    }
    // Astro's import aliases (tsconfig `@/*` and `@assets/*`, `~/*` in some themes).
    for (alias, target) in [("@/", "src"), ("~/", "src"), ("@assets/", "src/assets")] {
        if let Some(rest) = path.strip_prefix(alias) {
            return vec![crate::discover::normalize(
                &settings.root.join(target).join(rest),
            )];
        }
    }
    let folder = ctx.post.path.parent().unwrap_or(Path::new(""));
    let mut found = vec![crate::discover::normalize(&folder.join(path))];
    // Astro's `src/assets/…` written from the project root.
    if path.starts_with("src/") {
        found.push(crate::discover::normalize(&settings.root.join(path)));
    }
    found
}

/// The folders served at the site root, normalized: configured, or the preset's.
fn public_folders(ctx: &BodyContext<'_>) -> Vec<PathBuf> {
    let settings = ctx.settings;
    let normal = |folder: &Path| crate::discover::normalize(folder);
    if settings.site.public.is_empty() {
        ctx.preset
            .public_roots()
            .iter()
            .map(|r| normal(&settings.root.join(r)))
            .collect()
    } else {
        settings.site.public.iter().map(|f| normal(f)).collect()
    }
}

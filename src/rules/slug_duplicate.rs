//! `slug-duplicate`: two posts of a collection that resolve to the same URL.

use std::borrow::Cow;

use super::{CollectionContext, Rule, declare_rule};
use crate::diagnostic::{Diagnostic, Span};
use crate::post::Post;

declare_rule! {
    /// Reports every post whose slug (explicit or from its file name) another post also has.
    pub struct SlugDuplicate {
        name: "slug-duplicate",
        severity: Error,
        category: "slug",
        fixable: false,
        summary: "two posts resolve to the same URL slug (a copied post that kept its slug)",
    }
}

impl Rule for SlugDuplicate {
    fn check_collection(&self, ctx: &CollectionContext<'_>, out: &mut Vec<Diagnostic>) {
        let collection = ctx.collection;
        // Slugs compare case-insensitively: most hosts serve `/A` and `/a` as one page. Sorted
        // rather than hashed: no allocation per post (a save in the editor reads thousands).
        // Only each post's key and position are sorted; what a finding shows is read again for
        // the posts sharing a slug.
        let mut keys: Vec<(Cow<'_, str>, usize)> = collection
            .posts
            .iter()
            .enumerate()
            .filter_map(|(index, post)| {
                let slug = collection.slug_of(post)?.slug;
                let key = if slug
                    .bytes()
                    .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
                {
                    Cow::Borrowed(slug)
                } else {
                    Cow::Owned(slug.to_lowercase())
                };
                Some((key, index))
            })
            .collect();
        // By key, then by position: a slug's posts in the collection's order.
        keys.sort();
        let shown = |index: usize| {
            let post = &collection.posts[index];
            let slug = collection.slug_of(post).expect("a post with a slug");
            let (span, explicit) = match slug.entry {
                Some(entry) => (entry.value.span, true),
                None => (post.head_span(), false),
            };
            (post, slug.slug, span, explicit)
        };
        for keys in keys.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
            let group: Vec<(&Post, &str, Span, bool)> =
                keys.iter().map(|(_, index)| shown(*index)).collect();
            for (post, slug, span, explicit) in &group {
                let origin = if *explicit {
                    ""
                } else {
                    " (from the file name)"
                };
                let mut diagnostic = Diagnostic::new(
                    &Self::META,
                    post.path(),
                    *span,
                    format!(
                        "slug `{slug}`{origin} is used by {} other post{}",
                        group.len() - 1,
                        if group.len() > 2 { "s" } else { "" }
                    ),
                )
                .with_help(
                    "give each post its own slug; a copied post usually kept its predecessor's",
                );
                for (other, other_slug, other_span, _) in &group {
                    if other.path() != post.path() {
                        diagnostic = diagnostic.with_related(
                            other.path(),
                            *other_span,
                            format!("`{other_slug}` is also the slug of this post"),
                        );
                    }
                }
                out.push(diagnostic);
            }
        }
    }
}

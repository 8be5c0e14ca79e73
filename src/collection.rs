//! The posts of one collection, loaded whole, with the preset and schema they follow.

use rayon::prelude::*;
use regex::Regex;

use crate::post::Post;
use crate::schema::{Preset, Schema};
use crate::series::{self, Found, Greetings, Series, consensus};
use crate::settings::{CollectionSettings, SeriesChoice};

pub struct Collection {
    pub name: String,
    pub preset: Preset,
    pub schema: Schema,
    /// What explicit slugs must match, when the collection sets `slug-pattern`.
    pub slug_pattern: Option<Regex>,
    /// The numbered series the posts form, declared or detected.
    pub series: Option<Series>,
    pub posts: Vec<Post>,
    /// Parallel to `posts`: paths relative to the project root, `/`-separated.
    pub rel_paths: Vec<String>,
    /// Parallel to `posts`: whether findings on that post were asked for.
    pub requested: Vec<bool>,
    /// The series members, and for each post the position of its member (no quadratic lookups).
    members: Vec<Member>,
    member_by_post: Vec<Option<usize>>,
}

/// A post of the series with what its sources say.
#[derive(Clone, Debug)]
pub struct Member {
    /// Index into `Collection::posts`.
    pub index: usize,
    pub found: Vec<Found>,
    /// The number most sources agree on.
    pub number: Option<u64>,
}

impl Collection {
    /// `posts`, `rel_paths` and `requested` are parallel.
    pub fn new(
        settings: &CollectionSettings,
        posts: Vec<Post>,
        rel_paths: Vec<String>,
        requested: Vec<bool>,
    ) -> Collection {
        let preset = settings.preset.unwrap_or_else(|| detect_preset(&posts));
        let (series, greetings) = match &settings.series {
            SeriesChoice::Detect => series::detect(&posts, preset.slug_field()).unzip(),
            SeriesChoice::Off => (None, None),
            SeriesChoice::Declared(series) => (Some((**series).clone()), None),
        };
        let (members, member_by_post) = members(
            series.as_ref(),
            greetings.as_ref(),
            preset,
            &posts,
            &rel_paths,
        );
        Collection {
            name: settings.name.clone(),
            preset,
            schema: settings.schema(preset),
            slug_pattern: settings.slug_pattern.clone(),
            series,
            posts,
            rel_paths,
            requested,
            members,
            member_by_post,
        }
    }

    /// The posts of the series with their numbers.
    pub fn series_members(&self) -> &[Member] {
        &self.members
    }

    /// The number the next post of the series should carry: one past the largest used, or the
    /// series' start (saturating: a mistyped greeting may hold `u64::MAX`).
    pub fn next_series_number(&self) -> Option<u64> {
        let series = self.series.as_ref()?;
        let largest = self.members.iter().filter_map(|m| m.number).max();
        Some(largest.map_or(series.start, |n| n.saturating_add(1)))
    }

    /// The series member for the post at `index` of `posts`, if it is one.
    pub fn member_of(&self, index: usize) -> Option<&Member> {
        self.member_by_post
            .get(index)
            .copied()
            .flatten()
            .map(|position| &self.members[position])
    }

    /// The posts findings were asked for.
    pub fn requested_posts(&self) -> impl Iterator<Item = &Post> {
        self.posts
            .iter()
            .zip(&self.requested)
            .filter(|(_, r)| **r)
            .map(|(p, _)| p)
    }

    /// The URL slug of a post: its slug field when set, else its file name (as Astro and Hugo do;
    /// Jekyll drops the `YYYY-MM-DD-` prefix).
    pub fn slug_of<'a>(&self, post: &'a Post) -> Option<PostSlug<'a>> {
        if let Some(entry) = self.preset.slug_field().and_then(|f| post.field(f))
            && let Some(slug) = entry.value.value.as_str()
            && !slug.trim().is_empty()
        {
            return Some(PostSlug {
                slug: slug.trim().trim_matches('/'),
                entry: Some(entry),
            });
        }
        let stem = post.file_stem();
        let stem = if self.preset == Preset::Jekyll {
            strip_date_prefix(stem)
        } else {
            stem
        };
        (!stem.is_empty()).then_some(PostSlug {
            slug: stem,
            entry: None,
        })
    }
}

/// A post's slug and the front-matter entry it came from (none when derived from the file name).
pub struct PostSlug<'a> {
    pub slug: &'a str,
    pub entry: Option<&'a crate::post::Entry>,
}

/// The posts of `series` with what their sources say, computed once, on every core.
/// Greetings found while detecting the series are not searched for again.
fn members(
    series: Option<&Series>,
    greetings: Option<&Greetings>,
    preset: Preset,
    posts: &[Post],
    rel_paths: &[String],
) -> (Vec<Member>, Vec<Option<usize>>) {
    let mut by_post = vec![None; posts.len()];
    let Some(series) = series else {
        return (Vec::new(), by_post);
    };
    let members: Vec<Member> = posts
        .par_iter()
        .enumerate()
        .filter_map(|(index, post)| {
            let slug_field = preset.slug_field();
            let found = match greetings {
                Some(greetings) => series.sources_detected(post, index, slug_field, greetings),
                None => series.sources(post, slug_field),
            };
            series
                .includes(post, &rel_paths[index], &found)
                .then(|| Member {
                    index,
                    number: consensus(&found),
                    found,
                })
        })
        .collect();
    for (position, member) in members.iter().enumerate() {
        by_post[member.index] = Some(position);
    }
    (members, by_post)
}

/// The preset of a collection before its posts are seen: the configured one, or one of those
/// detection chooses between ([`detect_preset`]), which differ in their slug field alone.
pub fn preset_before_detection(configured: Option<Preset>) -> Preset {
    configured.unwrap_or(Preset::AstroPaper)
}

/// `postSlug` in more posts than `slug` means AstroPaper v3; otherwise v4/v5.
fn detect_preset(posts: &[Post]) -> Preset {
    // Both counted in one pass on every core: thousands of posts, each in its own memory.
    let has = |post: &Post, key| usize::from(post.field(key).is_some());
    let (post_slug, slug) = posts
        .par_iter()
        .map(|post| (has(post, "postSlug"), has(post, "slug")))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if post_slug > slug {
        Preset::AstroPaperV3
    } else {
        Preset::AstroPaper
    }
}

fn strip_date_prefix(stem: &str) -> &str {
    let bytes = stem.as_bytes();
    let is_date = bytes.len() > 11
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && bytes[10] == b'-';
    if is_date { &stem[11..] } else { stem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detected_presets_agree_on_what_body_rules_read() {
        // Body rules run before detection with `preset_before_detection`: the presets detection
        // may choose must show the same images and serve them from the same folders.
        for detected in [Preset::AstroPaper, Preset::AstroPaperV3] {
            let before = preset_before_detection(None);
            assert_eq!(detected.image_fields(), before.image_fields());
            assert_eq!(detected.public_roots(), before.public_roots());
        }
        assert_eq!(preset_before_detection(Some(Preset::Hugo)), Preset::Hugo);
    }
}

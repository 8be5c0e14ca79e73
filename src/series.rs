//! Numbered series (`这是我为你写的第 99 封信`): where a post's number comes from, and detection.
//!
//! A series has sources (body greeting, title, first heading, slug template, file-name
//! template); each yields a number and the span it stands at. The `series-*` rules compare them.

use std::ops::{Range, RangeInclusive};
use std::sync::LazyLock;

use chinese_number::{ChineseCountMethod, ChineseToNumber};
use globset::GlobSet;
use rayon::prelude::*;
use regex::Regex;
use smol_str::SmolStr;

use crate::diagnostic::Span;
use crate::post::outline::OutlineView;
use crate::post::{Post, Value};

/// What a number may be written as: ASCII or full-width digits, or Chinese numerals.
pub const NUMBER: &str = "[0-9０-９]+|[零〇一二两三四五六七八九十百千万]+";

/// The greetings detected without configuration, as `{n}` patterns.
pub const GREETINGS: [&str; 2] = [r"第\s*{n}\s*封信", r"第\s*{n}\s*期"];

/// [`GREETINGS`] written out as regexes: their text only, as they are matched by hand.
static GREETING_PATTERNS: LazyLock<Vec<String>> =
    LazyLock::new(|| GREETINGS.iter().map(|g| written_out(g)).collect());

/// A series' body regex: one of the built-in [`GREETINGS`], matched by hand and never compiled
/// (compiling both cost every editor save half a millisecond), or any other regex.
#[derive(Clone, Debug)]
pub enum BodyRegex {
    /// `GREETINGS[i]`.
    Greeting(usize),
    Other(Regex),
}

impl BodyRegex {
    /// The built-in greetings, in the order of [`GREETINGS`].
    pub fn greetings() -> impl Iterator<Item = BodyRegex> {
        (0..GREETINGS.len()).map(BodyRegex::Greeting)
    }

    /// The built-in greeting a `{n}` pattern (or regex with a group `n`) writes, if it is one.
    pub fn built_in(pattern: &str) -> Option<BodyRegex> {
        let written = written_out(pattern);
        GREETING_PATTERNS
            .iter()
            .position(|g| *g == written)
            .map(BodyRegex::Greeting)
    }

    /// The regex's text (the key that outline index entries are stored under).
    pub fn as_str(&self) -> &str {
        match self {
            BodyRegex::Greeting(i) => &GREETING_PATTERNS[*i],
            BodyRegex::Other(regex) => regex.as_str(),
        }
    }
}

/// What ends each of [`GREETINGS`]: `第\s*{n}\s*` then this.
const GREETING_ENDS: [&str; 2] = ["封信", "期"];

/// `第`, which every greeting starts with, searched for once per body.
static GREETING_START: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("第"));

/// Where a number was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Body,
    Slug,
    File,
    Title,
    Heading,
}

impl Source {
    /// How messages name the source.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Body => "the greeting",
            Source::Slug => "the slug",
            Source::File => "the file name",
            Source::Title => "the title",
            Source::Heading => "the first heading",
        }
    }
}

/// A source's reading of one post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub source: Source,
    /// `None` when the source is there but carries no number (a slug off its template).
    pub number: Option<u64>,
    pub span: Span,
    /// The text the number was read from (`第 99 封信`, `newsletter-99`).
    pub text: SmolStr,
}

/// `newsletter-{n}` or `{n}-*.md`: literal text, `{n}` for the number, `*` for anything.
#[derive(Clone, Debug)]
pub struct Template {
    pub text: String,
    matcher: TemplateMatcher,
}

/// How a template is matched.
#[derive(Clone, Debug)]
enum TemplateMatcher {
    /// The text before and after its one `{n}` when it has no `*`: matched without a regex
    /// (every post's slug and file name is matched on every save, and compiling the regex cost
    /// more than matching them all).
    Literal(String, String),
    Regex(Regex),
}

impl Template {
    pub fn new(text: &str) -> Result<Template, String> {
        if !text.contains("{n}") {
            return Err(format!("template `{text}` has no `{{n}}` for the number"));
        }
        let literal = text
            .split_once("{n}")
            .filter(|(_, after)| !text.contains('*') && !after.contains("{n}"));
        let matcher = match literal {
            Some((before, after)) => TemplateMatcher::Literal(before.to_owned(), after.to_owned()),
            None => TemplateMatcher::Regex(
                Regex::new(&template_regex(text)).map_err(|e| e.to_string())?,
            ),
        };
        Ok(Template {
            text: text.to_owned(),
            matcher,
        })
    }

    pub fn number(&self, text: &str) -> Option<u64> {
        let digits = match &self.matcher {
            TemplateMatcher::Literal(before, after) => text
                .strip_prefix(before.as_str())?
                .strip_suffix(after.as_str())?,
            TemplateMatcher::Regex(regex) => regex.captures(text)?.name("n")?.as_str(),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// The template with `{n}` filled in.
    pub fn fill(&self, n: u64) -> String {
        self.text.replace("{n}", &n.to_string())
    }
}

/// The regex a template stands for: its text escaped, `*` for anything, `{n}` for digits.
fn template_regex(text: &str) -> String {
    let pattern: String = text
        .split("{n}")
        .map(|part| {
            part.split('*')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(".*")
        })
        .collect::<Vec<_>>()
        .join("(?P<n>[0-9]+)");
    format!("^{pattern}$")
}

/// Which posts of a collection belong to the series.
#[derive(Clone, Debug)]
pub enum Membership {
    /// Every post of the collection.
    All,
    /// Posts carrying this tag.
    Tag(String),
    /// Posts whose path (relative to the project root) matches.
    Glob(GlobSet),
    /// Detected series: posts where some source finds a number, or the greeting lacks one.
    Numbered,
}

#[derive(Clone, Debug)]
pub struct Series {
    pub body: Option<BodyRegex>,
    pub title: Option<Regex>,
    pub heading: Option<Regex>,
    pub slug: Option<Template>,
    pub file: Option<Template>,
    pub start: u64,
    pub allow_gaps: Vec<RangeInclusive<u64>>,
    pub membership: Membership,
    /// Posts numbered below this are exempt from source checks (written before the scheme).
    pub since: Option<u64>,
    /// Found by looking at the posts rather than declared.
    pub detected: bool,
}

/// A `{n}` pattern (or a regex with a group `n`) as a regex.
pub fn number_regex(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&written_out(pattern))
}

/// A `{n}` pattern with `{n}` written out as a group `n` (a regex with one, as it is).
fn written_out(pattern: &str) -> String {
    if pattern.contains("(?P<n>") {
        pattern.to_owned()
    } else {
        pattern.replace("{n}", &format!("(?P<n>{NUMBER})"))
    }
}

/// `99`, `９９`, `九十九`, `一百零一`, `两百`, `一零一` → the number.
pub fn parse_number(text: &str) -> Option<u64> {
    // ASCII digits, as nearly every greeting and slug writes them: no copy to widen.
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let ascii: String = text
        .chars()
        .map(|c| {
            if ('０'..='９').contains(&c) {
                char::from(b'0' + (c as u32 - '０' as u32) as u8)
            } else {
                c
            }
        })
        .collect();
    if !ascii.is_empty() && ascii.bytes().all(|b| b.is_ascii_digit()) {
        return ascii.parse().ok();
    }
    let number: Result<u64, _> = text.to_number(ChineseCountMethod::TenThousand);
    number.ok().or_else(|| text.to_number_naive().ok())
}

/// A regex's first match (with a group `n`) in `text`, outside `skip`, shifted by `offset`.
fn first_number(
    regex: &Regex,
    text: &str,
    offset: usize,
    mut skip: impl FnMut(Span) -> bool,
) -> Option<NumberMatch> {
    for captures in regex.captures_iter(text) {
        let whole = captures.get(0)?;
        if skip(Span::new(offset + whole.start(), offset + whole.end())) {
            continue;
        }
        let group = captures.name("n").unwrap_or(whole);
        return Some(NumberMatch::new(text, offset, group.range(), whole.range()));
    }
    None
}

/// What [`first_number`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberMatch {
    pub number: Option<u64>,
    /// The number itself.
    pub span: Span,
    /// The whole match.
    pub text: SmolStr,
    pub whole: Span,
}

impl NumberMatch {
    /// The match at `whole` of `text` (which starts at byte `offset` of the file), its number at
    /// `number`.
    fn new(text: &str, offset: usize, number: Range<usize>, whole: Range<usize>) -> NumberMatch {
        let span = |range: &Range<usize>| Span::new(offset + range.start, offset + range.end);
        NumberMatch {
            number: parse_number(&text[number.clone()]),
            span: span(&number),
            text: text[whole.clone()].into(),
            whole: span(&whole),
        }
    }
}

/// The first match of `regex` in the body of `post` outside code and HTML comments.
pub fn body_number(regex: &BodyRegex, post: &Post) -> Option<NumberMatch> {
    if let Some(known) = known_number(post, regex) {
        return known;
    }
    match regex {
        BodyRegex::Greeting(_) => {
            let (mut found, _) =
                greetings_and_read_range(post, std::slice::from_ref(regex), &mut &post.body);
            found.pop().flatten()
        }
        BodyRegex::Other(other) => {
            let body = post.body.span;
            first_number(other, &post.source[body.range()], body.start, |span| {
                post.in_code_or_comment(span)
            })
        }
    }
}

/// What the outline index found for `regex` in `post`, when the post comes from it (it comes
/// with the answers for the index's regexes).
fn known_number(post: &Post, regex: &BodyRegex) -> Option<Option<NumberMatch>> {
    post.known_numbers
        .iter()
        .find(|(pattern, _)| **pattern == *regex.as_str())
        .map(|(_, known)| known.clone())
}

/// The first match of each of `regexes` in the body outside code and comments (what
/// [`body_number`] finds), and where in the body series detection and membership find what they
/// read: from the first to the last of those matches and of a numberless greeting (`None` when
/// there is none). The outline index keeps only this part of a body; `view` says where code and
/// comments are.
///
/// The built-in greetings and the numberless one all begin with `第`: one search for it and a
/// match by hand at each one serve them all (a regex search of the whole body per greeting was
/// 4 % of a whole-blog run). Other regexes are searched as [`body_number`] does.
pub(crate) fn greetings_and_read_range(
    post: &Post,
    regexes: &[BodyRegex],
    view: &mut impl OutlineView,
) -> (Vec<Option<NumberMatch>>, Option<Span>) {
    let body = post.body.span;
    let text = &post.source[body.range()];
    let mut pending: Vec<Pending> = Vec::with_capacity(regexes.len() + 1);
    let mut found: Vec<Option<NumberMatch>> = regexes
        .iter()
        .enumerate()
        .map(|(slot, regex)| {
            if let Some(known) = known_number(post, regex) {
                return known;
            }
            match regex {
                BodyRegex::Greeting(i) => {
                    let end = GREETING_ENDS[*i];
                    pending.push(Pending::new(Greeting::Numbered { end, slot }));
                    None
                }
                BodyRegex::Other(regex) => first_number(regex, text, body.start, |span| {
                    view.in_code_or_comment(span)
                }),
            }
        })
        .collect();
    pending.push(Pending::new(Greeting::Loose));
    let mut loose = None;
    for start in GREETING_START.find_iter(text.as_bytes()) {
        pending.retain_mut(|search| {
            let Some(m) = search.next_match(text, start) else {
                return true;
            };
            let (rest, offset) = (&text[start..], body.start + start);
            match search.greeting {
                Greeting::Numbered { slot, .. } => {
                    if view.in_code_or_comment(Span::new(offset, offset + m.end)) {
                        return true;
                    }
                    found[slot] = Some(NumberMatch::new(rest, offset, m.number, 0..m.end));
                }
                Greeting::Loose => {
                    let Some((whole, _)) = m.without_number(rest, offset, |s| view.in_code(s))
                    else {
                        return true;
                    };
                    loose = Some(whole);
                }
            }
            false
        });
        if pending.is_empty() {
            break;
        }
    }
    let range = found
        .iter()
        .flatten()
        .map(|m| m.whole)
        .chain(loose)
        .reduce(|a, b| Span::new(a.start.min(b.start), a.end.max(b.end)));
    (found, range)
}

/// A greeting still looked for, and where its next match may start (the end of the last one
/// passed over).
struct Pending {
    greeting: Greeting,
    from: usize,
}

impl Pending {
    fn new(greeting: Greeting) -> Pending {
        Pending { greeting, from: 0 }
    }

    /// The match at byte `start` of `text` (a `第` found in order), as a regex's
    /// `captures_iter` yields them: in order, each search resuming where the last match ended.
    fn next_match(&mut self, text: &str, start: usize) -> Option<GreetingMatch> {
        if start < self.from {
            return None;
        }
        let m = self.greeting.match_at_start(&text[start..])?;
        self.from = start + m.end;
        Some(m)
    }
}

/// A greeting matched by hand, exactly as its regex matches at the start of a text.
#[derive(Clone, Copy)]
enum Greeting {
    /// One of [`GREETINGS`] (its end, and its place among the regexes asked about).
    Numbered { end: &'static str, slot: usize },
    /// `第\s*(\S{1,6}?)\s*(?:封信|期)`: a greeting whatever stands for its number (`第 n 封信`
    /// in a template).
    Loose,
}

/// Where a greeting matched, in bytes from the start of the text.
struct GreetingMatch {
    /// The number (or what stands for it).
    number: Range<usize>,
    end: usize,
}

impl GreetingMatch {
    /// This match of the numberless greeting, `text` starting with it at byte `offset` of the
    /// file: its span and its number's, when what stands for the number is not one and lies
    /// outside code.
    fn without_number(
        &self,
        text: &str,
        offset: usize,
        in_code: impl FnOnce(Span) -> bool,
    ) -> Option<(Span, Span)> {
        let number = Span::new(offset + self.number.start, offset + self.number.end);
        (parse_number(&text[self.number.clone()]).is_none() && !in_code(number))
            .then(|| (Span::new(offset, offset + self.end), number))
    }
}

impl Greeting {
    /// The match at the very start of `text` (which starts with `第`), if any. Neither regex
    /// can match another way: `\s*` cannot give back a space to what follows it, and a number
    /// is one run of one kind of digit, so the first match found by hand is the regex's.
    fn match_at_start(self, text: &str) -> Option<GreetingMatch> {
        let spaces = |at: usize| {
            at + text[at..]
                .chars()
                .take_while(|c| c.is_whitespace())
                .map(char::len_utf8)
                .sum::<usize>()
        };
        let start = spaces("第".len());
        match self {
            Greeting::Numbered { end, .. } => {
                // `[0-9０-９]+|[零〇…万]+`.
                let first = text[start..].chars().next()?;
                let kind: fn(char) -> bool = if is_digit(first) {
                    is_digit
                } else if CHINESE_NUMERALS.contains(first) {
                    |c| CHINESE_NUMERALS.contains(c)
                } else {
                    return None;
                };
                let number_end = start
                    + text[start..]
                        .chars()
                        .take_while(|c| kind(*c))
                        .map(char::len_utf8)
                        .sum::<usize>();
                let after = spaces(number_end);
                text[after..].starts_with(end).then(|| GreetingMatch {
                    number: start..number_end,
                    end: after + end.len(),
                })
            }
            Greeting::Loose => {
                // `\S{1,6}?`: the shortest run of up to six non-spaces that the end follows.
                let mut number_end = start;
                for c in text[start..].chars().take(6) {
                    if c.is_whitespace() {
                        return None;
                    }
                    number_end += c.len_utf8();
                    let after = spaces(number_end);
                    let end = GREETING_ENDS
                        .into_iter()
                        .find(|end| text[after..].starts_with(end));
                    if let Some(end) = end {
                        return Some(GreetingMatch {
                            number: start..number_end,
                            end: after + end.len(),
                        });
                    }
                }
                None
            }
        }
    }
}

/// `[0-9０-９]` in [`NUMBER`].
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The Chinese numerals of [`NUMBER`].
const CHINESE_NUMERALS: &str = "零〇一二两三四五六七八九十百千万";

/// A greeting whose number is missing or unreadable (`第 n 封信` in a template): the whole
/// greeting and its number.
fn loose_greeting_without_number(
    post: &Post,
    mut in_code: impl FnMut(Span) -> bool,
) -> Option<(Span, Span)> {
    let body = post.body.span;
    let text = &post.source[body.range()];
    let mut loose = Pending::new(Greeting::Loose);
    GREETING_START.find_iter(text.as_bytes()).find_map(|start| {
        let m = loose.next_match(text, start)?;
        m.without_number(&text[start..], body.start + start, &mut in_code)
    })
}

impl Series {
    /// What every source says about `post`; `slug_field` is the preset's slug key.
    pub fn sources(&self, post: &Post, slug_field: Option<&str>) -> Vec<Found> {
        let greeting = self
            .body
            .as_ref()
            .and_then(|regex| body_number(regex, post));
        self.sources_with_greeting(post, slug_field, greeting)
    }

    /// [`Series::sources`] with the body's match already found (by detection).
    fn sources_with_greeting(
        &self,
        post: &Post,
        slug_field: Option<&str>,
        greeting: Option<NumberMatch>,
    ) -> Vec<Found> {
        // Sized for every configured source at once: thousands of these live through a save.
        let configured = [
            self.body.is_some(),
            self.title.is_some(),
            self.heading.is_some(),
            self.slug.is_some(),
            self.file.is_some(),
        ]
        .iter()
        .filter(|c| **c)
        .count();
        let mut found = Vec::with_capacity(configured);
        let source = &post.source;
        if let Some(m) = greeting {
            found.push(Found {
                source: Source::Body,
                number: m.number,
                span: m.span,
                text: m.text,
            });
        }
        if let Some(regex) = &self.title
            && let Some(entry) = post.field("title")
            && let Some(title) = entry.value.value.as_str()
            && let Some(m) = first_number(regex, title, 0, |_| false)
        {
            found.push(Found {
                source: Source::Title,
                number: m.number,
                span: narrow(source, entry.value.span, &m.text),
                text: m.text,
            });
        }
        if let Some(regex) = &self.heading
            && let Some(heading) = post.body.headings.first()
            && let Some(m) = first_number(regex, &heading.text, 0, |_| false)
        {
            found.push(Found {
                source: Source::Heading,
                number: m.number,
                span: narrow(source, heading.span, &m.text),
                text: m.text,
            });
        }
        if let Some(template) = &self.slug
            && let Some(entry) = slug_field.and_then(|f| post.field(f))
            && let Value::Str(slug, _) = &entry.value.value
            && !slug.is_empty()
        {
            found.push(Found {
                source: Source::Slug,
                number: template.number(slug),
                span: entry.value.span,
                text: slug.clone(),
            });
        }
        if let Some(template) = &self.file {
            let name = post.file_name();
            let span = post.head_span();
            found.push(Found {
                source: Source::File,
                number: template.number(name),
                span,
                text: name.into(),
            });
        }
        found
    }

    /// Whether `post` belongs to the series, given what its sources found.
    pub fn includes(&self, post: &Post, rel_path: &str, found: &[Found]) -> bool {
        match &self.membership {
            Membership::All => true,
            Membership::Tag(tag) => post.field("tags").is_some_and(|e| match &e.value.value {
                Value::List(items) => items.iter().any(|i| i.value.as_str() == Some(tag)),
                Value::Str(s, _) => s == tag,
                _ => false,
            }),
            Membership::Glob(glob) => glob.is_match(rel_path),
            Membership::Numbered => {
                found
                    .iter()
                    .any(|f| f.number.is_some() || f.source == Source::Body)
                    || self.greeting_without_number(post).is_some()
            }
        }
    }

    /// A greeting whose number is missing or unreadable (`第 n 封信` in a template), for spans and membership.
    pub fn greeting_without_number(&self, post: &Post) -> Option<Span> {
        self.body.as_ref()?;
        loose_greeting_without_number(post, |span| post.in_code(span)).map(|(_, number)| number)
    }
}

/// The span of `needle` inside `span` of the source (the whole span when it is not there as
/// written, e.g. behind escapes).
fn narrow(source: &str, span: Span, needle: &str) -> Span {
    source[span.range()].find(needle).map_or(span, |i| {
        Span::new(span.start + i, span.start + i + needle.len())
    })
}

/// The number most sources agree on (ties go to the source order: body, slug, file, title, heading).
pub fn consensus(found: &[Found]) -> Option<u64> {
    let mut best: Option<(usize, Source, u64)> = None;
    for f in found {
        let Some(n) = f.number else { continue };
        let votes = found.iter().filter(|g| g.number == Some(n)).count();
        let first = found
            .iter()
            .filter(|g| g.number == Some(n))
            .map(|g| g.source)
            .min()
            .unwrap_or(f.source);
        if best.is_none_or(|(v, s, _)| votes > v || (votes == v && first < s)) {
            best = Some((votes, first, n));
        }
    }
    best.map(|(_, _, n)| n)
}

/// Indexes of posts with the number their greeting gives.
type Numbered = Vec<(usize, u64)>;

/// A series found by looking at the posts: most greetings match `第 N 封信` (or `第 N 期`);
/// a slug or file-name template joins when 80% of the numbered posts fit it.
pub fn detect(posts: &[Post], slug_field: Option<&str>) -> Option<(Series, Greetings)> {
    // Every greeting's match in each post, in one pass over the posts (a pass per greeting
    // touched thousands of posts again).
    let found: Vec<[Option<NumberMatch>; GREETINGS.len()]> = posts
        .par_iter()
        .map(|post| std::array::from_fn(|i| body_number(&BodyRegex::Greeting(i), post)))
        .collect();
    // (posts numbered, greeting, (post index, number) of each)
    let mut best: Option<(usize, usize, Numbered)> = None;
    for greeting in 0..GREETINGS.len() {
        let numbered: Numbered = found
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m[greeting].as_ref()?.number.map(|n| (i, n)))
            .collect();
        if best
            .as_ref()
            .is_none_or(|(count, ..)| numbered.len() > *count)
        {
            best = Some((numbered.len(), greeting, numbered));
        }
    }
    let (count, greeting, numbered) = best?;
    if count < 3 || count * 2 <= posts.len() {
        return None;
    }
    // On every core: each looks into thousands of posts' front matter, far apart in memory.
    let slugs: Vec<(Option<&str>, u64)> = numbered
        .par_iter()
        .map(|&(i, n)| {
            (
                slug_field
                    .and_then(|f| posts[i].field(f))
                    .and_then(|e| e.value.value.as_str()),
                n,
            )
        })
        .collect();
    let stems: Vec<(Option<&str>, u64)> = numbered
        .par_iter()
        .map(|&(i, n)| (Some(posts[i].file_stem()), n))
        .collect();
    let mut series = Series::declared(Some(BodyRegex::Greeting(greeting)));
    // Series start at 0 or 1: a first letter numbered 1 does not make 0 missing.
    series.start = numbered.iter().map(|&(_, n)| n).min().unwrap_or(0).min(1);
    series.slug =
        common_template(&slugs).and_then(|prefix| Template::new(&format!("{prefix}{{n}}")).ok());
    series.file =
        common_template(&stems).and_then(|prefix| Template::new(&format!("{prefix}{{n}}.md")).ok());
    series.membership = Membership::Numbered;
    series.detected = true;
    Some((series, Greetings { found, greeting }))
}

/// The greeting of each post (by index) that detection found with the series' body regex: the
/// series sources need not search the bodies again.
pub struct Greetings {
    /// Each post's match of every built-in greeting.
    found: Vec<[Option<NumberMatch>; GREETINGS.len()]>,
    /// The series' greeting.
    greeting: usize,
}

impl Series {
    /// [`Series::sources`] of the post at `index`, its greeting taken from `greetings`.
    pub fn sources_detected(
        &self,
        post: &Post,
        index: usize,
        slug_field: Option<&str>,
        greetings: &Greetings,
    ) -> Vec<Found> {
        let greeting = greetings
            .found
            .get(index)
            .and_then(|found| found[greetings.greeting].clone());
        self.sources_with_greeting(post, slug_field, greeting)
    }
}

/// The prefix `p` such that at least 80% of the values are `p` followed by their number.
fn common_template<'a>(values: &[(Option<&'a str>, u64)]) -> Option<&'a str> {
    // Borrowed prefixes, and the number compared without formatting it: this runs over every
    // letter of an editor save.
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (value, n) in values {
        if let Some(prefix) = value.and_then(|v| prefix_before_number(v, *n)) {
            *counts.entry(prefix).or_default() += 1;
        }
    }
    let (prefix, count) = counts.into_iter().max_by_key(|(_, c)| *c)?;
    (count * 5 >= values.len() * 4 && !prefix.is_empty()).then_some(prefix)
}

/// `value` without `n` written in decimal at its end (`newsletter-99`, 99 → `newsletter-`); `None`
/// when it does not end so, or when a digit comes right before (`a199`, `a099`).
fn prefix_before_number(value: &str, n: u64) -> Option<&str> {
    let prefix = value.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &value[prefix.len()..];
    let canonical = digits == "0" || !digits.starts_with('0');
    (canonical && digits.parse::<u64>() == Ok(n)).then_some(prefix)
}

impl Series {
    /// A series with only a body source, members being every post.
    pub fn declared(body: Option<BodyRegex>) -> Series {
        Series {
            body,
            title: None,
            heading: None,
            slug: None,
            file: None,
            start: 0,
            allow_gaps: Vec::new(),
            membership: Membership::All,
            since: None,
            detected: false,
        }
    }
}

/// `[3..=5, 9..=9]` → "3–5 and 9".
pub fn describe_runs(runs: &[RangeInclusive<u64>]) -> String {
    let runs: Vec<String> = runs
        .iter()
        .map(|run| match run.start() == run.end() {
            true => run.start().to_string(),
            false => format!("{}–{}", run.start(), run.end()),
        })
        .collect();
    crate::diagnostic::join_and(&runs)
}

impl Series {
    /// The numbers from `from` up to before `to` that are not intentional gaps, as runs: never
    /// one by one (a mistyped `第 99999999 封信` leaves a hundred million).
    pub fn missing(&self, from: u64, to: u64) -> Vec<RangeInclusive<u64>> {
        let mut runs = match to.checked_sub(1) {
            Some(last) if from <= last => vec![from..=last],
            _ => return Vec::new(),
        };
        for gap in self.allow_gaps.iter().filter(|gap| !gap.is_empty()) {
            // What lies below the gap and what lies above it (the whole run when it misses).
            runs = runs
                .into_iter()
                .flat_map(|run| {
                    let below = (*run.start() < *gap.start())
                        .then(|| *run.start()..=(*run.end()).min(gap.start() - 1));
                    let above = (*run.end() > *gap.end())
                        .then(|| (*run.start()).max(gap.end() + 1)..=*run.end());
                    below.into_iter().chain(above)
                })
                .collect();
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_before_a_number_is_found_only_when_the_number_is_written_so() {
        let cases = [
            ("newsletter-99", 99, Some("newsletter-")),
            ("newsletter-0", 0, Some("newsletter-")),
            ("99", 99, Some("")),
            ("a199", 99, None),
            ("a099", 99, None),
            ("a00", 0, None),
            ("newsletter-99", 98, None),
            ("newsletter-", 0, None),
            ("第99", 99, Some("第")),
            ("n-18446744073709551615", u64::MAX, Some("n-")),
            ("n-18446744073709551616", 0, None),
        ];
        for (value, n, prefix) in cases {
            assert_eq!(prefix_before_number(value, n), prefix, "{value} {n}");
            // What the first version did, formatting the number.
            let formatted = value
                .strip_suffix(&n.to_string())
                .filter(|p| !p.ends_with(|c: char| c.is_ascii_digit()));
            assert_eq!(prefix, formatted, "{value} {n}");
        }
        // 80 % of the values must share the prefix.
        let slugs: Vec<String> = (1..=10)
            .map(|n| format!("{}{n}", if n <= 8 { "nl-" } else { "other-" }))
            .collect();
        let values: Vec<(Option<&str>, u64)> = slugs
            .iter()
            .zip(1..)
            .map(|(s, n)| (Some(s.as_str()), n))
            .collect();
        assert_eq!(common_template(&values), Some("nl-"));
        assert_eq!(common_template(&values[1..]), None, "7 of 9");
    }

    #[test]
    fn numbers_in_every_script() {
        assert_eq!(parse_number("99"), Some(99));
        assert_eq!(parse_number("９９"), Some(99));
        assert_eq!(parse_number("九十九"), Some(99));
        assert_eq!(parse_number("一百零一"), Some(101));
        assert_eq!(parse_number("两百"), Some(200));
        assert_eq!(parse_number("一零一"), Some(101));
        assert_eq!(parse_number("n"), None);
    }

    #[test]
    fn templates() {
        let t = Template::new("newsletter-{n}").unwrap();
        assert_eq!(t.number("newsletter-81"), Some(81));
        assert_eq!(t.number("newletter-81"), None);
        let f = Template::new("{n}-*.md").unwrap();
        assert_eq!(f.number("104-标题.md"), Some(104));
        assert!(Template::new("no-number").is_err());
        assert!(Template::new("a{n}b{n}").is_err(), "two numbers");
        assert!(matches!(f.matcher, TemplateMatcher::Regex(_)));
        // Templates without `*` are matched without the regex: the same answers.
        for template in ["newsletter-{n}", "letter.{n}.md", "第{n}期"] {
            let t = Template::new(template).unwrap();
            assert!(matches!(t.matcher, TemplateMatcher::Literal(..)));
            let regex = Regex::new(&template_regex(template)).unwrap();
            for text in [
                "newsletter-81",
                "newsletter-",
                "newsletter-8a",
                "xnewsletter-8",
                "newsletter-٣",
                "newsletter-81\n",
                "letter.7.md",
                "letterx7.md",
                "letter.7.mdx",
                "第12期",
                "第１２期",
                "newsletter--1",
                "newsletter-99999999999999999999999",
            ] {
                let by_regex = regex.captures(text).and_then(|c| c["n"].parse().ok());
                assert_eq!(t.number(text), by_regex, "{template} on {text:?}");
            }
        }
    }

    #[test]
    fn only_the_first_greeting_outside_code_counts() {
        let post = Post::parse(
            "a.md",
            "---\ntitle: a\n---\n\n```\n第 1 封信\n```\n\n这是我为你写的第 93 封信。当写到第 50 封信时……\n",
        );
        let series = Series::declared(Some(BodyRegex::Greeting(0)));
        let found = series.sources(&post, None);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].number, Some(93));
        assert_eq!(&post.source[found[0].span.range()], "93");
    }

    #[test]
    fn consensus_prefers_the_majority_then_the_body() {
        let f = |source, n| Found {
            source,
            number: Some(n),
            span: Span::default(),
            text: SmolStr::default(),
        };
        assert_eq!(
            consensus(&[f(Source::Body, 7), f(Source::Slug, 8), f(Source::File, 8)]),
            Some(8)
        );
        assert_eq!(
            consensus(&[f(Source::Slug, 8), f(Source::Body, 7)]),
            Some(7)
        );
    }

    #[test]
    fn missing_numbers_are_runs_around_the_allowed_gaps() {
        let mut series = Series::declared(None);
        assert_eq!(series.missing(3, 3), []);
        assert_eq!(series.missing(3, 4), [3..=3]);
        assert_eq!(series.missing(3, 10), [3..=9]);
        // A mistyped number leaves one run, not a list of every number.
        assert_eq!(series.missing(3, u64::MAX), [3..=u64::MAX - 1]);
        let (empty_from, empty_to) = (8, 7);
        series.allow_gaps = vec![5..=6, 0..=1, 9..=20, empty_from..=empty_to];
        assert_eq!(series.missing(0, 10), [2..=4, 7..=8]);
        assert_eq!(series.missing(5, 7), []);
        assert_eq!(
            series.missing(0, u64::MAX),
            [2..=4, 7..=8, 21..=u64::MAX - 1]
        );
    }

    #[test]
    fn number_lists() {
        assert_eq!(describe_runs(&[3..=5, 9..=9]), "3–5 and 9");
        assert_eq!(describe_runs(&[3..=3, 7..=8]), "3 and 7–8");
    }

    /// The numberless greeting's regex, which [`Greeting::Loose`] matches by hand.
    const LOOSE: &str = r"第\s*(\S{1,6}?)\s*(?:封信|期)";

    /// [`loose_greeting_without_number`] by the regex it stands for.
    fn loose_by_regex(post: &Post) -> Option<(Span, Span)> {
        let body = post.body.span;
        let text = &post.source[body.range()];
        let at = |m: regex::Match<'_>| Span::new(body.start + m.start(), body.start + m.end());
        Regex::new(LOOSE)
            .unwrap()
            .captures_iter(text)
            .find_map(|c| {
                let (whole, group) = (at(c.get(0)?), c.get(1)?);
                let span = at(group);
                (parse_number(group.as_str()).is_none() && !post.in_code(span))
                    .then_some((whole, span))
            })
    }

    /// The regexes the hand matching of [`greetings_and_read_range`] stands for.
    #[test]
    fn the_greetings_are_written_from_their_parts() {
        assert_eq!(NUMBER, format!("[0-9０-９]+|[{CHINESE_NUMERALS}]+"));
        for (greeting, end) in GREETINGS.iter().zip(GREETING_ENDS) {
            assert_eq!(*greeting, format!(r"第\s*{{n}}\s*{end}"));
        }
        let ends = GREETING_ENDS.join("|");
        assert_eq!(LOOSE, format!(r"第\s*(\S{{1,6}}?)\s*(?:{ends})"));
    }

    #[test]
    fn a_built_in_greeting_is_known_by_its_pattern_and_keeps_the_regex_text() {
        for (i, greeting) in GREETINGS.iter().enumerate() {
            let built_in = BodyRegex::built_in(greeting);
            assert!(matches!(built_in, Some(BodyRegex::Greeting(j)) if j == i));
            // Written out, as `postlint init` and older configs write it.
            let written = number_regex(greeting).unwrap();
            assert!(matches!(
                BodyRegex::built_in(written.as_str()),
                Some(BodyRegex::Greeting(j)) if j == i
            ));
            // The outline index's key is the regex's text: entries stored before stay valid.
            assert_eq!(BodyRegex::Greeting(i).as_str(), written.as_str());
        }
        assert!(BodyRegex::built_in(r"第{n}号").is_none());
        assert!(BodyRegex::built_in(r"第 {n} 封信").is_none());
    }

    /// The body regexes the tests ask about (two matched by hand, one not), and each compiled.
    fn body_regexes() -> (Vec<BodyRegex>, Vec<Regex>) {
        let mut regexes: Vec<BodyRegex> = BodyRegex::greetings().collect();
        regexes.push(BodyRegex::Other(number_regex(r"第{n}号").unwrap()));
        let compiled = regexes
            .iter()
            .map(|r| Regex::new(r.as_str()).unwrap())
            .collect();
        (regexes, compiled)
    }

    /// What [`greetings_and_read_range`] and [`body_number`] stand for: each regex searched on
    /// its own, then the numberless greeting.
    fn searched_regex_by_regex(
        post: &Post,
        regexes: &[Regex],
    ) -> (Vec<Option<NumberMatch>>, Option<Span>) {
        let body = post.body.span;
        let text = &post.source[body.range()];
        let found: Vec<Option<NumberMatch>> = regexes
            .iter()
            .map(|r| first_number(r, text, body.start, |s| post.in_code_or_comment(s)))
            .collect();
        let range = found
            .iter()
            .flatten()
            .map(|m| m.whole)
            .chain(loose_by_regex(post).map(|(whole, _)| whole))
            .reduce(|a, b| Span::new(a.start.min(b.start), a.end.max(b.end)));
        (found, range)
    }

    #[test]
    fn greetings_found_by_hand_are_those_the_regexes_find() {
        let (regexes, compiled) = body_regexes();
        let cases = [
            "这是我为你写的第 99 封信。",
            "第 九十九 封信",
            "第９９期 and 第 1 封信",
            "`第 1 封信` 第 2 封信",
            "<!-- 第 1 封信 --> 第 n 封信 第 3 期",
            "第第 2 封信",
            "第封信封信",
            "第 1 2 封信 第 12345678 封信",
            "第 一1 封信 第 x 期",
            "第\u{3000}7\u{3000}封信 第7号",
            "```\n第 n 封信\n```\n第 m 期",
            // Cases the property test below found against wrong matchers.
            "第第 1封信",
            "第1封信",
            "第1<!--11封信",
            "第０封信",
            "第\u{200b}\t封信",
        ];
        for body in cases {
            let post = Post::parse("p.md", body);
            let by_regex = searched_regex_by_regex(&post, &compiled);
            assert_eq!(
                greetings_and_read_range(&post, &regexes, &mut &post.body),
                by_regex,
                "{body}"
            );
            let one_by_one: Vec<_> = regexes.iter().map(|r| body_number(r, &post)).collect();
            assert_eq!(one_by_one, by_regex.0, "{body}");
            let in_code = |span| post.in_code(span);
            assert_eq!(
                loose_greeting_without_number(&post, in_code),
                loose_by_regex(&post),
                "{body}"
            );
        }
    }

    const PIECES: [&str; 41] = [
        "第", "第", "第", "第1", " ", "\u{3000}", "\t", "\u{a0}", "\u{85}", "\u{2028}", "\r\n",
        "\n", "\u{200b}", "\u{feff}", "\u{180e}", "0", "1", "９", "０", "十", "百", "零", "两",
        "万", "x", "封", "信", "封信", "期", "号", "`", "\n```\n", "<!--", "-->", "\n\n", "，",
        "\n    ", "封信", "期", "1", "第",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        #[test]
        fn any_body_gives_the_greetings_the_regexes_find(
            pieces in proptest::collection::vec(proptest::sample::select(&PIECES[..]), 0..40),
        ) {
            let (regexes, compiled) = body_regexes();
            let post = Post::parse("p.md", pieces.concat());
            let by_regex = searched_regex_by_regex(&post, &compiled);
            proptest::prop_assert_eq!(
                greetings_and_read_range(&post, &regexes, &mut &post.body),
                by_regex.clone()
            );
            let one_by_one: Vec<_> = regexes.iter().map(|r| body_number(r, &post)).collect();
            proptest::prop_assert_eq!(one_by_one, by_regex.0);
            proptest::prop_assert_eq!(
                loose_greeting_without_number(&post, |span| post.in_code(span)),
                loose_by_regex(&post)
            );
        }
    }
}

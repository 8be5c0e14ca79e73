//! The four phases: per post body (as posts are read), per post, per collection, network; then
//! suppressions, severities and order.

mod load;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use foldhash::fast::FixedState;
use rayon::prelude::*;

use crate::collection::Collection;
use crate::diagnostic::Diagnostic;
use crate::index::listings::Listings;
use crate::net::Checker;
use crate::post::{Depth, LineIndex, Post};
use crate::rules::{BodyContext, CollectionContext, PostContext, Rule, UrlUse};
use crate::schema::Preset;
use crate::settings::Settings;
use crate::site::{Disk, FileView};
use crate::suppress::{Directive, Suppressions};

pub use load::load;

/// What to lint.
#[derive(Clone)]
pub struct Request<'a> {
    pub settings: &'a Settings,
    /// `None`: every post of every collection. `Some`: only these files (absolute paths) or the
    /// files below these folders; their collections are still loaded whole.
    pub paths: Option<Vec<PathBuf>>,
    /// An unsaved buffer and the absolute path it stands for.
    pub stdin: Option<(PathBuf, String)>,
    /// `None` skips the network phase.
    pub checker: Option<&'a dyn Checker>,
    /// Texts that replace files on disk, by display path (`--fix` rounds work in memory).
    pub buffers: HashMap<PathBuf, String>,
    /// The cache folder holding the outline index of posts nobody asked findings for
    /// (`None`: read them all).
    pub index_dir: Option<PathBuf>,
    /// The folder listings of `index_dir` when already open (settings detection read them);
    /// `None`: opened from `index_dir`.
    pub listings: Option<&'a Mutex<Listings>>,
    /// The process ends soon after this run (a `check` from the command line): the posts are
    /// left for the system to take back at exit instead of being freed one by one.
    pub ends_process: bool,
}

impl<'a> Request<'a> {
    /// Every post of every collection, from disk, offline.
    pub fn new(settings: &'a Settings) -> Self {
        Request {
            settings,
            paths: None,
            stdin: None,
            checker: None,
            buffers: HashMap::new(),
            index_dir: None,
            listings: None,
            ends_process: false,
        }
    }
}

/// A file's text as reporters need it.
#[derive(Clone, Debug)]
pub struct Source {
    pub text: Arc<String>,
    pub lines: LineIndex,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file a diagnostic or related place points into.
    pub sources: HashMap<PathBuf, Source>,
    /// Posts whose findings were reported.
    pub files_checked: usize,
    /// Files that could not be read (exit code 2).
    pub errors: Vec<String>,
}

/// Lints with every registered rule.
pub fn lint(request: &Request<'_>) -> Outcome {
    lint_with(crate::rules::all(), request)
}

/// Lints with the given rules (tests inject their own). Body rules run as each post is read,
/// so that only outlines of the posts are kept until the collections are known.
pub fn lint_with(rules: &[&dyn Rule], request: &Request<'_>) -> Outcome {
    let rules = enabled(rules, request.settings);
    // Image folders' listings are kept in the cache folder too (`--no-cache`: read every run).
    let disk = request
        .index_dir
        .as_deref()
        .map_or_else(Disk::default, Disk::with_cache);
    let phase = BodyPhase::new(&rules, request, &disk);
    let mut errors = Vec::new();
    let (collections, early) = load::load_with(request, Some(&phase), &mut errors);
    let mut outcome = lint_phases(&phase, request, &collections, early);
    disk.save();
    outcome.errors = errors;
    if request.ends_process {
        // Freeing thousands of posts only to exit: a whole 10 000-post blog ended 2 ms sooner
        // without it (BENCHMARKS.md).
        std::mem::forget(collections);
    } else {
        // Freeing thousands of posts took a twentieth of an editor save; the report need not
        // wait (and when no thread can be started, they are freed here).
        let _ = std::thread::Builder::new().spawn(move || drop(collections));
    }
    outcome
}

/// Lints collections already loaded with [`load`] (commands that also show the posts).
pub fn lint_loaded(
    rules: &[&dyn Rule],
    request: &Request<'_>,
    collections: &[Collection],
) -> Outcome {
    let rules = enabled(rules, request.settings);
    let disk = Disk::default();
    let phase = BodyPhase::new(&rules, request, &disk);
    lint_phases(&phase, request, collections, Vec::new())
}

/// The rules the settings switch on.
fn enabled<'r>(rules: &[&'r dyn Rule], settings: &Settings) -> Vec<&'r dyn Rule> {
    rules
        .iter()
        .copied()
        .filter(|r| settings.level(r.meta().name).is_some())
        .collect()
}

/// Phase 1 for one post with its body parsed in full: the body rules, the URLs network rules
/// want checked, the suppression comments.
pub(crate) struct BodyPhase<'a> {
    rules: &'a [&'a dyn Rule],
    settings: &'a Settings,
    files: &'a dyn FileView,
    /// Whether the network phase will run.
    network: bool,
}

/// What phase 1 found in one post: for most posts nothing, kept as a null pointer (a whole-blog
/// run keeps one per post until phase 2; 80 bytes each were 200 fresh pages at 10 000 posts).
#[derive(Default)]
pub(crate) struct BodyPass(Option<Box<BodyFound>>);

/// Phase 1's findings in one post.
#[derive(Default)]
struct BodyFound {
    diagnostics: Vec<Diagnostic>,
    /// URLs each network rule (by its index in the rules) wants checked.
    urls: Vec<(usize, Vec<UrlUse>)>,
    /// From the full parse: an outline takes a comment shown in a code span for a real one.
    directives: Vec<Directive>,
}

impl BodyPass {
    /// Whether phase 1 found something to report (the post's text is then kept whole rather than
    /// read again).
    pub(crate) fn found_something(&self) -> bool {
        self.0.as_ref().is_some_and(|f| !f.diagnostics.is_empty())
    }

    fn into_found(self) -> BodyFound {
        self.0.map(|found| *found).unwrap_or_default()
    }
}

impl BodyFound {
    fn is_empty(&self) -> bool {
        self.diagnostics.is_empty() && self.urls.is_empty() && self.directives.is_empty()
    }
}

impl<'a> BodyPhase<'a> {
    fn new(rules: &'a [&'a dyn Rule], request: &Request<'a>, files: &'a dyn FileView) -> Self {
        BodyPhase {
            rules,
            settings: request.settings,
            files,
            network: request.checker.is_some(),
        }
    }

    pub(crate) fn run(&self, post: &Post, preset: Preset) -> BodyPass {
        let ctx = BodyContext::new(post, preset, self.settings, self.files);
        let mut found = BodyFound::default();
        for rule in self.rules {
            rule.check_body(&ctx, &mut found.diagnostics);
        }
        if self.network {
            for (rule_index, rule) in self.rules.iter().enumerate() {
                let mut urls = Vec::new();
                rule.network_urls(&ctx, &mut urls);
                if !urls.is_empty() {
                    found.urls.push((rule_index, urls));
                }
            }
        }
        found.directives = ctx.into_directives();
        BodyPass((!found.is_empty()).then(|| Box::new(found)))
    }
}

/// Phase 1 where `load` did not run it (`early` is empty, or has `None` for a post), then the
/// per-post, collection and network phases, suppressions and order.
fn lint_phases(
    phase: &BodyPhase<'_>,
    request: &Request<'_>,
    collections: &[Collection],
    mut early: Vec<Vec<Option<BodyPass>>>,
) -> Outcome {
    let settings = request.settings;
    let rules = phase.rules;
    let mut outcome = Outcome::default();

    // Phase 2, per post, with what phase 1 found. A requested post not yet through phase 1 has
    // its body parsed in full here, used and dropped: memory holds one full body per core.
    early.resize_with(collections.len(), Vec::new);
    let per_post = || -> Vec<PostPass> {
        collections
            .par_iter()
            .zip(early)
            .enumerate()
            .flat_map(|(collection_index, (collection, mut early))| {
                early.resize_with(collection.posts.len(), || None);
                early
                    .into_par_iter()
                    .enumerate()
                    .filter(|(index, _)| collection.requested[*index])
                    .filter_map(move |(index, body)| {
                        let post = &collection.posts[index];
                        let mut body = body
                            .unwrap_or_else(|| phase.run(&post.with_full_body(), collection.preset))
                            .into_found();
                        let ctx = PostContext::new(post, index, collection, settings);
                        for rule in rules {
                            rule.check_post(&ctx, &mut body.diagnostics);
                        }
                        // Only posts with something to pass on: one pass per post was 250
                        // fresh pages at 10 000 posts, nearly all of them empty.
                        (!body.is_empty()).then(|| PostPass {
                            diagnostics: body.diagnostics,
                            urls: body
                                .urls
                                .into_iter()
                                .map(|(rule, urls)| ((collection_index, index, rule), urls))
                                .collect(),
                            directives: (!body.directives.is_empty())
                                .then(|| (post.path.clone(), body.directives)),
                        })
                    })
            })
            .collect()
    };

    // Phase 3, per collection: every (collection, rule) pair on its own core (slug and series
    // rules each walk thousands of posts).
    let per_collection = || -> Vec<Vec<Diagnostic>> {
        collections
            .par_iter()
            .flat_map(|collection| {
                // `None`: every post was asked for (a whole-blog run), so every finding counts.
                let requested: Option<HashSet<&Path>> = (!collection.requested.iter().all(|r| *r))
                    .then(|| collection.requested_posts().map(Post::path).collect());
                rules.par_iter().map(move |rule| {
                    let ctx = CollectionContext {
                        collection,
                        settings,
                    };
                    let mut out = Vec::new();
                    rule.check_collection(&ctx, &mut out);
                    // A collection finding counts when any post it involves was asked for.
                    if let Some(requested) = &requested {
                        out.retain(|d| {
                            requested.contains(d.path.as_path())
                                || d.related
                                    .iter()
                                    .any(|r| requested.contains(r.path.as_path()))
                        });
                    }
                    out
                })
            })
            .collect()
    };
    // Side by side: neither reads what the other finds, and a few collection rules (series and
    // slugs of thousands of posts) kept one core busy while the other waited for them.
    let (passes, found) = rayon::join(per_post, per_collection);
    crate::timings::mark("per-post and collection phases");
    let mut diagnostics = Vec::new();
    let mut wanted = Vec::new();
    let mut directives: HashMap<PathBuf, Vec<Directive>> = HashMap::new();
    for pass in passes {
        diagnostics.extend(pass.diagnostics);
        wanted.extend(pass.urls);
        directives.extend(pass.directives);
    }
    diagnostics.extend(found.into_iter().flatten());
    if let Some(checker) = request.checker {
        diagnostics.extend(network_phase(rules, collections, settings, checker, wanted));
    }

    // The posts findings point into (usually few of many): for suppressions and the report.
    // By the paths' bytes (findings carry clones of their posts' paths): hashing a `Path` walks
    // its components, and every post is asked. With foldhash: SipHash cost this serial step 2.3 M
    // instructions at 10 000 posts.
    let involved: HashSet<&OsStr, FixedState> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(&d.path).chain(d.related.iter().map(|r| &r.path)))
        .map(|path| path.as_os_str())
        .collect();
    let mut posts: HashMap<&Path, &Post> = HashMap::new();
    let mut requested: HashSet<&Path> = HashSet::new();
    let mut cut = Vec::new();
    if !involved.is_empty() {
        for collection in collections {
            for (post, asked) in collection.posts.iter().zip(&collection.requested) {
                if involved.contains(post.path().as_os_str()) {
                    posts.insert(post.path(), post);
                    if *asked {
                        requested.insert(post.path());
                    }
                    if !*asked || post.depth == Depth::Skeleton {
                        cut.push((post, *asked));
                    }
                }
            }
        }
    }
    let whole = reread(&cut);
    posts.extend(whole.iter().map(|p| (p.path(), p)));
    let with_findings: BTreeSet<PathBuf> = diagnostics.iter().map(|d| d.path.clone()).collect();
    let suppressions: HashMap<&Path, Suppressions<'_>> = with_findings
        .iter()
        .filter_map(|path| {
            let post = posts.get(path.as_path())?;
            let suppressions = if requested.contains(path.as_path()) {
                Suppressions::with_directives(post, directives.remove(path).unwrap_or_default())
            } else {
                Suppressions::new(post)
            };
            Some((path.as_path(), suppressions))
        })
        .collect();
    diagnostics.retain(|d| {
        !suppressions
            .get(d.path.as_path())
            .is_some_and(|s| s.is_suppressed(d.rule, d.span.start))
    });
    for diagnostic in &mut diagnostics {
        if settings.severity_is_explicit(diagnostic.rule)
            && let Some(level) = settings.level(diagnostic.rule)
        {
            diagnostic.severity = level;
        }
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();

    crate::timings::mark("suppressions and order");
    for path in diagnostics
        .iter()
        .flat_map(|d| std::iter::once(&d.path).chain(d.related.iter().map(|r| &r.path)))
    {
        if let Some(post) = posts.get(path.as_path()) {
            outcome
                .sources
                .entry(path.clone())
                .or_insert_with(|| Source {
                    text: post.source.clone(),
                    lines: post.lines().clone(),
                });
        }
    }
    outcome.files_checked = collections
        .iter()
        .map(|c| c.requested_posts().count())
        .sum();
    outcome.diagnostics = diagnostics;
    outcome
}

/// Posts that findings point into, cut or nobody asked about (with whether they were asked
/// about), read whole again for the report's text. A post asked about is parsed to its outline:
/// phase 1 found its suppression comments in the full parse. A post nobody asked about is parsed
/// in full, for its suppressions (an outline takes a comment shown in a code span for a real
/// one). A file whose text no longer starts as the loaded one did keeps what was loaded (the
/// spans were computed on it); below a cut, a change made during the run is not seen.
fn reread(posts: &[(&Post, bool)]) -> Vec<Post> {
    // On both cores: a whole-blog run reads again every post with a finding.
    posts
        .par_iter()
        .map(|&(loaded, asked)| {
            let depth = if asked { Depth::Outline } else { Depth::Full };
            std::fs::read(loaded.path())
                .ok()
                .map(|bytes| Post::from_bytes_with(loaded.path(), bytes, depth))
                .filter(|post| post.source.starts_with(&*loaded.source))
                .unwrap_or_else(|| match loaded.depth {
                    // Its body start is lost: the cut text parsed again would be read wrong.
                    Depth::Skeleton => (*loaded).clone(),
                    _ => loaded.with_full_body().into_owned(),
                })
        })
        .collect()
}

/// What phases 1 and 2 gave for one post.
#[derive(Default)]
struct PostPass {
    diagnostics: Vec<Diagnostic>,
    /// URLs each network rule wants checked, by (collection, post, rule) index.
    urls: Vec<(UrlWanted, Vec<UrlUse>)>,
    /// The post's suppression directives, when it has any.
    directives: Option<(PathBuf, Vec<Directive>)>,
}

/// (collection, post, rule) indexes of a network rule's URLs.
type UrlWanted = (usize, usize, usize);

/// Phase 4: ask the checker once per distinct URL phase 1 collected, then give each network rule
/// its answers.
fn network_phase(
    rules: &[&dyn Rule],
    collections: &[Collection],
    settings: &Settings,
    checker: &dyn Checker,
    wanted: Vec<(UrlWanted, Vec<UrlUse>)>,
) -> Vec<Diagnostic> {
    let distinct: Vec<String> = wanted
        .iter()
        .flat_map(|(_, urls)| urls.iter().map(|u| u.url.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if distinct.is_empty() {
        return Vec::new();
    }
    let statuses = checker.check(&distinct);
    let mut out = Vec::new();
    for ((collection_index, index, rule_index), urls) in wanted {
        let collection = &collections[collection_index];
        let ctx = PostContext::new(&collection.posts[index], index, collection, settings);
        let answers: Vec<_> = urls
            .into_iter()
            .filter_map(|u| statuses.get(&u.url).cloned().map(|s| (u, s)))
            .collect();
        rules[rule_index].check_network(&ctx, &answers, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::diagnostic::Span;
    use crate::net::UrlStatus;
    use crate::rules::declare_rule;
    use crate::settings::CliOverrides;

    declare_rule! {
        /// A stand-in network rule: lists every link and reports the failed ones.
        pub struct FakeNetworkRule {
            name: "frontmatter-syntax",
            severity: Error,
            category: "test",
            fixable: false,
            summary: "test double",
        }
    }

    impl Rule for FakeNetworkRule {
        fn network_urls(&self, ctx: &BodyContext<'_>, out: &mut Vec<UrlUse>) {
            out.extend(ctx.post.body.links.iter().map(|l| UrlUse {
                url: l.url(&ctx.post.source).to_owned(),
                span: l.url_span,
            }));
        }

        fn check_network(
            &self,
            ctx: &PostContext<'_>,
            answers: &[(UrlUse, UrlStatus)],
            out: &mut Vec<Diagnostic>,
        ) {
            for (url, status) in answers {
                if let UrlStatus::ConnectionFailed { reason } = status {
                    out.push(Diagnostic::new(
                        &Self::META,
                        ctx.post.path(),
                        url.span,
                        format!("`{}`: {reason}", url.url),
                    ));
                }
            }
        }
    }

    /// A blog whose one collection, `posts`, holds `files`.
    fn blog(files: &[(&str, &str)]) -> (tempfile::TempDir, Settings) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("posts")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("posts").join(name), text).unwrap();
        }
        std::fs::write(
            dir.path().join("postlint.toml"),
            "[collections.posts]\ninclude = [\"posts/*.md\"]\n",
        )
        .unwrap();
        let settings = Settings::discover(dir.path(), None, &CliOverrides::default()).unwrap();
        (dir, settings)
    }

    /// (file name, rule, the text the finding points at) of each finding.
    fn findings(outcome: &Outcome) -> Vec<(String, &'static str, String)> {
        outcome
            .diagnostics
            .iter()
            .map(|d| {
                let text = &outcome.sources[&d.path].text;
                let name = d.path.file_name().unwrap().to_string_lossy().into_owned();
                (name, d.rule, text[d.span.range()].to_owned())
            })
            .collect()
    }

    /// A long body that ends in a suppression comment for `rule` when it is given.
    fn long_body(suppressed: Option<&str>) -> String {
        let mut body = "正文。\n\n".repeat(300);
        if let Some(rule) = suppressed {
            body.push_str(&format!("<!-- postlint-disable-file {rule} -->\n"));
        }
        body
    }

    #[test]
    fn posts_asked_for_are_cut_once_body_rules_ran_and_reported_whole() {
        let date = "---\ntitle: t\npubDatetime: 2024-02-30T08:00:00Z\n---\n";
        let cut = format!("{date}{}", long_body(None));
        let quiet = format!("{date}{}", long_body(Some("date-invalid")));
        let kept = format!(
            "---\ntitle: t\n---\n{}(text)[https://a.example/]\n",
            long_body(None)
        );
        // Read again for its report without the Markdown parser: the suppression comments phase 1
        // found in the full parse count, not a comment the outline cannot tell from code.
        let shown = format!(
            "{date}{}Write `<!-- postlint-disable-file date-invalid -->` to silence it.\n",
            long_body(None)
        );
        let (_dir, settings) = blog(&[
            ("cut.md", &cut),
            ("quiet.md", &quiet),
            ("kept.md", &kept),
            ("shown.md", &shown),
        ]);
        let request = Request::new(&settings);
        let rules: Vec<&dyn Rule> = ["date-invalid", "link-syntax"]
            .iter()
            .map(|name| crate::rules::by_name(name).unwrap())
            .collect();

        // Only the outline of a post without a body finding is kept: what collection rules read.
        let disk = Disk::default();
        let phase = BodyPhase {
            rules: &rules,
            settings: &settings,
            files: &disk,
            network: false,
        };
        let (collections, early) = load::load_with(&request, Some(&phase), &mut Vec::new());
        let kept_of = |name: &str| {
            let posts = &collections[0].posts;
            let post = posts.iter().find(|p| p.file_name() == name).unwrap();
            (post.depth, post.source.len())
        };
        assert_eq!(kept_of("cut.md"), (Depth::Skeleton, date.len()));
        assert_eq!(kept_of("kept.md"), (Depth::Outline, kept.len()));
        assert!(
            early[0].iter().all(Option::is_some),
            "phase 1 ran on every post"
        );
        // Network runs keep every text: their findings point anywhere in a body.
        let network = BodyPhase {
            network: true,
            ..phase
        };
        let (whole, _) = load::load_with(&request, Some(&network), &mut Vec::new());
        assert!(whole[0].posts.iter().all(|p| p.depth == Depth::Outline));

        // Findings on a cut post are reported from its whole text, and a suppression comment
        // past the cut still counts.
        let outcome = lint_with(&rules, &request);
        assert_eq!(
            findings(&outcome),
            [
                (
                    "cut.md".into(),
                    "date-invalid",
                    "2024-02-30T08:00:00Z".into()
                ),
                (
                    "kept.md".into(),
                    "link-syntax",
                    "(text)[https://a.example/]".into()
                ),
                (
                    "shown.md".into(),
                    "date-invalid",
                    "2024-02-30T08:00:00Z".into()
                ),
            ]
        );
        let text_of = |name: &str| {
            let path = &collections[0]
                .posts
                .iter()
                .find(|p| p.file_name() == name)
                .unwrap()
                .path;
            outcome.sources[Path::new(path)].text.clone()
        };
        assert_eq!(text_of("cut.md").as_str(), cut);
        assert_eq!(text_of("shown.md").as_str(), shown);
    }

    #[test]
    fn a_post_cut_after_phase_1_is_what_the_outline_index_serves() {
        // Series facts come from the outline (which takes inline and indented code for text)
        // however a post was loaded, or a save and a whole-blog run would number it differently.
        let text = format!(
            "---\ntitle: t\n---\n示例：`第 1 封信`。\n\n    第 2 封信\n\n# 标题\n\n这是我为你写的第 5 封信。\n{}",
            long_body(None)
        );
        let (_dir, settings) = blog(&[("a.md", &text)]);
        let request = Request::new(&settings);
        let disk = Disk::default();
        let phase = BodyPhase::new(&[], &request, &disk);
        let (collections, _) = load::load_with(&request, Some(&phase), &mut Vec::new());
        let cut = &collections[0].posts[0];

        let regexes = crate::index::series_regexes(&settings);
        let patterns = crate::index::patterns(&regexes);
        let outline = Post::parse_with(cut.path.clone(), text.as_str(), Depth::Outline);
        let bytes = crate::index::skeleton::encode(&outline, &regexes);
        let mut served = crate::index::skeleton::decode(&bytes, &patterns).unwrap();
        served.path = cut.path.clone();
        assert_eq!(format!("{cut:?}"), format!("{served:?}"));
    }

    #[test]
    fn a_post_without_front_matter_is_reported_at_its_first_line_when_cut() {
        let text = format!("\u{feff}# 标题\n\n{}", long_body(None));
        let (_dir, settings) = blog(&[("a.md", &text)]);
        let rules = [crate::rules::by_name("frontmatter-missing").unwrap()];
        let outcome = lint_with(&rules, &Request::new(&settings));
        assert_eq!(
            findings(&outcome),
            [("a.md".into(), "frontmatter-missing", "# 标题".into())]
        );
    }

    #[test]
    fn an_unsaved_buffer_is_never_cut() {
        // Its file on disk says something else: a buffer cannot be read again.
        let (dir, settings) = blog(&[("a.md", "---\ntitle: t\n---\nold\n")]);
        let text = format!(
            "---\ntitle: t\npubDatetime: 2024-02-30T08:00:00Z\n---\n{}",
            long_body(None)
        );
        let path = dir.path().join("posts/a.md");
        let request = Request {
            stdin: Some((path, text.clone())),
            ..Request::new(&settings)
        };
        let rules = [crate::rules::by_name("date-invalid").unwrap()];
        let outcome = lint_with(&rules, &request);
        assert_eq!(
            findings(&outcome),
            [("a.md".into(), "date-invalid", "2024-02-30T08:00:00Z".into())]
        );
        assert_eq!(outcome.sources.values().next().unwrap().text.as_str(), text);
    }

    /// Answers from a table and records every batch it was asked.
    struct FakeChecker(Mutex<Vec<Vec<String>>>);

    impl Checker for FakeChecker {
        fn check(&self, urls: &[String]) -> HashMap<String, UrlStatus> {
            self.0.lock().unwrap().push(urls.to_vec());
            urls.iter()
                .map(|u| {
                    let status = if u.contains("dead") {
                        UrlStatus::ConnectionFailed {
                            reason: "404 Not Found".into(),
                        }
                    } else {
                        UrlStatus::Ok {
                            content_type: "image/png".into(),
                        }
                    };
                    (u.clone(), status)
                })
                .collect()
        }
    }

    #[test]
    fn network_phase_asks_once_per_distinct_url_and_maps_answers_back() {
        let a = "![x](https://cdn.example/dead.png) [y](https://ok.example/)\n";
        let (_dir, settings) = blog(&[
            ("a.md", a),
            ("b.md", "![x](https://cdn.example/dead.png)\n"),
        ]);
        let checker = FakeChecker(Mutex::new(Vec::new()));
        let request = Request {
            checker: Some(&checker),
            ..Request::new(&settings)
        };
        let outcome = lint_with(&[&FakeNetworkRule], &request);

        assert_eq!(
            *checker.0.lock().unwrap(),
            [vec![
                "https://cdn.example/dead.png".to_owned(),
                "https://ok.example/".to_owned()
            ]]
        );
        let found: Vec<_> = outcome
            .diagnostics
            .iter()
            .map(|d| (d.path.file_name().unwrap().to_str().unwrap(), d.span))
            .collect();
        assert_eq!(
            found,
            [("a.md", Span::new(5, 33)), ("b.md", Span::new(5, 33))]
        );
        // Reported from the whole text (posts are not cut in network runs).
        let a_path = outcome
            .sources
            .keys()
            .find(|p| p.ends_with("a.md"))
            .unwrap();
        assert_eq!(&*outcome.sources[a_path].text, a);

        // Offline (no checker): the network phase does not run.
        let offline = Request::new(&settings);
        assert!(
            lint_with(&[&FakeNetworkRule], &offline)
                .diagnostics
                .is_empty()
        );
    }
}

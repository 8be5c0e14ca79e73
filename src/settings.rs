//! Resolved settings of one project: its root, collections, rule levels and options.
//!
//! Built from `postlint.toml` (or detection when there is none) and the command line.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use regex::Regex;
use toml::Spanned;

use crate::config::{
    self, CollectionConfig, Config, ConfigError, NetworkConfig, RuleConfig, SeriesConfig,
};
use crate::diagnostic::{Level, Severity, Span};
use crate::discover::{self, Globs};
use crate::index::listings::Listings;
use crate::net::http::HttpOptions;
use crate::rules;
use crate::schema::{Field, FieldType, Preset, Schema, UnknownFields};
use crate::series::{self, BodyRegex, Membership, Series, Template};

/// Choices from the command line that shape settings.
#[derive(Clone, Debug, Default)]
pub struct CliOverrides {
    /// When non-empty, only these rules run.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// A fixed "now" (`--now`), for reproducible date checks.
    pub now: Option<Timestamp>,
    /// `--allow-private`: let the network checker reach private and loopback addresses.
    pub allow_private: bool,
}

/// One collection as configured or detected; its preset may be left to detection from its posts.
#[derive(Clone, Debug)]
pub struct CollectionSettings {
    pub name: String,
    /// Globs relative to the project root.
    pub include_patterns: Vec<String>,
    include: Globs,
    exclude: Globs,
    /// `None`: decide from the posts (`postSlug` means AstroPaper v3).
    pub preset: Option<Preset>,
    pub fields: Vec<(String, FieldPatch)>,
    pub unknown_fields: Option<UnknownFields>,
    pub require_front_matter: Option<bool>,
    /// What explicit slugs must match; the default format when absent.
    pub slug_pattern: Option<Regex>,
    pub series: SeriesChoice,
}

/// Whether a collection is a numbered series.
#[derive(Clone, Debug)]
pub enum SeriesChoice {
    /// Decide from the posts (`series::detect`).
    Detect,
    Off,
    Declared(Box<Series>),
}

/// A field as configured: what it sets on top of the preset's field of the same name.
#[derive(Clone, Debug, Default)]
pub struct FieldPatch {
    pub ty: Option<FieldType>,
    pub required: Option<bool>,
    pub allowed: Option<Vec<String>>,
    pub pattern: Option<Regex>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub format: Option<String>,
    pub allow_empty: Option<bool>,
}

impl FieldPatch {
    fn apply(&self, field: &mut Field) {
        if let Some(ty) = &self.ty {
            field.ty = ty.clone();
        }
        if let Some(required) = self.required {
            field.required = required;
        }
        if let Some(allowed) = &self.allowed {
            field.allowed = allowed.clone();
        }
        if let Some(pattern) = &self.pattern {
            field.pattern = Some(pattern.clone());
        }
        field.min_length = self.min_length.or(field.min_length);
        field.max_length = self.max_length.or(field.max_length);
        if let Some(format) = &self.format {
            field.format = Some(format.clone());
        }
        if let Some(allow_empty) = self.allow_empty {
            field.allow_empty = allow_empty;
        }
    }
}

impl CollectionSettings {
    fn detected(name: &str, include: &str, preset: Option<Preset>) -> CollectionSettings {
        let include_patterns = vec![include.to_owned()];
        CollectionSettings {
            name: name.to_owned(),
            include: Globs::new(&include_patterns).expect("detected globs are valid"),
            include_patterns,
            exclude: Globs::empty(),
            preset,
            fields: Vec::new(),
            unknown_fields: None,
            require_front_matter: None,
            slug_pattern: None,
            series: SeriesChoice::Detect,
        }
    }

    /// A collection of one file that no configured collection holds (an unsaved buffer).
    pub fn standalone(rel: &str) -> CollectionSettings {
        CollectionSettings::detected("standalone", &globset::escape(rel), Some(Preset::Generic))
    }

    /// The folders its files are walked from, relative to the project root: each include
    /// pattern's literal start (no file it holds lies elsewhere).
    pub fn folders(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.include_patterns
            .iter()
            .map(|p| discover::literal_prefix(p))
    }

    /// Whether a `/`-separated path relative to the project root belongs here.
    pub fn contains(&self, rel: &str) -> bool {
        self.include.is_match(rel) && !self.exclude.is_match(rel)
    }

    /// The schema: the preset's, with the configured fields laid over it.
    pub fn schema(&self, preset: Preset) -> Schema {
        let mut schema = preset.schema();
        for (name, patch) in &self.fields {
            patch.apply(
                schema
                    .fields
                    .entry(name.clone())
                    .or_insert_with(|| Field::new(FieldType::Any, false)),
            );
        }
        if let Some(unknown) = self.unknown_fields {
            schema.unknown = unknown;
        }
        if let Some(required) = self.require_front_matter {
            schema.front_matter_required = required;
        }
        schema
    }
}

/// Site-wide facts rules may need.
#[derive(Clone, Debug)]
pub struct Site {
    /// The site's time zone (UTC when not configured).
    pub timezone: TimeZone,
    /// Its IANA name as configured, for messages.
    pub timezone_name: Option<String>,
    pub public: Vec<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The project folder, as a path from the current directory.
    pub root: PathBuf,
    pub config_path: Option<PathBuf>,
    pub collections: Vec<CollectionSettings>,
    exclude: Globs,
    pub site: Site,
    /// The level of every rule after config and command line; absent means off.
    levels: HashMap<&'static str, Severity>,
    /// Rules whose severity the user set: it overrides a severity the rule chose itself.
    explicit: HashSet<&'static str>,
    pub rule_options: HashMap<&'static str, toml::Table>,
    /// "Now" for date rules: the clock, or `--now`.
    pub now: Timestamp,
    /// How remote URLs are checked.
    pub network: HttpOptions,
    /// How long a successful check is trusted.
    pub cache_ttl: Duration,
}

impl Settings {
    /// Settings for the project holding `start` (a file or folder): the nearest config, or
    /// `config_override`, or detection.
    pub fn discover(
        start: &Path,
        config_override: Option<&Path>,
        selection: &CliOverrides,
    ) -> Result<Settings, ConfigError> {
        Settings::of_project(Project::of(start, config_override), selection, None)
    }

    /// The settings of `project`: its config read and checked, or its layout detected (from
    /// `listings` when given, so that the walk of a collection found reads the listing its
    /// detection made or checked).
    pub fn of_project(
        project: Project,
        selection: &CliOverrides,
        listings: Option<&mut Listings>,
    ) -> Result<Settings, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = project.folder().to_owned();
        let (config_path, config, source) = match project {
            Project::Config(path) => {
                let (config, source) = config::load(&path)?;
                (Some(path), config, source)
            }
            Project::Detected(_) => (None, Config::default(), String::new()),
        };
        let mut settings = Settings::build(&cwd, &root, config_path, &config, &source, selection)?;
        if config.collections.is_empty() {
            settings.collections = detect_collections(&root, listings);
        }
        Ok(settings)
    }

    /// Default settings with no collections and no file system lookups: for linting in memory.
    pub fn in_memory(overrides: &CliOverrides) -> Settings {
        let cwd = std::env::current_dir().unwrap_or_default();
        Settings::build(&cwd, &cwd, None, &Config::default(), "", overrides)
            .expect("default settings are valid")
    }

    /// Settings from detection alone, ignoring any config (for `postlint init`).
    pub fn detect(start: &Path) -> Settings {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = detect_root(&start_folder(&cwd, start));
        let mut settings = Settings::build(
            &cwd,
            &root,
            None,
            &Config::default(),
            "",
            &CliOverrides::default(),
        )
        .expect("an empty config is valid");
        settings.collections = detect_collections(&root, None);
        settings
    }

    /// The settings a config makes, with only the collections it names.
    fn build(
        cwd: &Path,
        root: &Path,
        config_path: Option<PathBuf>,
        config: &Config,
        source: &str,
        selection: &CliOverrides,
    ) -> Result<Settings, ConfigError> {
        let path = config_path.clone().unwrap_or_default();
        let error =
            |span: Option<Span>, message: String| ConfigError::new(&path, source, span, message);
        let shown_root = display_root(root, cwd);
        let mut settings = Settings {
            root: shown_root.clone(),
            config_path,
            collections: Vec::new(),
            exclude: Globs::new(&config.exclude).map_err(|e| error(None, e))?,
            site: Site {
                timezone: site_timezone(config)
                    .map_err(|(span, message, help)| error(span, message).with_help(help))?,
                timezone_name: config.site.timezone.as_ref().map(|t| t.get_ref().clone()),
                public: config
                    .site
                    .public
                    .iter()
                    .map(|p| shown_root.join(p))
                    .collect(),
            },
            now: selection.now.unwrap_or_else(Timestamp::now),
            network: network_options(&config.network, selection.allow_private)
                .map_err(|(span, message, help)| error(span, message).with_help(help))?,
            cache_ttl: Duration::from_secs_f64(
                config.network.cache_ttl_days.unwrap_or(7.0).max(0.0) * 86_400.0,
            ),
            levels: HashMap::new(),
            explicit: HashSet::new(),
            rule_options: HashMap::new(),
        };
        for (name, collection) in &config.collections {
            settings.collections.push(
                collection_settings(name, collection)
                    .map_err(|(span, message, help)| error(span, message).with_help(help))?,
            );
        }
        settings
            .resolve_levels(config, selection)
            .map_err(|(span, message, help)| error(span, message).with_help(help))?;
        Ok(settings)
    }

    fn resolve_levels(
        &mut self,
        config: &Config,
        selection: &CliOverrides,
    ) -> Result<(), (Option<Span>, String, Option<String>)> {
        for rule in rules::all() {
            let meta = rule.meta();
            if meta.enabled {
                self.levels.insert(meta.name, meta.severity);
            }
        }
        for (name, value) in &config.rules {
            let span = Some(Span::from(name.span()));
            let rule =
                rules::by_name(name.get_ref()).ok_or_else(|| unknown_rule(name.get_ref(), span))?;
            let meta = rule.meta();
            let (level, options) = match value.get_ref() {
                RuleConfig::Level(level) => (Some(level.clone()), toml::Table::new()),
                RuleConfig::Table(table) => {
                    let mut options = table.clone();
                    let level = match options.remove("severity") {
                        Some(toml::Value::String(s)) => Some(s),
                        Some(_) => {
                            return Err((
                                Some(Span::from(value.span())),
                                "`severity` must be a string".into(),
                                None,
                            ));
                        }
                        None => None,
                    };
                    for key in options.keys() {
                        if !meta.options.contains(&key.as_str()) {
                            let known: Vec<&str> = std::iter::once("severity")
                                .chain(meta.options.iter().copied())
                                .collect();
                            let help = config::did_you_mean(key, known.iter().copied())
                                .map(|k| format!("did you mean `{k}`?"))
                                .unwrap_or_else(|| {
                                    format!("`{}` accepts: {}", meta.name, known.join(", "))
                                });
                            return Err((
                                Some(Span::from(value.span())),
                                format!("unknown option `{key}` for rule `{}`", meta.name),
                                Some(help),
                            ));
                        }
                    }
                    (level, options)
                }
            };
            if let Some(level) = level {
                let parsed = Level::parse(&level).ok_or_else(|| {
                    (
                        Some(Span::from(value.span())),
                        format!("unknown severity `{level}`"),
                        Some(format!("use one of: {}", Level::NAMES.join(", "))),
                    )
                })?;
                match parsed {
                    Level::Off => {
                        self.levels.remove(meta.name);
                    }
                    Level::On(severity) => {
                        self.levels.insert(meta.name, severity);
                        self.explicit.insert(meta.name);
                    }
                }
            }
            self.rule_options.insert(meta.name, options);
        }
        if !selection.select.is_empty() {
            let mut selected = HashMap::new();
            for name in &selection.select {
                let meta = rules::by_name(name)
                    .ok_or_else(|| unknown_rule(name, None))?
                    .meta();
                selected.insert(
                    meta.name,
                    self.levels.get(meta.name).copied().unwrap_or(meta.severity),
                );
            }
            self.levels = selected;
        }
        for name in &selection.ignore {
            let meta = rules::by_name(name)
                .ok_or_else(|| unknown_rule(name, None))?
                .meta();
            self.levels.remove(meta.name);
        }
        Ok(())
    }

    /// The severity a rule runs at, or `None` when it is off.
    pub fn level(&self, rule: &str) -> Option<Severity> {
        self.levels.get(rule).copied()
    }

    /// Whether the user set this rule's severity (so it overrides the rule's own choice).
    pub fn severity_is_explicit(&self, rule: &str) -> bool {
        self.explicit.contains(rule)
    }

    /// Whether a `/`-separated path relative to the root is excluded by the config, even when
    /// passed explicitly.
    pub fn is_excluded(&self, rel: &str) -> bool {
        self.exclude.is_match(rel)
    }
}

fn unknown_rule(name: &str, span: Option<Span>) -> (Option<Span>, String, Option<String>) {
    let help = config::did_you_mean(name, rules::names())
        .map(|n| format!("did you mean `{n}`?"))
        .or(Some("`postlint rules` lists every rule".into()));
    (span, format!("unknown rule `{name}`"), help)
}

/// A located config problem: span in postlint.toml, message, help.
type Problem = (Option<Span>, String, Option<String>);

/// `unknown preset `x``, with a did-you-mean or the list of known values.
fn unknown_value(kind: &str, value: &Spanned<String>, known: &[&str]) -> Problem {
    let help = config::did_you_mean(value.get_ref(), known.iter().copied()).map_or_else(
        || format!("use one of: {}", known.join(", ")),
        |n| format!("did you mean `{n}`?"),
    );
    (
        Some(Span::from(value.span())),
        format!("unknown {kind} `{}`", value.get_ref()),
        Some(help),
    )
}

/// The pattern as the user wrote it, without the anchors [`regex`] adds.
pub fn pattern_text(regex: &Regex) -> &str {
    let text = regex.as_str();
    text.strip_prefix("^(?:")
        .and_then(|t| t.strip_suffix(")$"))
        .unwrap_or(text)
}

fn regex(value: &Spanned<String>) -> Result<Regex, Problem> {
    // Anchored: a pattern describes the whole value, not a part of it.
    Regex::new(&format!("^(?:{})$", value.get_ref())).map_err(|e| {
        let reason = e
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .trim_start_matches("error: ")
            .to_owned();
        (
            Some(Span::from(value.span())),
            format!("invalid regular expression: {reason}"),
            None,
        )
    })
}

fn collection_settings(
    name: &str,
    config: &CollectionConfig,
) -> Result<CollectionSettings, Problem> {
    let include = Globs::new(&config.include).map_err(|e| (None, e, None))?;
    let exclude = Globs::new(&config.exclude).map_err(|e| (None, e, None))?;
    let preset = match &config.preset {
        None => None,
        Some(p) => Some(
            Preset::parse(p.get_ref()).ok_or_else(|| unknown_value("preset", p, &Preset::NAMES))?,
        ),
    };
    let unknown_fields = match &config.unknown_fields {
        None => None,
        Some(u) => Some(match u.get_ref().as_str() {
            "allow" | "off" => UnknownFields::Allow,
            level => match Level::parse(level) {
                Some(Level::On(severity)) => UnknownFields::Report(severity),
                _ => {
                    return Err(unknown_value(
                        "`unknown-fields` value",
                        u,
                        &["allow", "info", "warning", "error"],
                    ));
                }
            },
        }),
    };
    let mut fields = Vec::new();
    for (field_name, field) in &config.fields {
        let ty = match &field.ty {
            None => None,
            Some(t) => Some(
                FieldType::parse(t.get_ref())
                    .ok_or_else(|| unknown_value("field type", t, &FieldType::NAMES))?,
            ),
        };
        let patch = FieldPatch {
            ty,
            required: field.required,
            allowed: (!field.allowed.is_empty()).then(|| field.allowed.clone()),
            pattern: field.pattern.as_ref().map(regex).transpose()?,
            min_length: field.min_length,
            max_length: field.max_length,
            format: field.format.as_ref().map(|f| f.get_ref().clone()),
            allow_empty: field.allow_empty,
        };
        fields.push((field_name.clone(), patch));
    }
    Ok(CollectionSettings {
        name: name.to_owned(),
        include_patterns: config.include.clone(),
        include,
        exclude,
        preset,
        fields,
        unknown_fields,
        require_front_matter: config.require_front_matter,
        slug_pattern: config.slug_pattern.as_ref().map(regex).transpose()?,
        series: match &config.series {
            None => SeriesChoice::Detect,
            Some(series) if series.enabled == Some(false) => SeriesChoice::Off,
            Some(series) => SeriesChoice::Declared(Box::new(series_settings(series)?)),
        },
    })
}

fn series_settings(config: &SeriesConfig) -> Result<Series, Problem> {
    let number_regex = |value: &Option<Spanned<String>>| -> Result<Option<Regex>, Problem> {
        let Some(value) = value else { return Ok(None) };
        let span = Some(Span::from(value.span()));
        let regex = series::number_regex(value.get_ref()).map_err(|e| {
            (
                span,
                format!(
                    "invalid regular expression: {}",
                    e.to_string().lines().last().unwrap_or_default().trim()
                ),
                None,
            )
        })?;
        if !regex.capture_names().any(|n| n == Some("n")) {
            return Err((
                span,
                format!("`{}` has no `{{n}}` for the number", value.get_ref()),
                Some("write `{n}` where the number stands, e.g. `第\\s*{n}\\s*封信`".into()),
            ));
        }
        Ok(Some(regex))
    };
    let template = |value: &Option<Spanned<String>>| -> Result<Option<Template>, Problem> {
        value
            .as_ref()
            .map(|v| {
                Template::new(v.get_ref()).map_err(|e| {
                    (
                        Some(Span::from(v.span())),
                        e,
                        Some("write `{n}` where the number stands, e.g. `newsletter-{n}`".into()),
                    )
                })
            })
            .transpose()
    };
    let mut allow_gaps = Vec::new();
    for gap in &config.allow_gaps {
        let range = match gap.get_ref() {
            toml::Value::Integer(n) if *n >= 0 => Some(*n as u64..=*n as u64),
            toml::Value::String(s) => s
                .split_once('-')
                .and_then(|(a, b)| Some(a.trim().parse().ok()?..=b.trim().parse().ok()?)),
            _ => None,
        };
        allow_gaps.push(range.ok_or_else(|| {
            (
                Some(Span::from(gap.span())),
                "a gap is a number or a range such as \"10-12\"".to_owned(),
                None,
            )
        })?);
    }
    let membership = match (&config.tag, &config.include) {
        (Some(tag), _) => Membership::Tag(tag.clone()),
        (None, Some(globs)) => {
            Membership::Glob(discover::glob_set(globs).map_err(|e| (None, e, None))?)
        }
        (None, None) => Membership::All,
    };
    // `postlint init` writes the greeting it detected: a built-in one is matched by hand.
    let built_in = config
        .body
        .as_ref()
        .and_then(|b| BodyRegex::built_in(b.get_ref()));
    let body = match built_in {
        Some(greeting) => Some(greeting),
        None => number_regex(&config.body)?.map(BodyRegex::Other),
    };
    let mut series = Series::declared(body);
    series.title = number_regex(&config.title)?;
    series.heading = number_regex(&config.heading)?;
    series.slug = template(&config.slug)?;
    series.file = template(&config.file)?;
    series.start = config.start.unwrap_or(0);
    series.allow_gaps = allow_gaps;
    series.membership = membership;
    series.since = config.since;
    if series.body.is_none()
        && series.title.is_none()
        && series.heading.is_none()
        && series.slug.is_none()
        && series.file.is_none()
    {
        return Err((
            None,
            "a series needs at least one source: body, title, heading, slug or file".into(),
            None,
        ));
    }
    Ok(series)
}

/// `[network]` over the defaults; `--allow-private` wins over the file.
fn network_options(config: &NetworkConfig, allow_private: bool) -> Result<HttpOptions, Problem> {
    let defaults = HttpOptions::default();
    let seconds = |v: Option<f64>, default: Duration| {
        v.map_or(default, |s| Duration::from_secs_f64(s.max(0.0)))
    };
    let mut exclude = Vec::new();
    for pattern in &config.exclude {
        exclude.push(Regex::new(pattern.get_ref()).map_err(|e| {
            (
                Some(Span::from(pattern.span())),
                format!(
                    "invalid regular expression: {}",
                    e.to_string().lines().last().unwrap_or_default().trim()
                ),
                None,
            )
        })?);
    }
    let mut resolve = HashMap::new();
    for (host, ip) in &config.resolve {
        let parsed = ip.get_ref().parse().map_err(|_| {
            (
                Some(Span::from(ip.span())),
                format!(
                    "`{}` is not an IP address (or address and port)",
                    ip.get_ref()
                ),
                None,
            )
        })?;
        resolve.insert(host.clone(), parsed);
    }
    Ok(HttpOptions {
        connect_timeout: seconds(config.connect_timeout, defaults.connect_timeout),
        timeout: seconds(config.timeout, defaults.timeout),
        retries: config.retries.unwrap_or(defaults.retries),
        retry_backoff: config
            .retry_backoff_ms
            .map_or(defaults.retry_backoff, Duration::from_millis),
        concurrency: config.concurrency.unwrap_or(defaults.concurrency).max(1),
        per_host: config.per_host.unwrap_or(defaults.per_host).max(1),
        host_interval: config
            .host_interval_ms
            .map_or(defaults.host_interval, Duration::from_millis),
        user_agent: config.user_agent.clone().unwrap_or(defaults.user_agent),
        headers: config
            .headers
            .iter()
            .map(|(host, h)| {
                (
                    host.clone(),
                    h.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                )
            })
            .collect(),
        accept_status: config.accept_status.clone(),
        exclude,
        allow_private: allow_private || config.allow_private.unwrap_or(false),
        max_redirects: config.max_redirects.unwrap_or(defaults.max_redirects),
        retry_after_cap: seconds(config.retry_after_cap, defaults.retry_after_cap),
        budget: seconds(config.budget, defaults.budget),
        resolve,
    })
}

/// The configured time zone, checked against the IANA database.
fn site_timezone(config: &Config) -> Result<TimeZone, Problem> {
    let Some(name) = &config.site.timezone else {
        return Ok(TimeZone::UTC);
    };
    TimeZone::get(name.get_ref()).map_err(|_| {
        let known: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let mut problem = unknown_value("time zone", name, &known);
        if problem
            .2
            .as_deref()
            .is_some_and(|h| h.starts_with("use one of"))
        {
            problem.2 = Some("use an IANA time zone name such as `Asia/Shanghai` or `UTC`".into());
        }
        problem
    })
}

/// The folder a path stands in (itself for a folder), absolute.
fn start_folder(cwd: &Path, start: &Path) -> PathBuf {
    let absolute = discover::normalize(&cwd.join(start));
    if absolute.is_file() || discover::is_markdown(&absolute) {
        absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
    } else {
        absolute
    }
}

/// Which project a path belongs to, found without reading any config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Project {
    /// The `postlint.toml` that governs it (given, or the nearest above it).
    Config(PathBuf),
    /// No config: the root of the site detected around it.
    Detected(PathBuf),
}

impl Project {
    pub fn of(start: &Path, config_override: Option<&Path>) -> Project {
        let cwd = std::env::current_dir().unwrap_or_default();
        let start_dir = start_folder(&cwd, start);
        let config = match config_override {
            Some(path) => Some(discover::normalize(&cwd.join(path))),
            None => config::find(&start_dir),
        };
        match config {
            Some(path) => Project::Config(path),
            None => Project::Detected(detect_root(&start_dir)),
        }
    }

    /// The folder holding the project: its config's folder, or the detected root.
    fn folder(&self) -> &Path {
        match self {
            Project::Config(path) => path.parent().unwrap_or(Path::new("")),
            Project::Detected(root) => root,
        }
    }

    /// The project's root as [`Settings::root`] shows it.
    pub fn root(&self) -> PathBuf {
        display_root(self.folder(), &std::env::current_dir().unwrap_or_default())
    }

    /// What names the project in paths: its config file, or its root as the user sees it.
    pub fn key(&self) -> PathBuf {
        match self {
            Project::Config(path) => path.clone(),
            Project::Detected(_) => self.root(),
        }
    }
}

/// Site layouts recognised without a config: (marker folder, preset).
const LAYOUTS: [(&str, Option<Preset>); 5] = [
    ("src/data", None),
    ("src/content", None),
    ("source/_posts", Some(Preset::Hexo)),
    ("_posts", Some(Preset::Jekyll)),
    ("content", Some(Preset::Hugo)),
];

/// The nearest folder from `start` upward (within the repository) that looks like a site.
fn detect_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if LAYOUTS.iter().any(|(marker, _)| dir.join(marker).is_dir()) {
            return dir.to_owned();
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    start.to_owned()
}

/// Collections of a site without a config: every folder of `src/data` and `src/content` holding
/// Markdown (AstroPaper: `blog`, `newsletter`, …), Hugo's `content`, Jekyll's `_posts`, Hexo's
/// `source/_posts`; otherwise every Markdown file below the root. Whether a folder holds Markdown
/// is read from `listings` when given: the collection's walk then finds its listing made.
fn detect_collections(root: &Path, mut listings: Option<&mut Listings>) -> Vec<CollectionSettings> {
    let mut has_markdown = |dir: &Path| match listings.as_deref_mut() {
        Some(listings) => listings
            .markdown_files(dir)
            .is_some_and(|files| !files.is_empty()),
        None => discover::has_markdown(dir),
    };
    let mut found = Vec::new();
    for (marker, preset) in LAYOUTS {
        let dir = root.join(marker);
        if !dir.is_dir() {
            continue;
        }
        if preset.is_some() {
            let name = marker
                .rsplit('/')
                .next()
                .unwrap_or(marker)
                .trim_start_matches('_');
            found.push(CollectionSettings::detected(
                name,
                &format!("{marker}/**/*.{{md,markdown}}"),
                preset,
            ));
            continue;
        }
        let mut subdirs: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .collect();
        subdirs.sort_by_key(|e| e.file_name());
        for entry in subdirs {
            let name = entry.file_name().to_string_lossy().into_owned();
            if has_markdown(&entry.path()) {
                found.push(CollectionSettings::detected(
                    &name,
                    &format!("{marker}/{}/**/*.{{md,markdown}}", globset::escape(&name)),
                    None,
                ));
            }
        }
    }
    if found.is_empty() {
        found.push(CollectionSettings::detected(
            "posts",
            "**/*.{md,markdown}",
            Some(Preset::Generic),
        ));
    }
    found
}

/// The root as the user will see it in paths: relative to the current directory when below it.
fn display_root(root: &Path, cwd: &Path) -> PathBuf {
    let relative = discover::relative(root, cwd);
    if relative
        .components()
        .filter(|c| matches!(c, std::path::Component::ParentDir))
        .count()
        > 2
    {
        root.to_owned()
    } else {
        relative
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_are_detected_alike_with_and_without_the_folder_listings() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let data = root.join("src/data");
        for (path, text) in [
            ("blog/a.md", "a"),
            ("newsletter/2024/deep.md", "b"),
            ("images/x.png", "c"),
            ("drafts/c.md", "d"),
            ("drafts/.gitignore", "*.md\n"),
            ("notes/readme.markdown", "e"),
        ] {
            std::fs::create_dir_all(data.join(path).parent().unwrap()).unwrap();
            std::fs::write(data.join(path), text).unwrap();
        }
        std::fs::create_dir(data.join("empty")).unwrap();
        let names = |found: Vec<CollectionSettings>| -> Vec<String> {
            found.into_iter().map(|c| c.name).collect()
        };
        let walked = names(detect_collections(&root, None));
        assert_eq!(walked, ["blog", "newsletter", "notes"]);
        let mut listings = Listings::open(&root.join(crate::cache_dir::NAME));
        assert_eq!(
            names(detect_collections(&root, Some(&mut listings))),
            walked
        );
    }

    #[test]
    fn a_pattern_is_shown_as_written() {
        let anchored = |p: &str| regex(&Spanned::new(0..p.len(), p.to_owned())).unwrap();
        assert_eq!(
            pattern_text(&anchored(r"newsletter-\d+")),
            r"newsletter-\d+"
        );
        // The user's own `)$` stays: only the anchors added around it go.
        assert_eq!(pattern_text(&anchored("(a|b)$")), "(a|b)$");
    }
}

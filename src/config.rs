//! `postlint.toml`: its schema, where it is found, and errors located in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Span;

pub const FILE_NAME: &str = "postlint.toml";

/// The file as written; every table rejects unknown keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Globs (relative to the config's folder) never linted, even when passed explicitly.
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub site: SiteConfig,
    #[serde(default)]
    pub collections: BTreeMap<String, CollectionConfig>,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Spanned<RuleConfig>>,
    #[serde(default)]
    pub network: NetworkConfig,
}

/// `[network]`: how remote images are checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NetworkConfig {
    /// Seconds.
    pub connect_timeout: Option<f64>,
    /// Seconds for one request.
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
    pub retry_backoff_ms: Option<u64>,
    pub concurrency: Option<usize>,
    pub per_host: Option<usize>,
    pub host_interval_ms: Option<u64>,
    pub user_agent: Option<String>,
    /// Extra request headers by host: `headers."img.example.com" = { Referer = "…" }`.
    #[serde(default)]
    pub headers: BTreeMap<String, BTreeMap<String, String>>,
    /// Statuses counted as success besides 2xx.
    #[serde(default)]
    pub accept_status: Vec<u16>,
    /// Regular expressions of URLs never requested.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub allow_private: Option<bool>,
    pub max_redirects: Option<usize>,
    /// Longest `Retry-After` honoured, seconds.
    pub retry_after_cap: Option<f64>,
    /// The whole network phase, seconds.
    pub budget: Option<f64>,
    pub cache_ttl_days: Option<f64>,
    /// Host names pinned to IP addresses (trusted), like curl's `--resolve`.
    #[serde(default)]
    pub resolve: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SiteConfig {
    /// IANA time zone of the site (`Asia/Shanghai`).
    pub timezone: Option<Spanned<String>>,
    /// Folders served at the site root (`public`, `static`).
    #[serde(default)]
    pub public: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CollectionConfig {
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub preset: Option<Spanned<String>>,
    /// `allow`, `info`, `warning` or `error`: what an undeclared key is.
    pub unknown_fields: Option<Spanned<String>>,
    pub require_front_matter: Option<bool>,
    /// A regular expression every explicit slug must match (default: lowercase words joined by hyphens).
    pub slug_pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub fields: BTreeMap<String, FieldConfig>,
    /// A numbered series (`第 N 封信`); detected when absent.
    pub series: Option<SeriesConfig>,
}

/// `[collections.NAME.series]`: where numbers come from and what the numbering must look like.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SeriesConfig {
    /// `false` turns detection off for this collection.
    pub enabled: Option<bool>,
    /// Regex over the body outside code; `{n}` stands for the number (or a group `(?P<n>…)`).
    pub body: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub heading: Option<Spanned<String>>,
    /// Template such as `newsletter-{n}`.
    pub slug: Option<Spanned<String>>,
    /// Template such as `newsletter-{n}.md` or `{n}-*.md`.
    pub file: Option<Spanned<String>>,
    pub start: Option<u64>,
    /// Numbers (`7`) or ranges (`"10-12"`) never published.
    #[serde(default)]
    pub allow_gaps: Vec<Spanned<toml::Value>>,
    /// Only posts with this tag belong to the series.
    pub tag: Option<String>,
    /// Only posts matching these globs belong to the series.
    pub include: Option<Vec<String>>,
    /// Posts numbered below this are exempt from source checks.
    pub since: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldConfig {
    #[serde(rename = "type")]
    pub ty: Option<Spanned<String>>,
    pub required: Option<bool>,
    #[serde(rename = "enum", default)]
    pub allowed: Vec<String>,
    /// A regular expression the whole value must match.
    pub pattern: Option<Spanned<String>>,
    /// Characters of a string, items of a list.
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// strftime-style format of a date field (`%Y/%m/%d`), instead of ISO 8601.
    pub format: Option<Spanned<String>>,
    /// Whether an empty value (`title:`, `""`, `[]`) is acceptable.
    pub allow_empty: Option<bool>,
}

/// `rule = "warning"` or `[rules.rule]` with `severity` and the rule's options.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RuleConfig {
    Level(String),
    Table(toml::Table),
}

/// A problem with the configuration: exit code 2, shown with its place in the file.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub source: String,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
}

impl ConfigError {
    pub fn new(path: &Path, source: &str, span: Option<Span>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_owned(),
            source: source.to_owned(),
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Reads and parses a config file.
pub fn load(path: &Path) -> Result<(Config, String), ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            path,
            "",
            None,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    match toml::from_str::<Config>(&source) {
        Ok(config) => Ok((config, source)),
        Err(e) => {
            let message = e.message().trim_end().trim_end_matches('.').to_owned();
            let help = unknown_field_help(&message);
            Err(ConfigError::new(path, &source, e.span().map(Span::from), message).with_help(help))
        }
    }
}

/// `unknown field `x`, expected one of `a`, `b`` → did-you-mean help.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match did_you_mean(unknown, candidates.iter().copied()) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None => Some(format!("known keys: {}", candidates.join(", "))),
    }
}

/// The closest candidate by Jaro-Winkler similarity, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The nearest `postlint.toml` from `start` upward, stopping at the repository root.
pub fn find(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_get_a_suggestion() {
        assert_eq!(
            unknown_field_help(
                "unknown field `colections`, expected one of `exclude`, `site`, `collections`, `rules`"
            ),
            Some("did you mean `collections`?".into())
        );
        assert_eq!(
            did_you_mean("pubDatetim", ["title", "pubDatetime"]),
            Some("pubDatetime")
        );
        assert_eq!(did_you_mean("zzz", ["title"]), None);
    }
}

//! The command line as the user typed it (clap derive); `run` gives it meaning.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "postlint",
    version,
    about = "Lint Markdown blog posts with front matter: slugs, dates, numbered series, links and images"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint posts (the configured or detected collections, or the given files and folders).
    Check(CheckArgs),
    /// Show a numbered series: each post's number, date and problems, and the next number.
    Series(SeriesArgs),
    /// Speak the Language Server Protocol over standard input and output (for editors).
    Server,
    /// Manage the cache folder (network results and the outline index).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// List every rule.
    Rules,
    /// Show the documentation of one rule.
    Rule {
        /// The rule's name, e.g. `slug-duplicate`.
        name: String,
    },
    /// Write a commented postlint.toml for the detected site layout.
    Init {
        /// The site's folder.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Overwrite an existing postlint.toml.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Delete the cached network results and the outline index.
    Clear {
        /// The cache folder [default: .postlint-cache in the project of the current folder].
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SeriesArgs {
    /// The collection to show (default: every collection that is a series).
    pub collection: Option<String>,
    /// Use this config file instead of the nearest postlint.toml.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The site's folder.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: SeriesFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum NetworkMode {
    On,
    Off,
    Cached,
}

impl CheckArgs {
    /// The network mode after `--offline` and the editor default.
    pub fn network_mode(&self) -> NetworkMode {
        match (self.offline, self.network, &self.stdin_filename) {
            (true, _, _) => NetworkMode::Off,
            (false, Some(mode), _) => mode,
            (false, None, Some(_)) => NetworkMode::Cached,
            (false, None, None) => NetworkMode::On,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SeriesFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to lint; their whole collections are read for cross-post rules.
    pub paths: Vec<PathBuf>,
    /// Output format [default: pretty on a terminal, concise otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Use this config file instead of the nearest postlint.toml.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Lint only posts changed since this git revision (and untracked ones), with their collections.
    #[arg(long, value_name = "REV", conflicts_with_all = ["paths", "stdin_filename"])]
    pub changed_since: Option<String>,
    /// Read the post from standard input and lint it as if it were at PATH.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Skip rules that need the network (same as `--network off`, and wins over it).
    #[arg(long)]
    pub offline: bool,
    /// Network rules: `on` checks URLs (default), `off` skips them, `cached` uses cached results
    /// only and never waits on the network (default with --stdin-filename).
    #[arg(long, value_enum, value_name = "MODE", env = "POSTLINT_NETWORK")]
    pub network: Option<NetworkMode>,
    /// Run only these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub ignore: Vec<String>,
    /// Print findings only, without the summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Apply safe fixes to the files (to standard output with --stdin-filename).
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, apply unsafe fixes too (they may change what readers see).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Let network checks reach private, loopback and link-local addresses (tests, intranets).
    #[arg(long)]
    pub allow_private: bool,
    /// Where network results and the outline index are kept [default: .postlint-cache in the project].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache folder (network results, outline index): every file is read.
    #[arg(long)]
    pub no_cache: bool,
    /// Take this instant as "now" for date rules (RFC 3339, e.g. `2024-02-16T08:00:00Z`).
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_timestamp)]
    pub now: Option<jiff::Timestamp>,
    /// Never colour the output (also: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
}

fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse()
        .map_err(|e: jiff::Error| format!("not an RFC 3339 timestamp: {e}"))
}

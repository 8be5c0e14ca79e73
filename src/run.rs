//! `postlint` subcommands: turn parsed arguments into work, output and an exit code.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::cache_dir::NAME as CACHE_DIR;
use crate::cli::{CacheAction, CheckArgs, Cli, Command, NetworkMode, SeriesArgs, SeriesFormat};
use crate::config::{self, ConfigError, did_you_mean};
use crate::diagnostic::Severity;
use crate::engine::{self, Outcome, Request};
use crate::index::listings::Listings;
use crate::net::Checker;
use crate::net::cache::{Cache, CachedChecker, NetworkChecker};
use crate::net::http::HttpChecker;
use crate::report::{self, Format, Options};
use crate::rules;
use crate::settings::{CliOverrides, Project, Settings};

/// Exit codes: no error-level finding, at least one, or a usage/config/I-O failure.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

/// Runs a parsed command line, writing to stdout and stderr; returns the process's exit code
/// ([`EXIT_OK`], [`EXIT_FINDINGS`] or [`EXIT_FAILURE`]), its output flushed.
pub fn run(cli: Cli) -> u8 {
    // Block-buffered: the standard lock flushes at every line, a `write` per line of a report.
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let result = match cli.command {
        Command::Check(args) => check(&args, &mut out),
        Command::Series(args) => series(&args, &mut out),
        Command::Server => {
            drop(out);
            return exit(crate::server::run());
        }
        Command::Cache {
            action: CacheAction::Clear { cache_dir },
        } => clear_cache(cache_dir.as_deref(), &mut out),
        Command::Rules => list_rules(&mut out).map(|()| EXIT_OK),
        Command::Rule { name } => show_rule(&name, &mut out),
        Command::Init { path, force } => init(&path, force, &mut out),
    };
    let flushed = out.flush();
    exit(result.and_then(|code| flushed.map(|()| code)))
}

/// The process's exit code for a command's result, printing its error.
fn exit(result: io::Result<u8>) -> u8 {
    match result {
        Ok(code) => code,
        // A closed pipe (`postlint check | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

fn check(args: &CheckArgs, out: &mut dyn Write) -> io::Result<u8> {
    let selection = CliOverrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        now: args.now,
        allow_private: args.allow_private,
    };
    let cwd = std::env::current_dir()?;
    let stdin = match &args.stdin_filename {
        Some(path) => {
            let mut text = String::new();
            if let Err(e) = io::stdin().read_to_string(&mut text) {
                eprintln!("error: cannot read standard input as UTF-8 text: {e}");
                return Ok(EXIT_FAILURE);
            }
            Some((cwd.join(path), text))
        }
        None => None,
    };
    let changed;
    let paths: &[PathBuf] = match &args.changed_since {
        Some(rev) => match changed_files(rev) {
            Ok(files) if files.is_empty() => {
                if !args.quiet {
                    writeln!(out, "No posts changed since {rev}.")?;
                }
                return Ok(EXIT_OK);
            }
            Ok(files) => {
                changed = files;
                &changed
            }
            Err(e) => {
                eprintln!("error: --changed-since {rev}: {e}");
                return Ok(EXIT_FAILURE);
            }
        },
        None => &args.paths,
    };
    for path in paths {
        if !path.exists() {
            eprintln!("error: {}: no such file or folder", path.display());
            return Ok(EXIT_FAILURE);
        }
    }

    // Each path belongs to the project of its nearest config (or detected site); lint each once.
    let starts: Vec<PathBuf> = match (&stdin, paths.is_empty()) {
        (Some((path, _)), _) => vec![path.clone()],
        (None, true) => vec![cwd.clone()],
        (None, false) => paths.to_vec(),
    };
    // Settings are built once per project, however many of its files are given.
    let mut projects: BTreeMap<PathBuf, ProjectRun> = BTreeMap::new();
    for start in &starts {
        let project = Project::of(start, args.config.as_deref());
        let key = project.key();
        if !projects.contains_key(&key) {
            let cache_dir = (!args.no_cache).then(|| cache_dir(args, &project.root()));
            // Projects sharing a cache folder (`--cache-dir`) share its listings: each would
            // otherwise save over what the other saved.
            let listings = cache_dir.as_ref().map(|dir| {
                projects
                    .values()
                    .find(|run| run.cache_dir.as_ref() == Some(dir))
                    .and_then(|run| run.listings.clone())
                    .unwrap_or_else(|| Arc::new(Mutex::new(Listings::open(dir))))
            });
            let mut detecting = listings
                .as_ref()
                .map(|l| l.lock().unwrap_or_else(PoisonError::into_inner));
            let settings = Settings::of_project(project, &selection, detecting.as_deref_mut());
            drop(detecting);
            match settings {
                Ok(settings) => projects.insert(
                    key.clone(),
                    ProjectRun {
                        settings,
                        cache_dir,
                        listings,
                        paths: Vec::new(),
                    },
                ),
                Err(e) => {
                    print_config_error(&e, color(args));
                    return Ok(EXIT_FAILURE);
                }
            };
        }
        let run = projects.get_mut(&key).expect("inserted above");
        run.paths.push(cwd.join(start));
    }

    let fixing = args.fix || args.diff;
    let mut outcome = Outcome::default();
    let mut changes = BTreeMap::new();
    let mut converged = true;
    for ProjectRun {
        settings,
        cache_dir,
        listings,
        paths,
    } in projects.values()
    {
        let network = network_checker(args, settings, cache_dir.as_deref());
        let request = Request {
            paths: (stdin.is_none() && !starts_are_cwd(&starts, &cwd)).then(|| paths.clone()),
            stdin: stdin.clone(),
            checker: network.as_ref().map(|c| c as &dyn Checker),
            index_dir: cache_dir.clone(),
            listings: listings.as_deref(),
            ends_process: !fixing,
            ..Request::new(settings)
        };
        let part = if fixing {
            let fixed = crate::fix::fix_in_memory(&request, args.unsafe_fixes);
            changes.extend(fixed.changes);
            converged &= fixed.converged;
            fixed.remaining
        } else {
            engine::lint(&request)
        };
        finish_network(network.as_ref(), args.quiet);
        outcome.diagnostics.extend(part.diagnostics);
        outcome.sources.extend(part.sources);
        outcome.files_checked += part.files_checked;
        outcome.errors.extend(part.errors);
    }
    if !converged {
        eprintln!(
            "warning: fixes did not converge after {} rounds; some files may need another run",
            crate::fix::MAX_ROUNDS
        );
    }
    if fixing {
        if let Some((path, text)) = &stdin {
            return fix_stdin(args, path, text, &changes, &outcome, out);
        }
        if args.diff {
            for (path, (original, fixed)) in &changes {
                write!(out, "{}", crate::fix::unified_diff(path, original, fixed))?;
            }
            return Ok(if changes.is_empty() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            });
        }
        for (path, (original, fixed)) in &changes {
            match crate::fix::write_if_unchanged(path, original, fixed) {
                Ok(true) => {}
                Ok(false) => eprintln!(
                    "warning: {}: changed on disk while postlint ran; not fixed",
                    path.display()
                ),
                Err(e) => outcome
                    .errors
                    .push(format!("{}: cannot write: {e}", path.display())),
            }
        }
        if !args.quiet && !changes.is_empty() {
            eprintln!(
                "Fixed {} file{}.",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            );
        }
    }

    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Pretty
    } else {
        Format::Concise
    });
    let options = Options {
        color: color(args),
        width: terminal_width(),
        quiet: args.quiet,
    };
    report::render(format, &outcome, &options, out)?;
    print_errors(&outcome.errors, out)?;
    crate::timings::mark("report written");
    Ok(exit_code(&outcome))
}

/// Prints `errors` on stderr after what `out` holds (it is buffered): a report, then what kept
/// it from being whole.
fn print_errors(errors: &[String], out: &mut dyn Write) -> io::Result<()> {
    out.flush()?;
    for error in errors {
        eprintln!("error: {error}");
    }
    Ok(())
}

/// The checker for the chosen network mode: the cache in `cache_dir` (none with `--no-cache`)
/// in front of the HTTP checker (only with `--network on`); `None` when the network is off.
fn network_checker(
    args: &CheckArgs,
    settings: &Settings,
    cache_dir: Option<&Path>,
) -> Option<CachedChecker> {
    let mode = args.network_mode();
    if mode == NetworkMode::Off {
        return None;
    }
    let cache = cache_dir.map(|dir| {
        let (cache, warning) = Cache::open(dir, settings.cache_ttl);
        if let Some(warning) = warning {
            eprintln!("warning: {warning}");
        }
        cache
    });
    let http = (mode == NetworkMode::On).then(|| {
        let mut http = HttpChecker::new(settings.network.clone());
        http.progress = !args.quiet && io::stderr().is_terminal();
        Box::new(http) as Box<dyn NetworkChecker>
    });
    Some(CachedChecker::new(cache, http))
}

/// One project of a `check`: its settings, its cache folder (`None`: `--no-cache`), the folder
/// listings its collections were detected from (its walk reads them next), and the paths given
/// in it.
struct ProjectRun {
    settings: Settings,
    cache_dir: Option<PathBuf>,
    listings: Option<Arc<Mutex<Listings>>>,
    paths: Vec<PathBuf>,
}

/// The cache folder: `--cache-dir`, else `.postlint-cache` in the project root.
fn cache_dir(args: &CheckArgs, root: &Path) -> PathBuf {
    args.cache_dir
        .clone()
        .unwrap_or_else(|| crate::cache_dir::of_project(root))
}

/// Saves the cache and prints the network summary (stderr: stdout carries the report).
fn finish_network(checker: Option<&CachedChecker>, quiet: bool) {
    let Some(checker) = checker else { return };
    if let Err(e) = checker.save() {
        eprintln!("warning: cannot write the network cache: {e}");
    }
    let stats = checker.stats();
    if stats.network_unavailable {
        eprintln!(
            "notice: network unavailable: {} image URL{} not verified",
            stats.unverified,
            if stats.unverified == 1 { "" } else { "s" }
        );
    } else if !quiet && stats.checked + stats.from_cache > 0 {
        eprintln!("{}", stats.summary());
    }
}

/// `--fix` on standard input: the fixed buffer (or its diff) to stdout, findings left to stderr.
fn fix_stdin(
    args: &CheckArgs,
    path: &Path,
    text: &str,
    changes: &BTreeMap<PathBuf, (String, String)>,
    outcome: &Outcome,
    out: &mut dyn Write,
) -> io::Result<u8> {
    let cwd = std::env::current_dir()?;
    let same =
        |p: &Path| crate::discover::normalize(&cwd.join(p)) == crate::discover::normalize(path);
    let fixed = changes
        .iter()
        .find(|(p, _)| same(p))
        .map_or(text, |(_, (_, fixed))| fixed.as_str());
    if args.diff {
        let shown = args.stdin_filename.as_deref().unwrap_or(path);
        write!(out, "{}", crate::fix::unified_diff(shown, text, fixed))?;
    } else {
        out.write_all(fixed.as_bytes())?;
    }
    out.flush()?;
    let options = Options {
        color: false,
        width: terminal_width(),
        quiet: true,
    };
    report::render(Format::Concise, outcome, &options, &mut io::stderr())?;
    Ok(exit_code(outcome))
}

/// Whether no paths were given (the whole project is linted).
fn starts_are_cwd(starts: &[PathBuf], cwd: &Path) -> bool {
    starts.len() == 1 && starts[0] == cwd
}

/// Markdown files changed between `rev` and the working tree, plus untracked ones, that exist.
fn changed_files(rev: &str) -> Result<Vec<PathBuf>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let output = std::process::Command::new("git")
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let changed = git(&[
        "diff",
        "--name-only",
        "--relative",
        "--diff-filter=ACMRT",
        rev,
        "--",
    ])?;
    let untracked = git(&["ls-files", "--others", "--exclude-standard"])?;
    let mut files: Vec<PathBuf> = changed
        .lines()
        .chain(untracked.lines())
        .map(PathBuf::from)
        .filter(|p| crate::discover::is_markdown(p) && p.is_file())
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

fn exit_code(outcome: &Outcome) -> u8 {
    if !outcome.errors.is_empty() {
        EXIT_FAILURE
    } else if outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn color(args: &CheckArgs) -> bool {
    !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal()
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// A config problem, shown with its place in postlint.toml.
pub fn print_config_error(error: &ConfigError, color: bool) {
    use miette::{LabeledSpan, MietteDiagnostic, NamedSource, SourceSpan};
    let mut diagnostic = MietteDiagnostic::new(error.message.clone()).with_code("config");
    if let Some(help) = &error.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    if let Some(span) = error.span {
        diagnostic = diagnostic.with_label(LabeledSpan::new_primary_with_span(
            None,
            SourceSpan::new(span.start.into(), span.len()),
        ));
    }
    let report = miette::Report::new(diagnostic).with_source_code(NamedSource::new(
        error.path.display().to_string(),
        error.source.clone(),
    ));
    let options = Options {
        color,
        width: terminal_width(),
        quiet: true,
    };
    let handler = crate::report::pretty_handler(&options);
    eprint!(
        "{}",
        crate::report::render_miette(&handler, report.as_ref())
    );
}

fn series(args: &SeriesArgs, out: &mut dyn Write) -> io::Result<u8> {
    let overrides = CliOverrides {
        select: vec!["series-number".into(), "series-order".into()],
        ..CliOverrides::default()
    };
    let settings = match Settings::discover(&args.root, args.config.as_deref(), &overrides) {
        Ok(settings) => settings,
        Err(e) => {
            print_config_error(&e, io::stderr().is_terminal());
            return Ok(EXIT_FAILURE);
        }
    };
    if let Some(name) = &args.collection
        && !settings.collections.iter().any(|c| &c.name == name)
    {
        eprintln!("error: no collection `{name}`");
        let names: Vec<&str> = settings
            .collections
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        match did_you_mean(name, names.iter().copied()) {
            Some(known) => eprintln!("help: did you mean `{known}`?"),
            None => eprintln!("help: collections: {}", names.join(", ")),
        }
        return Ok(EXIT_FAILURE);
    }
    let request = Request::new(&settings);
    let mut errors = Vec::new();
    let collections: Vec<_> = engine::load(&request, &mut errors)
        .into_iter()
        .filter(|c| args.collection.as_ref().is_none_or(|name| &c.name == name))
        .collect();
    let outcome = engine::lint_loaded(rules::all(), &request, &collections);
    let views: Vec<_> = collections
        .iter()
        .filter_map(|c| report::series::view(c, &outcome))
        .collect();
    match args.format {
        SeriesFormat::Table => report::series::render_table(&views, out)?,
        SeriesFormat::Json => report::series::render_json(&views, out)?,
    }
    print_errors(&errors, out)?;
    Ok(if errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILURE
    })
}

fn clear_cache(dir: Option<&Path>, out: &mut dyn Write) -> io::Result<u8> {
    let dir = match dir {
        Some(dir) => dir.to_owned(),
        None => match Settings::discover(Path::new("."), None, &CliOverrides::default()) {
            Ok(settings) => crate::cache_dir::of_project(&settings.root),
            Err(e) => {
                print_config_error(&e, io::stderr().is_terminal());
                return Ok(EXIT_FAILURE);
            }
        },
    };
    let cleared = Cache::clear(&dir)?;
    let cleared = crate::index::clear(&dir)? || cleared;
    let cleared = crate::site::clear(&dir)? || cleared;
    writeln!(
        out,
        "{} {}",
        if cleared { "cleared" } else { "no cache in" },
        dir.display()
    )?;
    Ok(EXIT_OK)
}

fn list_rules(out: &mut dyn Write) -> io::Result<()> {
    let width = rules::names().map(str::len).max().unwrap_or(0);
    writeln!(
        out,
        "{:width$}  {:8}  {:12}  {:7}  summary",
        "rule", "severity", "category", "fixable"
    )?;
    for rule in rules::all() {
        let m = rule.meta();
        let severity = if m.enabled {
            m.severity.as_str()
        } else {
            "off"
        };
        let fixable = if m.fixable { "yes" } else { "no" };
        writeln!(
            out,
            "{:width$}  {severity:8}  {:12}  {fixable:7}  {}",
            m.name, m.category, m.summary
        )?;
    }
    Ok(())
}

fn show_rule(name: &str, out: &mut dyn Write) -> io::Result<u8> {
    match rules::by_name(name) {
        Some(rule) => {
            let doc = rule.meta().doc;
            // The doc's own front matter is for tools; people read from the title on.
            let body = doc.find("\n# ").map_or(doc, |i| &doc[i + 1..]);
            write!(out, "{body}")?;
            Ok(EXIT_OK)
        }
        None => {
            eprintln!("error: unknown rule `{name}`");
            match did_you_mean(name, rules::names()) {
                Some(known) => eprintln!("help: did you mean `{known}`?"),
                None => eprintln!("help: `postlint rules` lists every rule"),
            }
            Ok(EXIT_FAILURE)
        }
    }
}

fn init(path: &Path, force: bool, out: &mut dyn Write) -> io::Result<u8> {
    let target = path.join(config::FILE_NAME);
    if target.exists() && !force {
        eprintln!("error: {} already exists", target.display());
        eprintln!("help: pass --force to overwrite it");
        return Ok(EXIT_FAILURE);
    }
    // Detection only: an existing config must not shape the new one.
    let settings = match Settings::discover(path, None, &CliOverrides::default()) {
        Ok(s) if s.config_path.is_none() || force => s,
        Ok(_) | Err(_) => Settings::detect(path),
    };
    let text = crate::init::render(&settings);
    crate::fix::write_atomically(&target, &text, None)?;
    writeln!(out, "wrote {}", target.display())?;
    // The network cache is per machine: keep it out of git.
    let gitignore = path.join(".gitignore");
    let ignored = std::fs::read_to_string(&gitignore).unwrap_or_default();
    if !ignored
        .lines()
        .any(|l| l.trim().trim_matches('/') == CACHE_DIR)
    {
        let separator = if ignored.is_empty() || ignored.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        crate::fix::write_atomically(
            &gitignore,
            &format!("{ignored}{separator}{CACHE_DIR}/\n"),
            None,
        )?;
        writeln!(out, "added {CACHE_DIR}/ to {}", gitignore.display())?;
    }
    Ok(EXIT_OK)
}

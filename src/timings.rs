//! Step timings on stderr when `POSTLINT_TIMINGS` is set: how BENCHMARKS.md's step tables are made.

use std::sync::LazyLock;
use std::time::Instant;

/// The instant the process started measuring (`None`: timings are off).
static START: LazyLock<Option<Instant>> =
    LazyLock::new(|| std::env::var_os("POSTLINT_TIMINGS").map(|_| Instant::now()));

/// Starts the clock (call first thing, so later marks count from process start).
pub fn start() {
    LazyLock::force(&START);
}

/// Prints `step`, the milliseconds since [`start`] and, on Linux, the page faults of the process
/// so far (each is memory touched for the first time: much of a short run's kernel time), when
/// timings are on.
pub fn mark(step: &str) {
    if let Some(start) = *START {
        let faults = page_faults().map_or_else(String::new, |n| format!("{n:>7} faults  "));
        eprintln!(
            "postlint timing: {:>8.2} ms  {faults}{step}",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// The minor page faults of the process so far (field 10 of `/proc/self/stat`).
fn page_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name, in parentheses, may hold spaces: fields are counted after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}

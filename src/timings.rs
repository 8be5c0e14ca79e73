//! Step timings on stderr when `POSTLINT_TIMINGS` is set (with page faults when it is `faults`):
//! how BENCHMARKS.md's step tables are made.

use std::sync::LazyLock;
use std::time::Instant;

/// The instant the process started measuring (`None`: timings are off), and whether page faults
/// are counted too (reading them costs a file read per step, so only when asked).
static START: LazyLock<Option<(Instant, bool)>> = LazyLock::new(|| {
    let asked = std::env::var_os("POSTLINT_TIMINGS")?;
    Some((Instant::now(), asked == "faults"))
});

/// Starts the clock (call first thing, so later marks count from process start).
pub fn start() {
    LazyLock::force(&START);
}

/// Prints `step`, the milliseconds since [`start`] and, when asked on Linux, the page faults of
/// the process so far (each is memory touched for the first time: much of a short run's kernel
/// time), when timings are on.
pub fn mark(step: &str) {
    if let Some((start, with_faults)) = *START {
        let faults = with_faults
            .then(page_faults)
            .flatten()
            .map_or_else(String::new, |n| format!("{n:>7} faults  "));
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

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

/// Prints `step` and the milliseconds since [`start`], when timings are on.
pub fn mark(step: &str) {
    if let Some(start) = *START {
        eprintln!(
            "postlint timing: {:>8.2} ms  {step}",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}

//! The `postlint` binary: parse the command line, run, exit with its code.

use std::io::Write;

use clap::Parser;

// Why this allocator: see its entry in Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    postlint::timings::start();
    let code = match postlint::cli::Cli::try_parse() {
        Ok(cli) => postlint::run(cli),
        Err(e) => {
            let _ = e.print();
            // clap's own exit code for usage errors is 2, like ours; help and version are 0.
            if e.use_stderr() {
                postlint::EXIT_FAILURE
            } else {
                postlint::EXIT_OK
            }
        }
    };
    exit_now(code)
}

/// Ends the process with `code` once its output is out, without the exit hooks: the allocator's
/// hands every page back to the system one `madvise` at a time (4 ms after a 10 000-post lint,
/// BENCHMARKS.md), which the system does at once when the process ends. Nothing else of ours
/// waits for exit: files are written and renamed before the report.
fn exit_now(code: u8) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    {
        // SAFETY: `_exit` ends the process at once; every buffer we own was flushed above.
        unsafe { libc::_exit(i32::from(code)) }
    }
    #[cfg(not(unix))]
    std::process::exit(i32::from(code))
}

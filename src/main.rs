//! The `postlint` binary: parse the command line, run, exit with its code.

use std::process::ExitCode;

use clap::Parser;

// Why this allocator: see its entry in Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    postlint::timings::start();
    let cli = match postlint::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's own exit code for usage errors is 2, like ours; help and version are 0.
            return ExitCode::from(if e.use_stderr() {
                postlint::EXIT_FAILURE
            } else {
                postlint::EXIT_OK
            });
        }
    };
    postlint::run(cli)
}

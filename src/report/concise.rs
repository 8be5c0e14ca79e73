//! `--format concise`: one line per finding, as compilers and grep print them.

use std::io::{self, Write};

use super::{Options, display_path, range, summary};
use crate::engine::Outcome;

pub fn render(outcome: &Outcome, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let r = range(outcome, &d.path, d.span);
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            display_path(&d.path),
            r.line,
            r.column,
            d.severity,
            d.rule,
            d.message
        )?;
    }
    if !options.quiet {
        writeln!(out, "{}", summary(outcome))?;
    }
    Ok(())
}

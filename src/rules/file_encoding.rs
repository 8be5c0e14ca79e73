//! `file-encoding`: a post that is not UTF-8 text.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports files that are not valid UTF-8, are UTF-16, or hold NUL bytes.
    pub struct FileEncoding {
        name: "file-encoding",
        severity: Error,
        category: "file",
        fixable: false,
        summary: "a post that is not UTF-8 text (invalid bytes, UTF-16, binary content)",
    }
}

impl Rule for FileEncoding {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        if let Some(problem) = &ctx.post.encoding {
            out.push(
                Diagnostic::new(&Self::META, ctx.post.path(), problem.span, &problem.message)
                    .with_help("save the file as UTF-8 text, or move it out of the collection if it is not a post"),
            );
        }
    }
}

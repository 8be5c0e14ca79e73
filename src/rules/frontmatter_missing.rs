//! `frontmatter-missing`: a post without front matter in a collection that requires it.

use super::{PostContext, Rule, declare_rule};
use crate::diagnostic::{Diagnostic, Span};
use crate::post::split::{self, Split};

declare_rule! {
    /// Reports posts with no front-matter block where the collection's schema requires one.
    pub struct FrontmatterMissing {
        name: "frontmatter-missing",
        severity: Error,
        category: "front-matter",
        fixable: false,
        summary: "a post without front matter in a collection that requires it",
    }
}

impl Rule for FrontmatterMissing {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        let post = ctx.post;
        if post.front_matter.is_some()
            || post.encoding.is_some()
            || !ctx.collection.schema.front_matter_required
        {
            return;
        }
        // Where the text starts (after a byte-order mark): the body span of a post cut to its
        // outline is narrowed to the lines series rules read.
        let Split::None { body_start } = split::split(&post.source) else {
            return;
        };
        let first_line_end = post.source[body_start..]
            .find(['\r', '\n'])
            .map_or(post.source.len(), |i| body_start + i);
        let span = Span::new(body_start, first_line_end);
        out.push(
            Diagnostic::new(&Self::META, post.path(), span, "post has no front matter").with_help(
                "start the file with a `---` line, the post's fields, and another `---` line",
            ),
        );
    }
}

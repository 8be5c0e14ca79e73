//! `image-alt-missing`: an image without alt text.

use super::{BodyContext, Rule, declare_rule};
use crate::diagnostic::Diagnostic;
use crate::post::body::LinkKind;

declare_rule! {
    /// Reports `![](…)` and `<img>` without an `alt` attribute (`alt=""` marks decoration and passes).
    pub struct ImageAltMissing {
        name: "image-alt-missing",
        severity: Warning,
        category: "images",
        fixable: false,
        summary: "an image without alt text, unreadable for screen readers and when it fails to load",
    }
}

impl Rule for ImageAltMissing {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        for image in ctx.post.body.links.iter().filter(|l| l.image && !l.has_alt) {
            let help = if image.kind == LinkKind::Html {
                "add `alt=\"…\"` describing the image, or `alt=\"\"` if it is decoration"
            } else {
                "describe the image between the brackets: `![what it shows](…)`"
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    image.span,
                    "image has no alt text",
                )
                .with_help(help),
            );
        }
    }
}

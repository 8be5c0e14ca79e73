//! `suppression-invalid`: a suppression comment naming a rule that does not exist.

use super::{BodyContext, Rule, declare_rule};
use crate::config::did_you_mean;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports unknown rule names in `postlint-disable…` comments: they suppress nothing.
    pub struct SuppressionInvalid {
        name: "suppression-invalid",
        severity: Warning,
        category: "suppression",
        fixable: false,
        summary: "a suppression comment that names an unknown rule and so suppresses nothing",
    }
}

impl Rule for SuppressionInvalid {
    fn check_body(&self, ctx: &BodyContext<'_>, out: &mut Vec<Diagnostic>) {
        for directive in ctx.directives() {
            for (name, span) in &directive.rules {
                if super::by_name(name).is_some() {
                    continue;
                }
                let help = match did_you_mean(name, super::names()) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => "`postlint rules` lists every rule".to_owned(),
                };
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        ctx.post.path(),
                        *span,
                        format!("unknown rule `{name}` in suppression comment"),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

//! `date-future`: a published post dated in the future.

use jiff::SignedDuration;

use super::{PostContext, Rule, declare_rule};
use crate::dates::is_draft;
use crate::diagnostic::Diagnostic;

declare_rule! {
    /// Reports a non-draft post whose publication date lies ahead of now by more than a margin.
    pub struct DateFuture {
        name: "date-future",
        severity: Warning,
        category: "date",
        fixable: false,
        summary: "a post not marked draft whose publication date is in the future",
        options: ["margin-minutes"],
    }
}

/// AstroPaper publishes scheduled posts 15 minutes early; closer dates are not a mistake.
const DEFAULT_MARGIN_MINUTES: i64 = 15;

impl Rule for DateFuture {
    fn check_post(&self, ctx: &PostContext<'_>, out: &mut Vec<Diagnostic>) {
        if is_draft(ctx.post) {
            return;
        }
        let margin = ctx
            .settings
            .rule_options
            .get(Self::META.name)
            .and_then(|o| o.get("margin-minutes"))
            .and_then(toml::Value::as_integer)
            .unwrap_or(DEFAULT_MARGIN_MINUTES);
        let now = ctx.settings.now;
        if let Some(date) = ctx.published() {
            let Ok(parsed) = &date.parsed else { return };
            let ahead = parsed.timestamp().duration_since(now);
            if ahead <= SignedDuration::from_mins(margin) {
                return;
            }
            let days = ahead.as_hours() / 24;
            let when = if days >= 1 {
                format!("{days} day{} from now", if days == 1 { "" } else { "s" })
            } else {
                format!("{} hours from now", ahead.as_hours().max(1))
            };
            out.push(
                Diagnostic::new(
                    &Self::META,
                    ctx.post.path(),
                    date.entry.value.span,
                    format!(
                        "`{}` is in the future ({when}) but the post is not a draft",
                        date.key
                    ),
                )
                .with_help("set `draft: true` until the day it is published, or correct the date"),
            );
        }
    }
}

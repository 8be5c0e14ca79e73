//! `image-unreachable`: a remote image that does not serve an image.

use super::{BodyContext, PostContext, Rule, UrlUse, declare_rule};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::net::UrlStatus;
use crate::urls;

declare_rule! {
    /// Checks every remote image (Markdown, `<img src>`, image fields) over HTTP, cached.
    pub struct ImageUnreachable {
        name: "image-unreachable",
        severity: Error,
        category: "images",
        fixable: true,
        summary: "a remote image that is gone, fails, redirects away, or serves an HTML page instead",
        network: true,
    }
}

impl Rule for ImageUnreachable {
    fn network_urls(&self, ctx: &BodyContext<'_>, out: &mut Vec<UrlUse>) {
        let mut push = |url: &str, span| {
            // `//cdn.example.com/a.png` is fetched over https by an https site.
            let url = if url.starts_with("//") {
                format!("https:{url}")
            } else {
                url.to_owned()
            };
            if urls::starts_with_ignore_case(&url, "http://")
                || urls::starts_with_ignore_case(&url, "https://")
            {
                out.push(UrlUse { url, span });
            }
        };
        for (url, span) in ctx.images() {
            push(url, span);
        }
    }

    fn check_network(
        &self,
        ctx: &PostContext<'_>,
        answers: &[(UrlUse, UrlStatus)],
        out: &mut Vec<Diagnostic>,
    ) {
        for (url, status) in answers {
            report(ctx, url, status, out);
        }
    }
}

fn report(ctx: &PostContext<'_>, url: &UrlUse, status: &UrlStatus, out: &mut Vec<Diagnostic>) {
    let finding = |severity: Severity, message: String, help: &str| {
        Diagnostic::new(&ImageUnreachable::META, ctx.post.path(), url.span, message)
            .with_severity(severity)
            .with_help(help.to_owned())
    };
    let link = &url.url;
    let diagnostic = match status {
        UrlStatus::Ok { .. } | UrlStatus::Unverified { .. } => return,
        UrlStatus::Moved { to, then } => {
            out.push(
                finding(
                    Severity::Info,
                    format!("image `{link}` moved permanently to `{to}`"),
                    "update the URL: the old one may stop redirecting",
                )
                .with_fix(Fix {
                    applicability: Applicability::Unsafe,
                    message: "use the new URL".into(),
                    edits: vec![Edit {
                        span: url.span,
                        replacement: to.clone(),
                    }],
                }),
            );
            report(
                ctx,
                &UrlUse {
                    url: to.clone(),
                    span: url.span,
                },
                then,
                out,
            );
            return;
        }
        UrlStatus::OkUntyped { content_type } => {
            let shown = if content_type.is_empty() {
                "no content type"
            } else {
                content_type
            };
            finding(
                Severity::Info,
                format!("image `{link}` is served as `{shown}`, not an image type"),
                "it probably is an image; a CDN setting gives it the right type",
            )
        }
        UrlStatus::Gone { status } => finding(
            Severity::Error,
            format!("image `{link}` is gone ({status})"),
            "replace the image, or host a copy yourself",
        ),
        UrlStatus::ClientError { status } => finding(
            Severity::Error,
            format!("image `{link}` answers {status}"),
            "check the URL; some hosts refuse requests without a `Referer` (`[network] headers`)",
        ),
        UrlStatus::NotAnImage { content_type }
            if content_type.to_ascii_lowercase().contains("html") =>
        {
            finding(
                Severity::Error,
                format!(
                    "image `{link}` serves an HTML page, not an image (hotlink protection or a removed file)"
                ),
                "host the image yourself, or use a URL that serves the file",
            )
        }
        UrlStatus::NotAnImage { content_type } => finding(
            Severity::Error,
            format!("image `{link}` serves `{content_type}`, not an image"),
            "check that the URL points at the image file",
        ),
        UrlStatus::ServerError { status } => finding(
            Severity::Warning,
            format!("image `{link}`: server error {status}, not verified"),
            "try again later",
        ),
        UrlStatus::RateLimited => finding(
            Severity::Warning,
            format!("image `{link}`: rate-limited (429), not verified"),
            "try again later, or lower `[network] per-host`",
        ),
        UrlStatus::Timeout => finding(
            Severity::Warning,
            format!("image `{link}`: no answer in time, not verified"),
            "try again later, or raise `[network] timeout`",
        ),
        UrlStatus::HostNotFound => {
            let host = url::Url::parse(link)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            finding(
                Severity::Error,
                format!("image host `{host}` does not resolve"),
                "the host is gone: replace the image",
            )
        }
        UrlStatus::ConnectionFailed { reason } => finding(
            Severity::Error,
            format!("image `{link}`: cannot connect ({reason})"),
            "the server refuses connections: replace the image",
        ),
        UrlStatus::RedirectLoop => finding(
            Severity::Error,
            format!("image `{link}` redirects in a loop or too many times"),
            "use the final image URL",
        ),
        UrlStatus::Blocked { reason } => finding(
            Severity::Info,
            format!("image `{link}` not checked: {reason}"),
            "private and loopback addresses are never requested; `--allow-private` lifts this",
        ),
    };
    out.push(diagnostic);
}

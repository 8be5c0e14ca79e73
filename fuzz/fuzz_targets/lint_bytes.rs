//! Fuzz target: the whole lint of one post from arbitrary bytes, under each preset.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postlint::schema::Preset;
use postlint::settings::{CliOverrides, Settings};

static SETTINGS: LazyLock<Settings> = LazyLock::new(|| Settings::in_memory(&CliOverrides::default()));

fuzz_target!(|data: &[u8]| {
    for preset in [Preset::AstroPaper, Preset::AstroPaperV3, Preset::Hugo] {
        let (post, diagnostics) = postlint::lint_bytes(&SETTINGS, "posts/newsletter-1.md", data.to_vec(), preset);
        let text = &post.source;
        for d in &diagnostics {
            assert!(d.span.end <= text.len() && text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end), "{}: {:?}", d.rule, d.span);
        }
    }
});

//! Snapshots of the demo blog's report in `pretty` (no colour, 80 columns) and `json`.

use crate::common::{repo, stdout_of};

fn report(format: &str) -> String {
    stdout_of(
        &repo(),
        &["check", "fixtures/demo-blog", "--format", format],
        1,
    )
}

#[test]
fn demo_blog_pretty() {
    insta::assert_snapshot!(report("pretty"));
}

#[test]
fn demo_blog_json() {
    insta::assert_snapshot!(report("json"));
}

#[test]
fn demo_blog_concise() {
    insta::assert_snapshot!(report("concise"));
}

//! Snapshots of the demo blog's report in `pretty` (no colour, 80 columns) and `json`.

use crate::common::{postlint, repo};

fn report(format: &str) -> String {
    let out = postlint(&repo())
        .args(["check", "fixtures/demo-blog", "--format", format])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
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

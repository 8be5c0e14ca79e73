//! The outline index: an editor save takes the rest of the collection from `.postlint-cache`,
//! and a file changed on disk is read again.

use std::path::Path;

use crate::common::{NEWSLETTER_CONFIG, blog, letter, postlint, stdout_of};

const INDEX: &str = ".postlint-cache/outline-index";
const BUFFER: &str = "src/data/newsletter/newsletter-4.md";

/// (rule, path) of every finding of an editor save of `text` as newsletter-4.md.
fn save(dir: &Path, text: &str, extra: &[&str]) -> Vec<(String, String)> {
    findings(
        postlint(dir)
            .args(["check", "--stdin-filename", BUFFER])
            .args(extra),
        text,
    )
}

/// (rule, file name) of every finding of `command` given `text` on its input.
fn findings(command: &mut assert_cmd::Command, text: &str) -> Vec<(String, String)> {
    let output = command
        .args(["--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let output = output.stdout;
    let report: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let mut found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap();
            (d["rule"].as_str().unwrap().to_owned(), name.to_owned())
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// A cache file's bytes as text, to look for the paths and lines stored in it.
fn stored(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

/// Letters 1 to 3 of `src/data/newsletter`: (path, text).
fn letters_one_to_three() -> Vec<(String, String)> {
    (1..=3)
        .map(|n| {
            let path = format!("src/data/newsletter/newsletter-{n}.md");
            (path, letter(n, &format!("newsletter-{n}")))
        })
        .collect()
}

/// A newsletter collection of letters 1 to 3, and `extra` files.
fn three_letters(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let letters = letters_one_to_three();
    let mut files = vec![("postlint.toml", NEWSLETTER_CONFIG)];
    files.extend(
        letters
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str())),
    );
    files.extend_from_slice(extra);
    blog(&files)
}

fn pair(rule: &str, file: &str) -> (String, String) {
    (rule.to_owned(), file.to_owned())
}

#[test]
fn unchanged_posts_come_from_the_index_and_changed_ones_from_disk() {
    // Letter 3 disables series-order for itself at its very end, far past what the index keeps.
    let third = format!(
        "{}\n正文。\n\n<!-- postlint-disable-file series-order -->\n",
        letter(3, "newsletter-3")
    );
    let dir = blog(&[
        ("postlint.toml", NEWSLETTER_CONFIG),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
        (
            "src/data/newsletter/newsletter-2.md",
            &letter(2, "newsletter-2"),
        ),
        ("src/data/newsletter/newsletter-3.md", &third),
    ]);
    // Files changed in the last two seconds are never stored (a change within one timestamp
    // tick would go unnoticed).
    std::thread::sleep(std::time::Duration::from_millis(2100));

    // The buffer is letter 3 copied: same slug, same number.
    let copied = letter(3, "newsletter-3");
    let expected = vec![
        pair("series-order", "newsletter-4.md"),
        pair("slug-duplicate", "newsletter-3.md"),
        pair("slug-duplicate", "newsletter-4.md"),
    ];
    assert_eq!(save(dir.path(), &copied, &[]), expected, "first save");
    let index_path = dir.path().join(INDEX);
    let index = std::fs::read(&index_path).expect("the first save writes the index");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".postlint-cache/.gitignore")).unwrap(),
        "# Created by postlint: the cache is never committed.\n*\n",
        "the cache keeps itself out of git"
    );
    let text = String::from_utf8_lossy(&index);
    assert!(text.contains("newsletter-3.md") && text.contains("这是我为你写的第 3 封信"));
    assert!(
        !text.contains("postlint-disable-file"),
        "only the prefix collection rules read is stored"
    );

    // Served from the index: the same findings, and the suppression past the stored prefix is
    // still honoured (findings on other posts are checked against their whole text).
    assert_eq!(save(dir.path(), &copied, &[]), expected, "second save");

    // The index is what is read for an unchanged file: its slug changed inside the index (in
    // the stored text and the parsed value, same length) changes the findings.
    let mut tampered = index.clone();
    let needle = b"newsletter-3";
    let mut at = 0;
    while let Some(found) = tampered[at..]
        .windows(needle.len())
        .position(|w| w == needle)
    {
        let end = at + found + needle.len();
        if !tampered[end..].starts_with(b".md") {
            tampered[end - 1] = b'9';
        }
        at = end;
    }
    std::fs::write(&index_path, &tampered).unwrap();
    assert_eq!(
        save(dir.path(), &copied, &[]),
        vec![
            // The file no longer starts with what the index holds, so findings on it keep the
            // index's text, which does not reach the suppression.
            pair("series-order", "newsletter-3.md"),
            pair("series-order", "newsletter-4.md"),
        ],
        "read from the index"
    );
    // `--no-cache` reads every file.
    assert_eq!(save(dir.path(), &copied, &["--no-cache"]), expected);

    // Writing the file again (same bytes, new timestamps) makes the entry stale.
    std::fs::write(
        dir.path().join("src/data/newsletter/newsletter-3.md"),
        &third,
    )
    .unwrap();
    assert_eq!(save(dir.path(), &copied, &[]), expected, "after a write");

    // A deleted post leaves the collection (and the index) without an error.
    std::fs::remove_file(dir.path().join("src/data/newsletter/newsletter-3.md")).unwrap();
    assert_eq!(save(dir.path(), &copied, &[]), vec![], "after a delete");
    assert!(!stored(&index_path).contains("newsletter-3.md"));
    // So does one deleted and then edited as an unsaved buffer (its entry would never match).
    let second = dir.path().join("src/data/newsletter/newsletter-2.md");
    let second_text = std::fs::read_to_string(&second).unwrap();
    assert!(stored(&index_path).contains("newsletter-2.md"));
    std::fs::remove_file(&second).unwrap();
    let second_path = "src/data/newsletter/newsletter-2.md";
    findings(
        postlint(dir.path()).args(["check", "--stdin-filename", second_path]),
        &second_text,
    );
    assert!(!stored(&index_path).contains("newsletter-2.md"));

    // A corrupt index is an empty one.
    std::fs::write(&index_path, b"postlint outline index v1\ngarbage").unwrap();
    assert_eq!(save(dir.path(), &copied, &[]), vec![]);

    // `postlint cache clear` removes it.
    stdout_of(dir.path(), &["cache", "clear"], 0);
    assert!(!index_path.exists());
}

#[test]
fn an_image_folder_s_names_are_kept_until_a_file_is_added_to_it() {
    // Enough images in one folder for it to be listed rather than asked about one by one.
    let images: String = (0..40)
        .map(|i| format!("![{i}](/images/{i}.png)\n\n"))
        .collect();
    let front = "title: a\npubDatetime: 2024-01-01T00:00:00Z\ndescription: d";
    let post = format!("---\n{front}\n---\n\n{images}![new](/images/new.png)\n");
    let dir = blog(&[("src/content/blog/a.md", &post)]);
    std::fs::create_dir_all(dir.path().join("public/images")).unwrap();
    for i in 0..40 {
        std::fs::write(dir.path().join(format!("public/images/{i}.png")), b"").unwrap();
    }
    let names = dir.path().join(".postlint-cache/folder-names");
    let check = |dir: &Path| findings(postlint(dir).args(["check", "--offline"]), "");
    let missing = vec![("image-missing".to_owned(), "a.md".to_owned())];
    // A folder changed in the last two seconds is not kept.
    assert_eq!(check(dir.path()), missing);
    assert!(!names.exists());
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(check(dir.path()), missing);
    assert!(stored(&names).contains("39.png"));
    assert_eq!(check(dir.path()), missing, "from the kept names");
    // The file added changes the folder: its names are read again.
    std::fs::write(dir.path().join("public/images/new.png"), b"").unwrap();
    assert_eq!(check(dir.path()), vec![]);
    // `postlint cache clear` removes them.
    stdout_of(dir.path(), &["cache", "clear"], 0);
    assert!(!names.exists());
}

#[test]
fn a_save_in_one_collection_keeps_the_other_collections_entries() {
    let config = format!(
        "{NEWSLETTER_CONFIG}\n[collections.blog]\ninclude = [\"src/data/blog/*.md\"]\npreset = \"astro-paper\"\n"
    );
    let post = "---\ntitle: t\ndescription: d\npubDatetime: 2024-01-01T00:00:00Z\n---\n\n正文。\n";
    let dir = blog(&[
        ("postlint.toml", &config),
        (
            "src/data/newsletter/newsletter-1.md",
            &letter(1, "newsletter-1"),
        ),
        (
            "src/data/newsletter/newsletter-2.md",
            &letter(2, "newsletter-2"),
        ),
        ("src/data/blog/a.md", post),
        ("src/data/blog/b.md", post),
    ]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let index_path = dir.path().join(INDEX);
    save(dir.path(), &letter(3, "newsletter-3"), &[]);
    let letters = stored(&index_path);
    assert!(letters.contains("newsletter-1.md") && !letters.contains("blog/a.md"));
    // A save in the blog walks only the blog: the letters' entries stay.
    let output = postlint(dir.path())
        .args([
            "check",
            "--stdin-filename",
            "src/data/blog/c.md",
            "--format",
            "concise",
        ])
        .write_stdin(post)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let both = stored(&index_path);
    assert!(
        both.contains("blog/a.md") && both.contains("newsletter-1.md"),
        "{both}"
    );
}

#[test]
fn an_unsaved_buffer_that_sorts_first_keeps_every_letter_in_the_index() {
    // The buffer is not on disk: it joins the walked files in its place in path order, where
    // the index's bookkeeping looks files up by binary search.
    let files: Vec<(String, String)> = (10..=17)
        .map(|n| {
            (
                format!("src/data/newsletter/newsletter-{n}.md"),
                letter(n, &format!("newsletter-{n}")),
            )
        })
        .collect();
    let mut entries: Vec<(&str, &str)> = vec![("postlint.toml", NEWSLETTER_CONFIG)];
    entries.extend(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let dir = blog(&entries);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let first = "src/data/newsletter/newsletter-1.md";
    findings(
        postlint(dir.path()).args(["check", "--stdin-filename", first]),
        &letter(1, "newsletter-1"),
    );
    let index = stored(&dir.path().join(INDEX));
    for n in 10..=17 {
        assert!(index.contains(&format!("newsletter-{n}.md")), "letter {n}");
    }
    assert!(!index.contains("newsletter-1.md"));
}

#[test]
fn a_collection_folder_is_listed_from_the_cache_until_it_or_an_ignore_file_changes() {
    const LISTINGS: &str = ".postlint-cache/folder-listings";
    let dir = three_letters(&[("src/data/newsletter/.gitignore", "# nothing ignored yet\n")]);
    // Folders changed in the last two seconds are never stored.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let fourth = letter(4, "newsletter-4");
    assert_eq!(save(dir.path(), &fourth, &[]), vec![], "first save");
    let listings_path = dir.path().join(LISTINGS);
    let listings = std::fs::read(&listings_path).expect("the first save stores the listing");

    // The stored listing is what is read: letter 3 renamed in it to letter 1 leaves a gap.
    let needle = b"newsletter-3.md";
    let at = listings
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut tampered = listings.clone();
    tampered[at + needle.len() - 4] = b'1';
    std::fs::write(&listings_path, &tampered).unwrap();
    assert_eq!(
        save(dir.path(), &fourth, &[]),
        vec![pair("series-order", "newsletter-4.md")],
        "listed from the cache"
    );
    assert_eq!(save(dir.path(), &fourth, &["--no-cache"]), vec![]);
    // So does a whole-project run: letter 1 twice.
    let whole = |extra: &[&str]| {
        let output = postlint(dir.path())
            .args(["check", "--format", "concise"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let listed = whole(&[]);
    assert!(
        listed.contains(
            "newsletter-1.md:10:20: error[series-order] number 1 is used by 1 other post"
        ),
        "{listed}"
    );
    assert!(!whole(&["--no-cache"]).contains("newsletter-1.md"));

    // A letter added: the folder changed, so it is walked again (letter 3 is back).
    let copy = dir.path().join("src/data/newsletter/newsletter-4-copy.md");
    std::fs::write(&copy, &fourth).unwrap();
    let copied = vec![
        pair("series-order", "newsletter-4-copy.md"),
        pair("series-order", "newsletter-4.md"),
        pair("slug-duplicate", "newsletter-4-copy.md"),
        pair("slug-duplicate", "newsletter-4.md"),
    ];
    assert_eq!(save(dir.path(), &fourth, &[]), copied, "after an addition");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(save(dir.path(), &fourth, &[]), copied, "stored again");
    assert!(stored(&listings_path).contains("newsletter-4-copy.md"));

    // The folder's ignore file edited in place (the folder's entries stay the same).
    std::fs::write(
        dir.path().join("src/data/newsletter/.gitignore"),
        "newsletter-4-copy.md\n",
    )
    .unwrap();
    assert_eq!(
        save(dir.path(), &fourth, &[]),
        vec![],
        "after an ignore edit"
    );

    // `postlint cache clear` removes the listings too.
    stdout_of(dir.path(), &["cache", "clear"], 0);
    assert!(!listings_path.exists());
}

#[test]
fn a_listing_is_made_again_when_git_s_global_excludes_or_the_working_folder_differ() {
    let dir = three_letters(&[("home/.config/git/ignore", "# nothing ignored yet\n")]);
    let home = dir.path().join("home");
    let fourth = letter(4, "newsletter-4");
    // git's global excludes file is $HOME/.config/git/ignore here, matched against paths
    // relative to the working folder.
    let save_in = |folder: &str, buffer: &str| {
        let mut command = postlint(&dir.path().join(folder));
        command
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("GIT_CONFIG_GLOBAL")
            .env("GIT_CONFIG_SYSTEM", "/dev/null")
            .args(["check", "--stdin-filename", buffer]);
        findings(&mut command, &fourth)
    };
    let gap = vec![pair("series-order", "newsletter-4.md")];
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(save_in(".", BUFFER), vec![], "first save");

    // The global excludes file edited: letter 3 is ignored, so 3 is missing before 4.
    std::fs::write(
        home.join(".config/git/ignore"),
        "src/data/newsletter/newsletter-3.md\n",
    )
    .unwrap();
    assert_eq!(save_in(".", BUFFER), gap, "after the global edit");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(save_in(".", BUFFER), gap, "stored");

    // From `src/` the same pattern matches nothing: letter 3 counts again.
    assert_eq!(
        save_in("src", "data/newsletter/newsletter-4.md"),
        vec![],
        "from another working folder"
    );
}

#[test]
fn a_deleted_file_is_forgotten_whatever_folder_its_collection_starts_from() {
    let post = |title: &str| format!("---\ntitle: {title}\n---\n\nText.\n");
    let (a, b, c) = (post("a"), post("b"), post("c"));
    let configs = [
        // Walked from the root itself.
        "[collections.posts]\ninclude = [\"**/*.md\"]\npreset = \"generic\"\n",
        // Each file its own pattern, without a wildcard.
        "[collections.posts]\ninclude = [\"posts/a.md\", \"posts/b.md\", \"posts/c.md\"]\npreset = \"generic\"\n",
    ];
    let dirs: Vec<tempfile::TempDir> = configs
        .iter()
        .map(|config| {
            blog(&[
                ("postlint.toml", config),
                ("posts/a.md", &a),
                ("posts/b.md", &b),
                ("posts/c.md", &c),
            ])
        })
        .collect();
    // Files changed in the last two seconds are never stored.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for (dir, config) in dirs.iter().zip(configs) {
        let edit = || {
            findings(
                postlint(dir.path()).args(["check", "--stdin-filename", "posts/a.md"]),
                &a,
            )
        };
        edit();
        let index_path = dir.path().join(INDEX);
        assert!(stored(&index_path).contains("posts/c.md"), "{config}");
        std::fs::remove_file(dir.path().join("posts/c.md")).unwrap();
        edit();
        assert!(!stored(&index_path).contains("posts/c.md"), "{config}");
        assert!(stored(&index_path).contains("posts/b.md"), "{config}");
    }
}

#[test]
fn collections_are_detected_from_the_folder_listings_the_walk_reads() {
    let post =
        "---\ntitle: A post\ndescription: d\npubDatetime: 2024-01-01T00:00:00Z\n---\n\nText.\n";
    let letters = letters_one_to_three();
    let mut files = vec![("src/data/blog/a-post.md", post)];
    files.extend(letters.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let dir = blog(&files);
    // Folders changed in the last two seconds are never stored.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(save(dir.path(), &letter(4, "newsletter-4"), &[]), vec![]);
    // Only the newsletter collection was walked for the save; the blog folder was listed when
    // detection asked whether it holds Markdown.
    let listings = stored(&dir.path().join(".postlint-cache/folder-listings"));
    let real = dir.path().canonicalize().unwrap();
    for folder in ["blog", "newsletter"] {
        let path = real.join("src/data").join(folder);
        assert!(listings.contains(path.to_str().unwrap()), "{folder}");
    }
}

#[test]
fn projects_sharing_a_cache_folder_keep_each_others_listings() {
    let sites = tempfile::tempdir().unwrap();
    for site in ["a", "b"] {
        for (path, text) in letters_one_to_three() {
            let path = sites.path().join(site).join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
    }
    // Folders changed in the last two seconds are never stored.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let cache = sites.path().join("shared-cache");
    stdout_of(
        sites.path(),
        &[
            "check",
            "--offline",
            "--cache-dir",
            "shared-cache",
            "a",
            "b",
        ],
        0,
    );
    let listings = stored(&cache.join("folder-listings"));
    let real = sites.path().canonicalize().unwrap();
    for site in ["a", "b"] {
        let folder = real.join(site).join("src/data/newsletter");
        assert!(listings.contains(folder.to_str().unwrap()), "{site}");
    }
}

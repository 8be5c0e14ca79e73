#!/usr/bin/env python3
"""Deterministic synthetic blog for postlint's benchmarks.

Usage: gen_blog.py OUT N [--seed S] [--defect-rate R]

Writes an AstroPaper-style site of N posts: ~70% letters of a weekly newsletter
(`src/data/newsletter/newsletter-K.md`, `postSlug: newsletter-K`, greeting `这是我为你写的第 K 封信`)
and ~30% ordinary posts (`src/data/blog/*.md`, `slug`), Chinese text, 3-8 KB bodies, 5-15 links,
0-6 images (local files under public/images, remote ones on images.bench.test), one code block
and one reference link per post. About `--defect-rate` of the posts carry one injected defect;
`OUT/EXPECTED.tsv` lists every finding they must produce (path, rule), and nothing else may be
reported.
"""

import argparse
import datetime
import os
import random

WORDS = ("我们 今天 读书 写作 时间 世界 技术 朋友 生活 思考 工具 语言 模型 数据 城市 音乐 电影 "
         "学习 工作 记录 周末 旅行 咖啡 代码 设计 产品 用户 问题 答案 未来 过去 故事 文章").split()
HOSTS = ["example.com", "example.org", "example.net", "docs.example.com", "news.example.com"]


def paragraph(rng, size):
    words = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word.encode()) + 1
    text = "".join(words)
    # Sentence punctuation every few words.
    return "，".join(text[i:i + 30] for i in range(0, len(text), 30)) + "。"


def link(rng, k, i):
    return f"[{rng.choice(WORDS)}](https://{rng.choice(HOSTS)}/{k}/{i})"


def body(rng, k, number, site, defect):
    parts = []
    if number is not None:
        greeting = number - 1 if defect == "series-number" else number
        parts.append(f"> 你好，我是小树。这是我为你写的第 {greeting} 封信。")
    target = rng.randint(3000, 8000)
    links = rng.randint(5, 15)
    images = rng.randint(0, 6)
    size = 0
    i = 0
    while size < target or i < links:
        text = paragraph(rng, rng.randint(200, 600))
        if i < links:
            text += " " + link(rng, k, i)
            i += 1
        parts.append(text)
        size += len(text.encode())
    for j in range(images):
        if j % 2 == 0:
            name = f"{k}-{j}.png"
            open(os.path.join(site, "public", "images", name), "wb").write(b"\x89PNG\r\n\x1a\n")
            parts.insert(rng.randint(1, len(parts)), f"![{rng.choice(WORDS)}](/images/{name})")
        else:
            parts.insert(rng.randint(1, len(parts)), f"![{rng.choice(WORDS)}](https://images.bench.test/{k}-{j}.png)")
    parts.insert(rng.randint(1, len(parts)), "```js\n// [not](a link) in code\nconst x = 1;\n```")
    parts.append(f"更多内容见[参考][ref-{k}]。\n\n[ref-{k}]: https://{rng.choice(HOSTS)}/ref/{k}")
    if defect == "link-syntax":
        parts.insert(1, f"这一段的链接写反了：(文章)[https://example.com/reversed/{k}]。")
    if defect == "link-empty-text":
        parts.insert(1, f"这里有一个看不见的链接[](https://example.com/empty/{k})。")
    if defect == "image-missing":
        parts.insert(1, f"![丢失的图片](/images/missing-{k}.png)")
    return "\n\n".join(parts) + "\n"


def front_matter(fields):
    lines = ["---"]
    for key, value in fields:
        lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defect-rate", type=float, default=0.02)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    site = args.out
    for folder in ["src/data/newsletter", "src/data/blog", "public/images"]:
        os.makedirs(os.path.join(site, folder), exist_ok=True)
    defects = ["date-invalid", "link-syntax", "link-empty-text", "image-missing", "field-type",
               "field-unknown", "series-number", "slug-typo", "slug-duplicate"]
    expected = []
    letters = 0
    ordinary_slugs = []
    for k in range(args.n):
        is_letter = rng.random() < 0.7
        defect = rng.choice(defects) if rng.random() < args.defect_rate else None
        # One post a day, the last before 2025: dates rise with letter numbers, none in the future.
        start = datetime.datetime(2025, 1, 1, 8, 0) - datetime.timedelta(days=args.n)
        date = (start + datetime.timedelta(days=k, minutes=k % 60)).strftime("%Y-%m-%dT%H:%M:00Z")
        if defect == "date-invalid":
            date = "2020-02-30T08:00:00Z"
        date_field = "pubDatetime"
        if defect == "field-type":
            date = f'"{date}"'
        if defect == "field-unknown":
            date_field = "pubDatetim"
        if is_letter:
            if defect == "slug-duplicate":
                defect = None  # Copied letters are the series rules' business; see series-number.
            number = letters
            letters += 1
            slug = f"newletter-{number}" if defect == "slug-typo" else f"newsletter-{number}"
            path = f"src/data/newsletter/newsletter-{number}.md"
            fields = [("title", f'"一颗小树 #{number}"'), (date_field, date), ("postSlug", slug),
                      ("tags", "\n  - newsletter"), ("description", f'"第 {number} 封信。"')]
        else:
            number = None
            if defect == "series-number":
                defect = None  # Only letters have series numbers.
            slug = f"post-{k}"
            if defect == "slug-duplicate" and ordinary_slugs:
                slug = rng.choice(ordinary_slugs)
                original = next(p for p, s in ordinary_slugs_paths if s == slug)
                expected.append((original, "slug-duplicate"))
            elif defect in ("slug-typo", "slug-duplicate"):
                defect = None
            path = f"src/data/blog/post-{k}.md"
            ordinary_slugs.append(slug)
            ordinary_slugs_paths.append((path, slug))
            fields = [("title", f'"{rng.choice(WORDS)}{rng.choice(WORDS)}"'), ("description", f'"{rng.choice(WORDS)}"'),
                      (date_field, date), ("slug", slug), ("tags", "\n  - notes")]
        text = front_matter(fields) + body(rng, k, number, site, defect)
        open(os.path.join(site, path), "w", encoding="utf-8").write(text)
        rules = {
            "date-invalid": ["date-invalid"],
            "link-syntax": ["link-syntax"],
            "link-empty-text": ["link-empty-text"],
            "image-missing": ["image-missing"],
            "field-type": ["field-type"],
            "field-unknown": ["field-unknown", "field-required"],
            "series-number": ["series-number"],
            "slug-typo": ["series-number"],
            "slug-duplicate": ["slug-duplicate"],
        }.get(defect, [])
        expected.extend((path, rule) for rule in rules)
    with open(os.path.join(site, "EXPECTED.tsv"), "w") as f:
        f.write("path\trule\n")
        for path, rule in sorted(set(expected)):
            f.write(f"{path}\t{rule}\n")
    # The remote images live on a host the benchmark serves itself; offline runs never ask it.
    open(os.path.join(site, "postlint.toml"), "w").write(
        "[site]\ntimezone = \"Asia/Shanghai\"\n\n[network]\nexclude = ['^https://images\\.bench\\.test/']\n")


ordinary_slugs_paths = []

if __name__ == "__main__":
    main()

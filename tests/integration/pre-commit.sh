#!/usr/bin/env bash
# The pre-commit hook, tried with the real pre-commit framework (from PyPI) in a scratch repository:
# a commit adding a copied letter is refused with the finding, the corrected commit is accepted.
# pre-commit builds the hook with `cargo install` (a release build): a few minutes on 2 cores,
# so this runs from .ci/run rather than `cargo test`. PRE_COMMIT_HOME under target/ keeps the
# built hook between runs; the build's own files (2 GB a commit) are removed after each run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
rev=$(git -C "$repo" rev-parse HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work" "${PRE_COMMIT_HOME:-/nonexistent}"/repo*/target' EXIT

venv="$repo/target/pre-commit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pre-commit
fi
export PRE_COMMIT_HOME="$repo/target/pre-commit-home"
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com

letter() { # number slug
  printf -- '---\ntitle: "一颗小树 #%s"\npubDatetime: 2024-01-%02dT08:00:00Z\npostSlug: %s\ntags:\n  - newsletter\ndescription: "第 %s 封信。"\n---\n\n> 这是我为你写的第 %s 封信。\n' "$1" "$1" "$2" "$1" "$1"
}

cd "$work"
git init -q
mkdir -p src/data/newsletter
letter 1 newsletter-1 > src/data/newsletter/newsletter-1.md
echo "# a README that is not a post" > README.md
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: postlint
YAML
git add -A
git commit -qm "first letter" --no-verify
"$venv/bin/pre-commit" install > /dev/null

start=$(date +%s)
# A copied letter that kept letter 1's number and slug.
letter 1 newsletter-1 > src/data/newsletter/newsletter-2.md
git add src/data/newsletter/newsletter-2.md
if git commit -qm "second letter" > "$work/refused.log" 2>&1; then
  cat "$work/refused.log"
  echo "FAIL: the commit with a duplicate slug was accepted" >&2
  exit 1
fi
grep -q "slug-duplicate" "$work/refused.log" || { cat "$work/refused.log"; echo "FAIL: no slug-duplicate finding" >&2; exit 1; }
grep -q "newsletter-2.md" "$work/refused.log" || { cat "$work/refused.log"; echo "FAIL: the finding does not name the new letter" >&2; exit 1; }

letter 2 newsletter-2 > src/data/newsletter/newsletter-2.md
git add src/data/newsletter/newsletter-2.md
git commit -qm "second letter" > "$work/accepted.log" 2>&1 || { cat "$work/accepted.log"; echo "FAIL: the corrected commit was refused" >&2; exit 1; }
echo "pre-commit hook: 1 passed, 0 failed ($(( $(date +%s) - start ))s for the two commits, hook build included)"

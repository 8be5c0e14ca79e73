#!/usr/bin/env bash
# Seeds the fuzz corpora from the project's fixtures (the corpora themselves are not committed).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/lint_bytes corpus/lint_structured
i=0
while IFS= read -r -d '' f; do
  cp "$f" "corpus/lint_bytes/seed-$i.md"
  i=$((i + 1))
done < <(find ../fixtures -name '*.md' -print0)
echo "seeded $i files"

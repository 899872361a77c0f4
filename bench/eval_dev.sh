#!/usr/bin/env bash
# Build an index of each dev split's articles with one model, then `qa eval` it (all three
# retrievers), printing JSON to bench/out/. Run by hand:
#   bash bench/eval_dev.sh all-MiniLM-L6-v2 minilm
#   bash bench/eval_dev.sh multilingual-e5-small e5
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-all-MiniLM-L6-v2}
tag=${2:-minilm}
mkdir -p bench/out
for split in squad-dev piaf-dev; do
    export QA_EMBEDDING_MODEL=$model QA_INDEX_DIR=data/eval/$split-$tag
    /usr/bin/time -f "$split $tag build: %e s, peak %M KB" \
        .venv/bin/qa index build ../shared/eval/$split/articles
    .venv/bin/qa eval ../shared/eval/$split/questions.jsonl --json > bench/out/eval-$split-$tag.json
    echo "wrote bench/out/eval-$split-$tag.json"
done

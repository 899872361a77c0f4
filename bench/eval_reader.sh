#!/usr/bin/env bash
# Dev figures of the answer reader against the learned ranker alone, in each language and
# across the two: `qa eval --mode ranker --mode fused` on the dev splits and their
# translated twins (indexes built by bench/eval_dev.sh-style `qa index build`). Run by hand:
#   bash bench/eval_reader.sh            # every question
#   bash bench/eval_reader.sh 1000       # squad-dev: the first 1000 of a seeded shuffle
set -euo pipefail
cd "$(dirname "$0")/.."
sample=${1:-0}
mkdir -p bench/out
for split in squad-dev piaf-dev; do
    export QA_INDEX_DIR=data/eval/$split
    [ -f "$QA_INDEX_DIR/CURRENT" ] || .venv/bin/qa index build ../shared/eval/$split/articles
done
questions() {  # the split's questions, or a seeded sample of them
    local file=../shared/eval/$1/questions.jsonl
    if [ "$sample" -gt 0 ] && [ "$(wc -l < "$file")" -gt "$sample" ]; then
        .venv/bin/python -c "import random,sys; l=open(sys.argv[1]).readlines(); \
random.Random(21).shuffle(l); sys.stdout.writelines(l[:int(sys.argv[2])])" "$file" "$sample" \
            > "bench/out/$1-sample.jsonl"
        echo "bench/out/$1-sample.jsonl"
    else
        echo "$file"
    fi
}
for pair in squad-dev:squad-dev piaf-dev:piaf-dev piaf-dev-en:piaf-dev squad-dev-fr:squad-dev; do
    split=${pair%%:*} index=${pair##*:}
    QA_INDEX_DIR=data/eval/$index .venv/bin/qa eval "$(questions "$split")" \
        --mode ranker --mode fused --json > "bench/out/reader-$split.json"
    echo "wrote bench/out/reader-$split.json"
done

"""Fit the linear map that puts one model's cosines on another's scale (COSINE_SCALE).

For the same questions, the raw cosine of the question with candidate sentences that hold
the answer ("right") and with those that do not ("wrong"), per index; then the map that
sends the second model's medians onto the first's (300 sampled questions). Fitted on a
-train split only; the -dev splits measure it. Run by hand, with an index of the split's
articles per model (`qa index build`; the e5 one is bench/scorer_data.py's):
    QA_INDEX_DIR=data/train-fit/piaf-train-minilm QA_EMBEDDING_MODEL=all-MiniLM-L6-v2 \\
        .venv/bin/qa index build ../shared/eval/piaf-train/articles
    .venv/bin/python bench/cosine_scale.py ../shared/eval/piaf-train/questions.jsonl \\
        data/train-fit/piaf-train-minilm data/train/piaf-train
"""

import sys
from pathlib import Path

import numpy as np
from tune import feature_tables, prepared

from index.embedded.store import Store
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.cosine import IDENTITY
from qa.features import column


def medians(questions: Path, index_dir: Path) -> tuple[float, float]:
    store = Store.open(index_dir)
    items = prepared(get_embedder(Settings(embedding_model=store.model)), questions)[:300]
    for query, _ in items:
        query.__dict__["scale"] = IDENTITY  # raw cosines
    tables = feature_tables(store, items, 0.4)
    dense = column("dense")
    right = np.concatenate([f[r, dense] for f, r in tables if r.any()])
    wrong = np.concatenate([f[~r, dense] for f, r in tables])
    print(f"{index_dir}: right p10/50/90 {np.percentile(right, [10, 50, 90]).round(3)}")
    print(f"{index_dir}: wrong p10/50/90 {np.percentile(wrong, [10, 50, 90]).round(3)}")
    return float(np.median(right)), float(np.median(wrong))


def main(questions: str, reference: str, other: str) -> None:
    (ref_right, ref_wrong) = medians(Path(questions), Path(reference))
    (right, wrong) = medians(Path(questions), Path(other))
    slope = (ref_right - ref_wrong) / (right - wrong)
    print(f"COSINE_SCALE for {other}: ({slope:.2f}, {ref_right - slope * right:.2f})")


if __name__ == "__main__":
    main(*sys.argv[1:4])

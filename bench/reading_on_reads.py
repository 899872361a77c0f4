"""The shipped reading (qa/reading.json: depth, blend, span weight, confidence and its
thresholds) applied, unchanged, to the held-out -train runs read by the shipped reader at
each precision whose reads bench/fit_reader.py has kept: how it would choose and abstain if
the product ran the reader at another precision than the one the reading was fitted on.
-train only; prints numbers.

    QA_READER_PRECISION=float .venv/bin/python bench/fit_reader.py   # keeps the float reads
    .venv/bin/python bench/reading_on_reads.py
"""

from __future__ import annotations

import numpy as np
from fit_reader import reads_cache, set_logits
from fit_reading import SOURCES, by_source, cached_runs, reads_of

from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.reading import READER_DELTA, load_reading


def main() -> None:
    for precision in ("int8", "float"):
        settings = Settings(reader_precision=precision)
        cache = reads_cache(READER_DELTA, settings)
        if not cache.exists():
            print(f"{precision}: no reads kept ({cache}): run bench/fit_reader.py first")
            continue
        reading = load_reading(answer_reader(settings))
        runs = cached_runs(settings)
        kept = np.load(cache)
        set_logits(runs, kept["logits"] + reading.span_weight * kept["span_scores"])
        print(f"{precision} reads, the shipped reading ({cache.name}):")
        hits = []
        for source, some in zip(SOURCES, by_source(runs), strict=True):
            right, shown, absent_nf = [], [], []
            for run in some:
                reads = reads_of(run, reading.blend, reading.depth)
                best = int(np.argmax(reads.scores))  # fit_reading.chosen, its reads kept
                sure = reading.confidence(run.features, reads, best)
                answered = sure >= reading.threshold(run.language)
                if run.absent:
                    absent_nf.append(not answered)
                else:
                    right.append(bool(run.right[run.read[best]]))
                    shown.append(answered and right[-1])
            hits.append(np.mean(right))
            print(
                f"  {source[0]} {source[1] or ''}: hit@1 {np.mean(right):.3f}, answered right "
                f"{np.mean(shown):.3f}, absent not found {np.mean(absent_nf):.3f}"
            )
        print(f"  mean hit@1 {np.mean(hits):.4f}")


if __name__ == "__main__":
    main()

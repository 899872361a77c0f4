"""Would the span head's score of the chosen sentence help the confidence tell a question
about a missing article from an answered one? Fits the confidence on the held-out -train runs
as bench/fit_confidence.py does (the shipped reader's reads, its depth and blend), with
qa/reading.py's inputs and with the chosen sentence's span score beside them, and prints
each source's "answered right" and absent "not found" for both. Dev is never read.

    .venv/bin/python bench/fit_reader.py          # the shipped reader's reads, kept
    .venv/bin/python bench/confidence_span.py
"""

from __future__ import annotations

import numpy as np
from fit_confidence import cross_fitted, inputs_of, language_thresholds, targets_of
from fit_reader import shipped_reading, shipped_reads
from fit_reading import SOURCES, Run, kept_at, reads_of

from qa.app.settings import Settings
from qa.reading import Depth


def chosen_span_scores(
    runs: list[Run], spans: list[np.ndarray], blend: float, depth: Depth
) -> np.ndarray:
    """The span score of each run's chosen sentence (its read position is its position in
    the run's candidates read: the runs' scores are the reads' in that order)."""
    return np.array(
        [
            float(span[int(np.argmax(reads_of(run, blend, depth).scores))])
            for run, span in zip(runs, spans, strict=True)
        ]
    )


def figures(runs: list[Run], inputs: np.ndarray, targets: np.ndarray) -> dict[str, object]:
    """Mean over sources of "answered right" (present runs) and absent "not found"."""
    probability = cross_fitted(runs, inputs, targets)
    limits = language_thresholds(runs, probability, targets)
    kept = kept_at(runs, probability, limits)
    present = np.array([not r.absent for r in runs])
    source = np.array([r.source for r in runs])
    right = [np.mean((targets & kept)[(source == n) & present]) for n in range(len(SOURCES))]
    absent = [np.mean(~kept[(source == n) & ~present]) for n in range(len(SOURCES))]
    return {
        "answered_right": round(float(np.mean(right)), 4),
        "absent_not_found": round(float(np.mean(absent)), 4),
        **{f"threshold_{k}": v for k, v in limits.items()},
        "absent_not_found_by_source": [round(float(a), 3) for a in absent],
    }


def main() -> None:
    runs, reads = shipped_reads(Settings())
    reading = shipped_reading()
    depth, blend = Depth(**reading["depth"]), float(reading["blend"])
    inputs, targets = inputs_of(runs, blend, depth), targets_of(runs, blend, depth)
    span = chosen_span_scores(runs, [spans for _, spans in reads], blend, depth)
    print("five inputs:", figures(runs, inputs, targets))
    print("with the span score:", figures(runs, np.column_stack([inputs, span]), targets))


if __name__ == "__main__":
    main()

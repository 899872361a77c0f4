"""A stacked choice among the sentences the reader read, measured against the shipped sum
(`logit + span_weight × span score + blend × ranker score`, qa/reading.py): a conditional
logit over each run's read candidates on the reader's logit, its span score, the ranker's
score and (with --features) the ranker's features of each candidate, cross-fitted by article
fold on the held-out -train runs of bench/fit_reading.py, read by the shipped reader as
bench/fit_reader.py read them (run that first). Dev splits are never read.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/stacked_choice.py [--features]
"""

from __future__ import annotations

import argparse

import numpy as np
from fit_reader import shipped_reading, shipped_reads
from fit_reading import SOURCES, TOP, Run, chosen, read_count
from scipy.optimize import minimize
from scorer_data import FOLDS

from qa.app.settings import Settings
from qa.reading import Depth

L2 = 1.0  # on standardised inputs, as the ranker's


def inputs_of(run: Run, logits: np.ndarray, spans: np.ndarray, features: bool) -> np.ndarray:
    """One row per candidate read: logit, span score, ranker score (and its features)."""
    read = run.read[: len(logits)]
    columns = [logits, spans, run.ranked[read]]
    if features:
        columns.extend(run.features[read].T)
    return np.column_stack(columns)


def fit(rows: list[np.ndarray], rights: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """(mean, scale, weights): a softmax over each run's rows, on runs with a right row."""
    kept = [(x, r) for x, r in zip(rows, rights, strict=True) if r.any()]
    x = np.concatenate([x for x, _ in kept])
    right = np.concatenate([r for _, r in kept]).astype(float)
    group = np.concatenate([np.full(len(r), n) for n, (_, r) in enumerate(kept)])
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    x = (x - mean) / scale

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        e = np.exp(s - np.maximum.reduceat(s, starts)[group])
        total, held = np.bincount(group, e), np.bincount(group, e * right)
        gradient = x.T @ (e * right / held[group] - e / total[group])
        return -np.log(held / total).sum() + L2 * w @ w / 2, -gradient + L2 * w

    weights = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return mean, scale, weights


def stacked_picks(
    rows: dict[int, np.ndarray], rights: dict[int, np.ndarray], runs: list[Run]
) -> dict[int, int]:
    """Each run's choice by the model fitted on the other folds' runs."""
    picks: dict[int, int] = {}
    for fold in range(FOLDS):
        train = [i for i in rows if runs[i].fold != fold]
        mean, scale, w = fit([rows[i] for i in train], [rights[i] for i in train])
        for i in rows:
            if runs[i].fold == fold:
                picks[i] = int(np.argmax(((rows[i] - mean) / scale) @ w))
    return picks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", action="store_true", help="the ranker's features too")
    args = parser.parse_args()
    runs, reads = shipped_reads(Settings())
    present = [i for i, r in enumerate(runs) if not r.absent]
    reading = shipped_reading()
    blend, shipped_depth = reading["blend"], Depth(**reading["depth"])
    for name, depth in (("8 read", Depth(TOP, TOP, 1.0)), ("shipped depth", shipped_depth)):
        counts = {i: read_count(runs[i], depth) for i in present}
        rows = {
            i: inputs_of(runs[i], reads[i][0][: counts[i]], reads[i][1][: counts[i]], args.features)
            for i in present
        }
        rights = {i: runs[i].right[runs[i].read[: counts[i]]] for i in present}
        picks = stacked_picks(rows, rights, runs)
        sums, stacks = [], []
        for source in range(len(SOURCES)):
            mine = [i for i in present if runs[i].source == source]
            sums.append(np.mean([rights[i][chosen(runs[i], blend, depth)] for i in mine]))
            stacks.append(np.mean([rights[i][picks[i]] for i in mine]))
        print(
            f"{name}: shipped sum {np.round(sums, 3)} mean {np.mean(sums):.4f}; "
            f"stacked {np.round(stacks, 3)} mean {np.mean(stacks):.4f}"
        )


if __name__ == "__main__":
    main()

"""Fit the answer's confidence with the reader (qa/reading.py, CONFIDENCE_INPUTS) on the
held-out -train runs of bench/fit_reading.py, once depth and blend are fitted: a logistic
regression of "the quote holds a gold answer" (never, for a question about an absent
article) on CONFIDENCE_INPUTS: the scorer's calibrated confidence in the chosen sentence,
the reader's logit of it and its margin over the runner-up read, the ranker's probability
of it and the runner-up's logit.

Thresholds follow the scorer's rule (bench/train_scorer.py): per question language, the
highest threshold that costs at most HIT_BUDGET of hit@1 over the runs asked in it, on
probabilities cross-fitted by article fold (a run is scored by a model that never saw its
article's questions). The shipped weights are fitted on all runs. Dev is never read.
"""

from __future__ import annotations

import numpy as np
from fit_reading import Run, chosen, reads_of
from sklearn.linear_model import LogisticRegression

from qa.reading import CONFIDENCE_INPUTS, Depth, confidence_inputs
from qa.scorer import shipped

HIT_BUDGET = 0.01  # the scorer's
FOLDS = 4


def inputs_of(runs: list[Run], blend: float, depth: Depth) -> np.ndarray:
    """CONFIDENCE_INPUTS of each run's chosen candidate, as answering computes them."""
    ranker, rows = shipped(), []
    for run in runs:
        reads = reads_of(run, blend, depth)
        best = int(np.argmax(reads.scores))
        scorer = ranker.confidence(run.features, run.ranked, int(run.read[best]))
        rows.append(confidence_inputs(scorer, reads, best))
    return np.array(rows)


def targets_of(runs: list[Run], blend: float, depth: Depth) -> np.ndarray:
    return np.array([bool(r.right[r.read[chosen(r, blend, depth)]]) and not r.absent for r in runs])


def fitted(inputs: np.ndarray, targets: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=1000).fit(inputs, targets)


def cross_fitted(runs: list[Run], inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    folds = np.array([r.fold for r in runs])
    out = np.zeros(len(runs))
    for fold in range(FOLDS):
        held = folds == fold
        out[held] = fitted(inputs[~held], targets[~held]).predict_proba(inputs[held])[:, 1]
    return out


def threshold_for(probability: np.ndarray, right: np.ndarray, present: np.ndarray) -> float:
    """The highest threshold whose hit@1 cost is within HIT_BUDGET, floored to the 3
    decimals that answers show (the confidence is rounded to them before the comparison)."""
    hits = right & present
    for threshold in np.unique(np.floor(probability * 1000) / 1000)[::-1]:
        cost = (hits & (np.round(probability, 3) < threshold)).sum() / max(present.sum(), 1)
        if cost <= HIT_BUDGET:
            return float(threshold)
    return 0.0


def language_thresholds(
    runs: list[Run], probability: np.ndarray, targets: np.ndarray
) -> dict[str, float]:
    """Each question language's threshold (threshold_for) over the runs asked in it."""
    present = np.array([not r.absent for r in runs])
    languages = np.array([r.language for r in runs])
    return {
        language: threshold_for(probability[mine], targets[mine], present[mine])
        for language in ("en", "fr")
        if (mine := languages == language).any()
    }


def fit_confidence(runs: list[Run], blend: float, depth: Depth) -> tuple[dict, np.ndarray]:
    """What qa/reading.json holds under "confidence", and the cross-fitted probabilities."""
    inputs, targets = inputs_of(runs, blend, depth), targets_of(runs, blend, depth)
    probability = cross_fitted(runs, inputs, targets)
    thresholds = language_thresholds(runs, probability, targets)
    model = fitted(inputs, targets)
    return {
        "inputs": list(CONFIDENCE_INPUTS),
        "weights": [float(w) for w in model.coef_[0]],
        "bias": float(model.intercept_[0]),
        "thresholds": thresholds,
        "threshold_rule": f"per question language, the highest threshold that costs at most"
        f" {HIT_BUDGET:.1%} of hit@1 over the held-out runs asked in it, cross-fitted by"
        f" article fold",
    }, probability

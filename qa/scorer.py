"""Score candidate sentences, pick one, and turn the choice into a confidence.

`Learned` (the product): trained on the -train splits by bench/train_scorer.py and shipped
as qa/scorer.json; loading it needs only numpy (no scikit-learn at run time).
- a ranker: a linear score over the named answer features; the best sentence is quoted;
- a confidence: gradient-boosted trees over the best sentence's features and how clearly
  it won (its softmax share among the candidates, its margin over the second), mapped
  through an isotonic calibration table: the probability that the quote holds the answer;
- the threshold below which the answer is "not found", chosen by a documented rule.

`HandMade`: the weighted sums of the keyword-only and dense-only baselines, whose score in
[0, 1] is their confidence.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.features import NAMES

SCORER_FILE = Path(__file__).with_name("scorer.json")
HAND_MADE_THRESHOLD = 0.3  # the threshold of the hand-made score (bench/threshold.py)
SELECTION = ("ranker_share", "ranker_margin")  # how clearly the best candidate won
MARGIN_CAP = 10.0


class Scorer(Protocol):
    def threshold(self, language: str) -> float:
        """The confidence below which an answer to a question in `language` is "not
        found"."""
        ...

    def scores(self, features: np.ndarray) -> np.ndarray:
        """One score per candidate (rows of features in the order of features.NAMES)."""
        ...

    def confidence(self, features: np.ndarray, scores: np.ndarray, best: int) -> float:
        """The probability, in [0, 1], that candidate `best` holds the answer."""
        ...


@dataclass(frozen=True)
class HandMade:
    weights: np.ndarray

    def threshold(self, language: str) -> float:
        return HAND_MADE_THRESHOLD

    def scores(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights

    def confidence(self, features: np.ndarray, scores: np.ndarray, best: int) -> float:
        return min(max(float(scores[best]), 0.0), 1.0)


def capped_margin(scores: np.ndarray, best: int) -> float:
    """How far `best` leads the runner-up, at most MARGIN_CAP (that, when it is alone)."""
    others = np.delete(scores, best)
    return min(float(scores[best] - others.max()), MARGIN_CAP) if len(others) else MARGIN_CAP


def selection_features(features: np.ndarray, scores: np.ndarray, best: int) -> np.ndarray:
    """The best candidate's features, then its softmax share and its margin over the
    runner-up (capped): the confidence model's inputs, named NAMES + SELECTION."""
    shifted = np.exp(scores - scores[best])
    return np.r_[features[best], 1.0 / shifted.sum(), capped_margin(scores, best)]


@dataclass(frozen=True)
class Trees:
    """Regression trees as flat arrays (node i of tree t is row roots[t] + i; leaves have
    left = right = -1): the sum of the leaves reached, plus the baseline, is the log-odds."""

    baseline: float
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, model: dict) -> "Trees":
        arrays = {k: np.array(model[k]) for k in ("feature", "threshold", "left", "right")}
        roots, value = np.array(model["roots"]), np.array(model["value"])
        return cls(float(model["baseline"]), roots, value=value, **arrays)

    def raw(self, row: np.ndarray) -> float:
        """All trees walked at once, one level a step (scikit-learn's rule: x <= threshold
        goes left)."""
        nodes = self.roots.copy()
        inner = self.left[nodes] >= 0
        while inner.any():
            at = nodes[inner]
            goes_left = row[self.feature[at]] <= self.threshold[at]
            nodes[inner] = np.where(goes_left, self.left[at], self.right[at])
            inner = self.left[nodes] >= 0
        return self.baseline + float(self.value[nodes].sum())


@dataclass(frozen=True)
class Learned:
    columns: np.ndarray  # of the ranker's features in a row of features.NAMES
    mean: np.ndarray
    scale: np.ndarray
    ranker: np.ndarray  # weights of standardised features
    trees: Trees  # the confidence, over NAMES + SELECTION
    calibration_scores: np.ndarray  # isotonic steps: raw confidence → probability
    calibration_probabilities: np.ndarray
    thresholds: dict[str, float]  # by the question's language

    @classmethod
    def load(cls, path: Path = SCORER_FILE) -> "Learned":
        model = json.loads(path.read_text())
        ranker, confidence = model["ranker"], model["confidence"]
        # Features are named in the file: a file trained on other features fails here,
        # not with wrong answers.
        unknown = set(ranker["features"]) - set(NAMES)
        if unknown or tuple(confidence["features"]) != NAMES + SELECTION:
            raise ValueError(f"{path} was trained on other answer features: retrain it")
        calibration = model["calibration"]
        return cls(
            columns=np.array([NAMES.index(name) for name in ranker["features"]]),
            mean=np.array(ranker["mean"]),
            scale=np.array(ranker["scale"]),
            ranker=np.array(ranker["weights"]),
            trees=Trees.of(confidence["trees"]),
            calibration_scores=np.array(calibration["scores"]),
            calibration_probabilities=np.array(calibration["probabilities"]),
            thresholds={k: float(v) for k, v in model["thresholds"].items()},
        )

    def threshold(self, language: str) -> float:
        """The language's own; the higher one for a language the scorer was not trained
        on."""
        return self.thresholds.get(language, max(self.thresholds.values()))

    def scores(self, features: np.ndarray) -> np.ndarray:
        return ((features[:, self.columns] - self.mean) / self.scale) @ self.ranker

    def confidence(self, features: np.ndarray, scores: np.ndarray, best: int) -> float:
        raw = self.trees.raw(selection_features(features, scores, best))
        return float(np.interp(raw, self.calibration_scores, self.calibration_probabilities))


@cache
def shipped() -> Learned:
    """The scorer shipped in the package, loaded once per process."""
    return Learned.load()

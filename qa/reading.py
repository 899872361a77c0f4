"""The product's scorer: the learned ranker finds the likeliest sentences, the trained answer
reader (qa/reader.py) reads the question with each of them in context, and a calibrated
confidence says how likely the chosen one answers.

- `top` candidates, the ranker's best, are read (each costs a cross-encoder pass);
- their score: the reader's logit plus `blend` times the ranker's score;
- the confidence: a logistic model over how the reader judged the best candidate (its
  logit, its margin over the runner-up, its share) and the ranker's own calibrated
  confidence in it (which knows the retrieval evidence), mapped through an isotonic table.

Everything here was fitted on held-out -train questions by bench/fit_reader.py and is
shipped in qa/reader_model/reading.json beside the reader's delta.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from qa.reader import AnswerReader
from qa.scorer import Learned, shipped

READER_DIR = Path(__file__).with_name("reader_model")
DELTA_FILE = READER_DIR / "reader-delta.safetensors"
READING_FILE = READER_DIR / "reading.json"
CONFIDENCE_INPUTS = ("reader_logit", "reader_margin", "reader_share", "ranker_confidence")
MARGIN_CAP = 10.0


@dataclass(frozen=True)
class Logistic:
    """A logistic model over standardised inputs, then an isotonic table."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    calibration_scores: np.ndarray
    calibration_probabilities: np.ndarray

    @classmethod
    def of(cls, model: dict) -> "Logistic":
        if tuple(model["inputs"]) != CONFIDENCE_INPUTS:
            raise ValueError("the reading confidence was fitted on other inputs: refit it")
        arrays = {k: np.array(model[k], dtype=np.float64) for k in ("mean", "scale", "weights")}
        calibration = model["calibration"]
        return cls(
            **arrays,
            bias=float(model["bias"]),
            calibration_scores=np.array(calibration["scores"]),
            calibration_probabilities=np.array(calibration["probabilities"]),
        )

    def raw(self, inputs: np.ndarray) -> float:
        return float(((inputs - self.mean) / self.scale) @ self.weights + self.bias)

    def probability(self, inputs: np.ndarray) -> float:
        raw = self.raw(inputs)
        return float(np.interp(raw, self.calibration_scores, self.calibration_probabilities))


def reader_inputs(logits: np.ndarray, best: int, ranker_confidence: float) -> np.ndarray:
    """CONFIDENCE_INPUTS of the read candidate `best` among the `logits` of those read."""
    others = np.delete(logits, best)
    margin = min(float(logits[best] - others.max()), MARGIN_CAP) if len(others) else MARGIN_CAP
    share = 1.0 / float(np.exp(logits - logits[best]).sum())
    return np.array([float(logits[best]), margin, share, ranker_confidence])


@dataclass
class Reading:
    ranker: Learned
    reader: AnswerReader
    top: int
    blend: float
    confidence_model: Logistic
    thresholds: dict[str, float]

    def threshold(self, language: str) -> float:
        return self.thresholds.get(language, max(self.thresholds.values()))

    def read(
        self, question: str, texts: Sequence[tuple[str, str]], features: np.ndarray
    ) -> "Reads":
        """The ranker's scores of all candidates, and the reader's logits of its best."""
        ranked = self.ranker.scores(features)
        read = np.argsort(-ranked, kind="stable")[: self.top]
        logits = self.reader.scores(question, [texts[i] for i in read])
        return Reads(ranked, read, logits, logits + self.blend * ranked[read])

    def confidence(self, features: np.ndarray, reads: "Reads", best: int) -> float:
        """`best` indexes the read candidates."""
        ranker_confidence = self.ranker.confidence(features, reads.ranked, int(reads.read[best]))
        inputs = reader_inputs(reads.logits, best, ranker_confidence)
        return self.confidence_model.probability(inputs)


@dataclass(frozen=True)
class Reads:
    ranked: np.ndarray  # the ranker's score of every candidate
    read: np.ndarray  # positions of the candidates read, the ranker's best first
    logits: np.ndarray  # the reader's logit of each candidate read
    scores: np.ndarray  # what picks among those read: logit + blend × ranker score


def load_reading(reader_folder: Path, path: Path = READING_FILE) -> Reading:
    model = json.loads(path.read_text())
    return Reading(
        ranker=shipped(),
        reader=AnswerReader(reader_folder),
        top=int(model["top"]),
        blend=float(model["blend"]),
        confidence_model=Logistic.of(model["confidence"]),
        thresholds={k: float(v) for k, v in model["thresholds"].items()},
    )


def reader_folder(models_dir: Path) -> Path:
    """The reader's OpenVINO export, assembled from e5 and the delta the first time (torch
    loads for that build only, in embedding/)."""
    from embedding.reader_model import ensure_reader

    return ensure_reader(DELTA_FILE, models_dir)


@cache
def shipped_reading(models_dir: Path) -> Reading:
    """The shipped reader and its fitted selection, loaded once per process."""
    return load_reading(reader_folder(models_dir))

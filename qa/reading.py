"""The product's scorer: the learned ranker finds the likeliest sentences, the answer matcher
(qa/matcher.py) scores how well each of its best answers the question, and a calibrated
confidence says how likely the chosen one answers. The matcher reads the question as the
question model encodes it: e5 with its top layers retrained to point a question at the
sentence that answers it (embedding/question_model.py, delta in qa/question_model/).

- `top` candidates, the ranker's best, are matched;
- their score: the matcher's logit plus `blend` times the ranker's score;
- the confidence: a logistic model over how the matcher judged the best candidate (its
  logit, its margin over the runner-up, its share) and the ranker's own calibrated
  confidence in it (which knows the retrieval evidence), mapped through an isotonic table.

Everything here was fitted on held-out -train questions by bench/train_query_tower.py and is
shipped in qa/reading.json beside qa/matcher.npz and qa/question_model/.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from embedding.embed import Embedder
from qa.matcher import MATCHER_FILE, Matcher
from qa.scorer import Learned, shipped

READING_FILE = Path(__file__).with_name("reading.json")
QUESTION_DELTA = Path(__file__).with_name("question_model") / "question-delta.safetensors"
CONFIDENCE_INPUTS = ("match_logit", "match_margin", "match_share", "ranker_confidence")
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


def match_inputs(
    logits: np.ndarray, best: int, ranker_confidence: float, texts: list[str]
) -> np.ndarray:
    """CONFIDENCE_INPUTS of the matched candidate `best` among the `logits` of those matched.
    Copies of its sentence (one story from several outlets) are not its rivals: they are
    left out of its margin and its share, or three copies would cut the share to a third."""
    rivals = np.array([i != best and t != texts[best] for i, t in enumerate(texts)], dtype=bool)
    others = logits[rivals]
    margin = min(float(logits[best] - others.max()), MARGIN_CAP) if others.size else MARGIN_CAP
    share = 1.0 / (1.0 + float(np.exp(others - logits[best]).sum()))
    return np.array([float(logits[best]), margin, share, ranker_confidence])


@dataclass
class Reading:
    ranker: Learned
    matcher: Matcher
    questions: Embedder  # the question model
    top: int
    blend: float
    confidence_model: Logistic
    thresholds: dict[str, float]

    def threshold(self, language: str) -> float:
        return self.thresholds.get(language, max(self.thresholds.values()))

    def read(self, question: str, vectors: "Vectors", features: np.ndarray) -> "Reads":
        """The ranker's scores of all candidates, and the matcher's logits of its best."""
        ranked = self.ranker.scores(features)
        read = np.argsort(-ranked, kind="stable")[: self.top]
        asked = self.questions.encode_query(question)[0]
        logits = self.matcher.scores(asked, vectors.sentences[read], vectors.neighbours[read])
        return Reads(ranked, read, logits, logits + self.blend * ranked[read])

    def confidence(
        self, features: np.ndarray, reads: "Reads", best: int, texts: list[str]
    ) -> float:
        """`best` indexes the read candidates, `texts` are their sentences."""
        ranker_confidence = self.ranker.confidence(features, reads.ranked, int(reads.read[best]))
        inputs = match_inputs(reads.logits, best, ranker_confidence, texts)
        return self.confidence_model.probability(inputs)


@dataclass(frozen=True)
class Vectors:
    """Of every candidate, as the index stores them."""

    sentences: np.ndarray  # (n, d)
    neighbours: np.ndarray  # (n, d): the mean of the sentences before and after


@dataclass(frozen=True)
class Reads:
    ranked: np.ndarray  # the ranker's score of every candidate
    read: np.ndarray  # positions of the candidates matched, the ranker's best first
    logits: np.ndarray  # the matcher's logit of each candidate matched
    scores: np.ndarray  # what picks among those matched: logit + blend × ranker score


def load_reading(
    questions: Embedder, path: Path = READING_FILE, matcher: Path = MATCHER_FILE
) -> Reading:
    model = json.loads(path.read_text())
    return Reading(
        ranker=shipped(),
        matcher=Matcher.load(matcher),
        questions=questions,
        top=int(model["top"]),
        blend=float(model["blend"]),
        confidence_model=Logistic.of(model["confidence"]),
        thresholds={k: float(v) for k, v in model["thresholds"].items()},
    )


@cache
def shipped_reading(questions: Embedder) -> Reading:
    """The shipped matcher and its fitted selection, loaded once per process."""
    return load_reading(questions)

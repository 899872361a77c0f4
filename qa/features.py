"""The answer features, by name: what each candidate sentence offers as evidence that it
answers the question. One definition serves sentence selection, the keyword-only and
dense-only baselines, and the benches that tune or train on them (bench/tune.py).

Each `Feature` has a name, the function that computes it from the `Evidence` of one
sentence (its docstring says what it measures), and its share in the hand-made score.
Vectors of features are in the order of `FEATURES`; code names a feature, never a position.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from index.backend import Reader, SentenceRow

from .answer_type import expected_type, offers
from .retrieve import Passage, Query

UNRELATED = 0.3  # calibrated cosine of unrelated sentences (10th percentile of wrong ones)


@dataclass
class Asked:
    """What is worked out once per question: its terms' weights and the answer's kind."""

    query: Query
    weights: dict[str, float]  # IDF of each of the question's own terms
    kind: str | None  # "number", "time", "name" or None (see answer_type.py)

    @classmethod
    def of(cls, store: Reader, query: Query) -> "Asked":
        return cls(query, _term_weights(store, query.own_terms), expected_type(query.text))

    def coverage(self, present: set[str]) -> float:
        """Share of the question's term weight (IDF) found among `present` terms."""
        total = sum(self.weights.values())
        return sum(w for t, w in self.weights.items() if t in present) / total if total else 0.0


@dataclass
class Evidence:
    """One candidate sentence, with what features may look at around it."""

    asked: Asked
    passage: Passage
    row: SentenceRow
    terms: set[str]  # the sentence's own terms
    nearby: set[str]  # terms of the article's title and of the sentence before

    @cached_property
    def cosine(self) -> float:
        """Cosine of question and sentence, on the common scale."""
        query = self.asked.query
        return query.calibrated(
            float(np.dot(self.row.vector.astype(np.float32), query.vector.reshape(-1)))
        )

    @property
    def other_language(self) -> bool:
        """Stemmed terms cannot meet across languages."""
        return self.passage.chunk.language != self.asked.query.language


def dense(e: Evidence) -> float:
    """Cosine of the question and the sentence (common scale, [0, 1])."""
    return e.cosine


def keyword(e: Evidence) -> float:
    """IDF-weighted share of the question's terms that the sentence holds."""
    if e.other_language:
        # The similarity above that of an unrelated sentence stands in for the keyword
        # evidence, so that the keyword side does not sink an answer in the other language.
        return min(max((e.cosine - UNRELATED) / UNRELATED, 0.0), 1.0)
    return e.asked.coverage(e.terms)


def passage(e: Evidence) -> float:
    """Cosine of the question and the passage around the sentence."""
    return max(e.passage.dense, 0.0)


def answer_type(e: Evidence) -> float:
    """1 when the sentence holds what the question word asks for (a number for "how
    many", a date for "when", a name for "who") beyond what the question says."""
    return float(offers(e.asked.kind, e.row.text, e.asked.query.text))


def context(e: Evidence) -> float:
    """Share of the question's term weight missing from the sentence but found in the
    title or the sentence before: "The project will cost…" answers "How much will the
    bridge cost?"."""
    if e.other_language:
        return 0.0
    return e.asked.coverage(e.nearby - e.terms)


@dataclass(frozen=True)
class Feature:
    name: str
    compute: Callable[[Evidence], float]
    hand_made: float = 0.0  # share in the hand-made score (tuned by bench/tune.py)

    @property
    def meaning(self) -> str:
        return " ".join((self.compute.__doc__ or "").split())


FEATURES: tuple[Feature, ...] = (
    Feature("dense", dense, 0.3),
    Feature("keyword", keyword, 0.25),
    Feature("passage", passage, 0.2),
    Feature("answer_type", answer_type, 0.05),
    Feature("context", context, 0.2),
)
NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def weights(**shares: float) -> np.ndarray:
    """A weight vector from weights by feature name; features not named weigh 0."""
    unknown = shares.keys() - set(NAMES)
    if unknown:
        raise ValueError(f"unknown answer features: {', '.join(sorted(unknown))}")
    return np.array([shares.get(name, 0.0) for name in NAMES])


def vector(evidence: Evidence) -> np.ndarray:
    return np.array([f.compute(evidence) for f in FEATURES])


def column(name: str) -> int:
    """Where a feature sits in a feature vector, for benches that read one of them."""
    return NAMES.index(name)


# Hand-made scores: shares summing to 1 over features in [0, 1], so a score is in [0, 1].
HAND_MADE = weights(**{f.name: f.hand_made for f in FEATURES})
KEYWORD_ONLY = weights(keyword=1.0)
DENSE_ONLY = weights(dense=0.85, passage=0.15)


def _term_weights(store: Reader, query_terms: list[str]) -> dict[str, float]:
    if not query_terms:
        return {}
    frequencies = store.document_frequencies(query_terms)
    chunks = max(int(store.manifest.get("chunks", 1)), 1)
    return {
        t: math.log(1 + (chunks - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5))
        for t in dict.fromkeys(query_terms)
    }

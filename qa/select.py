"""Pick the answering sentence among the sentences of the best passages."""

import math
from dataclasses import dataclass

import numpy as np

from index.analyzer import terms
from index.store import SentenceRow, Store

from .retrieve import Passage, Query

PASSAGES_READ = 5


@dataclass(frozen=True)
class SentenceWeights:
    """Shares of a sentence's score, summing to 1; every part is absolute, in [0, 1], so the
    score doubles as the confidence. Tuned on the dev splits (bench/tune.py)."""

    dense: float = 0.35  # cosine of question and sentence
    keyword: float = 0.45  # IDF-weighted share of the question's terms in the sentence
    passage: float = 0.20  # cosine of question and the passage around the sentence


KEYWORD_ONLY = SentenceWeights(0.0, 1.0, 0.0)
DENSE_ONLY = SentenceWeights(0.85, 0.0, 0.15)


@dataclass
class Candidate:
    passage: Passage
    sentence: SentenceRow
    score: float


def pick_sentence(
    store: Store,
    query: Query,
    passages: list[Passage],
    shares: SentenceWeights = SentenceWeights(),
) -> Candidate | None:
    """The best-scoring sentence; ties go to the newest article."""
    weights = _term_weights(store, query.terms) if shares.keyword else {}
    seen: set[tuple[str, int]] = set()
    candidates: list[Candidate] = []
    for passage in passages[:PASSAGES_READ]:
        chunk = passage.chunk
        for row in store.sentences(chunk.article_id, chunk.first_sentence, chunk.last_sentence):
            if (chunk.article_id, row.position) in seen:
                continue
            seen.add((chunk.article_id, row.position))
            score = _score(query, shares, weights, row, passage.dense)
            candidates.append(Candidate(passage, row, score))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (round(c.score, 6), c.passage.chunk.date or ""))


def _score(
    query: Query,
    shares: SentenceWeights,
    weights: dict[str, float],
    row: SentenceRow,
    passage: float,
) -> float:
    score = shares.passage * max(passage, 0.0)
    if shares.dense:
        dense = float(np.dot(row.vector.astype(np.float32), query.vector.reshape(-1)))
        score += shares.dense * max(dense, 0.0)
    if shares.keyword:
        score += shares.keyword * _coverage(weights, terms(row.text, query.language))
    return score


def _coverage(weights: dict[str, float], sentence_terms: list[str]) -> float:
    """Share of the question's term weight (IDF) that the sentence contains."""
    total = sum(weights.values())
    present = set(sentence_terms)
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def _term_weights(store: Store, query_terms: list[str]) -> dict[str, float]:
    if not query_terms:
        return {}
    frequencies = store.document_frequencies(query_terms)
    chunks = max(int(store.manifest.get("chunks", 1)), 1)
    return {
        t: math.log(1 + (chunks - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5))
        for t in dict.fromkeys(query_terms)
    }

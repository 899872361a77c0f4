"""Pick the answering sentence among the sentences of the best passages."""

import math
from dataclasses import astuple, dataclass

import numpy as np

from index.interface import Reader, SentenceRow
from ingest.analyzer import terms
from qa.answer_type import expected_type, offers
from qa.retrieve import Passage, Query

PASSAGES_READ = 5
UNRELATED = 0.3  # calibrated cosine of unrelated sentences (10th percentile of wrong ones)


@dataclass(frozen=True)
class SentenceWeights:
    """Shares of a sentence's score, summing to 1; every feature is absolute, in [0, 1], so
    the score doubles as the confidence. Tuned on the dev splits (bench/tune.py)."""

    dense: float = 0.3  # cosine of question and sentence
    keyword: float = 0.25  # IDF-weighted share of the question's terms in the sentence
    passage: float = 0.2  # cosine of question and the passage around the sentence
    answer_type: float = 0.05  # the sentence holds what the question word asks for
    context: float = 0.2  # question terms missing from the sentence but in the title or
    # the sentence before: "The project will cost…" answers "How much will the bridge cost?"


KEYWORD_ONLY = SentenceWeights(0.0, 1.0, 0.0, 0.0, 0.0)
DENSE_ONLY = SentenceWeights(0.85, 0.0, 0.15, 0.0, 0.0)


@dataclass
class Candidate:
    passage: Passage
    sentence: SentenceRow
    features: np.ndarray  # in the order of SentenceWeights' fields
    score: float = 0.0


def candidates(store: Reader, query: Query, passages: list[Passage]) -> list[Candidate]:
    """Each sentence of the best passages once, with its features."""
    weights = _term_weights(store, query.own_terms)
    kind = expected_type(query.text)
    seen: set[tuple[str, int]] = set()
    found: list[Candidate] = []
    for passage in passages[:PASSAGES_READ]:
        chunk = passage.chunk
        title = set(terms(chunk.title, query.language))
        rows = store.sentences(chunk.article_id, chunk.first_sentence - 1, chunk.last_sentence)
        previous: set[str] = set()
        for row in rows:
            sentence = terms(row.text, query.language)
            fresh = (chunk.article_id, row.position) not in seen
            if row.position >= chunk.first_sentence and fresh:
                seen.add((chunk.article_id, row.position))
                features = _features(query, weights, kind, row, passage, sentence, title | previous)
                found.append(Candidate(passage, row, features))
            previous = set(sentence)
    return found


def pick_sentence(
    store: Reader, query: Query, passages: list[Passage], shares: SentenceWeights | None = None
) -> Candidate | None:
    """The best-scoring sentence; ties go to the newest article."""
    weights = np.array(astuple(shares or SentenceWeights()))
    found = candidates(store, query, passages)
    for candidate in found:
        candidate.score = float(candidate.features @ weights)
    if not found:
        return None
    return max(found, key=lambda c: (round(c.score, 6), c.passage.chunk.date or ""))


def _features(
    query: Query,
    weights: dict[str, float],
    kind: str | None,
    row: SentenceRow,
    passage: Passage,
    sentence: list[str],
    context: set[str],
) -> np.ndarray:
    cosine = float(np.dot(row.vector.astype(np.float32), query.vector.reshape(-1)))
    dense = query.embedder.calibrated(cosine)
    present = set(sentence)
    keyword, around = _coverage(weights, present), _coverage(weights, context - present)
    if passage.chunk.language != query.language:
        # Stemmed terms cannot meet across languages: the similarity above that of an
        # unrelated sentence stands in for the keyword evidence, so that the keyword side
        # does not sink an answer in the other language.
        keyword, around = min(max((dense - UNRELATED) / UNRELATED, 0.0), 1.0), 0.0
    answer_kind = float(offers(kind, row.text, query.text))
    return np.array([dense, keyword, max(passage.dense, 0.0), answer_kind, around])


def _coverage(weights: dict[str, float], present: set[str]) -> float:
    """Share of the question's term weight (IDF) found among `present` terms."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def _term_weights(store: Reader, query_terms: list[str]) -> dict[str, float]:
    if not query_terms:
        return {}
    frequencies = store.document_frequencies(query_terms)
    chunks = max(store.manifest.chunks, 1)
    return {
        t: math.log(1 + (chunks - frequencies.get(t, 0) + 0.5) / (frequencies.get(t, 0) + 0.5))
        for t in dict.fromkeys(query_terms)
    }

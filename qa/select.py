"""Pick the answering sentence among the sentences of the best passages."""

from dataclasses import dataclass

import numpy as np

from index.analyzer import terms
from index.backend import Reader, SentenceRow

from .features import HAND_MADE, Asked, Evidence, vector
from .retrieve import Passage, Query

PASSAGES_READ = 5


@dataclass
class Candidate:
    passage: Passage
    sentence: SentenceRow
    features: np.ndarray  # in the order of features.FEATURES
    score: float = 0.0


def candidates(store: Reader, query: Query, passages: list[Passage]) -> list[Candidate]:
    """Each sentence of the best passages once, with its features."""
    asked = Asked.of(store, query)
    seen: set[tuple[str, int]] = set()
    found: list[Candidate] = []
    for passage in passages[:PASSAGES_READ]:
        chunk = passage.chunk
        title = set(terms(chunk.title, query.language))
        rows = store.sentences(chunk.article_id, chunk.first_sentence - 1, chunk.last_sentence)
        previous: set[str] = set()
        for row in rows:
            sentence = set(terms(row.text, query.language))
            fresh = (chunk.article_id, row.position) not in seen
            if row.position >= chunk.first_sentence and fresh:
                seen.add((chunk.article_id, row.position))
                evidence = Evidence(asked, passage, row, sentence, title | previous)
                found.append(Candidate(passage, row, vector(evidence)))
            previous = sentence
    return found


def pick_sentence(
    store: Reader, query: Query, passages: list[Passage], weights: np.ndarray = HAND_MADE
) -> Candidate | None:
    """The best-scoring sentence; ties go to the newest article."""
    found = candidates(store, query, passages)
    for candidate in found:
        candidate.score = float(candidate.features @ weights)
    if not found:
        return None
    return max(found, key=lambda c: (round(c.score, 6), c.passage.chunk.date or ""))

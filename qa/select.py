"""Pick the answering sentence among the sentences of the best passages."""

from dataclasses import dataclass

import numpy as np

from index.ingest.analyzer import terms
from index.interface import Reader, SentenceRow
from qa.answer_words import Span
from qa.features import Asked, Evidence, matrix
from qa.reader_input import join_context
from qa.reading import Reading
from qa.retrieve import Passage, Query
from qa.scorer import Scorer


@dataclass
class Candidate:
    passage: Passage
    sentence: SentenceRow
    features: np.ndarray  # in the order of features.FEATURES
    context: str  # the title and the sentences before and after, as the reader reads them
    score: float = 0.0


@dataclass
class Choice:
    candidate: Candidate
    confidence: float  # probability that the sentence holds the answer
    answer: Span | None = None  # its answer's words, when the reader found them


def candidates(store: Reader, query: Query, passages: list[Passage]) -> list[Candidate]:
    """Each sentence of the best passages once, with its features."""
    asked = Asked.of(store, query, passages)
    seen: set[tuple[str, int]] = set()
    found: list[Evidence] = []
    articles: dict[str, set[str]] = {}  # terms read of each article, shared by its candidates
    for rank, passage in enumerate(asked.read):
        chunk = passage.chunk
        title = set(terms(chunk.title, query.language))
        rows = store.sentences(chunk.article_id, chunk.first_sentence - 1, chunk.last_sentence + 1)
        words = [terms(row.text, query.language) for row in rows]
        article = articles.setdefault(chunk.article_id, set())
        article.update(*words)
        for i, row in enumerate(rows):
            inside = chunk.first_sentence <= row.position <= chunk.last_sentence
            if not inside or (chunk.article_id, row.position) in seen:
                continue
            seen.add((chunk.article_id, row.position))
            before = rows[i - 1] if i > 0 else None
            after = rows[i + 1] if i + 1 < len(rows) else None
            previous = set(words[i - 1]) if i > 0 else set()
            found.append(
                Evidence(asked, rank, row, words[i], title, previous, before, after, article)
            )
    features = matrix(found)
    return [
        Candidate(e.passage, e.row, row, _context(e))
        for e, row in zip(found, features, strict=True)
    ]


def _context(evidence: Evidence) -> str:
    before, after = evidence.before, evidence.after
    title = evidence.passage.chunk.title
    return join_context(title, before.text if before else "", after.text if after else "")


def pick_sentence(
    store: Reader,
    query: Query,
    passages: list[Passage],
    scorer: Scorer,
    reading: Reading | None = None,
) -> Choice | None:
    """The best-scoring sentence, and the confidence that it answers; ties go to the
    newest article. With `reading`, the reader chooses among the ranker's best."""
    found = candidates(store, query, passages)
    if not found:
        return None
    features = np.stack([c.features for c in found])
    if reading is not None:
        return _read_choice(query, found, features, reading)
    scores = scorer.scores(features)
    for candidate, score in zip(found, scores, strict=True):
        candidate.score = float(score)
    best = max(
        range(len(found)),
        key=lambda i: (round(found[i].score, 6), found[i].passage.chunk.date or ""),
    )
    return Choice(found[best], scorer.confidence(features, scores, best))


def _read_choice(
    query: Query, found: list[Candidate], features: np.ndarray, reading: Reading
) -> Choice:
    read_texts = [(c.sentence.text, c.context) for c in found]
    reads = reading.read(query.text, read_texts, features)
    read = [found[i] for i in reads.read]
    for candidate, score in zip(read, reads.scores, strict=True):
        candidate.score = float(score)
    best = max(
        range(len(read)), key=lambda j: (round(read[j].score, 6), read[j].passage.chunk.date or "")
    )
    return Choice(read[best], reading.confidence(features, reads, best), reads.answers[best])

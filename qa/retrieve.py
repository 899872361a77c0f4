"""Retrievers: `search(query, k, filters) -> passages`, dense, keyword and fused.

A server engine (PostgreSQL) implements the same `Retriever` protocol later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from index.embedding.embed import Embedder
from index.filters import Filters
from index.ingest.analyzer import terms
from index.interface import ChunkHit, Reader
from qa.cosine import on_common_scale, scale_for
from qa.lexicon import translated

# The first passages, whose sentences are the answer's candidates. 16 rather than 8: they
# hold an answer for 93-97 % of held-out -train questions instead of 86-95 % (most gained
# across languages), and the product answers right more often at every level of "not
# found" for missing articles (bench/fit_reader.py with 8, 12 and 16; docs, quality).
PASSAGES_READ = 16
# Of those, the best by fused score; the others are the dense retriever's best not among
# them. Keyword scores are scaled by the best match, so a question that matches nothing
# well (asked in the other language) still gives its best keyword passage a full share:
# with 8 read, they held an answer for 70 % of held-out French questions about English
# -train articles with fused alone, 85 % with dense alone, 86 % with this mix, and 88-95 %
# instead of 82-93 % on the other held-out sources (bench/passages_read.py, -train only;
# 4 first ties with 5 within 0.1 point).
FUSED_READ = 5


@dataclass
class Query:
    """A question, with its terms and vector computed once and shared by retrievers."""

    text: str
    language: str
    embedder: Embedder = field(repr=False)
    extra_text: str = ""  # earlier turns' subject, for follow-up questions
    keywords: str | None = None  # the question less words read as a filter (dates)

    @cached_property
    def terms(self) -> list[str]:
        """What retrieval searches for: the question and the earlier subject."""
        return terms(f"{self._keyword_text} {self.extra_text}", self.language)

    @cached_property
    def own_terms(self) -> list[str]:
        """What the answering sentence should hold: this question's own words."""
        return terms(self._keyword_text, self.language) or self.terms

    def terms_for(self, languages: frozenset[str]) -> list[str]:
        """The terms, and their translations (qa/lexicon.py) when the collection holds
        articles in another language: only there can they find anything."""
        if not languages - {self.language}:
            return self.terms
        return self.terms + translated(self.terms, self.language)

    @property
    def _keyword_text(self) -> str:
        return self.text if self.keywords is None else self.keywords

    @cached_property
    def vector(self) -> np.ndarray:
        return self.embedder.encode_query(f"{self.extra_text} {self.text}".strip())

    @cached_property
    def scale(self) -> tuple[float, float]:
        return scale_for(self.embedder.name)

    def calibrated(self, cosine: float) -> float:
        """A cosine with this question on the common scale of answer features (qa/cosine.py)."""
        return on_common_scale(cosine, self.scale)


@dataclass
class Passage:
    chunk: ChunkHit
    score: float  # the retriever's own scale; fused scores are in [0, 1]
    dense: float = 0.0
    keyword: float = 0.0  # normalised to [0, 1] by the best keyword score


class Retriever(Protocol):
    def search(self, query: Query, k: int, filters: Filters) -> list[Passage]: ...


class DenseRetriever:
    def __init__(self, store: Reader) -> None:
        self.store = store

    def scores(self, query: Query, k: int, filters: Filters) -> dict[int, float]:
        """Cosines on the common scale (see Query.calibrated)."""
        found = self.store.search_dense(query.vector, k, filters)
        return {chunk: query.calibrated(cosine) for chunk, cosine in found}

    def search(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        found = self.scores(query, k, filters)
        return _passages(self.store, _ranked(found), found, found, {})


class KeywordRetriever:
    def __init__(self, store: Reader) -> None:
        self.store = store

    def scores(self, query: Query, k: int, filters: Filters) -> dict[int, float]:
        """BM25 divided by the best one, so that 1.0 is the best keyword match."""
        found = self.store.search_keyword(query.terms_for(self.store.languages()), k, filters)
        best = max((score for _, score in found), default=0.0)
        return {chunk: score / best for chunk, score in found} if best > 0 else {}

    def search(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        found = self.scores(query, k, filters)
        return _passages(self.store, _ranked(found), found, {}, found)


class FusedRetriever:
    """Weighted sum of dense similarity and normalised BM25, the weight per language (a
    weighted sum beat reciprocal rank fusion: README), the dense retriever's best moved up
    into the passages read (FUSED_READ)."""

    def __init__(self, store: Reader, keyword_weights: dict[str, float]) -> None:
        self.store = store
        self.dense = DenseRetriever(store)
        self.keyword = KeywordRetriever(store)
        self.keyword_weights = keyword_weights

    def search(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        dense = self.dense.scores(query, k, filters)
        keyword = self.keyword.scores(query, k, filters)
        missing = self.store.dense_scores(query.vector, list(keyword.keys() - dense.keys()))
        dense |= {chunk: query.calibrated(cosine) for chunk, cosine in missing.items()}
        weight = self.keyword_weights.get(query.language, 0.5)
        fused = {
            chunk: (1 - weight) * dense.get(chunk, 0.0) + weight * keyword.get(chunk, 0.0)
            for chunk in dense.keys() | keyword.keys()
        }
        order = _read_first(_ranked(fused)[:k], _ranked(dense)[:PASSAGES_READ], k)
        return _passages(self.store, order, fused, dense, keyword)


def _read_first(fused: list[int], by_dense: list[int], k: int) -> list[int]:
    """The fused order, with the dense retriever's best moved up into the passages read
    after the FUSED_READ best fused ones (see FUSED_READ)."""
    read = fused[:FUSED_READ]
    for chunk in [*by_dense, *fused[FUSED_READ:]]:
        if len(read) >= PASSAGES_READ:
            break
        if chunk not in read:
            read.append(chunk)
    chosen = set(read)
    return [*read, *(c for c in fused if c not in chosen)][:k]


def _ranked(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda chunk: -scores[chunk])


def _passages(
    store: Reader,
    order: list[int],
    score: dict[int, float],
    dense: dict[int, float],
    keyword: dict[int, float],
) -> list[Passage]:
    hits = store.chunks(order) if order else {}
    return [
        Passage(hits[c], score[c], dense.get(c, 0.0), keyword.get(c, 0.0))
        for c in order
        if c in hits
    ]

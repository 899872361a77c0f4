"""The store's contract: row types, the manifest, and small protocols that answering, pages
and updates use unchanged over every backend (index/embedded/, index/postgres/).

- `VectorSearch`, `KeywordSearch`, `RowReads`: what one question or one page reads; a
  `Reader` is all three over one consistent state of the index.
- `IndexWriter`: one update (add, remove, commit), visible all at once or not at all.
- `Backend`: hands out both. A new backend is a package and a line in index/registry.py.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypedDict

import numpy as np

from index.embedding.embed import Embedder
from index.embedding.progress import EmbedProgress
from index.filters import Filters
from index.ingest.article import Article
from index.prepare import Prepared


@dataclass(frozen=True)
class ChunkHit:
    chunk_id: int
    article_id: str
    title: str
    date: str | None
    url: str | None
    language: str
    first_sentence: int
    last_sentence: int
    text: str
    source: str | None = None  # the article's site or outlet, for the sources list
    story: str = ""  # wire copies share one (index/stories.py)


@dataclass(frozen=True)
class Copy:
    """One article of a story: a wire copy as another outlet published it."""

    article_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None
    language: str


@dataclass(frozen=True)
class SentenceRow:
    position: int
    start: int
    end: int
    text: str
    vector: np.ndarray


@dataclass(frozen=True)
class Manifest:
    """What an index records of how it was built. Older indexes lack the newer keys: their
    defaults are what those indexes were built with (torch fp32 float vectors, flat)."""

    model: str = ""
    dimension: int | None = None
    encoder: str = "torch"
    precision: str = "fp32"
    vectors: str = "float"
    index_type: str = "flat"
    chunk_sentences: int | None = None
    schema_version: int | None = None
    built_at: str | None = None
    articles: int = 0
    sentences: int = 0
    chunks: int = 0
    revision: int = 0
    average_length: float | None = None  # of chunks in terms (PostgreSQL's BM25)
    extra: dict[str, Any] = field(default_factory=dict)  # keys of newer versions, kept

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Manifest:
        known = {f.name for f in fields(cls)} - {"extra"}
        extra = {key: value for key, value in raw.items() if key not in known}
        return cls(**{key: value for key, value in raw.items() if key in known}, extra=extra)


class Counts(TypedDict):
    articles: int
    sentences: int
    chunks: int
    languages: dict[str, int]  # articles per language


class Stats(Counts):
    backend: str
    generation: str
    model: str
    dimension: int | None
    encoder: str
    precision: str
    vectors: int
    built_at: str | None
    schema_version: int | None


class VectorSearch(Protocol):
    def search_dense(
        self, vector: np.ndarray, k: int, filters: Filters = ...
    ) -> list[tuple[int, float]]: ...

    def dense_scores(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]: ...


class KeywordSearch(Protocol):
    def search_keyword(
        self, terms: list[str], k: int, filters: Filters = ...
    ) -> list[tuple[int, float]]: ...

    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...


class RowReads(Protocol):
    def chunks(self, ids: list[int]) -> dict[int, ChunkHit]: ...

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]: ...

    def article(self, article_id: str) -> Article: ...

    def list_articles(
        self, limit: int = ..., offset: int = ..., stories: bool = ...
    ) -> list[dict[str, Any]]: ...

    def articles_from(self, origin: str) -> list[str]: ...

    def article_months(self) -> list[tuple[str | None, str, int]]: ...
    def story_copies(self, stories: list[str]) -> dict[str, list[Copy]]: ...

    def newest_date(self) -> str | None: ...

    def languages(self) -> frozenset[str]: ...  # of the articles


class Reader(VectorSearch, KeywordSearch, RowReads, Protocol):
    """What answering and the pages read. Every call sees the same state of the index."""

    manifest: Manifest

    @property
    def version(self) -> str: ...  # changes with every published update

    @property
    def model(self) -> str: ...

    def stats(self) -> Stats: ...

    def check(self) -> list[str]: ...


class IndexWriter(Protocol):
    def known(self) -> dict[str, tuple[str, str | None]]: ...

    def add(self, article: Article) -> None: ...

    def add_prepared(self, item: Prepared) -> None: ...

    def remove(self, article_id: str) -> bool: ...

    def commit(self) -> object: ...


@dataclass(frozen=True)
class WriteOptions:
    chunk_sentences: int = 3
    progress: EmbedProgress | None = None
    index_type: str | None = None  # embedded only; None keeps the index's own type
    chunk_vectors: str = "pooled"  # pooled from sentence vectors, or "embedded"


class Backend(Protocol):
    def reader(self) -> AbstractContextManager[Reader]: ...

    def writer(
        self, embedder: Embedder, options: WriteOptions, rebuild: bool = False
    ) -> AbstractContextManager[IndexWriter]: ...

    def close(self) -> None: ...

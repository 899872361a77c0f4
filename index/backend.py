"""Where an index lives, behind two small interfaces that everything above uses unchanged.

- `Reader`: one consistent view of the index for one question or one page (search, rows).
- `IndexWriter`: one update (add, remove, commit), visible all at once or not at all.

A `Backend` hands out both. `embedded` keeps SQLite + FAISS files in QA_INDEX_DIR;
`postgres` (index/postgres/) keeps everything in a PostgreSQL database with pgvector.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .article import Article
from .embed import Embedder
from .errors import IndexMissing
from .filters import Filters
from .layout import current_generation

if TYPE_CHECKING:
    from .encoders import EncoderId
    from .prepare import Prepared
    from .progress import EmbedProgress
    from .store import Store


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


class Reader(Protocol):
    """What answering and the pages read. Every call sees the same state of the index."""

    manifest: dict[str, Any]

    @property
    def version(self) -> str: ...  # changes with every published update

    @property
    def model(self) -> str: ...

    def search_dense(
        self, vector: np.ndarray, k: int, filters: Filters = ...
    ) -> list[tuple[int, float]]: ...

    def search_keyword(
        self, terms: list[str], k: int, filters: Filters = ...
    ) -> list[tuple[int, float]]: ...

    def dense_scores(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]: ...

    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...

    def chunks(self, ids: list[int]) -> dict[int, ChunkHit]: ...

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]: ...

    def article(self, article_id: str) -> Article: ...

    def list_articles(
        self, limit: int = ..., offset: int = ..., stories: bool = ...
    ) -> list[dict[str, Any]]: ...

    def articles_from(self, origin: str) -> list[str]: ...

    def story_copies(self, stories: list[str]) -> dict[str, list[Copy]]: ...

    def newest_date(self) -> str | None: ...

    def stats(self) -> dict[str, object]: ...

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


class EmbeddedBackend:
    """SQLite + FAISS generations in a folder (index/layout.py).

    Readers share the live generation's Store, reopened when CURRENT moves; a reader that
    started on an older generation keeps it: generations never change once published.
    """

    def __init__(self, index_dir: Path, expected_model: str | EncoderId | None = None) -> None:
        self.index_dir = index_dir
        self.expected_model = expected_model
        self._store: Store | None = None
        self._lock = threading.Lock()

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        from .store import Store  # store.py builds on this module's row types

        live = current_generation(self.index_dir)
        store = self._store
        if store is None or store.generation != live:
            with self._lock:
                if self._store is None or self._store.generation != live:
                    self._store = Store(live, self.expected_model)
                store = self._store
        yield store

    def writer(
        self, embedder: Embedder, options: WriteOptions, rebuild: bool = False
    ) -> AbstractContextManager[IndexWriter]:
        from .writer import Writer  # writer.py builds on store.py

        return Writer(
            self.index_dir,
            embedder,
            chunk_sentences=options.chunk_sentences,
            rebuild=rebuild,
            progress=options.progress,
            index_type=options.index_type,
            chunk_vectors=options.chunk_vectors,
        )

    def close(self) -> None:
        self._store = None


def open_backend(
    kind: str, index_dir: Path, database_url: str | None, expected_model: str | EncoderId | None
) -> Backend:
    """The backend a setting names; the PostgreSQL one is imported only when asked for."""
    if kind == "postgres":
        from .postgres import PostgresBackend

        if not database_url:
            raise IndexMissing("QA_BACKEND=postgres needs QA_DATABASE_URL")
        return PostgresBackend(database_url, expected_model)
    return EmbeddedBackend(index_dir, expected_model)


def as_backend(target: Backend | Path) -> Backend:
    """Library callers may pass an index folder: that is the embedded backend."""
    return EmbeddedBackend(target) if isinstance(target, Path) else target

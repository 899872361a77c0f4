"""The embedded backend: SQLite + FAISS generations in a folder (index/embedded/layout.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from index.embedded.layout import current_generation
from index.embedded.store import Store
from index.embedded.writer import Writer
from index.embedding.embed import Embedder
from index.embedding.encoders import EncoderId
from index.interface import IndexWriter, Reader, WriteOptions


class EmbeddedBackend:
    """SQLite + FAISS generations in a folder.

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
        return Writer(self.index_dir, embedder, options, rebuild)

    def close(self) -> None:
        self._store = None

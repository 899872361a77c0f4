"""PostgreSQL + pgvector backend: the same Reader and IndexWriter over one shared database.

Several servers (and `qa serve --workers N`) share the database: every update is one
transaction, every request reads one snapshot, writers queue on an advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from index.embedding.embed import Embedder
from index.embedding.encoders import EncoderId
from index.errors import IndexUnavailable
from index.interface import IndexWriter, Reader, WriteOptions
from index.postgres.reader import PostgresReader
from index.postgres.schema import CONNECT_TIMEOUT, SCHEMA, connect
from index.postgres.writer import PostgresWriter

__all__ = ["SCHEMA", "PostgresBackend"]


class PostgresBackend:
    """Writes go to `url`; reads to `read_url` (a streaming replica), or `url` too."""

    def __init__(
        self,
        url: str,
        expected_model: str | EncoderId | None = None,
        pool_size: int = 8,
        read_url: str | None = None,
    ) -> None:
        self.url = url
        self.read_url = read_url or url
        self.expected_model = expected_model
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None  # opened on the first read

    def _open_pool(self) -> ConnectionPool:
        """The pool, opened on first use; a database that is down fails fast, then is
        tried again on the next request."""
        if self._pool is None:
            connect(self.read_url).close()  # says why when the database cannot be reached
            pool = ConnectionPool(
                self.read_url,
                min_size=1,
                max_size=self.pool_size,
                kwargs={"options": f"-c search_path={SCHEMA},public"},
                configure=_snapshots,
                open=False,
            )
            try:
                pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            except PoolTimeout as error:
                pool.close()
                raise IndexUnavailable(f"the index database does not answer: {error}") from None
            self._pool = pool
        return self._pool

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """One repeatable-read snapshot: a question never sees half of an update."""
        pool = self._open_pool()
        try:
            with pool.connection(timeout=30) as db:
                yield PostgresReader(db, self.expected_model)
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise IndexUnavailable(f"the index database does not answer: {error}") from error

    def writer(
        self, embedder: Embedder, options: WriteOptions, rebuild: bool = False
    ) -> AbstractContextManager[IndexWriter]:
        return PostgresWriter(lambda: connect(self.url), embedder, options, rebuild)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _snapshots(db: psycopg.Connection) -> None:
    db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    db.read_only = True

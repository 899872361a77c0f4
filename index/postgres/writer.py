"""Write side over PostgreSQL: one update is one transaction, writers queue on a lock."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

import psycopg
from pgvector.psycopg import register_vector

from index.batching import BatchingWriter
from index.embedding.embed import Embedder
from index.errors import IndexWriteError
from index.ingest.analyzer import terms
from index.interface import Manifest, WriteOptions
from index.postgres.schema import (
    SCHEMA,
    SCHEMA_VERSION,
    WRITER_LOCK,
    add_stories,
    create_schema,
    create_search_indexes,
    schema_exists,
)
from index.prepare import Prepared
from index.sql import check_model
from index.stories import assign, backfill, band_rows

T = TypeVar("T")
TITLE_WEIGHT = 0.5  # as the embedded backend's bm25(chunks_fts, 0.5, 1.0)
NEXT = f"{SCHEMA}_next"  # a rebuild fills this schema, then takes SCHEMA's name at commit


def _database_errors(method: Callable[..., T]) -> Callable[..., T]:
    """A failing database (full disk, lost connection) becomes one clear error; the
    transaction is rolled back by __exit__, so the index in use is unchanged."""

    @functools.wraps(method)
    def guarded(self: PostgresWriter, *args: object) -> T:
        try:
            return method(self, *args)
        except psycopg.Error as error:
            raise IndexWriteError(
                f"cannot write the index database: {error} (the index in use is unchanged)"
            ) from error

    return guarded


class PostgresWriter(BatchingWriter):
    """Usage: `with PostgresWriter(...) as w: w.add(article); w.remove(id); w.commit()`.

    Nothing is visible to readers before commit(); leaving the block without it (an error,
    a crash, a lost connection) rolls the whole update back.
    """

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        embedder: Embedder,
        options: WriteOptions,
        rebuild: bool = False,
    ) -> None:
        super().__init__(embedder, options)
        self.connect = connect
        self.rebuild = rebuild
        self._term_changes: Counter[str] = Counter()

    def __enter__(self) -> PostgresWriter:
        self.db = self.connect()
        try:
            self._begin()
        except BaseException:
            self.db.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.batches.close()
        if not self.db.closed:
            self.db.rollback()  # a no-op after commit()
            self.db.close()

    @_database_errors
    def _begin(self) -> None:
        # Blocks until the writer before us commits or rolls back: updates queue up.
        self.db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        self._open_schema()
        register_vector(self.db)

    def _open_schema(self) -> None:
        manifest = Manifest()
        if self.rebuild or not schema_exists(self.db):
            self.db.execute(f"DROP SCHEMA IF EXISTS {NEXT} CASCADE")
            create_schema(self.db, NEXT, self.embedder.dimension)
            self.schema = NEXT
        else:
            self.schema = SCHEMA
            manifest = Manifest.from_dict(
                dict(self.db.execute("SELECT key, value FROM manifest").fetchall())
            )
            check_model(manifest, self.embedder.identity, "the index database")
        self.db.execute("SELECT set_config('search_path', %s, true)", (f"{self.schema},public",))
        if self.schema == SCHEMA and (manifest.schema_version or 1) < 2:
            add_stories(self.db, SCHEMA)  # an index of schema 1: its stories, once
            backfill(self._rows, self._store_story)

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.db.execute(sql.replace("?", "%s"), params).fetchall()

    def _store_story(self, article_id: str, story: str, keys: list[int]) -> None:
        self.db.execute("UPDATE articles SET story = %s WHERE id = %s", (story, article_id))
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO story_bands VALUES (%s, %s)", band_rows(article_id, keys)
            )

    @_database_errors
    def known(self) -> dict[str, tuple[str, str | None]]:
        """Article id → (content hash, origin) of what the index holds now."""
        rows = self.db.execute("SELECT id, content_hash, origin FROM articles")
        return {r[0]: (r[1], r[2]) for r in rows}

    @_database_errors
    def _delete(self, article_id: str) -> bool:
        held = self.db.execute(
            "SELECT p.term, count(*) FROM postings p JOIN chunks c ON c.id = p.chunk_id "
            "WHERE c.article_id = %s GROUP BY p.term",
            (article_id,),
        )
        self._term_changes.subtract(dict(held.fetchall()))
        deleted = self.db.execute("DELETE FROM articles WHERE id = %s", (article_id,))
        return bool(deleted.rowcount)

    @_database_errors
    def _insert(self, item: Prepared) -> None:
        a = item.article
        story, keys = assign(self._rows, a.id, a.text)
        self.db.execute(
            "INSERT INTO articles (id, title, date, url, source, language, text, content_hash, "
            "origin, story) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                a.id,
                a.title,
                a.date,
                a.url,
                a.source,
                a.language,
                a.text,
                a.content_hash,
                a.origin,
                story,
            ),
        )
        with self.db.cursor() as cursor:
            cursor.executemany("INSERT INTO story_bands VALUES (%s, %s)", band_rows(a.id, keys))
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO paragraphs VALUES (%s, %s, %s, %s, %s)",
                [(a.id, n, p.kind, p.start, p.end) for n, p in enumerate(a.paragraphs)],
            )
            cursor.executemany(
                "INSERT INTO sentences VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (a.id, s.position, s.paragraph, s.start, s.end, vector.tobytes())
                    for s, vector in zip(a.sentences, item.sentence_vectors, strict=True)
                ],
            )
        self._insert_chunks(item)

    def _insert_chunks(self, item: Prepared) -> None:
        """Chunks with their vectors, and their postings for keyword search."""
        a = item.article
        ids = [
            row[0]
            for row in self.db.execute(
                "SELECT nextval(pg_get_serial_sequence('chunks', 'id')) "
                "FROM generate_series(1, %s)",
                (len(item.chunks),),
            )
        ]
        title = terms(a.title, a.language)
        bodies = [terms(chunk.text, a.language) for chunk in item.chunks]
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO chunks VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (i, a.id, c.position, c.first_sentence, c.last_sentence, c.text, vector, n)
                    for i, c, vector, n in zip(
                        ids, item.chunks, item.chunk_vectors, _lengths(title, bodies), strict=True
                    )
                ],
            )
            with cursor.copy("COPY postings FROM STDIN") as copy:
                for chunk_id, body in zip(ids, bodies, strict=True):
                    weighted = term_frequencies(title, body)
                    self._term_changes.update(weighted.keys())
                    for term, frequency in weighted.items():
                        copy.write_row((term, chunk_id, frequency, len(title) + len(body)))

    @_database_errors
    def commit(self) -> str:
        self.batches.finish()
        self._store_term_counts()
        self._store_manifest()
        if self.schema == NEXT:
            create_search_indexes(self.db, NEXT)
            self.db.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            self.db.execute(f"ALTER SCHEMA {NEXT} RENAME TO {SCHEMA}")
        self.db.commit()
        return SCHEMA

    def _store_term_counts(self) -> None:
        changes = [(term, n) for term, n in self._term_changes.items() if n]
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO term_counts VALUES (%s, %s) ON CONFLICT (term) "
                "DO UPDATE SET chunks = term_counts.chunks + excluded.chunks",
                changes,
            )
        self.db.execute("DELETE FROM term_counts WHERE chunks <= 0")
        self._term_changes.clear()

    def _store_manifest(self) -> None:
        counts = {
            name: self.db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]
            for name in ("articles", "sentences", "chunks")
        }
        average = self.db.execute("SELECT coalesce(avg(length), 1) FROM chunks").fetchone()
        revision = self.db.execute("SELECT value FROM manifest WHERE key = 'revision'").fetchone()
        manifest = {
            "schema_version": SCHEMA_VERSION,
            **self.embedder.manifest(),
            "chunk_sentences": self.options.chunk_sentences,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "average_length": float(average[0]) if average else 1.0,
            "revision": (int(revision[0]) if revision else 0) + 1,
            **counts,
        }
        with self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO manifest VALUES (%s, %s::jsonb) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(key, json.dumps(value)) for key, value in manifest.items()],
            )


def _lengths(title: list[str], bodies: list[list[str]]) -> list[int]:
    return [len(title) + len(body) for body in bodies]


def term_frequencies(title: list[str], body: list[str]) -> dict[str, float]:
    """Occurrences per term, a title one counting 0.5: FTS5's bm25() column weights."""
    counts: dict[str, float] = {}
    for weight, words in ((TITLE_WEIGHT, title), (1.0, body)):
        for term in words:
            counts[term] = counts.get(term, 0.0) + weight
    return counts

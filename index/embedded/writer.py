"""Write side: build the next generation aside, then publish it in one atomic switch."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import faiss
import numpy as np

from index.batching import BatchingWriter
from index.embedded.graph import Graph
from index.embedded.layout import current_generation, new_generation, publish, sweep, writer_lock
from index.embedded.store import DATABASE, MANIFEST, SCHEMA_VERSION, VECTORS, connect
from index.embedding.embed import Embedder
from index.errors import IndexMissing, IndexWriteError
from index.ingest.analyzer import terms
from index.ingest.article import Article
from index.ingest.chunks import Chunk
from index.interface import Manifest, WriteOptions
from index.prepare import Prepared
from index.sql import check_model
from index.stories import assign, backfill, band_rows

# SQLite result codes (low byte) that mean the disk, not the data: PERM, READONLY, IOERR,
# FULL, CANTOPEN.
_SQLITE_STORAGE_CODES = {3, 8, 10, 13, 14}


class Writer(BatchingWriter):
    """Usage: `with Writer(dir, embedder) as w: w.add(article); w.remove(id); w.commit()`.

    Leaving the block without commit() (an error, a crash) leaves the live index untouched.
    """

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        options: WriteOptions,
        rebuild: bool = False,
    ) -> None:
        super().__init__(embedder, options)
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.index_type = options.index_type  # None: as the live generation, else flat
        self._lock = writer_lock(index_dir)

    def __enter__(self) -> Writer:
        self.published: Path | None = None
        try:
            self._lock.__enter__()
        except OSError as error:  # the folder or its lock file cannot be created
            raise self._write_error(error) from error
        try:
            sweep(self.index_dir)
            self.staged = new_generation(self.index_dir)
            self._open_staged()
        except BaseException as error:
            self._abandon()
            self._lock.__exit__(None, None, None)
            if _is_storage_error(error):
                raise self._write_error(error) from error
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.batches.close()
            if self.staged.exists():
                self._abandon()
        finally:
            self._lock.__exit__(kind, error, tb)
        if error is not None and _is_storage_error(error):
            raise self._write_error(error) from error

    def _write_error(self, error: BaseException) -> IndexWriteError:
        """A full disk or a read-only folder: one clear line, and what is still live."""
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            reason += f": {error.filename}" if error.filename else ""
        else:
            reason = f"SQLite: {error} (is the disk full or read-only?)"
        state = (
            f"{self.published.name} was published"
            if self.published
            else "the index in use is unchanged"
        )
        return IndexWriteError(f"cannot write the index in {self.index_dir}: {reason} ({state})")

    def _abandon(self) -> None:
        if hasattr(self, "db"):
            self.db.close()
        shutil.rmtree(getattr(self, "staged", Path("/nonexistent")), ignore_errors=True)

    def _open_staged(self) -> None:
        previous = None if self.rebuild else _live_or_none(self.index_dir)
        self.graph: Graph | None = None
        if previous is not None:
            manifest = Manifest.from_dict(json.loads((previous / MANIFEST).read_text()))
            check_model(manifest, self.embedder.identity, f"the index in {self.index_dir}")
            self.index_type = self.index_type or manifest.index_type
            shutil.copyfile(previous / DATABASE, self.staged / DATABASE)
            self.vectors = faiss.read_index(str(previous / VECTORS))
            self.graph = Graph.load(previous) if self.index_type == "hnsw" else None
        else:
            base = faiss.IndexFlatIP(self.embedder.dimension)
            self.vectors = faiss.IndexIDMap2(base)
        self.db = connect(self.staged / DATABASE, readonly=False)
        # The staged copy is private until published, and fsynced then.
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        if previous is None:
            self.db.executescript(
                resources.files("index.embedded").joinpath("schema.sql").read_text()
            )
        elif not _has_column(self.db, "articles", "story"):
            self._add_stories()

    def _add_stories(self) -> None:
        """An index of schema 1 gets schema 2's wire copies, once, in its next update."""
        self.db.executescript(
            """ALTER TABLE articles ADD COLUMN story TEXT;
            CREATE INDEX articles_story ON articles(story);
            CREATE TABLE story_bands (
                key INTEGER NOT NULL,
                article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE);
            CREATE INDEX story_bands_key ON story_bands(key);
            CREATE INDEX story_bands_article ON story_bands(article_id);"""
        )
        backfill(self._rows, self._store_story)

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.db.execute(sql, params)]

    def _store_story(self, article_id: str, story: str, keys: list[int]) -> None:
        self.db.execute("UPDATE articles SET story = ? WHERE id = ?", (story, article_id))
        self.db.executemany("INSERT INTO story_bands VALUES (?, ?)", band_rows(article_id, keys))

    def known(self) -> dict[str, tuple[str, str | None]]:
        """Article id → (content hash, origin) of what the index holds now."""
        rows = self.db.execute("SELECT id, content_hash, origin FROM articles")
        return {r[0]: (r[1], r[2]) for r in rows}

    def _delete(self, article_id: str) -> bool:
        ids = [
            r[0]
            for r in self.db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))
        ]
        if ids:
            self.vectors.remove_ids(np.array(ids, dtype=np.int64))
            if self.graph is not None:
                self.graph.remove(np.array(ids, dtype=np.int64))
            self.db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
        deleted = self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount
        return bool(deleted)

    def _insert(self, item: Prepared) -> None:
        self._insert_article(item.article, iter(item.sentence_vectors))
        ids = [self._insert_chunk(item.article, chunk) for chunk in item.chunks]
        if ids:
            self.vectors.add_with_ids(item.chunk_vectors, np.array(ids, dtype=np.int64))
            if self.graph is not None:
                self.graph.add(item.chunk_vectors, np.array(ids, dtype=np.int64))

    def _insert_article(self, article: Article, sentence_vectors: Iterator[np.ndarray]) -> None:
        story, keys = assign(self._rows, article.id, article.text)
        self.db.execute(
            "INSERT INTO articles (id, title, date, url, source, language, text, content_hash, "
            "origin, story) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.title,
                article.date,
                article.url,
                article.source,
                article.language,
                article.text,
                article.content_hash,
                article.origin,
                story,
            ),
        )
        self.db.executemany("INSERT INTO story_bands VALUES (?, ?)", band_rows(article.id, keys))
        self.db.executemany(
            "INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?)",
            [(article.id, n, p.kind, p.start, p.end) for n, p in enumerate(article.paragraphs)],
        )
        self.db.executemany(
            "INSERT INTO sentences (article_id, position, paragraph, start, end, vector) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    article.id,
                    s.position,
                    s.paragraph,
                    s.start,
                    s.end,
                    next(sentence_vectors).tobytes(),
                )
                for s in article.sentences
            ],
        )

    def _insert_chunk(self, article: Article, chunk: Chunk) -> int:
        cursor = self.db.execute(
            "INSERT INTO chunks (article_id, position, first_sentence, last_sentence, text) "
            "VALUES (?, ?, ?, ?, ?)",
            (article.id, chunk.position, chunk.first_sentence, chunk.last_sentence, chunk.text),
        )
        chunk_id = int(cursor.lastrowid or 0)
        self.db.execute(
            "INSERT INTO chunks_fts (rowid, title, body) VALUES (?, ?, ?)",
            (
                chunk_id,
                " ".join(terms(article.title, article.language)),
                " ".join(terms(chunk.text, article.language)),
            ),
        )
        return chunk_id

    def commit(self) -> Path:
        self.batches.finish()
        self.db.commit()
        counts = {
            name: self.db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in ("articles", "sentences", "chunks")
        }
        self.db.close()
        _write_vectors(self.vectors, self.staged / VECTORS)
        if self.index_type == "hnsw":  # updated in place; built when new or too masked
            graph = self.graph or Graph.build(self.vectors)
            graph.settled(self.vectors).save(self.staged, _write_vectors)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            **self.embedder.manifest(),
            "index_type": self.index_type or "flat",
            "chunk_sentences": self.options.chunk_sentences,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **counts,
        }
        (self.staged / MANIFEST).write_text(json.dumps(manifest, indent=2))
        self.published = publish(self.index_dir, self.staged)
        sweep(self.index_dir)
        return self.published


def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))


def _is_storage_error(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_STORAGE_CODES
    return isinstance(error, OSError)


def _write_vectors(index: faiss.Index, path: Path) -> None:
    """FAISS reports a failed write as a RuntimeError of C++ text: make it an OSError."""
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as error:
        detail = str(error).strip().splitlines()[-1]
        raise OSError(errno.EIO, f"{path.name} not written ({detail})", str(path)) from error


def _live_or_none(index_dir: Path) -> Path | None:
    try:
        return current_generation(index_dir)
    except IndexMissing:
        return None

"""Read side of the embedded store: one live generation, SQLite + FAISS, opened read-only."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.embedded.graph import Graph
from index.embedded.layout import current_generation
from index.embedding.encoders import EncoderId
from index.errors import IndexCorrupt
from index.filters import NO_FILTERS, Filters
from index.interface import Manifest, Stats
from index.sql import SqlRowReads, check_model, filter_clause

SCHEMA_VERSION = 2  # 2: wire copies (stories.py); 1 reads with one story per article
DATABASE, VECTORS, MANIFEST = "articles.sqlite", "vectors.faiss", "manifest.json"
# Batched flat search is ~10x faster with BLAS kicking in early (see DESIGN "Models").
faiss.cvar.distance_compute_blas_threshold = 20


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    # A live generation never changes: immutable=1 reads it without locks or journals.
    uri = f"file:{path}?mode=ro&immutable=1" if readonly else f"file:{path}"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db


class Store(SqlRowReads):
    """The live generation of an index folder; stays usable after a newer one is published."""

    def __init__(self, generation: Path, expected_model: str | EncoderId | None = None) -> None:
        self.generation = generation
        try:
            self.manifest = Manifest.from_dict(json.loads((generation / MANIFEST).read_text()))
            self.db = connect(generation / DATABASE, readonly=True)
            self.vectors = faiss.read_index(str(generation / VECTORS))
            self.graph = Graph.load(generation)
        except (OSError, ValueError, RuntimeError, sqlite3.Error) as error:
            raise IndexCorrupt(f"index generation {generation} does not open: {error}") from error
        check_model(self.manifest, expected_model, f"the index in {generation.parent}")

    @classmethod
    def open(cls, index_dir: Path, expected_model: str | EncoderId | None = None) -> Store:
        return cls(current_generation(index_dir), expected_model)

    def close(self) -> None:
        self.db.close()

    @property
    def version(self) -> str:
        return self.generation.name

    @property
    def model(self) -> str:
        return str(self.manifest.model)

    def allowed_chunks(self, filters: Filters) -> np.ndarray | None:
        if filters.empty:
            return None
        condition, params = filter_clause(filters)
        rows = self.db.execute(
            f"SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE {condition}",
            params,
        )
        return np.fromiter((row[0] for row in rows), dtype=np.int64)

    def search_dense(
        self, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS
    ) -> list[tuple[int, float]]:
        """Chunk ids and cosine similarities, best first."""
        allowed = self.allowed_chunks(filters)
        if allowed is not None and not len(allowed):
            return []
        selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
        if self.graph is not None and selector is None:
            scores, ids = self.graph.search(vector, k)
        else:  # exact under a filter: a graph walk may meet none of a few allowed chunks
            params = faiss.SearchParameters(sel=selector) if selector else None
            scores, ids = self.vectors.search(vector.reshape(1, -1), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def search_keyword(
        self, terms: list[str], k: int, filters: Filters = NO_FILTERS, title_weight: float = 0.5
    ) -> list[tuple[int, float]]:
        """Chunk ids and BM25 scores (higher is better) for any of the stemmed terms."""
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in dict.fromkeys(terms))
        rank = "bm25(chunks_fts, ?, 1.0)"
        if filters.empty:  # no join: half the time on large indexes (bench/ask_latency.py)
            query = f"SELECT rowid, -{rank} FROM chunks_fts WHERE chunks_fts MATCH ?"
            params: list[object] = [title_weight, match]
        else:
            condition, where = filter_clause(filters)
            query = f"""SELECT f.rowid, -{rank} FROM chunks_fts f JOIN chunks c ON c.id = f.rowid
                JOIN articles a ON a.id = c.article_id WHERE chunks_fts MATCH ? AND {condition}"""
            params = [title_weight, match, *where]
        rows = self.db.execute(f"{query} ORDER BY {rank} LIMIT ?", [*params, title_weight, k])
        return [(int(r[0]), float(r[1])) for r in rows]

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        unique = list(dict.fromkeys(terms))
        marks = ",".join("?" * len(unique))
        rows = self.db.execute(
            f"SELECT term, doc FROM chunks_vocab WHERE term IN ({marks})", unique
        )
        return {r[0]: int(r[1]) for r in rows}

    def dense_scores(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        """Exact cosine of the query with chunks that the top-k search did not return."""
        if not chunk_ids:
            return {}
        stored = self.vectors.reconstruct_batch(np.array(chunk_ids, dtype=np.int64))
        return dict(zip(chunk_ids, (stored @ vector.reshape(-1)).tolist(), strict=True))

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.db.execute(sql, params)]

    def stats(self) -> Stats:
        return {
            "backend": "embedded",
            "generation": self.generation.name,
            "model": self.manifest.model,
            "dimension": self.manifest.dimension,
            "encoder": self.manifest.encoder,
            "precision": self.manifest.precision,
            **self.counts(),
            "vectors": self.vectors.ntotal,
            "built_at": self.manifest.built_at,
            "schema_version": self.manifest.schema_version,
        }

    def check(self) -> list[str]:
        """Problems found (empty when the index is sound)."""
        problems = []
        integrity = self.db.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"SQLite integrity: {integrity}")
        chunk_ids = {r[0] for r in self.db.execute("SELECT id FROM chunks")}
        fts_ids = {r[0] for r in self.db.execute("SELECT rowid FROM chunks_fts")}
        faiss_ids = set(faiss.vector_to_array(self.vectors.id_map).tolist())
        if chunk_ids != faiss_ids:
            problems.append(f"FAISS ids differ from chunk ids ({len(faiss_ids ^ chunk_ids)} ids)")
        if chunk_ids != fts_ids:
            problems.append("full-text rows differ from chunks")
        if self.graph is not None and self.graph.ids() - self.graph.masked != chunk_ids:
            problems.append("HNSW graph ids, less the masked ones, differ from chunk ids")
        stats = self.stats()
        for name in ("articles", "sentences", "chunks"):
            if getattr(self.manifest, name) != stats[name]:
                problems.append(
                    f"manifest counts {getattr(self.manifest, name)} {name}, found {stats[name]}"
                )
        return problems

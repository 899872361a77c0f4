"""Read side over PostgreSQL: dense search with pgvector's HNSW, BM25 over tsvectors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import psycopg

from index.embedding.encoders import EncoderId
from index.errors import IndexCorrupt, IndexMissing
from index.filters import NO_FILTERS, Filters
from index.interface import Manifest, Stats
from index.postgres.schema import READABLE_VERSIONS, SCHEMA_VERSION
from index.sql import SqlRowReads, check_model, filter_clause

# FTS5's bm25() constants: the embedded backend ranks keywords with the same formula.
K1, B = 1.2, 0.75
SEARCH_INDEXES = {"chunks_embedding", "postings_pkey", "postings_chunk"}


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector.reshape(-1).tolist()) + "]"


class PostgresReader(SqlRowReads):
    """One snapshot of the database (the connection is in a repeatable-read transaction)."""

    def __init__(
        self, db: psycopg.Connection, expected_model: str | EncoderId | None = None
    ) -> None:
        self.db = db
        self.manifest = self._manifest()
        check_model(self.manifest, expected_model, "the index database")

    def _manifest(self) -> Manifest:
        try:
            rows = self.db.execute("SELECT key, value FROM manifest").fetchall()
        except psycopg.errors.UndefinedTable:
            raise IndexMissing(
                "no index in the database yet: build one with `qa index build FOLDER`"
            ) from None
        manifest: dict[str, Any] = dict(rows)
        if manifest.get("schema_version") not in READABLE_VERSIONS:
            raise IndexCorrupt(
                f"the database holds schema version {manifest.get('schema_version')}, "
                f"this qa reads version {SCHEMA_VERSION}"
            )
        return Manifest.from_dict(manifest)

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self.db.execute(sql.replace("?", "%s"), params).fetchall()

    @property
    def version(self) -> str:
        return f"revision-{self.manifest.revision}"

    @property
    def model(self) -> str:
        return str(self.manifest.model)

    def search_dense(
        self, vector: np.ndarray, k: int, filters: Filters = NO_FILTERS
    ) -> list[tuple[int, float]]:
        """Chunk ids and cosine similarities, best first: the HNSW graph, or with a filter
        an exact scan of the chunks that pass it (a graph search would stop short of k)."""
        literal = vector_literal(vector)
        if filters.empty:
            # The graph returns at most ef_search rows: ask for more than k.
            self.db.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)", (str(min(2 * k, 1000)),)
            )
            sql = """SELECT id, 1 - (embedding <=> %s::vector) FROM chunks
                     ORDER BY embedding <=> %s::vector LIMIT %s"""
            rows = self.db.execute(sql, (literal, literal, k)).fetchall()
        else:
            condition, params = filter_clause(filters, "%s")
            sql = f"""WITH passing AS MATERIALIZED (
                          SELECT c.id, c.embedding FROM chunks c
                          JOIN articles a ON a.id = c.article_id WHERE {condition})
                      SELECT id, 1 - (embedding <=> %s::vector) AS cosine FROM passing
                      ORDER BY cosine DESC LIMIT %s"""
            rows = self.db.execute(sql, [*params, literal, k]).fetchall()
        return [(int(i), float(s)) for i, s in rows]

    def search_keyword(
        self, terms: list[str], k: int, filters: Filters = NO_FILTERS, title_weight: float = 0.5
    ) -> list[tuple[int, float]]:
        """Chunk ids and BM25 scores, as FTS5's bm25() computes them (title weight 0.5,
        applied when the postings were written)."""
        frequencies = self.document_frequencies(terms)
        unique = [t for t in dict.fromkeys(terms) if t in frequencies]
        if not unique:
            return []
        total = max(int(self.manifest.chunks), 1)
        idf = [_idf(total, frequencies[t]) for t in unique]
        average = float(self.manifest.average_length or 1.0)
        condition, params = filter_clause(filters, "%s")
        join = (
            ""
            if filters.empty
            else "JOIN chunks c ON c.id = p.chunk_id JOIN articles a ON a.id = c.article_id"
        )
        rows = self.db.execute(
            f"""SELECT p.chunk_id, sum(q.idf * p.frequency * {K1 + 1} /
                       (p.frequency + {K1} * (1 - {B} + {B} * p.length / %s)))
                FROM unnest(%s::text[], %s::float8[]) AS q(term, idf)
                JOIN postings p ON p.term = q.term {join}
                WHERE {condition}
                GROUP BY p.chunk_id ORDER BY 2 DESC, p.chunk_id LIMIT %s""",
            [average, unique, idf, *params, k],
        ).fetchall()
        return [(int(i), float(s)) for i, s in rows]

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT term, chunks FROM term_counts WHERE term = ANY(%s)", (list(set(terms)),)
        )
        return {term: int(count) for term, count in rows}

    def dense_scores(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        """Exact cosine of the query with chunks that the top-k search did not return."""
        if not chunk_ids:
            return {}
        rows = self.db.execute(
            "SELECT id, 1 - (embedding <=> %s::vector) FROM chunks WHERE id = ANY(%s)",
            (vector_literal(vector), chunk_ids),
        )
        return {int(i): float(s) for i, s in rows}

    def stats(self) -> Stats:
        return {
            "backend": "postgres",
            "generation": self.version,
            "model": self.manifest.model,
            "dimension": self.manifest.dimension,
            "encoder": self.manifest.encoder,
            "precision": self.manifest.precision,
            **self.counts(),
            "vectors": self.manifest.chunks,
            "built_at": self.manifest.built_at,
            "schema_version": self.manifest.schema_version,
        }

    def check(self) -> list[str]:
        """Problems found (empty when the index is sound)."""
        problems = []
        counts = self.counts()
        for name in ("articles", "sentences", "chunks"):
            if getattr(self.manifest, name) != counts[name]:
                problems.append(
                    f"manifest counts {getattr(self.manifest, name)} {name}, found {counts[name]}"
                )
        recounted: dict[str, int] = dict(
            self.db.execute("SELECT term, count(*)::int FROM postings GROUP BY term").fetchall()
        )
        stored: dict[str, int] = dict(
            self.db.execute("SELECT term, chunks FROM term_counts").fetchall()
        )
        if recounted != stored:
            problems.append(f"term counts differ for {len(recounted.items() ^ stored.items())}")
        invalid = self.db.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT i.indisvalid"
        ).fetchall()
        problems += [f"index {name} is not valid" for (name,) in invalid]
        present = {
            name
            for (name,) in self.db.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            )
        }
        problems += [f"index {name} is missing" for name in SEARCH_INDEXES - present]
        return problems


def _idf(total: int, containing: int) -> float:
    """FTS5's idf: log((N - n + 0.5) / (n + 0.5)), floored at 1e-6 for very common terms."""
    value = math.log((total - containing + 0.5) / (containing + 0.5))
    return value if value > 0 else 1e-6

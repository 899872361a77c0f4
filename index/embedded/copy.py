"""Copy an embedded index into any backend, vectors included: moving to PostgreSQL (or
benchmarking it on the same vectors) costs no re-embedding."""

from collections.abc import Callable

import numpy as np

from index.embedded.store import Store
from index.ingest.chunks import Chunk
from index.interface import IndexWriter
from index.prepare import Prepared


def copy_index(
    source: Store, writer: IndexWriter, progress: Callable[[int], None] | None = None
) -> int:
    """Every article of `source` into `writer`; returns how many were copied."""
    ids = [row[0] for row in source.db.execute("SELECT id FROM articles ORDER BY id")]
    for done, article_id in enumerate(ids, start=1):
        writer.add_prepared(_prepared(source, article_id))
        if progress and done % 1000 == 0:
            progress(done)
    return len(ids)


def _prepared(source: Store, article_id: str) -> Prepared:
    article = source.article(article_id)
    rows = source.db.execute(
        "SELECT id, position, first_sentence, last_sentence, text FROM chunks "
        "WHERE article_id = ? ORDER BY position",
        (article_id,),
    ).fetchall()
    chunk_ids = np.array([r[0] for r in rows], dtype=np.int64)
    dimension = source.vectors.d
    chunk_vectors = (
        source.vectors.reconstruct_batch(chunk_ids) if len(rows) else np.zeros((0, dimension))
    )
    sentences = source.sentences(article_id, 0, len(article.sentences))
    return Prepared(
        article,
        [Chunk(*r[1:]) for r in rows],
        chunk_vectors.astype(np.float32),
        np.array([s.vector for s in sentences], dtype=np.float16).reshape(-1, dimension),
    )

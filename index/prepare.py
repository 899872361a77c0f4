"""Chunk and embed articles for any writer: the same texts go into either backend."""

from dataclasses import dataclass

import numpy as np

from .article import Article
from .chunks import Chunk, make_chunks
from .embed import Embedder


@dataclass
class Prepared:
    article: Article
    chunks: list[Chunk]
    chunk_vectors: np.ndarray  # float32, one row per chunk
    sentence_vectors: np.ndarray  # float16, one row per sentence: picks the answer


def prepare(
    articles: list[Article], embedder: Embedder, chunk_sentences: int, progress: bool = False
) -> list[Prepared]:
    """Every chunk (with its article's title, for context) and every sentence, embedded in
    one batch: encoding is ~99 % of an index build (bench/index_build.py)."""
    chunked = [(a, make_chunks(a, chunk_sentences)) for a in articles]
    chunk_texts = [f"{a.title}\n{c.text}" for a, chunks in chunked for c in chunks]
    sentence_texts = [a.sentence_text(s) for a in articles for s in a.sentences]
    vectors = embedder.encode_documents(chunk_texts + sentence_texts, progress=progress)
    chunk_vectors, sentence_vectors = vectors[: len(chunk_texts)], vectors[len(chunk_texts) :]
    prepared, c, s = [], 0, 0
    for article, chunks in chunked:
        n = len(article.sentences)
        prepared.append(
            Prepared(
                article,
                chunks,
                chunk_vectors[c : c + len(chunks)],
                sentence_vectors[s : s + n].astype(np.float16),
            )
        )
        c, s = c + len(chunks), s + n
    return prepared

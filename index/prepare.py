"""Chunk and embed articles for any writer: the same texts go into either backend."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.embedding.embed import Embedder
from index.ingest.article import Article
from index.ingest.chunks import Chunk, make_chunks


@dataclass
class Prepared:
    article: Article
    chunks: list[Chunk]
    chunk_vectors: np.ndarray  # float32, one row per chunk
    sentence_vectors: np.ndarray  # float16, one row per sentence: picks the answer


def texts_to_embed(articles: list[Article], chunk_sentences: int, chunk_vectors: str) -> int:
    """How many texts prepare() will embed for these articles (for progress)."""
    sentences = sum(len(a.sentences) for a in articles)
    if chunk_vectors == "pooled":
        return sentences + len(articles)  # and each title
    return sentences + sum(len(make_chunks(a, chunk_sentences)) for a in articles)


def prepare(
    articles: list[Article],
    embedder: Embedder,
    chunk_sentences: int,
    chunk_vectors: str = "pooled",
    progress: Callable[[int], None] | None = None,
) -> list[Prepared]:
    """Embed every sentence, and give every chunk a vector: pooled from the vectors of its
    sentences and its article's title (each text embedded once), or embedded from the
    chunk's own text with the title (`embedded`, each sentence embedded twice more)."""
    chunked = [(a, make_chunks(a, chunk_sentences)) for a in articles]
    sentence_texts = [a.sentence_text(s) for a in articles for s in a.sentences]
    if chunk_vectors == "pooled":
        other_texts = [a.title for a in articles]
    else:
        other_texts = _chunk_texts(chunked)
    vectors = embedder.encode_documents(sentence_texts + other_texts, progress)
    sentence_vectors = vectors[: len(sentence_texts)]
    others = vectors[len(sentence_texts) :]
    prepared, c, s = [], 0, 0
    for number, (article, chunks) in enumerate(chunked):
        n = len(article.sentences)
        mine = sentence_vectors[s : s + n]
        if chunk_vectors == "pooled":
            chunk_rows = _pooled(mine, others[number], chunks)
        else:
            chunk_rows = others[c : c + len(chunks)]
        prepared.append(Prepared(article, chunks, chunk_rows, mine.astype(np.float16)))
        c, s = c + len(chunks), s + n
    return prepared


def _chunk_texts(chunked: list[tuple[Article, list[Chunk]]]) -> list[str]:
    return [f"{a.title}\n{c.text}" for a, chunks in chunked for c in chunks]


def _pooled(sentence_vectors: np.ndarray, title: np.ndarray, chunks: list[Chunk]) -> np.ndarray:
    """The normalised mean of the vectors of each chunk's sentences and of the title, the
    texts an embedded chunk is made of ("{title}\n{sentences}")."""
    if not chunks:
        return np.zeros((0, sentence_vectors.shape[1]), dtype=np.float32)
    rows = np.stack(
        [
            (sentence_vectors[c.first_sentence : c.last_sentence + 1].sum(axis=0) + title)
            / (c.last_sentence - c.first_sentence + 2)
            for c in chunks
        ]
    ).astype(np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

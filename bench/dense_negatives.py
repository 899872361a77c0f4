"""The sentences of a -train split nearest each question by e5's own vectors: the wrong
sentences the product's dense retrieval puts before the reader, in any language. Term
overlap ("echoes", bench/reader_data.py) finds none for a question asked in the other
language; these do, so the reader learns the hard cases of cross-language questions too.

Sentence vectors are cached per split under data/reader-train-cache/ (they depend on the
split's articles and e5 only); question vectors are computed on each call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from split_data import split_dir

from index.embedding.embed import Embedder

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "reader-train-cache"
NEAREST = 12  # enough to find a few that hold no answer
BLOCK = 2048  # questions scored at a time: bounds the score matrix


def sentence_vectors(embedder: Embedder, split: str, texts: list[str]) -> np.ndarray:
    """The split's sentences in the order given, cached under the split's name (a folder
    split, the tests' tiny one, is not cached)."""
    if Path(split).is_dir():
        return embedder.encode_documents(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{split}-{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode_documents(texts)
    np.save(path.with_suffix(".tmp.npy"), vectors)
    path.with_suffix(".tmp.npy").replace(path)
    return vectors


def nearest(
    embedder: Embedder, questions: list[str], vectors: np.ndarray, k: int = NEAREST
) -> np.ndarray:
    """For each question, the rows of `vectors` with the highest cosine, best first."""
    prompt = embedder.encoder.prompts.get("query", "")
    asked = embedder.encoder.encode([prompt + q for q in questions], True, None)
    k = min(k, len(vectors) - 1)  # a tiny split has fewer sentences
    found = np.zeros((len(questions), k), dtype=np.int64)
    for start in range(0, len(questions), BLOCK):
        scores = asked[start : start + BLOCK] @ vectors.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        found[start : start + BLOCK] = np.take_along_axis(top, order, axis=1)
    return found


def split_names(split: str) -> list[str]:
    return sorted(p.name for p in (split_dir(split) / "articles").iterdir())

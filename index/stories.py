"""Wire copies: the same dispatch republished with light edits is linked as one story.

An article's text (not its title: outlets rewrite headlines) becomes a set of word
5-shingles. MinHash signatures cut into bands (locality-sensitive hashing) find candidate
copies with one indexed lookup, stored as rows beside the articles in either backend;
a candidate is a copy when the two texts share enough of their shingles (Jaccard). Chosen
by bench/duplicates.py (README, "Wire copies") over containment and sentence-vector
overlap, which also take a long article that quotes a whole dispatch for a copy of it.

A new article joins the story of its closest copy, else starts its own (story = its id).
Story ids are labels: when the first copy is removed, the others keep its id.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
PERMUTATIONS = 128
BANDS, ROWS = 64, 2  # a pair at Jaccard 0.39 (the bound) is a candidate 99.99 % of the time
MIN_JACCARD = 0.39  # fitted on copies of train articles (bench/duplicates.py)
MAX_CANDIDATES = 50  # verified per new article; boilerplate could make more collide
_WORD = re.compile(r"\w+")
_SEED = 1  # fixed: the bands of every index must agree

Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]  # SQL with `?`, parameters


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(found: set[str]) -> np.ndarray:
    sketch = MinHash(num_perm=PERMUTATIONS, seed=_SEED)
    sketch.update_batch([s.encode() for s in found])
    return sketch.hashvalues


def bands(found: set[str]) -> list[int]:
    """One signed 63-bit key per band: equal keys, equal band (a candidate pair)."""
    if not found:
        return []
    values = signature(found)
    keys = []
    for band in range(BANDS):
        part = values[band * ROWS : (band + 1) * ROWS].astype(np.uint64).tobytes()
        digest = hashlib.blake2b(bytes([band]) + part, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def jaccard(a: set[str], b: set[str]) -> float:
    """Shared shingles over all shingles of the two texts."""
    return len(a & b) / len(a | b) if a and b else 0.0


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the other: 1.0 for a copy cut short."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_story(rows: Rows, article_id: str, text: str, keys: list[int]) -> str:
    """The story of the closest copy already in the index, else the article's own id."""
    if not keys:
        return article_id
    marks = ",".join("?" * len(keys))
    candidates = rows(
        f"""SELECT b.article_id, count(*) AS shared FROM story_bands b
            WHERE b.key IN ({marks}) AND b.article_id <> ?
            GROUP BY b.article_id ORDER BY shared DESC, b.article_id LIMIT ?""",
        [*keys, article_id, MAX_CANDIDATES],
    )
    if not candidates:
        return article_id
    mine = shingles(text)
    ids = [c[0] for c in candidates]
    found = rows(
        f"SELECT id, story, text FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids
    )
    scored = [(jaccard(mine, shingles(other)), story or id_) for id_, story, other in found]
    best = max(scored, default=(0.0, article_id))
    return best[1] if best[0] >= MIN_JACCARD else article_id


def assign(rows: Rows, article_id: str, text: str) -> tuple[str, list[int]]:
    """The article's story and its band keys, to be stored with it."""
    keys = bands(shingles(text))
    return find_story(rows, article_id, text, keys), keys


def backfill(rows: Rows, store: Callable[[str, str, list[int]], None]) -> int:
    """Stories for an index built before them, oldest articles first (they head their
    stories); `store(article_id, story, keys)` writes one article's."""
    found = rows("SELECT id, text FROM articles ORDER BY date, id", [])
    for article_id, text in found:
        store(article_id, *assign(rows, article_id, text))
    return len(found)


def band_rows(article_id: str, keys: Iterable[int]) -> list[tuple[int, str]]:
    return [(key, article_id) for key in keys]

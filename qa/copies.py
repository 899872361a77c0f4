"""Wire copies in answers: a story is listed once among the sources, with the outlets that
also ran it, and quoted from its first copy (or the one from QA_PREFERRED_SOURCE).

Sentence selection is left alone: whichever copy's sentence wins, the same sentence is
then quoted from the preferred copy when that copy holds it.
"""

import numpy as np

from index.interface import Copy, Reader, SentenceRow
from qa.retrieve import Passage

SAME_SENTENCE = 0.95  # cosine from which two sentences are one, lightly edited


def story_of(passage: Passage) -> str:
    return passage.chunk.story or passage.chunk.article_id


def one_per_story(passages: list[Passage]) -> list[Passage]:
    """Passages of the first-ranked copy of each story; the other copies' are dropped."""
    chosen: dict[str, str] = {}
    kept = []
    for passage in passages:
        article = chosen.setdefault(story_of(passage), passage.chunk.article_id)
        if article == passage.chunk.article_id:
            kept.append(passage)
    return kept


def also_in(copies: dict[str, list[Copy]], story: str, article_id: str) -> list[Copy]:
    return [c for c in copies.get(story, []) if c.article_id != article_id]


def preferred(copies: list[Copy], source: str | None) -> Copy:
    """The copy from `source` (its site or outlet name) if there is one, else the first."""
    if source:
        wanted = source.lower()
        for copy in copies:
            if (copy.source or "").lower() == wanted or wanted in (copy.url or "").lower():
                return copy
    return copies[0]


def same_sentence(store: Reader, article_id: str, row: SentenceRow) -> SentenceRow | None:
    """The sentence of another copy that says what `row` says: the same text, else the
    closest one from SAME_SENTENCE on (a word changed by the outlet)."""
    rows = store.sentences(article_id, 0, 1_000_000)
    for other in rows:
        if other.text == row.text:
            return other
    if not rows:
        return None
    mine = row.vector.astype(np.float32)
    cosines = [float(np.dot(other.vector.astype(np.float32), mine)) for other in rows]
    best = int(np.argmax(cosines))
    return rows[best] if cosines[best] >= SAME_SENTENCE else None

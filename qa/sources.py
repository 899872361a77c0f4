"""Sources one entry per article: the best passages (the answer's `sources`) grouped by the
article they are from.

A story retrieved five times is one source with "5 passages", not five sources under one
title; the quoted article comes first, and its entry points at its best passage that does not
hold the quoted sentence, so the list never repeats the quote.
"""

from qa.models import ArticleSource, BestPassage, Copy, Quote
from qa.retrieve import Passage


def by_article(
    passages: list[Passage],
    quote: Quote | None,
    listed: int,
    also_in: dict[str, list[Copy]] | None = None,
) -> list[ArticleSource]:
    """The articles of the `listed` best passages (ranked best first), the quoted one before
    all, each with its best passage, how many of those passages are its own, and the other
    copies of its wire story (`also_in`, by article id)."""
    groups: dict[str, list[Passage]] = {}
    for passage in passages[:listed]:
        groups.setdefault(passage.chunk.article_id, []).append(passage)
    copies = also_in or {}
    story = _quoted_story(quote, copies) if quote is not None else None
    if story is not None:  # first, even when its passages ranked below the listed ones
        own = groups.get(story) or [p for p in passages if p.chunk.article_id == story]
        groups = {story: own} | groups if own else groups
    return [
        _entry(found, quote, article_id == story, copies.get(article_id, []))
        for article_id, found in groups.items()
    ]


def _quoted_story(quote: Quote, copies: dict[str, list[Copy]]) -> str:
    """The listed article whose story is quoted: the quoted article, or the copy listed for
    it when the quote comes from another copy (the earliest, or the preferred outlet's)."""
    for article_id, others in copies.items():
        if any(c.article_id == quote.article_id for c in others):
            return article_id
    return quote.article_id


def _entry(
    passages: list[Passage], quote: Quote | None, quoted: bool, also_in: list[Copy]
) -> ArticleSource:
    """`quoted`: its story is the quote's (the quote may come from another copy of it)."""
    chunk = passages[0].chunk
    same = quote is not None and quote.article_id == chunk.article_id
    shown = [p for p in passages if not (same and quote and _holds(p, quote))]
    return ArticleSource(
        article_id=chunk.article_id,
        title=chunk.title,
        date=chunk.date,
        url=chunk.url,
        source=chunk.source,
        language=chunk.language,
        quoted=quoted,
        passages=len(passages),
        score=round(passages[0].score, 4),
        best=_best(shown[0]) if shown else None,
        also_in=also_in,
    )


def _holds(passage: Passage, quote: Quote) -> bool:
    chunk = passage.chunk
    return chunk.first_sentence <= quote.sentence_index <= chunk.last_sentence


def _best(passage: Passage) -> BestPassage:
    chunk = passage.chunk
    return BestPassage(
        chunk_id=chunk.chunk_id,
        first_sentence=chunk.first_sentence,
        last_sentence=chunk.last_sentence,
        score=round(passage.score, 4),
        text=chunk.text,
    )

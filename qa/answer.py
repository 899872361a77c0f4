"""Answer a question: retrieve passages, pick the sentence, quote it or say "not found"."""

import re
import time
from dataclasses import dataclass, field
from functools import cache

from index.embedding.embed import Embedder
from index.filters import Filters
from index.ingest.language import detect_language
from index.interface import ChunkHit, Copy, Reader, SentenceRow
from qa import copies as wire
from qa.highlight import Span, mark
from qa.models import NOT_FOUND, Answer, Quote, Source
from qa.models import Copy as CopyModel
from qa.reading import Reading
from qa.retrieve import Passage, Query, Retriever
from qa.scorer import Scorer, shipped
from qa.select import Choice, pick_sentence
from qa.sources import by_article
from qa.timed import search_in_time
from qa.when import warm_up as warm_up_dates

# A follow-up that leans on the previous question: "Et combien… ?", "And who…?".
_ELLIPTIC = re.compile(
    r"^\s*(et|mais|puis|alors|aussi|and|but|also|so|then|what about|et pour)\b", re.I
)


@cache
def _load_language_models() -> None:
    """Now, once per process, not on the first question (answerers are made per request
    over PostgreSQL: one per snapshot)."""
    detect_language("warm up")
    warm_up_dates()


@dataclass(frozen=True)
class AnswerLimits:
    """How deep to search, how many sources to list, and how sure to be before quoting;
    the application fills them from its settings."""

    top_k: int = 5  # sources listed with an answer
    candidates: int = 50  # passages each retriever returns
    min_confidence: float | None = None  # below: "not found"; None: the scorer's threshold
    preferred_source: str | None = None  # whose copy of a wire story is quoted


@dataclass
class Answerer:
    store: Reader
    embedder: Embedder
    limits: AnswerLimits
    retriever: Retriever
    scorer: Scorer = field(default_factory=shipped)  # the learned one (qa/scorer.json)
    reading: Reading | None = None  # the answer reader, which then picks

    def __post_init__(self) -> None:
        _load_language_models()

    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        history: list[str] | None = None,
        read_dates: bool = True,
    ) -> Answer:
        started = time.perf_counter()
        query = self.query(question, history or [])
        depth = max(k or self.limits.top_k, self.limits.candidates)
        query, passages, applied = search_in_time(
            self.retriever, self.store, query, depth, filters or Filters(), read_dates
        )
        choice = pick_sentence(self.store, query, passages, self.scorer, self.reading)
        # Rounded first, so that the confidence shown and the threshold agree.
        confidence = round(choice.confidence, 3) if choice else 0.0
        found = choice is not None and confidence >= self.threshold(query.language)
        copies = self.store.story_copies([wire.story_of(p) for p in passages])
        best = self._quote(choice, query, copies) if choice else None
        quote = best if found else None
        stories = wire.one_per_story(passages)
        listed = stories[: k or self.limits.top_k]
        sources = [_source(p, copies) for p in listed]
        return Answer(
            found=found,
            answer=quote.text if quote else NOT_FOUND[query.language],
            quote=quote,
            closest=None if found else best,
            sources=sources,
            # All of them: the quoted article comes first even when it ranks below the listed.
            articles=by_article(
                stories, quote, len(listed), {s.article_id: s.also_in for s in sources}
            ),
            confidence=confidence,
            language=query.language,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            applied_filters=applied,
        )

    def threshold(self, language: str) -> float:
        """The limits' min_confidence if set; else the scorer's threshold of the question's
        language, whatever the article's: its confidence was trained on questions asked
        across languages too (bench/train_scorer.py), so such a quote needs no rule of its
        own."""
        chosen = self.limits.min_confidence
        if chosen is not None:
            return chosen
        if self.reading is not None:
            return self.reading.threshold(language)
        return self.scorer.threshold(language)

    def query(self, question: str, history: list[str]) -> Query:
        """The question, plus the previous question's words when this one leans on it."""
        language = detect_language(question, default=_history_language(history))
        earlier = history[-1] if history and is_follow_up(question) else ""
        return Query(question.strip(), language, self.embedder, extra_text=earlier)

    def _quote(self, choice: Choice, query: Query, copies: dict[str, list[Copy]]) -> Quote:
        """The chosen sentence, from the story's preferred copy when that copy holds it."""
        chunk, row = choice.candidate.passage.chunk, choice.candidate.sentence
        read = row.text
        where = _copy(chunk)
        story = chunk.story or chunk.article_id
        if copies.get(story):
            best = wire.preferred(copies[story], self.limits.preferred_source)
            same = None
            if best.article_id != chunk.article_id:
                same = wire.same_sentence(self.store, best.article_id, row)
            where, row = (best, same) if same is not None else (where, row)
        # The reader's answer words, unless the copy quoted words the sentence otherwise
        answer = choice.answer if row.text == read else None
        marks = mark(query.text, row.text, where.language, query.own_terms, answer)
        return self._quote_of(where, row, wire.also_in(copies, story, where.article_id), marks)

    def _quote_of(
        self,
        where: Copy,
        row: SentenceRow,
        others: list[Copy],
        marks: tuple[list[Span], list[Span]],
    ) -> Quote:
        """The quote of `row` in `where`, with its neighbours, copies and marked words."""
        answering, question_terms = marks
        around = self.store.sentences(where.article_id, row.position - 1, row.position + 1)
        before = next((s.text for s in around if s.position == row.position - 1), "")
        after = next((s.text for s in around if s.position == row.position + 1), "")
        return Quote(
            text=row.text,
            article_id=where.article_id,
            title=where.title,
            date=where.date,
            url=where.url,
            language=where.language,
            sentence_index=row.position,
            start=row.start,
            end=row.end,
            before=before,
            after=after,
            highlights=answering,
            term_highlights=question_terms,
            also_in=[_copy_model(c) for c in others],
        )


def is_follow_up(question: str) -> bool:
    return bool(_ELLIPTIC.match(question)) or len(question.split()) <= 3


def _history_language(history: list[str]) -> str:
    return detect_language(history[-1]) if history else "en"


def _source(passage: Passage, copies: dict[str, list[Copy]]) -> Source:
    chunk = passage.chunk
    others = wire.also_in(copies, wire.story_of(passage), chunk.article_id)
    return Source(
        article_id=chunk.article_id,
        title=chunk.title,
        date=chunk.date,
        url=chunk.url,
        chunk_id=chunk.chunk_id,
        score=round(passage.score, 4),
        text=chunk.text,
        also_in=[_copy_model(c) for c in others],
    )


def _copy(chunk: ChunkHit) -> Copy:
    return Copy(chunk.article_id, chunk.title, chunk.date, chunk.url, chunk.source, chunk.language)


def _copy_model(copy: Copy) -> CopyModel:
    return CopyModel(
        article_id=copy.article_id,
        title=copy.title,
        date=copy.date,
        url=copy.url,
        source=copy.source,
    )

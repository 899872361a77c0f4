"""Answer a question: retrieve passages, pick the sentence, quote it or say "not found"."""

import re
import time
from dataclasses import dataclass, field
from functools import cache

from embedding.embed import Embedder
from index.filters import Filters
from index.interface import Reader
from ingest.language import detect_language
from qa.highlight import mark
from qa.models import NOT_FOUND, Answer, Quote, Source
from qa.retrieve import Passage, Query, Retriever
from qa.select import Candidate, SentenceWeights, pick_sentence
from qa.sources import by_article

# A follow-up that leans on the previous question: "Et combien… ?", "And who…?".
_ELLIPTIC = re.compile(
    r"^\s*(et|mais|puis|alors|aussi|and|but|also|so|then|what about|et pour)\b", re.I
)


@cache
def _load_language_models() -> None:
    """Now, once per process, not on the first question (answerers are made per request
    over PostgreSQL: one per snapshot)."""
    detect_language("warm up")


@dataclass(frozen=True)
class AnswerLimits:
    """How deep to search, how many sources to list, and how sure to be before quoting;
    the application fills them from its settings."""

    top_k: int = 5  # sources listed with an answer
    candidates: int = 50  # passages each retriever returns
    min_confidence: float = 0.3  # below: "not found"


@dataclass
class Answerer:
    store: Reader
    embedder: Embedder
    limits: AnswerLimits
    retriever: Retriever
    shares: SentenceWeights = field(default_factory=SentenceWeights)

    def __post_init__(self) -> None:
        _load_language_models()

    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        history: list[str] | None = None,
    ) -> Answer:
        started = time.perf_counter()
        query = self.query(question, history or [])
        depth = max(k or self.limits.top_k, self.limits.candidates)
        passages = self.retriever.search(query, depth, filters or Filters())
        candidate = pick_sentence(self.store, query, passages, self.shares)
        confidence = min(max(candidate.score if candidate else 0.0, 0.0), 1.0)
        found = candidate is not None and confidence >= self.limits.min_confidence
        quote = self._quote(candidate, query) if found and candidate else None
        listed = k or self.limits.top_k
        return Answer(
            found=found,
            answer=quote.text if quote else NOT_FOUND[query.language],
            quote=quote,
            sources=[_source(p) for p in passages[:listed]],
            articles=by_article(passages, quote, listed),
            confidence=round(confidence, 3),
            language=query.language,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def query(self, question: str, history: list[str]) -> Query:
        """The question, plus the previous question's words when this one leans on it."""
        language = detect_language(question, default=_history_language(history))
        earlier = history[-1] if history and is_follow_up(question) else ""
        return Query(question.strip(), language, self.embedder, extra_text=earlier)

    def _quote(self, candidate: Candidate, query: Query) -> Quote:
        chunk, row = candidate.passage.chunk, candidate.sentence
        answering, question_terms = mark(query.text, row.text, chunk.language, query.own_terms)
        around = self.store.sentences(chunk.article_id, row.position - 1, row.position + 1)
        before = next((s.text for s in around if s.position == row.position - 1), "")
        after = next((s.text for s in around if s.position == row.position + 1), "")
        return Quote(
            text=row.text,
            article_id=chunk.article_id,
            title=chunk.title,
            date=chunk.date,
            url=chunk.url,
            language=chunk.language,
            sentence_index=row.position,
            start=row.start,
            end=row.end,
            before=before,
            after=after,
            highlights=answering,
            term_highlights=question_terms,
        )


def is_follow_up(question: str) -> bool:
    return bool(_ELLIPTIC.match(question)) or len(question.split()) <= 3


def _history_language(history: list[str]) -> str:
    return detect_language(history[-1]) if history else "en"


def _source(passage: Passage) -> Source:
    chunk = passage.chunk
    return Source(
        article_id=chunk.article_id,
        title=chunk.title,
        date=chunk.date,
        url=chunk.url,
        chunk_id=chunk.chunk_id,
        score=round(passage.score, 4),
        text=chunk.text,
    )

"""Answer a question: retrieve passages, pick the sentence, quote it or say "not found"."""

import re
import time
from dataclasses import dataclass, field
from functools import cache

from index.backend import Reader
from index.embed import Embedder
from index.filters import Filters
from index.language import detect_language

from .models import NOT_FOUND, Answer, Quote, Source
from .retrieve import Passage, Query, Retriever
from .scorer import Scorer, shipped
from .select import Candidate, pick_sentence
from .settings import Settings

# A follow-up that leans on the previous question: "Et combien… ?", "And who…?".
_ELLIPTIC = re.compile(
    r"^\s*(et|mais|puis|alors|aussi|and|but|also|so|then|what about|et pour)\b", re.I
)


@cache
def _load_language_models() -> None:
    """Now, once per process, not on the first question (answerers are made per request
    over PostgreSQL: one per snapshot)."""
    detect_language("warm up")


@dataclass
class Answerer:
    store: Reader
    embedder: Embedder
    settings: Settings
    retriever: Retriever
    scorer: Scorer = field(default_factory=shipped)  # the learned one (qa/scorer.json)

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
        depth = max(k or self.settings.top_k, self.settings.candidates)
        passages = self.retriever.search(query, depth, filters or Filters())
        choice = pick_sentence(self.store, query, passages, self.scorer)
        # Rounded first, so that the confidence shown and the threshold agree.
        confidence = round(choice.confidence, 3) if choice else 0.0
        found = choice is not None and confidence >= self.threshold(query.language)
        best = self._quote(choice.candidate) if choice else None
        return Answer(
            found=found,
            answer=best.text if found and best else NOT_FOUND[query.language],
            quote=best if found else None,
            closest=None if found else best,
            sources=[_source(p) for p in passages[: k or self.settings.top_k]],
            confidence=confidence,
            language=query.language,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def threshold(self, language: str) -> float:
        """QA_MIN_CONFIDENCE if set, else the scorer's threshold for the question's language."""
        chosen = self.settings.min_confidence
        return self.scorer.threshold(language) if chosen is None else chosen

    def query(self, question: str, history: list[str]) -> Query:
        """The question, plus the previous question's words when this one leans on it."""
        language = detect_language(question, default=_history_language(history))
        earlier = history[-1] if history and is_follow_up(question) else ""
        return Query(question.strip(), language, self.embedder, extra_text=earlier)

    def _quote(self, candidate: Candidate) -> Quote:
        chunk, row = candidate.passage.chunk, candidate.sentence
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

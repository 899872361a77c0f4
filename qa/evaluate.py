"""Score answers on a question file in the format of ../shared/eval (see its README).

hit@1: found, and the quoted sentence holds a gold answer as whole words after normalising;
abstention: an unanswerable question (no gold answers) is right when "not found";
recall@k / MRR: rank of the first source passage that holds a gold answer.
"""

import json
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa.models import Answer

_ELISION = re.compile(r"\b[ld]['’]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_ARTICLES = {"a", "an", "the", "le", "la", "les", "un", "une", "des", "du"}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[str]
    language: str


def load_questions(path: Path) -> list[Question]:
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [Question(r["id"], r["question"], r["answers"], r.get("language", "")) for r in rows]


def normalise(text: str) -> str:
    text = _PUNCTUATION.sub(" ", _ELISION.sub("", text.lower()))
    return " ".join(w for w in text.split() if w not in _ARTICLES)


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    haystack = f" {normalise(text)} "
    return any(n and f" {n} " in haystack for n in map(normalise, answers))


@dataclass
class Tally:
    answerable: int = 0
    hits: int = 0
    recall: dict[int, int] = field(default_factory=lambda: {1: 0, 5: 0, 10: 0})
    reciprocal_ranks: float = 0.0
    unanswerable: int = 0
    abstained_right: int = 0
    abstained_wrong: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, question: Question, answer: Answer) -> None:
        self.latencies.append(answer.took_ms)
        if not question.answers:
            self.unanswerable += 1
            self.abstained_right += not answer.found
            return
        self.answerable += 1
        self.abstained_wrong += not answer.found
        self.hits += bool(answer.quote) and contains_answer(answer.answer, question.answers)
        ranks = [
            i
            for i, s in enumerate(answer.sources[:10])
            if contains_answer(s.text, question.answers)
        ]
        if ranks:
            self.reciprocal_ranks += 1 / (ranks[0] + 1)
            for k in self.recall:
                self.recall[k] += ranks[0] < k

    def report(self) -> dict[str, float | int | None]:
        n, abstained = self.answerable or 1, self.abstained_right + self.abstained_wrong
        latencies = sorted(self.latencies) or [0.0]
        return {
            "questions": self.answerable + self.unanswerable,
            "hit@1": round(self.hits / n, 4),
            **{f"recall@{k}": round(v / n, 4) for k, v in self.recall.items()},
            "mrr": round(self.reciprocal_ranks / n, 4),
            "abstention_precision": round(self.abstained_right / abstained, 4)
            if abstained
            else None,
            "abstention_recall": (
                round(self.abstained_right / self.unanswerable, 4) if self.unanswerable else None
            ),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        }


def evaluate(
    questions: list[Question], ask: Callable[[str], Answer]
) -> dict[str, dict[str, float | int | None]]:
    """Per language and overall."""
    tallies: dict[str, Tally] = {}
    for question in questions:
        answer = ask(question.question)
        for key in ("all", question.language or answer.language):
            tallies.setdefault(key, Tally()).add(question, answer)
    return {key: tally.report() for key, tally in sorted(tallies.items())}

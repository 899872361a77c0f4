"""Score answers on a question file in the format of ../shared/eval (see its README).

hit@1: found, and the quoted sentence holds a gold answer as whole words after normalising;
abstention: an unanswerable question (no gold answers) is right when "not found";
left out: a question about an article left out of the index is right when "not found";
recall@k / MRR: rank of the first source passage that holds a gold answer;
AUROC: how often a right answer's confidence beats that of an unanswerable question, or
of a question about a left-out article.
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
    article: str = ""  # file name of the article it was written on, if known


def load_questions(path: Path) -> list[Question]:
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [
        Question(r["id"], r["question"], r["answers"], r.get("language", ""), r.get("article", ""))
        for r in rows
    ]


def normalise(text: str) -> str:
    text = _PUNCTUATION.sub(" ", _ELISION.sub("", text.lower()))
    return " ".join(w for w in text.split() if w not in _ARTICLES)


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    haystack = f" {normalise(text)} "
    return any(n and f" {n} " in haystack for n in map(normalise, answers))


def best_sentence(answer: Answer) -> str:
    """The sentence the confidence is about: the quote, or the closest one when not found."""
    chosen = answer.quote or answer.closest
    return chosen.text if chosen else ""


@dataclass
class Tally:
    answerable: int = 0
    hits: int = 0
    recall: dict[int, int] = field(default_factory=lambda: {1: 0, 5: 0, 10: 0})
    reciprocal_ranks: float = 0.0
    unanswerable: int = 0
    abstained_right: int = 0
    abstained_wrong: int = 0
    left_out: int = 0
    left_out_not_found: int = 0
    latencies: list[float] = field(default_factory=list)
    right_confidences: list[float] = field(default_factory=list)
    unanswerable_confidences: list[float] = field(default_factory=list)
    left_out_confidences: list[float] = field(default_factory=list)

    def add(self, question: Question, answer: Answer, left_out: bool = False) -> None:
        self.latencies.append(answer.took_ms)
        if left_out:  # its article is not in the index: "not found" is right
            self.left_out += 1
            self.left_out_not_found += not answer.found
            self.left_out_confidences.append(answer.confidence)
            return
        if not question.answers:
            self.unanswerable += 1
            self.abstained_right += not answer.found
            self.unanswerable_confidences.append(answer.confidence)
            return
        self.answerable += 1
        self.abstained_wrong += not answer.found
        self.hits += bool(answer.quote) and contains_answer(answer.answer, question.answers)
        if contains_answer(best_sentence(answer), question.answers):
            self.right_confidences.append(answer.confidence)
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
        report: dict[str, float | int | None] = {
            "questions": self.answerable + self.unanswerable + self.left_out,
            "hit@1": round(self.hits / n, 4),
            **{f"recall@{k}": round(v / n, 4) for k, v in self.recall.items()},
            "mrr": round(self.reciprocal_ranks / n, 4),
            "abstention_precision": round(self.abstained_right / abstained, 4)
            if abstained
            else None,
            "abstention_recall": (
                round(self.abstained_right / self.unanswerable, 4) if self.unanswerable else None
            ),
            "auroc_unanswerable": _rounded(
                auroc(self.right_confidences, self.unanswerable_confidences)
            ),
        }
        if self.left_out:
            report["left_out_questions"] = self.left_out
            report["left_out_not_found"] = round(self.left_out_not_found / self.left_out, 4)
            report["auroc_left_out"] = _rounded(
                auroc(self.right_confidences, self.left_out_confidences)
            )
        report["p50_ms"] = round(statistics.median(latencies), 1)
        report["p95_ms"] = round(latencies[int(0.95 * (len(latencies) - 1))], 1)
        return report


def evaluate(
    questions: list[Question],
    ask: Callable[[str], Answer],
    left_out: frozenset[str] = frozenset(),
) -> dict[str, dict[str, float | int | None]]:
    """Per language and overall; `left_out` names articles missing from the index."""
    tallies: dict[str, Tally] = {}
    for question in questions:
        answer = ask(question.question)
        for key in ("all", question.language or answer.language):
            tally = tallies.setdefault(key, Tally())
            tally.add(question, answer, bool(question.article) and question.article in left_out)
    return {key: tally.report() for key, tally in sorted(tallies.items())}


def auroc(positive: list[float], negative: list[float]) -> float | None:
    """P(a positive scores above a negative), ties counting half; None without both."""
    if not positive or not negative:
        return None
    wins = sum((p > q) + 0.5 * (p == q) for p in positive for q in negative)
    return wins / (len(positive) * len(negative))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    right: float | None  # share of the bin's answers whose sentence holds the answer


def reliability(pairs: Iterable[tuple[float, bool]], bins: int = 10) -> list[ReliabilityBin]:
    """Confidence against how often it was right, in equal-width bins of confidence
    (1.0 falls in the last bin)."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, right in pairs:
        grouped[min(int(confidence * bins), bins - 1)].append((confidence, right))
    return [
        ReliabilityBin(
            i / bins,
            (i + 1) / bins,
            len(group),
            statistics.fmean(c for c, _ in group) if group else None,
            statistics.fmean(float(r) for _, r in group) if group else None,
        )
        for i, group in enumerate(grouped)
    ]


def expected_calibration_error(table: list[ReliabilityBin]) -> float:
    """The count-weighted mean gap between confidence and accuracy over the bins."""
    total = sum(b.count for b in table) or 1
    return (
        sum(
            b.count * abs(b.mean_confidence - b.right)
            for b in table
            if b.mean_confidence is not None and b.right is not None
        )
        / total
    )

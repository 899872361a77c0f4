"""Training groups for the answer reader (bench/train_reader.py), from -train splits only.

A group is one question with one right sentence and GROUP - 1 wrong ones, each sentence
with its context (the article's title, the sentences before and after), as the reader
sees candidates at answer time (qa/reader.py).
- right: a sentence of the question's own paragraph that holds a gold answer (the eval
  rule, qa/evaluate.py);
- wrong: sentences that hold no gold answer, the hardest first: the rest of its paragraph,
  then the article's sentences that share the most terms with the question ("echoes": the
  largest group of misses), then a few at random from the article and from others of the
  split, so that the reader also learns what an unrelated sentence looks like.
Sentences that hold a gold answer elsewhere are never used as wrong ones: the eval rule
counts them right too.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.analyzer import terms
from ingest.sentences import split_sentences
from qa.evaluate import contains_answer
from qa.reader_input import join_context

GROUP = 6
HARD_IN_PARAGRAPH = 2
ECHOES = 2
ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval"
TRANSLATED_DIR = ROOT / "bench" / "data"


@dataclass(frozen=True, eq=False)  # by identity: compared often, never by value
class Sentence:
    text: str
    paragraph: int
    context: str  # title, sentence before, sentence after: what the reader reads around it


@dataclass(frozen=True)
class Group:
    question: str
    language: str
    texts: list[tuple[str, str]]  # (sentence, context); the first is the right one


def read_article(path: Path) -> list[Sentence]:
    """The ../shared/eval article format: '# Title', a blank line, then paragraphs."""
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    title = title.removeprefix("#").strip()
    spans: list[tuple[str, int]] = []
    for number, paragraph in enumerate(p.strip() for p in body.split("\n\n") if p.strip()):
        spans += [(paragraph[a:b], number) for a, b in split_sentences(paragraph)]
    return [
        Sentence(text, paragraph, context_of(title, spans, i))
        for i, (text, paragraph) in enumerate(spans)
    ]


def context_of(title: str, spans: list[tuple[str, int]], i: int) -> str:
    before = spans[i - 1][0] if i > 0 else ""
    after = spans[i + 1][0] if i + 1 < len(spans) else ""
    return join_context(title, before, after)


@cache
def _terms(text: str, language: str) -> frozenset[str]:
    return frozenset(terms(text, language))


def load_questions(split: str) -> list[dict]:
    path = EVAL_DIR / split / "questions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_translated(name: str, split: str) -> list[dict]:
    """Our own translations of -train questions (bench/data/, README 'Answer reader'),
    joined back to the split's records for their answers, article and paragraph."""
    path = TRANSLATED_DIR / f"{name}.jsonl"
    if not path.exists():
        return []
    originals = {q["id"]: q for q in load_questions(split)}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        {**originals[r["id"]], "question": r["question"], "language": r["language"]} for r in rows
    ]


def groups_for(
    split: str, questions: list[dict], rng: random.Random, repeats: int = 1
) -> list[Group]:
    """`repeats` groups per question, each with wrong sentences drawn again."""
    language = "fr" if split.startswith("piaf") else "en"  # of the split's articles
    articles: dict[str, list[Sentence]] = {}
    folder = EVAL_DIR / split / "articles"
    made = []
    for question in questions:
        if not question["answers"]:
            continue
        name = question["article"]
        if name not in articles:
            articles[name] = read_article(folder / name)
        for _ in range(repeats):
            group = _group(question, articles[name], articles, language, rng)
            if group is not None:
                made.append(group)
    return made


def _group(
    question: dict,
    sentences: list[Sentence],
    articles: dict[str, list[Sentence]],
    language: str,
    rng: random.Random,
) -> Group | None:
    answers = question["answers"]
    holds = [contains_answer(s.text, answers) for s in sentences]
    right = [
        s
        for s, h in zip(sentences, holds, strict=True)
        if h and s.paragraph == question["paragraph"]
    ]
    if not right:
        return None  # the answer spans two sentences, or the paragraph is not in the article
    wrong = [s for s, h in zip(sentences, holds, strict=True) if not h]
    same = [s for s in wrong if s.paragraph == question["paragraph"]]
    rng.shuffle(same)
    picked = same[:HARD_IN_PARAGRAPH]
    asked = set(terms(question["question"], question["language"]))
    rest = [s for s in wrong if s not in picked]
    by_echo = sorted(rest, key=lambda s: -len(asked & _terms(s.text, language)))
    picked += by_echo[:ECHOES]
    others = [s for s in rest if s not in picked]
    elsewhere = [s for a in rng.sample(list(articles.values()), min(3, len(articles))) for s in a]
    while len(picked) < GROUP - 1 and (others or elsewhere):
        pool = others if others and (not elsewhere or rng.random() < 0.6) else elsewhere
        drawn = pool.pop(rng.randrange(len(pool)))
        if pool is others or not contains_answer(drawn.text, answers):
            picked.append(drawn)
    chosen = rng.choice(right)
    texts = [(chosen.text, chosen.context)] + [(s.text, s.context) for s in picked]
    return Group(question["question"], question["language"], texts)

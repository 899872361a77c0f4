"""Training groups for the answer reader (bench/train_reader.py), from -train splits only.

A group is one question with one right sentence and GROUP - 1 wrong ones, each sentence
with its context (the article's title, the sentences before and after), as the reader
reads candidates at answer time (qa/reader_input.py).
- right: a sentence of the question's own paragraph that holds a gold answer (the eval
  rule, qa/evaluate.py);
- wrong: sentences that hold no gold answer, the hardest first: some of its paragraph,
  then the article's sentences that share the most terms with the question ("echoes", the
  largest group of misses), then the split's sentences nearest the question by e5's vectors
  (bench/dense_negatives.py: what dense retrieval brings, in any language), then others at
  random from the article and from other articles of the split (the ranker's candidates
  come from several articles).
With mined wrong sentences (bench/mined_negatives.py: the shipped ranker's best wrong
candidates of the question, as answering hands them to the reader), the first MINED of them
come first, and the drawn ones above fill the group.
A sentence that holds a gold answer is never a wrong one: the eval rule counts it right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dense_negatives import nearest, sentence_vectors, split_names
from split_data import split_dir

from index.embedding.embed import Embedder
from index.ingest.analyzer import terms
from index.ingest.sentences import split_sentences
from qa.evaluate import contains_answer
from qa.reader_input import SENTENCE_CHARS, join_context, reader_text, sentence_start

GROUP = 8
IN_PARAGRAPH = 2
ECHOES = 2
DENSE = 2
OTHER_ARTICLES = 3
MINED = 5  # of a group's wrong sentences, when mined ones are given

Mined = dict[tuple[str, str], list[tuple[str, str]]]  # (id, language) → (sentence, context)


@dataclass(frozen=True, eq=False)  # by identity: compared often, never by value
class Sentence:
    text: str
    paragraph: int
    context: str


Span = tuple[int, int]
NO_ANSWER: Span = (0, 0)  # a wrong text with no answer in it: the span loss aims at its <s>


@dataclass(frozen=True)
class Group:
    id: str
    texts: list[str]  # what the reader reads for each candidate; the first is the right one
    answer: Span | None = None  # a gold answer's characters in texts[0], if found
    # For each wrong text (texts[1:]): the answer's characters in its context (the right
    # sentence is its neighbour), NO_ANSWER when none of the text holds one, None when it
    # may (an answer found only by the eval rule's looser match): --span-beside's targets.
    beside: tuple[Span | None, ...] = ()


def read_article(path: Path) -> list[Sentence]:
    """The ../shared/eval article format: '# Title', a blank line, then paragraphs."""
    title, _, body = path.read_text(encoding="utf-8").partition("\n")
    title = title.removeprefix("#").strip()
    spans: list[tuple[str, int]] = []
    for number, paragraph in enumerate(p.strip() for p in body.split("\n\n") if p.strip()):
        spans += [(paragraph[a:b], number) for a, b in split_sentences(paragraph)]
    texts = [text for text, _ in spans]
    return [
        Sentence(text, paragraph, context_of(title, texts, i))
        for i, (text, paragraph) in enumerate(spans)
    ]


def articles_language(split: str) -> str:
    """The language of a -train split's articles (PIAF's French, SQuAD's English)."""
    return "fr" if "piaf" in split else "en"


def right_sentences(question: dict, sentences: list[Sentence]) -> list[Sentence]:
    """The sentences of the question's own paragraph that hold a gold answer (the eval rule)."""
    return [
        s
        for s in sentences
        if s.paragraph == question["paragraph"] and contains_answer(s.text, question["answers"])
    ]


def context_of(title: str, texts: list[str], i: int) -> str:
    before = texts[i - 1] if i > 0 else ""
    after = texts[i + 1] if i + 1 < len(texts) else ""
    return join_context(title, before, after)


@cache
def _terms(text: str, language: str) -> frozenset[str]:
    return frozenset(terms(text, language))


def groups_for(
    split: str,
    questions: list[dict],
    rng: random.Random,
    embedder: Embedder,
    repeats: int = 1,
    mined: Mined | None = None,
) -> list[Group]:
    """`repeats` groups per question, each with its wrong sentences drawn again (the
    mined ones, if any, in each)."""
    language = articles_language(split)
    folder = split_dir(split) / "articles"
    articles = {name: read_article(folder / name) for name in split_names(split)}
    flat = [s for sentences in articles.values() for s in sentences]
    answerable = [q for q in questions if q["answers"]]
    vectors = sentence_vectors(embedder, split, [s.text for s in flat])
    near = nearest(embedder, [q["question"] for q in answerable], vectors)
    made = []
    for question, rows in zip(answerable, near, strict=True):
        neighbours = [flat[row] for row in rows]
        for _ in range(repeats):
            found = (mined or {}).get((question["id"], question["language"]), [])
            group = _group(question, articles, neighbours, language, rng, found[:MINED])
            if group is not None:
                made.append(group)
    return made


def _group(
    question: dict,
    articles: dict[str, list[Sentence]],
    neighbours: list[Sentence],
    article_language: str,
    rng: random.Random,
    mined: list[tuple[str, str]],
) -> Group | None:
    sentences = articles[question["article"]]
    answers = question["answers"]
    holds = [contains_answer(s.text, answers) for s in sentences]
    paragraph = question["paragraph"]
    right = right_sentences(question, sentences)
    if not right:
        return None  # the answer spans two sentences, or its paragraph is not in the article
    wrong = [s for s, h in zip(sentences, holds, strict=True) if not h]
    same = [s for s in wrong if s.paragraph == paragraph]
    taken = {text for text, _ in mined}
    wrong = [s for s in wrong if s.text not in taken]
    same = [s for s in same if s.text not in taken]
    picked = rng.sample(same, min(IN_PARAGRAPH, len(same)))
    asked = _terms(question["question"], question["language"])
    rest = [s for s in wrong if s not in picked]
    rest.sort(key=lambda s: -len(asked & _terms(s.text, article_language)))
    picked += rest[:ECHOES]
    others = rest[ECHOES:]
    near = [
        s
        for s in neighbours
        if s not in picked and s.text not in taken and not contains_answer(s.text, answers)
    ]
    picked += near[:DENSE]
    drawn_articles = rng.sample(list(articles.values()), min(OTHER_ARTICLES, len(articles)))
    elsewhere = [s for article in drawn_articles for s in article]
    for _ in range(10 * GROUP):  # bounded: a draw may hold an answer and be put back
        if len(picked) + len(mined) >= GROUP - 1 or not (others or elsewhere):
            break
        pool = others if others and (not elsewhere or rng.random() < 0.5) else elsewhere
        drawn = pool.pop(rng.randrange(len(pool)))
        if (
            drawn not in picked
            and drawn.text not in taken
            and not contains_answer(drawn.text, answers)
        ):
            picked.append(drawn)
    chosen = rng.choice(right)
    asked_text = question["question"]
    filling = [(s.text, s.context) for s in picked][: GROUP - 1 - len(mined)]
    texts = [
        reader_text(asked_text, text, context)
        for text, context in [(chosen.text, chosen.context), *mined, *filling]
    ]
    beside = tuple(
        answer_beside(asked_text, text, context, answers) for text, context in [*mined, *filling]
    )
    return Group(question["id"], texts, answer_span(asked_text, chosen.text, answers), beside)


def beside_count(groups: list[Group]) -> int:
    """How many wrong texts of the groups hold the answer beside their sentence."""
    return sum(span not in (None, NO_ANSWER) for group in groups for span in group.beside)


def answer_beside(question: str, sentence: str, context: str, answers: list[str]) -> Span | None:
    """Where a wrong sentence's reader text holds a gold answer in its context: the first
    one found (as written) in the sentences before and after it, not in the title (nothing
    to quote there); NO_ANSWER when neither the context nor the title holds one by the eval
    rule; None when they do but not verbatim, or only in the title (no clear target)."""
    text = reader_text(question, sentence, context)
    context_at = len(reader_text(question, sentence, ""))
    title, bar, _ = context.partition(" | ")
    around = context_at + (len(title) + len(bar) if bar else 0)
    for answer in answers:
        at = text.find(answer, around) if answer else -1
        if at >= 0 and whole_word(text, at, at + len(answer)):
            return at, at + len(answer)
    return None if contains_answer(context, answers) else NO_ANSWER


def whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not part of a longer word ("1" in "1998")."""
    return (start == 0 or not text[start - 1].isalnum()) and (
        end == len(text) or not text[end].isalnum()
    )


def answer_span(question: str, sentence: str, answers: list[str]) -> tuple[int, int] | None:
    """The first gold answer found in the sentence (as written, else ignoring case), as
    characters of the text the reader reads; None when it is cut off or not found verbatim
    (the eval rule also forgives punctuation)."""
    read = sentence[:SENTENCE_CHARS]
    for answer in answers:
        at = read.find(answer)
        if at < 0 and len(read.lower()) == len(read) and len(answer.lower()) == len(answer):
            at = read.lower().find(answer.lower())
        if answer and at >= 0 and at + len(answer) <= len(read):
            start = sentence_start(question) + at
            return start, start + len(answer)
    return None

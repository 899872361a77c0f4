"""How well the marked answer words match the gold answers, held out: the hand rules
(qa/highlight.py: five kinds of question) against the reader's span head
(qa/answer_words.py, as qa/highlight.py shows it), each given the right sentence, so that
only the marks are compared.

For each held-out -train question (bench/fit_reading.py held_out(): the sources'
questions no trainer saw, in their language and across), its right sentence is the first of
its paragraph that holds a gold answer; the marked words are scored as SQuAD scores answers
(after qa/evaluate.py's normalising): exact match, and F1 over words. Nothing marked scores 0.
Dev splits are never read.

    .venv/bin/python bench/marks.py                      # the shipped reader
    .venv/bin/python bench/marks.py --delta data/RUN/reader-delta.safetensors
    .venv/bin/python bench/marks.py --longest 10 15 20 30   # the reader's marks at these caps
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from fit_reading import SOURCES, held_out
from reader_data import Sentence, articles_language, read_article, right_sentences
from split_data import split_dir

from qa.answer_words import MAX_TOKENS, answer_words
from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.evaluate import normalise
from qa.highlight import mark
from qa.reader import AnswerReader
from qa.reader_input import reader_text
from qa.reading import READER_DELTA


def f1(marked: str, answers: list[str]) -> float:
    best = 0.0
    for answer in answers:
        said, gold = normalise(marked).split(), normalise(answer).split()
        common = sum((Counter(said) & Counter(gold)).values())
        if common:
            precision, recall = common / len(said), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def exact(marked: str, answers: list[str]) -> float:
    return float(bool(marked) and any(normalise(marked) == normalise(a) for a in answers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delta", type=Path, default=READER_DELTA)
    parser.add_argument(
        "--longest",
        type=int,
        nargs="+",
        default=[MAX_TOKENS],
        help="the most tokens a mark spans (qa/answer_words.py MAX_TOKENS): one line of the"
        " reader's marks each",
    )
    args = parser.parse_args()
    reader = answer_reader(Settings(), args.delta)
    if reader.span is None:
        raise SystemExit(f"{args.delta} has no span head: it marks by rules only")
    print(
        "source                         questions  rules: marked  EM     F1 | reader: EM F1 at "
        + ", ".join(f"{cap} tokens" for cap in args.longest)
    )
    totals: Counter[str] = Counter()
    for split, translated in SOURCES:
        folder, language = split_dir(split) / "articles", articles_language(split)
        articles: dict[str, list[Sentence]] = {}  # each read once, as many questions share one
        scores: Counter[str] = Counter()
        for question in held_out((split, translated)):
            name = question["article"]
            if name not in articles:
                articles[name] = read_article(folder / name)
            right = right_sentences(question, articles[name])
            if right:  # else the answer spans two sentences
                scores.update(scored(question, right[0], language, reader, args.longest))
        report(f"{split} ({translated})" if translated else split, scores)
        totals.update(scores)
    report("all", totals)


def scored(
    question: dict, sentence: Sentence, language: str, reader: AnswerReader, caps: list[int]
) -> dict:
    """The rules' marks and the reader's at each cap of `caps`, as AnswerReader.read finds
    them (one read, decoded at each cap)."""
    asked, text, answers = question["question"], sentence.text, question["answers"]
    by_rules = " ".join(text[a:b] for a, b in mark(asked, text, language)[0])
    assert reader.span is not None
    read = reader.model.encoder.read_tokens([reader_text(asked, text, sentence.context)])[0]
    scores = {
        "questions": 1,
        "marked": int(bool(by_rules)),
        "rules_em": exact(by_rules, answers),
        "rules_f1": f1(by_rules, answers),
    }
    for cap in caps:
        span = answer_words(read, reader.span, asked, text, cap)[0]
        by_reader = " ".join(text[a:b] for a, b in mark(asked, text, language, None, span)[0])
        scores[f"reader_em {cap}"] = exact(by_reader, answers)
        scores[f"reader_f1 {cap}"] = f1(by_reader, answers)
    return scores


def report(name: str, scores: Counter[str]) -> None:
    n = scores["questions"]
    share = {k: scores[k] / n for k in scores}
    caps = sorted(int(k.split()[1]) for k in scores if k.startswith("reader_em "))
    print(
        f"{name[:30]:30} {n:5}   {share['marked']:.3f}  {share['rules_em']:.3f}  "
        f"{share['rules_f1']:.3f} | "
        + "  ".join(f"{share[f'reader_em {c}']:.3f} {share[f'reader_f1 {c}']:.3f}" for c in caps)
    )


if __name__ == "__main__":
    main()

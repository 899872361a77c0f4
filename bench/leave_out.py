"""The newsroom case, side by side: a share of a split's articles left out of the index,
then every question asked. Prints, for the questions about the articles kept, hit@1 over
the whole index and over the reduced one (with and without the "not found" threshold),
and for the questions about the articles left out, how many get "not found".

    .venv/bin/python bench/leave_out.py data/eval/piaf-dev ../shared/eval/piaf-dev/questions.jsonl

The same questions are compared: `qa eval --leave-out` reports the reduced index only.
"""

import argparse
from pathlib import Path

from index.embedded.backend import EmbeddedBackend
from qa.app.engine import answerer, get_embedder
from qa.app.settings import Settings
from qa.evaluate import Question, contains_answer, load_questions
from qa.leave_out import index_without, left_out
from qa.models import Answer


def answers(settings: Settings, index_dir: Path, questions: list[Question]) -> list[Answer]:
    with EmbeddedBackend(index_dir).reader() as store:
        qa = answerer(settings.model_copy(update={"index_dir": index_dir}), store)
        return [qa.ask(q.question) for q in questions]


def hit(answer: Answer, question: Question, threshold: float) -> bool:
    chosen = answer.quote or answer.closest
    held = chosen is not None and contains_answer(chosen.text, question.answers)
    return held and answer.confidence >= threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--share", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    settings = Settings(index_dir=args.index, min_confidence=0.0)
    questions = [q for q in load_questions(args.questions) if q.answers and q.article]
    missing = left_out({q.article for q in questions}, args.share, args.seed)
    kept = [q for q in questions if q.article not in missing]
    gone = [q for q in questions if q.article in missing]
    with EmbeddedBackend(args.index).reader() as store:
        threshold = answerer(settings, store).scorer.threshold(kept[0].language or "en")
    whole = answers(settings, args.index, kept)
    with index_without(args.index, missing, get_embedder(settings)) as reduced:
        after = answers(settings, reduced, kept)
        absent = answers(settings, reduced, gone)
    print(f"{len(missing)} of {len(missing) + len({q.article for q in kept})} articles left out")
    print(f"kept articles, {len(kept)} questions; threshold {threshold}")
    for name, given in (("whole index", whole), ("reduced index", after)):
        for label, t in (("no threshold", 0.0), ("threshold", threshold)):
            rate = sum(hit(a, q, t) for a, q in zip(given, kept, strict=True)) / len(kept)
            print(f"  hit@1, {name}, {label}: {rate:.4f}")
    not_found = sum(a.confidence < threshold for a in absent) / len(gone)  # as Answerer.ask
    print(f"left-out articles, {len(gone)} questions: 'not found' {not_found:.4f}")


if __name__ == "__main__":
    main()

"""Print a sample of the questions the product answers wrong on a split, to group them by
cause: the quoted sentence, the right candidate sentence if any, and both features.

    .venv/bin/python bench/misses.py data/eval/piaf-dev ../shared/eval/piaf-dev/questions.jsonl 50
"""

import random
import sys
from pathlib import Path

import numpy as np

from index.embedded.store import Store
from index.filters import Filters
from qa.answer import Answerer
from qa.app.engine import answerer
from qa.app.settings import Settings
from qa.evaluate import Question, contains_answer, load_questions
from qa.features import NAMES
from qa.retrieve import Passage
from qa.select import Candidate, candidates
from qa.timed import search_in_time


def answerable(path: Path, count: int = 0, seed: int = 11) -> list[Question]:
    """The questions of a file that have gold answers, shuffled with `seed`; the first
    `count` of them (all when 0)."""
    items = [q for q in load_questions(path) if q.answers]
    random.Random(seed).shuffle(items)
    return items[:count] if count else items


def read(qa: Answerer, question: str) -> tuple[list[Passage], list[Candidate]]:
    """The passages `qa.ask(question)` retrieves (its dates read as a filter the same way)
    and the candidate sentences read from them, unscored."""
    query = qa.query(question, [])
    depth = max(qa.limits.top_k, qa.limits.candidates)
    query, passages, _ = search_in_time(qa.retriever, qa.store, query, depth, Filters(), True)
    return passages, candidates(qa.store, query, passages)


def show(label: str, candidate: Candidate, rank: int) -> None:
    named = " ".join(f"{n}={v:.2f}" for n, v in zip(NAMES, candidate.features, strict=True))
    where = f"{candidate.passage.chunk.title[:40]} #{candidate.sentence.position}"
    print(f"  {label} (rank {rank}, {where}) {named} score={candidate.score:.3f}")
    print(f"    {candidate.sentence.text[:300]}")


def main(index_dir: str, questions: str, count: str = "50") -> None:
    settings = Settings(index_dir=Path(index_dir), min_confidence=0.0)
    store = Store.open(settings.index_dir)
    qa = answerer(settings.model_copy(update={"embedding_model": store.model}), store)
    shown = 0
    for question in answerable(Path(questions)):
        passages, found = read(qa, question.question)
        if found:
            scores = qa.scorer.scores(np.stack([c.features for c in found]))
            for c, score in zip(found, scores, strict=True):
                c.score = float(score)
        found.sort(key=lambda c: -c.score)
        if not found or contains_answer(found[0].sentence.text, question.answers):
            continue
        shown += 1
        right = [
            i for i, c in enumerate(found) if contains_answer(c.sentence.text, question.answers)
        ]
        passage_ranks = [
            i for i, p in enumerate(passages) if contains_answer(p.chunk.text, question.answers)
        ]
        print(f"[{shown}] {question.question}  gold={question.answers[:2]}")
        print(f"  right passage rank={passage_ranks[:1]} right sentences={len(right)}/{len(found)}")
        show("quoted", found[0], 0)
        if right:
            show("right", found[right[0]], right[0])
        if shown >= int(count):
            break


if __name__ == "__main__":
    main(*sys.argv[1:4])

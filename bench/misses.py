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
from qa.app.engine import answerer
from qa.app.settings import Settings
from qa.evaluate import contains_answer, load_questions
from qa.features import NAMES
from qa.select import Candidate, candidates


def show(label: str, candidate: Candidate, rank: int) -> None:
    named = " ".join(f"{n}={v:.2f}" for n, v in zip(NAMES, candidate.features, strict=True))
    where = f"{candidate.passage.chunk.title[:40]} #{candidate.sentence.position}"
    print(f"  {label} (rank {rank}, {where}) {named} score={candidate.score:.3f}")
    print(f"    {candidate.sentence.text[:300]}")


def main(index_dir: str, questions: str, count: str = "50") -> None:
    settings = Settings(index_dir=Path(index_dir), min_confidence=0.0)
    store = Store.open(settings.index_dir)
    qa = answerer(settings.model_copy(update={"embedding_model": store.model}), store)
    items = [q for q in load_questions(Path(questions)) if q.answers]
    random.Random(11).shuffle(items)
    shown = 0
    for question in items:
        query = qa.query(question.question, [])
        passages = qa.retriever.search(query, settings.candidates, Filters())
        found = candidates(store, query, passages)
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

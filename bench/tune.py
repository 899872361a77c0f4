"""Sweep fusion and sentence weights on the dev splits; prints hit@1 per setting.

Run by hand, after building the dev indexes (see bench/eval_dev.sh):
    .venv/bin/python bench/tune.py data/eval/squad-dev-minilm ../shared/eval/squad-dev/questions.jsonl

Question vectors and passages are computed once per fusion weight, so a sweep takes minutes.
Tune rules, not questions: the splits that judge are other ones.
"""

import itertools
import random
import sys
from pathlib import Path

import numpy as np

from index.embed import Embedder
from index.language import detect_language
from index.store import Filters, Store
from qa.evaluate import contains_answer, load_questions
from qa.retrieve import FusedRetriever, Query
from qa.select import SentenceWeights, pick_sentence

SAMPLE = 1200


def prepared(store: Store, embedder: Embedder, path: Path) -> list[tuple[Query, list[str]]]:
    questions = load_questions(path)
    random.Random(7).shuffle(questions)
    questions = questions[:SAMPLE]
    vectors = embedder.model.encode_query(
        [q.question for q in questions], normalize_embeddings=True, batch_size=64
    )
    queries = []
    for question, vector in zip(questions, vectors, strict=True):
        query = Query(question.question, detect_language(question.question), embedder)
        query.__dict__["vector"] = np.asarray(vector, dtype=np.float32)
        queries.append((query, question.answers))
    return queries


def main(index_dir: str, questions: str) -> None:
    store = Store.open(Path(index_dir))
    embedder = Embedder(store.model)
    items = prepared(store, embedder, Path(questions))
    answerable = [(q, a) for q, a in items if a]
    for weight in (0.3, 0.4, 0.5, 0.6, 0.7):
        retriever = FusedRetriever(store, {"fr": weight, "en": weight})
        found = [(q, a, retriever.search(q, 50, Filters())) for q, a in answerable]
        recall = np.mean([any(contains_answer(p.chunk.text, a) for p in ps[:5]) for _, a, ps in found])
        for dense, passage in itertools.product((0.2, 0.35, 0.5), (0.0, 0.15, 0.3)):
            keyword = round(1 - dense - passage, 2)
            if keyword < 0:
                continue
            shares = SentenceWeights(dense, keyword, passage)
            hits = 0
            for query, answers, passages in found:
                best = pick_sentence(store, query, passages, shares)
                hits += bool(best) and contains_answer(best.sentence.text, answers)
            print(
                f"kw_fusion={weight} dense={dense} keyword={keyword} passage={passage} "
                f"hit@1={hits / len(found):.4f} recall@5={recall:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main(*sys.argv[1:3])

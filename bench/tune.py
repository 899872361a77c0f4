"""Sweep fusion and sentence weights on a dev split; prints hit@1 per setting, best last.

Run by hand, after building the dev index (see README, "Answer quality"):
    .venv/bin/python bench/tune.py data/eval/squad-dev-minilm \
        ../shared/eval/squad-dev/questions.jsonl

Sentence features are computed once per question and fusion weight; every weighting is
then a dot product, so a sweep takes a minute. Tune rules, not questions: other splits judge.
"""

import itertools
import random
import sys
from pathlib import Path

import numpy as np

from app.engine import get_embedder
from app.settings import Settings
from embedding.embed import Embedder
from index.embedded.store import Filters, Store
from ingest.language import detect_language
from qa.evaluate import contains_answer, load_questions
from qa.features import NAMES, weights
from qa.retrieve import FusedRetriever, Query
from qa.select import candidates

SAMPLE = 1500
FUSION = (0.3, 0.4, 0.5, 0.6)
STEPS = np.round(np.arange(0, 1.01, 0.05), 2)


def prepared(embedder: Embedder, path: Path) -> list[tuple[Query, list[str]]]:
    questions = [q for q in load_questions(path) if q.answers]
    random.Random(7).shuffle(questions)
    questions = questions[:SAMPLE]
    queries = []
    for question in questions:
        query = Query(question.question, detect_language(question.question), embedder)
        queries.append((query, question.answers))
    return queries


def feature_tables(store: Store, items: list, weight: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: features of each candidate sentence, and which ones hold an answer."""
    retriever = FusedRetriever(store, {"fr": weight, "en": weight})
    tables = []
    for query, answers in items:
        found = candidates(store, query, retriever.search(query, 50, Filters()))
        if not found:
            tables.append((np.zeros((1, len(NAMES))), np.zeros(1, dtype=bool)))
            continue
        features = np.stack([c.features for c in found])
        right = np.array([contains_answer(c.sentence.text, answers) for c in found])
        tables.append((features, right))
    return tables


def main(index_dir: str, questions: str) -> None:
    store = Store.open(Path(index_dir))
    items = prepared(get_embedder(Settings(embedding_model=store.model)), Path(questions))
    results = []
    for weight in FUSION:
        tables = feature_tables(store, items, weight)
        for dense, passage, kind, context in itertools.product(
            STEPS[:9], STEPS[:5], STEPS[:5], STEPS[:6]
        ):
            keyword = round(1 - dense - passage - kind - context, 2)
            if keyword < 0:
                continue
            shares = {
                "dense": dense,
                "keyword": keyword,
                "passage": passage,
                "answer_type": kind,
                "context": context,
            }
            hits = sum(right[np.argmax(f @ weights(**shares))] for f, right in tables)
            results.append((hits / len(tables), weight, shares))
    for hit, weight, shares in sorted(results, key=lambda r: r[0])[-15:]:
        named = " ".join(f"{name}={share:g}" for name, share in shares.items())
        print(f"hit@1={hit:.4f} keyword_fusion={weight} {named}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

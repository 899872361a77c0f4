"""How often the passages read (the first PASSAGES_READ of the fused retriever, whose
sentences become the answer's candidates) hold a gold answer, on the held-out -train
questions of bench/fit_reading.py, for each FUSED_READ (how many of them go by fused
score before the dense retriever's best fill the rest; PASSAGES_READ: fused alone), and
for the dense retriever alone. Retrieval only: no ranker, no reader. Dev is never read.

    .venv/bin/python bench/passages_read.py
"""

from __future__ import annotations

import numpy as np
from fit_reading import SOURCES, held_out
from scorer_data import split_index
from split_data import DATA

import qa.retrieve
from index.embedded.store import Store
from index.filters import Filters
from index.ingest.language import detect_language
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.evaluate import contains_answer
from qa.retrieve import PASSAGES_READ, DenseRetriever, FusedRetriever, Passage, Query

SHARES = (4, 5, 6, 7, PASSAGES_READ)


def holds(store: Store, passages: list[Passage], answers: list[str]) -> bool:
    return any(
        contains_answer(row.text, answers)
        for p in passages[:PASSAGES_READ]
        for row in store.sentences(
            p.chunk.article_id, p.chunk.first_sentence, p.chunk.last_sentence
        )
    )


def main() -> None:
    settings = Settings()
    embedder = get_embedder(settings)
    weights = {"fr": settings.keyword_weight_fr, "en": settings.keyword_weight_en}
    print(f"share of held-out questions whose {PASSAGES_READ} passages read hold an answer")
    for source in SOURCES:
        store = Store.open(split_index(source[0], settings, embedder, DATA))
        found: dict[str, list[bool]] = {}
        for question in held_out(source):
            query = Query(question["question"], detect_language(question["question"]), embedder)
            answers = question["answers"]
            for fused_read in SHARES:
                qa.retrieve.FUSED_READ = fused_read
                passages = FusedRetriever(store, weights).search(
                    query, settings.candidates, Filters()
                )
                found.setdefault(f"fused {fused_read}", []).append(holds(store, passages, answers))
            dense = DenseRetriever(store).search(query, settings.candidates, Filters())
            found.setdefault("dense alone", []).append(holds(store, dense, answers))
        shares = "  ".join(f"{name} {np.mean(hits):.3f}" for name, hits in found.items())
        print(f"{source[1] or source[0]:16} {shares}", flush=True)


if __name__ == "__main__":
    main()

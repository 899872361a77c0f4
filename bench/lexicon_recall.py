"""How often the passages read hold a gold answer with the keyword query as the product
makes it (the question's terms translated into the collection's other language:
qa/lexicon.py) and without the translations, on the held-out -train questions of
bench/fit_reading.py (retrieval only, as bench/passages_read.py). -train only.

    .venv/bin/python bench/lexicon_recall.py
"""

from __future__ import annotations

import numpy as np
from fit_reading import SOURCES, held_out
from passages_read import holds
from scorer_data import split_index
from split_data import DATA

from index.embedded.store import Store
from index.filters import Filters
from index.ingest.language import detect_language
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.retrieve import FusedRetriever, KeywordRetriever, Query


class Untranslated(Query):
    def terms_for(self, languages: frozenset[str]) -> list[str]:
        return self.terms


def main() -> None:
    settings = Settings()
    embedder = get_embedder(settings)
    weights = {"fr": settings.keyword_weight_fr, "en": settings.keyword_weight_en}
    for source in SOURCES:
        store = Store.open(split_index(source[0], settings, embedder, DATA))
        found: dict[str, list[bool]] = {}
        for question in held_out(source):
            language = detect_language(question["question"])
            for name, kind in (("plain", Untranslated), ("translated", Query)):
                query = kind(question["question"], language, embedder)
                fused = FusedRetriever(store, weights).search(query, settings.candidates, Filters())
                keyword = KeywordRetriever(store).search(query, settings.candidates, Filters())
                found.setdefault(f"fused {name}", []).append(
                    holds(store, fused, question["answers"])
                )
                found.setdefault(f"keyword {name}", []).append(
                    holds(store, keyword, question["answers"])
                )
        shares = "  ".join(f"{name} {np.mean(hits):.3f}" for name, hits in found.items())
        print(f"{source[1] or source[0]:16} {shares}", flush=True)


if __name__ == "__main__":
    main()

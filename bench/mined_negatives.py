"""Wrong sentences as the product hands them to the answer reader, for training it
(bench/train_reader.py --mined): each -train question not held out is asked over its
split's index as answering asks it (the fused retriever, the candidates of the passages
read, the shipped ranker), and the ranker's best candidates that hold no gold answer are
kept, best first, with the context answering gives them. These are the reader's real
confusers at answer time ("echoes", near-misses across languages), which the drawn wrong
sentences of bench/reader_data.py only approximate. -train only; dev is never read.

    .venv/bin/python bench/mined_negatives.py piaf-train piaf-train:piaf-train-en ...
    # each SOURCE is SPLIT or SPLIT:TRANSLATED (bench/data/TRANSLATED.jsonl)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from fit_reading import held_out_ids
from scorer_data import ROOT, candidates_asked, split_index
from split_data import load_questions, load_translated

from index.embedded.store import Store
from index.ingest.language import detect_language
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.evaluate import contains_answer
from qa.retrieve import Query
from qa.scorer import shipped

KEPT = 8  # wrong candidates kept per question, the ranker's best first
OUT = ROOT / "data" / "reader-mined"


def mined_for(source: str, settings: Settings, out: Path) -> Path:
    """One JSON line per question: its id, language and the ranker's best wrong
    candidates as [sentence, context] pairs."""
    split, _, translated = source.partition(":")
    path = out / f"{translated or split}.jsonl"
    questions = load_translated(translated, split) if translated else load_questions(split)
    left_out = held_out_ids()
    questions = [q for q in questions if q["answers"] and q["id"] not in left_out]
    embedder = get_embedder(settings)
    store = Store.open(split_index(split, settings, embedder, ROOT / "data" / "train"))
    ranker = shipped()
    out.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as lines:
        for number, question in enumerate(questions):
            text = question["question"]
            query = Query(text, detect_language(text), embedder)
            found = candidates_asked(store, query, settings)
            order = (
                np.argsort(-ranker.scores(np.stack([c.features for c in found]))) if found else []
            )
            wrong = [
                [found[i].sentence.text, found[i].context]
                for i in order
                if not contains_answer(found[i].sentence.text, question["answers"])
            ][:KEPT]
            row = {"id": question["id"], "language": question["language"], "wrong": wrong}
            lines.write(json.dumps(row, ensure_ascii=False) + "\n")
            if number % 1000 == 0:
                print(f"{source}: {number}/{len(questions)}", flush=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", help="SPLIT or SPLIT:TRANSLATED")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    settings = Settings()
    for source in args.sources:
        print(f"wrote {mined_for(source, settings, args.out)}", flush=True)


if __name__ == "__main__":
    main()

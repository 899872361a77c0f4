"""Fit qa/reading.json (top and blend) on what answering computes: the
shipped question model, exported and run as the product runs it, and the shipped matcher,
over the held-out -train runs of bench/train_query_tower.py. Dev splits are never read.

    .venv/bin/python bench/fit_matching.py            # print the fit
    .venv/bin/python bench/fit_matching.py --ship     # and write qa/reading.json
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from fit_reading import SOURCES, cached_runs, fit_reading
from matcher_data import indexed_articles
from train_matcher import TOP

from app.engine import reading_for
from app.settings import Settings
from qa.reading import READING_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ship", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    runs = cached_runs(settings)
    reading = reading_for(settings)
    assert reading is not None, "no question model and matcher shipped"
    indexed = {split: indexed_articles(split) for split in ("squad-train", "piaf-train")}
    places = {
        split: {t: (a, i) for a in articles.values() for i, t in enumerate(a.texts)}
        for split, articles in indexed.items()
    }
    asked: dict[str, np.ndarray] = {}
    for run in runs:
        if run.question not in asked:
            asked[run.question] = reading.questions.encode_query(run.question)[0]
        found = [places[SOURCES[run.source][0]][text] for text in run.sentences[:TOP]]
        sentences = np.stack([a.vectors[i] for a, i in found])
        neighbours = np.stack([a.neighbours[i] for a, i in found])
        run.logits = reading.matcher.scores(asked[run.question], sentences, neighbours)
    fitted, figures = fit_reading(runs)
    print(json.dumps(figures, indent=1))
    if args.ship:
        trained = json.loads(READING_FILE.read_text())["fitted_on"]
        fitted["fitted_on"] = {
            **trained,
            "held_out_train_figures": figures,
            "refitted_by": "python bench/fit_matching.py --ship",
        }
        READING_FILE.write_text(json.dumps(fitted, indent=1) + "\n")
        print(f"wrote {READING_FILE}")


if __name__ == "__main__":
    main()

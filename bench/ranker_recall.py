"""How often the ranker hands the reader a right sentence: recall@k of its best k on the
held-out present runs of bench/fit_reading.py (by id), the ranker fitted without them on the
feature tables of bench/train_scorer.py. -train only; prints numbers.

    .venv/bin/python bench/ranker_recall.py                    # the shipped recipe
    .venv/bin/python bench/ranker_recall.py --more-translations
    .venv/bin/python bench/ranker_recall.py --more-translations --cross-weights

--more-translations: also our other translations (bench/data/) as training questions;
--cross-weights: a second weight per feature for candidates in the other language than the
question (every feature times "across languages"), so that the weights may differ there.
The docs' figures were taken with OPENBLAS_NUM_THREADS=1: with two threads the sums' order
moves L-BFGS's stopping point, and a recall by a question.
"""

from __future__ import annotations

import argparse

import numpy as np
import train_scorer
from fit_reading import held_out_ids
from scorer_data import Table, table_for, table_questions
from split_data import DATA

from qa.app.settings import Settings

MEASURED = ("squad-train", "piaf-train", "piaf-train-en", "squad-train-fr")
MORE = ("piaf-train-en-2", "squad-train-fr-2")  # the translations whose tables are the product's
ARTICLES_OF = {"piaf-train-en-2": "piaf-train", "squad-train-fr-2": "squad-train"}
ARTICLES_OF |= train_scorer.ARTICLES_OF
KS = (1, 3, 5, 8)


def load(name: str) -> Table:
    translated = name if name in ARTICLES_OF else ""
    table = table_for(ARTICLES_OF.get(name, name), Settings(), DATA, translated=translated)
    table.absent, table.right = table.absent.astype(bool), table.right.astype(bool)
    return table


def held_out(name: str, table: Table, left_out: set[str]) -> np.ndarray:
    translated = name if name in ARTICLES_OF else ""
    questions = table_questions(ARTICLES_OF.get(name, name), translated)
    return np.array([q.id in left_out for q in questions])[table.question]


def inputs(name: str, table: Table, cross_weights: bool) -> Table:
    if not cross_weights:
        return table
    across = float(name in ARTICLES_OF)
    features = np.hstack([table.features, table.features * across])
    return Table(features, table.right, table.question, table.absent, table.fold)


def recall(scores: np.ndarray, table: Table, mask: np.ndarray) -> dict[int, float]:
    keep = mask & ~table.absent
    question, score, right = table.question[keep], scores[keep], table.right[keep]
    found: dict[int, list[bool]] = {k: [] for k in KS}
    for number in np.unique(question):
        mine = question == number
        ranked = right[mine][np.argsort(-score[mine], kind="stable")]
        for k in KS:
            found[k].append(bool(ranked[:k].any()))
    return {k: round(float(np.mean(v)), 3) for k, v in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--more-translations", action="store_true")
    parser.add_argument("--cross-weights", action="store_true")
    args = parser.parse_args()
    names = MEASURED + (MORE if args.more_translations else ())
    tables = {name: load(name) for name in names}
    left_out = held_out_ids()
    held = {name: held_out(name, table, left_out) for name, table in tables.items()}
    fitted_on = Table.join(
        [inputs(name, t, args.cross_weights).select(~held[name]) for name, t in tables.items()]
    )
    every_column = list(range(fitted_on.features.shape[1]))
    mean, scale, weights = train_scorer.conditional_logit(fitted_on, every_column)
    for name in MEASURED:
        table = tables[name]
        x = inputs(name, table, args.cross_weights).features
        found = recall(((x - mean) / scale) @ weights, table, held[name])
        print(name, " ".join(f"@{k} {v:.3f}" for k, v in found.items()))


if __name__ == "__main__":
    main()

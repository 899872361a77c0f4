"""The -train splits as the reader's training and fitting read them (bench/train_reader.py,
bench/fit_reading.py, bench/fit_reader.py): questions, our own translations of some of them,
and the sentences of each article as the split's index holds them. -train only.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from scorer_data import EVAL_DIR, ROOT

DATA = ROOT / "data" / "train"
TRANSLATED_DIR = ROOT / "bench" / "data"


def split_dir(split: str) -> Path:
    """A split of ../shared/eval by name, or a folder of the same layout by path."""
    return Path(split) if Path(split).is_dir() else EVAL_DIR / split


def load_questions(split: str) -> list[dict]:
    path = split_dir(split) / "questions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_translated(name: str, split: str) -> list[dict]:
    """Our own translations of -train questions (bench/data/, docs "Answer quality"),
    joined back to the split's records for their answers, article and paragraph."""
    originals = {q["id"]: q for q in load_questions(split)}
    path = TRANSLATED_DIR / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        {**originals[r["id"]], "question": r["question"], "language": r["language"]} for r in rows
    ]


def indexed_sentences(split: str) -> dict[str, list[str]]:
    """Each article's sentences in order, by file name, from the split's index built for
    the scorer (bench/scorer_data.py)."""
    generation = (DATA / split / "CURRENT").read_text().strip()
    db = sqlite3.connect(DATA / split / generation / "articles.sqlite")
    texts = dict(db.execute("SELECT id, text FROM articles"))
    origins = dict(db.execute("SELECT id, origin FROM articles"))
    rows: dict[str, list[tuple[int, int]]] = {}
    for article_id, start, end in db.execute(
        "SELECT article_id, start, end FROM sentences ORDER BY position"
    ):
        rows.setdefault(article_id, []).append((start, end))
    return {
        Path(origins[article_id]).name: [texts[article_id][s:e] for s, e in spans]
        for article_id, spans in rows.items()
    }

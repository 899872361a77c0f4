"""Candidate sentences of a split's questions, with their features and labels, for training
and measuring the answer scorer (bench/train_scorer.py, bench/reliability.py).

Each answerable question is asked twice: over the split's whole index ("present": its
article is there) and over a copy without the quarter of the articles its own article
falls in ("absent": the newsroom case, where "not found" is the right answer). Articles
are dealt into FOLDS folds by a seed, so the absent runs also serve for cross-fitting by
article. Indexes and tables are cached under data/ (`--refresh` recomputes the tables).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.embedded.store import Store
from index.embedding.embed import Embedder
from index.filters import Filters
from index.ingest.language import detect_language
from index.sync import sync_folder
from qa.app.engine import get_embedder
from qa.app.indexing import update_options
from qa.app.settings import Settings
from qa.evaluate import Question, contains_answer, load_questions
from qa.features import NAMES
from qa.leave_out import article_id, copy_without
from qa.retrieve import FusedRetriever, Query
from qa.select import Candidate, candidates

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT.parent / "shared" / "eval"
FOLDS = 4
SEED = 15


@dataclass
class Table:
    """One row per candidate sentence; `question` numbers the questions of the table."""

    features: np.ndarray  # (rows, len(NAMES))
    right: np.ndarray  # the sentence holds a gold answer (the eval rule)
    question: np.ndarray  # question number of each row
    absent: np.ndarray  # asked over the index without the question's article
    fold: np.ndarray  # fold of the question's article
    names: tuple[str, ...] = NAMES

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            features=self.features,
            right=self.right,
            question=self.question,
            absent=self.absent,
            fold=self.fold,
            names=np.array(self.names),
        )

    @classmethod
    def load(cls, path: Path) -> Table | None:
        if not path.exists():
            return None
        data = np.load(path)
        names = tuple(str(n) for n in data["names"])
        if names != NAMES:  # the features changed: compute again
            return None
        fields = ("features", "right", "question", "absent", "fold")
        return cls(*(data[name] for name in fields), names=names)

    @classmethod
    def join(cls, tables: list[Table]) -> Table:
        offset, numbered = 0, []
        for table in tables:
            numbered.append(table.question + offset)
            offset += int(table.question.max()) + 1 if len(table.question) else 0
        return cls(
            np.concatenate([t.features for t in tables]),
            np.concatenate([t.right for t in tables]),
            np.concatenate(numbered),
            np.concatenate([t.absent for t in tables]),
            np.concatenate([t.fold for t in tables]),
        )

    def select(self, mask: np.ndarray) -> Table:
        return Table(
            self.features[mask],
            self.right[mask],
            self.question[mask],
            self.absent[mask],
            self.fold[mask],
        )


def folds_of(articles: list[str]) -> dict[str, int]:
    """Each article's fold, dealt in a seeded order."""
    names = sorted(set(articles))
    random.Random(SEED).shuffle(names)
    return {name: i % FOLDS for i, name in enumerate(names)}


def translations(questions: list[Question], name: str) -> list[Question]:
    """Those of `questions` we translated, asked in our translation."""
    rows = (ROOT / "bench" / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    asked = {r["id"]: r for r in map(json.loads, filter(None, rows))}
    return [
        replace(q, question=asked[q.id]["question"], language=asked[q.id]["language"])
        for q in questions
        if q.id in asked
    ]


def table_questions(split: str, translated: str = "") -> list[Question]:
    """The questions a split's table numbers (Table.question), in order: its answerable
    ones, or with `translated` those of them we translated, asked in our translation."""
    questions = [q for q in load_questions(EVAL_DIR / split / "questions.jsonl") if q.answers]
    return translations(questions, translated) if translated else questions


def split_index(split: str, settings: Settings, embedder: Embedder, data: Path) -> Path:
    """The split's whole index, built once under data/."""
    index_dir = data / split
    if not (index_dir / "CURRENT").exists():
        articles = EVAL_DIR / split / "articles"
        print(f"building {index_dir} from {articles}", flush=True)
        sync_folder(index_dir, articles, embedder, update_options(settings))
    return index_dir


def fold_indexes(split: str, folds: dict[str, int], embedder: Embedder, data: Path) -> list[Path]:
    """For each fold, a copy of the split's index without that fold's articles."""
    whole, paths = data / split, []
    for fold in range(FOLDS):
        path = data / f"{split}-without-{fold}"
        if not (path / "CURRENT").exists():
            names = [name for name, f in folds.items() if f == fold]
            print(f"copying {whole} without fold {fold} ({len(names)} articles)", flush=True)
            copy_without(whole, [article_id(name) for name in names], embedder, path)
        paths.append(path)
    return paths


def candidates_asked(store: Store, query: Query, settings: Settings) -> list[Candidate]:
    """The candidate sentences answering finds for `query` over `store`: the fused
    retriever's passages, then the sentences of those read, with their features."""
    weights = {"fr": settings.keyword_weight_fr, "en": settings.keyword_weight_en}
    passages = FusedRetriever(store, weights).search(query, settings.candidates, Filters())
    return candidates(store, query, passages)


def table_for(
    split: str, settings: Settings, data: Path, refresh: bool = False, translated: str = ""
) -> Table:
    """The split's table; with `translated`, the same articles asked our translation of
    some of its questions (bench/data/TRANSLATED.jsonl), the folds the split's own."""
    cache = data / f"features-{translated or split}.npz"
    cached = None if refresh else Table.load(cache)
    if cached is not None:
        return cached
    embedder = get_embedder(settings)
    folds = folds_of([q.article for q in table_questions(split)])
    questions = table_questions(split, translated)
    articles = [q.article for q in questions]
    whole = Store.open(split_index(split, settings, embedder, data))
    without = [Store.open(p) for p in fold_indexes(split, folds, embedder, data)]
    rows: list[tuple[np.ndarray, np.ndarray, int, bool, int]] = []
    for number, (question, article) in enumerate(zip(questions, articles, strict=True)):
        query = Query(question.question, detect_language(question.question), embedder)
        fold = folds[article]
        for store, absent in ((whole, False), (without[fold], True)):
            found = candidates_asked(store, query, settings)
            if not found:
                continue
            features = np.stack([c.features for c in found])
            right = np.array([contains_answer(c.sentence.text, question.answers) for c in found])
            rows.append((features, right, number, absent, fold))
        if number % 500 == 0:
            print(f"{split}: {number}/{len(questions)} questions", flush=True)
    table = Table(
        np.concatenate([r[0] for r in rows]),
        np.concatenate([r[1] for r in rows]),
        np.concatenate([np.full(len(r[1]), r[2]) for r in rows]),
        np.concatenate([np.full(len(r[1]), r[3]) for r in rows]),
        np.concatenate([np.full(len(r[1]), r[4]) for r in rows]),
    )
    table.save(cache)
    return table

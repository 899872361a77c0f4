"""Training and held-out data for the answer matcher (bench/train_matcher.py), -train only.

Every sentence's e5 vector comes from where the product would take it: the sentence
vectors of the split's index under data/train/ (built by bench/scorer_data.py), or, for
squad-train-large (no index: 13 MB of articles), the same encoder run over the same
sentence splitter, cached one file per article (`encode_large`, resumable).

An example is one question with the vectors of every sentence of its article, of their
neighbours (the mean of the sentences before and after, the context the ranker reads),
and which sentences hold a gold answer (the eval rule, qa/evaluate.py).
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scorer_data import EVAL_DIR, ROOT

from embedding.embed import Embedder
from ingest.sentences import split_sentences
from qa.evaluate import contains_answer

DATA = ROOT / "data" / "train"
TRANSLATED_DIR = ROOT / "bench" / "data"
LARGE = DATA / "matcher" / "large"
SEED = 21


@dataclass
class Article:
    texts: list[str]
    vectors: np.ndarray  # (sentences, dimension) float32
    neighbours: np.ndarray  # mean of the vectors before and after each sentence


@dataclass
class Example:
    question: str
    language: str
    article: Article
    right: np.ndarray  # bool per sentence


def split_dir(split: str) -> Path:
    """A split of ../shared/eval by name, or a folder of the same layout by path."""
    return Path(split) if Path(split).is_dir() else EVAL_DIR / split


def load_questions(split: str) -> list[dict]:
    path = split_dir(split) / "questions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_translated(name: str, split: str) -> list[dict]:
    """Our own translations of -train questions (bench/data/, README "The question model"),
    joined back to the split's records for their answers, article and paragraph."""
    originals = {q["id"]: q for q in load_questions(split)}
    path = TRANSLATED_DIR / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        {**originals[r["id"]], "question": r["question"], "language": r["language"]} for r in rows
    ]


def read_article(path: Path) -> list[str]:
    """The sentences of a ../shared/eval article ('# Title', a blank line, paragraphs)."""
    body = path.read_text(encoding="utf-8").partition("\n")[2]
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return [p[a:b] for p in paragraphs for a, b in split_sentences(p)]


def neighbour_mean(vectors: np.ndarray) -> np.ndarray:
    padded = np.pad(vectors, ((1, 1), (0, 0)))
    return (padded[:-2] + padded[2:]) / 2


def article_of(texts: list[str], vectors: np.ndarray) -> Article:
    vectors = vectors.astype(np.float32)
    return Article(texts, vectors, neighbour_mean(vectors))


def indexed_articles(split: str) -> dict[str, Article]:
    """By file name, from the split's index built for the scorer."""
    generation = (DATA / split / "CURRENT").read_text().strip()
    db = sqlite3.connect(DATA / split / generation / "articles.sqlite")
    texts = dict(db.execute("SELECT id, text FROM articles"))
    origins = dict(db.execute("SELECT id, origin FROM articles"))
    rows: dict[str, list[tuple[int, int, int, bytes]]] = {}
    for article_id, position, start, end, vector in db.execute(
        "SELECT article_id, position, start, end, vector FROM sentences ORDER BY position"
    ):
        rows.setdefault(article_id, []).append((position, start, end, vector))
    found = {}
    for article_id, sentences in rows.items():
        text = texts[article_id]
        vectors = np.stack([np.frombuffer(v, dtype=np.float16) for *_, v in sentences])
        found[Path(origins[article_id]).name] = article_of(
            [text[s:e] for _, s, e, _ in sentences], vectors
        )
    return found


def large_order() -> list[Path]:
    """squad-train-large's articles in the seeded order they are encoded and used in."""
    paths = sorted((EVAL_DIR / "squad-train-large" / "articles").glob("*.md"))
    random.Random(SEED).shuffle(paths)
    return paths


def large_articles(limit: int) -> dict[str, Article]:
    """The first `limit` articles of large_order() that are encoded."""
    found: dict[str, Article] = {}
    for path in large_order():
        saved_path = LARGE / f"{path.stem}.npz"
        if len(found) == limit or not saved_path.exists():
            break
        saved = np.load(saved_path)
        found[path.name] = article_of(list(saved["texts"]), saved["vectors"])
    return found


def encode_large(embedder: Embedder, limit: int) -> None:
    """Encode the first `limit` of squad-train-large's articles into LARGE, in a seeded order,
    skipping those done: stopped at any time, it keeps what it finished."""
    LARGE.mkdir(parents=True, exist_ok=True)
    for path in large_order()[:limit]:
        target = LARGE / f"{path.stem}.npz"
        if target.exists():
            continue
        sentences = read_article(path)
        vectors = embedder.encode_documents(sentences).astype(np.float16)
        np.savez(target, texts=np.array(sentences), vectors=vectors)
        print(f"{path.stem}: {len(sentences)} sentences", flush=True)


def examples(
    split: str, translated: str | None, articles: dict[str, Article], held_out: set[str]
) -> list[Example]:
    """The split's (or our translation's) answerable questions whose article is known and
    holds a gold answer, less the held-out ones."""
    questions = load_translated(translated, split) if translated else load_questions(split)
    made = []
    for q in questions:
        article = articles.get(q["article"])
        if not q["answers"] or article is None or q["id"] in held_out:
            continue
        right = np.array([contains_answer(t, q["answers"]) for t in article.texts])
        if right.any() and not right.all():
            made.append(Example(q["question"], q["language"], article, right))
    return made

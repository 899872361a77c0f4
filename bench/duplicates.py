"""Wire copies: shingle Jaccard and containment, MinHash, against sentence-vector overlap.

Copies are made from real articles as outlets make them: paragraphs reordered, the
headline changed, a sentence added, and all of that with the end cut off. Pairs of
distinct articles are the false positives to avoid, and so is a longer article that
quotes a whole dispatch inside its own text (a feature, a round-up): another story. Each
method's threshold is fitted on the train splits (seed + squad-train + piaf-train
articles) and measured on the dev ones.

    .venv/bin/python bench/duplicates.py ../shared/eval
"""

import argparse
import itertools
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.embedding.embed import Embedder
from index.ingest.article import Article
from index.ingest.parse import assemble
from index.ingest.readers import read_file
from index.stories import BANDS, ROWS, bands, containment, jaccard, shingles, signature

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_6acd5d2dc33e86a7.txt"
COSINE = 0.95  # two sentences are "the same" from this cosine on (e5, calibrated or not)


def load(eval_dir: Path, split: str, limit: int) -> list[Article]:
    files = sorted((eval_dir / split / "articles").glob("*.md"))[:limit]
    return [a for f in files for a in read_file(f).articles]


def paragraphs(article: Article) -> list[str]:
    return [article.text[p.start : p.end] for p in article.paragraphs if p.kind != "subheading"]


def variants(article: Article, others: list[Article], rng: random.Random) -> dict[str, Article]:
    body = paragraphs(article)
    donor = rng.choice([o for o in others if o.id != article.id])
    extra = donor.sentence_text(rng.choice(donor.sentences))
    reordered = body[:1] + rng.sample(body[1:], len(body) - 1)
    added = list(body)
    spot = rng.randrange(len(added))
    added[spot] = f"{added[spot]} {extra}"
    both = reordered[:]
    both[rng.randrange(len(both))] += f" {extra}"
    cut = both[: max(1, round(len(both) * 0.7))]
    made = {"reordered": reordered, "headline": body, "sentence added": added, "all, cut": cut}
    return {
        kind: assemble(f"{article.id}-{n}", kind, [("body", p) for p in texts], title="Autre titre")
        for n, (kind, texts) in enumerate(made.items())
    }


def inside(short: Article, long_: Article) -> Article:
    texts = paragraphs(long_)
    texts[len(texts) // 2 : len(texts) // 2] = paragraphs(short)
    return assemble(f"{long_.id}+{short.id}", "inside", [("body", p) for p in texts])


def sentence_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the shorter article's sentences with a near-identical one in the other."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return float(((short @ long_.T).max(axis=1) >= COSINE).mean())


def pairs(articles: list[Article], rng: random.Random):
    """(label, kind, a, b): every copy against its original, every two distinct articles,
    and every copy against another article."""
    copies = {a.id: variants(a, articles, rng) for a in articles}
    for a in articles:
        for kind, copy in copies[a.id].items():
            yield True, kind, a, copy
    for a, b in itertools.combinations(articles, 2):
        yield False, "distinct", a, b
        yield False, "distinct copy", copies[a.id]["all, cut"], b
    for a, b in zip(articles, articles[1:] + articles[:1], strict=True):
        if len(b.text) > 2 * len(a.text):  # a long article that quotes all of a short one
            yield False, "quoted inside", a, inside(a, b)


def scores(articles: list[Article], embedder: Embedder, rng: random.Random):
    rows = list(pairs(articles, rng))
    texts = {s for _, _, a, b in rows for x in (a, b) for s in map(x.sentence_text, x.sentences)}
    started = time.perf_counter()
    vectors = dict(zip(texts, embedder.encode_documents(sorted(texts)), strict=True))
    embed_s = time.perf_counter() - started
    cache: dict[str, tuple] = {}

    def features(x: Article) -> tuple:
        if x.id not in cache:
            found = shingles(x.text)
            sentences = np.stack([vectors[x.sentence_text(s)] for s in x.sentences])
            cache[x.id] = (found, bands(found), signature(found), sentences)
        return cache[x.id]

    started = time.perf_counter()
    for x in {id(a): a for _, _, a, b in rows for a in (a, b)}.values():
        features(x)
    out = []
    for label, kind, a, b in rows:
        fa, fb = features(a), features(b)
        lsh = bool(set(fa[1]) & set(fb[1]))
        estimate = float((fa[2] == fb[2]).mean())
        overlap = sentence_overlap(fa[3], fb[3])
        exact = jaccard(fa[0], fb[0])
        out.append((label, kind, containment(fa[0], fb[0]), estimate, lsh, overlap, exact))
    return out, embed_s, time.perf_counter() - started, len(cache)


def best_threshold(values: list[tuple[bool, float]]) -> float:
    def f1(t: float) -> float:
        tp = sum(1 for y, v in values if y and v >= t)
        fp = sum(1 for y, v in values if not y and v >= t)
        fn = sum(1 for y, v in values if y and v < t)
        return 2 * tp / max(2 * tp + fp + fn, 1)

    # the middle of the widest best plateau: a margin on both sides
    grid = [round(t, 2) for t in np.arange(0.05, 1.0, 0.01)]
    best = max(f1(t) for t in grid)
    tops = [t for t in grid if f1(t) == best]
    return tops[len(tops) // 2]


def report(name: str, rows: list, column: int, threshold: float) -> str:
    tp = sum(1 for r in rows if r[0] and r[column] >= threshold)
    fp = sum(1 for r in rows if not r[0] and r[column] >= threshold)
    fn = sum(1 for r in rows if r[0] and r[column] < threshold)
    low = min(r[column] for r in rows if r[0])
    high = max(r[column] for r in rows if not r[0])
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return (
        f"{name:22} threshold {threshold:.2f}  precision {precision:.3f}  recall {recall:.3f}  "
        f"lowest copy {low:.3f}  highest distinct {high:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    parser.add_argument("--limit", type=int, default=20, help="articles per split")
    args = parser.parse_args()
    embedder = Embedder("multilingual-e5-small", args.models_dir)
    seed = read_file(SEED).articles
    splits = {
        "train": seed
        + load(args.eval_dir, "squad-train", args.limit)
        + load(args.eval_dir, "piaf-train", args.limit),
        "dev": seed
        + load(args.eval_dir, "squad-dev", args.limit)
        + load(args.eval_dir, "piaf-dev", args.limit),
    }
    measured = {}
    for split, articles in splits.items():
        rows, embed_s, feature_s, n = scores(articles, embedder, random.Random(17))
        measured[split] = rows
        copies = sum(1 for r in rows if r[0])
        print(
            f"{split}: {len(articles)} articles, {copies} copies, {len(rows) - copies} distinct "
            f"pairs; embedding {embed_s:.1f} s, shingles+MinHash of {n} texts {feature_s:.1f} s"
        )
    methods = {
        "shingle Jaccard": 6,
        "shingle containment": 2,
        "MinHash Jaccard": 3,
        "sentence-vector overlap": 5,
    }
    for name, column in methods.items():
        threshold = best_threshold([(r[0], r[column]) for r in measured["train"]])
        for split in ("train", "dev"):
            print(f"{split:5} " + report(name, measured[split], column, threshold))
    for split in ("train", "dev"):
        rows = measured[split]
        missed = sum(1 for r in rows if r[0] and not r[4])
        extra = sum(1 for r in rows if not r[0] and r[4])
        print(
            f"{split:5} LSH candidates ({BANDS} bands of {ROWS}): copies missed {missed}, "
            f"distinct pairs to verify {extra} of {sum(1 for r in rows if not r[0])}"
        )
    for kind in ("reordered", "headline", "sentence added", "all, cut", "quoted inside"):
        values = [r for r in measured["dev"] if r[1] == kind]
        pick = min if values[0][0] else max
        print(
            f"dev   {kind:15} ({len(values)}, {pick.__name__}) Jaccard "
            f"{pick(r[6] for r in values):.3f}  containment {pick(r[2] for r in values):.3f}  "
            f"MinHash {pick(r[3] for r in values):.3f}  "
            f"sentence overlap {pick(r[5] for r in values):.3f}"
        )


if __name__ == "__main__":
    main()

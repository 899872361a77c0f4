"""Train the answer matcher alone, on e5's own question vectors (the shipped matcher is trained
with the question model by bench/train_query_tower.py), on -train questions only, and
measure it on held-out -train runs of the shipped ranker: the alternative measured.

    .venv/bin/python bench/train_matcher.py            # measure only

The matcher scores "this sentence answers the question" from vectors the product already
has: the question's e5 vector q, the sentence's s and its neighbours' mean n (stored in the
index), as  scale * (s·Wq + n·Vq)  with W starting at the identity (e5's own cosine) and V
at zero. Trained as a softmax over every sentence of the question's article (the right
ones: those holding a gold answer), each batch drawing alike from four sources: English
(squad-train and squad-train-large), French (piaf-train), and our translations across
languages (piaf-train-en, squad-train-fr). Answering costs one matrix product a question.

Measured on the runs bench/fit_reading.py caches (300 held-out questions per source, the
shipped ranker's candidates, data/train/runs-*.pkl): the matcher re-ranks the
ranker's best TOP by ranker score + blend * matcher score, blend chosen on three article
folds and measured on the fourth (cross-fitted). Dev splits are never read here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

import numpy as np
import torch
from fit_reading import PER_SOURCE, SOURCES, Run, cached_runs, fit_reading, held_out
from matcher_data import (
    DATA,
    Article,
    Example,
    encode_large,
    examples,
    indexed_articles,
    large_articles,
)

from app.engine import get_embedder
from app.settings import Settings
from embedding.embed import Embedder

SOURCE_NAMES = ("English", "French", "piaf-train-en", "squad-train-fr")
QUESTION_CACHE = DATA / "matcher" / "questions.npz"
TOP = 8
BLENDS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
FOLDS = 4
SEED = 21


def question_vectors(texts: list[str], embedder: Embedder) -> dict[str, np.ndarray]:
    """Encoded as the product encodes questions (its query prompt), cached."""
    known: dict[str, np.ndarray] = {}
    if QUESTION_CACHE.exists():
        saved = np.load(QUESTION_CACHE)
        known = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        print(f"encoding {len(missing)} questions", flush=True)
        prompt = embedder.encoder.prompts.get("query", "")
        vectors = embedder.encoder.encode([prompt + t for t in missing], True, None)
        known.update(zip(missing, vectors, strict=True))
        texts_known, vectors_known = np.array(list(known)), np.stack(list(known.values()))
        np.savez(QUESTION_CACHE, texts=texts_known, vectors=vectors_known)
    return known


class Matcher(torch.nn.Module):
    def __init__(self, dimension: int) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.eye(dimension))
        self.v = torch.nn.Parameter(torch.zeros(dimension, dimension))
        self.log_scale = torch.nn.Parameter(torch.tensor(np.log(20.0), dtype=torch.float32))

    def forward(self, q: torch.Tensor, s: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """q (B, d); s, n (B, S, d) -> (B, S)."""
        wq, vq = q @ self.w.T, q @ self.v.T
        raw = torch.einsum("bsd,bd->bs", s, wq) + torch.einsum("bsd,bd->bs", n, vq)
        return self.log_scale.exp() * raw

    def penalty(self) -> torch.Tensor:
        eye = torch.eye(self.w.shape[0])
        return ((self.w - eye) ** 2).sum() + (self.v**2).sum()


def batch_tensors(batch: list[Example], vectors: dict[str, np.ndarray]) -> tuple[torch.Tensor, ...]:
    longest = max(len(e.article.texts) for e in batch)
    d = batch[0].article.vectors.shape[1]
    s = np.zeros((len(batch), longest, d), np.float32)
    n = np.zeros_like(s)
    right = np.zeros((len(batch), longest), bool)
    valid = np.zeros_like(right)
    for i, e in enumerate(batch):
        k = len(e.article.texts)
        s[i, :k], n[i, :k], right[i, :k], valid[i, :k] = (
            e.article.vectors,
            e.article.neighbours,
            e.right,
            True,
        )
    q = np.stack([vectors[e.question] for e in batch]).astype(np.float32)
    return tuple(torch.from_numpy(a) for a in (q, s, n, right, valid))


def loss_of(model: Matcher, tensors: tuple[torch.Tensor, ...], decay: float) -> torch.Tensor:
    q, s, n, right, valid = tensors
    scores = model(q, s, n).masked_fill(~valid, -1e4)
    everything = torch.logsumexp(scores, 1)
    answers = torch.logsumexp(scores.masked_fill(~right, -1e4), 1)
    return (everything - answers).mean() + decay * model.penalty()


def train(
    sources: list[list[Example]], vectors: dict[str, np.ndarray], steps: int, decay: float
) -> Matcher:
    rng = random.Random(SEED)
    model = Matcher(next(iter(vectors.values())).shape[0])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    per_source = 8
    for step in range(1, steps + 1):
        batch = [e for source in sources for e in rng.sample(source, per_source)]
        loss = loss_of(model, batch_tensors(batch, vectors), decay)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 200 == 0:
            print(f"step {step}: loss {loss.item():.3f}", flush=True)
    return model


def article_hit(model: Matcher, examples_: list[Example], vectors: dict[str, np.ndarray]) -> float:
    """Share of examples whose best-scored sentence of the whole article holds the answer."""
    hits = []
    with torch.no_grad():
        for start in range(0, len(examples_), 64):
            batch = examples_[start : start + 64]
            q, s, n, right, valid = batch_tensors(batch, vectors)
            best = model(q, s, n).masked_fill(~valid, -1e4).argmax(1)
            hits += right[torch.arange(len(batch)), best].tolist()
    return float(np.mean(hits))


def run_scores(
    model: Matcher, runs: list[Run], indexed: dict[str, dict[str, Article]], vectors: dict
) -> list[np.ndarray]:
    """The matcher's score of each run's read candidates (the ranker's best TOP)."""
    places = {
        split: {t: (a, i) for a in articles.values() for i, t in enumerate(a.texts)}
        for split, articles in indexed.items()
    }
    scored = []
    with torch.no_grad():
        for run in runs:
            where = places[SOURCES[run.source][0]]
            found = [where[text] for text in run.sentences[:TOP]]
            s = np.stack([a.vectors[i] for a, i in found])[None]
            n = np.stack([a.neighbours[i] for a, i in found])[None]
            q = vectors[run.question][None].astype(np.float32)
            tensors = [torch.from_numpy(x) for x in (q, s, n)]
            scored.append(model(*tensors)[0].numpy())
    return scored


def hits(runs: list[Run], matched: list[np.ndarray], blend: float, spread: float) -> np.ndarray:
    """Hit@1 of each present run when the ranker's best TOP are re-ranked."""
    out = []
    for run, m in zip(runs, matched, strict=True):
        read = run.read[:TOP]
        best = read[int(np.argmax(run.ranked[read] + blend * spread * m))]
        out.append(bool(run.right[best]))
    return np.array(out)


def by_source(runs: list[Run], hit: np.ndarray) -> list[float]:
    return [float(hit[[r.source == s for r in runs]].mean()) for s in range(len(SOURCES))]


def measure(
    model: Matcher, runs: list[Run], indexed: dict[str, dict[str, Article]], vectors: dict
) -> float:
    """Cross-fitted over article folds: each fold's blend chosen on the other three."""
    present = [r for r in runs if not r.absent]
    matched = run_scores(model, present, indexed, vectors)
    # Blends in units of the ranker's spread over the matcher's, so the grid means the same
    # whatever the two scales: 1.0 gives the two alike weight.
    spread = float(np.std([r.ranked[r.read[:TOP]] for r in present]) / np.std(matched))
    fold = np.array([r.fold for r in present])
    table = {b: hits(present, matched, b, spread) for b in BLENDS}
    crossed = np.zeros(len(present), bool)
    for f in range(FOLDS):
        rest = fold != f
        others = [r for r, k in zip(present, rest, strict=True) if k]
        best = max(BLENDS, key=lambda b: np.mean(by_source(others, table[b][rest])))
        crossed[~rest] = table[best][~rest]
        print(f"fold {f}: blend {best}")
    for b in (0.0, *BLENDS[1:]):
        print(f"blend {b}: " + " ".join(f"{h:.3f}" for h in by_source(present, table[b])))
    figures = by_source(present, crossed)
    print("cross-fitted: " + " ".join(f"{h:.3f}" for h in figures), f"mean {np.mean(figures):.3f}")
    return float(np.mean(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--decay", type=float, default=1e-3)
    parser.add_argument("--large", type=int, default=10, help="squad-train-large articles")
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # small products: threads would only wait on each other
    settings = Settings()
    runs = cached_runs(settings)
    # Held out by question id, so a question's translation is held out with it.
    held_out = {q["id"] for source in SOURCES for q in held_out(source)}
    embedder = get_embedder(settings)
    encode_large(embedder, args.large)
    indexed = {split: indexed_articles(split) for split in ("squad-train", "piaf-train")}
    english = examples("squad-train", None, indexed["squad-train"], held_out)
    english += examples("squad-train-large", None, large_articles(args.large), held_out)
    sources = [
        english,
        examples("piaf-train", None, indexed["piaf-train"], held_out),
        examples("piaf-train", "piaf-train-en", indexed["piaf-train"], held_out),
        examples("squad-train", "squad-train-fr", indexed["squad-train"], held_out),
    ]
    print("examples per source:", [len(s) for s in sources], flush=True)
    texts = [e.question for s in sources for e in s] + [r.question for r in runs]
    vectors = question_vectors(texts, embedder)
    model = train(sources, vectors, args.steps, args.decay)
    crossed = measure(model, runs, indexed, vectors)
    for run, logits in zip(runs, run_scores(model, runs, indexed, vectors), strict=True):
        run.logits = logits
    reading, figures = fit_reading(runs)
    reading["fitted_on"] = {
        "command": "python bench/train_matcher.py " + " ".join(sys.argv[1:]),
        "examples_per_source": dict(zip(SOURCE_NAMES, map(len, sources), strict=True)),
        "squad_train_large_articles": args.large,
        "steps": args.steps,
        "decay": args.decay,
        "held_out": f"{PER_SOURCE} questions per source (fit_reading.held_out), in every language",
        "held_out_train_figures": figures,
        "cross_fitted_mean_hit@1": round(crossed, 3),
    }
    print(json.dumps(reading["fitted_on"], indent=1))


if __name__ == "__main__":
    main()

"""Sweep fusion and sentence weights on a split; prints hit@1 per setting, best last.

Run by hand, after building the split's index (see README, "Answer quality"). Fit on a
-train split only; the -dev splits measure what was fitted (../shared/eval/README.md):
    .venv/bin/python bench/tune.py data/train/squad-train \
        ../shared/eval/squad-train/questions.jsonl

`--fusion-only` sweeps the fusion weight alone (FUSION_ONLY), the sentence picked by the
shipped scorer's ranker (qa/scorer.json): how qa/app/settings.py's keyword_weight_fr and
keyword_weight_en were chosen, each on the train split of its language (1,500 sampled
questions; the e5 indexes are bench/scorer_data.py's, built by bench/train_scorer.py):
    .venv/bin/python bench/tune.py data/train/piaf-train \
        ../shared/eval/piaf-train/questions.jsonl --fusion-only

Sentence features are computed once per question and fusion weight; every weighting is
then a dot product, so a sweep takes a minute. Tune rules, not questions: other splits judge.
"""

import argparse
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from index.embedded.store import Filters, Store
from index.embedding.embed import Embedder
from index.ingest.language import detect_language
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.evaluate import contains_answer, load_questions
from qa.features import NAMES, weights
from qa.retrieve import FusedRetriever, Query
from qa.scorer import Learned
from qa.select import candidates

SAMPLE = 1500
FUSION = (0.3, 0.4, 0.5, 0.6)
FUSION_ONLY = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
STEPS = np.round(np.arange(0, 1.01, 0.05), 2)


def prepared(embedder: Embedder, path: Path, sample: int = SAMPLE) -> list[tuple[Query, list[str]]]:
    """The answerable questions, shuffled by a fixed seed; the first `sample` (0: all)."""
    questions = [q for q in load_questions(path) if q.answers]
    random.Random(7).shuffle(questions)
    questions = questions[:sample] if sample else questions
    queries = []
    for question in questions:
        query = Query(question.question, detect_language(question.question), embedder)
        queries.append((query, question.answers))
    return queries


def feature_tables(store: Store, items: list, weight: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: features of each candidate sentence, and which ones hold an answer."""
    retriever = FusedRetriever(store, {"fr": weight, "en": weight})
    tables = []
    for query, answers in items:
        found = candidates(store, query, retriever.search(query, 50, Filters()))
        if not found:
            tables.append((np.zeros((1, len(NAMES))), np.zeros(1, dtype=bool)))
            continue
        features = np.stack([c.features for c in found])
        right = np.array([contains_answer(c.sentence.text, answers) for c in found])
        tables.append((features, right))
    return tables


def share_grid() -> Iterator[dict[str, float]]:
    """The hand-made shares swept: the keyword's is what the others leave of 1."""
    for dense, passage, kind, context in itertools.product(
        STEPS[:9], STEPS[:5], STEPS[:5], STEPS[:6]
    ):
        keyword = round(1 - dense - passage - kind - context, 2)
        if keyword >= 0:
            yield {
                "dense": dense,
                "keyword": keyword,
                "passage": passage,
                "answer_type": kind,
                "context": context,
            }


def sweep_shares(store: Store, items: list) -> None:
    """Fusion weights FUSION and the hand-made sentence shares together."""
    results = []
    for weight in FUSION:
        tables = feature_tables(store, items, weight)
        for shares in share_grid():
            hits = sum(right[np.argmax(f @ weights(**shares))] for f, right in tables)
            results.append((hits / len(tables), weight, shares))
    for hit, weight, shares in sorted(results, key=lambda r: r[0])[-15:]:
        named = " ".join(f"{name}={share:g}" for name, share in shares.items())
        print(f"hit@1={hit:.4f} keyword_fusion={weight} {named}")


def sweep_joint(splits: list[tuple[Store, list]]) -> None:
    """One set of hand-made shares for every split, each split's fusion weight its own
    (keyword_weight_fr, keyword_weight_en): the shares with the best mean hit@1 over the
    splits, each at its best fusion weight."""
    tables = {
        (n, w): feature_tables(store, items, w)
        for n, (store, items) in enumerate(splits)
        for w in FUSION
    }
    results = []
    for shares in share_grid():
        vector = weights(**shares)
        best = []
        for n in range(len(splits)):
            hits = {
                w: float(np.mean([r[np.argmax(f @ vector)] for f, r in tables[(n, w)]]))
                for w in FUSION
            }
            fusion = max(hits, key=lambda w: hits[w])
            best.append((hits[fusion], fusion))
        results.append((float(np.mean([b[0] for b in best])), best, shares))
    for mean, best, shares in sorted(results, key=lambda r: r[0])[-10:]:
        named = " ".join(f"{name}={share:g}" for name, share in shares.items())
        per = " ".join(f"{hit:.4f}@{fusion}" for hit, fusion in best)
        print(f"mean hit@1={mean:.4f} per split {per} {named}")


def sweep_fusion(store: Store, items: list, scorer: Learned, fusion: list[float]) -> None:
    """The fusion weight alone, the sentence picked by `scorer`'s ranker."""
    results = []
    for weight in fusion:
        tables = feature_tables(store, items, weight)
        hits = sum(right[np.argmax(scorer.scores(f))] for f, right in tables)
        results.append((hits / len(tables), weight))
        print(f"hit@1={hits / len(tables):.4f} keyword_fusion={weight}", flush=True)
    best, weight = max(results)
    print(f"best keyword_fusion={weight} (hit@1 {best:.4f}, {len(items)} questions)")
    for hit, other in results:  # the rule: keep the default unless 0.5 point better
        print(f"  {other}: {(best - hit) * 100:.2f} points below the best")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path, help="the split's index")
    parser.add_argument("questions", type=Path, help="the split's questions.jsonl")
    parser.add_argument(
        "--also",
        nargs=2,
        action="append",
        default=[],
        metavar=("INDEX_DIR", "QUESTIONS"),
        help="another split: one set of shares for all, each its own fusion weight",
    )
    parser.add_argument(
        "--fusion-only",
        action="store_true",
        help="sweep the fusion weight alone, the sentence picked by qa/scorer.json's ranker",
    )
    parser.add_argument(
        "--weights",
        type=lambda text: [float(w) for w in text.split(",")],
        default=list(FUSION_ONLY),
        help="fusion weights of --fusion-only, comma-separated (default: FUSION_ONLY)",
    )
    parser.add_argument(
        "--sample", type=int, default=SAMPLE, help=f"questions (default {SAMPLE}; 0: all)"
    )
    args = parser.parse_args()
    store = Store.open(args.index_dir)
    embedder = get_embedder(Settings(embedding_model=store.model))
    items = prepared(embedder, args.questions, args.sample)
    if args.fusion_only:
        sweep_fusion(store, items, Learned.load(), args.weights)
    elif args.also:
        others = [
            (Store.open(Path(i)), prepared(embedder, Path(q), args.sample)) for i, q in args.also
        ]
        sweep_joint([(store, items), *others])
    else:
        sweep_shares(store, items)


if __name__ == "__main__":
    main()

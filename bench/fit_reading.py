"""Held-out -train runs of the shipped ranker, and the fit of what the product does with the
answer reader's logits on them (qa/reading.json: depth and blend).
Used by bench/train_reader.py (which leaves these questions out) and bench/fit_reader.py.

1. Questions: per source (a -train split, in its own language and in our translation),
   PER_SOURCE answerable questions drawn by a seed (`held_out`); the trainers leave them
   out by id, in every language.
2. Each is asked over its split's index ("present") and over a copy without its article
   ("absent": "not found" is right), as in bench/scorer_data.py: the shipped ranker ranks
   the candidates, the reader scores its TOP best.
3. depth and blend: how many of the ranker's best the reader reads (qa/reading.py,
   `Depth`: a fixed number, or as many as hold a share of the ranker's probability, at
   least a few, the others only if the reader is not sure of one of those; `depths`) and
   the weight of the ranker's score added to the reader's logit, the one of BLENDS with
   the best mean hit@1 over the sources' present runs, for each depth; then the depth
   with the fewest reads on average within TOP_TOLERANCE of the best.
4. "Not found" is the scorer's (its confidence in the chosen sentence against its
   threshold for the question's language): the figures say what it does with the
   reader's choices.
Dev splits are never read here.
"""

from __future__ import annotations

import hashlib
import pickle
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scorer_data import ROOT, candidates_asked, fold_indexes, folds_of, split_index
from split_data import load_questions, load_translated

from index.embedded.store import Store
from index.ingest.language import detect_language
from qa.app.engine import get_embedder
from qa.app.settings import Settings
from qa.evaluate import contains_answer
from qa.reading import Depth, Reads
from qa.retrieve import Query
from qa.scorer import SCORER_FILE, shipped

SOURCES = (  # (split whose articles are asked about, our translated questions or None)
    ("squad-train", None),
    ("piaf-train", None),
    ("piaf-train", "piaf-train-en"),
    ("squad-train", "squad-train-fr"),
)
PER_SOURCE = 300
TOP = 8  # candidates read per run here: the most the product's depth may read
# The reader's scores a read must reach to settle the choice, above their median over the
# candidates read (with the head's logit alone the median is about -3: -1 to 3; the offsets
# keep the grid where the scores are when the span's score joins them). None: never settled.
SURE_ABOVE_MEDIAN = (None, 2.0, 3.0, 4.0, 5.0, 6.0)
FIXED = (3, 5, 8)  # a fixed number read


def depths(runs: list[Run]) -> list[Depth]:
    """The depths the fit tries on these runs (their logits set)."""
    median = float(np.median(np.concatenate([r.logits for r in runs if r.logits is not None])))
    sure = [None if s is None else round(median + s, 2) for s in SURE_ABOVE_MEDIAN]
    return [
        *(Depth(n, n, 1.0) for n in FIXED),
        *(
            Depth(least, TOP, mass, at)
            for least in (2, 3)
            for mass in (0.6, 0.7, 0.8, 0.9, 0.95)
            for at in sure
        ),
    ]


# The fewest reads within this of the best: each one read costs ~11 ms of one core a
# question (8 instead of 5: +0.7 held-out points for ~+35 ms, over the latency aimed at).
TOP_TOLERANCE = 0.01
# The ranker's weight in units of the two scores' spreads (spread_unit): 1 weighs them alike,
# 100 lets the ranker all but decide, whatever scale the logits come on.
BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 100.0)
SEED = 21
DATA = ROOT / "data" / "train"
RUNS_DEPEND_ON = (
    SCORER_FILE,
    *(ROOT / "qa" / f"{m}.py" for m in ("retrieve", "features", "select")),
)


@dataclass
class Run:
    """One question over one index: all candidates, the ranker's TOP scored by the reader."""

    source: int
    language: str  # of the question
    absent: bool
    fold: int
    ranked: np.ndarray  # the ranker's score of each candidate
    features: np.ndarray
    right: np.ndarray  # each candidate holds a gold answer
    read: np.ndarray  # positions of the candidates the reader scores
    question: str
    sentences: list[str]  # of those candidates
    logits: np.ndarray | None = None


def held_out(source: tuple[str, str | None]) -> list[dict]:
    split, translated = source
    questions = load_translated(translated, split) if translated else load_questions(split)
    answerable = [q for q in questions if q["answers"]]
    random.Random(SEED).shuffle(answerable)
    return answerable[:PER_SOURCE]


def held_out_ids() -> set[str]:
    """The ids of every source's held-out questions: the trainers leave them out, in every
    language (a translation keeps its original's id)."""
    return {q["id"] for source in SOURCES for q in held_out(source)}


def runs_path() -> Path:
    """Where the runs are kept: named by what they depend on."""
    key = hashlib.sha1(b"".join(p.read_bytes() for p in RUNS_DEPEND_ON)).hexdigest()
    return DATA / f"runs-{key[:12]}-{PER_SOURCE}.pkl"


def cached_runs(settings: Settings) -> list[Run]:
    """The runs depend on the ranker, the code that finds candidates and the questions, not
    on the reader: kept on disk."""
    path = runs_path()
    if path.exists():
        runs: list[Run] = pickle.loads(path.read_bytes())
        return runs
    runs = [r for n, s in enumerate(SOURCES) for r in runs_for(n, s, settings)]
    path.write_bytes(pickle.dumps(runs))
    return runs


def runs_for(number: int, source: tuple[str, str | None], settings: Settings) -> list[Run]:
    split = source[0]
    embedder = get_embedder(settings)
    questions = held_out(source)
    folds = folds_of([q["article"] for q in load_questions(split) if q["answers"]])
    whole = Store.open(split_index(split, settings, embedder, DATA))
    without = [Store.open(p) for p in fold_indexes(split, folds, embedder, DATA)]
    ranker, runs = shipped(), []
    for question in questions:
        query = Query(question["question"], detect_language(question["question"]), embedder)
        fold = folds[question["article"]]
        for store, absent in ((whole, False), (without[fold], True)):
            found = candidates_asked(store, query, settings)
            if not found:
                continue
            features = np.stack([c.features for c in found])
            ranked = ranker.scores(features)
            read = np.argsort(-ranked, kind="stable")[:TOP]
            right = np.array([contains_answer(c.sentence.text, question["answers"]) for c in found])
            runs.append(
                Run(
                    number,
                    question["language"],
                    absent,
                    fold,
                    ranked,
                    features,
                    right,
                    read,
                    query.text,
                    [found[i].sentence.text for i in read],
                )
            )
    print(f"{source}: {len(questions)} questions, {len(runs)} runs", flush=True)
    return runs


def reads_of(run: Run, blend: float, depth: Depth) -> Reads:
    """What qa/reading.py's Reading.read returns for this run (Run.read is the ranker's
    order, as Depth.of sorts it)."""
    assert run.logits is not None
    count = read_count(run, depth)
    read, logits = run.read[:count], run.logits[:count]
    return Reads(run.ranked, read, logits, logits + blend * run.ranked[read], [None] * len(read))


def read_count(run: Run, depth: Depth) -> int:
    """How many of its candidates the product reads (Depth.count)."""
    assert run.logits is not None
    return depth.count(run.ranked, run.logits)


def chosen(run: Run, blend: float, depth: Depth) -> int:
    """Position, among the read, of the candidate the product quotes."""
    return int(np.argmax(reads_of(run, blend, depth).scores))


def hit_at_1(runs: list[Run], blend: float | None, depth: Depth) -> float:
    """Over present runs; blend None: the ranker alone."""
    present = [r for r in runs if not r.absent]
    hits = [r.right[r.read[0 if blend is None else chosen(r, blend, depth)]] for r in present]
    return float(np.mean(hits)) if hits else float("nan")


def by_source(runs: list[Run]) -> list[list[Run]]:
    return [[r for r in runs if r.source == s] for s in range(len(SOURCES))]


def mean_hit(runs: list[Run], blend: float | None, depth: Depth) -> float:
    """Each source counts alike, whatever its size."""
    return float(np.mean([hit_at_1(some, blend, depth) for some in by_source(runs) if some]))


def mean_reads(runs: list[Run], depth: Depth) -> float:
    """Candidates read per question, each source alike, over present runs."""
    return float(
        np.mean(
            [
                np.mean([read_count(r, depth) for r in some if not r.absent])
                for some in by_source(runs)
            ]
        )
    )


def spread_unit(runs: list[Run]) -> float:
    """The spread of the logits over the spread of the ranker's scores, among those read."""
    logits = np.concatenate([r.logits for r in runs if r.logits is not None])
    ranked = np.concatenate([r.ranked[r.read] for r in runs])
    return float(np.std(logits) / np.std(ranked))


def best_blend(runs: list[Run], depth: Depth, unit: float | None = None) -> float:
    """The ranker's weight of BLENDS (in spread units) with the best mean hit@1."""
    unit = spread_unit(runs) if unit is None else unit
    return max((b * unit for b in BLENDS), key=lambda b: mean_hit(runs, b, depth))


def best_reading(runs: list[Run]) -> tuple[Depth, float]:
    """(depth, blend): the best blend for each depth, then the depth with the fewest reads
    whose hit@1 is within TOP_TOLERANCE of the best."""
    unit = spread_unit(runs)
    tried = depths(runs)
    blends = {d: best_blend(runs, d, unit) for d in tried}
    hits = {d: mean_hit(runs, blends[d], d) for d in tried}
    reads = {d: mean_reads(runs, d) for d in tried}
    for d in tried:
        print(
            f"{d}: {reads[d]:.2f} read, blend {blends[d] / unit:g} spread units, mean hit@1"
            f" {hits[d]:.3f} (logits alone {mean_hit(runs, 0.0, d):.3f})"
        )
    print(f"the ranker alone: mean hit@1 {mean_hit(runs, None, tried[0]):.3f}")
    near = [d for d in tried if hits[d] >= max(hits.values()) - TOP_TOLERANCE]
    depth = min(near, key=lambda d: (reads[d], -hits[d]))
    return depth, blends[depth]


def outcomes(runs: list[Run], blend: float | None, depth: Depth) -> tuple[np.ndarray, np.ndarray]:
    """For each run, whether the product's quote holds the answer and whether it is kept
    (the scorer's calibrated confidence in it at or over the scorer's threshold for the
    question's language); blend None: the ranker alone, as before the reader."""
    ranker, right, kept = shipped(), [], []
    for run in runs:
        best = run.read[0 if blend is None else chosen(run, blend, depth)]
        confidence = ranker.confidence(run.features, run.ranked, int(best))
        right.append(bool(run.right[best]))
        kept.append(confidence >= ranker.threshold(run.language))
    return np.array(right), np.array(kept)


def kept_at(runs: list[Run], probability: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Whether each run's answer is kept: its confidence, rounded to the 3 decimals answers
    show, at or over its question language's threshold."""
    return np.round(probability, 3) >= np.array([thresholds[r.language] for r in runs])


ConfidenceFit = Callable[[list[Run], float, Depth], tuple[dict, np.ndarray]]


def fit_reading(
    runs: list[Run],
    name: str = "reader",
    confidence: ConfidenceFit | None = None,
    span_weight: float = 0.0,
) -> tuple[dict, dict]:
    """What qa/reading.py reads (depth, blend, and with `confidence` the confidence fitted by
    it) from runs whose logits are set, and the held-out figures per source, before (the
    ranker) and with the reader; "answered_right" counts an abstention as a miss,
    "absent_not_found" is the share of runs about a missing article answered "not found".
    Without `confidence`, the scorer's decides "not found". The runs' logits are the reader's
    judgement of each sentence already (qa/reading.py `judged`: with its span score at
    `span_weight`, recorded)."""
    depth, blend = best_reading(runs)
    fitted: dict = {"depth": asdict(depth), "blend": blend, "span_weight": span_weight}
    outcomes_by = {"ranker": outcomes(runs, None, depth)}
    right, kept = outcomes(runs, blend, depth)
    if confidence is not None:
        fitted["confidence"], probability = confidence(runs, blend, depth)
        outcomes_by[f"{name} (scorer's confidence)"] = (right, kept)
        kept = kept_at(runs, probability, fitted["confidence"]["thresholds"])
    outcomes_by[name] = (right, kept)
    absent = np.array([r.absent for r in runs])
    source = np.array([r.source for r in runs])
    figures: dict[str, dict[str, float]] = {}
    for label, (right, kept) in outcomes_by.items():
        for n, s in enumerate(SOURCES):
            mine, shown = source == n, right & kept
            figures.setdefault(f"{s[0]}{' ' + s[1] if s[1] else ''}", {}).update(
                {
                    f"{label}_hit@1": round(float(np.mean(right[mine & ~absent])), 3),
                    f"{label}_answered_right": round(float(np.mean(shown[mine & ~absent])), 3),
                    f"{label}_absent_not_found": round(float(np.mean(~kept[mine & absent])), 3),
                }
            )
    return fitted, figures

"""Fit how the product uses the answer reader (qa/reading.json: how many of the ranker's best
it reads, and the ranker's weight beside the reader's logit) on the held-out -train runs of
bench/fit_reading.py, with the reader assembled, exported and run as the product runs it.
Dev splits are never read.

    .venv/bin/python bench/fit_reader.py --delta data/reader-train/reader-delta.safetensors
    .venv/bin/python bench/fit_reader.py --delta ... --ship   # into qa/reader_model/
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import shutil
import time
from pathlib import Path

import numpy as np
from fit_confidence import fit_confidence
from fit_reading import (
    SOURCES,
    TOP,
    Run,
    best_blend,
    cached_runs,
    fit_reading,
    mean_hit,
    runs_path,
)
from reader_data import context_of
from split_data import indexed_sentences, split_dir

from index.embedding.reader_model import CALIBRATION_FILE, RECORD_FILE, checked_record
from qa.app.engine import answer_reader, calibration_of
from qa.app.settings import Settings
from qa.reader import AnswerReader
from qa.reader_input import reader_text
from qa.reading import READER_DELTA, READING_FILE, Depth

BULK = 512  # texts read at a time for their span scores
# The span score's weight in units of the two scores' spreads (0: the head's logit alone)
SPAN_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)


def contexts(split: str) -> dict[str, str]:
    """Each sentence of the split's index → its context, as answering builds it."""
    found = {}
    for name, texts in indexed_sentences(split).items():
        title = (split_dir(split) / "articles" / name).read_text().partition("\n")[0]
        title = title.removeprefix("#").strip()
        for i, text in enumerate(texts):
            found[text] = context_of(title, texts, i)
    return found


def reads_cache(delta: Path, settings: Settings) -> Path:
    """Where the reads of the runs by this reader, at the precision the product runs it, are
    kept."""
    sha = checked_record(delta)["sha256"][:12]
    return runs_path().with_suffix(f".reads-{sha}-{precision_of(delta, settings)}.npz")


def precision_of(delta: Path, settings: Settings) -> str:
    """The precision the product reads this reader at with these settings."""
    return "int8" if calibration_of(delta, settings) else "float"


def read_all(
    reader: AnswerReader, runs: list[Run], around: dict[str, dict[str, str]], cache: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    """The logit of each run's candidates, one after the other, as answering computes them
    (the same texts, model and heads), read in bulk (one call per run on one thread took 8
    minutes), and the span scores of each (qa/answer_words.py; zeros for a reader without a
    span head). Kept in `cache`."""
    if cache is not None and cache.exists():
        kept = np.load(cache)
        return kept["logits"], kept["span_scores"]
    keys = read_keys(runs)
    known = earlier_reads(cache) if cache is not None else {}
    new = list(dict.fromkeys(k for k in keys if k not in known))
    print(f"{len(keys) - sum(k in known for k in keys)} of {len(keys)} reads are new", flush=True)
    asked = [(question, s) for _, question, s in new]
    contexts = [around[split][s] for split, _, s in new]
    if not new:
        new_logits, new_spans = np.zeros(0), np.zeros(0)
    elif reader.span is None:
        texts = [reader_text(q, s, c) for (q, s), c in zip(asked, contexts, strict=True)]
        new_logits = reader.model.encoder.encode(texts, True, None) @ reader.weight + reader.bias
        new_spans = np.zeros(len(texts))
    else:
        new_logits, new_spans = read_spans(reader, asked, contexts)
    known.update(zip(new, as_pairs(new_logits, new_spans), strict=True))
    logits = np.array([known[k][0] for k in keys], dtype=np.float32)
    span_scores = np.array([known[k][1] for k in keys], dtype=np.float32)
    if cache is not None:
        np.savez(cache, logits=logits, span_scores=span_scores)
    return logits, span_scores


def read_keys(runs: list[Run]) -> list[tuple[str, str, str]]:
    """(split, question, sentence) of each run's candidates, one after the other: what a
    read depends on (the context follows from the split and the sentence)."""
    return [(SOURCES[run.source][0], run.question, s) for run in runs for s in run.sentences]


def earlier_reads(cache: Path) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(split, question, sentence) -> (logit, span score), from the reads kept by the same
    reader at the same precision for other runs (another retrieval or ranker hands it much
    the same candidates): only the new ones are read again."""
    reads = cache.name.split(".", 1)[1]  # reads-<reader>-<precision>.npz
    found: dict[tuple[str, str, str], tuple[float, float]] = {}
    for kept in cache.parent.glob(f"runs-*.{reads}"):
        runs_file = kept.with_name(kept.name.split(".", 1)[0] + ".pkl")
        if kept == cache or not runs_file.exists():
            continue
        runs: list[Run] = pickle.loads(runs_file.read_bytes())
        arrays = np.load(kept)
        keys = read_keys(runs)
        found.update(zip(keys, as_pairs(arrays["logits"], arrays["span_scores"]), strict=True))
    return found


def as_pairs(logits: np.ndarray, span_scores: np.ndarray) -> list[tuple[float, float]]:
    return list(zip(logits.tolist(), span_scores.tolist(), strict=True))


def read_spans(
    reader: AnswerReader, asked: list[tuple[str, str]], contexts: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Logits and span scores of each (question, sentence) in its context, as AnswerReader.read
    gives them, BULK at a time (token states of all at once would fill the memory)."""
    logits, span_scores = [], []
    for at in range(0, len(asked), BULK):
        some = asked[at : at + BULK]
        for question, group in itertools.groupby(
            zip(some, contexts[at : at + BULK], strict=True), key=lambda pair: pair[0][0]
        ):
            found = reader.read(question, [(s, c) for (_, s), c in group])
            logits.append(found.logits)
            span_scores.append(found.span_scores)
        print(f"read {min(at + BULK, len(asked))} of {len(asked)}", flush=True)
    return np.concatenate(logits), np.concatenate(span_scores)


def best_span_weight(runs: list[Run], logits: np.ndarray, span_scores: np.ndarray) -> float:
    """The span score's weight beside the head's logit (qa/reading.py `judged`), in units of
    their spreads: the best mean hit@1 with all TOP read at the best blend (the fit's own
    measure of the choice, whatever the depth); the smaller weight on a tie. The runs are
    left judged with it."""
    best, best_hit = 0.0, -1.0
    if span_scores.any():
        unit = float(np.std(logits) / np.std(span_scores))
        everything = Depth(TOP, TOP, 1.0)
        for share in SPAN_WEIGHTS:
            set_logits(runs, logits + share * unit * span_scores)
            hit = mean_hit(runs, best_blend(runs, everything), everything)
            print(f"span weight {share:g} spread units: mean hit@1 {hit:.3f} with {TOP} read")
            if hit > best_hit:
                best, best_hit = share * unit, hit
    set_logits(runs, logits + best * span_scores)
    return best


def shipped_reading() -> dict:
    """qa/reading.json as shipped: depth, blend, span weight, confidence."""
    reading: dict = json.loads(READING_FILE.read_text())
    return reading


def shipped_reads(settings: Settings) -> tuple[list[Run], list[tuple[np.ndarray, ...]]]:
    """The runs, judged as the shipped reading judges them, and each run's (logits, span
    scores), from the reads this script kept for the shipped reader."""
    runs, cache = cached_runs(settings), reads_cache(READER_DELTA, settings)
    if not cache.exists():
        raise SystemExit(f"no {cache}: run bench/fit_reader.py (without --delta) first")
    kept = np.load(cache)
    logits, spans = kept["logits"], kept["span_scores"]
    set_logits(runs, logits + shipped_reading()["span_weight"] * spans)
    return runs, list(zip(per_run(runs, logits), per_run(runs, spans), strict=True))


def per_run(runs: list[Run], values: np.ndarray) -> list[np.ndarray]:
    """Each run's share of `values`, its candidates' one after the other."""
    bounds = np.cumsum([0] + [len(run.sentences) for run in runs])
    return [values[a:b] for a, b in itertools.pairwise(bounds)]


def set_logits(runs: list[Run], scores: np.ndarray) -> None:
    """Each run's share of `scores`, its candidates' one after the other."""
    for run, share in zip(runs, per_run(runs, scores), strict=True):
        run.logits = share.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delta", type=Path, default=READER_DELTA)
    parser.add_argument("--ship", action="store_true")
    parser.add_argument(
        "--reading-out", type=Path, help="write the fitted reading there (as qa/reading.json)"
    )
    args = parser.parse_args()
    settings = Settings()
    calibration = calibration_of(args.delta, settings)
    if calibration_of(READER_DELTA, settings) and not calibration:
        # Fitted in float, the reading would not be the one the product runs once shipped
        parser.error(
            f"no {CALIBRATION_FILE} beside {args.delta}: the product runs the reader in int8, "
            f"calibrated on those texts; copy {READER_DELTA.with_name(CALIBRATION_FILE)} there, "
            "or fit in float with QA_READER_PRECISION=float"
        )
    runs = cached_runs(settings)
    reader = answer_reader(settings, args.delta)
    around = {split: contexts(split) for split in {s for s, _ in SOURCES}}
    started = time.monotonic()
    logits, span_scores = read_all(reader, runs, around, reads_cache(args.delta, settings))
    print(f"{len(runs)} runs read in {time.monotonic() - started:.0f} s")
    span_weight = best_span_weight(runs, logits, span_scores)
    fitted, figures = fit_reading(runs, "reader", fit_confidence, span_weight)
    print(json.dumps(figures, indent=1))
    print(json.dumps(fitted, indent=1))
    if args.reading_out:
        args.reading_out.write_text(json.dumps(fitted, indent=1) + "\n")
    if args.ship:
        ship(args.delta, fitted, figures, precision_of(args.delta, settings))


def ship(delta: Path, fitted: dict, figures: dict, precision: str) -> None:
    READER_DELTA.parent.mkdir(exist_ok=True)
    if delta.resolve() != READER_DELTA.resolve():
        shutil.copy(delta, READER_DELTA)
        shutil.copy(delta.with_name(RECORD_FILE), READER_DELTA.with_name(RECORD_FILE))
    record = json.loads(READER_DELTA.with_name(RECORD_FILE).read_text())
    fitted["fitted_on"] = {
        **record,
        "held_out_train_figures": figures,
        "reader_precision": precision,  # the reader whose logits it was fitted on
        "refitted_by": "python bench/fit_reader.py --ship",
    }
    READING_FILE.write_text(json.dumps(fitted, indent=1) + "\n")
    print(f"wrote {READER_DELTA} and {READING_FILE}")


if __name__ == "__main__":
    main()

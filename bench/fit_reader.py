"""Fit how the product uses the answer reader (qa/reading.json: how many of the ranker's best
it reads, and the ranker's weight beside the reader's logit) on the held-out -train runs of
bench/fit_reading.py, with the reader assembled, exported and run as the product runs it.
Dev splits are never read.

    .venv/bin/python bench/fit_reader.py --delta data/reader-train/reader-delta.safetensors
    .venv/bin/python bench/fit_reader.py --delta ... --ship   # into qa/reader_model/
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from fit_confidence import fit_confidence
from fit_reading import SOURCES, Run, cached_runs, fit_reading, runs_path
from reader_data import context_of
from split_data import indexed_sentences, split_dir

from index.embedding.reader_model import RECORD_FILE, checked_record
from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.reader import AnswerReader
from qa.reader_input import reader_text
from qa.reading import READER_DELTA, READING_FILE


def contexts(split: str) -> dict[str, str]:
    """Each sentence of the split's index → its context, as answering builds it."""
    found = {}
    for name, texts in indexed_sentences(split).items():
        title = (split_dir(split) / "articles" / name).read_text().partition("\n")[0]
        title = title.removeprefix("#").strip()
        for i, text in enumerate(texts):
            found[text] = context_of(title, texts, i)
    return found


def read_logits(
    reader: AnswerReader, runs: list[Run], around: dict[str, dict[str, str]], cache: Path | None
) -> None:
    """Each run's logits, as answering computes them (the same texts, model and head),
    encoded in bulk: one call per run on one thread took 8 minutes. Kept in `cache`."""
    if cache is not None and cache.exists():
        logits = np.load(cache)
    else:
        texts = [
            reader_text(run.question, sentence, around[SOURCES[run.source][0]][sentence])
            for run in runs
            for sentence in run.sentences
        ]
        logits = reader.model.encoder.encode(texts, True, None) @ reader.weight + reader.bias
        if cache is not None:
            np.save(cache, logits)
    at = 0
    for run in runs:
        run.logits = logits[at : at + len(run.sentences)].astype(np.float32)
        at += len(run.sentences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delta", type=Path, default=READER_DELTA)
    parser.add_argument("--ship", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    runs = cached_runs(settings)
    reader = answer_reader(settings, args.delta)
    around = {split: contexts(split) for split in {s for s, _ in SOURCES}}
    started = time.monotonic()
    sha = checked_record(args.delta)["sha256"][:12]
    read_logits(reader, runs, around, runs_path().with_suffix(f".logits-{sha}.npy"))
    seconds = time.monotonic() - started
    print(f"{len(runs)} runs read in {seconds:.0f} s")
    fitted, figures = fit_reading(runs, "reader", fit_confidence)
    print(json.dumps(figures, indent=1))
    print(json.dumps(fitted, indent=1))
    if args.ship:
        ship(args.delta, fitted, figures)


def ship(delta: Path, fitted: dict, figures: dict) -> None:
    READER_DELTA.parent.mkdir(exist_ok=True)
    if delta.resolve() != READER_DELTA.resolve():
        shutil.copy(delta, READER_DELTA)
        shutil.copy(delta.with_name(RECORD_FILE), READER_DELTA.with_name(RECORD_FILE))
    record = json.loads(READER_DELTA.with_name(RECORD_FILE).read_text())
    fitted["fitted_on"] = {
        **record,
        "held_out_train_figures": figures,
        "refitted_by": "python bench/fit_reader.py --ship",
    }
    READING_FILE.write_text(json.dumps(fitted, indent=1) + "\n")
    print(f"wrote {READER_DELTA} and {READING_FILE}")


if __name__ == "__main__":
    main()

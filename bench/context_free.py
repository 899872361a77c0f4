"""Does the reader prefer an echoing sentence because it sees the answer in its context?
The reader reads each candidate with the sentences before and after it; when the sentence
only restates the question and the answer is its neighbour, the answer is in what it read.
This reads each present held-out -train run's candidates again with the context emptied
(the title kept) and chooses by the shipped score plus `weight` times the score read without
context, the weight chosen on one half of the questions (by their text's crc32) and measured
on the other. -train only; prints numbers.

    .venv/bin/python bench/context_free.py     # after bench/fit_reader.py has read the runs
"""

from __future__ import annotations

import json
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from fit_reader import contexts, read_all, reads_cache, set_logits
from fit_reading import SOURCES, TOP, Run, cached_runs, mean_hit

from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.reader import AnswerReader
from qa.reader_input import join_context
from qa.reading import READER_DELTA, READING_FILE, Depth

WEIGHTS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5)


def read_without_context(
    reader: AnswerReader, runs: list[Run], around: dict[str, dict[str, str]], span_weight: float
) -> list[np.ndarray]:
    """Each run's candidates judged as the product judges them, their context emptied."""

    def judged(run: Run) -> np.ndarray:
        titles = [around[SOURCES[run.source][0]][s].partition(" | ")[0] for s in run.sentences]
        found = reader.read(
            run.question,
            [(s, join_context(t, "", "")) for s, t in zip(run.sentences, titles, strict=True)],
        )
        return found.logits + span_weight * found.span_scores

    judged(runs[0])  # the first inference alone: two threads' first ones at once can deadlock
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(judged, runs))


def hit_with(
    runs: list[Run],
    base: dict[int, np.ndarray],
    free: dict[int, np.ndarray],
    weight: float,
    blend: float,
    depth: Depth,
) -> float:
    for run in runs:
        run.logits = (base[id(run)] + weight * free[id(run)]).astype(np.float32)
    return mean_hit(runs, blend, depth)


def main() -> None:
    settings = Settings()
    runs = cached_runs(settings)
    reader = answer_reader(settings, READER_DELTA)
    reading = json.loads(READING_FILE.read_text())
    depth, blend = Depth(**reading["depth"]), float(reading["blend"])
    span_weight = float(reading["span_weight"])
    around = {split: contexts(split) for split in {s for s, _ in SOURCES}}
    cache = reads_cache(READER_DELTA, settings)
    assert cache.exists(), f"run bench/fit_reader.py first ({cache})"
    logits, span_scores = read_all(reader, runs, around, cache)
    set_logits(runs, logits + span_weight * span_scores)
    present = [r for r in runs if not r.absent]
    base = {id(r): np.array(r.logits) for r in present}
    free = {
        id(r): f
        for r, f in zip(
            present, read_without_context(reader, present, around, span_weight), strict=True
        )
    }
    everything = Depth(TOP, TOP, 1.0)
    for weight in WEIGHTS:
        shipped = hit_with(present, base, free, weight, blend, depth)
        every = hit_with(present, base, free, weight, blend, everything)
        print(
            f"weight {weight:g}: mean hit@1 {shipped:.4f} (shipped depth), {every:.4f} ({TOP} read)"
        )
    halves = [[r for r in present if zlib.crc32(r.question.encode()) % 2 == h] for h in (0, 1)]
    for fit, measure in ((0, 1), (1, 0)):
        for name, d in (("shipped depth", depth), (f"{TOP} read", everything)):
            weight = max(WEIGHTS, key=lambda w: hit_with(halves[fit], base, free, w, blend, d))
            before = hit_with(halves[measure], base, free, 0.0, blend, d)
            after = hit_with(halves[measure], base, free, weight, blend, d)
            change = f"half {measure}: {before:.4f} -> {after:.4f}"
            print(f"{name}: weight on half {fit}: {weight:g}; {change}")


if __name__ == "__main__":
    main()

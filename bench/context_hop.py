"""Does the answer sit beside the quote? The reader reads each candidate sentence with the
one before and the one after it (qa/reader_input.py); its span head, read over that whole
text, may find the answer in a neighbour when the sentence only echoes the question. For
the product's chosen sentence of each present held-out -train run (bench/fit_reading.py),
this prints where the span head's best span lies (the sentence, the title, the sentence
before, the one after) and how often quoting the neighbour would quote the answer when its
best span beats the sentence's own by a margin, the margin chosen on one half of the
questions (by their text) and measured on the other. -train only; prints numbers.

    .venv/bin/python bench/context_hop.py     # after bench/fit_reader.py has read the runs
    .venv/bin/python bench/context_hop.py --head data/hop-head/hop-head.npz  # bench/hop_head.py's
    .venv/bin/python bench/context_hop.py --delta RUN/reader-delta.safetensors \
        --reading RUN/reading.json    # another reader (bench/fit_reader.py --reading-out)

With --head, the spans are found by that head instead of the reader's own (which was trained
to find the answer in the right sentence only).
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from fit_reader import contexts, read_all, reads_cache, set_logits
from fit_reading import SOURCES, TOP, cached_runs, chosen, held_out, read_count
from split_data import indexed_sentences

from qa.answer_words import SpanHead, best_pair
from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.evaluate import contains_answer
from qa.reader import AnswerReader
from qa.reader_input import reader_text, sentence_bounds
from qa.reading import READER_DELTA, READING_FILE, Depth

PARTS = ("sentence", "title", "before", "after")
MARGINS = (
    -12.0,
    -10.0,
    -8.0,
    -6.0,
    -5.0,
    -4.0,
    -3.0,
    -2.0,
    -1.0,
    0.0,
    1.0,
    2.0,
    3.0,
    4.0,
    6.0,
    np.inf,
)


def parts_of(text: str, title: str, before: str) -> dict[str, tuple[int, int]]:
    """Characters of each part of a reader_text (qa/reader_input.py join_context)."""
    begins, ends = sentence_bounds(text)
    title_at = ends + len("</s>")
    before_at = title_at + len(title) + len(" | ")
    after_at = before_at + len(before) + len(" … ")
    return {
        "sentence": (begins, ends),
        "title": (title_at, title_at + len(title)),
        "before": (before_at, before_at + len(before)),
        "after": (after_at, len(text)),
    }


def best_in(scores: np.ndarray, tokens: list[int]) -> float:
    """The best span's score among these tokens (qa/answer_words.py); -inf when none (cut
    off)."""
    return best_pair(scores[tokens])[2] if tokens else -np.inf


def part_scores(
    reader: AnswerReader, texts: list[tuple[str, str, str]], head: SpanHead | None
) -> list[dict]:
    """For each (text, title, before): the best span's score in each part, by `head` (the
    reader's own span head when None)."""
    head = head or reader.span
    assert head is not None, "a reader without a span head"
    found = []
    for at in range(0, len(texts), 32):
        batch = texts[at : at + 32]
        for (text, title, before), read in zip(
            batch, reader.model.encoder.read_tokens([t for t, _, _ in batch]), strict=True
        ):
            scores = read.states @ head[0].T + head[1]
            found.append(
                {
                    name: best_in(scores, within(read.offsets, *bounds))
                    for name, bounds in parts_of(text, title, before).items()
                }
            )
    return found


def within(offsets: list[tuple[int, int]], begins: int, ends: int) -> list[int]:
    """Tokens wholly inside [begins, ends) (not the separators around a part)."""
    return [i for i, (a, b) in enumerate(offsets) if a >= begins - 1 and b <= ends and a < b]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--head", type=Path, help="a span head of bench/hop_head.py")
    parser.add_argument("--delta", type=Path, default=READER_DELTA, help="another reader")
    parser.add_argument(
        "--reading", type=Path, default=READING_FILE, help="its reading (fit_reader --reading-out)"
    )
    args = parser.parse_args()
    head = None
    if args.head:
        kept = np.load(args.head)
        head = (kept["weight"], kept["bias"])
    settings = Settings()
    runs = cached_runs(settings)
    reader = answer_reader(settings, args.delta)
    reading = json.loads(args.reading.read_text())
    depth, blend = Depth(**reading["depth"]), float(reading["blend"])
    around = {split: contexts(split) for split in {s for s, _ in SOURCES}}
    cache = reads_cache(args.delta, settings)
    assert cache.exists(), f"run bench/fit_reader.py first ({cache})"
    logits, span_scores = read_all(reader, runs, around, cache)
    set_logits(runs, logits + float(reading["span_weight"]) * span_scores)

    neighbours: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for split in {s for s, _ in SOURCES}:
        for article in indexed_sentences(split).values():
            for i, text in enumerate(article):
                neighbours[(split, text)] = (article[i - 1] if i else "", article[i + 1 : i + 2])
    answers = {
        (n, q["question"]): q["answers"]
        for n, source in enumerate(SOURCES)
        for q in held_out(source)
    }
    present = [r for r in runs if not r.absent]
    rows: list[dict] = []
    read: list[tuple[str, str, str]] = []
    for run in present:
        split = SOURCES[run.source][0]
        sentence = run.sentences[chosen(run, blend, depth)]
        context = around[split][sentence]
        title = context.partition(" | ")[0]
        before, after = neighbours[(split, sentence)]
        gold = answers[(run.source, run.question)]
        rows.append(
            {
                "run": run,
                "right": contains_answer(sentence, gold),
                "before": bool(before) and contains_answer(before, gold),
                "after": bool(after) and contains_answer(after[0], gold),
                "read": run.sentences[: read_count(run, depth)],
                "neighbours": [before, *after],
            }
        )
        read.append((reader_text(run.question, sentence, context), title, before))
    for row, scores in zip(rows, part_scores(reader, read, head), strict=True):
        row["scores"] = scores
    report(rows)


def hop_right(row: dict, margin: float) -> bool:
    """Whether the quote holds the answer when a neighbour whose best span beats the
    sentence's by more than `margin` is quoted instead."""
    scores = row["scores"]
    side = max(("before", "after"), key=lambda p: scores[p])
    if scores[side] - scores["sentence"] > margin:
        return bool(row[side])
    return bool(row["right"])


def report(rows: list[dict]) -> None:
    by_source: dict[int, list[dict]] = {}
    for row in rows:
        by_source.setdefault(row["run"].source, []).append(row)
    for n, some in sorted(by_source.items()):
        wrong = [r for r in some if not r["right"]]
        print(
            f"{SOURCES[n]}: hit@1 {np.mean([r['right'] for r in some]):.3f}; of {len(wrong)}"
            f" wrong, {sum(beside(r) for r in wrong)} have the answer beside; best span in"
            f" {dict(Counter(best_part(r) for r in some))}"
            f" (wrong ones: {dict(Counter(best_part(r) for r in wrong))})"
        )
    report_neighbours([r for r in rows if not r["right"] and beside(r)])
    for kind, flags in (("right", (True, False)), ("answer beside", (False, True))):
        gaps = [gap(r) for r in rows if (r["right"], beside(r)) == flags]
        deciles = np.percentile(gaps, [10, 25, 50, 75, 90]).round(1)
        print(f"{kind}: best beside minus the sentence's best, 10/25/50/75/90 % {deciles}")
    for margin in MARGINS:
        print(f"hop at margin {margin:g}: mean hit@1 {mean_of(rows, margin):.4f}")
    halves = [[r for r in rows if zlib.crc32(r["run"].question.encode()) % 2 == h] for h in (0, 1)]
    for fit, measure in ((0, 1), (1, 0)):
        margin = max(MARGINS, key=lambda m: mean_of(halves[fit], m))
        print(
            f"margin chosen on half {fit}: {margin:g}; half {measure}: mean hit@1 "
            f"{mean_of(halves[measure], np.inf):.4f} -> {mean_of(halves[measure], margin):.4f}"
        )


def report_neighbours(missed: list[dict]) -> None:
    """Whether the reader read the neighbour that holds the answer, and rejected it."""
    read = sum(any(n in r["read"] for n in answering(r)) for r in missed)
    ranked = sum(any(n in r["run"].sentences for n in answering(r)) for r in missed)
    print(
        f"of {len(missed)} wrong with the answer beside, the neighbour that holds it was read"
        f" in {read}, among the ranker's best {TOP} in {ranked}"
    )


def beside(row: dict) -> bool:
    return bool(row["before"] or row["after"])


def answering(row: dict) -> list[str]:
    """The chosen sentence's neighbours that hold the answer."""
    before, *after = row["neighbours"]
    return [before] * row["before"] + after * row["after"]


def best_part(row: dict) -> str:
    return max(PARTS, key=lambda p: row["scores"][p])


def gap(row: dict) -> float:
    scores = row["scores"]
    return float(max(scores["before"], scores["after"]) - scores["sentence"])


def mean_of(rows: list[dict], margin: float) -> float:
    """Mean hit@1 over sources, each alike, with the hop at `margin`."""
    sources = sorted({r["run"].source for r in rows})
    hits = [[hop_right(r, margin) for r in rows if r["run"].source == s] for s in sources]
    return float(np.mean([np.mean(h) for h in hits]))


if __name__ == "__main__":
    main()

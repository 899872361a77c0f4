"""How many tokens the answer reader needs: the held-out -train runs of bench/fit_reading.py
read with the shipped reader cut at fewer tokens (the context is cut first, never the
sentence: qa/reader_input.py), and the mean hit@1 the fit finds for each. Each token cut
shortens every candidate read, so it is the cheapest latency there is if quality holds.
Dev splits are never read.

    .venv/bin/python bench/reader_tokens.py 160 128 96
"""

from __future__ import annotations

import argparse
import time

from fit_reader import best_span_weight, contexts, read_all
from fit_reading import SOURCES, cached_runs, fit_reading

from qa.app.engine import answer_reader
from qa.app.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tokens", type=int, nargs="+")
    args = parser.parse_args()
    settings = Settings()
    runs = cached_runs(settings)
    reader = answer_reader(settings)
    around = {split: contexts(split) for split in {s for s, _ in SOURCES}}
    tokens = reader.model.encoder.tokens
    for budget in args.tokens:
        tokens.max_length = budget
        tokens.tokenizer.enable_truncation(max_length=budget)
        started = time.monotonic()
        logits, span_scores = read_all(reader, runs, around, None)
        print(f"--- {budget} tokens: read in {time.monotonic() - started:.0f} s", flush=True)
        fitted, figures = fit_reading(
            runs, "reader", None, best_span_weight(runs, logits, span_scores)
        )
        hits = [figures[name]["reader_hit@1"] for name in figures]
        print(f"{budget} tokens: depth {fitted['depth']}, hit@1 by source {hits}", flush=True)


if __name__ == "__main__":
    main()

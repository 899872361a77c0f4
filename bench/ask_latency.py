"""Warm answer latency of `answerer(settings, store).ask(question)`, and where the time goes.

    .venv/bin/python bench/ask_latency.py data/bench/index-corpus-1k \
        ../shared/eval/squad-dev/questions.jsonl ../shared/eval/piaf-dev/questions.jsonl

Questions are shuffled with a fixed seed (files interleaved); 10 warm-up questions are
asked first, then `--n` timed ones. The breakdown times each piece on its own, on the same
questions: language detection, question terms (Snowball), `encode_query`, the fused
retrieval as `ask` calls it (FAISS `search_dense` and FTS5 `search_keyword`, also timed on
their own and shown indented, then exact scores of keyword-only chunks, chunk rows, fusion),
and `qa.select.candidates` (sentence rows, features). With a generated corpus the answers
do not matter, only the timing. The model is the one the index was built with.
`--threads N` sets torch's and FAISS's thread counts after `answerer()` has set them to one
(qa.engine.single_threaded); before that, their default of 2 OpenMP threads was measured
~17x slower per question on 2 cores shared with other busy processes (p50 584 vs 34 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import torch

from index.language import detect_language
from index.store import Filters, Store
from qa.engine import answerer, get_embedder, open_store
from qa.retrieve import FusedRetriever, Query
from qa.select import candidates
from qa.settings import Settings

WARM_UP = 10


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def questions(paths: list[Path], count: int, seed: int = 7) -> list[str]:
    found = [
        json.loads(line)["question"]
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    random.Random(seed).shuffle(found)
    return found[:count]


def percentiles(ms: list[float]) -> str:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    mean = statistics.mean(ms)
    return f"p50 {cuts[49]:7.2f}  p95 {cuts[94]:7.2f}  p99 {cuts[98]:7.2f}  mean {mean:7.2f}"


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def breakdown(store: Store, settings: Settings, asked: list[str]) -> dict[str, list[float]]:
    """Each piece of an answer timed alone, in the order `ask` runs them."""
    embedder = get_embedder(settings)
    weights = {"fr": settings.keyword_weight_fr, "en": settings.keyword_weight_en}
    fused = FusedRetriever(store, weights)
    depth, none = max(settings.top_k, settings.candidates), Filters()
    pieces: dict[str, list[float]] = {}

    def note(name: str, action: Callable[[], Any]) -> Any:
        result, ms = timed(action)
        pieces.setdefault(name, []).append(ms)
        return result

    for question in asked:
        language = note("language detection", lambda q=question: detect_language(q))
        query = Query(question, language, embedder)
        note("terms (Snowball)", lambda q=query: (q.terms, q.own_terms))
        vector = note("encode_query", lambda q=query: q.vector)
        note("  FAISS search_dense", lambda v=vector: store.search_dense(v, depth, none))
        note("  FTS5 search_keyword", lambda q=query: store.search_keyword(q.terms, depth, none))
        passages = note("fused retrieval, all", lambda q=query: fused.search(q, depth, none))
        note("select candidates", lambda q=query, p=passages: candidates(store, q, p))
    return pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path, nargs="+", help="questions.jsonl files")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--threads", type=int, help="torch and FAISS threads (default: theirs)")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index_dir)
    probe = Store.open(args.index_dir)
    built_with = probe.model
    probe.close()
    if built_with != settings.embedding_model:  # time any index, whatever the default model
        settings = Settings(index_dir=args.index_dir, embedding_model=built_with)
    started = time.perf_counter()
    store = open_store(settings)
    qa = answerer(settings, store)
    if args.threads:
        torch.set_num_threads(args.threads)
        faiss.omp_set_num_threads(args.threads)
    threads = f"torch {torch.get_num_threads()} / FAISS {faiss.omp_get_max_threads()} threads"
    print(
        f"store {store.stats()['chunks']} chunks, model {store.model}, opened in "
        f"{time.perf_counter() - started:.1f} s; {threads}; {load()}"
    )

    asked = questions(args.questions, WARM_UP + args.n)
    for question in asked[:WARM_UP]:
        qa.ask(question)
    asked = asked[WARM_UP:]
    latencies = [timed(lambda q=question: qa.ask(q))[1] for question in asked]
    print(f"ask() over {len(asked)} questions, ms: {percentiles(latencies)}; {load()}")

    pieces = breakdown(store, settings, asked)
    print(f"breakdown, ms per question ({load()}):")
    for name, ms in pieces.items():
        print(f"  {name:28} {percentiles(ms)}")
    total = sum(statistics.mean(ms) for name, ms in pieces.items() if name[0] != " ")
    print(
        f"  {'sum of unindented means':28} {total:7.2f} (ask mean {statistics.mean(latencies):.2f})"
    )


if __name__ == "__main__":
    main()

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
`--threads N` sets FAISS's thread count after `answerer()` has set it to one
(qa.app.engine.single_threaded); before that, torch's and FAISS's default of 2 OpenMP threads
was measured ~17x slower per question on 2 cores shared with other busy processes (p50 584
vs 34 ms). The encoder (QA_ENCODER_BACKEND) encodes a question on one thread.

`--index-type hnsw` or `both` times FAISS's HNSW graph (QA_INDEX_TYPE=hnsw): the index's
own graph if it was built with one, else one built here from its flat vectors as
`qa index build` would (`index.graph.Graph.build`, FAISS's default threads; the time is
printed), nothing written. `both` runs flat then HNSW on the same questions and then
compares them on the same question vectors: the overlap of HNSW's top 10 with the exact
(flat) top 10, searched at k=10 and at the depth `ask` uses, and the share of questions
whose quoted sentence is the same. With stand-in vectors (`index_build.py --stub-only`)
the overlap says nothing about real recall: random vectors are HNSW's worst case.
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

from index.embedded.graph import Graph
from index.embedded.store import Filters, Store
from index.ingest.language import detect_language
from qa.answer import Answerer
from qa.app.engine import answerer, get_embedder
from qa.app.settings import Settings
from qa.retrieve import FusedRetriever, Query
from qa.select import candidates

WARM_UP = 10
OVERLAP_K = 10


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


def hnsw_graph(store: Store) -> Graph:
    """The generation's own graph, or one built now from its flat vectors (timed)."""
    if store.graph is not None:
        print(
            f"HNSW graph: the index's own ({store.graph.index.ntotal} vectors, "
            f"{len(store.graph.masked)} masked)"
        )
        return store.graph
    threads = faiss.omp_get_max_threads()
    started = time.perf_counter()
    graph = Graph.build(store.vectors)
    took = time.perf_counter() - started
    print(
        f"HNSW graph built in {took:.1f} s ({graph.index.ntotal} vectors, {store.vectors.d} dim, "
        f"M=32, FAISS {threads} threads); {load()}"
    )
    return graph


def latency(qa: Answerer, store: Store, settings: Settings, asked: list[str]) -> list[str]:
    """Warm up, time `ask` on every question, then the breakdown; the quotes given."""
    for question in asked[:WARM_UP]:
        qa.ask(question)
    asked = asked[WARM_UP:]
    quotes, latencies = [], []
    for question in asked:
        answer, ms = timed(lambda q=question: qa.ask(q))
        quote = answer.quote
        quotes.append(f"{quote.article_id}:{quote.sentence_index}" if quote else "")
        latencies.append(ms)
    print(f"ask() over {len(asked)} questions, ms: {percentiles(latencies)}; {load()}")

    pieces = breakdown(store, settings, asked)
    print(f"breakdown, ms per question ({load()}):")
    for name, ms in pieces.items():
        print(f"  {name:28} {percentiles(ms)}")
    total = sum(statistics.mean(ms) for name, ms in pieces.items() if name[0] != " ")
    print(
        f"  {'sum of unindented means':28} {total:7.2f} (ask mean {statistics.mean(latencies):.2f})"
    )
    return quotes


def overlap(store: Store, graph: Graph, settings: Settings, asked: list[str]) -> None:
    """HNSW's top 10 against the exact top 10, on the same question vectors."""
    embedder = get_embedder(settings)
    depth = max(settings.top_k, settings.candidates)
    shares: dict[str, list[float]] = {f"k={OVERLAP_K}": [], f"k={depth} (as ask)": []}
    for question in asked:
        vector = Query(question, detect_language(question), embedder).vector
        store.graph = None
        exact = {i for i, _ in store.search_dense(vector, OVERLAP_K)}
        store.graph = graph
        for k, name in ((OVERLAP_K, f"k={OVERLAP_K}"), (depth, f"k={depth} (as ask)")):
            found = {i for i, _ in store.search_dense(vector, k)[:OVERLAP_K]}
            shares[name].append(len(found & exact) / max(1, len(exact)))
    print(f"top-{OVERLAP_K} overlap of HNSW with flat over {len(asked)} question vectors:")
    for name, values in shares.items():
        full = sum(v == 1 for v in values) / len(values)
        print(f"  searched at {name:14} mean {statistics.mean(values):.3f}, all 10 in {full:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path, nargs="+", help="questions.jsonl files")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--threads", type=int, help="FAISS threads (default: one)")
    parser.add_argument("--index-type", choices=("flat", "hnsw", "both"), default="flat")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index_dir)
    probe = Store.open(args.index_dir)
    built_with = probe.model
    probe.close()
    if built_with != settings.embedding_model:  # time any index, whatever the default model
        settings = Settings(index_dir=args.index_dir, embedding_model=built_with)
    started = time.perf_counter()
    store = Store.open(args.index_dir, settings.embedding_model)
    opened = time.perf_counter() - started
    graph = hnsw_graph(store) if args.index_type != "flat" else None
    started = time.perf_counter()
    qa = answerer(settings, store)
    opened += time.perf_counter() - started
    if args.threads:
        faiss.omp_set_num_threads(args.threads)
    threads = f"encoder {settings.encoder_backend}, FAISS {faiss.omp_get_max_threads()} threads"
    print(
        f"store {store.stats()['chunks']} chunks, model {store.model}, opened, model loaded in "
        f"{opened:.1f} s; {threads}; {load()}"
    )

    asked = questions(args.questions, WARM_UP + args.n)
    kinds = ("flat", "hnsw") if args.index_type == "both" else (args.index_type,)
    quotes = {}
    for kind in kinds:
        store.graph = graph if kind == "hnsw" else None
        print(f"== {kind}")
        quotes[kind] = latency(qa, store, settings, asked)
    if graph is not None and args.index_type == "both":
        overlap(store, graph, settings, asked[WARM_UP:])
        same = sum(a == b for a, b in zip(quotes["flat"], quotes["hnsw"], strict=True))
        print(f"  same quoted sentence (or both 'not found'): {same / len(quotes['flat']):.0%}")


if __name__ == "__main__":
    main()

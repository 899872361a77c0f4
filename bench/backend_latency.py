"""Warm answer latency on either backend, and the time of each store call, side by side.

    .venv/bin/python bench/backend_latency.py data/bench/index-e5-10k-stub \
        ../shared/eval/piaf-dev/questions.jsonl
    .venv/bin/python bench/backend_latency.py postgresql://host/db \
        ../shared/eval/piaf-dev/questions.jsonl

The first argument is an embedded index folder or a PostgreSQL URL. Each question is
asked once through `answerer(settings, store).ask` in one read snapshot (10 warm-up
questions first), then the same questions time the store calls on their own: dense
search, keyword search, exact cosines of keyword-only chunks, chunk rows, sentence rows.
On PostgreSQL, the recall of the HNSW graph: its top 10 (searched at k=10 and at the depth
`ask` uses) against an exact scan's (index scans off), on the same question vectors.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from index.embedded.backend import EmbeddedBackend
from index.ingest.language import detect_language
from index.interface import Backend, ChunkHit, Reader
from index.postgres import PostgresBackend
from index.postgres.reader import PostgresReader
from qa.app.engine import answerer, get_embedder
from qa.app.settings import Settings
from qa.retrieve import Query

WARM_UP = 10


def percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    pick = [ms[min(int(q * len(ms)), len(ms) - 1)] for q in (0.5, 0.95, 0.99)]
    return " / ".join(f"{v:.1f}" for v in pick)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def sentence_rows(store: Reader, hits: list[ChunkHit]) -> None:
    for hit in hits:
        store.sentences(hit.article_id, hit.first_sentence - 1, hit.last_sentence)


def store_calls(store: Reader, settings: Settings, texts: list[str]) -> dict[str, list[float]]:
    embedder, k = get_embedder(settings), settings.candidates
    times: dict[str, list[float]] = {}
    for text in texts:
        query = Query(text, detect_language(text), embedder)
        _ = query.vector, query.terms
        dense = store.search_dense(query.vector, k)
        keyword = store.search_keyword(query.terms, k)
        ids = [c for c, _ in dense + keyword]
        best = list(store.chunks(ids[:5]).values())
        calls = {
            "dense search": partial(store.search_dense, query.vector, k),
            "keyword search": partial(store.search_keyword, query.terms, k),
            "exact cosines": partial(store.dense_scores, query.vector, [c for c, _ in keyword]),
            "chunk rows": partial(store.chunks, ids),
            "sentence rows": partial(sentence_rows, store, best),
        }
        for name, call in calls.items():
            times.setdefault(name, []).append(timed(call))
    return times


def hnsw_recall(store: PostgresReader, settings: Settings, texts: list[str]) -> str:
    """Share of the exact top 10 that HNSW finds, searched at k=10 and at ask's depth."""
    embedder = get_embedder(settings)
    vectors = [embedder.encode_query(text) for text in texts]
    graph = {k: [store.search_dense(v, k)[:10] for v in vectors] for k in (10, settings.candidates)}
    store.db.execute("SELECT set_config('enable_indexscan', 'off', true)")
    exact = [store.search_dense(v, 10) for v in vectors]
    store.db.execute("SELECT set_config('enable_indexscan', 'on', true)")
    said = []
    for k, found in graph.items():
        shares = [
            len({i for i, _ in f} & {i for i, _ in e}) / max(len(e), 1)
            for f, e in zip(found, exact, strict=True)
        ]
        whole = sum(s == 1.0 for s in shares) / len(shares)
        said.append(f"at k={k} {sum(shares) / len(shares):.3f} (all 10 in {whole:.0%})")
    return ", ".join(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", help="embedded index folder or postgresql:// URL")
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    backend: Backend = (
        PostgresBackend(args.index)
        if args.index.startswith("postgres")
        else EmbeddedBackend(Path(args.index))
    )
    texts = [json.loads(line)["question"] for path in args.questions for line in path.open()]
    random.Random(7).shuffle(texts)
    texts = texts[: WARM_UP + args.n]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with backend.reader() as store:
        settings = Settings(embedding_model=store.model)
        qa = answerer(settings, store)
        for text in texts[:WARM_UP]:
            qa.ask(text)
        asked = [timed(lambda t=text: qa.ask(t)) for text in texts[WARM_UP:]]
        print(f"{args.index}: {store.stats()['chunks']} chunks, load average {load}")
        print(f"  ask p50 / p95 / p99 ms: {percentiles(asked)}")
        for name, times in store_calls(store, settings, texts[WARM_UP:]).items():
            print(f"  {name:15} p50 / p95 / p99 ms: {percentiles(times)}")
        if isinstance(store, PostgresReader):
            print(f"  HNSW recall of the exact top 10: {hnsw_recall(store, settings, texts)}")
    backend.close()


if __name__ == "__main__":
    main()

"""Time a fresh index build of a folder, the embedding alone, and a 1% incremental update.

    .venv/bin/python bench/index_build.py ../shared/eval/squad-dev/articles
    .venv/bin/python bench/index_build.py data/bench/corpus-1k --index-dir data/bench/index-1k

The folder is first copied next to the index (`<index-dir>-src`), so that the update step
can edit 1% of the articles without touching the original. Figures printed: counts, build
time and rates, `Embedder.encode_documents` alone on the very texts the writer embeds
(same batches), the ratio build / encode, read+parse time alone, peak RSS, store size, then
the update's time and texts re-embedded. `--profile` adds the top functions of the build;
a first build with the model stubbed out (random vectors) times everything else, and
`--stub-only` keeps that index (for latency timing at sizes too slow to embed here);
`--threads N` sets the encoder's bulk threads (default: all cores). The encoder backend and
chunk vectors come from QA_ENCODER_BACKEND and QA_CHUNK_VECTORS.

`--against OTHER_CHECKOUT SPLIT...` instead times `qa index build` of this checkout and of
another one side by side, with hit@1 of each (bench/side_by_side.py).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import side_by_side

from index.batching import FLUSH_TEXTS
from index.embedded.layout import current_generation
from index.embedding.embed import Embedder
from index.embedding.encoders import Progress
from index.ingest.article import Article
from index.ingest.chunks import make_chunks
from index.sync import UpdateOptions, UpdateReport, article_files, read_files, sync_folder
from qa.app.progress_bar import embed_progress
from qa.app.settings import Settings

SETTINGS = Settings()
UPDATED = " This article was updated on 2025-11-25 with revised figures."


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def read_all(folder: Path) -> tuple[list[Article], float]:
    started = time.perf_counter()
    keyed = [(p, p.relative_to(folder).as_posix()) for p in article_files(folder)]
    articles, _ = read_files(keyed, UpdateOptions().max_file_bytes)
    unique = list({a.id: a for a in reversed(articles)}.values())[::-1]  # first one wins
    return unique, time.perf_counter() - started


def flush_batches(articles: list[Article], chunk_sentences: int) -> list[list[str]]:
    """The texts of each Writer._flush call: chunk texts, then sentence texts."""
    batches, pending = [], []
    for article in articles:
        pending.append(article)
        if sum(len(a.sentences) for a in pending) >= FLUSH_TEXTS:
            batches.append(writer_texts(pending, chunk_sentences))
            pending = []
    return [*batches, writer_texts(pending, chunk_sentences)]


def writer_texts(articles: list[Article], chunk_sentences: int) -> list[str]:
    """What prepare() embeds: every sentence, and each title (pooled) or chunk (embedded)."""
    sentences = [a.sentence_text(s) for a in articles for s in a.sentences]
    if SETTINGS.chunk_vectors == "pooled":
        return sentences + [a.title for a in articles]
    return sentences + [
        f"{a.title}\n{c.text}" for a in articles for c in make_chunks(a, chunk_sentences)
    ]


class StubEmbedder(Embedder):
    """The real model's name and dimension, random unit vectors: a build without the model."""

    def __init__(self, real: Embedder) -> None:  # no super(): nothing to load
        self.name, self.dimension, self.texts_encoded = real.name, real.dimension, 0
        self.backend, self.precision = real.backend, real.precision
        self.random = np.random.default_rng(0)

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        self.texts_encoded += len(texts)
        vectors = self.random.standard_normal((len(texts), self.dimension), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def time_encode(embedder: Embedder, batches: list[list[str]]) -> float:
    started = time.perf_counter()
    for texts in batches:
        embedder.encode_documents(texts)
    return time.perf_counter() - started


def edit_articles(folder: Path, share: float, seed: int = 7) -> int:
    """Append a sentence to `share` of the articles (files, or JSONL records); how many."""
    rng = random.Random(seed)
    files = article_files(folder)
    records = [p for p in files if p.suffix == ".jsonl"]
    if not records:
        chosen = rng.sample(files, max(1, round(len(files) * share)))
        for path in chosen:
            path.write_text(path.read_text(encoding="utf-8").rstrip() + UPDATED + "\n")
        return len(chosen)
    lines = [(p, n) for p in records for n, _ in enumerate(p.read_text().splitlines())]
    chosen_lines = rng.sample(lines, max(1, round(len(lines) * share)))
    for path in records:
        rows = path.read_text(encoding="utf-8").splitlines()
        for chosen_path, number in chosen_lines:
            if chosen_path == path:
                record = json.loads(rows[number])
                record["text"] = record["text"].rstrip() + UPDATED
                rows[number] = json.dumps(record, ensure_ascii=False)
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(chosen_lines)


def build(
    index_dir: Path, source: Path, embedder: Embedder, profile: bool, progress: bool
) -> tuple[UpdateReport, float]:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with embed_progress() if progress else nullcontext() as bar:
        options = UpdateOptions(progress=bar, chunk_vectors=SETTINGS.chunk_vectors)
        report = sync_folder(index_dir, source, embedder, options)
    if profiler:
        profiler.disable()
    took = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    return report, took


def corpus_name(folder: Path) -> str:
    """squad-dev for ../shared/eval/squad-dev/articles, else the folder's own name."""
    folder = folder.resolve()
    return folder.parent.name if folder.name == "articles" else folder.name


def main() -> None:
    if "--against" in sys.argv:
        return against()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--update-share", type=float, default=0.01)
    parser.add_argument("--profile", action="store_true", help="cProfile the build")
    parser.add_argument(
        "--stub-only", action="store_true", help="keep the stubbed build, skip the rest"
    )
    parser.add_argument("--model", help="embedding model (default: the library's)")
    parser.add_argument("--progress", action="store_true", help="progress bars of the build")
    parser.add_argument("--threads", type=int, default=0, help="encoder threads (0: all)")
    args = parser.parse_args()
    index_dir = args.index_dir or Path("data/bench") / f"index-{corpus_name(args.folder)}"
    source = index_dir.with_name(index_dir.name + "-src")
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(args.folder, source)
    threads = f"encoder {SETTINGS.encoder_backend}, chunk vectors {SETTINGS.chunk_vectors}"
    print(f"{args.folder} → {index_dir} (copy in {source}); {threads}; {load()}")

    started = time.perf_counter()
    model = args.model or SETTINGS.embedding_model
    embedder = Embedder(model, SETTINGS.models_dir, SETTINGS.encoder_backend, args.threads)
    embedder.encode_documents(["warm up the model", "a second text"])
    print(f"model {embedder.name} loaded in {time.perf_counter() - started:.1f} s")

    stub_dir = index_dir if args.stub_only else index_dir.with_name(index_dir.name + "-stub")
    shutil.rmtree(stub_dir, ignore_errors=True)
    _, stub_s = build(stub_dir, source, StubEmbedder(embedder), False, False)
    print(f"[build, model stubbed: read, split, SQLite, FTS5 terms, FAISS, fsync] {load()}")
    print(f"  {stub_s:.1f} s, store {folder_mb(current_generation(stub_dir)):.1f} MB")
    if args.stub_only:
        print(f"  kept in {stub_dir}: random vectors, for timing only")
        return
    shutil.rmtree(stub_dir)

    report, took = build(index_dir, source, embedder, args.profile, args.progress)
    rss = peak_rss_mb()
    manifest = json.loads((current_generation(index_dir) / "manifest.json").read_text())
    articles, sentences = manifest["articles"], manifest["sentences"]
    print(f"[build] {load()}")
    print(f"  articles {articles}, sentences {sentences}, chunks {manifest['chunks']}")
    print(f"  texts embedded {report.texts_embedded} ({report.summary()})")
    print(f"  total {took:.1f} s, {articles / took:.2f} articles/s, {sentences / took:.0f} sent/s")
    print(f"  peak RSS {rss:.0f} MB, store {folder_mb(current_generation(index_dir)):.1f} MB")

    parsed, read_s = read_all(source)
    batches = flush_batches(parsed, UpdateOptions().chunk_sentences)
    encode_s = time_encode(embedder, batches)
    texts = sum(len(b) for b in batches)
    print(f"[encode alone] {load()}")
    print(f"  {texts} texts in {len(batches)} batches: {encode_s:.1f} s ({texts / encode_s:.0f}/s)")
    print(f"  build / encode = {took / encode_s:.2f}")
    print(f"  read+parse alone {read_s:.1f} s, build - encode {took - encode_s:.1f} s")

    edited = edit_articles(source, args.update_share)
    started = time.perf_counter()
    update = sync_folder(index_dir, source, embedder)
    update_s = time.perf_counter() - started
    print(f"[update {args.update_share:.0%}] {load()}")
    print(f"  {edited} articles edited: {update.summary()}")
    print(f"  {update_s:.1f} s, texts re-embedded {update.texts_embedded}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB, index folder {folder_mb(index_dir):.1f} MB")


def against() -> None:
    """Side by side with another checkout: bench/side_by_side.py."""
    parser = argparse.ArgumentParser(description=side_by_side.__doc__)
    parser.add_argument("--against", type=Path, required=True, help="the other checkout")
    parser.add_argument("splits", type=Path, nargs="+", help="folders: articles/, questions")
    parser.add_argument("--rounds", type=int, default=2, help="builds of each, alternated")
    parser.add_argument(
        "--variant", action="append", default=[], help="KEY=VALUE: this checkout with it too"
    )
    args = parser.parse_args()
    side_by_side.compare(args.against, args.splits, args.rounds, args.variant)


if __name__ == "__main__":
    main()

"""Each encoder backend side by side, in one process, variants alternated: sentences/s and
chunks/s for bulk encoding, one question's p50 on one thread, cosine to torch fp32, and how
often the top-1 sentence for a question is the one torch fp32 ranks first.

    .venv/bin/python bench/encoders.py ../shared/eval/squad-dev ../shared/eval/piaf-dev

Texts are real: sentences and 3-sentence chunks of the splits' articles, questions from
their questions.jsonl. Ratios between backends matter, not absolute figures: the machine
is shared, so the load average is printed with every row.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from index.embedding.e5 import E5_MODEL_NAME
from index.embedding.embed import Embedder
from index.embedding.encoders import BACKENDS
from index.ingest.chunks import make_chunks
from index.sync import article_files, read_files


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def texts(splits: list[Path], limit: int) -> tuple[list[str], list[str], list[str]]:
    sentences, chunks, questions = [], [], []
    for split in splits:
        folder = split / "articles"
        articles, _ = read_files([(p, p.name) for p in article_files(folder)], 20_000_000)
        sentences += [a.sentence_text(s) for a in articles for s in a.sentences][:limit]
        chunks += [f"{a.title}\n{c.text}" for a in articles for c in make_chunks(a)][: limit // 2]
        rows = (split / "questions.jsonl").read_text().splitlines()
        questions += [json.loads(r)["question"] for r in rows[: limit // 4]]
    return sentences, chunks, questions


def question_ms(embedder: Embedder, questions: list[str]) -> float:
    took = []
    for question in questions:
        started = time.perf_counter()
        embedder.encode_query(question)
        took.append(1000 * (time.perf_counter() - started))
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("splits", type=Path, nargs="+")
    parser.add_argument("--model", default=E5_MODEL_NAME)
    parser.add_argument("--limit", type=int, default=400, help="sentences per split")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="bulk threads (0: all)")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    args = parser.parse_args()
    sentences, chunks, questions = texts(args.splits, args.limit)
    print(f"{len(sentences)} sentences, {len(chunks)} chunks, {len(questions)} questions")
    models = Path("data/models")
    encoders = {b: Embedder(args.model, models, b, args.threads) for b in args.backends}
    reference = encoders.get("torch") or next(iter(encoders.values()))
    ref_sentences = reference.encode_documents(sentences)
    ref_questions = np.vstack([reference.encode_query(q) for q in questions])
    ref_top = (ref_questions @ ref_sentences.T).argmax(axis=1)
    for round_ in range(args.rounds):
        for name, embedder in encoders.items():
            started = time.perf_counter()
            vectors = embedder.encode_documents(sentences)
            per_sentence = len(sentences) / (time.perf_counter() - started)
            started = time.perf_counter()
            embedder.encode_documents(chunks)
            per_chunk = len(chunks) / (time.perf_counter() - started)
            asked = question_ms(embedder, questions)
            query = np.vstack([embedder.encode_query(q) for q in questions])
            cosine = float((vectors * ref_sentences).sum(axis=1).mean())
            same_top = float(((query @ vectors.T).argmax(axis=1) == ref_top).mean())
            print(
                f"round {round_ + 1} {name:13} ({embedder.precision}): {per_sentence:6.1f} "
                f"sentences/s {per_chunk:6.1f} chunks/s, question p50 {asked:5.1f} ms, "
                f"cosine {cosine:.4f}, same top-1 {same_top:.3f}, load {load()}",
                flush=True,
            )


if __name__ == "__main__":
    main()

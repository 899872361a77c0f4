"""/ask latency while the server indexes an upload in the background, against before.

    .venv/bin/python bench/ask_during_upload.py data/bench/index-squad-dev \\
        ../shared/eval/squad-dev/questions.jsonl --upload data/bench/corpus-1k --files 40

Starts `qa serve` (admin on, its own copy of the index, uploads saved in a scratch
folder), asks real questions back to back from one client for `--before` seconds, then
uploads `--files` articles and keeps asking until the job is done. Prints p50/p95/max
before and during, the job's texts/s, and the load average. QA_ENCODER_THREADS (default:
all cores but one for a server) is what keeps a core free for questions; set it to
compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from http_load import load, questions, start_server, wait_ready

TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def spread(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return "too few answers"
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    worst = max(latencies)
    return f"{len(latencies)} answers, p50 {cuts[49]:.0f} p95 {cuts[94]:.0f} max {worst:.0f} ms"


async def ask_until(
    client: httpx.AsyncClient, asked: list[str], done: asyncio.Event
) -> list[float]:
    latencies = []
    for number in range(10**9):
        if done.is_set():
            break
        started = time.perf_counter()
        response = await client.post("/ask", json={"question": asked[number % len(asked)]})
        response.raise_for_status()
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


async def upload_and_wait(
    client: httpx.AsyncClient, files: list[Path], done: asyncio.Event
) -> dict:
    sent = [("files", (p.name, p.read_bytes(), "text/plain")) for p in files]
    (await client.post("/admin/articles", files=sent, headers=AUTH)).raise_for_status()
    while True:
        status = (await client.get("/admin/status", headers=AUTH)).json()
        if status["state"] in ("done", "failed"):
            done.set()
            return status
        await asyncio.sleep(0.5)


async def measure(url: str, asked: list[str], files: list[Path], before_s: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        idle = asyncio.Event()
        asyncio.get_running_loop().call_later(before_s, idle.set)
        print(f"before: {spread(await ask_until(client, asked, idle))}; {load()}", flush=True)
        done = asyncio.Event()
        started = time.perf_counter()
        during, status = await asyncio.gather(
            ask_until(client, asked, done), upload_and_wait(client, files, done)
        )
        took = time.perf_counter() - started
        progress = status.get("progress", {})
        print(f"during: {spread(during)}; {load()}")
        print(
            f"upload of {len(files)} files: {status['state']} in {took:.0f} s, "
            f"{progress.get('texts_embedded')} texts, {progress.get('texts_per_second')} texts/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--upload", type=Path, required=True, help="folder of articles")
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--before", type=float, default=20.0, help="seconds of idle asking")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    files = sorted(p for p in args.upload.iterdir() if p.is_file())[: args.files]
    with tempfile.TemporaryDirectory(prefix="ask-during-upload-") as scratch:
        index_copy = Path(scratch) / "index"
        shutil.copytree(args.index_dir, index_copy, symlinks=True)
        os.environ.update(QA_ADMIN_TOKEN=TOKEN, QA_SOURCE_DIR=str(Path(scratch) / "source"))
        server = start_server(index_copy, args.port, 1)
        try:
            url = f"http://127.0.0.1:{args.port}"
            asyncio.run(wait_ready(url, server, 180))
            asyncio.run(measure(url, questions(args.questions), files, args.before))
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()

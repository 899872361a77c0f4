"""A burst of files dropped into a watched folder: how soon they are answerable, and /ask
latency meanwhile, against before.

    .venv/bin/python bench/watch_burst.py data/bench/corpus-1k QUESTIONS --files 1000

Starts `qa serve` of this checkout with QA_WATCH over a scratch folder holding the seed
(its index is built by the watcher's first sync), asks real questions back to back from
one client for `--before` seconds, then copies `--files` articles into the folder at once
and keeps asking until all of them are indexed. Prints p50/p95/max before and during, the
time until the first and the last new article could be answered, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from ask_during_upload import ask_until, spread
from http_load import load, questions, wait_ready

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_6acd5d2dc33e86a7.txt"


def start(folder: Path, index: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout, not whichever one the venv installed
        "QA_WATCH": "true",
        "QA_SOURCE_DIR": str(folder),
        "QA_INDEX_DIR": str(index),
        "QA_MODELS_DIR": os.environ.get("QA_MODELS_DIR", str(ROOT / "data/models")),
    }
    command = [sys.executable, "-m", "web.cli.main", "serve", "--port", str(port)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    return subprocess.Popen(command, env=env, cwd=ROOT, **quiet)


async def indexed(client: httpx.AsyncClient, count: int) -> bool:
    """More than `count` articles: the seed and `count` others."""
    response = await client.get("/articles", params={"limit": 1, "offset": count})
    return response.status_code == 200 and bool(response.json()["articles"])


async def drop_and_wait(
    client: httpx.AsyncClient, files: list[Path], folder: Path, done: asyncio.Event
) -> tuple[float, float]:
    started = time.perf_counter()
    for path in files:
        shutil.copy(path, folder / path.name)
    first = None
    while not await indexed(client, len(files) + 1):  # and the single file before
        if first is None and await indexed(client, 2):
            first = time.perf_counter() - started
        await asyncio.sleep(0.5)
    done.set()
    last = time.perf_counter() - started
    return first or last, last


async def one_file(client: httpx.AsyncClient, path: Path, folder: Path) -> float:
    """Seconds from one file dropped in to its article being listed."""
    started = time.perf_counter()
    shutil.copy(path, folder / path.name)
    while not await indexed(client, 1):
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


async def measure(url: str, asked: list[str], files: list[Path], folder: Path, before: float):
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        single = await one_file(client, files[0], folder)
        print(f"one file: listed {single:.1f} s after it was dropped in", flush=True)
        files = files[1:]
        idle = asyncio.Event()
        asyncio.get_running_loop().call_later(before, idle.set)
        print(f"before: {spread(await ask_until(client, asked, idle))}; {load()}", flush=True)
        done = asyncio.Event()
        during, (first, last) = await asyncio.gather(
            ask_until(client, asked, done), drop_and_wait(client, files, folder, done)
        )
        print(f"during: {spread(during)}; {load()}")
        print(
            f"burst of {len(files)} files: the first answerable after {first:.1f} s, "
            f"all after {last:.1f} s ({len(files) / last:.1f} files/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="folder of article files")
    parser.add_argument("questions", type=Path, nargs="+")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--before", type=float, default=20.0, help="seconds of idle asking")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.iterdir() if p.is_file())[: args.files]
    with tempfile.TemporaryDirectory(prefix="watch-burst-") as scratch:
        folder, index = Path(scratch) / "incoming", Path(scratch) / "index"
        folder.mkdir()
        shutil.copy(SEED, folder)
        server = start(folder, index, args.port)
        try:
            url = f"http://127.0.0.1:{args.port}"
            asyncio.run(wait_ready(url, server, 300))
            asyncio.run(measure(url, questions(args.questions), files, folder, args.before))
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()

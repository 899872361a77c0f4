"""RSS of a one-worker `qa serve` across successive uploads of one long article.

    .venv/bin/python bench/update_memory.py [--updates 6] [--sentences 2000] \
        [--models-dir data/models] [--work bench/out/update-memory]

Builds the corpus of bench/chaos.py, starts `qa serve` (one worker), answers 64 questions,
then uploads `--updates` times the same name with new words (`--sentences` sentences each:
the index keeps its size) and prints the server's RSS after each update is live: what the
first update costs once, and what each later one adds (bench/chaos.py compares its
workers' memory before and after a run that includes updates).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chaos import ADMIN, long_article, prepare, rss_mb, start, stop, wait_ready, warm  # noqa: E402


async def live_after(client: httpx.AsyncClient, generation: str, limit: float = 600) -> str:
    """The generation that replaces `generation`, once live."""
    for _ in range(int(limit * 2)):
        try:
            now = str((await client.get("/healthz")).json()["generation"])
            if now != generation:
                return now
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"no new generation after {limit:.0f} s")


async def run(args: argparse.Namespace) -> None:
    work = args.work.resolve()
    served = start(work, prepare(work, args.models_dir), args.port, 1)
    pid = served.process.pid
    try:
        await wait_ready(served, 1)
        await warm(served.url, 32)
        first = rss_mb(pid)[0]
        print(f"after 64 answers: {first:,.0f} MB", flush=True)
        last = first
        async with httpx.AsyncClient(base_url=served.url, timeout=120) as client:
            for n in range(args.updates):
                data = long_article(args.sentences).replace(b"Zelbourne", f"Zel{n}".encode())
                generation = str((await client.get("/healthz")).json()["generation"])
                files = [("files", ("long.md", data, "text/markdown"))]
                sent = await client.post("/admin/articles", headers=ADMIN, files=files)
                if sent.status_code != 202:
                    raise SystemExit(f"upload {n}: {sent.status_code} {sent.text}")
                await live_after(client, generation)
                await asyncio.sleep(2)
                now = rss_mb(pid)[0]
                print(f"update {n + 1}: {now:,.0f} MB ({now - last:+,.0f})", flush=True)
                last = now
        await warm(served.url, 32)
        end = rss_mb(pid)[0]
        print(f"after 64 more answers: {end:,.0f} MB ({(end - first) / first * 100:+.1f} %)")
    finally:
        stop(served)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=6)
    parser.add_argument("--sentences", type=int, default=2_000)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data/models")
    parser.add_argument("--work", type=Path, default=ROOT / "bench/out/update-memory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

"""HTTP load on POST /ask: N concurrent clients for D seconds against `qa serve` on loopback.

    .venv/bin/python bench/http_load.py data/bench/index-e5-10k-stub \
        ../shared/eval/squad-dev/questions.jsonl ../shared/eval/piaf-dev/questions.jsonl \
        --clients 8 32 64 --duration 60

Starts the server itself (`qa serve` with QA_INDEX_DIR and the model the index was built
with; with `--workers N` > 1, uvicorn's own workers over `web.app.create_app`, since
`qa serve` runs one process), waits for /healthz, then for each client count runs that
many asyncio clients (one httpx connection each, keep-alive), each posting the next real
question (shuffled with a fixed seed) as soon as its previous answer came back. `--url`
targets a server already running instead. Figures per run: requests completed, requests/s,
latency p50/p95/p99/max as the client sees it, errors (any status but 200, or no answer
within `--timeout`). The load generator shares the machine's cores with the server: the
figures are a floor for a separate client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 5


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def questions(paths: list[Path], seed: int = 7) -> list[str]:
    found = [
        json.loads(line)["question"]
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    random.Random(seed).shuffle(found)
    return found


def make_app():  # type: ignore[no-untyped-def]
    """uvicorn's factory for several workers: the app `qa serve` runs, from QA_* settings."""
    from qa.app.settings import get_settings
    from web.app import create_app

    return create_app(get_settings())


def built_with(index_dir: Path) -> str:
    generation = (index_dir / (index_dir / "CURRENT").read_text().strip()).resolve()
    return str(json.loads((generation / "manifest.json").read_text())["model"])


def start_server(index_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QA_INDEX_DIR": str(index_dir.resolve()),
        "QA_EMBEDDING_MODEL": built_with(index_dir),
        "QA_MODELS_DIR": str((ROOT / "data/models").resolve()),
    }
    if workers == 1:
        command = [str(Path(sys.executable).with_name("qa")), "serve", "--port", str(port)]
    else:
        command = [
            *(sys.executable, "-m", "uvicorn", "bench.http_load:make_app", "--factory"),
            *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
        ]
    log = (ROOT / "bench/out").resolve()
    log.mkdir(parents=True, exist_ok=True)
    output = (log / f"http-server-{port}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


async def wait_ready(url: str, server: subprocess.Popen[bytes] | None, limit: float) -> float:
    started = time.perf_counter()
    async with httpx.AsyncClient() as client:
        while time.perf_counter() - started < limit:
            if server is not None and server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}: see bench/out/")
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit(f"{url} not ready after {limit:.0f} s")


async def client_loop(
    client: httpx.AsyncClient,
    asked: list[str],
    first: int,
    step: int,
    deadline: float,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    number = first
    while time.perf_counter() < deadline:
        question = asked[number % len(asked)]
        number += step
        started = time.perf_counter()
        try:
            response = await client.post("/ask", json={"question": question})
        except httpx.HTTPError as error:
            errors[type(error).__name__] += 1
            continue
        if response.status_code == 200:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors[f"HTTP {response.status_code}"] += 1


async def run(url: str, asked: list[str], clients: int, duration: float, timeout: float) -> str:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as client:
        for question in asked[:WARM_UP]:
            await client.post("/ask", json={"question": question})
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        before = load()
        started = time.perf_counter()
        deadline = started + duration
        await asyncio.gather(
            *(
                client_loop(client, asked, c, clients, deadline, latencies, errors)
                for c in range(clients)
            )
        )
        took = time.perf_counter() - started
    done = len(latencies)
    if done >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        spread = (
            f"p50 {cuts[49]:.0f}  p95 {cuts[94]:.0f}  p99 {cuts[98]:.0f}  "
            f"max {max(latencies):.0f} ms"
        )
    else:
        spread = "too few answers for percentiles"
    failed = sum(errors.values())
    detail = f" ({', '.join(f'{k} {v}' for k, v in errors.items())})" if errors else ""
    return (
        f"{clients:3} clients, {took:.0f} s: {done} answers, {done / took:.1f} req/s, "
        f"{spread}, errors {failed}{detail}; before: {before}, after: {load()}"
    )


async def main_async(args: argparse.Namespace) -> None:
    asked = questions(args.questions)
    server = None
    url = args.url or f"http://127.0.0.1:{args.port}"
    if not args.url:
        server = start_server(args.index_dir, args.port, args.workers)
    try:
        ready = await wait_ready(url, server, args.ready_timeout)
        who = f"{args.workers} worker(s), index {args.index_dir}" if server else "external"
        print(f"server {url} ({who}) ready in {ready:.1f} s; {load()}", flush=True)
        for clients in args.clients:
            print(await run(url, asked, clients, args.duration, args.timeout), flush=True)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path, nargs="+", help="questions.jsonl files")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--url", help="an already running server instead of starting one")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

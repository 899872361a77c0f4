"""Concurrency: readers during switches, two writers at once, a server under load while an
upload is indexed. Every request and every answer must succeed; nothing is timed."""

import asyncio
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from index.embedded.layout import writer_lock
from index.embedding.embed import Embedder
from index.ingest.article import stable_id
from index.sync import add_paths, remove_articles, sync_folder
from qa.app.settings import Settings
from tests.conftest import ADMIN_TOKEN, DATA, SEEDS, Server, run_qa
from tests.states import BRIDGE_ID, COST, EXCHANGE, RIVER_IDS, old_folder
from web.state import LiveIndex

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_readers_never_fail_while_generations_are_published(
    tmp_path: Path, embedder: Embedder, models_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    sync_folder(index_dir, old_folder(tmp_path / "articles"), embedder)
    live = LiveIndex(Settings(index_dir=index_dir, models_dir=models_dir))  # as the server
    errors: list[str] = []
    answered: dict[str, int] = {}  # generation → answers read from it
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                with live.reading() as current:
                    answer = current.answerer.ask(COST)
                    quote = answer.quote
                    assert answer.found and quote and quote.article_id == BRIDGE_ID, answer
                    text = current.store.article(BRIDGE_ID).text
                    assert text[quote.start : quote.end] == quote.text
                    answered[current.version] = answered.get(current.version, 0) + 1
            except Exception as error:  # any error at all is the failure
                errors.append(f"{type(error).__name__}: {error}")

    published: list[str] = []

    def readers_reach(generation: str) -> None:
        published.append(generation)
        deadline = time.monotonic() + 120
        while answered.get(generation, 0) < 3 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        assert answered.get(generation, 0) >= 3 or errors, f"no answer from {generation}"

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):  # each update publishes a generation; the oldest are swept
            add_paths(index_dir, [DATA / "rivers.jsonl"], embedder)
            readers_reach((index_dir / "CURRENT").read_text().strip())
            remove_articles(index_dir, sorted(RIVER_IDS), embedder)
            readers_reach((index_dir / "CURRENT").read_text().strip())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(published) == 6 and set(published) <= set(answered)


def test_a_second_writer_is_refused_with_a_clear_message(
    tmp_path: Path, embedder: Embedder, models_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    add_paths(index_dir, [DATA / "harbour-bridge.md"], embedder)
    env = {"QA_INDEX_DIR": str(index_dir), "QA_MODELS_DIR": str(models_dir)}
    with writer_lock(index_dir):  # an update is running (held here, as another process)
        second = run_qa("index", "add", str(DATA / "rivers.jsonl"), env=env)
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == (
        f"error: another update of {index_dir} is running; try again later"
    )
    assert (index_dir / "CURRENT").read_text().strip() == "gen-000001"


async def _load(url: str, files: list, clients: int, at_least: float) -> dict:
    """`clients` askers in a loop until the upload is indexed and `at_least` seconds passed."""
    results = {"ok": 0, "during": 0, "errors": [], "busy": None, "status": None}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        started = await client.post("/admin/articles", files=files, headers=AUTH)
        assert started.status_code == 202, started.text
        results["busy"] = await client.post("/admin/rebuild", headers=AUTH)
        indexed, began = asyncio.Event(), time.monotonic()

        async def watch() -> None:
            while True:
                status = (await client.get("/admin/status", headers=AUTH)).json()
                if status["state"] in ("done", "failed"):
                    results["status"] = status
                    indexed.set()
                    return
                await asyncio.sleep(0.2)

        async def ask(number: int) -> None:
            question = (COST, EXCHANGE)[number % 2]
            while not (indexed.is_set() and time.monotonic() - began > at_least):
                try:
                    response = await client.post("/ask", json={"question": question})
                    if response.status_code != 200 or not response.json()["found"]:
                        results["errors"].append(f"{response.status_code} {response.text[:200]}")
                    else:
                        results["ok"] += 1
                        results["during"] += not indexed.is_set()
                except httpx.HTTPError as error:
                    results["errors"].append(f"{type(error).__name__}: {error}")

        await asyncio.wait_for(asyncio.gather(watch(), *map(ask, range(clients))), timeout=300)
    return results


def test_32_clients_get_answers_while_an_upload_is_indexed(
    scratch_server: Server, tmp_path: Path
) -> None:
    # Enough articles that indexing outlasts the first answers (32 clients queue ~2 s):
    # 3 copies were indexed before any came back once small updates stopped compiling
    # the bulk model.
    names = [f"load-copy-{n}.txt" for n in range(16)]
    for name in names:
        shutil.copy(SEEDS / "000_6acd5d2dc33e86a7.txt", tmp_path / name)
    files = [("files", (n, (tmp_path / n).read_bytes(), "text/plain")) for n in names]
    results = asyncio.run(_load(scratch_server.url, files, clients=32, at_least=10))
    assert results["errors"] == []
    assert results["status"]["state"] == "done"
    assert sorted(results["status"]["added"]) == sorted(stable_id(n) for n in names)
    assert results["during"] > 0 and results["ok"] >= 32
    busy = results["busy"]  # a second update while the first runs: refused, clearly
    assert busy.status_code == 409
    assert busy.json() == {"error": "an update (upload) is already running", "status": 409}
    listed = httpx.get(f"{scratch_server.url}/articles", timeout=30).json()["articles"]
    assert {stable_id(n) for n in names} <= {a["id"] for a in listed}

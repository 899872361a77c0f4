"""A watched folder: files that arrive, change or go are indexed within seconds, by the
watcher alone (`qa index watch`) and inside `qa serve` (QA_WATCH), answering meanwhile.

Every wait is on a condition with a deadline, never a fixed sleep."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from index.embedded.store import Store
from index.embedding.embed import Embedder
from index.jobs_store import open_job_store
from index.postgres import PostgresBackend
from index.sync import UpdateReport, sync_folder
from qa.app.indexing import folder_watcher
from qa.app.settings import Settings
from tests.conftest import ADMIN_TOKEN, ROOT, SEEDS, InProcess, Server, new_database
from tests.wire import SEED_FILE

pytestmark = pytest.mark.slow  # starts `qa` processes or servers
DEADLINE = 120  # seconds: model loads and embedding on a busy 2-core machine
FERRY = """---
title: Ferry crews end their strike
date: 2025-06-20
---

The ferry crews of the island line returned to work on Friday after the company agreed to
hire forty-two more sailors.
"""


def wait_until(check: Callable[[], object], what: str, deadline: float = DEADLINE) -> object:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if found := check():
            return found
        time.sleep(0.2)  # polling step, not a wait for something to happen
    raise AssertionError(f"not within {deadline} s: {what}")


def titles(index: Path) -> set[str]:
    try:
        return {a["title"] for a in Store.open(index).list_articles(limit=1000)}
    except Exception:  # no generation published yet
        return set()


@pytest.fixture
def watched(tmp_path: Path, settings: Settings, embedder: Embedder):
    """A folder with the seed, watched into its own index by a watcher thread."""
    folder, index = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    reports: list[UpdateReport] = []
    mine = settings.model_copy(update={"index_dir": index, "source_dir": folder})
    watcher = folder_watcher(mine, folder, reports.append)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    assert watcher.ready.wait(DEADLINE), "the watcher did not start"
    yield folder, index, reports
    watcher.stop.set()
    thread.join(timeout=30)


def test_new_changed_and_deleted_files_are_synced_in_batches(watched) -> None:
    folder, index, reports = watched
    assert len(titles(index)) == 1  # the seed, from the sync done once watching
    for number in range(150):  # a burst: more than one batch of 100
        (folder / f"note-{number:03}.md").write_text(
            f"# Harbour note {number}\n\nThe harbour master logged {number} ships today."
        )
    wait_until(lambda: len(titles(index)) == 151, "the burst indexed")
    assert max(len(r.added) for r in reports) <= 100  # published a batch at a time
    (folder / "note-007.md").write_text("# Harbour note seven\n\nThe harbour closed early.")
    (folder / "note-008.md").unlink()
    (folder / ".draft.md").write_text("# Draft\n\nA hidden file is not read.")
    wait_until(lambda: "Harbour note seven" in titles(index), "the changed file indexed")
    wait_until(lambda: "Harbour note 8" not in titles(index), "the deleted file removed")
    assert "Draft" not in titles(index) and len(titles(index)) == 150


def ask(server: Server, question: str) -> dict:
    return httpx.post(f"{server.url}/ask", json={"question": question}, timeout=30).json()


def test_a_served_folder_answers_new_files_and_forgets_deleted_ones(
    tmp_path: Path, models_dir: Path, embedder: Embedder
) -> None:
    folder, index = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    env = {
        "QA_INDEX_DIR": str(index),
        "QA_SOURCE_DIR": str(folder),
        "QA_MODELS_DIR": str(models_dir),
        "QA_WATCH": "true",
    }
    server = Server(env)  # no index yet: the watcher's first sync builds it
    try:
        question = "How many more sailors will the ferry company hire?"
        wait_until(lambda: httpx.get(f"{server.url}/healthz").status_code == 200, "an index")
        (folder / "ferry.md").write_text(FERRY)
        answered = wait_until(
            lambda: "forty-two" in (ask(server, question).get("answer") or ""), "ferry answered"
        )
        assert answered
        assert ask(server, "Qui a annoncé un nouvel échange de prisonniers ?")["found"]
        (folder / "ferry.md").unlink()
        wait_until(
            lambda: "forty-two" not in (ask(server, question).get("answer") or ""),
            "the deleted article no longer quoted",
        )
    finally:
        server.stop()


def test_a_watcher_that_fails_is_started_again_and_says_so(
    tmp_path: Path, models_dir: Path, embedder: Embedder
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    server = InProcess(
        {
            "QA_INDEX_DIR": str(tmp_path / "index"),
            "QA_SOURCE_DIR": str(folder),
            "QA_MODELS_DIR": str(models_dir),
            "QA_ADMIN_TOKEN": ADMIN_TOKEN,
            "QA_WATCH": "true",
        }
    )

    def watch() -> dict:
        return server.get("/healthz").json().get("watch", {})

    try:
        wait_until(lambda: server.get("/healthz").status_code == 200, "an index")
        assert watch() == {"state": "running", "last_error": None, "restarts": 0}
        # A real failure: the watched folder goes. The watch it had sees nothing of a
        # folder made again there; the watcher thread once went on blind, or died.
        shutil.rmtree(folder)
        failing = wait_until(
            lambda: watch()["state"].startswith("restarting after error: "), "the error shown"
        )
        assert failing
        assert watch()["last_error"] and watch()["restarts"] >= 1
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert server.get("/admin/status", headers=headers).json()["watch"]["restarts"] >= 1
        folder.mkdir()
        (folder / "ferry.md").write_text(FERRY)
        question = {"question": "How many more sailors will the ferry company hire?"}
        answered = wait_until(
            lambda: "forty-two" in (server.post("/ask", json=question).json().get("answer") or ""),
            "the ferry article, written after the restart, answered",
        )
        assert answered and watch()["state"] == "running"
    finally:
        server.stop()


BAKERY = """# The Lindholm bakery reopens

The bakery of Lindholm reopened on Monday and sold three hundred loaves before noon.
"""


def test_one_worker_watches_and_another_takes_over_when_it_dies(
    tmp_path: Path, models_dir: Path, embedder: Embedder
) -> None:
    """`qa serve --workers 2` with QA_WATCH: one process holds the watch of the index (a
    lease: QA_INDEX_DIR/.watch.lock, or an advisory lock over PostgreSQL), the other
    stands by; killed, the watcher's place is taken and arrivals are indexed again."""
    folder, index = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    env = {"QA_INDEX_DIR": str(index), "QA_SOURCE_DIR": str(folder)}
    env |= {"QA_MODELS_DIR": str(models_dir), "QA_WATCH": "true", "QA_WORKERS": "2"}
    server = Server(env | {"QA_ADMIN_TOKEN": ADMIN_TOKEN})
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    watching: dict[int, str] = {}  # pid → its watch state, as each process says

    def both_seen(old: int | None = None) -> bool:
        status = httpx.get(f"{server.url}/admin/status", headers=headers, timeout=30).json()
        watching[status["served_by"]["pid"]] = status["watch"]["state"]
        leaders = [pid for pid, state in watching.items() if state == "running"]
        assert len(leaders) <= 1, watching  # never two processes watching at once
        standing = [pid for pid, state in watching.items() if state.startswith("standing by")]
        return bool(leaders and standing and leaders[0] != old)

    try:
        wait_until(lambda: httpx.get(f"{server.url}/healthz").status_code == 200, "an index")
        wait_until(both_seen, "one worker watching, the other standing by")
        (leader,) = [pid for pid, state in watching.items() if state == "running"]
        (folder / "ferry.md").write_text(FERRY)
        ferry = "How many more sailors will the ferry company hire?"
        wait_until(lambda: "forty-two" in (ask(server, ferry).get("answer") or ""), "ferry")

        os.kill(leader, signal.SIGKILL)
        watching.clear()  # the killed one's word no longer stands
        wait_until(lambda: both_seen(old=leader), "another worker watching", DEADLINE * 2)
        (folder / "bakery.md").write_text(BAKERY)
        bread = "How many loaves did the Lindholm bakery sell?"
        wait_until(lambda: "three hundred" in (ask(server, bread).get("answer") or ""), "bakery")
    finally:
        server.stop()


def test_one_server_over_postgres_watches_and_another_takes_over(
    tmp_path: Path, postgres: str, corpus_dir: Path, embedder: Embedder, models_dir: Path
) -> None:
    """Two servers over one PostgreSQL, one folder (a shared mount): one watches, the other
    stands by; the watching server killed, the other takes over."""
    url = new_database(postgres)
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    sync_folder(PostgresBackend(url), folder, embedder)
    env = {"QA_BACKEND": "postgres", "QA_DATABASE_URL": url, "QA_SOURCE_DIR": str(folder)}
    env |= {"QA_MODELS_DIR": str(models_dir), "QA_WATCH": "true", "QA_ADMIN_TOKEN": ADMIN_TOKEN}
    servers = [Server(env | {"QA_INDEX_DIR": str(tmp_path / name)}) for name in ("a", "b")]

    def watch(server: Server) -> str:
        return str(httpx.get(f"{server.url}/healthz", timeout=30).json()["watch"]["state"])

    try:

        def settled() -> list[str] | None:
            seen = [watch(server) for server in servers]
            standing = [state for state in seen if state.startswith("standing by")]
            return seen if "running" in seen and len(standing) == len(seen) - 1 else None

        states = wait_until(settled, "one server watching, the other standing by")
        assert isinstance(states, list) and states.count("running") == 1
        leader, other = servers if states[0] == "running" else servers[::-1]
        (folder / "ferry.md").write_text(FERRY)
        ferry = "How many more sailors will the ferry company hire?"
        for asked in servers:
            wait_until(lambda a=asked: "forty-two" in (ask(a, ferry).get("answer") or ""), "ferry")

        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(30)
        wait_until(lambda: watch(other) == "running", "the other server watching")
        (folder / "bakery.md").write_text(BAKERY)
        bread = "How many loaves did the Lindholm bakery sell?"
        wait_until(lambda: "three hundred" in (ask(other, bread).get("answer") or ""), "bakery")
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.stop()


def test_the_command_line_watcher_stands_by_while_another_process_watches(
    tmp_path: Path, models_dir: Path, embedder: Embedder
) -> None:
    folder, index = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_FILE, folder)
    held = open_job_store("embedded", index, None).watch_lease()  # a server's watch
    assert held is not None
    env = {"QA_INDEX_DIR": str(index), "QA_MODELS_DIR": str(models_dir)}
    watching = subprocess.Popen(
        [sys.executable, "-m", "web.cli.main", "index", "watch", str(folder)],
        env={**os.environ, **env},
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watching.stderr is not None
        said = watching.stderr.readline()
        assert said == "standing by: another process watches this index\n"
        (folder / "ferry.md").write_text(FERRY)
        time.sleep(3)  # an absence is seen only over time: nothing indexed while it stands by
        assert not index.joinpath("CURRENT").exists()
        held.release()  # the server ends: this one takes over, syncs, watches
        assert watching.stderr.readline() == f"watching {folder} (Ctrl-C to stop)\n"
        wait_until(lambda: "Ferry crews end their strike" in titles(index), "ferry indexed")
    finally:
        watching.send_signal(signal.SIGINT)
        watching.wait(60)

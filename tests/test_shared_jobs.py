"""One truth about updates (issue 23): servers over one index see the same job, refuse a
second update while one runs (409, nothing saved), and see a job whose process was killed
as failed, after which the next update proceeds. Over PostgreSQL with two servers, each
with its own source folder (as on two machines); over the embedded index with
`qa serve --workers 2`."""

import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from index.embedding.embed import Embedder
from index.postgres import PostgresBackend
from index.sync import sync_folder
from tests.conftest import ADMIN_TOKEN, Server, new_database
from tests.test_web_api import AUTH, VOLCANO

pytestmark = pytest.mark.slow  # starts servers

SENTENCES = 1200  # long enough to be seen running from the other server on busy cores
SLOW = 600  # seconds an update may take


def long_article(port: str, colour: str) -> str:
    """One fact among many harbour log lines: it takes a while to embed."""
    lines = [
        f"The harbour of Port {port} logged ship number {n} at berth {n % 40}."
        for n in range(SENTENCES)
    ]
    paragraphs = [" ".join(lines[n : n + 4]) for n in range(0, SENTENCES, 4)]
    fact = f"The lighthouse of Port {port} was painted {colour} last week by volunteers."
    return f"# The Port {port} log\n\n{fact}\n\n" + "\n\n".join(paragraphs)


def upload(url: str, name: str, text: str) -> httpx.Response:
    files = {"files": (name, text.encode(), "text/markdown")}
    return httpx.post(f"{url}/admin/articles", files=files, headers=AUTH, timeout=60)


def status(url: str) -> dict:
    return httpx.get(f"{url}/admin/status", headers=AUTH, timeout=30).json()


def wait_for(url: str, wanted: Callable[[dict], bool], what: str, seconds: float = SLOW) -> dict:
    deadline = time.monotonic() + seconds
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = status(url)
        if wanted(seen):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{what}: not seen in {seconds} s; last status {seen}")


def running(job: int | None = None) -> Callable[[dict], bool]:
    def check(seen: dict) -> bool:
        return seen["state"] == "running" and (job is None or seen.get("id") == job)

    return check


def finished(job: int) -> Callable[[dict], bool]:
    return lambda seen: seen.get("id") == job and seen["state"] in ("done", "failed")


def recovered(seen: dict) -> bool:
    return seen.get("kind") == "recover uploads" and seen["state"] in ("done", "failed")


def rebuild(url: str) -> dict:
    started = httpx.post(f"{url}/admin/rebuild", headers=AUTH, timeout=60)
    assert started.status_code == 202, started.text
    return wait_for(url, finished(started.json()["job"]["id"]), "the rebuild")


def answer(url: str, question: str) -> str:
    response = httpx.post(f"{url}/ask", json={"question": question}, timeout=120).json()
    return str(response.get("answer") or "") if response["found"] else ""


def uploaded(source: Path) -> set[str]:
    folder = source / "uploads"
    return {p.name for p in folder.glob("[!.]*")} if folder.is_dir() else set()


BREVIK = "What colour was the lighthouse of Port Brevik painted?"
ALDER = "What colour was the lighthouse of Port Alder painted?"
CEDAR = "What colour was the lighthouse of Port Cedar painted?"
VOLCANO_QUESTION = "How high did the ash cloud of the volcano rise?"


def test_two_servers_over_one_database_share_one_truth_about_updates(
    tmp_path: Path, postgres: str, corpus_dir: Path, embedder: Embedder, models_dir: Path
) -> None:
    url = new_database(postgres)
    sync_folder(PostgresBackend(url), corpus_dir, embedder)
    common = {"QA_BACKEND": "postgres", "QA_DATABASE_URL": url, "QA_MODELS_DIR": str(models_dir)}
    sources = {name: tmp_path / f"source-{name}" for name in ("a", "b")}
    servers = []
    try:
        for name, workers in (("a", "1"), ("b", "2")):
            shutil.copytree(corpus_dir, sources[name])
            env = {"QA_SOURCE_DIR": str(sources[name]), "QA_ADMIN_TOKEN": ADMIN_TOKEN}
            env |= {"QA_WORKERS": workers, "QA_INDEX_DIR": str(tmp_path / f"unused-{name}")}
            servers.append(Server(common | env))
        a, b = servers

        # An upload through a is seen running in b's status, its owner a's process.
        accepted = upload(a.url, "brevik.md", long_article("Brevik", "green"))
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()["job"]["id"]
        seen = wait_for(b.url, running(job), "a's upload running in b's status")
        assert seen["kind"] == "upload" and seen["owner"]["pid"] == a.process.pid
        assert seen["served_by"]["pid"] != a.process.pid

        # An upload through b meanwhile is refused, and nothing is saved.
        refused = upload(b.url, "volcano.md", VOLCANO)
        assert refused.status_code == 409
        assert refused.json()["error"].startswith(
            f"an update (upload) is already running in another worker (process {a.process.pid}"
        )
        assert uploaded(sources["b"]) == set()

        # Once it is done, b's upload goes through; both servers answer about both.
        assert wait_for(b.url, finished(job), "a's upload finished")["state"] == "done"
        accepted = upload(b.url, "volcano.md", VOLCANO)
        assert accepted.status_code == 202, accepted.text
        done = wait_for(a.url, finished(accepted.json()["job"]["id"]), "b's upload in a's status")
        assert done["state"] == "done" and done["owner"]["pid"] != a.process.pid, done
        for server in servers:
            assert "green" in answer(server.url, BREVIK)
            assert "nine kilometres" in answer(server.url, VOLCANO_QUESTION)
        # A rebuild through a syncs a's folder and keeps b's upload (another folder's path).
        assert rebuild(a.url)["state"] == "done"
        assert "nine kilometres" in answer(b.url, VOLCANO_QUESTION)

        # a is killed while its update runs: b sees the job failed, and updates again.
        accepted = upload(a.url, "alder.md", long_article("Alder", "blue"))
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()["job"]["id"]
        wait_for(b.url, running(job), "a's second upload running in b's status")
        a.process.send_signal(signal.SIGKILL)
        a.process.wait(30)
        dead = wait_for(b.url, finished(job), "the killed server's job failed", 60)
        assert dead["state"] == "failed"
        assert dead["error"].startswith("its process died (its lock is free")
        again = upload(b.url, "alder.md", long_article("Alder", "blue"))
        assert again.status_code == 202, again.text
        assert wait_for(b.url, finished(again.json()["job"]["id"]), "b's update")["state"] == "done"
        assert "blue" in answer(b.url, ALDER)
        assert rebuild(b.url)["state"] == "done"  # keeps a's uploads, a's disk gone with it
        assert "green" in answer(b.url, BREVIK)
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.stop()


def test_the_workers_of_one_embedded_server_share_one_truth_about_updates(
    tmp_path: Path, corpus_dir: Path, embedder: Embedder, models_dir: Path
) -> None:
    source, index_dir = tmp_path / "source", tmp_path / "index"
    shutil.copytree(corpus_dir, source)
    sync_folder(index_dir, source, embedder)
    env = {"QA_INDEX_DIR": str(index_dir), "QA_SOURCE_DIR": str(source)}
    env |= {"QA_MODELS_DIR": str(models_dir), "QA_ADMIN_TOKEN": ADMIN_TOKEN, "QA_WORKERS": "2"}
    server = Server(env)
    try:
        # An upload through one worker: every status says it runs, the other's too.
        accepted = upload(server.url, "brevik.md", long_article("Brevik", "green"))
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()["job"]["id"]
        owner = accepted.json()["job"]["owner"]["pid"]
        wait_for(
            server.url,
            lambda seen: running(job)(seen) and seen["served_by"]["pid"] != owner,
            "the upload running in the other worker's status",
        )

        # Uploads meanwhile are refused, by whichever worker takes them: nothing saved.
        for _ in range(4):
            refused = upload(server.url, "volcano.md", VOLCANO)
            assert refused.status_code == 409
            assert refused.json()["error"].startswith("an update (upload) is already running")
        assert uploaded(source) == {"brevik.md"}

        assert wait_for(server.url, finished(job), "the upload")["state"] == "done"
        accepted = upload(server.url, "volcano.md", VOLCANO)
        assert accepted.status_code == 202, accepted.text
        assert (
            wait_for(server.url, finished(accepted.json()["job"]["id"]), "the second upload")[
                "state"
            ]
            == "done"
        )
        for _ in range(4):  # either worker answers about both
            assert "green" in answer(server.url, BREVIK)
            assert "nine kilometres" in answer(server.url, VOLCANO_QUESTION)

        # The worker running an upload is killed: uvicorn starts it again, and the new
        # worker sees the job failed and indexes the upload it left saved but unindexed.
        accepted = upload(server.url, "alder.md", long_article("Alder", "blue"))
        assert accepted.status_code == 202, accepted.text
        job, owner = accepted.json()["job"]["id"], accepted.json()["job"]["owner"]["pid"]
        wait_for(server.url, running(job), "the third upload running")
        os.kill(owner, signal.SIGKILL)
        mended = wait_for(server.url, recovered, "the dead upload indexed again")
        assert mended["after"]["id"] == job and mended["after"]["kind"] == "upload"
        assert mended["after"]["error"].startswith("its process died (its lock is free")
        assert len(mended["added"]) == 1  # alder's article
        assert mended["updated"] == mended["removed"] == []  # the others keep their ids
        assert "blue" in answer(server.url, ALDER)  # not uploaded again

        # The next update proceeds.
        again = upload(server.url, "cedar.md", long_article("Cedar", "red")[:2000])
        assert again.status_code == 202, again.text
        assert (
            wait_for(server.url, finished(again.json()["job"]["id"]), "the update after")["state"]
            == "done"
        )
        assert "red" in answer(server.url, CEDAR)
    finally:
        server.stop()

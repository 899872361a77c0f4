"""Stateless web workers over PostgreSQL: servers share one database, nothing else."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest

from index.embedding.embed import Embedder
from index.postgres import PostgresBackend
from index.sync import sync_folder
from tests.conftest import ADMIN_TOKEN, Server, new_database, run_qa
from tests.test_web_api import AUTH, VOLCANO, wait_for_job

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
VOLCANO_QUESTION = "How high did the ash cloud of the volcano rise?"


def test_two_servers_share_one_database(
    tmp_path: Path, postgres: str, corpus_dir: Path, embedder: Embedder, models_dir: Path
) -> None:
    url = new_database(postgres)
    sync_folder(PostgresBackend(url), corpus_dir, embedder)
    common = {"QA_BACKEND": "postgres", "QA_DATABASE_URL": url, "QA_MODELS_DIR": str(models_dir)}
    servers = []
    try:
        for name, workers in (("a", "1"), ("b", "2")):
            source = tmp_path / f"source-{name}"
            shutil.copytree(corpus_dir, source)
            servers.append(
                Server(
                    common
                    | {"QA_SOURCE_DIR": str(source), "QA_ADMIN_TOKEN": ADMIN_TOKEN}
                    | {"QA_WORKERS": workers, "QA_INDEX_DIR": str(tmp_path / "unused")}
                )
            )
        first, second = servers
        for server in servers:
            answer = httpx.post(f"{server.url}/ask", json={"question": QUESTION}, timeout=60)
            assert answer.json()["found"]

        files = {"files": ("volcano.md", VOLCANO.encode(), "text/markdown")}
        accepted = httpx.post(f"{first.url}/admin/articles", files=files, headers=AUTH)
        assert accepted.status_code == 202
        assert wait_for_job(first)["state"] == "done"

        for _ in range(4):  # several requests: they may reach either of b's two workers
            answer = httpx.post(
                f"{second.url}/ask", json={"question": VOLCANO_QUESTION}, timeout=60
            )
            assert answer.json()["found"] and "nine kilometres" in answer.json()["answer"]
        health = [httpx.get(f"{s.url}/healthz").json()["generation"] for s in servers]
        assert health[0] == health[1]
    finally:
        for server in servers:
            server.stop()


def test_cli_over_postgres_init_build_check(
    tmp_path: Path, postgres: str, corpus_dir: Path, models_dir: Path
) -> None:
    env = {
        "QA_BACKEND": "postgres",
        "QA_DATABASE_URL": new_database(postgres),
        "QA_MODELS_DIR": str(models_dir),
    }

    def qa(*args: str) -> subprocess.CompletedProcess[str]:
        return run_qa(*args, env=env, timeout=600)

    missing = qa("ask", QUESTION)
    assert missing.returncode == 1 and "qa index build" in missing.stderr
    assert "empty index created" in qa("index", "init").stdout
    assert "index ready" in qa("index", "init").stdout
    assert qa("index", "build", str(corpus_dir)).returncode == 0
    assert qa("index", "check").stdout.strip() == "index ok"
    answer = qa("ask", QUESTION)
    assert answer.returncode == 0 and "nouvel échange de prisonniers" in answer.stdout
    down = env | {"QA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    unreachable = run_qa("index", "stats", env=down)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("error: the index database does not answer")


def free_socket_port() -> int:
    with socket.socket() as probe:  # a port no local server listens on names the socket
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def streaming_replica(primary: str) -> Iterator[str]:
    """A hot standby of the session's PostgreSQL, made by the pgserver wheel's pg_basebackup
    and started by its pg_ctl, as the system user the primary runs as; yields its base URL
    (unix socket only, as the primary)."""
    import pgserver

    binaries = Path(pgserver.__file__).parent / "pginstall" / "bin"
    user = "pgserver" if os.geteuid() == 0 else None  # as root, pgserver's own user
    parent = Path(tempfile.mkdtemp(prefix="qa-replica-"))
    parent.chmod(0o755)
    data, sockets = parent / "data", parent / "socket"
    sockets.mkdir(mode=0o777)
    sockets.chmod(0o777)
    if user is not None:
        shutil.chown(parent, user)
        shutil.chown(sockets, user)
    host = psycopg.conninfo.conninfo_to_dict(primary)["host"]
    port = free_socket_port()
    run = partial(subprocess.run, check=True, user=user, capture_output=True, timeout=120)
    try:
        run(
            [
                binaries / "pg_basebackup",
                "-D",
                data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",  # a checkpoint at once, not one spread over minutes
                "-h",
                host,
                "-U",
                "postgres",
            ]
        )
        options = f"-h '' -k {sockets} -p {port}"
        run([binaries / "pg_ctl", "-D", data, "-w", "-l", parent / "log", "-o", options, "start"])
        yield f"postgresql://postgres:@/postgres?host={sockets}&port={port}"
    finally:
        if (data / "postmaster.pid").exists():
            run([binaries / "pg_ctl", "-D", data, "-w", "-m", "fast", "stop"])
        shutil.rmtree(parent, ignore_errors=True)


def test_answers_read_from_a_replica_and_lag_with_it(
    postgres: str, tmp_path: Path, corpus_dir: Path, embedder: Embedder, models_dir: Path
) -> None:
    """QA_DATABASE_READ_URL: answers come from a streaming replica, updates go to the
    primary. While the replica's replay is paused, an update is done (the primary's job
    says so) but not yet answerable; once replayed, it is."""
    url = new_database(postgres)
    sync_folder(PostgresBackend(url), corpus_dir, embedder)
    with streaming_replica(postgres) as replica:
        database = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        read_url = replica.replace("/postgres?", f"/{database}?")
        source = tmp_path / "source"
        shutil.copytree(corpus_dir, source)
        env = {"QA_BACKEND": "postgres", "QA_DATABASE_URL": url, "QA_DATABASE_READ_URL": read_url}
        env |= {"QA_MODELS_DIR": str(models_dir), "QA_SOURCE_DIR": str(source)}
        env |= {"QA_ADMIN_TOKEN": ADMIN_TOKEN, "QA_INDEX_DIR": str(tmp_path / "unused")}
        server = Server(env)
        try:
            assert ask(server, QUESTION)["found"]
            with psycopg.connect(read_url, autocommit=True) as replica_db:
                assert replica_db.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
                replica_db.execute("SELECT pg_wal_replay_pause()")
                files = {"files": ("volcano.md", VOLCANO.encode(), "text/markdown")}
                accepted = server.post("/admin/articles", files=files, headers=AUTH, timeout=60)
                assert accepted.status_code == 202, accepted.text
                assert wait_for_job(server)["state"] == "done"  # on the primary
                lagging = ask(server, VOLCANO_QUESTION)  # the replica has not replayed it
                assert "nine kilometres" not in str(lagging.get("answer"))
                state = replica_db.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()
                assert state == ("paused",)
                replica_db.execute("SELECT pg_wal_replay_resume()")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if "nine kilometres" in str(ask(server, VOLCANO_QUESTION).get("answer")):
                    break
                time.sleep(0.2)
            assert "nine kilometres" in ask(server, VOLCANO_QUESTION)["answer"]
        finally:
            server.stop()


def ask(server: Server, question: str) -> dict:
    response = server.post("/ask", json={"question": question}, timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())

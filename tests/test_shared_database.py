"""Stateless web workers over PostgreSQL: servers share one database, nothing else."""

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from index.embedding.embed import Embedder
from index.postgres import PostgresBackend
from index.sync import sync_folder
from tests.conftest import ADMIN_TOKEN, Server, new_database, run_qa
from tests.test_web_api import AUTH, VOLCANO, wait_for_job

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"


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

        volcano = "How high did the ash cloud of the volcano rise?"
        for _ in range(4):  # several requests: they may reach either of b's two workers
            answer = httpx.post(f"{second.url}/ask", json={"question": volcano}, timeout=60)
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

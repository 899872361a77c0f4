"""The product as a user installs it: the wheel, in a clean venv, run outside the repo, offline.

Builds the wheel with `pip wheel --no-deps`, checks that the shipped model files are in it and
that it holds three top-level packages (index, qa, web) and nothing else, installs
torch==2.13.0 (the CPU build on this disk) and then the wheel with its dependencies into a new
venv, and runs `qa index build`, `qa ask` and `qa serve` with one POST /ask from a
folder outside the repo, with HF_HUB_OFFLINE=1.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEED_ID, SEEDS, free_port

pytestmark = pytest.mark.slow  # builds a wheel, a venv, and starts `qa` processes

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
# The model files answering reads from the package: a missing package-data entry fails here.
SHIPPED = [
    "qa/scorer.json",
    "qa/reading.json",
    *sorted(
        f"qa/reader_model/{path.name}"
        for path in (ROOT / "qa" / "reader_model").iterdir()
        if path.is_file() and path.suffix != ".py"
    ),
]


def run(*command: str | Path, cwd: Path, env: dict[str, str], timeout: int = 900) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.timeout(1800)
def test_the_installed_wheel_builds_an_index_answers_and_serves(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp_path,
        env=clean)  # fmt: skip
    (wheel,) = wheels.glob("article_qa-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        listed = {line.split(",")[0] for line in archive.read(record).decode().splitlines()}
    assert not [path for path in SHIPPED if path not in listed]
    # Three top-level packages and nothing else (docs/architecture.md); the templates and
    # static files of the web app ship too.
    top = {path.split("/")[0] for path in listed if ".dist-info/" not in path}
    assert top == {"index", "qa", "web"}, top
    assert any(path.startswith("web/templates/") for path in listed)
    assert any(path.startswith("web/static/") for path in listed)
    assert "index/embedded/schema.sql" in listed

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path, env=clean)
    python, qa = venv / "bin" / "python", venv / "bin" / "qa"
    # torch first, pinned: left to pip's resolver it would take a CUDA build of several GB.
    run(python, "-m", "pip", "install", "-q", "torch==2.13.0", cwd=tmp_path, env=clean)
    run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path, env=clean)

    home = tmp_path / "user"  # no repo here, nor on sys.path
    home.mkdir()
    articles = tmp_path / "articles"
    articles.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, articles / path.name)
    env = {
        **clean,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "QA_INDEX_DIR": str(tmp_path / "index"),
        "QA_MODELS_DIR": str(tmp_path / "models"),
        "QA_SOURCE_DIR": str(articles),
        "QA_CONVERSATIONS_FILE": str(tmp_path / "conversations.sqlite"),
    }
    code = "import index, qa, web, web.cli.main; print(index.__file__, qa.__file__, web.__file__)"
    where = run(python, "-c", code, cwd=home, env=env)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    for line in where.split():
        assert Path(line).is_relative_to(site / "site-packages"), where

    built = run(qa, "index", "build", articles, cwd=home, env=env)
    assert "1 added" in built
    answer = json.loads(run(qa, "ask", QUESTION, "--json", cwd=home, env=env))
    assert answer["found"] and answer["quote"]["article_id"] == SEED_ID
    assert "et la Russie ont annoncé" in answer["answer"]

    port = free_port()
    server = subprocess.Popen(
        [str(qa), "serve", "--port", str(port)],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"server exited: {server.stderr.read()}"  # type: ignore[union-attr]
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start in 120 s"
                time.sleep(0.2)
        asked = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=60)
        assert asked.status_code == 200, asked.text
        served = asked.json()
        assert served["found"] and served["quote"]["article_id"] == SEED_ID
        assert "et la Russie ont annoncé" in served["answer"]
    finally:
        server.terminate()
        server.wait(timeout=30)

"""`qa ask` and `qa chat` as a user runs them: the article's url, nothing on stderr, a running
server asked instead of a loaded model, follow-ups in a chat."""

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from qa.app.engine import MODES as ENGINE_MODES
from tests.conftest import ROOT, Server
from web.cli.main import MODES

pytestmark = pytest.mark.slow  # starts `qa` processes and servers

BRIDGE = "When is the new harbour bridge expected to open?"
NOWHERE = {"QA_INDEX_DIR": "/nonexistent/index", "QA_MODELS_DIR": "/nonexistent/models"}


def qa(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "web.cli.main", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ask_prints_the_article_url_and_nothing_on_stderr(seed_index: Path, models_dir: Path):
    env = {"QA_INDEX_DIR": str(seed_index), "QA_MODELS_DIR": str(models_dir)}
    asked = qa("ask", BRIDGE, env=env)
    assert asked.returncode == 0 and asked.stderr == ""  # no progress bar, no warning
    lines = asked.stdout.splitlines()
    assert "is expected to open in 2029" in lines[0]
    assert "https://news.example.org/2024/03/harbour-bridge" in lines


def test_ask_with_a_server_loads_neither_model_nor_index(server: Server) -> None:
    asked = qa("ask", "--server", server.url, BRIDGE, env=NOWHERE)
    assert asked.returncode == 0, asked.stderr
    assert "is expected to open in 2029" in asked.stdout
    link = re.search(rf"{re.escape(server.url)}/articles/(\w+)\?hl=(\d+)#s\2", asked.stdout)
    assert link, asked.stdout
    page = httpx.get(link.group(0), headers={"Accept": "text/html"})
    assert 'class="sentence quoted">The project will cost' in page.text
    by_setting = qa("ask", BRIDGE, "--json", env={**NOWHERE, "QA_SERVER_URL": server.url})
    assert '"found": true' in by_setting.stdout


def test_ask_with_a_server_that_is_not_there_says_so(tmp_path: Path) -> None:
    asked = qa("ask", "--server", "http://127.0.0.1:9", BRIDGE, env=NOWHERE)
    assert asked.returncode == 1
    assert asked.stderr.startswith("error: cannot reach the server at http://127.0.0.1:9")


def test_chat_answers_follow_ups(seed_index: Path, models_dir: Path) -> None:
    env = {"QA_INDEX_DIR": str(seed_index), "QA_MODELS_DIR": str(models_dir)}
    questions = "Combien de jours de trêve réclame l'Ukraine ?\nEt combien de régions ?\n"
    chatted = qa("chat", env=env, stdin=questions)
    assert chatted.returncode == 0, chatted.stderr
    answers = [block for block in chatted.stdout.split("\n\n") if block.strip()]
    assert len(answers) == 2
    assert "30 jours" in answers[0] and "quatre régions" in answers[1]


def test_chat_with_a_server_keeps_the_conversation_there(server: Server) -> None:
    questions = "Qui a annoncé un nouvel échange de prisonniers ?\nEt combien de régions ?\n"
    chatted = qa("chat", "--server", server.url, env=NOWHERE, stdin=questions)
    assert chatted.returncode == 0, chatted.stderr
    found = re.search(r"conversation: (\S+/\?c=([\w-]{16}))", chatted.stderr)
    assert found, chatted.stderr
    kept = httpx.get(f"{server.url}/conversations/{found.group(2)}").json()["turns"]
    assert [t["question"] for t in kept] == questions.splitlines()
    assert "quatre régions" in kept[1]["answer"]["answer"]
    page = httpx.get(found.group(1), headers={"Accept": "text/html"})
    assert page.text.count('class="turn"') == 2  # the same conversation in a browser


def test_the_command_lines_modes_are_the_engines() -> None:
    assert MODES == ENGINE_MODES

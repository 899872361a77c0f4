"""The `qa` command line, run as a user runs it: a real process, real exit codes."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DATA, SEED_ID, SEEDS, run_qa

pytestmark = pytest.mark.slow  # starts `qa` processes or servers


@pytest.fixture(autouse=True)
def built_models(models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MODELS_DIR", str(models_dir))  # the session's built e5


def qa(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_qa(*args, env={"QA_INDEX_DIR": str(index_dir)})


def test_build_stats_ask_check_remove(tmp_path: Path) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / "000_6acd5d2dc33e86a7.txt", folder)
    shutil.copy(DATA / "harbour-bridge.md", folder)
    (folder / "broken.json").write_text("{not json")

    built = qa("index", "build", str(folder), index_dir=index_dir)
    assert built.returncode == 3  # done, with a file skipped
    assert "2 added" in built.stdout
    assert "skipped " in built.stderr and "broken.json: invalid JSON" in built.stderr

    stats = json.loads(qa("index", "stats", "--json", index_dir=index_dir).stdout)
    assert stats["articles"] == 2 and stats["chunks"] == stats["vectors"] > 0

    asked = qa(
        "ask", "Qui a annoncé un nouvel échange de prisonniers ?", "--json", index_dir=index_dir
    )
    answer = json.loads(asked.stdout)
    assert answer["found"] and answer["quote"]["article_id"] == SEED_ID
    assert "et la Russie ont annoncé" in answer["answer"]

    assert qa("index", "check", index_dir=index_dir).stdout.strip() == "index ok"
    removed = qa("index", "remove", SEED_ID, index_dir=index_dir)
    assert removed.returncode == 0 and "1 removed" in removed.stdout


def test_errors_are_one_line_with_exit_code_1(tmp_path: Path) -> None:
    missing = qa("ask", "Qui ?", index_dir=tmp_path / "nothing")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"error: no index in {tmp_path / 'nothing'}: build one with `qa index build FOLDER`"
    )
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("since", ["yesterday", "2025-02-30", "2025-13"])
def test_a_date_filter_that_is_no_date_is_a_usage_error(tmp_path: Path, since: str) -> None:
    refused = qa("ask", "--since", since, "Qui ?", index_dir=tmp_path / "nothing")
    assert refused.returncode == 2, refused.stderr  # before any index is opened
    assert "--since" in refused.stderr and repr(since) in refused.stderr


def test_model_mismatch_says_to_rebuild(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert qa("index", "add", str(DATA / "harbour-bridge.md"), index_dir=index_dir).returncode == 0
    env = {"QA_INDEX_DIR": str(index_dir), "QA_EMBEDDING_MODEL": "other/model"}
    result = run_qa("index", "stats", env=env, timeout=120)
    assert result.returncode == 1
    assert "built with the embedding model 'multilingual-e5-small'" in result.stderr
    assert "qa index build --rebuild" in result.stderr


def test_a_hostile_file_is_skipped_and_the_index_stays_whole(tmp_path: Path) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(DATA / "harbour-bridge.md", folder)
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)  # was a RecursionError
    (folder / "story.md").write_text(
        "---\ntitle: A story\nurl: javascript:alert(2)\n---\n\nThe story has one sentence."
    )
    built = qa("index", "build", str(folder), index_dir=index_dir)
    assert built.returncode == 3, built.stderr
    assert "2 added" in built.stdout
    said = [line for line in built.stderr.splitlines() if line.startswith(("warning", "skipped"))]
    assert said == [
        f"warning: {folder / 'story.md'}: url 'javascript:alert(2)' of 'A story' dropped: "
        "only http and https links are kept",
        f"skipped {folder / 'deep.json'}: JSON nested deeper than 100 levels",
    ]
    assert qa("index", "check", index_dir=index_dir).stdout.strip() == "index ok"
    articles = json.loads(qa("index", "stats", "--json", index_dir=index_dir).stdout)["articles"]
    assert articles == 2

"""Two states of an index, and a check that what is served is exactly one of them.

old: the seed article and the harbour bridge at "420 million";
new: the bridge at "450 million", the seed, and the two river articles.
"Never a mix" is checked on what a reader sees: the set of article ids, the bridge's text,
and the answers to probe questions, each quote being the text at its offsets.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from index.embedded.store import Store
from index.ingest.article import stable_id
from index.ingest.readers import read_file
from qa.app.engine import answerer
from qa.app.settings import Settings
from tests.conftest import DATA, SEED_ID, SEEDS, run_qa

SEED_FILE = SEEDS / "000_6acd5d2dc33e86a7.txt"
BRIDGE_ID = stable_id("harbour-bridge.md")
RIVER_IDS = {a.id for a in read_file(DATA / "rivers.jsonl").articles}
RHINE_ID = next(a.id for a in read_file(DATA / "rivers.jsonl").articles if "Rhine" in a.title)
COST = "How much will the new harbour bridge cost?"
RHINE = "How low was the water level of the Rhine at Kaub?"
EXCHANGE = "Qui a annoncé un nouvel échange de prisonniers ?"


@dataclass(frozen=True)
class State:
    name: str
    ids: frozenset[str]
    cost: str


OLD = State("old", frozenset({SEED_ID, BRIDGE_ID}), "420 million")
NEW = State("new", OLD.ids | RIVER_IDS, "450 million")


def old_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(SEED_FILE, folder)
    shutil.copy(DATA / "harbour-bridge.md", folder)
    return folder


def new_files(folder: Path) -> list[Path]:
    """The changed bridge and the rivers (written to `folder`, for a sync or an upload)."""
    folder.mkdir(parents=True, exist_ok=True)
    bridge = (DATA / "harbour-bridge.md").read_text().replace("420 million", "450 million")
    (folder / "harbour-bridge.md").write_text(bridge)
    shutil.copy(DATA / "rivers.jsonl", folder)
    return [folder / "harbour-bridge.md", folder / "rivers.jsonl"]


class View(Protocol):
    """What a reader sees: article ids, an article's text, answers (as JSON objects)."""

    def ids(self) -> set[str]: ...
    def text(self, article_id: str) -> str: ...
    def ask(self, question: str) -> dict[str, Any]: ...


class LocalView:
    """The index folder as a new reader opens it now."""

    def __init__(self, index_dir: Path, models_dir: Path) -> None:
        self.store = Store.open(index_dir)
        assert self.store.check() == []
        self.qa = answerer(Settings(index_dir=index_dir, models_dir=models_dir), self.store)

    def ids(self) -> set[str]:
        return {str(a["id"]) for a in self.store.list_articles()}

    def text(self, article_id: str) -> str:
        return self.store.article(article_id).text

    def ask(self, question: str) -> dict[str, Any]:
        return self.qa.ask(question).model_dump()


class HttpView:
    """A running server, through its API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def ids(self) -> set[str]:
        listed = _ok(httpx.get(f"{self.url}/articles", timeout=60))["articles"]
        return {a["id"] for a in listed}

    def text(self, article_id: str) -> str:
        return _ok(httpx.get(f"{self.url}/articles/{article_id}", timeout=60))["text"]

    def ask(self, question: str) -> dict[str, Any]:
        return _ok(httpx.post(f"{self.url}/ask", json={"question": question}, timeout=60))


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def served_state(view: View, *states: State) -> str:
    """The name of the one state the view shows in full; fails on anything else."""
    ids = view.ids()
    matching = [s for s in states if s.ids == ids]
    assert matching, f"articles {sorted(ids)} are none of {[s.name for s in states]}"
    state = matching[0]
    assert state.cost in view.text(BRIDGE_ID)
    answers = {q: view.ask(q) for q in (COST, RHINE, EXCHANGE)}
    for answer in answers.values():
        if answer["found"]:
            quote = answer["quote"]
            assert quote["article_id"] in state.ids
            assert view.text(quote["article_id"])[quote["start"] : quote["end"]] == quote["text"]
    cost = answers[COST]
    assert cost["found"] and cost["quote"]["article_id"] == BRIDGE_ID
    assert state.cost.split()[0] in cost["answer"]
    if RHINE_ID in state.ids:
        assert answers[RHINE]["found"] and answers[RHINE]["quote"]["article_id"] == RHINE_ID
    if SEED_ID in state.ids:
        assert answers[EXCHANGE]["found"] and answers[EXCHANGE]["quote"]["article_id"] == SEED_ID
    return state.name


def qa_index_check(index_dir: Path, models_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"QA_INDEX_DIR": str(index_dir), "QA_MODELS_DIR": str(models_dir)}
    return run_qa("index", "check", env=env, timeout=120)

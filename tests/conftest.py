"""Real parts in temporary folders: the real model, a real SQLite file, a real FAISS index.

The seed index (the seed article plus tests/data) is built once per session.
"""

import shutil
from pathlib import Path

import pytest

from index.embed import Embedder
from index.store import Store
from index.sync import sync_folder
from qa.engine import answerer
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SEED_ID = "d977b27f4a988b56"  # stable id of seeds/000_6acd5d2dc33e86a7.txt


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article and the test articles, in one folder."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in [*SEEDS.glob("*.txt"), *DATA.glob("*.*")]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    index_dir = tmp_path_factory.mktemp("index")
    return Settings(index_dir=index_dir, source_dir=corpus_dir)


@pytest.fixture(scope="session")
def seed_index(settings: Settings, corpus_dir: Path, embedder: Embedder) -> Path:
    report = sync_folder(settings.index_dir, corpus_dir, embedder)
    assert not report.problems, report.problems
    return settings.index_dir


@pytest.fixture(scope="session")
def store(seed_index: Path) -> Store:
    return Store.open(seed_index)


@pytest.fixture(scope="session")
def qa(settings: Settings, store: Store, embedder: Embedder):
    return answerer(settings, store)

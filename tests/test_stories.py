"""Wire copies: the same dispatch in several outlets is one story, listed once, quoted
from its first copy (or the preferred outlet's)."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from index.embedded.backend import EmbeddedBackend
from index.embedding.embed import Embedder
from index.interface import Backend
from index.stories import MIN_JACCARD, jaccard, shingles
from index.sync import remove_articles, sync_folder
from qa.app.engine import answerer
from qa.app.settings import Settings
from tests.conftest import BACKENDS, DATA, SEED_ID, make_backend
from tests.wire import ADDED, seed_paragraphs, write_copies

QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    write_copies(folder)
    shutil.copy(DATA / "harbour-bridge.md", folder)  # a distinct article: its own story
    return folder


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    base_url = request.getfixturevalue("postgres") if request.param == "postgres" else ""
    made = make_backend(request.param, tmp_path, base_url)
    yield made
    made.close()


def test_copies_share_one_story_and_distinct_articles_do_not(
    backend: Backend, copies: Path, embedder: Embedder
) -> None:
    sync_folder(backend, copies, embedder)
    with backend.reader() as store:
        listed = {row["id"]: row for row in store.list_articles()}
        assert len(listed) == 5
        seed = listed[SEED_ID]
        assert seed["story"] == SEED_ID  # the seed came first in the sync: it heads its story
        assert sorted(c["source"] for c in seed["also_in"]) == [
            "lemonde.example",
            "liberation.example",
            "ouest.example",
        ]
        bridge = next(row for row in listed.values() if row["source"] == "news.example.org")
        assert bridge["story"] == bridge["id"] and bridge["also_in"] == []
        stories = store.list_articles(stories=True)
        assert [row["id"] for row in stories if row["story"] == SEED_ID] == [SEED_ID]
        assert len(stories) == 2


def test_three_copies_give_one_source_with_also_in(
    backend: Backend, copies: Path, embedder: Embedder, settings: Settings
) -> None:
    sync_folder(backend, copies, embedder)
    with backend.reader() as store:
        result = answerer(settings, store).ask(QUESTION, k=5)
    assert result.found and result.quote is not None
    assert result.quote.article_id == SEED_ID  # the earliest copy (2025-06 before the 12th)
    assert {c.source for c in result.quote.also_in} == {
        "lemonde.example",
        "liberation.example",
        "ouest.example",
    }
    stories = [s for s in result.sources if s.also_in]
    assert len({s.article_id for s in stories}) == 1  # the story is listed once
    assert len(stories[0].also_in) == 3


def test_the_preferred_outlet_is_quoted(
    copies: Path, embedder: Embedder, settings: Settings, tmp_path: Path
) -> None:
    backend = EmbeddedBackend(tmp_path / "index")
    sync_folder(backend, copies, embedder)
    preferring = settings.model_copy(update={"preferred_source": "ouest.example"})
    with backend.reader() as store:
        result = answerer(preferring, store).ask(QUESTION)
        ouest = next(r for r in store.list_articles() if r["source"] == "ouest.example")
        assert result.quote is not None and result.quote.article_id == ouest["id"]
        article = store.article(ouest["id"])
        assert article.text[result.quote.start : result.quote.end] == result.quote.text
        assert SEED_ID in {c.article_id for c in result.quote.also_in}
    story = result.articles[0]  # listed by the copy that ranked first, quoted all the same
    listed = {story.article_id} | {c.article_id for c in story.also_in}
    assert story.quoted and ouest["id"] in listed
    assert [a.quoted for a in result.articles].count(True) == 1


def test_a_story_outlives_its_first_copy(copies: Path, embedder: Embedder, tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "index")
    sync_folder(backend, copies, embedder)
    remove_articles(backend, [SEED_ID], embedder)
    with backend.reader() as store:
        rows = [r for r in store.list_articles() if r["story"] == SEED_ID]
    assert len(rows) == 3 and all(len(r["also_in"]) == 2 for r in rows)


def test_copies_overlap_and_distinct_articles_do_not() -> None:
    paragraphs = seed_paragraphs()
    original = shingles("\n\n".join(paragraphs))
    added = shingles("\n\n".join([*paragraphs, ADDED]))
    cut = shingles("\n\n".join(paragraphs[: 2 * len(paragraphs) // 3]))
    bridge = (DATA / "harbour-bridge.md").read_text()
    # a feature three times the dispatch's length that quotes it whole
    analysis = " ".join(
        f"Le point {n} note {n * 7} soldats, {n * 13} civils et {n * 3} villes." for n in range(90)
    )
    feature = shingles(f"{analysis}\n\n{' '.join(paragraphs)}")
    assert jaccard(original, added) > 0.9 and jaccard(original, cut) > MIN_JACCARD
    assert jaccard(original, shingles(bridge)) < 0.05
    assert jaccard(original, feature) < MIN_JACCARD  # quotes the dispatch whole: not a copy


def test_an_index_of_schema_1_gets_its_stories_in_its_next_update(
    copies: Path, embedder: Embedder, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    sync_folder(index, copies, embedder)
    generation = (index / "CURRENT").read_text().strip()
    old = sqlite3.connect(index / generation / "articles.sqlite")  # as an older qa wrote it
    old.executescript(
        "DROP TABLE story_bands; DROP INDEX articles_story; ALTER TABLE articles DROP COLUMN story"
    )
    old.commit()
    old.close()
    manifest = index / generation / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": 1}))
    with EmbeddedBackend(index).reader() as store:
        assert all(r["story"] == r["id"] and not r["also_in"] for r in store.list_articles())
    (copies / "harbour-bridge.md").unlink()  # any update
    sync_folder(index, copies, embedder)
    with EmbeddedBackend(index).reader() as store:
        seed = next(r for r in store.list_articles() if r["id"] == SEED_ID)
        assert len(seed["also_in"]) == 3 and store.check() == []

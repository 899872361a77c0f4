"""One contract for both backends: what the store and retriever promise, whoever keeps them.

Every test runs on the embedded backend (SQLite + FAISS) and on PostgreSQL + pgvector.
"""

import shutil
import threading
from pathlib import Path

import pytest

from index.embedding.embed import Embedder
from index.errors import ModelMismatch, UnknownArticle
from index.filters import Filters
from index.interface import Backend, WriteOptions
from index.sync import add_paths, remove_articles, sync_folder
from qa.app.engine import answerer
from qa.app.settings import Settings
from qa.retrieve import DenseRetriever, KeywordRetriever, Query
from tests.conftest import BACKENDS, DATA, SEED_ID, SEEDS, make_backend

SEED_FILE = "000_6acd5d2dc33e86a7.txt"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    base_url = request.getfixturevalue("postgres") if request.param == "postgres" else ""
    made = make_backend(request.param, tmp_path, base_url)
    yield made
    made.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEEDS / SEED_FILE, articles)
    shutil.copy(DATA / "harbour-bridge.md", articles)
    return articles


def test_sync_adds_skips_unchanged_replaces_and_drops(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    first = sync_folder(backend, folder, embedder)
    assert len(first.added) == 2 and first.texts_embedded > 0
    with backend.reader() as store:
        version = store.version
        assert store.stats()["articles"] == 2 and store.check() == []

    again = sync_folder(backend, folder, embedder)
    assert (len(again.unchanged), again.texts_embedded) == (2, 0)
    with backend.reader() as store:
        assert store.version == version  # nothing changed: nothing published

    bridge = folder / "harbour-bridge.md"
    bridge.write_text(bridge.read_text().replace("420 million", "450 million"))
    changed = sync_folder(backend, folder, embedder)
    assert len(changed.updated) == 1 and 0 < changed.texts_embedded < first.texts_embedded
    (folder / SEED_FILE).unlink()
    removed = sync_folder(backend, folder, embedder)
    assert removed.removed == [SEED_ID]
    with backend.reader() as store:
        assert [a["id"] for a in store.list_articles()] == changed.updated
        assert "450 million" in store.article(changed.updated[0]).text
        with pytest.raises(UnknownArticle):
            store.article(SEED_ID)
        assert store.check() == []


def test_add_and_remove(backend: Backend, embedder: Embedder, tmp_path: Path) -> None:
    report = add_paths(backend, [DATA / "rivers.jsonl", tmp_path / "missing.md"], embedder)
    assert len(report.added) == 2
    assert [p.reason for p in report.problems] == ["no such file"]
    gone = remove_articles(backend, [report.added[0], "nope"], embedder)
    assert gone.removed == [report.added[0]]
    assert [p.reason for p in gone.problems] == ["no article with this id"]
    with backend.reader() as store:
        assert [a["id"] for a in store.list_articles()] == report.added[1:]
        assert store.check() == []


def test_an_article_reads_back_with_its_sentences(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    sync_folder(backend, folder, embedder)
    with backend.reader() as store:
        article = store.article(SEED_ID)
        assert article.date == "2025-06" and len(article.sentences) == 13
        rows = store.sentences(SEED_ID, 2, 4)
        assert [r.position for r in rows] == [2, 3, 4]
        assert rows[0].text == article.sentence_text(article.sentences[2])
        assert rows[0].vector.shape == (embedder.dimension,)


def test_articles_per_month_and_language_and_a_chunks_source(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    """What the admin page charts, and the site a source entry shows."""
    shutil.copy(DATA / "rivers.jsonl", folder)
    sync_folder(backend, folder, embedder)
    with backend.reader() as store:
        assert store.article_months() == [
            ("2022-08", "en", 1),
            ("2023-08", "fr", 1),
            ("2024-03", "en", 1),
            ("2025-06", "fr", 1),
        ]
        ids = [chunk for chunk, _ in store.search_keyword(["loir"], 5, Filters())]
        assert {hit.source for hit in store.chunks(ids).values()} == {"infos.example.fr"}


def test_dense_and_keyword_search_find_the_passage(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    sync_folder(backend, folder, embedder)
    query = Query("How much will the new bridge cost?", "en", embedder)
    with backend.reader() as store:
        for retriever in (DenseRetriever(store), KeywordRetriever(store)):
            passages = retriever.search(query, 5, Filters())
            assert passages and "420 million dollars" in passages[0].chunk.text
        dense = store.search_dense(query.vector, 3)
        exact = store.dense_scores(query.vector, [chunk for chunk, _ in dense])
        assert [round(exact[c], 4) for c, _ in dense] == [round(s, 4) for _, s in dense]
        frequencies = store.document_frequencies(["bridg", "cost", "absentterm"])
        assert frequencies["bridg"] >= frequencies["cost"] >= 1 and "absentterm" not in frequencies


def test_keyword_search_finds_an_article_in_the_other_language_by_its_words(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    sync_folder(backend, folder, embedder)
    # Besides the names both languages share, the question's words in the other language
    # (qa/lexicon.py): "prisoner exchange" meets the French seed's "échange de prisonniers".
    query = Query("Who announced a new prisoner exchange?", "en", embedder)
    with backend.reader() as store:
        assert store.languages() == {"fr", "en"}
        found = KeywordRetriever(store).search(query, 5, Filters())
    assert found and found[0].chunk.article_id == SEED_ID
    assert {"prisonni", "echang"} <= set(query.terms_for(frozenset({"fr", "en"})))
    # Only into a language the collection holds; what the quote should hold stays English
    assert query.terms_for(frozenset({"en"})) == query.terms
    assert "prisonni" not in query.own_terms


def test_filters_restrict_both_searches(backend: Backend, folder: Path, embedder: Embedder) -> None:
    sync_folder(backend, folder, embedder)
    query = Query("prisonniers échange Ukraine bridge council", "fr", embedder)
    with backend.reader() as store:
        bridge = next(a["id"] for a in store.list_articles() if a["id"] != SEED_ID)
        for filters, allowed in [
            (Filters(), {SEED_ID, bridge}),
            (Filters(language="fr"), {SEED_ID}),
            (Filters(until="2024"), {bridge}),
            (Filters(since="2024-03-15", until="2025-05"), set()),
            (Filters(since="2025"), {SEED_ID}),
            (Filters(source="news.example.org"), {bridge}),
        ]:
            for found in (
                store.search_dense(query.vector, 20, filters),
                store.search_keyword(query.terms, 20, filters),
            ):
                articles = {hit.article_id for hit in store.chunks([c for c, _ in found]).values()}
                assert articles == allowed, filters


def test_another_model_is_refused_until_rebuild(
    backend: Backend, folder: Path, embedder: Embedder, minilm: Embedder
) -> None:
    sync_folder(backend, folder, embedder)
    with pytest.raises(ModelMismatch, match="--rebuild"):
        sync_folder(backend, folder, minilm)
    with pytest.raises(ModelMismatch, match="--rebuild"), backend.writer(minilm, WriteOptions()):
        pass
    report = sync_folder(backend, folder, minilm, rebuild=True)
    assert len(report.added) == 2
    with backend.reader() as store:
        assert store.model == minilm.name and store.check() == []


def test_a_failed_update_changes_nothing(
    backend: Backend, folder: Path, embedder: Embedder
) -> None:
    sync_folder(backend, folder, embedder)
    with pytest.raises(RuntimeError), backend.writer(embedder, WriteOptions()) as writer:
        writer.remove(SEED_ID)
        writer.add(_article(DATA / "rivers.jsonl"))
        raise RuntimeError("crash before commit")
    with backend.reader() as store:
        assert store.stats()["articles"] == 2 and store.article(SEED_ID).title
        assert store.check() == []


def test_a_reader_sees_one_state_while_an_update_commits(
    backend: Backend, folder: Path, embedder: Embedder, settings: Settings
) -> None:
    sync_folder(backend, folder, embedder)
    with backend.reader() as before:
        question = "Qui a annoncé un nouvel échange de prisonniers ?"
        asked = answerer(settings, before).ask(question)
        update = threading.Thread(target=remove_articles, args=(backend, [SEED_ID], embedder))
        update.start()
        update.join(timeout=120)
        assert not update.is_alive()
        again = answerer(settings, before).ask(question)  # the same snapshot throughout
        assert again.answer == asked.answer and again.found
        assert before.stats()["articles"] == 2
    with backend.reader() as after:
        assert after.stats()["articles"] == 1
        assert not answerer(settings, after).ask(question).found


def _article(path: Path):  # type: ignore[no-untyped-def]
    from index.ingest.readers import read_file

    return read_file(path, path.name, 10_000_000).articles[0]


def test_both_backends_rank_alike(
    tmp_path: Path, folder: Path, embedder: Embedder, postgres: str
) -> None:
    """Same BM25 and same cosines: the backends differ in engine, not in answers."""
    shutil.copy(DATA / "rivers.jsonl", folder)
    backends = [make_backend(kind, tmp_path, postgres) for kind in BACKENDS]
    rankings = []
    for backend in backends:
        sync_folder(backend, folder, embedder)
        with backend.reader() as store:
            ranked = []
            for text, language in [
                ("Combien coûtera le nouveau pont ?", "fr"),
                ("How low did the Loire fall at Orléans?", "en"),
                ("échange de prisonniers entre l'Ukraine et la Russie", "fr"),
            ]:
                query = Query(text, language, embedder)
                for found in (
                    store.search_keyword(query.terms, 10),
                    store.search_dense(query.vector, 10),
                ):
                    hits = store.chunks([c for c, _ in found])
                    ranked.append(
                        [
                            (hits[c].article_id, hits[c].first_sentence, round(score, 4))
                            for c, score in found
                        ]
                    )
            rankings.append(ranked)
        backend.close()
    assert rankings[0] == rankings[1]

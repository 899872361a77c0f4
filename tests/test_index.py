"""The store: build, sync, add, change, remove, check, model mismatch, crash safety."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import faiss
import pytest

from index.embedded.layout import current_generation, writer_lock
from index.embedded.store import Store
from index.embedding.embed import Embedder
from index.errors import IndexBusy
from index.filters import Filters
from index.sync import UpdateOptions, add_paths, remove_articles, sync_folder
from tests.conftest import DATA, ROOT, SEED_ID, SEEDS


def chunk_and_vector_ids(index_dir: Path) -> tuple[set[int], set[int]]:
    store = Store.open(index_dir)
    chunks = {r[0] for r in store.db.execute("SELECT id FROM chunks")}
    vectors = set(faiss.vector_to_array(store.vectors.id_map).tolist())
    return chunks, vectors


def test_seed_index_holds_the_seed(store: Store) -> None:
    stats = store.stats()
    assert stats["articles"] == 4
    assert stats["vectors"] == stats["chunks"] > 0
    article = store.article(SEED_ID)
    assert article.date == "2025-06" and len(article.sentences) == 13
    assert all(article.text[s.start : s.end] == article.sentence_text(s) for s in article.sentences)
    assert store.check() == []


def test_add_change_delete_keep_faiss_and_sqlite_in_step(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(SEEDS / "000_6acd5d2dc33e86a7.txt", folder)
    shutil.copy(DATA / "harbour-bridge.md", folder)

    first = sync_folder(index_dir, folder, embedder)
    assert len(first.added) == 2 and first.texts_embedded > 0
    chunks, vectors = chunk_and_vector_ids(index_dir)
    assert chunks == vectors

    again = sync_folder(index_dir, folder, embedder)
    assert (len(again.unchanged), again.texts_embedded) == (2, 0)

    bridge = folder / "harbour-bridge.md"
    bridge.write_text(bridge.read_text().replace("420 million", "450 million"))
    changed = sync_folder(index_dir, folder, embedder)
    assert len(changed.updated) == 1 and len(changed.unchanged) == 1
    after_change, vectors = chunk_and_vector_ids(index_dir)
    assert (
        after_change == vectors
        and not after_change & (chunks - after_change)
        and after_change != chunks
    )

    (folder / "000_6acd5d2dc33e86a7.txt").unlink()
    removed = sync_folder(index_dir, folder, embedder)
    assert removed.removed == [SEED_ID]
    chunks, vectors = chunk_and_vector_ids(index_dir)
    assert chunks == vectors
    assert Store.open(index_dir).check() == []


def test_add_and_remove_commands(tmp_path: Path, embedder: Embedder) -> None:
    index_dir = tmp_path / "index"
    report = add_paths(index_dir, [DATA / "rivers.jsonl", tmp_path / "missing.md"], embedder)
    assert len(report.added) == 2
    assert [p.reason for p in report.problems] == ["no such file"]
    gone = remove_articles(index_dir, [report.added[0], "nope"], embedder)
    assert gone.removed == [report.added[0]]
    assert [p.reason for p in gone.problems] == ["no article with this id"]
    assert Store.open(index_dir).stats()["articles"] == 1


def test_a_sync_of_the_uploads_folder_keeps_the_uploads_ids(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A server mending a dead upload syncs uploads/ (web/recovery.py): the uploads indexed
    before are found unchanged, and nothing is embedded again."""
    uploads, index_dir = tmp_path / "source" / "uploads", tmp_path / "index"
    uploads.mkdir(parents=True)
    shutil.copy(DATA / "harbour-bridge.md", uploads)
    added = add_paths(index_dir, [uploads / "harbour-bridge.md"], embedder)
    synced = sync_folder(index_dir, uploads, embedder)
    assert len(added.added) == 1
    assert synced.unchanged == added.added and synced.texts_embedded == 0
    assert synced.added == synced.removed == []


def test_a_file_that_breaks_keeps_its_old_article(tmp_path: Path, embedder: Embedder) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(DATA / "harbour-bridge.md", folder)
    sync_folder(index_dir, folder, embedder)
    (folder / "harbour-bridge.md").write_bytes(b"\xff\xfe broken")
    (folder / "empty.txt").write_text("")
    report = sync_folder(index_dir, folder, embedder)
    assert sorted(p.reason.split(" (")[0] for p in report.problems) == [
        "empty file",
        "not UTF-8 text",
    ]
    assert report.removed == []
    assert Store.open(index_dir).stats()["articles"] == 1


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with writer_lock(tmp_path), pytest.raises(IndexBusy, match="another update"):  # noqa: SIM117
        with writer_lock(tmp_path):
            pass


def test_reader_keeps_its_generation_while_a_new_one_is_published(
    tmp_path: Path, embedder: Embedder
) -> None:
    index_dir = tmp_path / "index"
    add_paths(index_dir, [DATA / "harbour-bridge.md"], embedder)
    old = Store.open(index_dir)
    add_paths(index_dir, [DATA / "rivers.jsonl"], embedder)
    add_paths(index_dir, [SEEDS / "000_6acd5d2dc33e86a7.txt"], embedder)
    assert old.stats()["articles"] == 1  # still answers from its own, older state
    assert Store.open(index_dir).stats()["articles"] == 4


@pytest.mark.slow
def test_kill_9_during_a_build_leaves_the_previous_index(
    tmp_path: Path, embedder: Embedder, models_dir: Path
) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    shutil.copy(DATA / "harbour-bridge.md", folder)
    sync_folder(index_dir, folder, embedder)
    before = current_generation(index_dir)
    for n in range(40):  # enough text that the build is still embedding when killed
        shutil.copy(SEEDS / "000_6acd5d2dc33e86a7.txt", folder / f"copy-{n}.txt")
    env = {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_MODELS_DIR": str(models_dir)}
    build = subprocess.Popen(
        [sys.executable, "-m", "web.cli.main", "index", "build", str(folder)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Killed while it embeds: after its first progress line ("embedded 57/574 texts…"),
    # before the last; the new generation is staged by then.
    assert build.stderr is not None
    progress = next(m for line in build.stderr if (m := re.match(r"embedded (\d+)/(\d+) ", line)))
    done, total = map(int, progress.groups())
    assert 0 < done < total and list(index_dir.glob("gen-*.tmp-*"))
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert current_generation(index_dir) == before
    store = Store.open(index_dir)
    assert store.check() == [] and store.stats()["articles"] == 1
    report = sync_folder(index_dir, folder, embedder)  # the next writer sweeps the leftovers
    assert len(report.added) == 40
    assert not list(index_dir.glob("gen-*.tmp-*"))
    assert (
        json.loads((current_generation(index_dir) / "manifest.json").read_text())["articles"] == 41
    )


def test_hnsw_graph_is_updated_in_place_and_masks_removed_chunks(
    tmp_path: Path, embedder: Embedder
) -> None:
    options = UpdateOptions(index_type="hnsw")
    index_dir = tmp_path / "index"
    files = [next(SEEDS.glob("*.txt")), DATA / "rivers.jsonl", DATA / "harbour-bridge.md"]
    add_paths(index_dir, files, embedder, options)
    store = Store.open(index_dir)
    assert store.graph is not None and store.manifest.index_type == "hnsw"
    vector = embedder.encode_query("water level of the Rhine")
    hits = [chunk for chunk, _ in store.search_dense(vector, 3)]
    store.graph = None  # the same generation, searched exactly
    assert [chunk for chunk, _ in store.search_dense(vector, 3)] == hits

    rhine = Store.open(index_dir).list_articles()
    river = next(a["id"] for a in rhine if "Rhine" in a["title"])
    gone = [c for c, _ in Store.open(index_dir).search_dense(vector, 1)]
    remove_articles(index_dir, [river], embedder)  # 1 chunk of 10: masked, not rebuilt
    masked = Store.open(index_dir)
    assert masked.graph is not None and masked.graph.masked == set(gone)
    assert masked.graph.index.ntotal == masked.vectors.ntotal + 1
    found = [chunk for chunk, _ in masked.search_dense(vector, 20)]
    assert found and not set(found) & set(gone)
    assert masked.check() == []
    # under a filter the search is exact: both chunks of the one article of 2024
    in_2024 = masked.search_dense(vector, 20, Filters(since="2024-01", until="2024-12"))
    assert len(in_2024) == 2
    assert {masked.chunks([c])[c].article_id for c, _ in in_2024} == {"14eed342fec94144"}

    add_paths(index_dir, [Path(__file__).parent / "uploads" / "volcano.md"], embedder)
    grown = Store.open(index_dir)  # new vectors added to the same graph, the mask kept
    assert grown.graph is not None and grown.graph.masked == set(gone)
    assert grown.graph.index.ntotal == grown.vectors.ntotal + 1

    remove_articles(index_dir, [SEED_ID], embedder)  # past a quarter masked: rebuilt
    rebuilt = Store.open(index_dir)
    assert rebuilt.graph is not None and not rebuilt.graph.masked
    assert rebuilt.graph.index.ntotal == rebuilt.vectors.ntotal
    assert rebuilt.check() == []

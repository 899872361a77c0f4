"""Upload lifecycle, in process: a file that cannot be read is set aside with its reason
and breaks no later build; uploads are listed and deleted, and stay deleted."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.embedding.embed import Embedder
from index.sync import sync_folder
from tests.conftest import ADMIN_TOKEN, DATA, InProcess, run_qa
from tests.test_web_api import wait_for_job
from web.uploads import safe_name

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DEEP = "[" * 100_000 + "]" * 100_000
# Every bad file of issue 13, with the reason it is set aside.
BAD = {
    "deep.json": (DEEP.encode(), "JSON nested deeper than 100 levels"),
    "empty.txt": (b"  \n\n ", "empty file"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not text"),
    "latin1.txt": ("Un été très chaud.".encode("latin-1"), "not UTF-8 text (byte 0xe9 at 3)"),
    "broken.json": (b'{"title": "x", "text": ', "invalid JSON: Expecting value: line 1 column 24"),
    "headings.md": (b"# Title\n\n## Only a heading", "no sentences to index"),
    "tiny.jsonl": (b'{"text": "Un."}\n' * 10_001, "too many records (10,001, limit 10,000)"),
}


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, models_dir: Path
) -> Iterator[tuple[InProcess, dict[str, str]]]:
    """An app of its own over one article, admin on; with the settings it runs with."""
    source = tmp_path_factory.mktemp("upload-source")
    shutil.copy(DATA / "harbour-bridge.md", source)
    index_dir = tmp_path_factory.mktemp("upload-index")
    sync_folder(index_dir, source, embedder)
    env = {
        "QA_INDEX_DIR": str(index_dir),
        "QA_SOURCE_DIR": str(source),
        "QA_MODELS_DIR": str(models_dir),
        "QA_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    server = InProcess(env)
    yield server, env
    server.stop()


def upload(server: InProcess, *files: tuple[str, bytes]) -> dict:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    response = server.post("/admin/articles", files=parts, headers=AUTH, timeout=60)
    assert response.status_code == 202, response.text
    return wait_for_job(server)


def listing(server: InProcess) -> dict:
    return server.get("/admin/uploads", headers=AUTH).json()


@pytest.mark.slow  # a `qa index build` process
def test_bad_uploads_are_set_aside_with_their_reason_and_builds_still_work(
    served: tuple[InProcess, dict[str, str]],
) -> None:
    server, env = served
    good = (DATA.parent / "uploads" / "volcano.md").read_bytes()
    status = upload(server, ("volcano.md", good), *((n, data) for n, (data, _) in BAD.items()))
    assert status["state"] == "done" and len(status["added"]) == 1
    skipped = {Path(s["source"]).name: s["reason"] for s in status["skipped"]}
    rejected = {r["name"]: r["reason"] for r in status["rejected"]}
    for name, (_, reason) in BAD.items():
        assert skipped[name].startswith(reason) and rejected[name] == skipped[name], name
    uploads = Path(env["QA_SOURCE_DIR"]) / "uploads"
    assert sorted(p.name for p in uploads.iterdir() if p.is_file()) == ["volcano.md"]
    assert (uploads / ".rejected" / "deep.json.reason").read_text().strip() == BAD["deep.json"][1]
    assert [u["name"] for u in listing(server)["uploads"]] == ["volcano.md"]

    # The rejected files are never read again: not by the CLI, not by a rebuild.
    built = run_qa("index", "build", env["QA_SOURCE_DIR"], env=env)
    assert built.returncode == 0, built.stderr
    assert ", 0 skipped;" in built.stdout and "skipped" not in built.stderr
    assert run_qa("index", "check", env=env).stdout.strip() == "index ok"
    assert server.post("/admin/rebuild", headers=AUTH).status_code == 202
    rebuilt = wait_for_job(server)
    assert rebuilt["state"] == "done" and rebuilt["skipped"] == []


def test_a_fixed_upload_clears_its_rejection(served: tuple[InProcess, dict[str, str]]) -> None:
    server, _ = served
    upload(server, ("later.md", b""))
    assert "later.md" in {r["name"] for r in listing(server)["rejected"]}
    status = upload(server, ("later.md", b"# Later\n\nThe later story is fixed now."))
    assert status["skipped"] == [] and len(status["added"]) == 1
    assert "later.md" not in {r["name"] for r in status["rejected"]}
    assert "later.md" in {u["name"] for u in listing(server)["uploads"]}


def test_an_upload_is_deleted_with_its_articles_and_stays_deleted(
    served: tuple[InProcess, dict[str, str]],
) -> None:
    server, env = served
    feed = "\n".join(
        json.dumps({"id": f"tide-{n}", "text": f"Tide report number {n} is calm."}) for n in (1, 2)
    )
    ids = upload(server, ("tides.jsonl", feed.encode()))["added"]
    (entry,) = [u for u in listing(server)["uploads"] if u["name"] == "tides.jsonl"]
    assert sorted(entry["articles"]) == sorted(ids) and len(ids) == 2

    one = server.delete(f"/admin/articles/{ids[0]}", headers=AUTH)
    assert one.status_code == 409  # deleting its file would take the other article too
    assert one.json()["error"] == (
        f"article {ids[0]} came from the upload tides.jsonl, which holds 2 articles: "
        "delete the upload (DELETE /admin/uploads/tides.jsonl) to remove them all"
    )
    deleted = server.delete("/admin/uploads/tides.jsonl", headers=AUTH)
    assert deleted.status_code == 202
    assert sorted(wait_for_job(server)["removed"]) == sorted(ids)
    assert not (Path(env["QA_SOURCE_DIR"]) / "uploads" / "tides.jsonl").exists()
    server.post("/admin/rebuild", headers=AUTH)
    assert not set(ids) & set(wait_for_job(server)["added"])  # not brought back
    for article_id in ids:
        assert server.get(f"/articles/{article_id}").status_code == 404


def test_deleting_an_uploaded_article_removes_its_file(
    served: tuple[InProcess, dict[str, str]],
) -> None:
    server, env = served
    (article_id,) = upload(server, ("gale.md", b"# Gale\n\nA gale closed the port today."))["added"]
    deleted = server.delete(f"/admin/articles/{article_id}", headers=AUTH)
    assert deleted.status_code == 202
    assert wait_for_job(server)["removed"] == [article_id]
    assert not (Path(env["QA_SOURCE_DIR"]) / "uploads" / "gale.md").exists()
    server.post("/admin/rebuild", headers=AUTH)
    assert article_id not in wait_for_job(server)["added"]
    assert server.get(f"/articles/{article_id}").status_code == 404


def test_a_rebuild_keeps_an_uploads_id_and_its_links(
    served: tuple[InProcess, dict[str, str]],
) -> None:
    server, _ = served
    (article_id,) = upload(server, ("squall.md", b"# Squall\n\nA squall hit the harbour."))["added"]
    server.post("/admin/rebuild", headers=AUTH)
    report = wait_for_job(server)
    assert article_id not in report["removed"] + report["updated"]  # the same id, not embedded
    assert server.get(f"/articles/{article_id}").status_code == 200


def test_a_long_name_is_cut_to_a_visible_name() -> None:
    name = safe_name("a" * 10 + "." + "b" * 116 + ".md")  # the cut falls just after a dot
    assert not name.startswith(".") and name.endswith(".md") and len(name) <= 120


def test_a_rejected_upload_is_deleted_at_once_and_names_stay_inside(
    served: tuple[InProcess, dict[str, str]],
) -> None:
    server, _ = served
    upload(server, ("void.txt", b"   "))
    deleted = server.delete("/admin/uploads/void.txt", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": "void.txt", "job": None}
    assert "void.txt" not in {r["name"] for r in listing(server)["rejected"]}
    for name in ("void.txt", "nope.md", ".rejected", "%2E%2E%2Fsecret.md", ".env", "a%2Fb.md"):
        missing = server.delete(f"/admin/uploads/{name}", headers=AUTH)
        assert missing.status_code == 404, name
        assert missing.json()["status"] == 404
    assert server.get("/admin/uploads").status_code == 401
    assert server.delete("/admin/uploads/volcano.md").status_code == 401

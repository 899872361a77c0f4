"""Hostile input (issue 22), in process: each case gets a clear error and a fitting status,
nothing stalls, nothing is lost, and a GET writes nothing."""

import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lxml import html as lxml_html

from index.embedding.embed import Embedder
from index.sync import UpdateReport, sync_folder
from tests.conftest import ADMIN_TOKEN, DATA, InProcess
from tests.test_web_api import AUTH, wait_for_job

QUESTION = "Combien de jours de trêve réclame l'Ukraine ?"
SLOW = 600  # seconds an update may take: the first loads the model, on busy cores
ARTICLE = "# Le port\n\nLe port de Gdansk a rouvert lundi après trois jours de grève.".encode()


@pytest.mark.parametrize(
    ("history", "said"),
    [
        (["x" * 501], "history: Value error, item 0 is longer than 500 characters"),
        (["x" * 400] * 13, "longer than 5000 characters"),
        (["x"] * 21, "history: List should have at most 20 items"),
    ],
)
def test_history_is_bounded_per_item_and_in_total(
    api: InProcess, history: list[str], said: str
) -> None:
    response = api.post("/ask", json={"question": QUESTION, "history": history})
    assert response.status_code == 422 and said in response.json()["error"]


@pytest.mark.parametrize("bad", ["2024-13", "2025-02-30", "yesterday"])
def test_a_bad_filter_date_is_422_not_ignored(api: InProcess, bad: str) -> None:
    posted = api.post("/ask", json={"question": QUESTION, "since": bad})
    assert posted.status_code == 422 and "since" in posted.json()["error"]
    got = api.get("/ask", params={"q": QUESTION, "until": bad})
    assert got.status_code == 422 and "until" in got.json()["error"]
    started = api.post("/conversations").json()["id"]
    turn = api.post(f"/conversations/{started}/turns", json={"question": QUESTION, "since": bad})
    assert turn.status_code == 422
    form = api.post("/", data={"question": QUESTION, "since": bad}, follow_redirects=False)
    assert form.status_code == 422 and "since" in form.text


def _kept(api: InProcess) -> list[tuple]:
    """Every conversation and turn in the server's SQLite file, as stored."""
    with closing(sqlite3.connect(api.app.state.conversations.path)) as db:
        return db.execute(
            "SELECT c.id, c.created, c.used, t.number, t.body FROM conversations c "
            "LEFT JOIN turns t ON t.conversation = c.id ORDER BY c.id, t.number"
        ).fetchall()


def test_a_get_answers_but_keeps_nothing(api: InProcess) -> None:
    posted = api.post("/", data={"question": QUESTION}, follow_redirects=False)
    assert posted.status_code == 303
    cid = parse_qs(urlsplit(posted.headers["location"]).query)["c"][0]
    before = _kept(api)
    for _ in range(3):  # a link preview, a crawler, a reload
        shown = api.get("/", params={"q": QUESTION})
        tree = lxml_html.fromstring(shown.text)
        assert shown.status_code == 200 and tree.xpath("//article[@class='turn']//blockquote")
        assert tree.xpath("//p[contains(@class, 'unkept')]")
        assert tree.xpath("//input[@name='c']")[0].get("value") == ""
    in_it = api.get("/", params={"q": QUESTION, "c": cid})
    tree = lxml_html.fromstring(in_it.text)
    assert in_it.status_code == 200 and len(tree.xpath("//article[@class='turn']")) == 2
    assert tree.xpath("//input[@name='c']")[0].get("value") == cid  # asking on keeps it
    assert _kept(api) == before


@pytest.fixture(scope="module")
def admin(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, models_dir: Path
) -> Iterator[InProcess]:
    """An app of its own over one article, admin on: these tests upload to it."""
    source = tmp_path_factory.mktemp("hostile-source")
    shutil.copy(DATA / "harbour-bridge.md", source)
    index_dir = tmp_path_factory.mktemp("hostile-index")
    sync_folder(index_dir, source, embedder)
    server = InProcess(
        {
            "QA_INDEX_DIR": str(index_dir),
            "QA_SOURCE_DIR": str(source),
            "QA_MODELS_DIR": str(models_dir),
            "QA_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    yield server
    server.stop()


def _upload(server: InProcess, *files: tuple[str, bytes]) -> httpx.Response:
    parts = [("files", (name, data, "text/markdown")) for name, data in files]
    return server.post("/admin/articles", files=parts, headers=AUTH)


def _uploaded(server: InProcess) -> set[str]:
    folder = server.app.state.settings.source_dir / "uploads"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.mark.timeout(3 * SLOW)  # updates wait for the model, on busy cores
def test_an_upload_refused_as_busy_writes_nothing(admin: InProcess) -> None:
    release = threading.Event()

    def held() -> UpdateReport:  # an update that runs until released (another admin's)
        release.wait(60)
        return UpdateReport()

    admin.app.state.jobs.submit("rebuild", held)
    try:
        before = _uploaded(admin)
        refused = _upload(admin, ("busy.md", ARTICLE))
        assert refused.status_code == 409
        assert refused.json()["error"] == (
            "an update (rebuild) is already running: nothing was saved, upload again after it"
        )
        assert _uploaded(admin) == before
    finally:
        release.set()
    assert wait_for_job(admin, SLOW)["state"] == "done"


@pytest.mark.timeout(3 * SLOW)  # updates wait for the model, on busy cores
def test_an_upload_refused_as_busy_in_another_worker_writes_nothing(admin: InProcess) -> None:
    """`qa serve --workers 2`: two apps over one index and source folder. An update in one
    refuses an upload in the other; that one was accepted (202) and saved, and its update
    failed on the index's lock, leaving the file in uploads/ unindexed (bench/chaos.py)."""
    settings = admin.app.state.settings
    sibling = InProcess(
        {
            "QA_INDEX_DIR": str(settings.index_dir),
            "QA_SOURCE_DIR": str(settings.source_dir),
            "QA_MODELS_DIR": str(settings.models_dir),
            "QA_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    release = threading.Event()

    def held() -> UpdateReport:  # an update that runs until released, in the first worker
        release.wait(60)
        return UpdateReport()

    try:
        admin.app.state.jobs.wait(SLOW)
        admin.app.state.jobs.submit("rebuild", held)
        try:
            before = _uploaded(admin)
            jeudi = ARTICLE.replace(b"lundi", b"jeudi")
            refused = _upload(sibling, ("other-worker.md", jeudi))
            assert refused.status_code == 409
            assert refused.json()["error"] == (
                "an update (rebuild) is already running in another worker (process "
                f"{os.getpid()} on {socket.gethostname()}): nothing was saved, upload again "
                "after it"
            )
            assert sibling.get("/admin/status", headers=AUTH).json()["state"] in (
                "queued",
                "running",
            )
            assert _uploaded(admin) == before
        finally:
            release.set()
        assert wait_for_job(admin, SLOW)["state"] == "done"
        accepted = _upload(sibling, ("other-worker.md", jeudi))  # that update over: taken
        assert accepted.status_code == 202
        assert wait_for_job(sibling, SLOW)["state"] == "done"
    finally:
        sibling.stop()


@pytest.mark.timeout(3 * SLOW)  # updates wait for the model, on busy cores
def test_two_names_that_clean_to_one_are_refused_and_a_same_name_replaces(
    admin: InProcess,
) -> None:
    before = _uploaded(admin)
    mardi = ARTICLE.replace(b"lundi", b"mardi")
    clash = _upload(admin, ("a b.md", ARTICLE), ("a?b.md", mardi))
    assert clash.status_code == 409
    assert clash.json()["error"] == (
        "'a b.md' and 'a?b.md' would both be saved as 'a-b.md': rename one and upload "
        "again; nothing was saved"
    )
    assert _uploaded(admin) == before
    first = _upload(admin, ("a b.md", ARTICLE))
    assert first.status_code == 202 and first.json()["replaced"] == []
    wait_for_job(admin, SLOW)
    saved = admin.app.state.settings.source_dir / "uploads" / "a-b.md"
    last = admin.get("/admin/status", headers=AUTH).json()
    later = _upload(admin, ("a?b.md", mardi))  # another file: the earlier one is kept
    assert later.status_code == 409
    # refused once the update was claimed and recorded: its record is gone again
    assert admin.get("/admin/status", headers=AUTH).json()["id"] == last["id"]
    assert later.json()["error"] == (
        "'a?b.md' would be saved as 'a-b.md', the upload 'a b.md' already is: rename it, "
        "or delete that upload first (DELETE /admin/uploads/a-b.md); nothing was saved"
    )
    assert saved.read_bytes() == ARTICLE
    again = _upload(admin, ("a b.md", mardi))  # the same name again: a new version, said so
    assert again.status_code == 202 and again.json()["replaced"] == ["a-b.md"]
    wait_for_job(admin, SLOW)
    assert saved.read_bytes() == mardi


@pytest.mark.timeout(3 * SLOW)  # updates wait for the model, on busy cores
def test_an_upload_stuck_on_a_slow_disk_holds_up_no_other_request(admin: InProcess) -> None:
    # A named pipe stands for a disk that does not answer: writing to it waits for a reader.
    pipe = admin.app.state.settings.source_dir / "uploads" / "stuck.md"
    pipe.parent.mkdir(exist_ok=True)
    os.mkfifo(pipe)
    wait_for_job(admin, SLOW)  # no other update: this upload is not refused as busy
    answered: list[httpx.Response] = []
    uploading = threading.Thread(
        target=lambda: answered.append(_upload(admin, ("stuck.md", ARTICLE)))
    )
    uploading.start()
    health: list[int] = []
    asking = threading.Thread(target=lambda: health.append(admin.get("/healthz").status_code))
    try:
        asking.start()
        asking.join(60)  # with the write on the event loop, this was never answered
        assert health == [200]
    finally:
        _unstick(pipe, uploading)
        asking.join(60)
    assert [r.status_code for r in answered] == [202]
    # What the update reads back from the pipe depends on who opened it first (the upload's
    # bytes or nothing): either way it ends.
    assert wait_for_job(admin, SLOW)["state"] == "done"


def _unstick(pipe: Path, uploading: threading.Thread) -> None:
    """Take what the upload writes into the pipe, then give the update that reads it back
    an end of file."""
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    uploading.join(60)
    os.close(reader)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:  # succeeds once the update opened the pipe to read it
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:  # ENXIO: no reader yet
            time.sleep(0.05)

"""The HTTP API, in process (tests/conftest.py `InProcess`), over a real index."""

import time
from pathlib import Path

import pytest

from tests.conftest import ADMIN_TOKEN, SEED_ID, InProcess, Server

QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


VOLCANO = (Path(__file__).parent / "uploads" / "volcano.md").read_text()


def wait_for_job(server: InProcess | Server, seconds: float = 120) -> dict:
    """The finished job's status; polls the server (in process or not) until then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = server.get("/admin/status", headers=AUTH).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job did not finish: {status}")


def test_ask_post_and_get_return_the_answer_object(api: InProcess) -> None:
    posted = api.post("/ask", json={"question": QUESTION}, timeout=30).json()
    assert posted["found"] is True
    assert "et la Russie ont annoncé" in posted["quote"]["text"]
    assert set(posted["quote"]) >= {
        "text",
        "article_id",
        "title",
        "date",
        "url",
        "sentence_index",
        "start",
        "end",
        "before",
        "after",
    }
    got = api.get("/ask", params={"q": QUESTION}, timeout=30).json()
    assert got["quote"] == posted["quote"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": "   "}, 422, "question: the question is empty"),
        ({"question": "x" * 501}, 422, "question: the question is longer than 500 characters"),
        ({"question": "Qui ?", "since": "juin"}, 422, "since: String should match pattern"),
        ({}, 422, "question: Field required"),
    ],
)
def test_bad_questions_get_422_in_one_error_shape(
    api: InProcess, body: dict, status: int, message: str
) -> None:
    response = api.post("/ask", json=body, timeout=30)
    assert response.status_code == status
    assert response.json()["status"] == status
    assert response.json()["error"].startswith(message)


def test_articles_as_json_and_unknown_article_404(api: InProcess) -> None:
    listed = api.get("/articles").json()["articles"]
    assert SEED_ID in {a["id"] for a in listed}
    article = api.get(f"/articles/{SEED_ID}").json()
    assert article["date"] == "2025-06" and len(article["sentences"]) == 13
    missing = api.get("/articles/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no article with id 'nope'", "status": 404}


def test_pages_carry_a_content_security_policy(api: InProcess) -> None:
    page = api.get("/", headers={"Accept": "text/html"})
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/static/chat.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert api.get("/docs").status_code == 200


def test_no_index_gives_503_and_admin_off_gives_403(tmp_path: Path, models_dir: Path) -> None:
    empty = InProcess({"QA_INDEX_DIR": str(tmp_path / "none"), "QA_MODELS_DIR": str(models_dir)})
    try:
        response = empty.post("/ask", json={"question": QUESTION})
        assert response.status_code == 503
        assert "no index in" in response.json()["error"]
        assert empty.get("/healthz").status_code == 503
        assert empty.post("/admin/rebuild").status_code == 403
    finally:
        empty.stop()


def test_upload_needs_the_token_and_makes_the_article_answerable(api: InProcess) -> None:
    files = {"files": ("volcano.md", VOLCANO.encode(), "text/markdown")}
    refused = api.post("/admin/articles", files=files)
    assert refused.status_code == 401
    wrong = api.post("/admin/articles", files=files, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    accepted = api.post("/admin/articles", files=files, headers=AUTH)
    assert accepted.status_code == 202
    status = wait_for_job(api)
    assert status["state"] == "done"
    progress = status["progress"]  # every sentence of the upload, embedded
    assert progress["texts_embedded"] == progress["texts_total"] > 0
    assert progress["percent"] == 100
    answer = api.post(
        "/ask", json={"question": "How high did the ash cloud of the volcano rise?"}
    ).json()
    assert answer["found"] and "nine kilometres" in answer["answer"]


def test_upload_names_never_become_paths(api: InProcess) -> None:
    """A hostile name lands in the uploads folder under its last part, and nowhere else."""
    source = api.app.state.settings.source_dir
    outside = source.parent  # where ../../ from the uploads folder leads: this run's own
    before = set(outside.rglob("*"))
    files = {"files": ("../../etc/evil.md", VOLCANO.encode(), "text/markdown")}
    response = api.post("/admin/articles", files=files, headers=AUTH)
    assert response.status_code == 202
    assert response.json()["saved"] == ["evil.md"]
    wait_for_job(api)
    index_dir = api.app.state.settings.index_dir
    written = {p for p in set(outside.rglob("*")) - before if p.is_file()}
    uploads = source / "uploads"
    assert {p for p in written if not p.is_relative_to(index_dir)} == {
        uploads / "evil.md",
        uploads / ".sent" / "evil.md",  # the name it was sent as, kept as text
    }
    assert (uploads / ".sent" / "evil.md").read_text() == "../../etc/evil.md"


def test_a_question_during_a_rebuild_gets_an_answer(api: InProcess) -> None:
    """A rebuild with a new article to embed publishes a new generation; questions asked
    while it runs are answered from the old one, and after it from the new one."""
    source = api.app.state.settings.source_dir
    long_story = " ".join(
        f"Sentence {n} of the long harbour chronicle tells of ship number {n}." for n in range(400)
    )
    (source / "chronicle.md").write_text(f"# The long harbour chronicle\n\n{long_story}\n")
    before = api.get("/healthz").json()["generation"]
    assert api.post("/admin/rebuild", headers=AUTH).status_code == 202
    answered_while_running = 0
    while api.get("/admin/status", headers=AUTH).json()["state"] in ("queued", "running"):
        answer = api.post("/ask", json={"question": QUESTION}, timeout=60).json()
        assert answer["found"]
        answered_while_running += 1
    assert wait_for_job(api)["state"] == "done"
    assert answered_while_running > 0
    assert api.get("/healthz").json()["generation"] != before


def test_an_oversized_upload_is_refused_before_it_is_read(api: InProcess) -> None:
    big = b"x" * 10_100_000
    response = api.post(
        "/admin/articles",
        files={"files": ("big.txt", big, "text/plain")},
        headers=AUTH,
    )
    assert response.status_code == 413
    assert response.json()["error"].startswith("request larger than 10,000,000 bytes")

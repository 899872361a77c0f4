"""The HTTP API of a real `qa serve` process over a real index."""

import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SEED_ID, Server

QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


VOLCANO = (Path(__file__).parent / "uploads" / "volcano.md").read_text()


def wait_for_job(server: Server) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = httpx.get(f"{server.url}/admin/status", headers=AUTH).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job did not finish: {status}")


def test_ask_post_and_get_return_the_answer_object(server: Server) -> None:
    posted = httpx.post(f"{server.url}/ask", json={"question": QUESTION}, timeout=30).json()
    assert posted["found"] is True
    assert "ont annoncé ce jeudi avoir procédé à un nouvel échange" in posted["quote"]["text"]
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
    got = httpx.get(f"{server.url}/ask", params={"q": QUESTION}, timeout=30).json()
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
    server: Server, body: dict, status: int, message: str
) -> None:
    response = httpx.post(f"{server.url}/ask", json=body, timeout=30)
    assert response.status_code == status
    assert response.json()["status"] == status
    assert response.json()["error"].startswith(message)


def test_articles_as_json_and_unknown_article_404(server: Server) -> None:
    listed = httpx.get(f"{server.url}/articles").json()["articles"]
    assert SEED_ID in {a["id"] for a in listed}
    article = httpx.get(f"{server.url}/articles/{SEED_ID}").json()
    assert article["date"] == "2025-06" and len(article["sentences"]) == 13
    missing = httpx.get(f"{server.url}/articles/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no article with id 'nope'", "status": 404}


def test_pages_carry_a_content_security_policy(server: Server) -> None:
    page = httpx.get(server.url, headers={"Accept": "text/html"})
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/static/chat.js"' in page.text
    assert "http://" not in page.text.replace(server.url, "") and "https://" not in page.text
    assert httpx.get(f"{server.url}/docs").status_code == 200


def test_no_index_gives_503_and_admin_off_gives_403(tmp_path: Path) -> None:
    empty = Server({"QA_INDEX_DIR": str(tmp_path / "none"), "QA_ADMIN_TOKEN": ""})
    try:
        response = httpx.post(f"{empty.url}/ask", json={"question": QUESTION})
        assert response.status_code == 503
        assert "no index in" in response.json()["error"]
        assert httpx.get(f"{empty.url}/healthz").status_code == 503
        assert httpx.post(f"{empty.url}/admin/rebuild").status_code == 403
    finally:
        empty.stop()


def test_upload_needs_the_token_and_makes_the_article_answerable(server: Server) -> None:
    files = {"files": ("volcano.md", VOLCANO.encode(), "text/markdown")}
    refused = httpx.post(f"{server.url}/admin/articles", files=files)
    assert refused.status_code == 401
    wrong = httpx.post(
        f"{server.url}/admin/articles", files=files, headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 401
    accepted = httpx.post(f"{server.url}/admin/articles", files=files, headers=AUTH)
    assert accepted.status_code == 202
    status = wait_for_job(server)
    assert status["state"] == "done"
    progress = status["progress"]  # every sentence of the upload, embedded
    assert progress["texts_embedded"] == progress["texts_total"] > 0
    assert progress["percent"] == 100
    answer = httpx.post(
        f"{server.url}/ask", json={"question": "How high did the ash cloud of the volcano rise?"}
    ).json()
    assert answer["found"] and "nine kilometres" in answer["answer"]


def test_upload_names_never_become_paths(server: Server) -> None:
    files = {"files": ("../../etc/evil.md", VOLCANO.encode(), "text/markdown")}
    response = httpx.post(f"{server.url}/admin/articles", files=files, headers=AUTH)
    assert response.status_code == 202
    assert response.json()["saved"] == ["evil.md"]
    wait_for_job(server)


def test_a_question_during_a_rebuild_gets_an_answer(server: Server) -> None:
    started = httpx.post(f"{server.url}/admin/rebuild", headers=AUTH)
    assert started.status_code == 202
    answer = httpx.post(f"{server.url}/ask", json={"question": QUESTION}, timeout=60).json()
    assert answer["found"]
    assert wait_for_job(server)["state"] == "done"


def test_an_oversized_upload_is_refused_before_it_is_read(server: Server) -> None:
    big = b"x" * 10_100_000
    response = httpx.post(
        f"{server.url}/admin/articles",
        files={"files": ("big.txt", big, "text/plain")},
        headers=AUTH,
    )
    assert response.status_code == 413
    assert response.json()["error"].startswith("request larger than 10,000,000 bytes")

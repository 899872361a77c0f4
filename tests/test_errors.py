"""Honest status codes from a real server: the server's own faults are 5xx in the one error
shape, never 400; a bug is a 500 with a request id found in the log, and the server goes on."""

import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from index.embedded.layout import current_generation
from index.embedding.embed import Embedder
from index.errors import ArticleQAError
from index.sync import add_paths
from tests.conftest import DATA, Server
from web.respond import STATUS

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

QUESTION = {"question": "When is the new harbour bridge expected to open?"}


def test_every_error_of_ours_has_its_own_status() -> None:
    assert set(ArticleQAError.__subclasses__()) == set(STATUS)


@pytest.fixture
def index_dir(tmp_path: Path, embedder: Embedder) -> Path:
    add_paths(tmp_path / "index", [DATA / "harbour-bridge.md"], embedder)
    return tmp_path / "index"


def serve(index_dir: Path, models_dir: Path) -> Server:
    return Server({"QA_INDEX_DIR": str(index_dir), "QA_MODELS_DIR": str(models_dir)})


def test_a_corrupt_index_is_a_500_not_a_400(index_dir: Path, models_dir: Path) -> None:
    (current_generation(index_dir) / "manifest.json").write_text("{not json")
    server = serve(index_dir, models_dir)
    try:
        for response in (
            httpx.post(f"{server.url}/ask", json=QUESTION, timeout=60),
            httpx.get(f"{server.url}/articles", timeout=60),
        ):
            assert response.status_code == 500
            body = response.json()
            assert set(body) == {"error", "status"} and body["status"] == 500
            assert re.match(r"index generation .*gen-\d+ does not open: ", body["error"])
    finally:
        server.stop()


def test_a_bug_is_a_500_with_a_request_id_and_the_server_goes_on(
    index_dir: Path, models_dir: Path
) -> None:
    # A corrupt row that nothing checks for: sentence vectors of one byte, not float16s.
    with sqlite3.connect(current_generation(index_dir) / "articles.sqlite") as db:
        db.execute("UPDATE sentences SET vector = x'01'")
    server = serve(index_dir, models_dir)
    try:
        response = httpx.post(f"{server.url}/ask", json=QUESTION, timeout=60)
        assert response.status_code == 500
        request_id = response.headers["x-request-id"]
        assert response.json() == {
            "error": f"internal error, request id {request_id}: the server log has the details",
            "status": 500,
        }
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page = httpx.post(f"{server.url}/ask", json=QUESTION, headers={"Accept": "text/html"})
        assert page.status_code == 500 and "request id" in page.text
        # The chat form too: the bug is no "bad question" page (422) that shows its message.
        form = httpx.post(server.url, data=QUESTION, headers={"Accept": "text/html"}, timeout=60)
        assert form.status_code == 500
        form_id = form.headers["x-request-id"]
        assert f"request id {form_id}" in form.text and "buffer size" not in form.text
        assert httpx.get(f"{server.url}/healthz").status_code == 200  # still up
        assert httpx.get(f"{server.url}/articles").status_code == 200
    finally:
        server.stop()
    log = server.process.stderr.read()
    assert f"request {request_id} (POST /ask) failed" in log
    assert f"request {form_id} (POST /) failed" in log
    assert "ValueError: buffer size must be a multiple of element size" in log

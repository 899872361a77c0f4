"""Every limit is a setting (README "Settings") and is enforced by a real server set low."""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from index.embedding.embed import Embedder
from index.sync import add_paths
from tests.conftest import ADMIN_TOKEN, DATA, Server

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LIMITS = {
    "QA_MAX_QUESTION_CHARS": "40",
    "QA_MAX_UPLOAD_BYTES": "3000",
    "QA_MAX_UPLOAD_FILES": "2",
    "QA_REQUEST_TIMEOUT": "2",
}


@pytest.fixture(scope="module")
def limited(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, models_dir: Path
) -> Iterator[tuple[Server, Path]]:
    root = tmp_path_factory.mktemp("limited")
    add_paths(root / "index", [DATA / "harbour-bridge.md"], embedder)
    env = {
        "QA_INDEX_DIR": str(root / "index"),
        "QA_SOURCE_DIR": str(root / "articles"),
        "QA_MODELS_DIR": str(models_dir),
        "QA_ADMIN_TOKEN": ADMIN_TOKEN,
        **LIMITS,
    }
    server = Server(env)
    yield server, root / "articles" / "uploads"
    server.stop()


def refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"error": message, "status": status}


def test_question_length(limited: tuple[Server, Path]) -> None:
    server, _ = limited
    message = "question: the question is longer than 40 characters"
    long = "How much will the new harbour bridge cost?"  # 42 characters
    refused(httpx.post(f"{server.url}/ask", json={"question": long}, timeout=30), 422, message)
    refused(httpx.get(f"{server.url}/ask", params={"q": long}, timeout=30), 422, message)


def test_files_per_upload(limited: tuple[Server, Path]) -> None:
    server, uploads = limited
    article = b"# A\n\nOne sentence here."
    files = [("files", (f"a{n}.md", article, "text/markdown")) for n in range(3)]
    response = httpx.post(f"{server.url}/admin/articles", files=files, headers=AUTH, timeout=30)
    refused(response, 413, "at most 2 files per upload")
    assert not list(uploads.glob("*"))


def test_upload_bytes_counted_over_all_files_and_nothing_kept(
    limited: tuple[Server, Path],
) -> None:
    server, uploads = limited
    files = [
        ("files", ("small.md", b"# Small\n\nA sentence that fits.", "text/markdown")),
        ("files", ("big.md", b"# Big\n\n" + b"Too many words here. " * 200, "text/markdown")),
    ]
    response = httpx.post(f"{server.url}/admin/articles", files=files, headers=AUTH, timeout=30)
    refused(response, 413, "upload larger than 3,000 bytes")
    assert not list(uploads.glob("*"))  # the small file that came first is not kept either


def test_a_body_over_the_limit_is_refused_declared_or_not(limited: tuple[Server, Path]) -> None:
    server, _ = limited
    body = b"x" * 100_000  # the limit plus the allowance for multipart framing is 68,536
    declared = httpx.post(f"{server.url}/ask", content=body, timeout=30)
    refused(declared, 413, "request larger than 3,000 bytes")

    def chunks() -> Iterator[bytes]:  # no content-length: chunked, counted as it comes
        boundary = b"--b0undary\r\n"
        yield boundary + b'Content-Disposition: form-data; name="files"; filename="a.md"\r\n\r\n'
        for _ in range(10):
            yield body[:10_000]
        yield b"\r\n--b0undary--\r\n"

    chunked = httpx.post(
        f"{server.url}/admin/articles",
        content=chunks(),
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b0undary"},
        timeout=30,
    )
    refused(chunked, 413, "request larger than 3,000 bytes")


@pytest.mark.parametrize(
    ("path", "then"),
    [
        ("/ask", "try again"),  # asking again can do no harm
        (
            "/conversations/AAAAAAAAAAAAAAAA/turns",
            "it may still be done: look before sending it again",
        ),
    ],
)
def test_a_request_over_the_timeout_gets_503_at_once(
    limited: tuple[Server, Path], path: str, then: str
) -> None:
    server, _ = limited
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as client:
        client.sendall(  # the body never comes in full: the request cannot finish by itself
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + b'Content-Length: 100\r\n\r\n{"question": '
        )
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            received = client.recv(65536)
            if not received:
                break
            reply += received
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert json.loads(body) == {
        "error": f"the request took longer than 2 s (QA_REQUEST_TIMEOUT); {then}",
        "status": 503,
    }
    assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200

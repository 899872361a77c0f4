"""The chat's server side over HTTP, against a real `qa serve`: conversations, sources per
article, marked answer words, HEAD and the favicon."""

import httpx
import pytest

from tests.conftest import SEED_ID, Server

TRUCE = "Combien de jours de trêve réclame l'Ukraine ?"


def test_a_conversation_keeps_its_turns_and_follow_ups_lean_on_them(server: Server) -> None:
    started = httpx.post(f"{server.url}/conversations", timeout=30)
    assert started.status_code == 201
    cid = started.json()["id"]
    first = httpx.post(
        f"{server.url}/conversations/{cid}/turns", json={"question": TRUCE}, timeout=60
    ).json()
    assert first["number"] == 1 and "30 jours" in first["answer"]["answer"]
    second = httpx.post(
        f"{server.url}/conversations/{cid}/turns",
        json={"question": "Et combien de régions ?"},
        timeout=60,
    ).json()
    assert second["number"] == 2 and "quatre régions" in second["answer"]["answer"]
    kept = httpx.get(f"{server.url}/conversations/{cid}", timeout=30).json()
    assert [t["question"] for t in kept["turns"]] == [TRUCE, "Et combien de régions ?"]
    assert kept["turns"][0] == first  # as it was answered: not asked again


@pytest.mark.parametrize(
    ("path", "status"),
    [("/conversations/AAAAAAAAAAAAAAAA", 404), ("/conversations/short", 422)],
)
def test_unknown_and_malformed_conversations(server: Server, path: str, status: int) -> None:
    response = httpx.get(f"{server.url}{path}", timeout=30)
    assert response.status_code == status and response.json()["status"] == status
    page = httpx.get(f"{server.url}/?c=AAAAAAAAAAAAAAAA", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "no longer kept" in page.text


def test_the_answer_marks_the_number_a_combien_question_asks_for(server: Server) -> None:
    answer = httpx.post(f"{server.url}/ask", json={"question": TRUCE}, timeout=60).json()
    quote = answer["quote"]
    assert [quote["text"][start:end] for start, end in quote["highlights"]] == ["30"]
    marked_terms = {quote["text"][start:end] for start, end in quote["term_highlights"]}
    assert {"trêve", "jours", "réclame"} <= marked_terms
    article = httpx.get(f"{server.url}/articles/{quote['article_id']}", timeout=30).json()
    assert article["text"][quote["start"] : quote["end"]] == quote["text"]  # unchanged


def test_sources_are_one_entry_per_article_quoted_first_without_the_quote(
    server: Server,
) -> None:
    answer = httpx.post(
        f"{server.url}/ask", json={"question": "How low did the river fall?", "k": 10}, timeout=60
    ).json()
    articles = answer["articles"]
    ids = [a["article_id"] for a in articles]
    assert len(ids) == len(set(ids)) >= 2  # the Rhine and the Loire, once each
    assert len(answer["sources"]) > len(ids)  # per chunk, as before: some article repeats
    quote = answer["quote"]
    assert articles[0]["article_id"] == quote["article_id"] and articles[0]["quoted"]
    assert not any(a["quoted"] for a in articles[1:])
    for entry in articles:
        best = entry["best"]
        assert entry["passages"] >= 1
        if best is not None:
            assert quote["text"] not in best["text"] or not entry["quoted"]
            assert best["first_sentence"] <= best["last_sentence"]


def test_a_passage_span_is_highlighted_in_the_article_page(server: Server) -> None:
    page = httpx.get(
        f"{server.url}/articles/{SEED_ID}", params={"hl": "2-4"}, headers={"Accept": "text/html"}
    )
    assert page.text.count('class="sentence quoted"') == 3
    for sentence in (2, 3, 4):
        assert f'id="s{sentence}" class="sentence quoted"' in page.text
    bad = httpx.get(f"{server.url}/articles/{SEED_ID}", params={"hl": "2-x"})
    assert bad.status_code == 422


def test_head_on_pages_and_a_favicon(server: Server) -> None:
    for path in ("/", "/articles", f"/articles/{SEED_ID}", "/admin", "/healthz"):
        got = httpx.get(f"{server.url}{path}", headers={"Accept": "text/html"})
        head = httpx.head(f"{server.url}{path}", headers={"Accept": "text/html"})
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert "content-security-policy" in head.headers
    icon = httpx.get(f"{server.url}/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert httpx.head(f"{server.url}/ask").status_code == 422  # as GET /ask without q


def test_the_admin_page_shows_the_index(server: Server) -> None:
    page = httpx.get(f"{server.url}/admin", headers={"Accept": "text/html"}).text
    articles = httpx.get(f"{server.url}/articles", params={"limit": 1000}).json()["articles"]
    assert f"<strong>{len(articles)}</strong> articles" in page
    assert "<svg" in page and "<rect" in page and "2025-06, fr: 1" in page
    assert "Last update" in page and 'id="progress"' in page

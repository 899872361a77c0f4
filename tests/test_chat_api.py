"""The chat's server side over HTTP, in process: conversations, sources per
article, marked answer words, HEAD and the favicon."""

from pathlib import Path

import pytest

from tests.conftest import SEED_ID, InProcess

TRUCE = "Combien de jours de trêve réclame l'Ukraine ?"


def test_a_conversation_keeps_its_turns_and_follow_ups_lean_on_them(api: InProcess) -> None:
    started = api.post("/conversations", timeout=30)
    assert started.status_code == 201
    cid = started.json()["id"]
    first = api.post(f"/conversations/{cid}/turns", json={"question": TRUCE}, timeout=60).json()
    assert first["number"] == 1 and "30 jours" in first["answer"]["answer"]
    second = api.post(
        f"/conversations/{cid}/turns",
        json={"question": "Et combien de régions ?"},
        timeout=60,
    ).json()
    assert second["number"] == 2 and "quatre régions" in second["answer"]["answer"]
    kept = api.get(f"/conversations/{cid}", timeout=30).json()
    assert [t["question"] for t in kept["turns"]] == [TRUCE, "Et combien de régions ?"]
    assert kept["turns"][0] == first  # as it was answered: not asked again


def test_a_follow_up_to_a_question_longer_than_500_characters_is_answered(
    api: InProcess, tmp_path: Path
) -> None:
    """Where QA_MAX_QUESTION_CHARS is raised, a long question is kept as history (cut to
    what /ask's history items take), not turned into an invalid next request."""
    settings = api.app.state.settings
    longer = InProcess(
        {
            "QA_INDEX_DIR": str(settings.index_dir),
            "QA_MODELS_DIR": str(settings.models_dir),
            "QA_CONVERSATIONS_FILE": str(tmp_path / "conversations.sqlite"),
            "QA_MAX_QUESTION_CHARS": "1000",
        }
    )
    try:
        cid = longer.post("/conversations").json()["id"]
        question = TRUCE + " Je cherche le nombre exact, tel que l'article le donne." * 12
        assert 600 < len(question) < 1000
        first = longer.post(f"/conversations/{cid}/turns", json={"question": question})
        assert first.status_code == 200, first.text
        second = longer.post(f"/conversations/{cid}/turns", json={"question": "Et les régions ?"})
        assert second.status_code == 200, second.text
        assert second.json()["number"] == 2
    finally:
        longer.stop()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/conversations/AAAAAAAAAAAAAAAA", 404), ("/conversations/short", 422)],
)
def test_unknown_and_malformed_conversations(api: InProcess, path: str, status: int) -> None:
    response = api.get(path, timeout=30)
    assert response.status_code == status and response.json()["status"] == status
    page = api.get("/?c=AAAAAAAAAAAAAAAA", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "no longer kept" in page.text


def test_the_answer_marks_the_number_a_combien_question_asks_for(api: InProcess) -> None:
    answer = api.post("/ask", json={"question": TRUCE}, timeout=60).json()
    quote = answer["quote"]
    [marked] = [quote["text"][start:end] for start, end in quote["highlights"]]
    assert "30" in marked.split() and len(marked.split()) <= 3  # the answer, not a clause
    marked_terms = {quote["text"][start:end] for start, end in quote["term_highlights"]}
    assert {"trêve", "réclame"} <= marked_terms and marked not in marked_terms
    article = api.get(f"/articles/{quote['article_id']}", timeout=30).json()
    assert article["text"][quote["start"] : quote["end"]] == quote["text"]  # unchanged


def test_sources_are_one_entry_per_article_quoted_first_without_the_quote(
    api: InProcess,
) -> None:
    answer = api.post(
        "/ask", json={"question": "How low did the river fall?", "k": 10}, timeout=60
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


def test_a_passage_span_is_highlighted_in_the_article_page(api: InProcess) -> None:
    page = api.get(f"/articles/{SEED_ID}", params={"hl": "2-4"}, headers={"Accept": "text/html"})
    assert page.text.count('class="sentence quoted"') == 3
    for sentence in (2, 3, 4):
        assert f'id="s{sentence}" class="sentence quoted"' in page.text
    bad = api.get(f"/articles/{SEED_ID}", params={"hl": "2-x"})
    assert bad.status_code == 422


def test_head_on_pages_and_a_favicon(api: InProcess) -> None:
    for path in ("/", "/articles", f"/articles/{SEED_ID}", "/admin", "/healthz"):
        got = api.get(path, headers={"Accept": "text/html"})
        head = api.head(path, headers={"Accept": "text/html"})
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert "content-security-policy" in head.headers
    icon = api.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert api.head("/ask").status_code == 422  # as GET /ask without q


def test_the_admin_page_shows_the_index(api: InProcess) -> None:
    page = api.get("/admin", headers={"Accept": "text/html"}).text
    articles = api.get("/articles", params={"limit": 1000}).json()["articles"]
    assert f"<strong>{len(articles)}</strong> articles" in page
    assert "<svg" in page and "<rect" in page and "2025-06, fr: 1" in page
    assert "Last update" in page and 'id="progress"' in page

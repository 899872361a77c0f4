"""Hostile input (issue 22), in process: each case gets a clear error and a fitting status,
nothing stalls, nothing is lost, and a GET writes nothing."""

import sqlite3
from contextlib import closing
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html as lxml_html

from tests.conftest import InProcess

QUESTION = "Combien de jours de trêve réclame l'Ukraine ?"


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


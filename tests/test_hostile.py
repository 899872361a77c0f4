"""Hostile input (issue 22), in process: each case gets a clear 422, nothing stalls."""

import pytest

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

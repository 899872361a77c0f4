"""Time in questions: dates and relative periods become a filter that is shown and can be
removed; undated questions are answered as before."""

import json
from datetime import date
from pathlib import Path

import pytest
from lxml import html as lxml_html

from qa.answer import Answerer
from qa.when import anchor_for, read_time
from tests.conftest import SEED_ID, InProcess

ROOT = Path(__file__).resolve().parent.parent
PHRASINGS = [
    json.loads(line)
    for line in (ROOT / "bench" / "time_questions.jsonl").read_text().splitlines()
    if line.strip()
]
_CLASS = "//*[contains(concat(' ', @class, ' '), ' {} ')]"
JUNE = "Qu'ont annoncé l'Ukraine et la Russie en juin 2025 ?"


@pytest.mark.parametrize("item", PHRASINGS, ids=[p["question"][:40] for p in PHRASINGS])
def test_each_phrasing_reads_as_written(item: dict) -> None:
    found = read_time(item["question"], date(2025, 6, 30)).filter
    got = (found.kind, found.since, found.until) if found else (None, None, None)
    assert got == (item["kind"], item["since"], item["until"])


def test_time_words_leave_the_keyword_query() -> None:
    reading = read_time(JUNE, date(2025, 6, 30))
    assert reading.keywords == "Qu'ont annoncé l'Ukraine et la Russie ?"
    assert reading.filter is not None and reading.filter.words == "en juin 2025"


def test_relative_words_count_from_today_or_from_the_newest_article() -> None:
    today = date(2026, 11, 29)
    assert anchor_for("2026-11-27", today) == today  # a live collection
    assert anchor_for("2025-06", today) == date(2025, 6, 30)  # an archive: its last day
    assert anchor_for(None, today) == today
    assert anchor_for("9999-12", today) == today  # a typo in a file's date breaks nothing


def test_june_2025_restricts_to_june_2025_and_says_so(qa: Answerer) -> None:
    answer = qa.ask(JUNE)
    assert [(f.kind, f.since, f.until, f.words) for f in answer.applied_filters] == [
        ("period", "2025-06", "2025-06", "en juin 2025")
    ]
    assert answer.found and answer.quote is not None and answer.quote.article_id == SEED_ID
    assert answer.sources and {s.date for s in answer.sources} == {"2025-06"}


def test_a_period_restricts_an_english_question_too(qa: Answerer) -> None:
    answer = qa.ask("How much could barges on the Rhine carry in August 2022?")
    assert [(f.since, f.until) for f in answer.applied_filters] == [("2022-08", "2022-08")]
    assert {s.date for s in answer.sources} == {"2022-08-12"}


def test_latest_prefers_the_newest_articles(qa: Answerer) -> None:
    answer = qa.ask("Quelles sont les dernières nouvelles sur les prisonniers ?")
    assert [(f.kind, f.since, f.relative_to) for f in answer.applied_filters] == [
        ("recent", "2025-05-31", "2025-06-30")  # the newest article is of June 2025
    ]
    assert {s.date for s in answer.sources} == {"2025-06"}


@pytest.mark.parametrize(
    "question",
    [
        "Qui a annoncé un nouvel échange de prisonniers ?",
        "When is the new harbour bridge expected to open?",
        "What did the council decide about the bridge in 1990?",  # nothing from 1990
    ],
)
def test_an_undated_question_is_unchanged(qa: Answerer, question: str) -> None:
    read = qa.ask(question).model_dump(exclude={"took_ms"})
    as_words = qa.ask(question, read_dates=False).model_dump(exclude={"took_ms"})
    assert read == as_words and read["applied_filters"] == []


def test_the_chat_shows_the_filter_and_asks_again_without_it(api: InProcess) -> None:
    page = api.post("/ask", json={"question": JUNE}, headers={"Accept": "text/html"})
    chip = lxml_html.fromstring(page.text).xpath(_CLASS.format("chip"))
    assert len(chip) == 1 and "en juin 2025" in chip[0].text_content()
    # A form that posts, as asking does: a GET keeps nothing (issue 22).
    (form,) = chip[0].xpath(".//form[@class='remove-filter']")
    assert form.get("method") == "post" and form.get("action") == "/"
    fields = {field.get("name"): field.get("value") for field in form.xpath(".//input")}
    assert fields == {"question": JUNE, "c": "", "read_dates": "false"}
    again = api.post("/", data=fields, headers={"Accept": "text/html"})
    assert "c=" in str(again.url)  # kept, in a conversation of its own
    tree = lxml_html.fromstring(again.text)
    assert again.status_code == 200 and not tree.xpath(_CLASS.format("applied-filters"))
    assert tree.xpath("//article[@class='turn']//blockquote")  # answered, from every date
    asked = api.get("/ask", params={"q": JUNE, "read_dates": "false"}).json()
    assert asked["applied_filters"] == []


def test_asking_again_without_the_read_date_keeps_the_filters_chosen(api: InProcess) -> None:
    outlet = "infos.example.fr"  # the Loire's (tests/data/rivers.jsonl)
    question = "Quel niveau la Loire a-t-elle atteint en août 2023 ?"
    chosen = {"question": question, "source": outlet}  # (a date chosen would replace August's)
    page = api.post("/", data=chosen, headers={"Accept": "text/html"})
    chips = lxml_html.fromstring(page.text).xpath(_CLASS.format("chip"))
    (form,) = chips[-1].xpath(".//form[@class='remove-filter']")
    fields = {field.get("name"): field.get("value") for field in form.xpath(".//input")}
    assert fields["source"] == outlet and fields["read_dates"] == "false"
    assert "since" not in fields and "until" not in fields

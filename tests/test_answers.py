"""Answers over the seed index: the right sentence, quoted exactly, or an honest "not found"."""

import pytest

from index.embedded.store import Filters, Store
from qa.answer import Answerer
from qa.models import NOT_FOUND


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Qui a annoncé un nouvel échange de prisonniers ?",
            "et la Russie ont annoncé",  # the lead or the body's restatement: both say who
        ),
        (
            "Qu'a affirmé le ministère russe de la Défense ?",
            "le ministère russe de la Défense a affirmé dans un communiqué",
        ),
        (
            "Quelles conditions la Russie exige-t-elle pour mettre fin au conflit ?",
            "exige, pour mettre fin au conflit, que l'Ukraine lui cède notamment quatre régions",
        ),
        (
            "Que réclament l'Ukraine et ses alliés européens ?",
            "réclame, avec ses alliés européens, une trêve sans conditions de 30 jours",
        ),
    ],
)
def test_french_questions_quote_the_right_sentence(
    qa: Answerer, question: str, expected: str
) -> None:
    answer = qa.ask(question)
    assert answer.found and answer.language == "fr"
    assert expected in answer.answer
    assert answer.quote is not None and answer.quote.text == answer.answer
    assert answer.quote.date == "2025-06"


def test_english_question_over_an_english_article(qa: Answerer) -> None:
    answer = qa.ask("When is the new harbour bridge expected to open?")
    assert answer.found and answer.language == "en"
    assert "is expected to open in 2029" in answer.answer
    assert answer.quote.url == "https://news.example.org/2024/03/harbour-bridge"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Quelle est la capitale du Pérou ?", "fr"),
        ("Combien de médailles la France a-t-elle gagnées aux Jeux olympiques ?", "fr"),
        ("What is the boiling point of mercury?", "en"),
        ("Who won the 1998 football World Cup?", "en"),
    ],
)
def test_not_found_in_the_questions_language(qa: Answerer, question: str, language: str) -> None:
    answer = qa.ask(question)
    assert not answer.found
    assert answer.quote is None
    assert answer.answer == NOT_FOUND[language]
    assert answer.language == language
    assert answer.sources  # the closest passages, for the user to check


def test_quote_offsets_point_into_the_article(qa: Answerer, store: Store) -> None:
    answer = qa.ask("How many signatures did the shop owners collect?")
    quote = answer.quote
    assert quote is not None
    article = store.article(quote.article_id)
    assert article.text[quote.start : quote.end] == quote.text
    assert quote.before == article.sentence_text(article.sentences[quote.sentence_index - 1])


def test_a_subheading_is_never_quoted(qa: Answerer, store: Store) -> None:
    headings = set()
    for row in store.list_articles():
        article = store.article(row["id"])
        headings |= {
            article.text[p.start : p.end] for p in article.paragraphs if p.kind == "subheading"
        }
    for heading in headings:
        answer = qa.ask(heading)
        assert answer.answer not in headings


def test_filters_narrow_the_sources(qa: Answerer) -> None:
    question = "Quel est le niveau de l'eau du fleuve ?"
    assert {s.date for s in qa.ask(question, filters=Filters(since="2023")).sources} <= {
        "2023-08-21",
        "2024-03-14",
        "2025-06",
    }
    only_rhine = qa.ask(question, filters=Filters(source="wire.example.com"))
    assert {s.title for s in only_rhine.sources} == {"Rhine shipping slowed by low water"}
    nothing = qa.ask(question, filters=Filters(until="2001"))
    assert not nothing.found and nothing.sources == []


def test_follow_up_question_uses_the_earlier_subject(qa: Answerer) -> None:
    first = "Qui a annoncé un nouvel échange de prisonniers ?"
    follow_up = qa.query("Et combien ont été libérés ?", [first])
    assert {"prisonni", "echang", "liber"} <= set(follow_up.terms)
    assert follow_up.own_terms == ["liber"]
    answer = qa.ask("Et combien ont été libérés ?", history=[first])
    assert answer.found and "libér" in answer.answer
    assert answer.quote.article_id == qa.ask(first).quote.article_id


def test_a_full_question_does_not_lean_on_history(qa: Answerer) -> None:
    query = qa.query("Combien de signatures les commerçants ont-ils recueillies ?", ["Qui ?"])
    assert query.extra_text == ""

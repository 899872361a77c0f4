"""The chat people keep using, in headless Chromium against `qa serve`: the conversation
survives a citation, a reload and the Back button (with and without JavaScript); sources
per article open their passage highlighted; the answering words are marked; each card
speaks its question's language; the keyboard and axe-core's rules; the admin page.

Screenshots go to tests/screenshots/ (chat, marks, sources, not found, admin).
"""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import ADMIN_TOKEN, Server
from tests.test_browser import SHOTS, ask, browser, csp_blocked  # noqa: F401 (a fixture)
from tests.test_web_api import wait_for_job

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TRUCE = "Combien de jours de trêve réclame l'Ukraine ?"
pytestmark = pytest.mark.browser


def new_context(chromium: Browser, language: str = "fr", **options: object) -> BrowserContext:
    locale = {"fr": "fr-FR", "en": "en-GB"}[language]
    header = {"fr": "fr-FR,fr;q=0.9", "en": "en-GB,en;q=0.9"}[language]
    return chromium.new_context(
        locale=locale,
        extra_http_headers={"Accept-Language": header},
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def french(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = new_context(browser, "fr")
    blocked = csp_blocked(context)
    yield context.new_page()
    context.close()
    assert blocked == []


@pytest.fixture
def english(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = new_context(browser, "en")
    blocked = csp_blocked(context)
    yield context.new_page()
    context.close()
    assert blocked == []


def test_the_shipped_csp_is_on_in_these_tests(browser: Browser, server: Server) -> None:  # noqa: F811
    """No test here runs with the Content-Security-Policy off: a script of the page's own
    is refused, as in any visitor's browser, and the fixtures hear of it (their own pages
    must cause no such refusal, so this test makes its context itself)."""
    context = new_context(browser, "fr")
    blocked = csp_blocked(context)
    page = context.new_page()
    page.goto(server.url)
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = 1")
    assert page.evaluate("typeof window.injected") == "undefined"
    context.close()
    assert len(blocked) == 1 and "script-src 'self'" in blocked[0]


def conversation_id(page: Page) -> str:
    found = re.search(r"[?&]c=([A-Za-z0-9_-]{16})", page.url)
    assert found, page.url
    return found.group(1)


def test_the_conversation_survives_a_citation_back_and_reload(french: Page, server: Server):
    page = french
    page.goto(server.url)
    ask(page, "Qui a annoncé un nouvel échange de prisonniers ?")
    expect(page.locator(".turn")).to_have_count(1)
    ask(page, TRUCE)
    expect(page.locator(".turn")).to_have_count(2)
    cid = conversation_id(page)
    page.screenshot(path=SHOTS / "chat-conversation.png", full_page=True)

    page.locator(".turn").first.locator(".quote-link").click()
    expect(page.locator(".sentence.quoted")).to_have_count(1)
    page.go_back()
    expect(page.locator(".turn")).to_have_count(2)
    page.reload()
    expect(page.locator(".turn")).to_have_count(2)
    assert conversation_id(page) == cid

    page.locator(".turn").nth(1).locator(".quote-link").click()
    page.locator("a.back").click()  # the article's own link back to the chat
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn .question").nth(1)).to_have_text(TRUCE)
    ask(page, "Et combien de régions ?")  # the conversation goes on where it was
    expect(page.locator(".turn")).to_have_count(3)
    expect(page.locator(".turn blockquote").nth(2)).to_contain_text("quatre régions")


def test_without_javascript_only_the_new_question_is_answered(
    browser: Browser,  # noqa: F811
    server: Server,
) -> None:
    context = new_context(browser, "en", java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url)
    page.fill("#question", "When is the new harbour bridge expected to open?")
    page.click("button[type=submit]")
    expect(page.locator(".turn blockquote")).to_contain_text("expected to open in 2029")
    cid = conversation_id(page)
    first = httpx.get(f"{server.url}/conversations/{cid}").json()["turns"][0]
    page.fill("#question", "And how many signatures did the shop owners collect?")
    page.click("button[type=submit]")
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn blockquote").nth(1)).to_contain_text("12,000 signatures")
    assert conversation_id(page) == cid
    kept = httpx.get(f"{server.url}/conversations/{cid}").json()["turns"]
    assert kept[0] == first  # the first turn was not answered again

    page.locator(".turn").first.locator(".quote-link").click()
    expect(page.locator(".sentence.quoted")).to_contain_text("expected to open in 2029")
    page.go_back()
    expect(page.locator(".turn")).to_have_count(2)
    page.reload()  # a GET after the redirect: nothing is posted again
    expect(page.locator(".turn")).to_have_count(2)
    assert len(httpx.get(f"{server.url}/conversations/{cid}").json()["turns"]) == 2
    context.close()


def test_the_number_a_combien_question_asks_for_is_marked(french: Page, server: Server):
    french.goto(server.url)
    ask(french, TRUCE)
    quote = french.locator(".turn blockquote")
    expect(quote.locator("mark.answer")).to_have_text([re.compile(r"^30\b")])
    expect(quote.locator("mark.term")).to_contain_text(["réclame", "trêve"])
    expect(quote).to_have_text(
        "Ces conditions sont inacceptables pour l'Ukraine qui réclame, avec ses alliés "
        "européens, une trêve sans conditions de 30 jours avant des négociations de paix "
        "avec Moscou."
    )  # marking changes no character of the quote
    quote.screenshot(path=SHOTS / "answer-marks.png")
    french.locator(".turn").screenshot(path=SHOTS / "answer-card.png")


def test_sources_are_one_per_article_and_open_their_passage(english: Page, server: Server):
    english.goto(server.url)
    ask(english, "How low did the river fall?")
    turn = english.locator(".turn")
    quote = turn.locator("blockquote").inner_text()
    turn.locator(".sources summary").click()
    entries = turn.locator(".sources li")
    expect(entries.first).to_have_class(re.compile("quoted-article"))
    hrefs = [
        entries.nth(i).locator("a").get_attribute("href") or "" for i in range(entries.count())
    ]
    articles = [href.split("?")[0] for href in hrefs]
    assert len(articles) == len(set(articles)) >= 2  # one entry per article
    for i in range(entries.count()):
        assert quote not in entries.nth(i).inner_text()  # the quote is never repeated
    english.screenshot(path=SHOTS / "sources.png", full_page=True)

    second = entries.nth(1)
    span = re.search(r"hl=(\d+)-(\d+)", hrefs[1])
    assert span, hrefs[1]
    second.locator("a").click()
    highlighted = english.locator(".sentence.quoted")
    expect(highlighted).to_have_count(int(span.group(2)) - int(span.group(1)) + 1)
    expect(highlighted.first).to_be_in_viewport()


def test_a_french_not_found_card_is_all_french_on_an_english_page(
    english: Page, server: Server
) -> None:
    english.goto(server.url)
    expect(english.locator("button[type=submit]")).to_have_text("Ask")  # the page: English
    ask(english, "Quelle est la capitale du Pérou ?")
    card = english.locator(".turn")
    expect(card).to_have_attribute("lang", "fr")
    expect(card.locator(".not-found")).to_have_text(
        "Pas trouvé — Je n'ai pas trouvé de réponse dans les articles."
    )
    expect(card.locator(".sources summary")).to_contain_text("Passages les plus proches")
    expect(card.locator(".passages").first).to_contain_text("passage")
    assert "Not found" not in card.inner_text() and "Closest" not in card.inner_text()
    expect(english.locator("button[type=submit]")).to_have_text("Ask")
    card.screenshot(path=SHOTS / "not-found.png")


def test_an_english_card_on_a_french_page(french: Page, server: Server) -> None:
    french.goto(server.url)
    ask(french, "What is the boiling point of mercury?")
    card = french.locator(".turn")
    expect(card.locator(".not-found")).to_have_text(
        "Not found — I could not find an answer in the articles."
    )
    expect(card.locator(".sources summary")).to_contain_text("Closest passages")
    expect(french.locator("button[type=submit]")).to_have_text("Demander")


def test_the_chat_works_from_the_keyboard(french: Page, server: Server) -> None:
    french.goto(server.url)
    expect(french.locator("#question")).to_be_focused()  # type at once
    french.keyboard.type("Qu'a affirmé le ministère russe de la Défense ?")
    french.keyboard.press("Enter")
    expect(french.locator(".turn")).to_have_count(1)
    expect(french.locator("#question")).to_be_focused()
    french.keyboard.press("Shift+Tab")  # back into the answer: its sources, then its quote
    expect(french.locator(".turn .sources summary")).to_be_focused()
    french.keyboard.press("Shift+Tab")
    expect(french.locator(".turn .quote-link")).to_be_focused()
    french.keyboard.press("Enter")
    expect(french.locator(".sentence.quoted")).to_contain_text("groupe de militaires russes")


def test_dates_never_wrap(browser: Browser, server: Server) -> None:  # noqa: F811
    context = new_context(browser, "en", viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{server.url}/articles")
    dates = page.locator(".date")
    expect(dates.first).to_be_visible()
    for i in range(dates.count()):
        box = dates.nth(i).bounding_box()
        assert box is not None
        line = dates.nth(i).evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert box["height"] <= line + 1, dates.nth(i).inner_text()  # one line
    context.close()


def axe_violations(page: Page) -> list[dict]:
    # Evaluated by the browser's driver, which the page's CSP does not govern: a script tag
    # would be refused (script-src 'self'), and the tests run with the shipped CSP on.
    page.evaluate(AXE.read_text())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )


def test_axe_finds_no_accessibility_violation(french: Page, server: Server) -> None:
    french.goto(server.url)
    ask(french, TRUCE)
    expect(french.locator(".turn")).to_have_count(1)
    french.locator(".turn .sources summary").click()
    assert axe_violations(french) == []
    french.locator(".turn .quote-link").click()
    expect(french.locator(".sentence.quoted")).to_have_count(1)
    assert axe_violations(french) == []
    french.goto(f"{server.url}/admin")
    assert axe_violations(french) == []
    french.goto(f"{server.url}/articles")
    assert axe_violations(french) == []


def test_the_admin_page_shows_the_index_and_a_live_progress_bar(
    english: Page, server: Server
) -> None:
    english.set_viewport_size({"width": 1000, "height": 900})
    english.goto(f"{server.url}/admin")
    expect(english.locator(".chart svg rect").first).to_be_visible()
    expect(english.locator(".totals")).to_contain_text("Last update")
    english.fill("#token", ADMIN_TOKEN)
    story = "\n\n".join(
        f"Line {n} of the orchard survey counts the apple trees of the valley." for n in range(300)
    )
    english.set_input_files(
        "#files",
        files=[{"name": "report.md", "mimeType": "text/markdown", "buffer": story.encode()}],
    )
    english.click("#upload")
    bar = english.locator("#progress")
    expect(bar).to_be_visible()
    english.screenshot(path=SHOTS / "admin-progress.png", full_page=True)
    assert wait_for_job(server)["state"] == "done"
    text = english.locator("#progress-text")
    expect(text).to_contain_text(re.compile(r"upload: done — (\d+) / \1 texts \(100(\.0)? %\)"))
    total = int(bar.get_attribute("max") or 0)
    assert total >= 300 and bar.get_attribute("value") == str(total)
    english.reload()
    expect(english.locator(".totals")).to_contain_text("articles")
    english.screenshot(path=SHOTS / "admin.png", full_page=True)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert httpx.delete(f"{server.url}/admin/uploads/report.md", headers=auth).status_code == 202
    assert wait_for_job(server)["state"] == "done"

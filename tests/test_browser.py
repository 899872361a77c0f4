"""The chat in a real browser: headless Chromium driven by Playwright, against `qa serve`."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.conftest import ADMIN_TOKEN, DATA, Server
from tests.test_web_api import wait_for_job

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, or every browser test fails: a tier that skips when it is missing passes
    in CI without having run."""
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need {CHROMIUM}: run `make browser`")
    SHOTS.mkdir(exist_ok=True)
    expect.set_options(timeout=20_000)  # a loaded CI machine answers slower than a laptop
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def csp_blocked(context: BrowserContext) -> list[str]:
    """What the shipped Content-Security-Policy blocks in this context, as Chromium says it:
    the product's own pages must need nothing it forbids."""
    blocked: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    context.on("console", heard)
    return blocked


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    blocked = csp_blocked(context)
    yield context.new_page()
    context.close()
    assert blocked == []


def ask(page: Page, question: str) -> None:
    box = page.locator("#question")
    box.fill(question)
    box.press("Enter")


def test_french_question_quotes_the_sentence_and_links_to_it(page: Page, server: Server) -> None:
    page.goto(server.url)
    expect(page.locator("button[type=submit]")).to_have_text("Demander")
    page.evaluate("window.stillHere = true")  # gone if the page reloads
    ask(page, "Qu'a affirmé le ministère russe de la Défense ?")
    quote = page.locator(".turn blockquote").last
    expect(quote).to_contain_text("le ministère russe de la Défense a affirmé dans un communiqué")
    expect(page.locator("#question")).to_be_focused()
    expect(page.locator("#question")).to_have_value("")
    assert page.evaluate("window.stillHere === true")  # no reload
    assert page.url.startswith(f"{server.url}/?c=")  # the conversation's own address
    page.screenshot(path=SHOTS / "chat.png", full_page=True)

    page.locator(".turn .quote-link").last.click()
    highlighted = page.locator(".sentence.quoted")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_contain_text("groupe de militaires russes")
    expect(highlighted).to_be_in_viewport()
    assert "#s" in page.url
    page.screenshot(path=SHOTS / "article.png", full_page=False)


def test_follow_up_question_is_answered_from_the_earlier_turn(page: Page, server: Server) -> None:
    page.goto(server.url)
    ask(page, "Qui a annoncé un nouvel échange de prisonniers ?")
    expect(page.locator(".turn")).to_have_count(1)
    ask(page, "Et combien ont été libérés ?")
    expect(page.locator(".turn")).to_have_count(2)
    second = page.locator(".turn").nth(1)
    expect(second.locator("blockquote")).to_contain_text("libér")
    expect(second.locator(".quote-link")).to_contain_text("Suite à un accord")


def test_not_found_is_said_in_french(page: Page, server: Server) -> None:
    page.goto(server.url)
    ask(page, "Quelle est la capitale du Pérou ?")
    expect(page.locator(".turn .not-found")).to_contain_text(
        "Je n'ai pas trouvé de réponse dans les articles."
    )


def test_the_form_works_without_javascript(browser: Browser, server: Server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url)
    page.fill("#question", "When is the new harbour bridge expected to open?")
    page.click("button[type=submit]")
    expect(page.locator(".turn blockquote")).to_contain_text("expected to open in 2029")
    expect(page.locator("button[type=submit]")).to_have_text("Ask")
    page.fill("#question", "And how many signatures did the shop owners collect?")
    page.click("button[type=submit]")
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn blockquote").nth(1)).to_contain_text("12,000 signatures")
    context.close()


def test_phone_width_is_usable(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(server.url)
    ask(page, "When is the new harbour bridge expected to open?")
    expect(page.locator(".turn blockquote")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.screenshot(path=SHOTS / "chat-phone.png", full_page=True)
    context.close()


def test_a_script_in_a_title_shows_as_text(page: Page, server: Server) -> None:
    hostile = (DATA.parent / "uploads" / "hostile.json").read_bytes()
    response = httpx.post(
        f"{server.url}/admin/articles",
        files={"files": ("hostile.json", hostile, "application/json")},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 202
    assert wait_for_job(server)["state"] == "done"
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url)
    ask(page, "Which mayor opened the new library in Glenrock?")
    link = page.locator(".turn .quote-link")
    expect(link).to_have_text("<script>alert(1)</script> New library opens")
    link.click()
    expect(page.locator("h1")).to_have_text("<script>alert(1)</script> New library opens")
    assert dialogs == []


def test_a_javascript_url_is_not_a_link(page: Page, server: Server) -> None:
    story = b"---\ntitle: Harbour story\nurl: javascript:alert(2)\n---\n\nThe harbour story."
    response = httpx.post(
        f"{server.url}/admin/articles",
        files={"files": ("harbour-story.md", story, "text/markdown")},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 202
    status = wait_for_job(server)
    (warning,) = status["warnings"]
    assert warning.endswith(
        "/uploads/harbour-story.md: url 'javascript:alert(2)' of 'Harbour story' dropped: "
        "only http and https links are kept"
    )
    (article_id,) = status["added"]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.url}/articles/{article_id}")
    expect(page.locator("h1")).to_have_text("Harbour story")
    expect(page.locator("a[href*='javascript' i]")).to_have_count(0)
    expect(page.locator(".meta a")).to_have_count(0)
    page.locator(".meta").click()
    assert dialogs == []
    # an http(s) url stays a link
    bridge = httpx.get(f"{server.url}/articles", params={"limit": 1000}).json()["articles"]
    bridge_id = next(a["id"] for a in bridge if a["title"].startswith("City council approves"))
    page.goto(f"{server.url}/articles/{bridge_id}")
    expect(page.locator(".meta a")).to_have_attribute(
        "href", "https://news.example.org/2024/03/harbour-bridge"
    )


def test_the_admin_page_lists_and_deletes_an_upload(page: Page, server: Server) -> None:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    story = b"# Ferry timetable\n\nThe winter ferry timetable starts on Monday."
    files = {"files": ("ferry.md", story, "text/markdown")}
    assert httpx.post(f"{server.url}/admin/articles", files=files, headers=auth).status_code == 202
    assert wait_for_job(server)["state"] == "done"
    page.goto(f"{server.url}/admin")
    page.fill("#token", ADMIN_TOKEN)
    page.click("#list-uploads")
    ferry = page.locator("#uploads li", has_text="ferry.md")
    expect(ferry).to_contain_text("1 article(s)")
    ferry.get_by_role("button", name="Delete").click()
    expect(page.locator("#status")).to_contain_text('"kind": "delete upload"')
    assert wait_for_job(server)["state"] == "done"
    page.click("#list-uploads")
    expect(page.locator("#uploads li", has_text="ferry.md")).to_have_count(0)
    names = [
        u["name"] for u in httpx.get(f"{server.url}/admin/uploads", headers=auth).json()["uploads"]
    ]
    assert "ferry.md" not in names

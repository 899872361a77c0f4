"""The applied date filter in a real browser: shown as a chip, removed by its link."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Server
from tests.test_browser import ask
from tests.test_browser import browser as browser  # the fixtures, shared
from tests.test_browser import page as page_fixture
from tests.test_dates import JUNE

pytestmark = pytest.mark.browser
page = page_fixture


def test_the_date_chip_is_shown_and_its_button_asks_again_without_it(
    page: Page, server: Server
) -> None:
    page.goto(server.url)
    ask(page, JUNE)
    chip = page.locator(".turn .chip")
    expect(chip).to_contain_text("en juin 2025")
    expect(chip).to_contain_text("2025-06 → 2025-06")
    chip.locator("button.remove-filter").click()
    # Asked again in the same conversation: the first turn stays, the new one has no chip.
    expect(page.locator(".turn")).to_have_count(2)
    again = page.locator(".turn").last
    expect(again.locator("blockquote")).to_contain_text("échange de prisonniers")
    expect(again.locator(".chip")).to_have_count(0)
    expect(again.locator(".question")).to_have_text(JUNE)
    assert "c=" in page.url

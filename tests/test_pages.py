"""The templates themselves: what they may turn into a link."""

import re

from app.settings import Settings
from ingest.article import Article, Paragraph, Sentence
from web.app import create_app
from web.i18n import LANGUAGE_NAMES, STRINGS
from web.pages import blocks

TEXT = "The story has one sentence."
HOSTILE_URLS = [
    "javascript:alert(2)",
    " javascript:alert(2)",
    "JaVaScRiPt:alert(2)",
    "java\tscript:alert(2)",
    "data:text/html,<script>alert(2)</script>",
    "vbscript:msgbox(2)",
    "//evil.example/x",
    "https:alert(2)",
]


def article_page(url: str | None, source: str | None = None) -> str:
    """article.html as the app renders it, for an article with this url."""
    article = Article(
        id="0123456789abcdef",
        title="A story",
        text=TEXT,
        paragraphs=[Paragraph("lead", 0, len(TEXT))],
        url=url,
        source=source,
        sentences=[Sentence(0, 0, 0, len(TEXT))],
    )
    templates = create_app(Settings(admin_token=None)).state.templates
    context = {"t": STRINGS["en"], "lang": "en", "names": LANGUAGE_NAMES["en"]}
    return templates.get_template("article.html").render(
        **context, article=article, blocks=blocks(article), hl=None
    )


def test_an_article_url_is_a_link_only_if_it_is_http_or_https() -> None:
    """An index built before urls were checked at ingest may still hold a hostile one."""
    for url in HOSTILE_URLS:
        page = article_page(url, source="evil.example")
        links = re.findall(r'href="([^"]*)"', page)
        assert links == ["/static/style.css", "/", "/articles", "/admin", "/"], url  # ours only
        assert '<span class="source">evil.example</span>' in page
    page = article_page("https://news.example.org/a?b=1&c=2", source="news.example.org")
    assert 'href="https://news.example.org/a?b=1&amp;c=2"' in page

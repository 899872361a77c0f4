"""The templates themselves: what they may turn into a link."""

import re

from app.settings import Settings
from ingest.article import Article, Paragraph, Sentence
from qa.models import Answer, ArticleSource, BestPassage, Quote
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
        ours = ["/static/favicon.svg", "/static/style.css", "/", "/articles", "/admin", "/"]
        assert links == ours, url  # ours only
        assert '<span class="source">evil.example</span>' in page
    page = article_page("https://news.example.org/a?b=1&c=2", source="news.example.org")
    assert 'href="https://news.example.org/a?b=1&amp;c=2"' in page


def test_a_turn_escapes_what_it_shows_and_its_labels_follow_the_question() -> None:
    """A quote, its marks, a title and a source from an article are text, never markup; an
    English answer on a French page keeps English labels."""
    text = 'The <img src=x onerror=alert(1)> costs 30 "dollars".'
    quote = Quote(
        text=text, article_id="0123456789abcdef", title="<b>Title</b>", date="2025-06",
        url=None, language="en", sentence_index=2, start=0, end=len(text),
        highlights=[(39, 41)], term_highlights=[(4, 8)],
    )  # fmt: skip
    source = ArticleSource(
        article_id="0123456789abcdef", title="<b>Title</b>", date="2025-06", url=None,
        source="<i>site</i>", language="en", quoted=True, passages=2, score=0.5,
        best=BestPassage(chunk_id=1, first_sentence=3, last_sentence=4, score=0.4,
                         text="<script>alert(2)</script>"),
    )  # fmt: skip
    answer = Answer(
        found=True, answer=text, quote=quote, sources=[], articles=[source], confidence=0.5,
        language="en", took_ms=1.0,
    )  # fmt: skip
    templates = create_app(Settings(admin_token=None)).state.templates
    context = {"t": STRINGS["fr"], "lang": "fr", "names": LANGUAGE_NAMES["fr"]}
    html = templates.get_template("_turn.html").render(
        **context, turn={"number": 1, "question": "<q>?", "answer": answer}, conversation=None
    )
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert " src=x onerror=alert(1)&gt;" in html and "&lt;i&gt;site&lt;/i&gt;" in html
    assert '<mark class="answer">30</mark>' in html and '<mark class="term">&lt;img</mark>' in html
    assert "2 matching passages" in html  # English, on a French page
    assert "quoted above" in html and "confidence 50 %" in html
    assert 'href="/articles/0123456789abcdef?hl=3-4#s3"' in html

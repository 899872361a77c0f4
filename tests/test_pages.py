"""The templates themselves: what they may turn into a link."""

import re

from lxml import html as lxml_html

from index.ingest.article import Article, Paragraph, Sentence
from qa.app.settings import Settings
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


def test_a_long_article_page_holds_every_sentence_once_in_its_paragraph() -> None:
    """20,000 sentences in 5,000 paragraphs (issue 22: the page was built in paragraphs ×
    sentences steps, minutes for this one; bench/article_page.py times it)."""
    pieces, paragraphs, sentences, offset = [], [], [], 0
    for number in range(5_050):
        if number % 101 == 100:  # a subheading now and then: it has no sentences
            kind, said = "subheading", [f"Part {number}"]
        else:
            first = len(sentences)
            kind, said = "body", [f"Ship {first + n} docked." for n in range(4)]
        start = offset
        for n, text in enumerate(said):
            if kind != "subheading":
                sentences.append(Sentence(len(sentences), number, offset, offset + len(text)))
            offset += len(text) + (1 if n < len(said) - 1 else 0)
        paragraphs.append(Paragraph(kind, start, offset))
        pieces.append(" ".join(said))
        offset += 2
    text = "\n\n".join(pieces)
    article = Article(
        id="0123456789abcdef", title="A long log", text=text, paragraphs=paragraphs,
        sentences=sentences,
    )  # fmt: skip
    assert len(sentences) == 20_000
    templates = create_app(Settings(admin_token=None)).state.templates
    context = {"t": STRINGS["en"], "lang": "en", "names": LANGUAGE_NAMES["en"]}
    page = templates.get_template("article.html").render(
        **context, article=article, blocks=blocks(article, range(7, 9)), hl=None
    )
    shown = lxml_html.fromstring(page).xpath("//article/p[@class='body'] | //article/h2")
    assert [element.text_content() for element in shown] == pieces
    spans = lxml_html.fromstring(page).xpath("//article/p/span[@id]")
    assert [span.get("id") for span in spans] == [f"s{n}" for n in range(20_000)]
    assert [span.text for span in spans] == [f"Ship {n} docked." for n in range(20_000)]
    assert [s.get("id") for s in spans if "quoted" in s.get("class")] == ["s7", "s8"]

"""Every format becomes Articles with exact offsets; bad input is reported, never indexed."""

import json
from pathlib import Path

import pytest

from index.ingest.readers import read_file
from tests.conftest import DATA, SEEDS


def only_article(path: Path):
    result = read_file(path)
    assert not result.problems
    (article,) = result.articles
    return article


def test_seed_format_gives_date_derived_title_and_subheadings() -> None:
    article = only_article(SEEDS / "000_6acd5d2dc33e86a7.txt")
    assert article.date == "2025-06"
    assert article.language == "fr"
    assert article.title.startswith("Suite à un accord convenu début juin")
    assert len(article.title) <= 91
    kinds = [p.kind for p in article.paragraphs]
    assert kinds[0] == "lead" and kinds.count("subheading") == 2
    headings = {article.text[p.start : p.end] for p in article.paragraphs if p.kind == "subheading"}
    assert headings == {"Relance des discussions de paix", "Une trêve sans conditions"}
    sentences = {article.sentence_text(s) for s in article.sentences}
    assert not headings & sentences
    assert not any(s.startswith("date ") for s in sentences)


def test_markdown_front_matter_title_and_subheading() -> None:
    article = only_article(DATA / "harbour-bridge.md")
    assert article.title == "City council approves new harbour bridge after decade of debate"
    assert (article.date, article.url) == (
        "2024-03-14",
        "https://news.example.org/2024/03/harbour-bridge",
    )
    assert article.source == "news.example.org"
    assert article.language == "en"
    assert [p.kind for p in article.paragraphs] == ["lead", "body", "subheading", "body", "body"]


def test_jsonl_records_are_articles_with_their_own_language() -> None:
    result = read_file(DATA / "rivers.jsonl")
    assert not result.problems
    loire, rhine = result.articles
    assert (loire.language, rhine.language) == ("fr", "en")
    assert loire.source == "infos.example.fr" and rhine.source == "wire.example.com"
    assert loire.id != rhine.id
    assert read_file(DATA / "rivers.jsonl").articles[0].id == loire.id  # stable


def test_html_main_text_title_and_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Port strike | Example</title>"
        '<meta property="og:url" content="https://example.net/strike">'
        '<meta name="date" content="2024-05-02"></head><body><nav>Home News Sport</nav>'
        "<article><h1>Dockers strike in Rotterdam</h1>"
        "<p>Dockers in Rotterdam stopped work on Monday to demand higher wages. "
        "The strike halted container traffic for twelve hours.</p>"
        "<h2>Talks resume</h2><p>Unions and employers will meet again on Thursday in the city hall."
        "</p></article><footer>© Example</footer></body></html>"
    )
    article = only_article(page)
    assert article.title == "Dockers strike in Rotterdam"
    assert article.date == "2024-05-02"
    assert article.url == "https://example.net/strike"
    assert "Home News Sport" not in article.text
    assert "Talks resume" in [article.text[p.start : p.end] for p in article.paragraphs]


def test_json_list_with_one_bad_record_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    records = [
        {"title": "Good", "text": "A complete sentence about the harbour. Another one follows."},
        {"title": "No body"},
        "not an object",
    ]
    path.write_text(json.dumps(records))
    result = read_file(path)
    assert [a.title for a in result.articles] == ["Good"]
    assert [p.reason for p in result.problems] == [
        'no "text" or "body" string in the record',
        "a record must be a JSON object",
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file, not text"),
        ("latin1.txt", "Un été très chaud à Orléans.".encode("latin-1"), "not UTF-8 text"),
        ("broken.json", b'{"title": "x", "text": ', "invalid JSON"),
        ("headings.txt", b"Only a heading\n\nAnother heading", "no sentences to index"),
        ("notes.pdf", b"%PDF-1.4", "unsupported file type .pdf"),
    ],
)
def test_bad_files_are_reported_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = read_file(path)
    assert result.articles == []
    (problem,) = result.problems
    assert problem.reason.startswith(reason)
    assert str(path) in str(problem)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Une phrase assez longue pour compter. " * 100)
    (problem,) = read_file(path, max_bytes=1000).problems
    assert problem.reason.startswith("file too large")


def test_only_http_and_https_urls_are_kept_and_the_others_said(tmp_path: Path) -> None:
    path = tmp_path / "links.jsonl"
    urls = [
        "https://example.org/a",
        "HTTP://example.org/b",
        "javascript:alert(2)",
        " javascript:alert(2)",
        "data:text/html,x",
        "ftp://example.org/c",
        "/relative",
    ]
    records = [
        {"id": str(n), "url": url, "text": f"Story number {n} is here."}
        for n, url in enumerate(urls)
    ]
    path.write_text("\n".join(json.dumps(record) for record in records))
    result = read_file(path)
    assert [a.url for a in result.articles] == urls[:2] + [None] * 5
    assert [a.source for a in result.articles] == ["example.org"] * 2 + [None] * 5
    assert result.warnings[0] == (
        f"{path}: url 'javascript:alert(2)' of 'Story number 2 is here.' dropped: "
        "only http and https links are kept"
    )
    assert len(result.warnings) == 5 and result.problems == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("month13.json", json.dumps({"text": "Le port a rouvert lundi.", "date": "2024-13"})),
        ("april31.md", "---\ndate: 2025-04-31\n---\n\nLe port a rouvert lundi."),
        ("seed13.txt", "date 2024-13\n\nLe port a rouvert lundi."),
    ],
)
def test_an_impossible_date_is_a_warning_and_no_date(
    tmp_path: Path, name: str, content: str
) -> None:
    (tmp_path / name).write_text(content)
    result = read_file(tmp_path / name)
    assert not result.problems
    (article,) = result.articles
    assert article.date is None  # never stored: no filter or chart meets it later
    (warning,) = result.warnings
    assert "is not a real date" in warning and "undated" in warning

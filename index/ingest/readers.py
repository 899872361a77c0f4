"""Readers: one per format, each turning a file into Articles (or reasons to skip it).

seed / .txt   optional first line " date YYYY-MM", lead, body, subheadings
.md           optional front matter, "# Title", "## subheadings"
.html         main text, title, date and url by trafilatura
.json/.jsonl  records with title, date, url, text or body, optional lang, id, source
.rss/.atom    feed entries (an .xml file too when it holds a feed), see feeds.py

`read_file` is an error boundary: whatever goes wrong with one file (a RecursionError, a
MemoryError, a bug in a parsing library) becomes a reason to skip that file, never an
exception that stops a sync. The work per file is bounded (size, JSON nesting, records,
HTML elements) so that one file cannot stall a build either.
"""

import codecs
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

import trafilatura

from index.ingest.article import Article, ParagraphKind, stable_id, web_url
from index.ingest.errors import BadArticle
from index.ingest.feeds import FEED_SUFFIXES, read_feed
from index.ingest.limits import MAX_HTML_TAGS, MAX_RECORDS, check_json_depth, unexpected
from index.ingest.parse import assemble, blocks, classify, normalise_date

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", *FEED_SUFFIXES)
MAX_FILE_BYTES = 20_000_000
_SEED_DATE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
# Neither pattern may scan past the next delimiter: "[[[[…" or "`x `x `x…" would make them
# quadratic (100,000 of them took 21 s and 46 s).
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)((?:(?!\1)[^\n]){1,1000}?)(?<=\S)\1")


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    problems: list[BadArticle] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read, but something was dropped


def read_file(path: Path, key: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> ReadResult:
    """Read one file; `key` (default: the file name) makes the article id stable."""
    result = ReadResult()
    try:
        _read_into(result, path, key or path.name, max_bytes)
    except BadArticle as problem:
        result.problems.append(problem)
    except Exception as error:  # the boundary: this file is skipped, the sync goes on
        # Articles read before the failure are dropped too: the file is skipped whole, so
        # a sync keeps its old articles until it is fixed.
        result.articles.clear()
        result.problems.append(BadArticle(str(path), unexpected(error)))
    return result


def _read_into(result: ReadResult, path: Path, key: str, max_bytes: int) -> None:
    text = _load_text(path, max_bytes)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise BadArticle(str(path), f"unsupported file type {path.suffix or '(none)'}")
    for item in reader(text, key, str(path)):
        if isinstance(item, BadArticle):
            result.problems.append(item)
            continue
        item.origin = str(path.resolve())
        result.warnings += [f"{path}: {warning}" for warning in item.warnings]
        if item.url and not web_url(item.url):
            result.warnings.append(
                f"{path}: url {item.url[:80]!r} of {item.title[:60]!r} dropped: "
                "only http and https links are kept"
            )
            item.url = None
        result.articles.append(item)


def _load_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadArticle(str(path), f"file too large ({size:,} bytes, limit {max_bytes:,})")
        data = path.read_bytes()
    except OSError as error:
        raise BadArticle(str(path), f"cannot read file: {error.strerror or error}") from error
    # A byte order mark with NULs after it: UTF-16 text (the NULs of its ASCII letters)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data:
        raise BadArticle(str(path), "UTF-16 text (byte order mark): save it as UTF-8")
    if b"\x00" in data:
        raise BadArticle(str(path), "binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArticle(
            str(path), f"not UTF-8 text (byte {data[error.start]:#04x} at {error.start})"
        ) from error
    if not text.strip():
        raise BadArticle(str(path), "empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_plain(text: str, key: str, source: str) -> Iterator[Article]:
    """The seed format, and plain text without the date line."""
    date = None
    if match := _SEED_DATE.match(text):
        date, text = match.group(1), text[match.end() :]
    paragraphs = classify(blocks(text))
    title = None
    if len(paragraphs) > 1 and paragraphs[0][0] == "subheading":
        title = paragraphs.pop(0)[1]
        paragraphs = classify([p for _, p in paragraphs])
    yield _dated(assemble(stable_id(key), source, paragraphs, title=title), date)


def read_markdown(text: str, key: str, source: str) -> Iterator[Article]:
    meta: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        meta = _front_matter(match.group(1))
        text = text[match.end() :]
    title = meta.get("title")
    paragraphs: list[tuple[ParagraphKind, str]] = []
    for block in blocks(text):
        heading = _HEADING.match(block)
        if heading and heading.group(1) == "#" and not paragraphs:
            title = title or _plain_markdown(heading.group(2))  # front matter wins
        elif heading:
            paragraphs.append(("subheading", _plain_markdown(heading.group(2))))
        else:
            paragraphs.append(("body", _plain_markdown(block)))
    yield _from_blocks(paragraphs, meta | {"title": title or ""}, key, source)


def read_html(text: str, key: str, source: str) -> Iterator[Article]:
    # trafilatura's time grows with the square of an element's children (40,000 spans in
    # one paragraph: 19 s); real pages hold a few thousand elements.
    tags = text.count("<")
    if tags > MAX_HTML_TAGS:
        raise BadArticle(source, f"HTML page too complex ({tags:,} tags, limit {MAX_HTML_TAGS:,})")
    body = trafilatura.extract(
        text, output_format="markdown", include_formatting=True, favor_recall=True
    )
    if not body:
        raise BadArticle(source, "no main text found in the HTML page")
    meta = trafilatura.extract_metadata(text)
    fields = {"title": meta.title, "date": meta.date, "url": meta.url} if meta else {}
    for article in read_markdown(body, key, source):
        article.title = fields.get("title") or article.title
        _dated(article, fields.get("date"))
        article.url = fields.get("url")
        article.source = _host(article.url)
        yield article


def read_json(text: str, key: str, source: str) -> Iterator[Article | BadArticle]:
    data = _parse_json(text, source)
    records = data if isinstance(data, list) else [data]
    _check_records(len(records), source)
    many = len(records) > 1
    for number, record in enumerate(records):
        where = f"{source}[{number}]"
        yield _guarded(where, partial(_record, record, key, where, number, many))


def read_jsonl(text: str, key: str, source: str) -> Iterator[Article | BadArticle]:
    lines = [(n, line) for n, line in enumerate(text.split("\n")) if line.strip()]
    _check_records(len(lines), source)
    for number, line in lines:
        where = f"{source}:{number + 1}"
        yield _guarded(where, partial(_line_record, line, key, where, number))


def _line_record(line: str, key: str, where: str, number: int) -> Article:
    record = _parse_json(line.lstrip("\ufeff"), where)  # files joined with cat keep BOMs
    return _record(record, key, where, number, True)


def _guarded(where: str, read: Callable[[], Article]) -> Article | BadArticle:
    """One record in its own boundary: a bad one is reported, its neighbours still read."""
    try:
        return read()
    except BadArticle as problem:
        return problem
    except Exception as error:  # parsing, splitting or language detection broke on it
        return BadArticle(where, unexpected(error))


def _parse_json(text: str, where: str) -> object:
    check_json_depth(text, where)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadArticle(where, f"invalid JSON: {error}") from error


def _check_records(count: int, source: str) -> None:
    if count > MAX_RECORDS:
        raise BadArticle(
            source, f"too many records ({count:,}, limit {MAX_RECORDS:,}): split the file"
        )


def _record(record: object, key: str, where: str, number: int, many: bool) -> Article:
    if not isinstance(record, dict):
        raise BadArticle(where, "a record must be a JSON object")
    body = record.get("text") or record.get("body")
    if not isinstance(body, str) or not body.strip():
        raise BadArticle(where, 'no "text" or "body" string in the record')
    record_key = str(record.get("id") or record.get("url") or (f"{key}#{number}" if many else key))
    paragraphs = classify(blocks(body) if "\n\n" in body else blocks(body.replace("\n", "\n\n")))
    meta = {name: record.get(name) for name in ("title", "date", "url", "source", "lang")}
    meta["lang"] = meta["lang"] or record.get("language")
    return _from_blocks(paragraphs, meta, record_key, where)


def _from_blocks(
    paragraphs: list[tuple[ParagraphKind, str]],
    meta: dict,
    key: str,
    source: str,
) -> Article:
    """Lead = first body paragraph; metadata strings are checked, not trusted."""
    lead_done, kinds = False, []
    for kind, text in paragraphs:
        if kind == "body" and not lead_done:
            kind, lead_done = "lead", True
        kinds.append((kind, text))
    url = _text_field(meta.get("url"))
    article = assemble(
        stable_id(key),
        source,
        kinds,
        title=_text_field(meta.get("title")),
        language=_text_field(meta.get("lang")),
        url=url,
        source=_text_field(meta.get("source")) or _host(url),
    )
    return _dated(article, _text_field(meta.get("date")))


def _dated(article: Article, raw: str | None) -> Article:
    """The article's date from `raw`; one that is no real date (`2024-13`, `2025-02-30`,
    `yesterday`) is a warning and leaves the article undated, never an error later."""
    article.date = normalise_date(raw)
    if raw and article.date is None:
        article.warnings.append(
            f"date {raw[:40]!r} of {article.title[:60]!r} is not a real date "
            "(YYYY, YYYY-MM or YYYY-MM-DD): the article is undated"
        )
    return article


def _text_field(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split())[:500] or None


def _host(url: str | None) -> str | None:
    """The site of a web link; nothing for another scheme (its url is dropped)."""
    return urlparse(url or "").hostname if web_url(url) else None


def _front_matter(block: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in block.splitlines() if ":" in line)
    return {k.strip().lower(): v.strip().strip("\"'") for k, v in pairs}


def _plain_markdown(text: str) -> str:
    return _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", text))


def _read_page(path: Path, key: str, source: str) -> Iterator[Article]:
    """A page a feed entry links to, read as an .html file is."""
    return read_html(_load_text(path, MAX_FILE_BYTES), key, source)


def read_feed_file(text: str, key: str, source: str) -> Iterator[Article | BadArticle]:
    return read_feed(text, key, source, _read_page)


_READERS: dict[str, Callable[[str, str, str], Iterator[Article | BadArticle]]] = {
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".jsonl": read_jsonl,
    **dict.fromkeys(FEED_SUFFIXES, read_feed_file),
}

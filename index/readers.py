"""Readers: one per format, each turning a file into Articles (or reasons to skip it).

seed / .txt   optional first line " date YYYY-MM", lead, body, subheadings
.md           optional front matter, "# Title", "## subheadings"
.html         main text, title, date and url by trafilatura
.json/.jsonl  records with title, date, url, text or body, optional lang, id, source
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import trafilatura

from .article import Article, ParagraphKind, stable_id
from .errors import BadArticle
from .parse import assemble, blocks, classify, normalise_date

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
MAX_FILE_BYTES = 20_000_000
_SEED_DATE = re.compile(r"\A\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b[ \t]*")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    problems: list[BadArticle] = field(default_factory=list)


def read_file(path: Path, key: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> ReadResult:
    """Read one file; `key` (default: the file name) makes the article id stable."""
    key = key or path.name
    result = ReadResult()
    try:
        text = _load_text(path, max_bytes)
        reader = _READERS.get(path.suffix.lower())
        if reader is None:
            raise BadArticle(str(path), f"unsupported file type {path.suffix or '(none)'}")
        for item in reader(text, key, str(path)):
            if isinstance(item, BadArticle):
                result.problems.append(item)
            else:
                item.origin = str(path.resolve())
                result.articles.append(item)
    except BadArticle as problem:
        result.problems.append(problem)
    return result


def _load_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadArticle(str(path), f"file too large ({size:,} bytes, limit {max_bytes:,})")
        data = path.read_bytes()
    except OSError as error:
        raise BadArticle(str(path), f"cannot read file: {error.strerror or error}") from error
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
    yield assemble(stable_id(key), source, paragraphs, title=title, date=date)


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
    body = trafilatura.extract(
        text, output_format="markdown", include_formatting=True, favor_recall=True
    )
    if not body:
        raise BadArticle(source, "no main text found in the HTML page")
    meta = trafilatura.extract_metadata(text)
    fields = {"title": meta.title, "date": meta.date, "url": meta.url} if meta else {}
    for article in read_markdown(body, key, source):
        article.title = fields.get("title") or article.title
        article.date = normalise_date(fields.get("date"))
        article.url = fields.get("url")
        article.source = _host(article.url)
        yield article


def read_json(text: str, key: str, source: str) -> Iterator[Article | BadArticle]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadArticle(source, f"invalid JSON: {error}") from error
    records = data if isinstance(data, list) else [data]
    for number, record in enumerate(records):
        yield from _record(record, key, f"{source}[{number}]", number, len(records) > 1)


def read_jsonl(text: str, key: str, source: str) -> Iterator[Article | BadArticle]:
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        where = f"{source}:{number + 1}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield BadArticle(where, f"invalid JSON: {error}")
            continue
        yield from _record(record, key, where, number, True)


def _record(
    record: object, key: str, where: str, number: int, many: bool
) -> Iterator[Article | BadArticle]:
    """One JSON record; a bad one is reported, its neighbours are still read."""
    if not isinstance(record, dict):
        yield BadArticle(where, "a record must be a JSON object")
        return
    body = record.get("text") or record.get("body")
    if not isinstance(body, str) or not body.strip():
        yield BadArticle(where, 'no "text" or "body" string in the record')
        return
    record_key = str(record.get("id") or record.get("url") or (f"{key}#{number}" if many else key))
    paragraphs = classify(blocks(body) if "\n\n" in body else blocks(body.replace("\n", "\n\n")))
    meta = {name: record.get(name) for name in ("title", "date", "url", "source", "lang")}
    meta["lang"] = meta["lang"] or record.get("language")
    try:
        yield _from_blocks(paragraphs, meta, record_key, where)
    except BadArticle as problem:
        yield problem


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
    return assemble(
        stable_id(key),
        source,
        kinds,
        title=_text_field(meta.get("title")),
        language=_text_field(meta.get("lang")),
        date=normalise_date(_text_field(meta.get("date"))),
        url=url,
        source=_text_field(meta.get("source")) or _host(url),
    )


def _text_field(value: object) -> str | None:
    return " ".join(value.split())[:500] or None if isinstance(value, str) else None


def _host(url: str | None) -> str | None:
    try:
        return urlparse(url).hostname if url else None
    except ValueError:  # "http://[bad": a url that does not parse has no host to give
        return None


def _front_matter(block: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in block.splitlines() if ":" in line)
    return {k.strip().lower(): v.strip().strip("\"'") for k, v in pairs}


def _plain_markdown(text: str) -> str:
    return _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", text))


_READERS: dict[str, Callable[[str, str, str], Iterator[Article | BadArticle]]] = {
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".jsonl": read_jsonl,
}

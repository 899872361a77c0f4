"""RSS 2.0 and Atom feeds: each entry is an article (title, date, link, text).

The text is the entry's content, else its summary; when the entry links to an HTML page
saved beside the feed (a relative link, or a web link whose last path segment names a
file in the feed's folder or its `.pages/` folder), the page's main text is used instead:
feeds often carry only a teaser. Parsing is feedparser's, on the text we read: it fetches
nothing (no network at run time).
"""

import html
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import feedparser

from index.ingest.article import Article, stable_id, web_url
from index.ingest.errors import BadArticle
from index.ingest.limits import MAX_FEED_TAGS, MAX_RECORDS
from index.ingest.parse import assemble, blocks, classify

FEED_SUFFIXES = (".rss", ".atom", ".xml")
PAGE_FOLDER = ".pages"  # hidden: a sync does not read its pages on their own
# Block-level tags end a paragraph; every other tag is dropped (feedparser sanitised them).
_BLOCK = re.compile(r"<\s*/?\s*(?:p|div|br|li|h[1-6]|blockquote|tr|section|article)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_FEED_ROOT = re.compile(r"<(?:[\w-]+:)?(rss|feed|RDF)\b", re.I)

ReadPage = Callable[[Path, str, str], Iterator[Article]]


def looks_like_feed(text: str) -> bool:
    """An .xml file holds a feed when its root element is rss, feed (Atom) or rdf:RDF."""
    head = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text[:4096], flags=re.S)
    match = _FEED_ROOT.search(head)
    if match is None:
        return False
    return not head[: match.start()].strip("\ufeff \t\n")


def read_feed(
    text: str, key: str, source: str, read_page: ReadPage
) -> Iterator[Article | BadArticle]:
    """One article per entry; `read_page(path, key, source)` reads a linked HTML page."""
    if Path(source).suffix.lower() == ".xml" and not looks_like_feed(text):
        raise BadArticle(source, "XML file that is not an RSS or Atom feed")
    if (tags := text.count("<")) > MAX_FEED_TAGS:
        raise BadArticle(source, f"feed too complex ({tags:,} tags, limit {MAX_FEED_TAGS:,})")
    parsed = feedparser.parse(text, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f"not a readable feed: {problem}" if problem else "a feed with no entries"
        raise BadArticle(source, reason[:200])
    if len(parsed.entries) > MAX_RECORDS:
        count = len(parsed.entries)
        raise BadArticle(source, f"too many entries ({count:,}, limit {MAX_RECORDS:,})")
    outlet = _clean(parsed.feed.get("title"))
    for number, entry in enumerate(parsed.entries):
        where = f"{source}[{number}]"
        try:
            yield _entry(entry, key, where, source, outlet, read_page)
        except BadArticle as problem:
            yield problem


def _entry(
    entry: dict, key: str, where: str, source: str, outlet: str | None, read_page: ReadPage
) -> Article:
    link = _clean(entry.get("link"))
    entry_key = str(entry.get("id") or link or f"{key}#{entry.get('title', '')}")
    page = _linked_page(link, Path(source).parent)
    if page is not None:
        article = next(read_page(page, entry_key, where))
    else:
        article = _from_html(_entry_html(entry), entry_key, where)
    article.title = _clean(entry.get("title")) or article.title
    article.date = _date(entry) or article.date
    article.url = link if web_url(link) else article.url
    host = urlparse(article.url).hostname if article.url else None
    article.source = host or outlet or article.source
    return article


def _entry_html(entry: dict) -> str:
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return max(contents, key=len, default="") or entry.get("summary", "") or ""


def _from_html(fragment: str, key: str, where: str) -> Article:
    text = html.unescape(_TAG.sub(" ", _BLOCK.sub("\n\n", fragment)))
    paragraphs = classify(blocks(text))
    if not paragraphs:
        raise BadArticle(where, "an entry with no content or summary")
    return assemble(stable_id(key), where, paragraphs)


def _linked_page(link: str | None, folder: Path) -> Path | None:
    """The HTML page an entry links to, if it is saved in the feed's folder; nothing
    outside that folder is ever read."""
    if not link:
        return None
    parsed = urlparse(link)
    if parsed.scheme in ("http", "https"):
        name = PurePosixPath(unquote(parsed.path)).name
        tries = [folder / name, folder / PAGE_FOLDER / name] if name else []
    elif not parsed.scheme and not parsed.netloc:
        tries = [folder / unquote(parsed.path)]
    else:
        return None
    root = folder.resolve()
    for path in tries:
        found = path.resolve()
        inside = found.is_relative_to(root)
        if inside and found.suffix.lower() in (".html", ".htm") and found.is_file():
            return found
    return None


def _date(entry: dict) -> str | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if isinstance(value, time.struct_time):
            return time.strftime("%Y-%m-%d", value)
    return None


def _clean(value: object) -> str | None:
    return " ".join(html.unescape(value).split())[:500] or None if isinstance(value, str) else None

"""The article data model shared by readers, the store and the answers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

ParagraphKind = Literal["lead", "body", "subheading"]
_WEB_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    kind: ParagraphKind
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    position: int
    paragraph: int
    start: int
    end: int


@dataclass
class Article:
    """One article: `text` is the paragraphs joined by blank lines; offsets point into it."""

    id: str
    title: str
    text: str
    paragraphs: list[Paragraph]
    date: str | None = None
    url: str | None = None
    source: str | None = None
    language: str = "en"
    origin: str | None = None  # the file or record key it was read from, for syncing
    sentences: list[Sentence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read, but something was dropped

    @property
    def content_hash(self) -> str:
        """Changes whenever anything that is indexed changes."""
        parts = [self.title, self.date or "", self.url or "", self.source or "", self.text]
        parts += [f"{p.kind}:{p.start}:{p.end}" for p in self.paragraphs]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def sentence_text(self, sentence: Sentence) -> str:
        return self.text[sentence.start : sentence.end]


def stable_id(key: str) -> str:
    """The same source path or url gives the same id on every rebuild."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) link to a host, else None: nothing else may become a link.

    The raw text must begin with the scheme, so that browsers' leniency (" javascript:",
    "java\\tscript:") cannot turn something else into one.
    """
    if not url or not _WEB_URL.match(url):
        return None
    try:
        return url if urlsplit(url).hostname else None
    except ValueError:  # "http://[bad": a url that does not parse is no link
        return None

"""Shared steps of every reader: paragraphs → article text, offsets, language, sentences."""

import datetime
import re

from index.ingest.article import Article, Paragraph, ParagraphKind, Sentence
from index.ingest.errors import BadArticle
from index.ingest.language import detect_language
from index.ingest.sentences import split_sentences

_FINAL_PUNCTUATION = tuple(".!?…;:»\"”'")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
TITLE_LENGTH = 90


def is_subheading(line: str) -> bool:
    """Short lines without final punctuation are subheadings, not sentences."""
    return len(line) <= 100 and len(line.split()) <= 12 and not line.endswith(_FINAL_PUNCTUATION)


def blocks(text: str) -> list[str]:
    """Paragraphs separated by blank lines, whitespace inside each folded to one space."""
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]


def classify(paragraphs: list[str]) -> list[tuple[ParagraphKind, str]]:
    """First real paragraph is the lead, short unpunctuated lines are subheadings."""
    kinds: list[tuple[ParagraphKind, str]] = []
    for text in paragraphs:
        has_lead = any(kind == "lead" for kind, _ in kinds)
        kind: ParagraphKind = "subheading" if is_subheading(text) else "body"
        kinds.append(("lead" if kind == "body" and not has_lead else kind, text))
    return kinds


def normalise_date(value: object) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD (a longer ISO timestamp keeps its date); None for no
    date and for an impossible one (month 13, 31 April, year 0): never stored, so nothing
    later (filters, the admin chart) meets it."""
    match = _DATE.match(str(value).strip()) if value else None
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        datetime.date(year or 0, month or 1, day or 1)
    except ValueError:
        return None
    return "-".join(part for part in match.groups() if part)


def shorten(sentence: str, limit: int = TITLE_LENGTH) -> str:
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def assemble(
    article_id: str,
    where: str,
    paragraphs: list[tuple[ParagraphKind, str]],
    *,
    title: str | None = None,
    language: str | None = None,
    url: str | None = None,
    source: str | None = None,
) -> Article:
    """Join paragraphs into one text, split sentences, derive what is missing."""
    spans, pieces, offset = [], [], 0
    for kind, text in paragraphs:
        spans.append(Paragraph(kind, offset, offset + len(text)))
        pieces.append(text)
        offset += len(text) + 2
    text = "\n\n".join(pieces)
    sentences = _sentences(text, spans)
    if not sentences:
        raise BadArticle(where, "no sentences to index (empty or only headings)")
    language = language if language in ("fr", "en") else detect_language(text)
    first = text[sentences[0].start : sentences[0].end]
    return Article(
        id=article_id,
        title=title or shorten(first),
        text=text,
        paragraphs=spans,
        language=language,
        sentences=sentences,
        url=url,
        source=source,
    )


def _sentences(text: str, paragraphs: list[Paragraph]) -> list[Sentence]:
    found: list[Sentence] = []
    for number, paragraph in enumerate(paragraphs):
        if paragraph.kind == "subheading":
            continue
        for start, end in split_sentences(text, paragraph.start, paragraph.end):
            found.append(Sentence(len(found), number, start, end))
    return found

"""Hypothesis against every reader: any file gives whole articles with exact offsets, or a
clear reason to skip it; never an exception, never an article without its sentences.

Then the inputs that once crashed or stalled a sync (issue 13), each with its exact reason
and a bound on its time, and faults of every kind injected into the libraries the readers
use: the file is skipped, the sync indexes every other file.
"""

import codecs
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import trafilatura
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from syntok import segmenter

from index.embedded.backend import EmbeddedBackend
from index.embedding.embed import Embedder
from index.ingest.readers import read_file
from index.sync import sync_folder
from tests.conftest import DATA

FORMATS = [".txt", ".md", ".html", ".json", ".jsonl", ".rss", ".atom", ".xml"]
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.sampled_from(
    ["Le", "port", "a", "rouvert", "lundi.", "The", "bridge", "will", "cost", "420", "million",
     "dollars.", "«", "»", "Dr.", "M.", "3,5", "km", "?", "!", "…", "\n", "\n\n", "#", "---",
     "date 2024-05", "<p>", "</p>", "é", "\u200b", "\r\n", "\t", '"', "{", "}"]
)  # fmt: skip
prose = st.lists(words, max_size=80).map(" ".join)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | prose,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
record = st.fixed_dictionaries(
    {},
    optional={
        "text": json_value | prose,
        "body": json_value | prose,
        "title": json_value,
        "date": json_value | st.just("2024-13-45") | st.just("1999"),
        "url": json_value | st.just("http://[bad") | st.just("https://example.org/a"),
        "source": json_value,
        "lang": json_value | st.sampled_from(["fr", "en", "de", ""]),
        "id": json_value,
    },
)


def invalid_utf8(text: str, at: int, byte: int) -> bytes:
    data = text.encode()
    at = min(at, len(data))
    return data[:at] + bytes([byte]) + data[at:]


contents = st.one_of(
    st.binary(max_size=3000),  # random bytes
    prose.map(str.encode),
    st.builds(invalid_utf8, prose, st.integers(0, 400), st.integers(0x80, 0xFF)),
    st.builds(lambda w, n: (w * n).encode(), st.sampled_from(["a", "mot ", "x.", "<b>"]),
              st.integers(10_000, 60_000)),  # huge lines
    st.builds(lambda depth, text: ("<div>" * depth + f"<p>{text}</p>" + "</div>" * depth).encode(),
              st.integers(1, 3000), prose),  # deeply nested HTML
    json_value.map(lambda v: json.dumps(v).encode()),  # JSON of any shape
    st.lists(record, max_size=4).map(lambda r: json.dumps(r).encode()),
    st.lists(record | json_value, max_size=5).map(
        lambda rows: "\n".join(json.dumps(r) for r in rows).encode()
    ),  # JSON lines, some of the wrong shape
    st.sampled_from([b"", b"   \n\n\t", b"\xef\xbb\xbf", b"\x00", b"---\n---\n", b"# \n\n##"]),
    st.builds(lambda n, pair: (pair[0] * n + pair[1] * n).encode(), st.integers(1, 200_000),
              st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"text": [', "]}")])),  # deep JSON
    st.builds(lambda n: "".join("  " * i + "- item.\n" for i in range(n)).encode(),
              st.integers(1, 1500)),  # deeply nested Markdown lists
    st.builds(lambda n, text: (">" * n + " " + text).encode(), st.integers(1, 100_000), prose),
    st.builds(lambda w, n: (w * n).encode(), st.sampled_from(["[", "`x ", "*a", "](", "> "]),
              st.integers(1_000, 100_000)),  # long lines of Markdown delimiters
    st.builds(lambda n: b'{"text": "Un."}\n' * n, st.integers(1, 12_000)),  # many tiny records
    st.builds(lambda a, b: a.encode() + b.encode("latin-1", "replace"), prose, prose),  # mixed
    st.builds(lambda text, at: text.encode()[:at] + b"\x00" + text.encode()[at:], prose,
              st.integers(0, 400)),  # a NUL byte
    st.builds(lambda bom, text: bom + text.encode("utf-16" if bom != codecs.BOM_UTF8 else "utf-8"),
              st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]), prose),
)  # fmt: skip


def assert_whole(path: Path) -> None:
    result = read_file(path)
    for problem in result.problems:
        assert problem.reason.strip() and str(problem).startswith(str(path))
    for article in result.articles:
        assert article.title.strip() and article.language in ("fr", "en") and article.id
        assert article.sentences, "an article without sentences"
        for number, paragraph in enumerate(article.paragraphs):
            assert 0 <= paragraph.start < paragraph.end <= len(article.text)
            assert article.text[paragraph.start : paragraph.end].strip()
            if number:
                assert paragraph.start >= article.paragraphs[number - 1].end
        for position, sentence in enumerate(article.sentences):
            paragraph = article.paragraphs[sentence.paragraph]
            assert sentence.position == position and paragraph.kind != "subheading"
            assert paragraph.start <= sentence.start < sentence.end <= paragraph.end
            assert article.sentence_text(sentence).strip()


@FUZZ
@given(suffix=st.sampled_from(FORMATS), data=contents)
@example(".json", b'{"text": "The bridge will cost more.", "url": "http://[bad"}')  # was a crash
@example(".html", ("<div>" * 3000 + "<p>Le port a rouvert lundi.</p>" + "</div>" * 3000).encode())
@example(".txt", b"mot " * 60_000)
def test_any_file_is_read_whole_or_skipped_with_a_reason(suffix: str, data: bytes) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"article{suffix}"
        path.write_bytes(data)
        assert_whole(path)


DEEP = 100_000
RSS = '<rss version="2.0"><channel><item><description>{}</description></item></channel></rss>'
# Entities that expand a billion times, and one that names a file: neither is expanded.
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8))
    + "]>"
)
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
TOO_DEEP = "JSON nested deeper than 100 levels"
LINES = "".join("  " * i + "- Le port a rouvert lundi.\n" for i in range(3000))
# (file name, content, the reason it is skipped; None: read as one article at least)
HOSTILE = [
    ("deep.json", "[" * DEEP + "]" * DEEP, TOO_DEEP),
    ("deep-object.json", '{"a":' * DEEP + "1" + "}" * DEEP, TOO_DEEP),
    ("deep-text.json", '{"text": ' + "[" * DEEP + "]" * DEEP + "}", TOO_DEEP),
    ("deep.html", "<div>" * DEEP + "<p>Le port a rouvert.</p>" + "</div>" * DEEP,
     "HTML page too complex (200,002 tags, limit 50,000)"),
    ("spans.html", "<p>" + "<span>mot</span> " * 40_000 + ".</p>",
     "HTML page too complex (80,002 tags, limit 50,000)"),  # took 19 s
    ("lists.md", "# Listes\n\n" + LINES, None),
    ("quotes.md", "# Citations\n\n" + ">" * DEEP + " Le port a rouvert lundi.", None),
    ("brackets.md", "# Liens\n\n" + "[" * DEEP + " fin de la phrase.", None),  # took 21 s
    ("backticks.md", "# Code\n\nDu " + "`x " * 50_000 + " fin.", None),  # took 46 s
    ("long-line.txt", "Le port a rouvert lundi. " * 40_000, None),
    ("tiny.jsonl", '{"text": "Un."}\n' * 10_001,
     "too many records (10,001, limit 10,000): split the file"),
    ("mixed.txt", "Un été ".encode() + "très chaud à Orléans.".encode("latin-1"),
     "not UTF-8 text (byte 0xe8 at 11)"),
    ("nul.md", b"# Titre\n\nLe port a rouvert\x00 lundi.", "binary file, not text"),
    ("utf16.txt", codecs.BOM_UTF16_LE + "Le port a rouvert lundi.".encode("utf-16-le"),
     "UTF-16 text (byte order mark): save it as UTF-8"),
    ("bom.md", codecs.BOM_UTF8 + b"# Titre\n\nLe port a rouvert lundi.", None),
    ("deep.rss", RSS.format("<div>" * DEEP + "Le port." + "</div>" * DEEP),
     "feed too complex (200,008 tags, limit 200,000)"),
    ("many.rss", RSS.format("</description></item><item><description>Le port." * 10_000),
     "too many entries (10,001, limit 10,000)"),
    ("laughs.rss", LAUGHS + RSS.format("&i; Le port a rouvert lundi."), None),
    ("external.rss", EXTERNAL + RSS.format("&x; Le port a rouvert lundi."), None),
    ("broken.rss", RSS.format("Le port a rouvert lundi." + "<p>" * 50_000), None),
    ("sitemap.xml", "<urlset>" + "<url>x</url>" * 1000 + "</urlset>",
     "XML file that is not an RSS or Atom feed"),
]  # fmt: skip


# Plain words, French and English: sentences that any splitter ends at their full stop.
PLAIN = (
    "port bridge river ship harbour council workers strike city opened closed pont rivière "
    "navire ville grève trois"
).split()
phrase = st.lists(st.sampled_from(PLAIN), min_size=2, max_size=10).map(" ".join)
sentence = phrase.map(lambda text: text.capitalize() + ".")
well_formed = st.fixed_dictionaries(
    {
        "title": phrase.map(str.capitalize),
        "paragraphs": st.lists(st.lists(sentence, min_size=1, max_size=4), min_size=1, max_size=3),
    },
    optional={"date": st.dates().map(lambda day: day.isoformat()[:7]), "url": st.just(True)},
)


@FUZZ
@given(
    suffix=st.sampled_from([".json", ".jsonl"]),
    given_records=st.lists(well_formed, min_size=1, max_size=5),
)
def test_well_formed_records_become_their_articles(suffix: str, given_records: list) -> None:
    """The other side of the property above, which a reader that refused every file would
    pass: each well-formed record is one article, of its title, date, url and sentences."""
    records = [
        {
            "title": drawn["title"],
            "text": "\n\n".join(" ".join(paragraph) for paragraph in drawn["paragraphs"]),
            **({"date": drawn["date"]} if "date" in drawn else {}),
            **({"url": f"https://example.org/{number}"} if "url" in drawn else {}),
        }
        for number, drawn in enumerate(given_records)
    ]
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"records{suffix}"
        lines = [json.dumps(record) for record in records]
        path.write_text("\n".join(lines) if suffix == ".jsonl" else f"[{', '.join(lines)}]")
        result = read_file(path)
    assert result.problems == [] and result.warnings == []
    assert [a.title for a in result.articles] == [r["title"] for r in records]
    assert [a.date for a in result.articles] == [r.get("date") for r in records]
    assert [a.url for a in result.articles] == [r.get("url") for r in records]
    assert len({a.id for a in result.articles}) == len(records)
    for article, drawn in zip(result.articles, given_records, strict=True):
        said = [article.sentence_text(s) for s in article.sentences]
        assert said == [text for paragraph in drawn["paragraphs"] for text in paragraph]


@pytest.mark.parametrize(("name", "content", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_read_or_skipped_fast(
    tmp_path: Path, name: str, content: str | bytes, reason: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    started = time.monotonic()
    result = read_file(path)
    assert time.monotonic() - started < 10  # each took 19-46 s, or crashed, before
    if reason is None:
        assert result.problems == [] and result.articles
        assert not result.articles[0].title.startswith("\ufeff")
    else:
        assert result.articles == []
        assert [str(p) for p in result.problems] == [f"{path}: {reason}"]
    assert_whole(path)


def test_a_bad_record_is_skipped_and_its_neighbours_read(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"title": "Loire", "text": "La Loire est en crue depuis lundi."})
    bom = "\ufeff" + json.dumps({"title": "Rhin", "text": "Le Rhin est bas cette semaine."})
    path.write_text("\n".join([good, "[" * DEEP + "]" * DEEP, bom]))
    result = read_file(path)
    assert [a.title for a in result.articles] == ["Loire", "Rhin"]
    assert [str(p) for p in result.problems] == [f"{path}:2: {TOO_DEEP}"]


class LibraryBug(Exception):
    """An exception type nobody could have listed in advance."""


FAULTS: list[tuple[type[BaseException], tuple]] = [
    (RecursionError, ("maximum recursion depth exceeded",)),
    (MemoryError, ()),
    (ValueError, ("bad value",)),
    (TypeError, ("unsupported operand",)),
    (KeyError, ("lang",)),
    (IndexError, ("list index out of range",)),
    (AttributeError, ("'NoneType' object has no attribute 'text'",)),
    (UnicodeDecodeError, ("utf-8", b"\xff", 0, 1, "invalid start byte")),
    (OSError, (5, "Input/output error")),
    (AssertionError, ()),
    (ZeroDivisionError, ("division by zero",)),
    (OverflowError, ("int too large to convert",)),
    (NotImplementedError, ()),
    (StopIteration, ()),
    (etree.ParserError, ("Document is empty",)),
    (LibraryBug, ("a bug in a library",)),
]
POISON = "POISON"


def poisoned(real: Callable, fault: tuple[type[BaseException], tuple]) -> Callable:
    """The real library function, except that it raises `fault` on a text holding POISON."""

    def call(text: str, *args: object, **kwargs: object) -> object:
        if POISON in text:
            kind, arguments = fault
            raise kind(*arguments)
        return real(text, *args, **kwargs)

    return call


# The libraries of three readers: HTML extraction (trafilatura), sentence splitting (syntok,
# behind Markdown here) and JSON parsing (one JSONL record).
TARGETS = [(trafilatura, "extract"), (segmenter, "analyze"), (json, "loads")]
REAL = {(module, name): getattr(module, name) for module, name in TARGETS}


def poison(monkeypatch: pytest.MonkeyPatch, fault: tuple[type[BaseException], tuple]) -> None:
    for module, name in TARGETS:
        monkeypatch.setattr(module, name, poisoned(REAL[module, name], fault))


def poisoned_folder(folder: Path) -> dict[str, str]:
    """Good articles next to one poisoned file per reader; returns the poisoned sources."""
    folder.mkdir()
    shutil.copy(DATA / "harbour-bridge.md", folder)
    shutil.copy(DATA / "rivers.jsonl", folder)
    good = json.dumps({"title": "Good", "text": "A good record sits next to a poisoned one."})
    (folder / "feed.jsonl").write_text(good + "\n" + json.dumps({"text": f"{POISON}."}) + "\n")
    (folder / "page.html").write_text(f"<html><body><p>{POISON} in a page.</p></body></html>")
    (folder / "notes.md").write_text(f"# Notes\n\nThe {POISON} is in this sentence.")
    return {str(folder / "page.html"), str(folder / "notes.md"), f"{folder / 'feed.jsonl'}:2"}


def test_a_fault_of_any_kind_in_a_reader_skips_one_file_and_the_sync_goes_on(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, index_dir = tmp_path / "articles", tmp_path / "index"
    sources = poisoned_folder(folder)
    indexed: set[str] = set()
    for fault in FAULTS:
        poison(monkeypatch, fault)
        report = sync_folder(index_dir, folder, embedder)
        assert {p.source for p in report.problems} == sources, fault
        # a StopIteration that leaves a generator turns into a RuntimeError (PEP 479)
        kinds = {fault[0].__name__, "RuntimeError" if fault[0] is StopIteration else ""}
        for problem in report.problems:
            assert problem.reason.startswith("could not be read: ")
            assert problem.reason.removeprefix("could not be read: ").split(":")[0] in kinds
        assert report.removed == [] and report.updated == []
        indexed |= set(report.added)
        assert set(report.unchanged) == indexed - set(report.added)
        if fault[0] is RecursionError:  # the case of issue 13, word for word
            notes = next(p for p in report.problems if p.source.endswith("notes.md"))
            assert str(notes) == (
                f"{folder / 'notes.md'}: could not be read: "
                "RecursionError: maximum recursion depth exceeded"
            )
    assert len(indexed) == 4  # the bridge, two rivers and the good record
    with EmbeddedBackend(index_dir).reader() as store:
        assert store.check() == []
        assert {a["title"] for a in store.list_articles()} >= {"Good"}


def test_an_interrupt_still_stops_a_sync(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The boundary catches errors, not a Ctrl-C (KeyboardInterrupt is no Exception)."""
    poisoned_folder(tmp_path / "articles")
    poison(monkeypatch, (KeyboardInterrupt, ()))
    with pytest.raises(KeyboardInterrupt):
        sync_folder(tmp_path / "index", tmp_path / "articles", embedder)
    assert not (tmp_path / "index").exists() or not list((tmp_path / "index").glob("gen-*"))

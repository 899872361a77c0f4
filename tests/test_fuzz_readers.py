"""Hypothesis against every reader: any file gives whole articles with exact offsets, or a
clear reason to skip it; never an exception, never an article without its sentences."""

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from index.readers import read_file

FORMATS = [".txt", ".md", ".html", ".json", ".jsonl"]
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

"""Bounds on the work one file may cause, and the reason given when anything else breaks.

A file past a bound is skipped with a reason that names the bound, so that one file can
neither crash nor stall a sync (issue 13: a JSON file nested 100,000 levels deep).
"""

import re

from index.ingest.errors import BadArticle

MAX_JSON_DEPTH = 100  # articles are flat records; real feeds nest a few levels
MAX_RECORDS = 10_000  # records in one .json or .jsonl file
MAX_HTML_TAGS = 50_000  # tags (opening and closing) of one HTML page, see readers.read_html
# Tags of one feed: 10,000 entries of ~15 tags. feedparser's loose parser took 4.8 s on
# 200,000 nested ones.
MAX_FEED_TAGS = 200_000
_REASON_CHARS = 200
# A JSON string (brackets inside it do not nest) or one bracket. An unterminated string
# runs to the end, and nothing backtracks: the scan stays linear on any input.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*+\\?(?:"|\Z)|[\[\]{}]', re.S)


def check_json_depth(text: str, where: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` before parsing it: Python's parser would
    recurse into it. Linear, and stops at the first bracket past the limit."""
    if text.count("[") + text.count("{") <= limit:
        return  # cannot be that deep: the common case costs two counts
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                raise BadArticle(where, f"JSON nested deeper than {limit} levels")
        elif token in ("]", "}"):
            depth -= 1


def unexpected(error: BaseException) -> str:
    """The reason for a failure no reader foresaw: its kind and the start of its message."""
    message = " ".join(str(error).split())[:_REASON_CHARS]
    return f"could not be read: {type(error).__name__}" + (f": {message}" if message else "")

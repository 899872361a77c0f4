"""Time in questions: "en juin 2025", "hier", "last week", "since March" become a date
filter, "latest" / "dernières nouvelles" a preference for the newest articles.

Our patterns find the words (a time expression is only taken where the question says one:
a bare month or year needs "in", "en", "since"…, so "May" the verb and "the 2024 election"
stay words); dateparser, with its French and English rules, turns them into a date and its
period. dateparser's own search finds dates in too much ("a", "sept", "now"): measured in
bench/time_questions.py. Nothing is downloaded: languages are given, never detected.

Relative words ("hier", "last week") count from the anchor: today for a collection whose
newest article is recent, else that newest article's date (an archive: "last week" of a
2025 archive read in 2026 means its last week, not a week where it holds nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal

from dateparser.date import DateDataParser  # type: ignore[import-untyped]

RECENT_DAYS = 30  # "latest": the newest month of the collection first
LIVE_DAYS = 31  # a collection with an article this recent counts from today
Kind = Literal["period", "since", "until", "recent"]

_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre|january|february|march|april|may|june|july|august|"
    "september|october|november|december"
)
_DAY = r"\d{1,2}(?:er|st|nd|rd|th)?(?!\d)"
_YEAR = r"(?:1\d|20)\d{2}(?!\d)"
_YEARS = rf"{_YEAR}\s*[-–]\s*(?:\d{{4}}|\d{{2}})(?!\d)"  # 1950-1973, a fiscal 2003-04
_NUMBER = (
    r"(?:\d+|une?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|a)"
)
_UNIT = r"(?:days?|weeks?|months?|years?|jours?|semaines?|mois|ans?|années?)"
_RELATIVE = (
    r"avant-hier|hier|yesterday|aujourd'hui|today(?!'s)|"
    r"(?:la |cette )?semaine (?:dernière|passée)|(?:le |ce )?mois (?:dernier|passé)|"
    r"l'(?:an|année) (?:dernier|dernière|passée)|l'année passée|"
    r"cette semaine|ce mois-ci|cette année|"
    r"(?:last|past|this|previous) (?:week|month|year)|"
    rf"il y a {_NUMBER} {_UNIT}|{_NUMBER} {_UNIT} ago"
)
# Needs no preposition: a day, a month with its year, an ISO date, a relative period.
_DATE = (
    rf"{_YEARS}|{_YEAR}-\d{{2}}-\d{{2}}(?!\d)|"
    rf"{_DAY}\s+(?:de\s+)?(?:{_MONTHS})(?:,?\s+{_YEAR})?|"
    rf"(?:{_MONTHS})\s+{_DAY}(?:,?\s+{_YEAR})?|"
    rf"(?:{_MONTHS}),?\s+(?:de\s+|of\s+)?{_YEAR}|{_RELATIVE}"
)
_BARE = rf"(?:{_MONTHS})\b|{_YEAR}"  # needs a preposition
_SINCE = r"since|from|depuis|dès|à partir d[eu']|à compter d[eu']"
_AFTER = r"after|après"
_UNTIL = r"until|till|up to|jusqu'à|jusqu'en|jusqu'au"
_BEFORE = r"before|avant"
_IN = r"in|on|during|en|au cours d[eu']|durant|pendant|le|au mois d[e']|in the month of"
_PREFIXES = {"since": _SINCE, "after": _AFTER, "until": _UNTIL, "before": _BEFORE, "within": _IN}
_PREFIX = "|".join(f"(?P<{name}>{words})" for name, words in _PREFIXES.items())
_LAST_N = (
    rf"(?:over |in |during )?the (?:last|past) (?P<n_en>{_NUMBER}) (?P<unit_en>{_UNIT})|"
    rf"(?:ces|les|des) (?P<n_fr>{_NUMBER}) (?:derniers|dernières) (?P<unit_fr>{_UNIT})"
)
_BETWEEN = (
    rf"(?:between|entre|from|de|du)\s+(?P<first>{_DATE}|{_BARE})\s+"
    rf"(?:and|et|to|à|au)\s+(?P<last>{_DATE}|{_BARE})"
)
_RECENT = (
    r"(?:the )?latest|most recent|newest|recent news|what's new|what is new|"
    r"dernières (?:nouvelles|informations|actualités|infos)|quoi de neuf|"
    r"(?:nouvelles|informations|actualités|infos) récentes|"
    r"(?:les |la |le )?plus récente?s?|récemment|recently|ces derniers jours|"
    r"these (?:last|past) few days"
)
_EXPRESSION = re.compile(
    rf"\b(?:{_BETWEEN}|(?:{_PREFIX})\s+(?P<core>{_DATE}|{_BARE})|(?P<alone>{_DATE})|"
    rf"{_LAST_N}|(?P<recent>{_RECENT}))(?!\w)",
    re.IGNORECASE,
)

_ABSOLUTE = re.compile(_YEAR)


@dataclass(frozen=True)
class TimeFilter:
    """What the question's time words restrict the search to. `since`/`until`: YYYY,
    YYYY-MM or YYYY-MM-DD, inclusive, as Filters takes them."""

    kind: Kind
    since: str | None
    until: str | None
    words: str  # as the question said it
    anchor: str | None  # the day relative words counted from, if they did


@dataclass(frozen=True)
class Reading:
    keywords: str  # the question without its time words: what keyword search looks for
    filter: TimeFilter | None


def mentions_time(question: str) -> bool:
    """Cheap first look, before the anchor is looked up."""
    return _EXPRESSION.search(question.replace("’", "'")) is not None


def read_time(question: str, anchor: date) -> Reading:
    """The first time expression of the question, as a filter, and the question without it."""
    text = question.replace("’", "'")
    for match in _EXPRESSION.finditer(text):
        found = _interpret(match, anchor)
        if found is not None:
            rest = f"{text[: match.start()]} {text[match.end() :]}"
            return Reading(" ".join(rest.split()), found)
    return Reading(question, None)


def anchor_for(newest: str | None, today: date) -> date:
    """Today for a live collection, the end of its newest article's period for an archive."""
    if newest is None:
        return today
    end = _period_end(newest)
    return today if end is None or end >= today - timedelta(days=LIVE_DAYS) else end


def _interpret(match: re.Match[str], anchor: date) -> TimeFilter | None:
    words = match.group(0)
    # "juin 2025" needs no anchor; "juin", "hier" and "latest" count from it
    relative = None if _ABSOLUTE.search(words) and not match.group("recent") else anchor.isoformat()
    if match.group("recent"):
        since = (anchor - timedelta(days=RECENT_DAYS)).isoformat()
        return TimeFilter("recent", since, None, words, relative)
    if match.group("first"):
        first, last = _span(match.group("first"), anchor), _span(match.group("last"), anchor)
        if first is None or last is None:
            return None
        return TimeFilter("period", first[0], last[1], words, relative)
    if count := match.group("n_en") or match.group("n_fr"):
        ago = f"{count} {match.group('unit_en')} ago" if match.group("n_en") else None
        start = _parse(ago or f"il y a {count} {match.group('unit_fr')}", anchor)
        return TimeFilter("since", start[0].isoformat(), None, words, relative) if start else None
    core = match.group("core") or match.group("alone")
    span = _span(core, anchor) or _span(words, anchor)  # "le mois dernier" only whole
    if span is None:
        return None
    since, until = span
    if match.group("since"):
        return TimeFilter("since", since, None, words, relative)
    if match.group("after"):
        return TimeFilter("since", _shift(until, 1), None, words, relative)
    if match.group("until"):
        return TimeFilter("until", None, until, words, relative)
    if match.group("before"):
        return TimeFilter("until", None, _shift(since, -1), words, relative)
    return TimeFilter("period", since, until, words, relative)


def _span(words: str, anchor: date) -> tuple[str, str] | None:
    """First and last day of what the words name, at their precision."""
    if re.fullmatch(_YEARS, words):
        first, last = re.split(r"\s*[-–]\s*", words)
        last = first[: 4 - len(last)] + last  # 2003-04: 2004
        return (first, last) if last >= first else None
    parsed = _parse(words, anchor)
    if parsed is None:
        return None
    day, period = parsed
    if period == "year":
        return f"{day.year}", f"{day.year}"
    if period == "month":
        return f"{day:%Y-%m}", f"{day:%Y-%m}"
    if period == "week":  # the calendar week, Monday to Sunday
        monday = day - timedelta(days=day.weekday())
        return monday.isoformat(), (monday + timedelta(days=6)).isoformat()
    return day.isoformat(), day.isoformat()


def _parse(words: str, anchor: date) -> tuple[date, str] | None:
    found = _parser(anchor).get_date_data(words)
    if found.date_obj is None:
        return None
    return found.date_obj.date(), found.period or "day"


@cache
def _parser(anchor: date) -> DateDataParser:
    settings = {
        "RELATIVE_BASE": datetime(anchor.year, anchor.month, anchor.day),
        "PREFER_DATES_FROM": "past",  # news: "juin" is the last June, not the next one
    }
    return DateDataParser(languages=["fr", "en"], settings=settings)


def _shift(value: str, days: int) -> str:
    """A day next to a YYYY[-MM[-DD]] bound: after June is from July 1st."""
    if days > 0:
        end = _period_end(value)
        return (end + timedelta(days=days)).isoformat() if end else value
    start = date.fromisoformat((value + "-01-01")[:10] if len(value) < 10 else value)
    return (start + timedelta(days=days)).isoformat()


def _period_end(value: str) -> date | None:
    """The last day of YYYY, YYYY-MM or YYYY-MM-DD."""
    try:
        if len(value) == 4:
            return date(int(value), 12, 31)
        if len(value) == 7:
            first = date(int(value[:4]), int(value[5:7]), 1)
            return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return date.fromisoformat(value[:10])
    except (ValueError, OverflowError):  # "9999-12" (a typo in a file) has no next month
        return None


def warm_up() -> None:
    """dateparser loads its French and English rules on first use (~0.2 s)."""
    read_time("en juin 2025 ?", date(2025, 6, 30))

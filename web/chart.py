"""The admin page's chart of the index: articles per month (per year past four years),
stacked by language, as plain SVG geometry the template draws. Drawn on the server: no
script, no library, nothing from elsewhere.
"""

import re
from dataclasses import dataclass

MONTHS_SHOWN = 48  # beyond, a bar per year
WIDTH, HEIGHT, AXIS = 640, 160, 20  # the drawing, in SVG units; AXIS: room for the labels
COLOURS = {"fr": "#0b5cad", "en": "#e07b00"}
OTHER = "#6b7785"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # "2025-06, fr: 12", the segment's <title> for a pointer or a screen reader


@dataclass(frozen=True)
class Chart:
    period: str  # "month" or "year"
    segments: list[Segment]
    ticks: list[tuple[float, str, str]]  # x, text-anchor and label under the bars
    highest: int
    undated: int
    languages: dict[str, int]
    colours: dict[str, str]
    width: int = WIDTH
    height: int = HEIGHT
    axis: int = AXIS


def chart(rows: list[tuple[str | None, str, int]]) -> Chart:
    """From (YYYY-MM or None, language, articles) rows: bars over every period from the
    first to the last, empty ones included, so that gaps in the archive show."""
    # A month that is no month (an index built before dates were checked: `2024-13`)
    # counts as undated; the bars stay between real months.
    dated = [(month, language, n) for month, language, n in rows if month and _MONTH.match(month)]
    languages: dict[str, int] = {}
    for _, language, n in rows:
        languages[language] = languages.get(language, 0) + n
    undated = sum(n for _, _, n in rows) - sum(n for _, _, n in dated)  # or a year alone
    periods = _months(min(m for m, _, _ in dated), max(m for m, _, _ in dated)) if dated else []
    period = "month"
    if len(periods) > MONTHS_SHOWN:
        period, periods = "year", sorted({p[:4] for p in periods})
        dated = [(month[:4], language, n) for month, language, n in dated]
    counts: dict[str, dict[str, int]] = {p: {} for p in periods}
    for key, language, n in dated:
        if key in counts:
            counts[key][language] = counts[key].get(language, 0) + n
    colours = {lang: COLOURS.get(lang, OTHER) for lang in languages}
    highest = max((sum(c.values()) for c in counts.values()), default=0)
    bars = _bars(counts, highest, colours)
    return Chart(period, bars, _ticks(periods), highest, undated, languages, colours)


def _bars(
    counts: dict[str, dict[str, int]], highest: int, colours: dict[str, str]
) -> list[Segment]:
    if not counts or not highest:
        return []
    slot = WIDTH / len(counts)
    width = min(max(slot * 0.8, 1.0), 48.0)  # a lone month is a bar, not a wall
    scale = (HEIGHT - AXIS - 4) / highest
    segments = []
    for index, (period, by_language) in enumerate(counts.items()):
        top: float = HEIGHT - AXIS
        for language in sorted(by_language):
            height = by_language[language] * scale
            top -= height
            label = f"{period}, {language}: {by_language[language]}"
            x = index * slot + (slot - width) / 2
            box = (round(x, 1), round(top, 1), round(width, 1), round(height, 1))
            segments.append(Segment(*box, colours[language], label))
    return segments


def _ticks(periods: list[str]) -> list[tuple[float, str, str]]:
    """A label under the first bar, the last, and a few between (at most 8); the outer ones
    anchored inwards so that they are not cut at the edges."""
    if not periods:
        return []
    slot = WIDTH / len(periods)
    step = max(1, -(-len(periods) // 8))
    shown = sorted({*range(0, len(periods), step), len(periods) - 1})
    ticks = []
    for i in shown:
        x, anchor = (i + 0.5) * slot, "middle"
        if i == 0 and len(periods) > 1:
            x, anchor = i * slot, "start"
        elif i == len(periods) - 1 and len(periods) > 1:
            x, anchor = WIDTH, "end"
        ticks.append((round(x, 1), anchor, periods[i]))
    return ticks


def _months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from `first` to `last`: a count of months known before the loop, so
    that it ends whatever the data (a month 13 once made it run until memory ran out)."""
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    end = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(start, end + 1)]

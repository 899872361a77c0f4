"""Time in questions: how often the date filter read from a question is the right one.

Runs `qa/when.py` on bench/time_questions.jsonl (French and English phrasings, dated and
undated, each with the filter a reader would apply, relative to 2025-06-30) and, as the
baseline, dateparser's own search (`search_dates`, French and English) on the same
questions. A reading is right when kind, since and until are all as expected; the
baseline, which gives a date but no period, is right when its date falls in the expected
period.

    .venv/bin/python bench/time_questions.py [QUESTIONS.jsonl ...]

Question files (the format of ../shared/eval) are counted too: how many of their
questions, written by others, the reader gives a filter, and of which kind.
"""

import json
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from dateparser.search import search_dates

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.when import read_time

HERE = Path(__file__).resolve().parent
ANCHOR = date(2025, 6, 30)


def ours(item: dict) -> tuple[bool, bool]:
    """(fired, right)"""
    found = read_time(item["question"], ANCHOR).filter
    if found is None:
        return False, item["kind"] is None
    right = (found.kind, found.since, found.until) == (item["kind"], item["since"], item["until"])
    return True, right


def baseline(item: dict) -> tuple[bool, bool]:
    settings = {"RELATIVE_BASE": datetime(2025, 6, 30), "PREFER_DATES_FROM": "past"}
    found = search_dates(item["question"], languages=["fr", "en"], settings=settings)
    if not found:
        return False, item["kind"] is None
    day = found[0][1].date().isoformat()
    low = item["since"] or "0000"
    high = item["until"] or "9999"
    inside = low[: len(day)] <= day[: len(low)] and day[: len(high)] <= high[: len(day)]
    return True, item["kind"] is not None and inside


def score(name: str, items: list[dict], read) -> None:
    started = time.perf_counter()
    results = [(item, *read(item)) for item in items]
    took = (time.perf_counter() - started) / len(items) * 1000
    for language in ("fr", "en", "all"):
        mine = [r for r in results if language == "all" or _language(r[0]) == language]
        fired = [r for r in mine if r[1]]
        dated = [r for r in mine if r[0]["kind"] is not None]
        undated = [r for r in mine if r[0]["kind"] is None]
        precision = sum(r[2] for r in fired) / max(len(fired), 1)
        recall = sum(1 for r in dated if r[1] and r[2]) / max(len(dated), 1)
        false_alarms = sum(1 for r in undated if r[1])
        print(
            f"{name:24} {language:3} precision {precision:.3f} ({sum(r[2] for r in fired)}/"
            f"{len(fired)})  recall {recall:.3f} ({len(dated)} dated)  "
            f"undated questions given a filter {false_alarms}/{len(undated)}"
        )
    print(f"{name:24} {took:.1f} ms a question")
    for item, _fired, right in results:
        if not right:
            print(f"    wrong: {item['question']}")


def _language(item: dict) -> str:
    return (
        "fr"
        if any(c in item["question"] for c in "àâçéèêëîôûù'") or " ?" in item["question"]
        else "en"
    )


def main() -> None:
    lines = (HERE / "time_questions.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    read_time("warm up en juin", ANCHOR)
    search_dates("warm up in June", languages=["fr", "en"])
    score("qa/when.py", items, ours)
    score("dateparser search_dates", items, baseline)
    for path in sys.argv[1:]:
        questions = [json.loads(line)["question"] for line in Path(path).read_text().splitlines()]
        found = [(q, read_time(q, ANCHOR).filter) for q in questions]
        fired = [(q, f) for q, f in found if f is not None]
        kinds = Counter(f.kind for _, f in fired)
        print(f"{path}: {len(fired)} of {len(questions)} questions read as dated {dict(kinds)}")
        for question, found_filter in fired[:8]:
            print(f"    {found_filter.words!r} in: {question}")


if __name__ == "__main__":
    main()

"""Search within the period a question names ("en juin 2025", "last week", "latest").

The time words become a date filter and leave the keyword query (qa/when.py). When
nothing was published in that period (an undated collection, or a year that is the
subject of the question rather than its date), the question is searched as it was asked
and no filter is said to apply: an undated question, or one about a year the collection
does not cover, is answered exactly as before.
"""

from dataclasses import replace
from datetime import date

from index.filters import Filters
from index.interface import Reader
from qa.models import AppliedFilter
from qa.retrieve import Passage, Query, Retriever
from qa.when import anchor_for, mentions_time, read_time

RECENT_SLACK = 0.05  # calibrated cosine a newer passage may give up to the closest one


def search_in_time(
    retriever: Retriever,
    store: Reader,
    query: Query,
    depth: int,
    filters: Filters,
    read_dates: bool,
) -> tuple[Query, list[Passage], list[AppliedFilter]]:
    """The query searched (less its time words when they applied), its passages, and
    the filters read from it."""
    chosen = filters.since or filters.until  # the asker's own dates win
    if read_dates and not chosen and mentions_time(query.text):
        reading = read_time(query.text, anchor_for(store.newest_date(), date.today()))
        if (when := reading.filter) is not None:
            narrowed = replace(query, keywords=reading.keywords)
            timed = replace(filters, since=when.since, until=when.until)
            passages = retriever.search(narrowed, depth, timed)
            if when.kind == "recent" and passages:
                passages = _if_as_close(retriever, passages, query, depth, filters)
            if passages:
                applied = AppliedFilter(
                    kind=when.kind,
                    since=when.since,
                    until=when.until,
                    words=when.words,
                    relative_to=when.anchor,
                )
                return narrowed, passages, [applied]
    return query, retriever.search(query, depth, filters), []


def _if_as_close(
    retriever: Retriever, recent: list[Passage], query: Query, depth: int, filters: Filters
) -> list[Passage]:
    """ "Latest" is a preference: the newest articles, if one of them is about as close to
    the question as the closest of all ("les quartiers les plus récents" asks for new
    districts, not new articles). Dense scores compare across the two searches; keyword
    scores are relative to each search's best."""
    closest = max((p.dense for p in retriever.search(query, depth, filters)), default=0.0)
    return recent if max(p.dense for p in recent) >= closest - RECENT_SLACK else []

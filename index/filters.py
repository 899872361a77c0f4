"""Restrictions a question may carry: dates, source, language. Each backend translates them
(the SQL ones through index/sql.py)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    until: str | None = None
    source: str | None = None
    language: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.since or self.until or self.source or self.language)


NO_FILTERS = Filters()

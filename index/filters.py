"""Restrictions a question may carry: dates, source, language. Both backends apply them."""

from dataclasses import dataclass

# The article's date and the bound, each cut to the other's length.
_COMMON_PRECISION = "substr(a.date, 1, length({mark})) {op} substr({mark}, 1, length(a.date))"


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    until: str | None = None
    source: str | None = None
    language: str | None = None

    def where(self, mark: str = "?") -> tuple[str, list[str]]:
        """SQL condition on `articles a`, with its parameters; `mark` is the placeholder
        (SQLite's `?`, psycopg's `%s`). The SQL is the same in both engines.

        Dates compare at the coarser of the two precisions: an article dated 2025-06 may
        be from June 29th, so it passes `since 2025-06-29` ("yesterday" in an archive
        whose newest article is of June 2025)."""
        clauses, params = ["TRUE"], []
        if self.since:
            clauses.append(
                f"substr(a.date, 1, length({mark})) >= substr({mark}, 1, length(a.date))"
            )
            params += [self.since, self.since]
        if self.until:
            clauses.append(
                f"substr(a.date, 1, length({mark})) <= substr({mark}, 1, length(a.date))"
            )
            params += [self.until, self.until]
        if self.source:
            clauses.append(f"(a.source = {mark} OR a.url LIKE {mark})")
            params += [self.source, f"%{self.source}%"]
        if self.language:
            clauses.append(f"a.language = {mark}")
            params.append(self.language)
        return " AND ".join(clauses), params

    @property
    def empty(self) -> bool:
        return not (self.since or self.until or self.source or self.language)


NO_FILTERS = Filters()

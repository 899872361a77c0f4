"""Restrictions a question may carry: dates, source, language. Both backends apply them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    until: str | None = None
    source: str | None = None
    language: str | None = None

    def where(self, mark: str = "?") -> tuple[str, list[str]]:
        """SQL condition on `articles a`, with its parameters; `mark` is the placeholder
        (SQLite's `?`, psycopg's `%s`). The SQL is the same in both engines."""
        clauses, params = ["TRUE"], []
        if self.since:
            clauses.append(f"a.date >= {mark}")
            params.append(self.since)
        if self.until:
            clauses.append(f"substr(a.date, 1, length({mark})) <= {mark}")
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

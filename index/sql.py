"""What the SQL backends share: row reads that are the same SQL in SQLite and PostgreSQL,
the translation of filters into SQL, and the check of the model an index was built with.

The SQL is written with `?` placeholders; a reader's `_rows` runs it in its engine.
"""

from typing import Any

import numpy as np

from index.embedding.encoders import EncoderId
from index.errors import ModelMismatch, UnknownArticle
from index.filters import Filters
from index.ingest.article import Article, Paragraph, Sentence
from index.interface import ChunkHit, Copy, Counts, Manifest, SentenceRow

ARTICLE_COLUMNS = "id, title, text, date, url, source, language, origin"
# The first copy of a story: the earliest date (undated last), then the one that started
# the story (its id is the story's), then by id.
FIRST_COPY = "coalesce(a.date, '9999'), CASE WHEN a.id = a.story THEN 0 ELSE 1 END, a.id"
# The article's date and the bound, each cut to the other's length.
_COMMON_PRECISION = "substr(a.date, 1, length({mark})) {op} substr({mark}, 1, length(a.date))"


def check_model(manifest: Manifest, expected: str | EncoderId | None, where: str) -> None:
    """An index answers only questions embedded with the model (and vector kind) that
    built it. Indexes from before the encoder backends have float vectors."""
    if expected is None:
        return
    want = expected if isinstance(expected, EncoderId) else EncoderId(expected)
    built = EncoderId(manifest.model, manifest.vectors)
    if built.model != want.model:
        raise ModelMismatch(
            f"{where} was built with the embedding model {built.model!r} "
            f"({manifest.dimension} dimensions) but the settings ask for {want.model!r}: "
            "rebuild it with `qa index build --rebuild FOLDER`"
        )
    if isinstance(expected, EncoderId) and built.vectors != want.vectors:
        raise ModelMismatch(
            f"{where} holds {built.vectors} vectors (encoder {manifest.encoder!r})"
            f" but the settings' encoder makes {want.vectors} vectors: set QA_ENCODER_BACKEND "
            "back, or rebuild it with `qa index build --rebuild FOLDER`"
        )


def filter_clause(filters: Filters, mark: str = "?") -> tuple[str, list[str]]:
    """SQL condition on `articles a`, with its parameters; `mark` is the placeholder
    (SQLite's `?`, psycopg's `%s`). The SQL is the same in both engines.

    Dates compare at the coarser of the two precisions: an article dated 2025-06 may be
    from June 29th, so it passes `since 2025-06-29` ("yesterday" in an archive whose
    newest article is of June 2025)."""
    clauses, params = ["TRUE"], []
    if filters.since:
        clauses.append(_COMMON_PRECISION.format(mark=mark, op=">="))
        params += [filters.since, filters.since]
    if filters.until:
        clauses.append(_COMMON_PRECISION.format(mark=mark, op="<="))
        params += [filters.until, filters.until]
    if filters.source:
        clauses.append(f"(a.source = {mark} OR a.url LIKE {mark})")
        params += [filters.source, f"%{filters.source}%"]
    if filters.language:
        clauses.append(f"a.language = {mark}")
        params.append(filters.language)
    return " AND ".join(clauses), params


class SqlRowReads:
    manifest: Manifest

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    @property
    def _story(self) -> str:
        """The story column; an index of schema 1 has none: each article is its own."""
        return "a.story" if (self.manifest.schema_version or 1) >= 2 else "a.id"

    def chunks(self, ids: list[int]) -> dict[int, ChunkHit]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f"""SELECT c.id, c.article_id, a.title, a.date, a.url, a.language,
                       c.first_sentence, c.last_sentence, c.text, a.source, {self._story}
                FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})""",
            ids,
        )
        return {r[0]: ChunkHit(*r) for r in rows}

    def sentences(self, article_id: str, first: int, last: int) -> list[SentenceRow]:
        """Sentences first..last of an article, with their text and stored vector."""
        rows = self._rows(
            """SELECT s.position, s."start", s."end",
                      substr(a.text, s."start" + 1, s."end" - s."start"), s.vector
               FROM sentences s JOIN articles a ON a.id = s.article_id
               WHERE s.article_id = ? AND s.position BETWEEN ? AND ? ORDER BY s.position""",
            (article_id, first, last),
        )
        return [
            SentenceRow(r[0], r[1], r[2], r[3], np.frombuffer(r[4], dtype=np.float16)) for r in rows
        ]

    def article(self, article_id: str) -> Article:
        found = self._rows(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        if not found:
            raise UnknownArticle(f"no article with id {article_id!r}")
        paragraphs = self._rows(
            'SELECT kind, "start", "end" FROM paragraphs WHERE article_id = ? ORDER BY position',
            (article_id,),
        )
        sentences = self._rows(
            'SELECT position, paragraph, "start", "end" FROM sentences WHERE article_id = ? '
            "ORDER BY position",
            (article_id,),
        )
        id_, title, text, date, url, source, language, origin = found[0]
        return Article(
            id=id_,
            title=title,
            text=text,
            paragraphs=[Paragraph(*p) for p in paragraphs],
            date=date,
            url=url,
            source=source,
            language=language,
            origin=origin,
            sentences=[Sentence(*s) for s in sentences],
        )

    def list_articles(
        self, limit: int = 1000, offset: int = 0, stories: bool = False
    ) -> list[dict[str, Any]]:
        """Newest first; with `stories`, one row per story (its first copy) with the
        others in `also_in`."""
        story = self._story
        only_first = (
            f"AND a.id = (SELECT b.id FROM articles b WHERE {story.replace('a.', 'b.')} = "
            f"{story} ORDER BY {FIRST_COPY.replace('a.', 'b.')} LIMIT 1)"
            if stories
            else ""
        )
        rows = self._rows(
            f"SELECT id, title, date, url, source, language, {story} FROM articles a "
            f"WHERE TRUE {only_first} ORDER BY date DESC, title LIMIT ? OFFSET ?",
            (limit, offset),
        )
        names = ("id", "title", "date", "url", "source", "language", "story")
        found = [dict(zip(names, r, strict=True)) for r in rows]
        copies = self.story_copies([row["story"] for row in found])
        for row in found:
            others = copies.get(row["story"], [])
            row["also_in"] = [vars(c) for c in others if c.article_id != row["id"]]
        return found

    def story_copies(self, stories: list[str]) -> dict[str, list[Copy]]:
        """The articles of each story that has more than one, first copy first."""
        unique = list(dict.fromkeys(stories))
        if not unique or self._story == "a.id":
            return {}
        marks = ",".join("?" * len(unique))
        rows = self._rows(
            f"""SELECT a.story, a.id, a.title, a.date, a.url, a.source, a.language
                FROM articles a WHERE a.story IN ({marks}) AND a.story IN (
                    SELECT story FROM articles WHERE story IN ({marks})
                    GROUP BY story HAVING count(*) > 1)
                ORDER BY {FIRST_COPY}""",
            [*unique, *unique],
        )
        found: dict[str, list[Copy]] = {}
        for story, *fields in rows:
            found.setdefault(story, []).append(Copy(*fields))
        return found

    def newest_date(self) -> str | None:
        row = self._rows("SELECT max(date) FROM articles", ())
        return row[0][0] if row else None

    def articles_from(self, origin: str) -> list[str]:
        """Ids of the articles read from one file (its resolved path), e.g. an upload."""
        rows = self._rows("SELECT id FROM articles WHERE origin = ? ORDER BY id", (origin,))
        return [r[0] for r in rows]

    def article_months(self) -> list[tuple[str | None, str, int]]:
        """(month YYYY-MM or None when undated, language, articles), for the admin page."""
        rows = self._rows(
            "SELECT substr(date, 1, 7), language, count(*) FROM articles "
            "GROUP BY substr(date, 1, 7), language ORDER BY 1, 2",
            (),
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def languages(self) -> frozenset[str]:
        """Of the articles; asked by keyword search for each question, so read once per
        reader (a reader sees one state of the index)."""
        found: frozenset[str] | None = getattr(self, "_languages", None)
        if found is None:
            rows = self._rows("SELECT DISTINCT language FROM articles", ())
            found = self._languages = frozenset(r[0] for r in rows)
        return found

    def counts(self) -> Counts:
        """Articles, sentences and chunks, and articles per language."""

        def count(table: str) -> int:
            return int(self._rows(f"SELECT count(*) FROM {table}", ())[0][0])

        languages = self._rows("SELECT language, count(*) FROM articles GROUP BY language", ())
        return Counts(
            articles=count("articles"),
            sentences=count("sentences"),
            chunks=count("chunks"),
            languages=dict(languages),
        )

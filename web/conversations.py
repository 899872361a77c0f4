"""Conversations of the chat, kept on the server: `/?c=ID` shows the same turns after a
citation was opened, a reload, or to whoever the link was sent.

Bounded and expiring: at most `max_conversations` (the least recently used go first), at
most `conversation_turns` turns each (the oldest go), none unused for `conversation_days`.
A SQLite file, so that the workers of one machine (`qa serve --workers N`) share it; servers
on several machines each keep their own.

Each turn is stored with its answer: showing a conversation never answers a question again.
"""

import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from qa.models import Answer

ID = r"^[A-Za-z0-9_-]{16}$"
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, created REAL, used REAL);
CREATE INDEX IF NOT EXISTS conversations_used ON conversations(used);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT REFERENCES conversations(id) ON DELETE CASCADE,
    number INTEGER,
    body TEXT,
    PRIMARY KEY (conversation, number)
);
"""


class TurnFilters(BaseModel):
    since: str | None = None
    until: str | None = None
    source: str | None = None
    read_dates: bool = True  # false: the question's time words are words, not a filter


class Turn(BaseModel):
    number: int = Field(description="1 for the first question; the page anchor is #turn-N.")
    question: str
    answer: Answer
    filters: TurnFilters = Field(default_factory=TurnFilters)
    asked_at: float = Field(description="Unix time.")


class Conversation(BaseModel):
    id: str
    turns: list[Turn]


class Conversations:
    def __init__(self, path: Path, keep_days: float, most: int, turns: int) -> None:
        self.path = path
        self.keep_seconds = keep_days * 86400
        self.most = most
        self.max_turns = turns
        self._ready = False

    def create(self) -> str:
        """A new, empty conversation; old ones beyond the bounds are deleted first."""
        now, cid = time.time(), secrets.token_urlsafe(12)  # 16 characters, 96 random bits
        with self._db() as db:
            db.execute("DELETE FROM conversations WHERE used < ?", (now - self.keep_seconds,))
            db.execute(
                "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations "
                "ORDER BY used DESC LIMIT -1 OFFSET ?)",
                (self.most - 1,),
            )
            db.execute("INSERT INTO conversations VALUES (?, ?, ?)", (cid, now, now))
        return cid

    def get(self, cid: str) -> Conversation | None:
        """The conversation, or None when there is none of that id (never, or expired)."""
        if not self.path.exists():
            return None
        with self._db() as db:
            if not self._live(db, cid):
                return None
            rows = db.execute(
                "SELECT body FROM turns WHERE conversation = ? ORDER BY number", (cid,)
            ).fetchall()
        return Conversation(id=cid, turns=list(_turns(rows)))

    def add(self, cid: str, turn: Turn) -> Turn | None:
        """Append a turn (numbered here); None when the conversation is gone."""
        with self._db() as db:
            if not self._live(db, cid):
                return None
            last = db.execute(
                "SELECT coalesce(max(number), 0) FROM turns WHERE conversation = ?", (cid,)
            ).fetchone()[0]
            turn = turn.model_copy(update={"number": last + 1})
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?)", (cid, turn.number, turn.model_dump_json())
            )
            db.execute(
                "DELETE FROM turns WHERE conversation = ? AND number <= ?",
                (cid, turn.number - self.max_turns),
            )
            db.execute("UPDATE conversations SET used = ? WHERE id = ?", (time.time(), cid))
        return turn

    def _live(self, db: sqlite3.Connection, cid: str) -> bool:
        found = db.execute(
            "SELECT 1 FROM conversations WHERE id = ? AND used >= ?",
            (cid, time.time() - self.keep_seconds),
        ).fetchone()
        return found is not None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short connection per call, one transaction: workers and threads share the
        file through SQLite's own locking."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(SCHEMA)
                self._ready = True
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()


def _turns(rows: list[tuple[str]]) -> Iterator[Turn]:
    """Stored turns; one written by a version whose answer object differs is left out."""
    for (body,) in rows:
        try:
            yield Turn.model_validate_json(body)
        except ValidationError:
            continue

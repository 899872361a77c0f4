"""PostgreSQL's job store (index/jobs_store.py): a table in its own schema (a rebuild
replaces the index's schema, not this one) and an advisory lock held by the running job's
own connection, for every server on every machine that shares the database.

A process that dies closes its connection and PostgreSQL lets its lock go; a machine that
vanishes sends nothing more: once its heartbeat is older than STALE_SECONDS (timed by the
database's clock, not the machines'), the next claim ends that connection and proceeds.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from index.errors import IndexBusy, IndexUnavailable
from index.jobs_store import (
    ACTIVE,
    KEEP_JOBS,
    STALE_SECONDS,
    bounded,
    busy,
    judged,
    read_with_lock,
)
from index.postgres.schema import connect

JOBS_SCHEMA = "article_qa_jobs"
JOBS_LOCK = 0x71615F6A6F6273  # "qa_jobs": held by the connection of the running job
SETUP_LOCK = JOBS_LOCK + 1  # two servers creating the table at once take turns
WATCH_LOCK = JOBS_LOCK + 2  # held by the connection of the one process that watches
TABLE = f"{JOBS_SCHEMA}.jobs"
# Who holds the jobs' lock in this database: an advisory lock on a bigint key shows as
# classid (high 32 bits), objid (low 32 bits), objsubid 1.
HOLDER = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
    "AND classid::bigint = %s AND objid::bigint = %s "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
LAST = (
    f"SELECT id, record, extract(epoch FROM clock_timestamp() - heartbeat) FROM {TABLE} "
    "ORDER BY id DESC LIMIT 1"
)


class PostgresJobs:
    def __init__(self, url: str) -> None:
        self.url = url

    def claim(self) -> PostgresClaim:
        db = _autocommit(self.url)
        try:
            _create(db)
            if not _try_lock(db) and not (_end_stale_holder(db) and _try_lock(db)):
                raise IndexBusy(busy(_latest(db)))
            row = db.execute(LAST).fetchone()
            if row is not None and row[1].get("state") in ACTIVE:  # its process died
                failed = judged(row[1], False, None)
                db.execute(f"UPDATE {TABLE} SET record = %s WHERE id = %s", (Jsonb(failed), row[0]))
        except psycopg.Error as error:
            db.close()
            raise IndexUnavailable(f"cannot record an update in the database: {error}") from None
        except BaseException:
            db.close()
            raise
        return PostgresClaim(db)

    def watch_lease(self) -> ConnectionLease | None:
        db = _autocommit(self.url)
        try:
            held = db.execute("SELECT pg_try_advisory_lock(%s)", (WATCH_LOCK,)).fetchone()
        except psycopg.Error as error:
            db.close()
            raise IndexUnavailable(f"the index database does not answer: {error}") from None
        if not (held and held[0]):
            db.close()
            return None
        return ConnectionLease(db)

    def latest(self) -> dict[str, Any] | None:
        """The last job's record; reading writes nothing (not even the table)."""
        try:
            with connect(self.url) as db:
                db.autocommit = True
                return _latest(db)
        except psycopg.Error as error:
            raise IndexUnavailable(f"the index database does not answer: {error}") from None


class ConnectionLease:
    def __init__(self, db: psycopg.Connection) -> None:
        self.db = db  # holds WATCH_LOCK until closed

    def release(self) -> None:
        _unlock_and_close(self.db)


class PostgresClaim:
    def __init__(self, db: psycopg.Connection) -> None:
        self.db = db  # holds JOBS_LOCK until closed
        self.job_id: int | None = None

    def start(self, record: dict[str, Any]) -> int:
        try:
            row = self.db.execute(
                f"INSERT INTO {TABLE} (record) VALUES (%s) RETURNING id", (Jsonb(bounded(record)),)
            ).fetchone()
            assert row is not None
            self.job_id = int(row[0])
            self.db.execute(f"DELETE FROM {TABLE} WHERE id <= %s", (self.job_id - KEEP_JOBS,))
        except psycopg.Error as error:
            raise IndexUnavailable(f"cannot record the update in the database: {error}") from None
        return self.job_id

    def save(self, record: dict[str, Any]) -> None:
        try:
            self.db.execute(
                f"UPDATE {TABLE} SET record = %s, heartbeat = clock_timestamp() WHERE id = %s",
                (Jsonb(bounded(record)), self.job_id),
            )
        except psycopg.Error as error:
            raise IndexUnavailable(f"cannot record the update in the database: {error}") from None

    def discard(self) -> None:
        try:
            self.db.execute(f"DELETE FROM {TABLE} WHERE id = %s", (self.job_id,))
        except psycopg.Error as error:
            raise IndexUnavailable(f"cannot record the update in the database: {error}") from None

    def release(self) -> None:
        _unlock_and_close(self.db)


def _unlock_and_close(db: psycopg.Connection) -> None:
    """Unlock first: closing alone frees a session's advisory locks only once the server's
    backend has ended, a moment later, so whoever asked at once was refused (a flaky test)."""
    with contextlib.suppress(psycopg.Error):  # the connection is gone: so are its locks
        db.execute("SELECT pg_advisory_unlock_all()")
    db.close()


def _autocommit(url: str) -> psycopg.Connection:
    db = connect(url)
    db.autocommit = True
    return db


def _create(db: psycopg.Connection) -> None:
    if db.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone() != (None,):
        return
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {JOBS_SCHEMA}")
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, record jsonb NOT NULL, "
            "heartbeat timestamptz NOT NULL DEFAULT clock_timestamp())"
        )


def _try_lock(db: psycopg.Connection) -> bool:
    row = db.execute("SELECT pg_try_advisory_lock(%s)", (JOBS_LOCK,)).fetchone()
    return bool(row and row[0])


def _holder(db: psycopg.Connection) -> int | None:
    row = db.execute(HOLDER, (JOBS_LOCK >> 32, JOBS_LOCK & 0xFFFFFFFF)).fetchone()
    return None if row is None else int(row[0])


def _latest(db: psycopg.Connection) -> dict[str, Any] | None:
    if db.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone() == (None,):
        return None
    row, locked = read_with_lock(
        lambda: db.execute(LAST).fetchone(), lambda: _holder(db) is not None
    )
    if row is None:
        return None
    return judged(row[1], locked, float(row[2]))


def _end_stale_holder(db: psycopg.Connection) -> bool:
    """The lock's holder sent no heartbeat for STALE_SECONDS (its machine is gone, its
    connection not yet timed out): end that connection. True if one was ended."""
    row = db.execute(LAST).fetchone()
    holder = _holder(db)
    if row is None or holder is None or row[1].get("state") not in ACTIVE:
        return False  # a claim that has not started its job yet holds it too
    if float(row[2]) <= STALE_SECONDS:
        return False
    ended = db.execute("SELECT pg_terminate_backend(%s, 5000)", (holder,)).fetchone()
    return bool(ended and ended[0])

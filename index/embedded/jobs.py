"""The embedded backend's job store (index/jobs_store.py): a SQLite file and a file lock
beside the generations, shared by every process of one machine that serves the folder.

QA_INDEX_DIR/
  jobs.sqlite      the jobs' records (never swept: not a generation)
  .update.lock     held by the process whose update runs, from its claim to its end
  .update.guard    held for an instant: a claim and a look at the lock never cross
  .watch.lock      held by the one process that watches the source folder (QA_WATCH)

A process that dies lets its lock go with it (the kernel closes its files), so a running
record whose lock is free is a dead job's.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Any

from index.errors import IndexBusy, IndexWriteError
from index.jobs_store import ACTIVE, KEEP_JOBS, bounded, busy, judged, read_with_lock

DATABASE = "jobs.sqlite"
LOCK = ".update.lock"
GUARD = ".update.guard"
WATCH = ".watch.lock"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "record TEXT NOT NULL, heartbeat REAL NOT NULL)"
)


class EmbeddedJobs:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def claim(self) -> EmbeddedClaim:
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.index_dir / LOCK, "a+")  # noqa: SIM115 (held by the claim)
        except OSError as error:
            raise IndexWriteError(f"cannot record an update in {self.index_dir}: {error}") from None
        with self._guard():
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = False
            except BlockingIOError:
                held = True
        if held:  # said out of the guard: latest() takes it too
            handle.close()
            raise IndexBusy(busy(self.latest()))
        claim = EmbeddedClaim(self.index_dir / DATABASE, handle)
        try:
            claim.fail_the_dead(self._last_row())
        except BaseException:
            claim.release()
            raise
        return claim

    def watch_lease(self) -> FileLease | None:
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            handle = open(self.index_dir / WATCH, "a+")  # noqa: SIM115 (held by the lease)
        except OSError as error:
            raise IndexWriteError(f"cannot watch for {self.index_dir}: {error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return FileLease(handle)

    def latest(self) -> dict[str, Any] | None:
        """The last job's record; reading writes nothing (no file is made)."""
        row, locked = read_with_lock(self._last_row, self._locked)
        if row is None:
            return None
        record, heartbeat = json.loads(row[1]), row[2]
        return judged(record, locked, time.time() - heartbeat)

    def _last_row(self) -> tuple[int, str, float] | None:
        path = self.index_dir / DATABASE
        if not path.is_file():
            return None
        try:
            with closing(_connect(path, readonly=True)) as db:
                row = db.execute("SELECT id, record, heartbeat FROM jobs ORDER BY id DESC LIMIT 1")
                return row.fetchone()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # the first job's record is being made
                return None
            raise IndexWriteError(f"cannot read the updates' records in {path}: {error}") from None
        except sqlite3.Error as error:
            raise IndexWriteError(f"cannot read the updates' records in {path}: {error}") from None

    def _locked(self) -> bool:
        """Whether a process holds the update lock now (without keeping it)."""
        try:
            handle = open(self.index_dir / LOCK)  # noqa: SIM115
        except FileNotFoundError:
            return False
        # The file closes (its shared lock goes) inside the guard: a claim never sees
        # the lock held by a mere look at it, and refuses no update for it.
        with self._guard(), handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False  # closing the file lets the shared lock go

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with open(self.index_dir / GUARD, "a+") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            yield


class FileLease:
    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle

    def release(self) -> None:
        self.handle.close()  # closing the file lets the lock go


class EmbeddedClaim:
    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self.job_id: int | None = None
        self._handle: IO[str] | None = handle

    def fail_the_dead(self, row: tuple[int, str, float] | None) -> None:
        """The last job ran when its process died (we hold its lock now): record it so."""
        record = json.loads(row[1]) if row is not None else {}
        if row is not None and record.get("state") in ACTIVE:
            record = judged(record, False, None)
            with self._db() as db:
                db.execute("UPDATE jobs SET record = ? WHERE id = ?", (json.dumps(record), row[0]))

    def start(self, record: dict[str, Any]) -> int:
        with self._db() as db:
            db.execute(SCHEMA)
            cursor = db.execute(
                "INSERT INTO jobs (record, heartbeat) VALUES (?, ?)",
                (json.dumps(bounded(record)), time.time()),
            )
            self.job_id = int(cursor.lastrowid or 0)
            db.execute("DELETE FROM jobs WHERE id <= ?", (self.job_id - KEEP_JOBS,))
        return self.job_id

    def save(self, record: dict[str, Any]) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET record = ?, heartbeat = ? WHERE id = ?",
                (json.dumps(bounded(record)), time.time(), self.job_id),
            )

    def discard(self) -> None:
        with self._db() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (self.job_id,))

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()  # closing the file lets the lock go

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(_connect(self.path, readonly=False)) as db, db:
                yield db
        except sqlite3.Error as error:
            raise IndexWriteError(f"cannot record the update in {self.path}: {error}") from None


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    return sqlite3.connect(uri, uri=True, timeout=10)

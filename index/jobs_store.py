"""Where the server's update jobs are recorded, and the lock that lets one run at a time.

Every process that serves the index (the workers of `qa serve --workers N`, servers on
other machines over one PostgreSQL) reads and writes the same records, so each reports the
same /admin/status, and an update in one refuses an update in any other (409).

- `JobStore.claim()` takes the lock (IndexBusy when another process holds it), marks a job
  whose process died as failed, and returns a `Claim` that holds the lock until released.
- `Claim.start(record)` records the job; `Claim.save(record)` records it again, with a
  heartbeat; `discard()` deletes the record of a job that did not start after all (an
  upload refused once claimed); `release()` lets the lock go.
- `JobStore.watch_lease()`: the right to watch the source folder (QA_WATCH), held by one
  process at a time for as long as it lives; None while another holds it.
- `JobStore.latest()` is the last job's record. A queued or running job whose lock is free
  (its process died with it) or whose heartbeat is older than STALE_SECONDS reads as
  failed; reading writes nothing.

Two stores, as the two backends: index/embedded/jobs.py (a SQLite file beside the
generations and a file lock) and index/postgres/jobs.py (a table and an advisory lock).
"""

from __future__ import annotations

import importlib
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from index.errors import IndexMissing

R = TypeVar("R")

HEARTBEAT_SECONDS = 2.0  # a running job's record is written again this often
STALE_SECONDS = 60.0  # a job with no heartbeat for this long: its process is gone
KEEP_JOBS = 50  # records kept; older ones are deleted when a job starts
LISTED = 1000  # ids per list of a report kept in the record (the summary counts them all)
TEXT = 2000  # characters of an error or warning kept
ACTIVE = ("queued", "running")
READ_TRIES = 5  # of read_with_lock

STORES = {
    "embedded": "index.embedded.jobs:EmbeddedJobs",
    "postgres": "index.postgres.jobs:PostgresJobs",
}


class Claim(Protocol):
    job_id: int | None

    def start(self, record: dict[str, Any]) -> int: ...  # the job's id

    def save(self, record: dict[str, Any]) -> None: ...

    def discard(self) -> None: ...  # a job that never started: its record goes

    def release(self) -> None: ...


class Lease(Protocol):
    def release(self) -> None: ...


class JobStore(Protocol):
    def claim(self) -> Claim: ...

    def latest(self) -> dict[str, Any] | None: ...

    def watch_lease(self) -> Lease | None: ...  # None while another process holds it


def open_job_store(kind: str, index_dir: Path, database_url: str | None) -> JobStore:
    """The job store beside the index a setting names (as index/registry.py)."""
    module_name, _, class_name = STORES[kind].partition(":")
    store_class = getattr(importlib.import_module(module_name), class_name)
    if kind == "embedded":
        return store_class(index_dir)
    if not database_url:
        raise IndexMissing(f"QA_BACKEND={kind} needs QA_DATABASE_URL")
    return store_class(database_url)


def owner() -> dict[str, Any]:
    return {"host": socket.gethostname()[:255], "pid": os.getpid()}


def read_with_lock(read: Callable[[], R], locked: Callable[[], bool]) -> tuple[R, bool]:
    """The last record and whether the lock is held, as of one moment. A job takes the
    lock before its first record and writes its last before it lets the lock go, so a
    record read between two looks at the lock that agree is judged rightly by them. Read
    once each, a job that ended between the two reads looked dead ("failed") for a moment.
    A few tries at most: jobs do not end many times a millisecond."""
    before = locked()
    for _ in range(READ_TRIES):
        record, now = read(), locked()
        if now == before:
            break
        before = now
    return record, now


def judged(record: dict[str, Any], locked: bool, heartbeat_age: float | None) -> dict[str, Any]:
    """The record as it stands: a queued or running job whose process is gone is failed."""
    if record.get("state") not in ACTIVE:
        return record
    if locked and (heartbeat_age is None or heartbeat_age <= STALE_SECONDS):
        return record
    who = record.get("owner") or {}
    why = "its lock is free" if not locked else f"no heartbeat for {heartbeat_age:.0f} s"
    error = f"its process died ({why}; process {who.get('pid')} on {who.get('host')})"
    return {**record, "state": "failed", "error": error, "died": True}


def busy(record: dict[str, Any] | None) -> str:
    """What a refused update is told when another process runs one."""
    if record is None or record.get("state") not in ACTIVE:
        return "an update is already running in another worker"
    who = record.get("owner") or {}
    return (
        f"an update ({record.get('kind')}) is already running in another worker "
        f"(process {who.get('pid')} on {who.get('host')})"
    )


def bounded(record: dict[str, Any]) -> dict[str, Any]:
    """The record with each list cut to LISTED items and each text to TEXT characters;
    `truncated` gives the full length of each list that was cut."""
    kept: dict[str, Any] = {}
    cut: dict[str, int] = {}
    for key, value in record.items():
        if isinstance(value, list) and len(value) > LISTED:
            cut[key] = len(value)
            value = value[:LISTED]
        if isinstance(value, list):
            value = [v[:TEXT] if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            value = value[:TEXT]
        kept[key] = value
    if cut:
        kept["truncated"] = cut
    return kept


def now() -> float:
    return time.time()

"""The job stores' contract (index/jobs_store.py), on both backends: one update at a time
across processes, the same record for all, and a dead process's job failed, not running."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from index.errors import IndexBusy
from index.jobs_store import LISTED, STALE_SECONDS, JobStore, open_job_store, owner
from tests.conftest import BACKENDS, ROOT, new_database

HOLD = """
import sys, time
from pathlib import Path
from index.jobs_store import open_job_store, owner
claim = open_job_store(sys.argv[1], Path(sys.argv[2]), sys.argv[3] or None).claim()
claim.start({"state": "running", "kind": "rebuild", "owner": owner()})
print("holding", flush=True)
time.sleep(600)
"""

JOBS = 120
ONE_AFTER_ANOTHER = """
import sys, time
from pathlib import Path
from index.jobs_store import open_job_store, owner
store = open_job_store(sys.argv[1], Path(sys.argv[2]), sys.argv[3] or None)
print("starting", flush=True)
for n in range(int(sys.argv[4])):
    claim = store.claim()
    job = claim.start({"state": "running", "kind": "upload", "owner": owner()})
    time.sleep(0.02)
    claim.save({"state": "done", "kind": "upload", "owner": owner(), "id": job})
    claim.release()
    time.sleep(0.005)
"""


@pytest.fixture(params=BACKENDS)
def where(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path, str | None]:
    if request.param == "postgres":
        return "postgres", tmp_path / "unused", new_database(request.getfixturevalue("postgres"))
    return "embedded", tmp_path / "index", None


def _store(where: tuple[str, Path, str | None]) -> JobStore:
    return open_job_store(*where)


def _holder(where: tuple[str, Path, str | None]) -> subprocess.Popen[str]:
    """Another process that claims an update and starts it, then runs until killed."""
    kind, index_dir, url = where
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, kind, str(index_dir), url or ""],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "holding\n"
    return process


def test_one_update_at_a_time_and_one_record_for_all(where: tuple[str, Path, str | None]) -> None:
    first, second = _store(where), _store(where)
    assert first.latest() is None  # nothing yet, and reading made nothing
    claim = first.claim()
    job = claim.start({"state": "queued", "kind": "upload", "owner": owner()})
    claim.save({"state": "running", "kind": "upload", "owner": owner(), "id": job})
    assert second.latest() == {"state": "running", "kind": "upload", "owner": owner(), "id": job}
    with pytest.raises(IndexBusy, match=r"an update \(upload\) is already running in another"):
        second.claim()
    claim.save({"state": "done", "kind": "upload", "added": ["x"] * (LISTED + 5), "id": job})
    claim.release()
    done = second.latest()
    assert done is not None and done["state"] == "done"
    assert len(done["added"]) == LISTED and done["truncated"] == {"added": LISTED + 5}
    after = second.claim()  # the next update proceeds
    assert after.start({"state": "queued", "kind": "rebuild"}) > job
    after.release()


def test_a_job_whose_process_died_is_failed_and_the_next_proceeds(
    where: tuple[str, Path, str | None],
) -> None:
    store = _store(where)
    holder = _holder(where)
    try:
        running = store.latest()
        assert running is not None and running["state"] == "running"
        with pytest.raises(IndexBusy, match=r"an update \(rebuild\) is already running"):
            store.claim()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    dead = _wait_for_state(store, "failed")
    assert dead["error"].startswith("its process died (its lock is free")
    assert f"process {holder.pid} on" in dead["error"]
    claim = store.claim()  # proceeds, and records the dead job as failed for good
    claim.start({"state": "queued", "kind": "upload"})
    claim.release()
    if where[0] == "postgres":
        with psycopg.connect(where[2] or "") as db:
            records = db.execute("SELECT record FROM article_qa_jobs.jobs ORDER BY id").fetchall()
        assert records[0][0]["state"] == "failed"


def test_a_job_that_just_ended_never_reads_as_dead(where: tuple[str, Path, str | None]) -> None:
    """A job writes its last record, then lets its lock go: a status read across that
    moment (the record read while running, the lock looked at once free) said "its process
    died" for a job that had ended well (a two-server test saw it once in CI)."""
    kind, index_dir, url = where
    jobs = subprocess.Popen(
        [sys.executable, "-c", ONE_AFTER_ANOTHER, kind, str(index_dir), url or "", str(JOBS)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert jobs.stdout is not None and jobs.stdout.readline() == "starting\n"
    store, reads, dead = _store(where), 0, []
    while jobs.poll() is None:
        seen = store.latest()
        reads += 1
        if seen is not None and seen.get("died"):
            dead.append(seen)
    assert jobs.returncode == 0
    assert reads > JOBS  # read while jobs ran and ended
    assert dead == [], f"{len(dead)} of {reads} reads saw a job that ended as dead: {dead[0]}"


def test_one_process_at_a_time_holds_the_watch(where: tuple[str, Path, str | None]) -> None:
    first, second = _store(where), _store(where)
    lease = first.watch_lease()
    assert lease is not None
    assert second.watch_lease() is None  # stands by
    lease.release()  # as when its process dies
    taken = second.watch_lease()
    assert taken is not None
    taken.release()


def test_postgres_ends_a_holder_without_heartbeat(postgres: str, tmp_path: Path) -> None:
    """A machine that vanished keeps its connection (and lock) until TCP gives up: once its
    heartbeat is older than STALE_SECONDS, the job reads failed and the next claim ends
    that connection and proceeds."""
    where = ("postgres", tmp_path, new_database(postgres))
    store = _store(where)
    holder = _holder(where)
    try:
        with psycopg.connect(where[2] or "", autocommit=True) as db:
            db.execute(
                "UPDATE article_qa_jobs.jobs SET heartbeat = clock_timestamp() - %s::interval",
                (f"{STALE_SECONDS + 5} seconds",),
            )
        stale = store.latest()
        assert stale is not None and stale["state"] == "failed"
        assert "no heartbeat for 6" in stale["error"]
        claim = store.claim()
        claim.start({"state": "queued", "kind": "upload"})
        claim.release()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)


def _wait_for_state(store: JobStore, state: str) -> dict:
    """PostgreSQL lets a killed client's lock go once it sees the connection closed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record = store.latest()
        if record is not None and record["state"] == state:
            return record
        time.sleep(0.1)
    raise AssertionError(f"not {state}: {store.latest()}")

"""Index updates run one at a time in a background thread; /ask keeps answering meanwhile.

One at a time across every process that serves the index: the job's record and its lock
live in the store (index/jobs_store.py), so the workers of `qa serve --workers N` and
servers on other machines over one PostgreSQL report the same /admin/status, and an update
in one is refused (409) in all the others before anything is written. A running job writes
its record again every HEARTBEAT_SECONDS, with its progress; one whose process died reads
as failed, and the next update proceeds.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from index.embedding.progress import EmbedProgress
from index.errors import ArticleQAError, IndexBusy
from index.jobs_store import HEARTBEAT_SECONDS, Claim, JobStore, owner
from index.sync import UpdateReport

logger = logging.getLogger("article-qa")


class Jobs:
    def __init__(self, store: JobStore, after: Callable[[], None] | None = None) -> None:
        self.store = store
        self.after = after  # run once each job has ended (a server frees its memory)
        self._pool: ThreadPoolExecutor | None = None  # started by the first job
        self._lock = threading.Lock()
        self._claim: Claim | None = None  # this process's job: the store's lock, held
        self._record: dict[str, Any] = {}  # …and its record
        self.progress: EmbedProgress | None = None  # the current or last job's

    def snapshot(self) -> dict[str, Any]:
        """The running or last job of any process, as the store has it; this process's own
        running job as it stands now."""
        with self._lock:
            if self._claim is not None:
                return self._current()
        return self.store.latest() or {"state": "idle"}

    def _current(self) -> dict[str, Any]:
        status = dict(self._record)
        if self.progress is not None:
            status["progress"] = self.progress.as_dict()
        return status

    @property
    def running(self) -> bool:
        """Whether this process runs a job."""
        return self._claim is not None

    def submit(
        self,
        kind: str,
        work: Callable[[], UpdateReport],
        progress: EmbedProgress | None = None,
        first: Callable[[], None] | None = None,
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Start `work` unless another update runs, here or in any process over the same
        index: two updates at once are refused (IndexBusy). `first` runs once the update is
        sure to start, before it (an upload saves its files then: a refused one writes
        nothing); what it raises starts nothing. `details` go into the job's record."""
        with self._lock:
            if self._claim is not None:
                raise IndexBusy(f"an update ({self._record['kind']}) is already running")
            # Recorded first: a store that cannot be written (a read-only folder) refuses
            # the update before `first` saves.
            claim, record = self._open(kind, details or {})
            try:
                if first is not None:
                    first()
            except BaseException:
                self._forget(claim)
                raise
            self._start(claim, record, work, progress)
            return dict(record)

    def _open(self, kind: str, details: dict[str, Any]) -> tuple[Claim, dict[str, Any]]:
        """The store's lock, and the job's record in it."""
        claim = self.store.claim()
        record = {"state": "queued", "kind": kind, "queued_at": time.time(), "owner": owner()}
        record |= details
        try:
            record["id"] = claim.start(record)
        except BaseException:
            claim.release()
            raise
        return claim, record

    def _forget(self, claim: Claim) -> None:
        """A job that never started: its record goes, its lock is let go."""
        try:
            claim.discard()
        except ArticleQAError as error:
            logger.warning("a job that did not start is still recorded: %s", error)
        finally:
            claim.release()

    def _start(
        self,
        claim: Claim,
        record: dict[str, Any],
        work: Callable[[], UpdateReport],
        progress: EmbedProgress | None,
    ) -> Future[None]:
        self._claim, self._record, self.progress = claim, record, progress
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-update")
        return self._pool.submit(self._run, claim, record["kind"], work)

    def run_waiting(
        self, kind: str, work: Callable[[], UpdateReport], stop: threading.Event
    ) -> UpdateReport:
        """Run `work` as the next update, waiting for a running one to end, here or in
        another process (the folder watcher's batches: an admin upload meanwhile gets 409,
        as with any update). Returns its report; raises what it raised."""
        outcome: list[UpdateReport | BaseException] = []

        def recorded() -> UpdateReport:
            try:
                outcome.append(work())
            except BaseException as error:
                outcome.append(error)
                raise
            return outcome[-1]  # type: ignore[return-value]

        while True:
            with self._lock:
                if self._claim is None:
                    try:
                        claim, record = self._open(kind, {})
                    except IndexBusy:
                        pass  # another process's update: wait for it too
                    else:
                        future = self._start(claim, record, recorded, None)
                        break
            if stop.wait(0.2):
                raise IndexBusy("stopped while waiting for another update")
        future.result()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _run(self, claim: Claim, kind: str, work: Callable[[], UpdateReport]) -> None:
        self._record = {**self._record, "state": "running", "started_at": time.time()}
        ended = threading.Event()
        beating = threading.Thread(
            target=self._heartbeat, args=(claim, ended), name="update-heartbeat", daemon=True
        )
        self._save(claim)
        beating.start()
        final: dict[str, Any]
        try:
            report = work()
        except ArticleQAError as error:
            final = {**self._record, "state": "failed", "error": str(error)}
        except Exception as error:  # a bug must not kill the worker; report it
            logger.exception("update (%s) failed", kind)
            error_text = f"{type(error).__name__}: {error}"
            final = {**self._record, "state": "failed", "error": error_text}
        else:
            final = {
                **self._record,
                "state": "done",
                "summary": report.summary(),
                "added": report.added,
                "updated": report.updated,
                "removed": report.removed,
                "skipped": [{"source": p.source, "reason": p.reason} for p in report.problems],
                "warnings": report.warnings,
            }
        final["finished_at"] = time.time()
        ended.set()
        beating.join()
        with self._lock:  # ended and its claim let go at once: a submit sees both or neither
            self._record = final
            self._save(claim)
            self._claim = None
            claim.release()
        if self.after is not None:
            self.after()

    def _heartbeat(self, claim: Claim, ended: threading.Event) -> None:
        while not ended.wait(HEARTBEAT_SECONDS):
            self._save(claim)

    def _save(self, claim: Claim) -> None:
        """Write the job's record, with its progress, to the store. A store that cannot be
        written is logged: the update itself goes on."""
        try:
            claim.save(self._current())
        except ArticleQAError as error:
            logger.warning("the update's status could not be recorded: %s", error)

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for this process's job to end."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            time.sleep(0.05)

    def shutdown(self) -> None:
        """Wait for the running job. An app may be started again (a lifespan per test
        client): the next job starts a new thread."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

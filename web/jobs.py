"""Index updates run one at a time in a background thread; /ask keeps answering meanwhile.

One at a time across the workers of `qa serve --workers N` too: an update holds a lock file
beside the index while it runs, and another worker refuses an update meanwhile (409) before
writing anything, as the worker running it does. Without it, an upload that reached the other
worker was saved and accepted (202), and its update then failed on the index's own writer
lock: the file sat in uploads/ unindexed, the failure shown only in that worker's status.
"""

import fcntl
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from embedding.progress import EmbedProgress
from index.errors import ArticleQAError, IndexBusy
from index.sync import UpdateReport

logger = logging.getLogger("article-qa")


class Jobs:
    def __init__(self, lock_file: Path | None = None) -> None:
        """`lock_file`: shared by every process that runs updates this way (the workers of
        one server); None: this process only (PostgreSQL's writers queue on their own)."""
        self._pool: ThreadPoolExecutor | None = None  # started by the first job
        self._lock = threading.Lock()
        self._lock_file = lock_file
        self._claim: IO[str] | None = None  # the lock file, held while a job runs
        self.status: dict[str, Any] = {"state": "idle"}
        self.progress: EmbedProgress | None = None  # the current or last job's

    def snapshot(self) -> dict[str, Any]:
        status = dict(self.status)
        if self.progress is not None and status["state"] != "idle":
            status["progress"] = self.progress.as_dict()
        return status

    @property
    def running(self) -> bool:
        return self.status["state"] in ("queued", "running")

    def submit(
        self,
        kind: str,
        work: Callable[[], UpdateReport],
        progress: EmbedProgress | None = None,
        first: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Start `work` unless another update runs: two updates at once are refused.
        `first` runs once the update is sure to start, before it (an upload saves its files
        then: a refused one writes nothing); what it raises starts nothing."""
        with self._lock:
            if self.running:
                raise IndexBusy(f"an update ({self.status['kind']}) is already running")
            self._take_claim()
            try:
                if first is not None:
                    first()
                self._start(kind, work, progress)
            except BaseException:
                self._drop_claim()
                raise
        return dict(self.status)

    def _take_claim(self) -> None:
        """Hold the lock file until the job ends; IndexBusy if another process holds it.
        A lock file that cannot be made (a read-only folder) coordinates nothing: the
        index's own writer lock still keeps two updates apart."""
        if self._lock_file is None:
            return
        try:
            self._lock_file.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self._lock_file, "a+")  # noqa: SIM115 (held until the job ends)
        except OSError as error:
            logger.warning("updates not coordinated with other workers: %s", error)
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise IndexBusy("an update is already running in another worker") from None
        self._claim = handle

    def _drop_claim(self) -> None:
        claim, self._claim = self._claim, None
        if claim is not None:
            claim.close()  # closing the file releases its lock

    def _start(
        self, kind: str, work: Callable[[], UpdateReport], progress: EmbedProgress | None
    ) -> Future[None]:
        self.status = {"state": "queued", "kind": kind, "queued_at": time.time()}
        self.progress = progress
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-update")
        return self._pool.submit(self._run, kind, work)

    def run_waiting(
        self, kind: str, work: Callable[[], UpdateReport], stop: threading.Event
    ) -> UpdateReport:
        """Run `work` as the next update, waiting for a running one to end (the folder
        watcher's batches: an admin upload meanwhile gets 409, as with any update).
        Returns its report; raises what it raised."""
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
                if not self.running:
                    try:
                        self._take_claim()
                    except IndexBusy:
                        pass  # another worker's update: wait for it too
                    else:
                        future = self._start(kind, recorded, None)
                        break
            if stop.wait(0.2):
                raise IndexBusy("stopped while waiting for another update")
        future.result()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _run(self, kind: str, work: Callable[[], UpdateReport]) -> None:
        self.status = {**self.status, "state": "running", "started_at": time.time()}
        final: dict[str, Any]
        try:
            report = work()
        except ArticleQAError as error:
            final = {**self.status, "state": "failed", "error": str(error)}
        except Exception as error:  # a bug must not kill the worker; report it
            logger.exception("update (%s) failed", kind)
            final = {**self.status, "state": "failed", "error": f"{type(error).__name__}: {error}"}
        else:
            final = {
                **self.status,
                "state": "done",
                "summary": report.summary(),
                "added": report.added,
                "updated": report.updated,
                "removed": report.removed,
                "skipped": [{"source": p.source, "reason": p.reason} for p in report.problems],
                "warnings": report.warnings,
            }
        final["finished_at"] = time.time()
        with self._lock:  # ended and its claim let go at once: a submit sees both or neither
            self.status = final
            self._drop_claim()

    def wait(self, timeout: float = 60.0) -> None:
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

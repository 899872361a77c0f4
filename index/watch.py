"""Watch a folder: new, changed and deleted article files are synced in small batches.

Each batch is one ordinary update (sync.update_paths): written aside, published at once,
so readers never see half of it and a crash loses nothing. Batches are small so that a
burst of files becomes answerable a batch at a time, not all at the end. A batch that
cannot run because another writer holds the index waits and runs again.

In a server the watcher runs supervised (`supervise()`): whatever it raises, it is started
again after a wait that grows, and its state says so (/healthz, /admin/status).
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import watchfiles

from index.errors import ArticleQAError, IndexBusy
from index.ingest.readers import SUFFIXES
from index.sync import UpdateReport

logger = logging.getLogger("article-qa")
BATCH_FILES = 100  # files per update: ~10 s of embedding at worst on 2 busy cores
RETRY_SECONDS = (1, 2, 5, 10, 30)  # waits between tries of a batch that failed
LEAD_SECONDS = 2  # a standing-by process tries to take the watch this often
RESTART_SECONDS = (1, 2, 5, 10, 30, 60)  # waits before the watcher is started again
HEALTHY_SECONDS = 300  # a run this long that then fails starts the waits over

Apply = Callable[[list[Path], list[Path]], UpdateReport]  # (changed, deleted) → report


class Lease(Protocol):
    def release(self) -> None: ...


@dataclass
class FolderWatcher:
    """`run()` blocks until `stop` is set: call it in its own thread, or in the foreground
    of `qa index watch`. `apply(changed, deleted)` runs one update."""

    folder: Path
    apply: Apply
    catch_up: Callable[[], UpdateReport] | None = None  # a whole sync, once watching
    ignored: tuple[Path, ...] = ()  # folders under `folder` that others update (uploads)
    on_report: Callable[[UpdateReport], None] = lambda report: None
    stop: threading.Event = field(default_factory=threading.Event)
    batch_files: int = BATCH_FILES
    ready: threading.Event = field(default_factory=threading.Event)  # caught up, watching
    state: str = "starting"  # running, restarting after error: …, stopped
    last_error: str | None = None
    restarts: int = 0

    def status(self) -> dict[str, object]:
        return {"state": self.state, "last_error": self.last_error, "restarts": self.restarts}

    def lead(self, take: Callable[[], Lease | None]) -> None:
        """`supervise()` while this process holds the watch of the index (`take()` gives
        the lease, or None while another process holds it); until then, stand by and try
        again: when the process that watches dies, its lease goes, and one that stood by
        takes over (its first sync catches up on what came meanwhile)."""
        while not self.stop.is_set():
            try:
                lease = take()
            except ArticleQAError as error:  # the database is down: try again later
                lease, self.last_error = None, str(error)
            if lease is None:
                self.state = "standing by: another process watches the folder"
                self.stop.wait(LEAD_SECONDS)
                continue
            try:
                self.supervise()
            finally:
                lease.release()
        self.state = "stopped"

    def supervise(self) -> None:
        """`run()` until `stop`, started again after any error: a watcher thread that died
        would leave the index stale while the server answers as if all were well."""
        failures = 0
        while not self.stop.is_set():
            self.ready.clear()  # after a failure, sync again: changes meanwhile were missed
            self.state, started = "running", time.monotonic()
            try:
                self.run()
            except Exception as error:  # anything: a bug, a folder gone, an OSError
                logger.exception("watch: the watcher failed, starting it again")
                if time.monotonic() - started > HEALTHY_SECONDS:
                    failures = 0
                self.last_error = f"{type(error).__name__}: {error}"
                self.state = f"restarting after error: {self.last_error}"
                self.restarts += 1
                self.stop.wait(RESTART_SECONDS[min(failures, len(RESTART_SECONDS) - 1)])
                failures += 1
        self.state = "stopped"

    def run(self) -> None:
        root = self.folder.resolve()
        pending: set[Path] = set()
        for changes in watchfiles.watch(
            root,
            watch_filter=lambda _, path: self.wanted(Path(path)),
            stop_event=self.stop,
            debounce=1000,  # ms: a burst is gathered for at most this long
            step=100,  # ms of quiet that end a burst
            yield_on_timeout=True,  # every second: pending files are tried again
            rust_timeout=1000,
        ):
            if not root.is_dir():  # the watch goes on blind to a folder made again: end it
                raise FileNotFoundError(f"the watched folder {root} is gone")
            if not self.ready.is_set():
                # Caught up only now that the watcher runs: a file that came before is in
                # the sync, one that comes after is an event. None is missed.
                if self.catch_up is not None and not self._with_retries(self.catch_up):
                    continue
                self.ready.set()
            pending |= {Path(path) for _, path in changes}
            pending = self.drain(pending)

    def wanted(self, path: Path) -> bool:
        """Article files, not hidden, not in an ignored folder."""
        try:
            parts = path.relative_to(self.folder.resolve()).parts
        except ValueError:
            return False
        hidden = any(part.startswith(".") for part in parts)
        ignored = any(path.is_relative_to(folder.resolve()) for folder in self.ignored)
        return path.suffix.lower() in SUFFIXES and not hidden and not ignored

    def drain(self, pending: set[Path]) -> set[Path]:
        """Update the index with the pending files, a batch at a time; what is left when
        stopped or failing for good is returned, to be tried with the next changes."""
        queue = sorted(pending)
        while queue and not self.stop.is_set():
            batch = queue[: self.batch_files]
            if not self._apply_with_retries(batch):
                return set(queue)
            queue = queue[len(batch) :]
        return set(queue)

    def _apply_with_retries(self, batch: list[Path]) -> bool:
        def update() -> UpdateReport:
            # Whether a file was deleted is read now, not from the event: a file written
            # again after its deletion event is a changed file.
            changed = [p for p in batch if p.is_file()]
            return self.apply(changed, [p for p in batch if not p.exists()])

        return self._with_retries(update)

    def _with_retries(self, update: Callable[[], UpdateReport]) -> bool:
        for wait in (0, *RETRY_SECONDS):
            if self.stop.wait(wait):
                return False
            try:
                self.on_report(update())
                return True
            except IndexBusy as error:  # another writer: wait for our turn
                logger.info("watch: %s", error)
            except ArticleQAError as error:  # a full disk…: said, tried again later
                logger.error("watch: an update failed: %s", error)
        return False

"""The index folder: immutable generations, a CURRENT pointer switched atomically, a lock.

QA_INDEX_DIR/
  CURRENT          name of the live generation, replaced with os.replace
  gen-000007/      articles.sqlite, vectors.faiss, manifest.json (never changed once live)
  gen-000008.tmp-… a generation being written; left-overs of a crash are swept away
  .lock            held by the one writer
  jobs.sqlite      the server's update jobs, .update.lock and .update.guard their lock
                   (index/embedded/jobs.py: one update at a time across workers)
"""

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexBusy, IndexMissing

CURRENT = "CURRENT"
KEEP_OLD = 1  # generations kept behind the live one, for readers still holding them


def current_generation(index_dir: Path) -> Path:
    try:
        name = (index_dir / CURRENT).read_text().strip()
    except FileNotFoundError:
        raise IndexMissing(
            f"no index in {index_dir}: build one with `qa index build FOLDER`"
        ) from None
    return index_dir / name


def generation_number(path: Path) -> int:
    return int(path.name.split("-")[1].split(".")[0])


def new_generation(index_dir: Path) -> Path:
    """A fresh temporary folder for the next generation."""
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [generation_number(p) for p in index_dir.glob("gen-*")]
    path = index_dir / f"gen-{max(numbers, default=0) + 1:06d}.tmp-{os.getpid()}"
    path.mkdir()
    return path


def publish(index_dir: Path, staged: Path) -> Path:
    """Make a fully written generation live: rename it, then switch CURRENT atomically."""
    final = staged.with_name(staged.name.split(".")[0])
    _fsync_tree(staged)
    staged.rename(final)
    pointer = index_dir / f"{CURRENT}.tmp"
    with open(pointer, "w") as handle:
        handle.write(final.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    return final


def sweep(index_dir: Path) -> None:
    """Remove crashed temporaries and generations older than the ones kept."""
    try:
        live = current_generation(index_dir).name
    except IndexMissing:
        live = ""
    finished = sorted(p.name for p in index_dir.glob("gen-*") if ".tmp" not in p.name)
    at = finished.index(live) if live in finished else len(finished)
    keep = set(finished[max(at - KEEP_OLD, 0) : at + 1])
    for path in index_dir.glob("gen-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time; a second one fails at once with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"another update of {index_dir} is running; try again later") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""Build a model folder atomically: beside its target, then renamed into place.

A killed build leaves a `NAME.partial-PID` folder, never a half-written `NAME`; the next
build removes what dead processes left behind.
"""

import glob
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def build_folder(target: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(folder)` on a fresh folder, then move it to `target` in one rename."""
    target = Path(target)
    partial = target.parent / f"{target.name}.partial-{os.getpid()}"
    remove_leftovers(target)
    partial.mkdir(parents=True)
    try:
        write(partial)
        _replace_dir(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def remove_leftovers(target: Path) -> None:
    """Delete what killed builds left beside ``target``; running builds keep theirs."""
    for pattern in (".partial-*", ".old-*"):
        for leftover in target.parent.glob(glob.escape(target.name) + pattern):
            pid = leftover.name.rsplit("-", 1)[1]
            if pid.isdigit() and (int(pid) == os.getpid() or not _running(int(pid))):
                shutil.rmtree(leftover, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return True


def _replace_dir(source: Path, target: Path) -> None:
    """os.replace cannot overwrite a non-empty folder: move an old build aside first."""
    old = target.parent / f"{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)

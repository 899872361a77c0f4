"""The uploads folder, QA_SOURCE_DIR/uploads/: files that every sync reads, and beside them
`.rejected/`, where an upload that could not be read is moved with a `NAME.reason` file,
and `.sent/`, the name each upload was sent as (`a b.md` and `a?b.md` are both saved as
`a-b.md`: only the name it was sent as tells a new version from another file).

A rejected file is moved aside, not left in place, so that it is not read (and reported)
again by every later build; the folder is hidden, and syncs skip hidden folders.
"""

import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from index.interface import Reader
from index.sync import UPLOADS, UpdateReport

REJECTED = ".rejected"
REASON = ".reason"
SENT = ".sent"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
logger = logging.getLogger("article-qa")


def safe_name(filename: str) -> str:
    """A plain file name for an upload: never a path, never hidden."""
    stem = _UNSAFE.sub("-", Path(filename.replace("\\", "/")).name)
    return stem[-120:].strip(".-") or "upload"  # cut first: a cut may begin with a dot


class Uploads:
    def __init__(self, source_dir: Path) -> None:
        self.folder = source_dir / UPLOADS  # keyed by name in every sync (index/sync.py source_key)
        self.rejected = self.folder / REJECTED
        self.sent = self.folder / SENT

    def sent_as(self, name: str) -> str | None:
        """The name the live upload `name` was sent as; None if there is no such upload.
        A file saved without its name kept (before names were kept, or copied in by hand)
        stands for itself."""
        if not (self.folder / name).is_file():
            return None
        try:
            return (self.sent / name).read_text()
        except OSError:
            return name

    def save(self, files: dict[str, tuple[str, bytes]]) -> list[Path]:
        """Write every file (saved name → the name it was sent as, its bytes) or none (an
        OSError leaves nothing half saved)."""
        saved: list[Path] = []
        try:
            self.sent.mkdir(parents=True, exist_ok=True)
            for name, (sent, data) in files.items():
                (self.folder / name).write_bytes(data)
                saved.append(self.folder / name)
                (self.sent / name).write_text(sent)
                self._forget_rejection(name)  # a new version gets a new chance
        except OSError:
            for path in saved:
                path.unlink(missing_ok=True)
            raise
        return saved

    def set_aside(self, report: UpdateReport) -> UpdateReport:
        """Move the uploads that gave no article into .rejected/, each with its reason."""
        root = self.folder.resolve()
        for file, reason in report.failed_files.items():
            path = Path(file).resolve()
            if path.parent != root or not path.is_file():
                continue  # not an upload: the source folder's own files stay where they are
            try:
                self.rejected.mkdir(exist_ok=True)
                (self.rejected / (path.name + REASON)).write_text(reason + "\n")
                os.replace(path, self.rejected / path.name)
            except OSError as error:  # the update itself is done: say so, do not fail it
                logger.warning("cannot move the rejected upload %s aside: %s", path, error)
        return report

    def listing(self, store: Reader | None) -> dict[str, list[dict[str, Any]]]:
        """Live uploads with the ids of their articles, and the rejected ones with why."""
        live = sorted(p for p in self.folder.glob("*") if p.is_file())  # none if no folder
        uploads = [
            {**_describe(p), "articles": store.articles_from(str(p.resolve())) if store else []}
            for p in live
        ]
        return {"uploads": uploads, "rejected": self.rejections()}

    def rejections(self) -> list[dict[str, Any]]:
        if not self.rejected.is_dir():
            return []
        files = sorted(p for p in self.rejected.glob("*") if not p.name.endswith(REASON))
        return [{**_describe(p), "reason": self._reason(p.name)} for p in files]

    def find(self, name: str) -> tuple[Path, bool] | None:
        """The file an upload name stands for, and whether it was rejected; None if none."""
        if name != safe_name(name):
            return None  # no path, no hidden name: nothing outside the folder is reachable
        for path, rejected in ((self.folder / name, False), (self.rejected / name, True)):
            if path.is_file():
                return path, rejected
        return None

    def delete_rejected(self, name: str) -> None:
        self._forget_rejection(name)

    def _forget_rejection(self, name: str) -> None:
        (self.rejected / name).unlink(missing_ok=True)
        (self.rejected / (name + REASON)).unlink(missing_ok=True)

    def _reason(self, name: str) -> str:
        try:
            return (self.rejected / (name + REASON)).read_text().strip()
        except OSError:
            return "unknown"


def _describe(path: Path) -> dict[str, Any]:
    stat = path.stat()
    modified = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stat.st_mtime))
    return {"name": path.name, "bytes": stat.st_size, "modified": modified}

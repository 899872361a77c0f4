"""Uploads that a dead update left half done are put right when a server starts.

An upload's file is saved before it is indexed, and a deleted upload's file is gone before
its articles are; a process killed in between (kill -9, out of memory, a machine lost)
leaves an upload that cannot be answered, or articles of a file that no longer exists. A
server starting over an index whose last update died that way syncs the uploads folder
once: new and changed uploads are indexed, vanished ones removed, the rest left unchanged.
uvicorn starts a killed worker again at once, so `qa serve --workers N` mends itself; the
job is recorded like any other, with the dead job it follows (`after`).
"""

import logging
from typing import Any

from fastapi import FastAPI

from index.errors import ArticleQAError, IndexBusy
from index.sync import UpdateReport, sync_folder
from web.admin import updating
from web.uploads import Uploads

RECOVER = "recover uploads"
UPLOAD_KINDS = ("upload", "delete upload", RECOVER)  # the updates that touch uploads/
logger = logging.getLogger("article-qa")


def needs_recovery(last: dict[str, Any] | None) -> bool:
    """Whether the index's last update died while it changed the uploads."""
    return bool(last and last.get("died") and last.get("kind") in UPLOAD_KINDS)


def recover_uploads(app: FastAPI) -> dict[str, Any] | None:
    """Start the sync of the uploads folder if the last update died over uploads: the
    started job, or None (nothing to mend, another process mends it, or no index)."""
    jobs = app.state.jobs
    try:
        last = jobs.store.latest()
        if not needs_recovery(last):
            return None
        uploads = Uploads(app.state.settings.source_dir)
        index, embedder, options = updating(app)

        def work() -> UpdateReport:
            if not uploads.folder.is_dir():
                return UpdateReport()
            # keyed by file name, as the upload keyed them: the others stay unchanged
            return uploads.set_aside(sync_folder(index, uploads.folder, embedder, options))

        after = {"id": last.get("id"), "kind": last.get("kind"), "error": last.get("error")}
        job: dict[str, Any] = jobs.submit(RECOVER, work, options.progress, details={"after": after})
    except IndexBusy:  # another worker started first: it mends them
        return None
    except ArticleQAError as error:
        logger.warning("cannot mend the uploads of a dead update: %s", error)
        return None
    logger.warning("the last update (%s) died: syncing the uploads again", after["kind"])
    return job

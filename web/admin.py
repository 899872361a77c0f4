"""Admin: upload, delete, rebuild, status. Bearer QA_ADMIN_TOKEN; off (403) when unset."""

import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from index.backend import Backend
from index.embed import Embedder
from index.progress import EmbedProgress
from index.readers import SUFFIXES
from index.sync import UpdateOptions, add_paths, remove_articles, sync_folder
from qa.engine import get_embedder, update_options

from .pages import NO_INDEX, UNKNOWN
from .respond import page
from .schemas import ErrorBody

UPLOADS = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def require_token(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if not token:
        raise HTTPException(403, "admin is off: set QA_ADMIN_TOKEN to turn it on")
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(value.encode(), token.encode()):
        raise HTTPException(401, "a valid admin token is needed", {"WWW-Authenticate": "Bearer"})


router = APIRouter(tags=["admin"])
guarded = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_token)],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)


def safe_name(filename: str) -> str:
    """A plain file name for an upload: never a path, never hidden."""
    stem = _UNSAFE.sub("-", Path(filename.replace("\\", "/")).name).strip(".-")
    return stem[-120:] or "upload"


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request) -> HTMLResponse:
    return page(request, "admin.html")


UPLOAD_ERRORS = {
    400: {"model": ErrorBody, "description": "A body that does not parse."},
    413: {"model": ErrorBody, "description": "Over QA_MAX_UPLOAD_BYTES or QA_MAX_UPLOAD_FILES."},
    422: {"model": ErrorBody, "description": "No file of a supported type."},
    507: {"model": ErrorBody, "description": "The upload cannot be saved (full disk)."},
}


@guarded.post("/articles", status_code=202, responses=UPLOAD_ERRORS)
async def upload(
    request: Request,
    files: Annotated[list[UploadFile], File(min_length=1, description="Article files.")],
) -> dict[str, Any]:
    """Upload article files in any supported format; they are indexed in the background."""
    settings = request.app.state.settings
    if len(files) > settings.max_upload_files:
        raise HTTPException(413, f"at most {settings.max_upload_files} files per upload")
    accepted: dict[str, bytes] = {}
    refused, total = [], 0
    for item in files:
        name = safe_name(item.filename or "")
        if Path(name).suffix.lower() not in SUFFIXES:
            refused.append(
                {"file": name, "reason": f"unsupported file type, use {', '.join(SUFFIXES)}"}
            )
            continue
        data = await item.read(settings.max_upload_bytes + 1)
        total += len(data)
        if total > settings.max_upload_bytes:  # refused whole: no file of it is kept
            raise HTTPException(413, f"upload larger than {settings.max_upload_bytes:,} bytes")
        accepted[name] = data
    if not accepted:
        raise HTTPException(422, "no supported file in the upload: " + str(refused))
    folder = settings.source_dir / UPLOADS
    saved = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in accepted.items():
            (folder / name).write_bytes(data)
            saved.append(folder / name)
    except OSError as error:  # a full disk, a read-only folder: say so, keep nothing half
        for path in saved:
            path.unlink(missing_ok=True)
        raise HTTPException(507, f"cannot save the upload in {folder}: {error.strerror}") from error
    index, embedder, options = _updating(request)
    job = request.app.state.jobs.submit(
        "upload", lambda: add_paths(index, saved, embedder, options), options.progress
    )
    return {"job": job, "saved": [p.name for p in saved], "refused": refused}


@guarded.delete("/articles/{article_id}", status_code=202, responses=UNKNOWN | NO_INDEX)
def delete(request: Request, article_id: str) -> dict[str, Any]:
    """Remove an article (and its uploaded file, so a rebuild does not bring it back)."""
    settings = request.app.state.settings
    with request.app.state.live.reading() as live:
        origin = live.store.article(article_id).origin  # 404 for an unknown id
    uploads = (settings.source_dir / UPLOADS).resolve()
    index, embedder, _ = _updating(request)

    def work():  # type: ignore[no-untyped-def]
        report = remove_articles(index, [article_id], embedder)
        if origin and Path(origin).parent == uploads:
            Path(origin).unlink(missing_ok=True)
        return report

    return {"job": request.app.state.jobs.submit("delete", work)}


@guarded.post("/rebuild", status_code=202)
def rebuild(request: Request) -> dict[str, Any]:
    """Sync the index with the source folder (QA_SOURCE_DIR) in the background."""
    index, embedder, options = _updating(request)
    source = request.app.state.settings.source_dir
    job = request.app.state.jobs.submit(
        "rebuild", lambda: sync_folder(index, source, embedder, options), options.progress
    )
    return {"job": job}


def _updating(request: Request) -> tuple[Backend, Embedder, UpdateOptions]:
    """What a background update needs, taken from the app now, not from the request later."""
    settings = request.app.state.settings
    options = update_options(settings, EmbedProgress())
    return request.app.state.live.backend, get_embedder(settings, serving=True), options


@guarded.get("/status")
def status(request: Request) -> dict[str, Any]:
    """The running or last update: state (idle, queued, running, done, failed), progress
    (texts embedded / total, texts/s, ETA) and report."""
    return request.app.state.jobs.snapshot()


router.include_router(guarded)

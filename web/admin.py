"""Admin: upload, delete, rebuild, status, uploads. Bearer QA_ADMIN_TOKEN; off (403) unset."""

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from index.embedding.embed import Embedder
from index.embedding.progress import EmbedProgress
from index.errors import ArticleQAError, IndexBusy
from index.ingest.readers import SUFFIXES
from index.interface import Backend
from index.jobs_store import owner
from index.sync import (
    UpdateOptions,
    UpdateReport,
    add_paths,
    remove_articles,
    remove_files,
    sync_folder,
)
from qa.app.engine import get_embedder
from qa.app.indexing import update_options
from web.chart import chart
from web.pages import NO_INDEX, UNKNOWN
from web.respond import page
from web.schemas import ErrorBody, Responses
from web.uploads import Uploads, safe_name


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


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request) -> HTMLResponse:
    """The index at a glance (public, as /articles is), and the actions (token needed)."""
    try:
        with request.app.state.live.reading() as live:
            stats, months = live.store.stats(), live.store.article_months()
    except ArticleQAError:  # no index yet, or its database down: the actions still work
        return page(request, "admin.html", stats=None, chart=None)
    return page(request, "admin.html", stats=stats, chart=chart(months))


UPLOAD_ERRORS: Responses = {
    400: {"model": ErrorBody, "description": "A body that does not parse."},
    409: {
        "model": ErrorBody,
        "description": "Another update runs, or two files would be saved under one name: "
        "nothing was saved.",
    },
    413: {"model": ErrorBody, "description": "Over QA_MAX_UPLOAD_BYTES or QA_MAX_UPLOAD_FILES."},
    422: {"model": ErrorBody, "description": "No file of a supported type."},
    507: {"model": ErrorBody, "description": "The upload cannot be saved (full disk)."},
}


@guarded.post("/articles", status_code=202, responses=UPLOAD_ERRORS)
def upload(
    request: Request,
    files: Annotated[list[UploadFile], File(min_length=1, description="Article files.")],
) -> dict[str, Any]:
    """Upload article files in any supported format; they are indexed in the background.
    A file sent under the name of an earlier upload replaces it (`replaced`). Refused with
    409, nothing saved: two files that would be saved under one name (`a b.md`, `a?b.md`),
    in one upload or an earlier one, and an upload while another update runs.

    A plain `def`: FastAPI runs it in a worker thread, so reading and saving the files
    never holds up the event loop (and the other requests) on a slow disk."""
    settings = request.app.state.settings
    if len(files) > settings.max_upload_files:
        raise HTTPException(413, f"at most {settings.max_upload_files} files per upload")
    accepted: dict[str, tuple[str, bytes]] = {}  # saved name → the name it was sent as, bytes
    refused, total = [], 0
    for item in files:
        sent = item.filename or ""
        name = safe_name(sent)
        if Path(name).suffix.lower() not in SUFFIXES:
            refused.append(
                {"file": name, "reason": f"unsupported file type, use {', '.join(SUFFIXES)}"}
            )
            continue
        if name in accepted:  # "a b.md" and "a?b.md": one would silently replace the other
            raise HTTPException(
                409,
                f"{accepted[name][0]!r} and {sent!r} would both be saved as {name!r}: rename "
                "one and upload again; nothing was saved",
            )
        data = item.file.read(settings.max_upload_bytes + 1)
        total += len(data)
        if total > settings.max_upload_bytes:  # refused whole: no file of it is kept
            raise HTTPException(413, f"upload larger than {settings.max_upload_bytes:,} bytes")
        accepted[name] = (sent, data)
    if not accepted:
        raise HTTPException(422, "no supported file in the upload: " + str(refused))
    uploads = _uploads(request)
    saved: list[Path] = []
    replaced: list[str] = []

    def save() -> None:  # once the update is sure to start, under the jobs' lock
        for name, (sent, _) in sorted(accepted.items()):
            earlier = uploads.sent_as(name)
            if earlier is not None and earlier != sent:  # another file: never replaced unsaid
                raise HTTPException(
                    409,
                    f"{sent!r} would be saved as {name!r}, the upload {earlier!r} already is: "
                    f"rename it, or delete that upload first (DELETE /admin/uploads/{name}); "
                    "nothing was saved",
                )
            if earlier is not None:  # the same name sent again: a new version
                replaced.append(name)
        saved.extend(uploads.save(accepted))

    index, embedder, options = updating(request.app)
    try:
        job = request.app.state.jobs.submit(
            "upload",
            lambda: uploads.set_aside(add_paths(index, saved, embedder, options)),
            options.progress,
            first=save,
        )
    except IndexBusy as error:
        raise HTTPException(409, f"{error}: nothing was saved, upload again after it") from error
    except OSError as error:  # a full disk, a read-only folder: say so, keep nothing half
        message = f"cannot save the upload in {uploads.folder}: {error.strerror}"
        raise HTTPException(507, message) from error
    return {"job": job, "saved": [p.name for p in saved], "replaced": replaced, "refused": refused}


@guarded.delete("/articles/{article_id}", status_code=202, responses=UNKNOWN | NO_INDEX)
def delete(request: Request, article_id: str) -> dict[str, Any]:
    """Remove an article (and its uploaded file, so a rebuild does not bring it back)."""
    with request.app.state.live.reading() as live:
        origin = live.store.article(article_id).origin  # 404 for an unknown id
        siblings = live.store.articles_from(origin) if origin else []
    upload = Path(origin) if origin else None
    if upload and upload.parent != _uploads(request).folder.resolve():
        upload = None  # a file of the source folder itself: not ours to delete
    if upload and len(siblings) > 1:  # deleting the file would take the others with it
        raise HTTPException(
            409,
            f"article {article_id} came from the upload {upload.name}, which holds "
            f"{len(siblings)} articles: delete the upload (DELETE /admin/uploads/{upload.name}) "
            "to remove them all",
        )
    index, embedder, _ = updating(request.app)

    def work() -> UpdateReport:
        report = remove_articles(index, [article_id], embedder)
        if upload:
            upload.unlink(missing_ok=True)
        return report

    return {"job": request.app.state.jobs.submit("delete", work)}


@guarded.post("/rebuild", status_code=202)
def rebuild(request: Request) -> dict[str, Any]:
    """Sync the index with the source folder (QA_SOURCE_DIR) in the background."""
    index, embedder, options = updating(request.app)
    source, uploads = request.app.state.settings.source_dir, _uploads(request)
    job = request.app.state.jobs.submit(
        "rebuild",
        lambda: uploads.set_aside(sync_folder(index, source, embedder, options)),
        options.progress,
    )
    return {"job": job}


def updating(app: FastAPI) -> tuple[Backend, Embedder, UpdateOptions]:
    """What a background update needs, taken from the app now, not from the request later."""
    settings = app.state.settings
    options = update_options(settings, EmbedProgress())
    return app.state.live.backend, get_embedder(settings), options


@guarded.get("/status")
def status(request: Request) -> dict[str, Any]:
    """The running or last update of any server over this index: state (idle, queued,
    running, done, failed), kind, `owner` (host and process running it), progress (texts
    embedded / total, texts/s, ETA) and report; a job whose process died is `failed`.
    `served_by`: the process answering; `rejected`: the uploads of this server set aside
    because they could not be read, with the reason; `watch` with QA_WATCH: the folder
    watcher's state, as in /healthz."""
    status = {
        **request.app.state.jobs.snapshot(),
        "served_by": owner(),
        "rejected": _uploads(request).rejections(),
    }
    watcher = request.app.state.watcher
    return status if watcher is None else {**status, "watch": watcher.status()}


@guarded.get("/uploads")
def list_uploads(request: Request) -> dict[str, Any]:
    """Uploaded files with the ids of their articles, and the rejected ones with the reason."""
    try:
        with request.app.state.live.reading() as live:
            return _uploads(request).listing(live.store)
    except ArticleQAError:  # no index yet: the files are still worth listing
        return _uploads(request).listing(None)


@guarded.delete(
    "/uploads/{name}",
    responses={
        202: {"description": "A live upload: its articles are removed in the background."},
        404: {"model": ErrorBody, "description": "No upload of this name."},
    },
)
def delete_upload(request: Request, name: str) -> JSONResponse:
    """Delete an uploaded file: a rejected one at once (200); a live one with its articles,
    in the background (202)."""
    uploads = _uploads(request)
    found = uploads.find(name)
    if found is None:
        raise HTTPException(404, f"no upload named {name!r}")
    path, rejected = found
    if rejected:
        uploads.delete_rejected(name)
        return JSONResponse({"deleted": name, "job": None})
    index, embedder, _ = updating(request.app)

    def work() -> UpdateReport:
        path.unlink(missing_ok=True)  # first: a rebuild must not read it again
        return remove_files(index, [path], embedder)

    job = request.app.state.jobs.submit("delete upload", work)
    return JSONResponse({"deleted": name, "job": job}, status_code=202)


def _uploads(request: Request) -> Uploads:
    return Uploads(request.app.state.settings.source_dir)


router.include_router(guarded)

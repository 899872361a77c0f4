"""The FastAPI application: chat page, /ask API, article pages, admin. `create_app(settings)`."""

import functools
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from index.errors import ArticleQAError, ModelDamaged
from index.ingest.article import web_url
from index.jobs_store import open_job_store
from index.watch import FolderWatcher
from qa.app.engine import get_embedder, reading_for, serving
from qa.app.indexing import folder_watcher
from qa.app.settings import Settings, get_settings
from web import admin, api, chat, pages
from web.conversations import Conversations
from web.guard import Guard
from web.head import HeadAsGet
from web.i18n import LANGUAGE_NAMES, STRINGS
from web.jobs import Jobs
from web.marks import marked
from web.memory import limit_arenas, release_update_memory
from web.recovery import recover_uploads
from web.respond import error_response, status_of
from web.schemas import DATE, NOT_BLANK, REAL_DATE
from web.state import LiveIndex
from web.uploads import Uploads

HERE = Path(__file__).parent
# Pages load nothing from elsewhere; /docs needs its own inline bootstrap script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
logger = logging.getLogger("article-qa")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the models and open the index before the first question, not during it."""
    try:
        reading = reading_for(app.state.settings)  # built once; a damaged one stops here
    except ModelDamaged as error:
        logger.critical("cannot start: %s", error)
        raise
    if reading is not None:  # compiled now: not by the first question, nor by 32 at once
        reading.reader.logits("warm up", [("warm up", "")])
    try:
        with app.state.live.reading() as live:
            live.answerer.embedder.encode_query("warm up")
    except ArticleQAError as error:  # no index yet, or another model: /ask says so (503)
        logger.warning("not answering yet: %s", error)
    recover_uploads(app)  # in the background, if the last update died over uploads
    app.state.watcher = None
    if app.state.settings.watch:
        try:
            app.state.watcher = _start_watching(app)
        except ArticleQAError as error:  # no source folder: answering goes on without
            logger.error("not watching: %s", error)
    yield
    if app.state.watcher is not None:
        app.state.watcher.stop.set()
    app.state.jobs.shutdown()
    app.state.live.close()


def _start_watching(app: FastAPI) -> FolderWatcher:
    """QA_WATCH: the source folder's changes are indexed as they come, in the background
    and queued with the admin's updates; /ask answers from the live index meanwhile. Of the
    processes over one index (workers, servers), one watches; another takes over if it dies."""
    settings, jobs = app.state.settings, app.state.jobs
    watcher = folder_watcher(
        settings,
        settings.source_dir,
        lambda report: logger.info("watch: %s", report.summary()),
        ignored=(Uploads(settings.source_dir).folder,),  # the admin API indexes uploads
        runner=lambda kind, work: jobs.run_waiting(kind, work, watcher.stop),
    )
    # One process watches for the index (a lease in the job store); the others stand by.
    lead = functools.partial(watcher.lead, jobs.store.watch_lease)
    threading.Thread(target=lead, name="folder-watch", daemon=True).start()
    return watcher


def create_app(settings: Settings) -> FastAPI:
    limit_arenas()  # before the threads that answer start
    settings = serving(settings)
    app = FastAPIOffline(
        lifespan=lifespan,
        title="article-qa",
        summary="Questions over news articles, answered with a quoted source sentence.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.live = LiveIndex(settings)
    # Every process over the index shares its jobs: an update in one is a 409 in all.
    app.state.jobs = Jobs(
        open_job_store(settings.backend, settings.index_dir, settings.database_url),
        after=lambda: release_update_memory(get_embedder(settings)),
    )
    app.state.watcher = None  # QA_WATCH's FolderWatcher, once the app has started
    app.state.conversations = Conversations(
        settings.conversations_file,
        settings.conversation_days,
        settings.max_conversations,
        settings.conversation_turns,
    )
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (api, chat, pages, admin):
        app.include_router(module.router)
    _add_favicon(app)
    _add_error_handlers(app)
    _document_limits(app, settings)
    app.add_middleware(Guard, settings=settings)  # inside the headers: its errors get them
    _add_security_headers(app)
    app.add_middleware(HeadAsGet)  # outermost: a HEAD gets every header a GET gets
    return app


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    # `{% if url is web_url %}`: the one check before any url from data becomes an href
    templates.env.tests["web_url"] = lambda url: web_url(url) is not None
    # an answer card speaks the question's language, whatever the page's
    templates.env.globals["strings"] = STRINGS
    templates.env.globals["language_names"] = LANGUAGE_NAMES
    templates.env.filters["marked"] = marked
    return templates


def _add_favicon(app: FastAPI) -> None:
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it whatever the page links
        return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")


def app_from_settings() -> FastAPI:
    """The app of one `qa serve --workers N` process: settings from QA_* variables."""
    return create_app(get_settings())


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI schema states this server's own limits (they are settings)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        shapes = schema["components"]["schemas"]
        # a question: at most max_question_chars, not only white space (else 422)
        question = {"maxLength": settings.max_question_chars, "pattern": NOT_BLANK}
        shapes["AskRequest"]["properties"]["question"].update(question)
        for parameter in schema["paths"]["/ask"]["get"]["parameters"]:
            if parameter["name"] == "q":
                parameter["schema"].update(question)
        for name, shape in shapes.items():
            if name.startswith("Body_upload"):
                shape["properties"]["files"]["maxItems"] = settings.max_upload_files
        _only_real_dates(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _only_real_dates(node: object) -> None:
    """Every filter date of the schema (bodies, query parameters) allows only the dates
    that exist: its DATE pattern let `2024-13` through, which the server refuses (422)."""
    if isinstance(node, dict):
        if node.get("pattern") == DATE:
            node["pattern"] = REAL_DATE
        for value in node.values():
            _only_real_dates(value)
    elif isinstance(node, list):
        for value in node:
            _only_real_dates(value)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArticleQAError)
    async def our_error(request: Request, error: ArticleQAError) -> Response:
        status = status_of(error)
        if status >= 500:  # the server's fault: keep its trace for whoever runs it
            logger.error("%s %s: %s", request.method, request.url.path, error)
        return error_response(request, status, str(error))

    @app.exception_handler(Exception)  # anything else is a bug: 500, and the server goes on
    async def bug(request: Request, error: Exception) -> Response:
        request_id = uuid.uuid4().hex[:12]
        where = f"{request.method} {request.url.path}"
        logger.error("request %s (%s) failed", request_id, where, exc_info=error)
        message = f"internal error, request id {request_id}: the server log has the details"
        response = error_response(request, 500, message)
        response.headers["X-Request-Id"] = request_id
        _secure(response, request)  # this handler answers from outside the middlewares
        return response

    @app.exception_handler(HTTPException)  # Starlette's: also unknown paths, bad bodies
    async def http_error(request: Request, error: HTTPException) -> Response:
        response = error_response(request, error.status_code, str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}"
            for e in error.errors()
        )
        return error_response(request, 422, problems)


def _add_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        return _secure(await call_next(request), request)


def _secure(response: Response, request: Request) -> Response:
    docs = request.url.path.startswith(("/docs", "/redoc"))
    response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response

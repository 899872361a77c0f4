"""Rendering helpers shared by every router: pages, negotiation, the one error shape."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from index.errors import (
    ArticleQAError,
    BadArticle,
    IndexBusy,
    IndexCorrupt,
    IndexMissing,
    IndexUnavailable,
    IndexWriteError,
    ModelDamaged,
    ModelMismatch,
    UnknownArticle,
)
from web.i18n import LANGUAGE_NAMES, STRINGS, ui_language

# Every error of ours has its status; 5xx where the fault is the server's, not the client's.
STATUS: dict[type[ArticleQAError], int] = {
    BadArticle: 422,  # the client's file or record
    UnknownArticle: 404,
    IndexBusy: 409,  # another update runs: try again after it
    IndexMissing: 503,  # not built yet: the service is not ready
    ModelMismatch: 503,  # built with another model: not ready until rebuilt
    IndexUnavailable: 503,  # the database cannot be reached
    IndexCorrupt: 500,
    ModelDamaged: 500,  # a shipped model file damaged: the installation's fault
    IndexWriteError: 507,  # full disk or read-only folder, as for an upload
}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    language = ui_language(request)
    context |= {"t": STRINGS[language], "lang": language, "names": LANGUAGE_NAMES[language]}
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)


def status_of(error: ArticleQAError) -> int:
    """The status of the closest listed class; 500 for one nobody listed (a bug of ours)."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def error_response(request: Request, status: int, message: str) -> Response:
    """{"error", "status"} for JSON clients, error.html for browsers."""
    if wants_html(request):
        return page(request, "error.html", status, status_code=status, message=message)
    return JSONResponse({"error": message, "status": status}, status_code=status)

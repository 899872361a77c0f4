"""Rendering helpers shared by every router: pages, negotiation, the one error shape."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .i18n import LANGUAGE_NAMES, STRINGS, ui_language


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    language = ui_language(request)
    context |= {"t": STRINGS[language], "lang": language, "names": LANGUAGE_NAMES[language]}
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)


def error_response(request: Request, status: int, message: str) -> Response:
    """{"error", "status"} for JSON clients, error.html for browsers."""
    if wants_html(request):
        return page(request, "error.html", status, status_code=status, message=message)
    return JSONResponse({"error": message, "status": status}, status_code=status)

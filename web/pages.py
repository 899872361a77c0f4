"""HTML pages: the chat (works without JavaScript), the article list and article pages.

/articles and /articles/{id} answer JSON unless the client asks for HTML (a browser does).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ingest.article import Article
from web.api import answer
from web.respond import page, wants_html
from web.schemas import AskRequest, ErrorBody, Responses

router = APIRouter()
MAX_TURNS = 5
NO_INDEX: Responses = {503: {"model": ErrorBody, "description": "No index has been built yet."}}
UNKNOWN: Responses = {404: {"model": ErrorBody, "description": "No article with this id."}}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def chat(request: Request, q: str | None = None, read_dates: bool = True) -> HTMLResponse:
    """The chat; `?q=…` comes back with that question answered (the link of an applied
    date filter asks again with `read_dates=false`)."""
    if not q or not q.strip():
        return page(request, "chat.html", turns=[], filters={})
    try:
        body = AskRequest(question=q, read_dates=read_dates)
        turns = [{"question": q, "answer": answer(request, body)}]
    except (HTTPException, ValueError) as problem:
        error = getattr(problem, "detail", None) or str(problem)
        return page(request, "chat.html", 422, turns=[], filters={}, error=error)
    return page(request, "chat.html", turns=turns, filters={})


@router.post("/", response_class=HTMLResponse, include_in_schema=False)
def chat_form(
    request: Request,
    question: Annotated[str, Form()] = "",
    history: Annotated[list[str] | None, Form()] = None,
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Without JavaScript: the page comes back with every turn answered again."""
    filters = {"since": since or None, "until": until or None, "source": source or None}
    asked = [*(history or [])[-(MAX_TURNS - 1) :], question]
    turns, error = [], None
    try:
        for number, text in enumerate(asked):
            body = AskRequest(question=text, history=asked[:number], **filters)
            turns.append({"question": text, "answer": answer(request, body)})
    except (HTTPException, ValueError) as problem:  # a bad question or filter; no index: 503
        error = getattr(problem, "detail", None) or str(problem)
    status = 200 if error is None else 422
    return page(request, "chat.html", status, turns=turns, filters=filters, error=error)


@router.get("/articles", tags=["articles"], response_model=None, responses=NO_INDEX)
def articles(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # SQLite takes 64 bits at most
    stories: Annotated[
        bool, Query(description="One row per wire story, its other copies in `also_in`.")
    ] = False,
) -> Response:
    """Articles in the index, newest first, each with its `story` and the other copies of
    it in `also_in` (JSON, or a page for browsers)."""
    with request.app.state.live.reading() as live:
        rows = live.store.list_articles(limit, offset, stories)
    if wants_html(request):
        return page(request, "articles.html", articles=rows, stories=stories)
    return JSONResponse({"articles": rows, "limit": limit, "offset": offset, "stories": stories})


@router.get(
    "/articles/{article_id}", tags=["articles"], response_model=None, responses=UNKNOWN | NO_INDEX
)
def article(request: Request, article_id: str, hl: int | None = None) -> Response:
    """One article with its paragraphs and sentences (JSON, or a page for browsers)."""
    with request.app.state.live.reading() as live:
        found = live.store.article(article_id)
    if wants_html(request):
        return page(request, "article.html", article=found, blocks=blocks(found), hl=hl)
    return JSONResponse(as_json(found))


def blocks(article: Article) -> list[dict[str, Any]]:
    """Paragraphs as runs of text, each sentence a run with its index for #s{index}."""
    out = []
    for number, paragraph in enumerate(article.paragraphs):
        runs: list[dict[str, Any]] = []
        cursor = paragraph.start
        for sentence in (s for s in article.sentences if s.paragraph == number):
            runs.append({"text": article.text[cursor : sentence.start], "index": None})
            runs.append({"text": article.sentence_text(sentence), "index": sentence.position})
            cursor = sentence.end
        runs.append({"text": article.text[cursor : paragraph.end], "index": None})
        out.append({"kind": paragraph.kind, "runs": [r for r in runs if r["text"]]})
    return out


def as_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "date": article.date,
        "url": article.url,
        "source": article.source,
        "language": article.language,
        "text": article.text,
        "paragraphs": [vars(p) for p in article.paragraphs],
        "sentences": [vars(s) for s in article.sentences],
    }

"""JSON API: /ask (POST and GET), /articles, /healthz."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator

from index.filters import Filters
from qa.models import Answer
from web.respond import page, wants_html
from web.schemas import BLANK, DATE, HISTORY, AskRequest, ErrorBody, Responses, real_date

router = APIRouter()
ERRORS: Responses = {
    400: {"model": ErrorBody, "description": "A body that does not parse."},
    422: {"model": ErrorBody, "description": "Empty or over-long question, bad filter."},
    503: {"model": ErrorBody, "description": "No index has been built yet."},
}


def answer(request: Request, body: AskRequest) -> Answer:
    """Validate the question against the settings, then answer it from the live index."""
    question = body.question.strip(BLANK)
    limit = request.app.state.settings.max_question_chars
    if not question:
        raise HTTPException(422, "question: the question is empty")
    if len(body.question) > limit:
        raise HTTPException(422, f"question: the question is longer than {limit} characters")
    filters = Filters(body.since, body.until, body.source)
    history = [h for h in body.history if h.strip()][-HISTORY:]
    with request.app.state.live.reading() as live:
        return live.answerer.ask(question, body.k, filters, history, body.read_dates)


@router.post("/ask", response_model=Answer, responses=ERRORS, tags=["answers"])
def ask_post(request: Request, body: AskRequest) -> Answer | HTMLResponse:
    """Answer a question with a quoted sentence, or "not found" in the question's language.

    With `Accept: text/html` the answer comes back as the chat page's HTML fragment.
    """
    result = answer(request, body)
    if wants_html(request):
        return page(
            request, "_turn.html", turn={"question": body.question.strip(BLANK), "answer": result}
        )
    return result


@router.get("/ask", response_model=Answer, responses=ERRORS, tags=["answers"])
def ask_get(
    request: Request,
    q: Annotated[str, Query(description="The question.")],
    k: Annotated[int | None, Query(ge=1, le=50)] = None,
    since: Annotated[str | None, Query(pattern=DATE), AfterValidator(real_date)] = None,
    until: Annotated[str | None, Query(pattern=DATE), AfterValidator(real_date)] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    read_dates: Annotated[bool, Query(description="false: dates in q are words.")] = True,
) -> Answer:
    """The same answer as POST /ask, for links and quick tries."""
    body = AskRequest(
        question=q, k=k, since=since, until=until, source=source, read_dates=read_dates
    )
    return answer(request, body)


@router.get("/healthz", tags=["service"], responses={503: {"model": ErrorBody}})
def healthz(request: Request) -> dict[str, object]:
    """Ready when an index is live. With QA_WATCH, `watch`: the folder watcher's state
    (running, or restarting after error: …), its last error and how often it restarted;
    answering goes on while it restarts, so the status stays 200."""
    with request.app.state.live.reading() as live:
        health = {"status": "ok", "generation": live.version, "model": live.store.model}
    watcher = request.app.state.watcher
    return health if watcher is None else {**health, "watch": watcher.status()}

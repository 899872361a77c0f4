"""The chat: its page at `/?c=ID` and the conversations API the page's script uses.

Without JavaScript the form posts to `/`, the turn is answered and stored, and the browser
is sent to `/?c=ID#turn-N` (post, redirect, get): reloading or coming back from a citation
shows the conversation without asking anything again, and only the new question is answered.

A GET never writes: `/?q=…` (a shared link, a link preview, a crawler) is answered and shown
without being kept, so that it neither creates a conversation nor evicts a real one from the
bounded store. Only a POST starts or extends a conversation.
"""

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from web.api import ERRORS, answer
from web.conversations import ID, Conversation, Conversations, Turn, TurnFilters
from web.respond import page, wants_html
from web.schemas import BLANK, AskRequest, ErrorBody, Responses, TurnRequest, recent_history

router = APIRouter()
UNKNOWN: Responses = {
    404: {"model": ErrorBody, "description": "No conversation of this id (or expired)."}
}
CONVERSATION_ID = Annotated[str, Path(pattern=ID, description="The `c` of `/?c=ID`.")]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def chat(
    request: Request,
    c: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query()] = None,
    read_dates: bool = True,
) -> Response:
    """The conversation `c`; with `q`, that question is answered after its turns, and
    neither kept nor counted as a use: a GET writes nothing."""
    found = _conversations(request).get(c) if c is not None and _valid(c) else None
    if q is not None:
        return _answer_unkept(request, q, found, TurnFilters(read_dates=read_dates))
    if c is None:
        return page(request, "chat.html", turns=[], filters={}, conversation=None)
    if found is None:  # expired, or never was: say so, and offer a fresh chat
        return page(request, "chat.html", 404, turns=[], filters={}, conversation=None, gone=True)
    last = found.turns[-1].filters.model_dump() if found.turns else {}
    return page(request, "chat.html", turns=found.turns, filters=last, conversation=c)


@router.post("/", response_class=HTMLResponse, include_in_schema=False)
def chat_form(
    request: Request,
    question: Annotated[str, Form()] = "",
    c: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
    read_dates: Annotated[bool, Form()] = True,
) -> Response:
    """Without JavaScript: answer the new question only, keep it, show the conversation
    (also the button of an applied date filter, which asks again with `read_dates=false`)."""
    filters = TurnFilters(
        since=since or None, until=until or None, source=source or None, read_dates=read_dates
    )
    conversations = _conversations(request)
    found = conversations.get(c) if _valid(c) else None
    turn = _ask_or_say(request, question, found, filters)
    if isinstance(turn, Response):
        return turn
    cid = found.id if found else _create(conversations)
    kept = _add(conversations, cid, turn)
    return RedirectResponse(f"/?c={cid}#turn-{kept.number}", status_code=303)


def _answer_unkept(
    request: Request, question: str, found: Conversation | None, filters: TurnFilters
) -> Response:
    """The conversation's turns and the answer to `question` after them, not stored."""
    turn = _ask_or_say(request, question, found, filters)
    if isinstance(turn, Response):
        return turn
    turns = found.turns if found else []
    shown = turn.model_copy(update={"number": len(turns) + 1})
    return page(
        request,
        "chat.html",
        turns=[*turns, shown],
        filters=filters.model_dump(),
        conversation=found.id if found else None,
        unkept=True,
    )


def _ask_or_say(
    request: Request, question: str, found: Conversation | None, filters: TurnFilters
) -> Turn | Response:
    """The turn, or the chat page saying why there is none."""
    try:
        return _ask(request, found, question, filters)
    # A bad question or filter (422), no index (503). Not any ValueError: one from inside
    # is a bug, answered by the app's 500 handler with a request id, and logged.
    except (HTTPException, ValidationError) as problem:
        if isinstance(problem, HTTPException):
            error, status = str(problem.detail), problem.status_code
        else:
            error, status = "; ".join(_said(e) for e in problem.errors()), 422
        return page(
            request,
            "chat.html",
            status,
            turns=found.turns if found else [],
            filters=filters.model_dump(),
            conversation=found.id if found else None,
            error=error,
        )


@router.post("/conversations", status_code=201, response_model=Conversation, tags=["conversations"])
def start(request: Request) -> Conversation:
    """A new, empty conversation; its page is `/?c=ID`."""
    return Conversation(id=_create(_conversations(request)), turns=[])


@router.get(
    "/conversations/{cid}", response_model=Conversation, responses=UNKNOWN, tags=["conversations"]
)
def conversation(request: Request, cid: CONVERSATION_ID) -> Conversation:
    """The turns of a conversation, each with its stored answer."""
    found = _conversations(request).get(cid)
    if found is None:
        raise HTTPException(404, f"no conversation {cid!r}: it expired or never was")
    return found


@router.post(
    "/conversations/{cid}/turns",
    response_model=Turn,
    responses=ERRORS | UNKNOWN,
    tags=["conversations"],
)
def ask_in(request: Request, cid: CONVERSATION_ID, body: TurnRequest) -> Turn | HTMLResponse:
    """Ask the next question of a conversation: a follow-up ("Et combien… ?") leans on the
    earlier questions. With `Accept: text/html`, the turn as the chat page's HTML fragment."""
    conversations = _conversations(request)
    found = conversations.get(cid)
    if found is None:
        raise HTTPException(404, f"no conversation {cid!r}: it expired or never was")
    filters = TurnFilters(since=body.since, until=body.until, source=body.source)
    turn = _ask(request, found, body.question, filters, body.k)
    kept = _add(conversations, cid, turn)
    if wants_html(request):
        return page(request, "_turn.html", turn=kept, conversation=cid)
    return kept


def _ask(
    request: Request,
    found: Conversation | None,
    question: str,
    filters: TurnFilters,
    k: int | None = None,
) -> Turn:
    history = recent_history([t.question for t in found.turns]) if found else []
    body = AskRequest(question=question, k=k, history=history, **filters.model_dump())
    result = answer(request, body)
    return Turn(
        number=0,
        question=question.strip(BLANK),
        answer=result,
        filters=filters,
        asked_at=time.time(),
    )


def _said(error: ErrorDetails) -> str:
    return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"


def _valid(cid: str) -> bool:
    return re.fullmatch(ID, cid) is not None


def _conversations(request: Request) -> Conversations:
    return request.app.state.conversations


def _create(conversations: Conversations) -> str:
    with _kept():
        return conversations.create()


def _add(conversations: Conversations, cid: str, turn: Turn) -> Turn:
    with _kept():
        kept = conversations.add(cid, turn)
    if kept is None:  # expired between reading it and now
        raise HTTPException(404, f"no conversation {cid!r}: it expired or never was")
    return kept


@contextmanager
def _kept() -> Iterator[None]:
    """A conversation that cannot be written (full disk, read-only folder) is the server's
    fault, said as such."""
    try:
        yield
    except sqlite3.OperationalError as error:
        raise HTTPException(507, f"cannot keep the conversation: {error}") from error

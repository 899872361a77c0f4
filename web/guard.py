"""Limits on every request: body size (QA_MAX_UPLOAD_BYTES) and time (QA_REQUEST_TIMEOUT).

A pure ASGI middleware, so that a request over time is answered at once, in the one error
shape, even while its endpoint still runs in a worker thread (a thread cannot be stopped:
it finishes in the background and its late response is dropped).
"""

import asyncio

from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.app.settings import Settings
from web.respond import error_response

SLACK = 65536  # multipart framing around the files of an upload


class Guard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = self.settings.max_upload_bytes
        too_large = f"request larger than {limit:,} bytes"
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + SLACK:  # refused before it is read
            await error_response(request, 413, too_large)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:  # a body without a declared length is counted
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit + SLACK:
                    raise HTTPException(413, too_large)
            return message

        started = timed_out = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return  # the 503 went out already
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, counted, guarded_send))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.settings.request_timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done or started:  # on time, or already streaming its response
            await task
            return
        timed_out = True
        task.cancel()
        task.add_done_callback(_retrieve)
        seconds = f"{self.settings.request_timeout:g}"
        message = f"the request took longer than {seconds} s (QA_REQUEST_TIMEOUT); " + (
            "try again" if _reads_only(request) else _MAY_BE_DONE
        )
        await error_response(request, 503, message)(scope, receive, send)


# A write's thread cannot be stopped: it may still save the turn or the upload after this.
_MAY_BE_DONE = "it may still be done: look before sending it again"


def _reads_only(request: Request) -> bool:
    """Whether sending the request again can do no harm: reads, and asking (POST /ask)."""
    return request.method in ("GET", "HEAD") or request.url.path == "/ask"


def _retrieve(task: asyncio.Future) -> None:
    """A request given up on may still fail in its thread: nobody is waiting for it."""
    if not task.cancelled():
        task.exception()

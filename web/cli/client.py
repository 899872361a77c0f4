"""Ask a running `qa serve` over HTTP (`qa ask --server URL`, `qa chat --server URL`): no model
and no index are loaded, so an answer takes the time of one request.

The standard library's urllib: nothing more to import than the request itself needs.
"""

import json
import urllib.error
import urllib.request
from typing import Any

from index.errors import ArticleQAError
from qa.models import Answer

TIMEOUT = 60.0


class ServerError(ArticleQAError):
    """The server could not be reached, or answered with an error."""


class Client:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def ask(self, question: str, **options: Any) -> Answer:
        body = {"question": question, **{k: v for k, v in options.items() if v is not None}}
        return Answer.model_validate(self._call("POST", "/ask", body))

    def start(self) -> str:
        """A new conversation on the server; its page is `chat_url(id)`."""
        return str(self._call("POST", "/conversations", None)["id"])

    def ask_in(self, conversation: str, question: str, **options: Any) -> Answer:
        body = {"question": question, **{k: v for k, v in options.items() if v is not None}}
        turn = self._call("POST", f"/conversations/{conversation}/turns", body)
        return Answer.model_validate(turn["answer"])

    def chat_url(self, conversation: str) -> str:
        return f"{self.url}/?c={conversation}"

    def article_url(self, article_id: str, sentence: int) -> str:
        return f"{self.url}/articles/{article_id}?hl={sentence}#s{sentence}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as error:  # our one error shape: say its message
            raise ServerError(f"{self.url}: {_message(error)}") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(f"cannot reach the server at {self.url}: {reason}") from error


def _message(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.load(error)["error"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code} {error.reason}"

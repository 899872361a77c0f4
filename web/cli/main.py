"""The `qa` command line: index, ask, chat, eval, serve. Each command is a few lines over the
library.

Exit codes: 0 done; 1 error (one clear line on stderr); 2 wrong usage;
3 done, but some files or records were skipped (listed on stderr).

Each command imports what it uses when it runs: `qa ask` must not pay for the readers
(trafilatura, lingua's training data…) nor, with `--server`, for the model at all.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from index.errors import ArticleQAError
from qa.app.settings import Settings, get_settings
from web.cli.index_commands import index_group

if TYPE_CHECKING:
    from index.filters import Filters
    from qa.answer import Answerer
    from qa.evaluate import Question

RECALL_DEPTH = 10  # sources asked for in `qa eval`, for recall@10
MODES = ("keyword", "dense", "ranker", "fused")  # engine.MODES, without importing the engine


class QAGroup(click.Group):
    """Turns our own errors into one line and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ArticleQAError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


@click.group(cls=QAGroup)
def main() -> None:
    """Question answering over news articles, offline. Settings come from QA_* variables."""


main.add_command(index_group)


SERVER = click.option(
    "--server",
    metavar="URL",
    help="Ask a running `qa serve` (default QA_SERVER_URL) instead of loading the model.",
)


def filter_date(_context: click.Context, _option: click.Parameter, value: str | None) -> str | None:
    """A date the server would take (web/schemas.py): "yesterday" or 2025-02-30 is a usage
    error (exit 2), not a filter that silently matches nothing."""
    from web.schemas import DATE, real_date

    if value is None:
        return None
    if not re.fullmatch(DATE, value):
        raise click.BadParameter(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        return real_date(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


FILTERS = [
    click.option("-k", type=click.IntRange(1, 50), default=None, help="Sources to list."),
    click.option(
        "--since",
        callback=filter_date,
        help="Only articles dated from (YYYY, YYYY-MM or YYYY-MM-DD).",
    ),
    click.option("--until", callback=filter_date, help="Only articles dated up to."),
    click.option("--source", help="Only articles from this source (site or outlet)."),
]


def with_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(FILTERS):
        command = option(command)
    return command


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer object.")
@with_filters
@click.option("--mode", type=click.Choice(MODES), default="fused", help="Retriever.")
@SERVER
def ask(as_json: bool, mode: str, server: str | None, question: str, **filters: Any) -> None:
    """Answer QUESTION with a quoted sentence, or say it is not found; the article's address
    follows when it has one.

    Example: qa ask "Qui a annoncé un nouvel échange de prisonniers ?"

    Example: qa ask --server http://127.0.0.1:8000 "Who announced a prisoner exchange?"
    """
    from web.cli.terminal import render

    settings = get_settings()
    url = server or settings.server_url
    link: Callable[[str, int], str] | None = None  # the server's page of a quoted sentence
    if url:
        from web.cli.client import Client

        client = Client(url)
        result = client.ask(question, **filters)
        link = client.article_url
    else:
        with _local(settings, mode) as answerer:
            result = answerer.ask(question, filters["k"], _filters(filters))
    click.echo(result.model_dump_json(indent=2) if as_json else render(result, link))


@main.command()
@with_filters
@SERVER
def chat(server: str | None, **filters: Any) -> None:
    """Ask questions one after another, each line a question; a follow-up ("Et combien… ?",
    "And who…?") leans on the one before. An empty line or Ctrl-D ends.

    The model stays loaded between questions; with --server the conversation is kept by the
    server and its address printed, to go on in a browser.

    Example: qa chat --server http://127.0.0.1:8000
    """
    from web.cli.terminal import chat_loop

    settings = get_settings()
    url = server or settings.server_url
    if url:
        from web.cli.client import Client

        client = Client(url)
        conversation = client.start()
        click.echo(f"conversation: {client.chat_url(conversation)}", err=True)
        chat_loop(lambda q, history: client.ask_in(conversation, q, **filters), client.article_url)
        return
    with _local(settings, "fused") as answerer:
        where = _filters(filters)
        chat_loop(lambda q, history: answerer.ask(q, filters["k"], where, history), None)


@contextmanager
def _local(settings: Settings, mode: str) -> Iterator[Answerer]:
    """The answerer over the local index, the model loaded once."""
    from qa.app.engine import answerer, open_index

    with open_index(settings).reader() as store:
        yield answerer(settings, store, mode)


def _filters(options: dict[str, Any]) -> Filters:
    from index.filters import Filters

    return Filters(options["since"], options["until"], options["source"])


@main.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--mode", "modes", multiple=True, type=click.Choice(MODES), help="Default: all.")
@click.option(
    "--leave-out",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="Share of the questions' articles to leave out of (a copy of) the index.",
)
@click.option("--seed", type=int, default=15, show_default=True, help="Which articles.")
def eval_command(
    questions: Path, as_json: bool, modes: tuple[str, ...], leave_out: float | None, seed: int
) -> None:
    """Score the index on a question file (format of shared/eval) with each retriever.

    With --leave-out, a share of the articles the questions name is removed from a
    temporary copy of the (embedded) index first: questions about them should get "not
    found" (left_out_not_found), the others are scored as usual.

    Example: qa eval ../shared/eval/piaf-dev/questions.jsonl --leave-out 0.25
    """
    from qa.app.engine import get_embedder
    from qa.evaluate import load_questions
    from qa.leave_out import index_without, left_out

    settings = get_settings()
    items = load_questions(questions)
    if leave_out is None:
        results = _evaluate(settings, items, modes)
    elif settings.backend != "embedded":
        raise click.UsageError("--leave-out copies an embedded index (QA_BACKEND=embedded)")
    else:
        missing = left_out({q.article for q in items if q.article}, leave_out, seed)
        with index_without(settings.index_dir, missing, get_embedder(settings)) as index_dir:
            copy = settings.model_copy(update={"index_dir": index_dir})
            results = _evaluate(copy, items, modes, frozenset(missing))
    click.echo(json.dumps(results, indent=2) if as_json else _table(results))


def _evaluate(
    settings: Settings,
    items: list[Question],
    modes: tuple[str, ...],
    missing: frozenset[str] = frozenset(),
) -> dict[str, dict[str, dict]]:
    from qa.app.engine import answerer, open_index
    from qa.evaluate import evaluate

    results = {}
    with open_index(settings).reader() as store:
        for mode in modes or MODES:
            qa = answerer(settings, store, mode)
            results[mode] = evaluate(items, functools.partial(qa.ask, k=RECALL_DEPTH), missing)
    return results


@main.command()
@click.option("--host", default=None, help="Default QA_HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="Default QA_PORT (8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Default QA_WORKERS.")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web chat and the /ask API.

    Example: qa serve --port 8000
    """
    import uvicorn

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    if workers > 1:  # each worker process builds its own app from the QA_* settings
        uvicorn.run(
            "web.app:app_from_settings", factory=True, workers=workers, host=host, port=port
        )
    else:  # imported here: the web stack is not loaded by the commands that do not serve
        from web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port)


def _table(results: dict[str, dict[str, dict]]) -> str:
    lines = []
    for mode, by_language in results.items():
        for language, row in by_language.items():
            cells = " ".join(f"{k}={v}" for k, v in row.items())
            lines.append(f"{mode:8} {language:4} {cells}")
    return "\n".join(lines)


__all__ = ["Settings", "main"]


if __name__ == "__main__":
    main()

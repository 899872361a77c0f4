"""The `qa` command line: index, ask, eval, serve. Each command is a few lines over the library.

Exit codes: 0 done; 1 error (one clear line on stderr); 2 wrong usage;
3 done, but some files or records were skipped (listed on stderr).
"""

import functools
import json
import sys
from pathlib import Path

import click

from app.engine import (
    MODES,
    answerer,
    expected_encoder,
    folder_watcher,
    get_embedder,
    open_index,
    update_options,
)
from app.progress_bar import embed_progress
from app.settings import Settings, get_settings
from index.embedded.copy import copy_index
from index.embedded.store import Store
from index.errors import ArticleQAError, IndexMissing
from index.filters import Filters
from index.sync import UpdateReport, add_paths, remove_articles, sync_folder
from qa.evaluate import evaluate, load_questions
from qa.models import Answer

SKIPPED = 3
RECALL_DEPTH = 10  # sources asked for in `qa eval`, for recall@10


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


@main.group("index")
def index_group() -> None:
    """Build, update and inspect the index (QA_INDEX_DIR)."""


@index_group.command("build")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-embed everything (after changing model).")
def index_build(folder: Path | None, rebuild: bool) -> None:
    """Sync the index with FOLDER (default QA_SOURCE_DIR): add, replace, remove.

    Example: qa index build seeds/
    """
    settings = get_settings()
    with embed_progress() as progress:
        report = sync_folder(
            open_index(settings),
            folder or settings.source_dir,
            get_embedder(settings),
            update_options(settings, progress),
            rebuild=rebuild,
        )
    _finish(report)


@index_group.command("watch")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def index_watch(folder: Path | None) -> None:
    """Keep the index in sync with FOLDER (default QA_SOURCE_DIR) until stopped (Ctrl-C):
    a sync first, then new, changed and deleted files in small batches, each published
    at once. Files in hidden folders are not read on their own.

    Example: qa index watch incoming/
    """
    settings = get_settings()
    folder = folder or settings.source_dir
    watcher = folder_watcher(settings, folder, _report_line)
    click.echo(f"watching {folder} (Ctrl-C to stop)", err=True)
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop.set()


def _report_line(report: UpdateReport) -> None:
    """One line per batch that changed something, and what was skipped."""
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    if report.added or report.updated or report.removed or report.problems:
        click.echo(f"{report.summary()}; {report.texts_embedded} texts embedded", err=False)


@index_group.command("init")
def index_init() -> None:
    """Create an empty index (and the PostgreSQL schema) if there is none yet.

    Example: QA_BACKEND=postgres QA_DATABASE_URL=postgresql://host/db qa index init
    """
    settings = get_settings()
    backend = open_index(settings)
    try:
        with backend.reader() as store:
            click.echo(f"index ready: {store.version}, model {store.model}")
            return
    except IndexMissing:
        pass
    options = update_options(settings).write_options()
    with backend.writer(get_embedder(settings), options) as writer:
        writer.commit()
    click.echo("empty index created")


@index_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def index_import(folder: Path) -> None:
    """Replace the index with a copy of an embedded index FOLDER, vectors included.

    Moves an index to PostgreSQL without embedding anything again.
    Example: QA_BACKEND=postgres QA_DATABASE_URL=postgresql://host/db qa index import data/index
    """
    settings = get_settings()
    source = Store.open(folder, expected_encoder(settings))  # its vectors are copied as is
    options = update_options(settings).write_options()
    with open_index(settings).writer(get_embedder(settings), options, rebuild=True) as writer:
        count = copy_index(source, writer, lambda n: click.echo(f"{n} articles", err=True))
        writer.commit()
    click.echo(f"{count} articles copied from {folder}")


@index_group.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def index_add(paths: tuple[Path, ...]) -> None:
    """Add or replace the articles of files or folders.

    Example: qa index add new-article.md feed.jsonl
    """
    settings = get_settings()
    with embed_progress() as progress:
        report = add_paths(
            open_index(settings),
            list(paths),
            get_embedder(settings),
            update_options(settings, progress),
        )
    _finish(report)


@index_group.command("remove")
@click.argument("ids", nargs=-1, required=True)
def index_remove(ids: tuple[str, ...]) -> None:
    """Remove articles by id (see `qa index stats --json` or /articles).

    Example: qa index remove d977b27f4a988b56
    """
    settings = get_settings()
    _finish(remove_articles(open_index(settings), list(ids), get_embedder(settings)))


@index_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_stats(as_json: bool) -> None:
    """Counts, model and generation of the index."""
    with open_index(get_settings()).reader() as store:
        stats = store.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        for name, value in stats.items():
            click.echo(f"{name:15} {value}")


@index_group.command("check")
def index_check() -> None:
    """Check SQLite integrity, FAISS ids against chunk ids, and manifest counts."""
    with open_index(get_settings()).reader() as store:
        problems = store.check()
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("index ok")


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer object.")
@click.option("-k", type=click.IntRange(1, 50), default=None, help="Sources to list.")
@click.option("--since", help="Only articles dated from (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Only articles dated up to.")
@click.option("--source", help="Only articles from this source (site or outlet).")
@click.option("--mode", type=click.Choice(MODES), default="fused", help="Retriever.")
def ask(
    question: str,
    as_json: bool,
    k: int | None,
    since: str | None,
    until: str | None,
    source: str | None,
    mode: str,
) -> None:
    """Answer QUESTION with a quoted sentence, or say it is not found.

    Example: qa ask "Qui a annoncé un nouvel échange de prisonniers ?"
    """
    settings = get_settings()
    with open_index(settings).reader() as store:
        result = answerer(settings, store, mode).ask(question, k, Filters(since, until, source))
    click.echo(result.model_dump_json(indent=2) if as_json else _render(result))


@main.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--mode", "modes", multiple=True, type=click.Choice(MODES), help="Default: all.")
def eval_command(questions: Path, as_json: bool, modes: tuple[str, ...]) -> None:
    """Score the index on a question file (format of shared/eval) with each retriever.

    Example: qa eval ../shared/eval/piaf-dev/questions.jsonl
    """
    settings = get_settings()
    items, results = load_questions(questions), {}
    with open_index(settings).reader() as store:
        for mode in modes or MODES:
            qa = answerer(settings, store, mode)
            results[mode] = evaluate(items, functools.partial(qa.ask, k=RECALL_DEPTH))
    click.echo(json.dumps(results, indent=2) if as_json else _table(results))


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
    if settings.watch and workers > 1:  # each worker would watch, and they would race
        raise click.UsageError(
            "QA_WATCH watches with one worker; beside `qa serve --workers N`, "
            "run `qa index watch` once"
        )
    if workers > 1:  # each worker process builds its own app from the QA_* settings
        uvicorn.run(
            "web.app:app_from_settings", factory=True, workers=workers, host=host, port=port
        )
    else:  # imported here: the web stack is not loaded by the commands that do not serve
        from web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port)


def _finish(report: UpdateReport) -> None:
    for warning in report.warnings:  # indexed, but something in it was dropped
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"{report.summary()}; {report.texts_embedded} texts embedded")
    if report.problems:
        sys.exit(SKIPPED)


def _render(result: Answer) -> str:
    if not result.quote:
        return f"{result.answer}\n(confidence {result.confidence:.2f})"
    quote = result.quote
    return (
        f"« {quote.text} »\n— {quote.title} ({quote.date or 'undated'}), "
        f"sentence {quote.sentence_index}, characters {quote.start}-{quote.end}\n"
        f"(confidence {result.confidence:.2f})"
    )


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

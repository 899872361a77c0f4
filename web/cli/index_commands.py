"""`qa index …`: build, watch, update and inspect the index. Each command imports what
it uses when it runs, like the rest of the command line (web/cli/main.py).

Exit codes: 0 done; 1 error; 3 done, but some files or records were skipped (listed on
stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from index.errors import IndexMissing
from qa.app.settings import get_settings

if TYPE_CHECKING:
    from index.sync import UpdateReport

SKIPPED = 3


@click.group("index")
def index_group() -> None:
    """Build, update and inspect the index (QA_INDEX_DIR)."""


@index_group.command("build")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-embed everything (after changing model).")
def index_build(folder: Path | None, rebuild: bool) -> None:
    """Sync the index with FOLDER (default QA_SOURCE_DIR): add, replace, remove.

    Example: qa index build seeds/
    """
    from index.sync import sync_folder
    from qa.app.engine import get_embedder, open_index
    from qa.app.indexing import update_options
    from qa.app.progress_bar import embed_progress

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

    One process watches an index at a time (with the servers' QA_WATCH): while another
    does, this one stands by and takes over when it ends.

    Example: qa index watch incoming/
    """
    import signal

    from index.jobs_store import open_job_store
    from index.watch import LEAD_SECONDS
    from qa.app.indexing import folder_watcher

    settings = get_settings()
    folder = folder or settings.source_dir
    watcher = folder_watcher(settings, folder, _report_line)
    store = open_job_store(settings.backend, settings.index_dir, settings.database_url)
    # Ctrl-C (or a service manager's SIGTERM) asks the watcher to stop: the batch being
    # indexed ends and is published, then the loop ends within a second. A KeyboardInterrupt
    # raised wherever the main thread happened to be (inside an update) could leave the
    # process hanging at exit.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: watcher.stop.set())
    lease = store.watch_lease()
    if lease is None:
        click.echo("standing by: another process watches this index", err=True)
    while lease is None and not watcher.stop.wait(LEAD_SECONDS):
        lease = store.watch_lease()
    if lease is None:
        return
    click.echo(f"watching {folder} (Ctrl-C to stop)", err=True)
    try:
        watcher.run()
    finally:
        lease.release()


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
    from qa.app.engine import get_embedder, open_index
    from qa.app.indexing import update_options

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
    from index.embedded.copy import copy_index
    from index.embedded.store import Store
    from qa.app.engine import expected_encoder, get_embedder, open_index
    from qa.app.indexing import update_options

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
    from index.sync import add_paths
    from qa.app.engine import get_embedder, open_index
    from qa.app.indexing import update_options
    from qa.app.progress_bar import embed_progress

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
    from index.sync import remove_articles
    from qa.app.engine import get_embedder, open_index

    settings = get_settings()
    _finish(remove_articles(open_index(settings), list(ids), get_embedder(settings)))


@index_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def index_stats(as_json: bool) -> None:
    """Counts, model and generation of the index."""
    from qa.app.engine import open_index

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
    from qa.app.engine import open_index

    with open_index(get_settings()).reader() as store:
        problems = store.check()
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("index ok")


def _finish(report: UpdateReport) -> None:
    for warning in report.warnings:  # indexed, but something in it was dropped
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"{report.summary()}; {report.texts_embedded} texts embedded")
    if report.problems:
        sys.exit(SKIPPED)

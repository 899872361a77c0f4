"""Wiring of the updates: settings → update options, and a folder watcher that keeps the
index in sync with a folder. Apart from qa/app/engine.py so that answering loads no reader."""

from collections.abc import Callable
from pathlib import Path

from index.embedding.progress import EmbedProgress
from index.ingest.errors import BadArticle
from index.sync import UpdateOptions, UpdateReport, sync_folder, update_paths
from index.watch import FolderWatcher
from qa.app.engine import get_embedder, open_index
from qa.app.settings import Settings


def update_options(settings: Settings, progress: EmbedProgress | None = None) -> UpdateOptions:
    return UpdateOptions(
        settings.chunk_sentences,
        settings.max_file_bytes,
        progress,
        settings.index_type,
        settings.chunk_vectors,
    )


Runner = Callable[[str, Callable[[], UpdateReport]], UpdateReport]


def folder_watcher(
    settings: Settings,
    folder: Path,
    on_report: Callable[[UpdateReport], None],
    ignored: tuple[Path, ...] = (),
    runner: Runner | None = None,
) -> FolderWatcher:
    """A watcher that keeps the index in sync with `folder`: a whole sync once it watches,
    then each batch of changed files. `runner(kind, work)` runs an update (a server queues
    it with its other updates); by default it runs at once."""
    if not folder.is_dir():
        raise BadArticle(str(folder), "not a folder")
    index, embedder = open_index(settings), get_embedder(settings)
    run: Runner = runner or (lambda kind, work: work())

    def apply(changed: list[Path], deleted: list[Path]) -> UpdateReport:
        options = update_options(settings)
        return run(
            "watch", lambda: update_paths(index, folder, changed, deleted, embedder, options)
        )

    def catch_up() -> UpdateReport:
        return run("watch", lambda: sync_folder(index, folder, embedder, update_options(settings)))

    return FolderWatcher(folder, apply, catch_up, ignored, on_report)

"""The CLI's view of an update's progress: a bar on a terminal, a line every 10 % in a log."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from tqdm import tqdm

from index.embedding.progress import EmbedProgress


@contextmanager
def embed_progress() -> Iterator[EmbedProgress]:
    """Texts embedded / total, texts/s and ETA, on stderr; nothing if nothing is embedded."""
    if sys.stderr.isatty():
        with tqdm(total=0, unit="texts", desc="embedding", file=sys.stderr) as bar:
            yield EmbedProgress(on_change=lambda p: _move_bar(bar, p))
        return
    printed = [-1]  # the last tenth printed
    yield EmbedProgress(on_change=lambda p: _log_line(p, printed))


def _move_bar(bar: tqdm, progress: EmbedProgress) -> None:
    bar.total = progress.total
    bar.update(progress.done - bar.n)


def _log_line(progress: EmbedProgress, printed: list[int]) -> None:
    if not progress.total or not progress.done:
        return
    tenth = 10 * progress.done // progress.total
    if tenth <= printed[0]:
        return
    printed[0] = tenth
    eta = progress.eta
    left = f", about {eta:.0f} s left" if eta and progress.done < progress.total else ""
    click.echo(
        f"embedded {progress.done}/{progress.total} texts "
        f"({100 * progress.done / progress.total:.0f} %), {progress.rate:.0f} texts/s{left}",
        err=True,
    )

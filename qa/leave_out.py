"""Leave a share of the articles out of an index: the newsroom case, where questions come
about stories the collection does not hold, and the honest answer is "not found".

The articles are removed from a copy of an embedded index (nothing is embedded again),
chosen by a seed so that a run can be repeated. Questions name their article by file
name (the format of ../shared/eval): an article synced from a folder has the id of its
file name (index/article.py, `stable_id`).
"""

import random
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from index.embedded.layout import CURRENT, current_generation
from index.embedding.embed import Embedder
from index.errors import UnknownArticle
from index.ingest.article import stable_id
from index.sync import remove_articles


def left_out(articles: Iterable[str], share: float, seed: int) -> set[str]:
    """A share of the article names, the same for the same names, share and seed."""
    names = sorted(set(articles))
    random.Random(seed).shuffle(names)
    return set(names[: round(share * len(names))])


def article_id(file_name: str) -> str:
    return stable_id(file_name)


def copy_without(index_dir: Path, ids: Iterable[str], embedder: Embedder, into: Path) -> Path:
    """`into` becomes a copy of the embedded index at `index_dir` without these articles."""
    live = current_generation(index_dir)
    into.mkdir(parents=True, exist_ok=True)
    shutil.copytree(live, into / live.name)
    (into / CURRENT).write_text(live.name + "\n")
    report = remove_articles(into, sorted(set(ids)), embedder)
    if report.problems:
        raise UnknownArticle(
            f"{len(report.problems)} of the left-out articles are not in {index_dir}: build it "
            "from the questions' articles folder (`qa index build …/articles`)"
        )
    return into


@contextmanager
def index_without(index_dir: Path, file_names: Iterable[str], embedder: Embedder) -> Iterator[Path]:
    """A temporary copy of the index without these articles, deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="qa-leave-out-") as folder:
        ids = [article_id(name) for name in file_names]
        yield copy_without(index_dir, ids, embedder, Path(folder) / "index")

"""High-level updates: sync with a folder, add files, remove articles. One generation each."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.embedding.embed import Embedder
from index.embedding.progress import EmbedProgress
from index.errors import BadArticle
from index.ingest.article import Article
from index.ingest.readers import MAX_FILE_BYTES, SUFFIXES, ReadResult, read_file
from index.interface import Backend, WriteOptions
from index.prepare import texts_to_embed
from index.registry import as_backend


@dataclass
class UpdateReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[BadArticle] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed_files: dict[str, str] = field(default_factory=dict)  # path → why none was read
    texts_embedded: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.problems)} skipped"
        )


@dataclass
class UpdateOptions:
    chunk_sentences: int = 3
    max_file_bytes: int = MAX_FILE_BYTES
    progress: EmbedProgress | None = None
    index_type: str | None = None  # None: keep the index's own type
    chunk_vectors: str = "pooled"

    def write_options(self) -> WriteOptions:
        return WriteOptions(
            self.chunk_sentences, self.progress, self.index_type, self.chunk_vectors
        )


UPLOADS = "uploads"  # the admin's uploads, in the source folder (web/uploads.py)


def source_key(path: Path, folder: Path) -> str:
    """What a file's article ids are made from: its path in the synced folder; an upload
    (a file of its top `uploads/`) its name, as the upload itself keyed it, so that a sync
    of the whole folder, of the uploads alone or the watcher leaves its ids, links and
    conversations as they were."""
    relative = path.relative_to(folder)
    if len(relative.parts) == 2 and relative.parts[0] == UPLOADS:
        return relative.name
    return relative.as_posix()


def article_files(folder: Path) -> list[Path]:
    """Supported files under `folder`, hidden ones left out, in a stable order."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


@dataclass
class FolderRead(ReadResult):
    failed_files: dict[str, str] = field(default_factory=dict)  # path → why none was read


def read_all(paths: list[tuple[Path, str]], max_bytes: int) -> FolderRead:
    """Every file read in its own error boundary (readers.read_file): one cannot stop them."""
    read = FolderRead()
    for path, key in paths:
        result = read_file(path, key, max_bytes)
        read.articles += result.articles
        read.problems += result.problems
        read.warnings += result.warnings
        if result.problems and not result.articles:
            read.failed_files[str(path)] = "; ".join(p.reason for p in result.problems[:3])
    return read


def read_files(
    paths: list[tuple[Path, str]], max_bytes: int
) -> tuple[list[Article], list[BadArticle]]:
    read = read_all(paths, max_bytes)
    return read.articles, read.problems


def sync_folder(
    index: Backend | Path,
    folder: Path,
    embedder: Embedder,
    options: UpdateOptions | None = None,
    rebuild: bool = False,
) -> UpdateReport:
    """Make the index hold what `folder` holds: add new, replace changed, drop vanished."""
    options = options or UpdateOptions()
    if not folder.is_dir():
        raise BadArticle(str(folder), "not a folder")
    files = article_files(folder)
    keyed = [(p, source_key(p, folder)) for p in files]
    read = read_all(keyed, options.max_file_bytes)
    # A file that now fails to read keeps its old articles: a bad edit loses nothing.
    kept_origins = {str(p.resolve()) for p, _ in keyed} - {a.origin for a in read.articles}
    root = str(folder.resolve()) + "/"

    def vanished(origin: str) -> bool:
        return origin.startswith(root) and origin not in kept_origins

    return _apply(index, embedder, options, read, rebuild, vanished)


def update_paths(
    index: Backend | Path,
    folder: Path,
    changed: list[Path],
    deleted: list[Path],
    embedder: Embedder,
    options: UpdateOptions | None = None,
) -> UpdateReport:
    """Part of a sync with `folder`, for files known to have changed (a watcher's batch):
    the same ids as `sync_folder(folder)` gives, in one update. A changed file's articles
    that it no longer holds are removed (a feed that dropped an entry); one that fails to
    read keeps its old articles, as in a sync."""
    options = options or UpdateOptions()
    keyed = [(p, source_key(p, folder)) for p in changed if p.is_file()]
    read = read_all(keyed, options.max_file_bytes)
    read_origins = {a.origin for a in read.articles}
    stale = {str(p.resolve()) for p in deleted} | (read_origins - {None})
    stale |= {str(p.resolve()) for p in changed if not p.exists()}

    def vanished(origin: str) -> bool:
        return origin in stale

    return _apply(index, embedder, options, read, False, vanished)


def add_paths(
    index: Backend | Path,
    paths: list[Path],
    embedder: Embedder,
    options: UpdateOptions | None = None,
) -> UpdateReport:
    """Add or replace the articles of these files (folders are searched)."""
    options = options or UpdateOptions()
    keyed: list[tuple[Path, str]] = []
    missing: list[BadArticle] = []
    for path in paths:
        if path.is_dir():
            keyed += [(p, p.relative_to(path).as_posix()) for p in article_files(path)]
        elif path.exists():
            keyed.append((path, path.name))
        else:
            missing.append(BadArticle(str(path), "no such file"))
    read = read_all(keyed, options.max_file_bytes)
    read.problems[:0] = missing
    return _apply(index, embedder, options, read)


def remove_articles(index: Backend | Path, ids: list[str], embedder: Embedder) -> UpdateReport:
    report = UpdateReport()
    with as_backend(index).writer(embedder, WriteOptions()) as writer:
        for article_id in ids:
            if writer.remove(article_id):
                report.removed.append(article_id)
            else:
                report.problems.append(BadArticle(article_id, "no article with this id"))
        if report.removed:
            writer.commit()
    return report


def remove_files(index: Backend | Path, paths: list[Path], embedder: Embedder) -> UpdateReport:
    """Remove every article read from these files, e.g. an upload being deleted."""
    origins = {str(path.resolve()) for path in paths}
    report = UpdateReport()
    with as_backend(index).writer(embedder, WriteOptions()) as writer:
        for article_id, (_, origin) in writer.known().items():
            if origin in origins:
                writer.remove(article_id)
                report.removed.append(article_id)
        if report.removed:
            writer.commit()
    return report


def _apply(
    index: Backend | Path,
    embedder: Embedder,
    options: UpdateOptions,
    read: FolderRead,
    rebuild: bool = False,
    vanished: Callable[[str], bool] | None = None,  # origin → its unseen articles go
) -> UpdateReport:
    articles = read.articles
    report = UpdateReport(
        problems=read.problems, warnings=read.warnings, failed_files=read.failed_files
    )
    before = embedder.texts_encoded
    with as_backend(index).writer(embedder, options.write_options(), rebuild) as writer:
        known = writer.known()
        changed = []
        for article in _unique(articles, report):
            old = known.get(article.id)
            if old and old[0] == article.content_hash:
                report.unchanged.append(article.id)
            else:
                changed.append(article)
                (report.updated if old else report.added).append(article.id)
        if options.progress:
            options.progress.plan(
                texts_to_embed(changed, options.chunk_sentences, options.chunk_vectors)
            )
        for article in changed:
            writer.add(article)
        if vanished is not None:
            seen = {a.id for a in articles}
            for article_id, (_, origin) in known.items():
                if origin and vanished(origin) and article_id not in seen:
                    writer.remove(article_id)
                    report.removed.append(article_id)
        if report.added or report.updated or report.removed or rebuild:
            writer.commit()  # nothing changed: no new generation
    report.texts_embedded = embedder.texts_encoded - before
    return report


def _unique(articles: list[Article], report: UpdateReport) -> list[Article]:
    """Two records with one id: the first wins, the second is reported."""
    seen: dict[str, Article] = {}
    for article in articles:
        if article.id in seen:
            report.problems.append(BadArticle(article.origin or article.id, "duplicate article id"))
        else:
            seen[article.id] = article
    return list(seen.values())

"""Articles are embedded in batches on a background thread while the writer stores the
previous batch: the encoder keeps the cores busy, the inserts overlap it. Shared by both
writers through `BatchingWriter`: a backend says only how to delete, insert and commit."""

from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from index.embedding.embed import Embedder
from index.embedding.progress import EmbedProgress
from index.ingest.article import Article
from index.interface import WriteOptions
from index.prepare import Prepared, prepare

FLUSH_TEXTS = 4096  # sentences a batch: large batches, but bounded memory on big builds


class BatchedEmbedding:
    def __init__(
        self,
        embedder: Embedder,
        chunk_sentences: int,
        chunk_vectors: str,
        progress: EmbedProgress | None,
        store: Callable[[Prepared], None],
    ) -> None:
        self.embedder, self.store = embedder, store
        self.chunk_sentences, self.chunk_vectors = chunk_sentences, chunk_vectors
        self.progress = progress
        self._pending: list[Article] = []
        self._in_flight: Future[list[Prepared]] | None = None
        self._in_flight_ids: set[str] = set()
        self._dropped: set[str] = set()  # removed while their batch was being embedded
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")

    def add(self, article: Article) -> None:
        """Queue an article. A newer version replaces a queued one; one being embedded is
        stored, then replaced by this one."""
        self._pending = [a for a in self._pending if a.id != article.id]
        self._pending.append(article)
        if sum(len(a.sentences) for a in self._pending) >= FLUSH_TEXTS:
            self.flush()

    def discard(self, article_id: str) -> None:
        """Forget an article queued or being embedded: it was removed meanwhile."""
        self._pending = [a for a in self._pending if a.id != article_id]
        if article_id in self._in_flight_ids:
            self._dropped.add(article_id)

    def flush(self) -> None:
        """Start embedding the queued articles, then store the batch embedded before."""
        articles, self._pending = self._pending, []
        previous, dropped = self._in_flight, self._dropped
        self._in_flight = self._pool.submit(self._prepare, articles) if articles else None
        self._in_flight_ids, self._dropped = {a.id for a in articles}, set()
        if previous is not None:
            self._store_all(previous.result(), dropped)

    def finish(self) -> None:
        """Embed and store everything queued: the writer commits next."""
        self.flush()
        if self._in_flight is not None:
            batch, dropped = self._in_flight, self._dropped
            self._in_flight, self._in_flight_ids, self._dropped = None, set(), set()
            self._store_all(batch.result(), dropped)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _prepare(self, articles: list[Article]) -> list[Prepared]:
        advance = self.progress.advance if self.progress else None
        return prepare(articles, self.embedder, self.chunk_sentences, self.chunk_vectors, advance)

    def _store_all(self, batch: list[Prepared], dropped: set[str]) -> None:
        for item in batch:
            if item.article.id not in dropped:
                self.store(item)


class BatchingWriter(ABC):
    """What every writer shares: added articles are embedded in batches, an added article
    replaces the stored one, and a removed one is dropped from the queue too."""

    def __init__(self, embedder: Embedder, options: WriteOptions) -> None:
        self.embedder, self.options = embedder, options
        self.batches = BatchedEmbedding(
            embedder,
            options.chunk_sentences,
            options.chunk_vectors,
            options.progress,
            self.add_prepared,
        )

    def add(self, article: Article) -> None:
        """Add or replace an article; its texts are embedded in batches, and the old
        version removed then (add_prepared)."""
        self.batches.add(article)

    def remove(self, article_id: str) -> bool:
        self.batches.discard(article_id)
        return self._delete(article_id)

    def add_prepared(self, item: Prepared) -> None:
        """Add an article whose texts are embedded already (or copied from another index)."""
        self._delete(item.article.id)
        self._insert(item)

    @abstractmethod
    def known(self) -> dict[str, tuple[str, str | None]]:
        """Article id → (content hash, origin) of what the index holds now."""

    @abstractmethod
    def commit(self) -> object: ...

    @abstractmethod
    def _delete(self, article_id: str) -> bool: ...

    @abstractmethod
    def _insert(self, item: Prepared) -> None: ...

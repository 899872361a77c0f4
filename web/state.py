"""The index a server answers from, one consistent view per request."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index.interface import Reader
from qa.answer import Answerer
from qa.app.engine import answerer, open_index, single_threaded
from qa.app.settings import Settings


@dataclass
class Live:
    version: str
    store: Reader
    answerer: Answerer


class LiveIndex:
    """Each request reads through `reading()`: the embedded backend hands out the live
    generation (switching when a newer one is published), PostgreSQL a snapshot.

    Requests already running keep the view they started with.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backend = open_index(settings)
        self._last: Live | None = None
        self._lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Live]:
        """The live index; raises IndexMissing (503) while none has been built."""
        single_threaded()  # FAISS's thread count is per thread: set it in this one
        with self.backend.reader() as store:
            yield self._live(store)

    def _live(self, store: Reader) -> Live:
        last = self._last
        if last is not None and last.store is store:
            return last  # the embedded store is shared: so is its answerer
        live = Live(store.version, store, answerer(self.settings, store))
        with self._lock:
            self._last = live
        return live

    def close(self) -> None:
        self.backend.close()

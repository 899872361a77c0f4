"""The index a server answers from: reopened when a newer generation is published."""

import threading
from dataclasses import dataclass

from index.layout import current_generation
from index.store import Store
from qa.answer import Answerer
from qa.engine import answerer, open_store
from qa.settings import Settings


@dataclass
class Live:
    generation: str
    store: Store
    answerer: Answerer


class LiveIndex:
    """Each request reads the CURRENT pointer (one small file) and switches when it moved.

    Requests already running keep the Store they started with: generations are immutable.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._live: Live | None = None
        self._lock = threading.Lock()

    def get(self) -> Live:
        """The live index; raises IndexMissing (503) while none has been built."""
        name = current_generation(self.settings.index_dir).name
        live = self._live
        if live is not None and live.generation == name:
            return live
        with self._lock:
            if self._live is None or self._live.generation != name:
                store = open_store(self.settings)
                self._live = Live(store.generation.name, store, answerer(self.settings, store))
            return self._live

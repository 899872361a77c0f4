"""An HNSW graph over the chunk vectors, kept up to date instead of rebuilt at each update:
new vectors are added to the graph, removed ones are masked at search time (HNSW cannot
delete), and the graph is rebuilt from the exact flat index only when masked vectors pass
a quarter of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

GRAPH = "vectors.hnsw.faiss"
MASKED = "vectors.hnsw.masked.npy"  # ids still in the graph whose chunks were removed
REBUILD_SHARE = 0.25
NEIGHBOURS = 32


class Graph:
    def __init__(self, index: faiss.Index, masked: np.ndarray) -> None:
        self.index = index
        self.masked = {int(i) for i in masked}
        self._mask = _not_in(masked)

    @classmethod
    def load(cls, generation: Path) -> Graph | None:
        if not (generation / GRAPH).exists():
            return None
        masked = generation / MASKED
        ids = np.load(masked) if masked.exists() else np.zeros(0, dtype=np.int64)
        return cls(faiss.read_index(str(generation / GRAPH)), ids)

    @classmethod
    def build(cls, flat: faiss.IndexIDMap2) -> Graph:
        """A new graph over the flat index's vectors, with the same ids."""
        ids = faiss.vector_to_array(flat.id_map)
        graph = faiss.IndexIDMap(
            faiss.IndexHNSWFlat(flat.d, NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        )
        if len(ids):
            graph.add_with_ids(flat.index.reconstruct_n(0, flat.ntotal), ids)
        return cls(graph, np.zeros(0, dtype=np.int64))

    def ids(self) -> set[int]:
        return set(faiss.vector_to_array(self.index.id_map).tolist())

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        self.index.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> None:
        self.masked.update(int(i) for i in ids)

    def settled(self, flat: faiss.IndexIDMap2) -> Graph:
        """This graph, or a new one when too much of it is masked."""
        if len(self.masked) > REBUILD_SHARE * max(self.index.ntotal, 1):
            return Graph.build(flat)
        return self

    def save(self, generation: Path, write: Callable[[faiss.Index, Path], None]) -> None:
        write(self.index, generation / GRAPH)
        np.save(generation / MASKED, np.array(sorted(self.masked), dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest unmasked vectors; HNSW returns at most efSearch hits: ask enough."""
        params = faiss.SearchParametersHNSW(efSearch=max(2 * k, 64), sel=self._mask)
        return self.index.search(vector.reshape(1, -1), k, params=params)


def _not_in(ids: np.ndarray) -> faiss.IDSelector | None:
    if not len(ids):
        return None
    inner = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
    selector = faiss.IDSelectorNot(inner)
    selector.inner = inner  # the C++ object points at it: keep it alive with the selector
    return selector

"""How a server keeps its memory flat: glibc's heap, a handful of arenas, and the models an
update loads.

Each thread that allocates may get a malloc arena of its own (up to 8 per core), and keeps
freed memory in it; a server answers from ~40 threads. With MALLOC_ARENA_MAX=2 a worker
held 2,045 MB after 64 answers from 32 clients, against 2,478 without (one run each, before
models were compiled once: most of that memory was their copies). Two arenas serve 2 cores.
After an update, the bulk model (compiled apart, with its own weights) is dropped and freed
heap is handed back to the system.
"""

import contextlib
import ctypes
import gc

from index.embedding.embed import Embedder

M_ARENA_MAX = -8  # mallopt's parameter number, glibc's malloc.h
ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: its own allocator, nothing to tune
        return None


def limit_arenas() -> None:
    """Call before the server's threads start; arenas made earlier stay."""
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.mallopt(M_ARENA_MAX, ARENAS)


def release_update_memory(embedder: Embedder) -> None:
    """After an update: drop the bulk model and hand freed heap back to the system (glibc
    keeps it otherwise), so that a server's memory after an update is what it was before."""
    embedder.encoder.release_bulk()
    gc.collect()
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)

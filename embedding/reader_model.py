"""The answer reader's model: e5 with its upper layers retrained to read a question and a
candidate sentence joined (bench/train_reader.py), and a linear head over its pooled,
normalised vector. Shipped as a delta (those layers and the head) with its record and
sha256, assembled from the e5 folder like the question model (no torch), and run as an
encoder whose texts are cut at the reader's own token budget.
"""

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from embedding.model_folder import build_folder
from embedding.question_model import WEIGHTS_FILE, assemble, checked_record

RECORD_FILE = "reader.json"
TRAINER = "bench/train_reader.py, then bench/fit_reader.py --ship"
CONFIG_FILE = "sentence_bert_config.json"


def ensure_reader_model(delta: Path, models_dir: Path) -> Path:
    """The assembled reader (a sentence-transformers folder), built if missing; one folder
    per delta."""
    record = checked_record(delta, RECORD_FILE, TRAINER)
    target = Path(models_dir) / f"e5-reader-{record['sha256'][:12]}"
    if not (target / WEIGHTS_FILE).is_file():
        tokens = int(record["reader_tokens"])
        build_folder(target, lambda folder: _assemble(delta, models_dir, folder, tokens))
    return target


def _assemble(delta: Path, models_dir: Path, folder: Path, tokens: int) -> None:
    assemble(delta, models_dir, folder)
    config = json.loads((folder / CONFIG_FILE).read_text())
    config["max_seq_length"] = tokens  # as trained: the context is cut, not the sentence
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")


def head_of(delta: Path) -> tuple[np.ndarray, float]:
    """The head's weight (dimension,) and bias, in float32."""
    tensors = load_file(str(delta))
    weight = tensors["head.weight"].astype(np.float32).reshape(-1)
    return weight, float(tensors["head.bias"].astype(np.float32).reshape(-1)[0])

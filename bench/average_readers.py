"""Average the weights of readers trained one after the other (a run and the run continued
from it), as checkpoints of one training are averaged: the mean often ranks better than
either end. Writes a delta and its record (both sources' records kept whole), for
bench/fit_reader.py like any trained run.

    .venv/bin/python bench/average_readers.py data/reader-train-cont2 data/reader-train-cont3 \
        --out data/reader-average
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from index.embedding.e5 import ensure_e5_model
from index.embedding.reader_model import (
    RECORD_FILE,
    WEIGHTS_FILE,
    checked_record,
    digest_of,
    layer_of,
    layers_of,
)
from qa.app.settings import Settings
from qa.reading import READER_DELTA


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=Path, nargs="+", help="finished runs' folders")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    deltas = [run / READER_DELTA.name for run in args.runs]
    records = [checked_record(delta) for delta in deltas]
    tensors = [load_file(str(delta)) for delta in deltas]
    if any(t.keys() != tensors[0].keys() for t in tensors):
        tensors = with_e5_layers(tensors, records)
    if any(t.keys() != tensors[0].keys() for t in tensors):
        sys.exit("the runs' deltas hold different tensors: they are not one model's")
    mean = {
        name: np.mean([t[name].astype(np.float32) for t in tensors], axis=0).astype(np.float16)
        for name in tensors[0]
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / READER_DELTA.name
    save_file(mean, str(path), metadata={"format": "pt"})
    last = records[-1]
    record = {
        **{k: last[k] for k in ("base", "reader_tokens", "held_out")},
        "frozen_layers": min(int(r["frozen_layers"]) for r in records),
        "layers": layers_of(last),  # the same in all: their tensors match
        "mixture": [record["mixture"] for record in records],
        "command": "bench/average_readers.py " + " ".join(map(str, args.runs)),
        "averaged": records,  # each run's own record, whole: its command and data
        "sha256": digest_of(path),
    }
    (args.out / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}, the mean of {len(deltas)} readers")


def with_e5_layers(
    tensors: list[dict[str, np.ndarray]], records: list[dict]
) -> list[dict[str, np.ndarray]]:
    """Each delta with e5's own tensors for the layers its reader kept as e5's and another
    trained, so that all hold the same names."""
    names = set().union(*tensors)
    e5 = load_file(str(ensure_e5_model(Settings().models_dir) / WEIGHTS_FILE))
    filled = []
    for delta, record in zip(tensors, records, strict=True):
        kept = int(record["frozen_layers"])
        missing = [name for name in names - delta.keys() if 0 <= layer_of(name) < kept]
        filled.append({**delta, **{name: e5[name].astype(np.float16) for name in missing}})
    return filled


if __name__ == "__main__":
    main()

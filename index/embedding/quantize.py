"""The answer reader in int8: its OpenVINO export quantised after training by NNCF (weights
and activations, its transformer preset), once, offline, into a folder of its own.

Calibrated on texts the reader reads at answer time, of -train questions no fit holds out
(`calibration.jsonl` beside the delta, written by bench/reader_calibration.py), so that a
user's machine makes the same model from the same files. Held out, the int8 reader chooses
as well as the float one and reads in about 0.6 of its time (docs, "Answer quality").
Like the export, it runs where the model is first needed and never again.
"""

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from index.embedding.encoders import Tokens, is_exported, read_config
from index.embedding.model_folder import build_folder
from index.embedding.reader_model import digest_of

MODEL_FILES = ("model.xml", "model.bin")


def quantized_folder(exported: Path, calibration: Path) -> Path:
    """The int8 model of an OpenVINO export, built on first use; one folder per export and
    calibration set."""
    target = exported.with_name(f"{exported.name}-int8-{digest_of(calibration)[:8]}")
    if not is_exported(target):
        build_folder(target, lambda folder: quantize(exported, calibration, folder))
    return target


def quantize(exported: Path, calibration: Path, folder: Path) -> None:
    """Write the int8 model of `exported` and its tokenizer and config into `folder`."""
    os.environ["NNCF_CI"] = "1"  # NNCF's switch for its usage reports: nothing leaves here
    import nncf
    import openvino as ov

    texts = [json.loads(line)["text"] for line in calibration.read_text().splitlines()]
    tokens = Tokens(exported, read_config(exported))  # cut and fed as the reader's texts
    feeds = [feeds for text in texts for _, feeds in tokens.batches([text])]
    with contextlib.redirect_stdout(sys.stderr):  # its progress bars: `--json` stays clean
        model = nncf.quantize(
            ov.Core().read_model(exported / "model.xml"),
            nncf.Dataset(feeds),
            model_type=nncf.ModelType.TRANSFORMER,  # SmoothQuant; softmax kept in float
            subset_size=len(feeds),
        )
    ov.save_model(model, folder / "model.xml", compress_to_fp16=False)
    for path in exported.iterdir():  # the tokenizer and encoder.json
        if path.name not in MODEL_FILES:
            shutil.copy(path, folder / path.name)

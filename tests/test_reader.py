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
from embedding.reader_model import ensure_reader
from qa.reader import AnswerReader
from qa.reader_input import CONTEXT_TOKENS, MAX_TOKENS, encode_pairs, join_context

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
    assert record["steps"] == 3 and record["layers"] == 4
    assert "piaf-train" in json.dumps(record["mixture"])  # -train splits only
    order = (out / "order.jsonl").read_text().splitlines()
    assert len(order) == record["groups"]
    reader = AnswerReader(ensure_reader(out / "reader-delta.safetensors", models_dir))
    logits = reader.scores("Combien de jours de trêve ?", [TRUCE, WEATHER])
    assert logits.shape == (2,) and np.isfinite(logits).all()
    again = reader.scores("Combien de jours de trêve ?", [WEATHER, TRUCE])
    assert np.allclose(again, logits[::-1], atol=1e-3)  # each candidate read on its own


def test_a_long_context_is_cut_never_the_sentence(models_dir: Path) -> None:
    tokenizer = Tokenizer.from_file(str(models_dir / E5_MODEL_NAME / "tokenizer.json"))
    context = join_context("Title", "word " * 500, "word " * 500)
    (ids,) = encode_pairs(tokenizer, "Who?", [("The sentence itself.", context)])
    question = tokenizer.encode("Who?", add_special_tokens=False).ids
    sentence = tokenizer.encode("The sentence itself.", add_special_tokens=False).ids
    starts = 1 + len(question) + 2  # <s> question </s></s>
    assert len(ids) <= MAX_TOKENS
    assert ids[starts : starts + len(sentence)] == sentence
    assert len(ids) == starts + len(sentence) + 1 + CONTEXT_TOKENS + 1

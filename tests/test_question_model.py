"""The question model: e5's top layers retrained, shipped as a delta with its training record,
assembled offline from the e5 folder, and refused (the server does not start) when the
delta does not match its recorded checksum."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from safetensors.numpy import load_file

import app.engine
from app.engine import reading_for
from app.settings import Settings
from embedding.e5 import E5_MODEL_NAME
from embedding.embed import Embedder
from embedding.question_model import (
    RECORD_FILE,
    QuestionModelError,
    checked_record,
    ensure_question_model,
)
from index.errors import ModelDamaged
from qa.reading import QUESTION_DELTA, READING_FILE
from web.app import create_app

E5_LAYERS = 12
ROOT = Path(__file__).resolve().parent.parent
PROBE = "Qui a annoncé un nouvel échange de prisonniers ?"  # bench/train_query_tower.py's


def damaged_copy(folder: Path) -> Path:
    """The shipped delta and its record, with one byte of the delta changed."""
    delta = folder / QUESTION_DELTA.name
    shutil.copy(QUESTION_DELTA, delta)
    shutil.copy(QUESTION_DELTA.with_name(RECORD_FILE), folder / RECORD_FILE)
    data = bytearray(delta.read_bytes())
    data[-1] ^= 0xFF
    delta.write_bytes(bytes(data))
    return delta


def test_the_shipped_delta_matches_its_record_which_names_train_data_only() -> None:
    record = checked_record(QUESTION_DELTA)
    assert "bench/train_query_tower.py" in record["command"]
    trained_on = json.dumps(record["examples_per_source"]) + record["held_out"]
    assert "dev" not in trained_on + record["command"]
    assert all(count > 0 for count in record["examples_per_source"].values())
    assert QUESTION_DELTA.stat().st_size <= 50 * 1024**2  # small enough to ship in the repo
    reading = json.loads(READING_FILE.read_text())
    assert reading["fitted_on"]["sha256"] == record["sha256"]  # fitted on this very delta


def test_the_assembled_model_is_e5_except_for_the_retrained_layers(models_dir: Path) -> None:
    folder = ensure_question_model(QUESTION_DELTA, models_dir)
    e5 = load_file(str(models_dir / E5_MODEL_NAME / "model.safetensors"))
    assembled = load_file(str(folder / "model.safetensors"))
    delta = load_file(str(QUESTION_DELTA))
    assert set(assembled) == set(e5)
    changed = {k for k in e5 if not np.array_equal(e5[k], assembled[k])}
    assert changed and changed <= set(delta)
    layers = {int(k.split(".")[2]) for k in delta}
    retrained = checked_record(QUESTION_DELTA)["layers"]
    assert layers == set(range(E5_LAYERS - retrained, E5_LAYERS))


def test_a_delta_that_does_not_match_its_checksum_is_refused(
    tmp_path: Path, models_dir: Path
) -> None:
    delta = damaged_copy(tmp_path)
    before = sorted(models_dir.iterdir())
    with pytest.raises(QuestionModelError, match="does not match its recorded checksum"):
        ensure_question_model(delta, models_dir)
    assert sorted(models_dir.iterdir()) == before  # nothing assembled from it


def test_a_server_with_a_damaged_question_model_does_not_start(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.engine, "QUESTION_DELTA", damaged_copy(tmp_path))
    settings = Settings(index_dir=tmp_path / "index", models_dir=models_dir)
    with pytest.raises(ModelDamaged, match="checksum"), TestClient(create_app(settings)):
        pass
    with pytest.raises(ModelDamaged, match="checksum"):  # nor does a command-line question
        reading_for(settings)


@pytest.mark.slow
def test_training_runs_end_to_end_on_a_tiny_split_and_its_export_agrees(
    tmp_path: Path, models_dir: Path
) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable,
        "bench/train_query_tower.py",
        *("--tiny", "6", "--steps", "2", "--per-source", "3", "--layers", "2"),
        *("--tiny-split", str(ROOT / "tests" / "data" / "tiny-split")),
        *("--out", str(out), "--models-dir", str(models_dir)),
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    delta = out / QUESTION_DELTA.name
    record = checked_record(delta)
    assert record["steps"] == 2 and record["layers"] == 2
    assert record["examples_per_source"] == {"tiny-split": 6}  # the split it was given
    assert {int(k.split(".")[2]) for k in load_file(str(delta))} == {10, 11}
    questions = Embedder(str(ensure_question_model(delta, models_dir)), models_dir)
    exported = questions.encode_query(PROBE)[0]
    trained = np.load(out / "probe.npy")  # the torch model's vector, at the end of training
    assert float(exported @ trained) > 0.99  # assembled and exported, it reads as trained

"""The answer reader: e5 retrained as a cross-encoder, shipped as a delta (its upper layers and
a head) with its training record, assembled offline from the e5 folder, exported like any
encoder, and refused (the server does not start) when the delta does not match its recorded
checksum."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.numpy import load_file, save_file

import qa.app.engine
from index.embedding.e5 import E5_MODEL_NAME
from index.embedding.reader_model import (
    CALIBRATION_FILE,
    RECORD_FILE,
    ReaderModelError,
    checked_record,
    digest_of,
    ensure_reader_model,
    layer_of,
)
from index.errors import ModelDamaged
from qa.app.engine import answer_reader, reading_for
from qa.app.settings import Settings
from qa.features import NAMES
from qa.reader_input import join_context
from qa.reading import READER_DELTA, READING_FILE, Depth, load_reading
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def damaged_copy(folder: Path) -> Path:
    """The shipped delta and its record, with one byte of the delta changed."""
    delta = folder / READER_DELTA.name
    shutil.copy(READER_DELTA, delta)
    shutil.copy(READER_DELTA.with_name(RECORD_FILE), folder / RECORD_FILE)
    data = bytearray(delta.read_bytes())
    data[-1] ^= 0xFF
    delta.write_bytes(bytes(data))
    return delta


def test_the_shipped_delta_matches_its_record_which_names_train_data_only() -> None:
    record = checked_record(READER_DELTA)
    trained = record.get("averaged", [record])  # a mean of runs keeps each run's record
    assert all("bench/train_reader.py" in run["command"] for run in trained)
    trained_on = json.dumps(record["mixture"]) + record["held_out"] + json.dumps(trained)
    assert "-train" in trained_on and "dev" not in trained_on
    assert READER_DELTA.stat().st_size <= 50 * 1024**2  # small enough to ship in the repo
    reading = json.loads(READING_FILE.read_text())
    assert reading["fitted_on"]["sha256"] == record["sha256"]  # fitted on this very delta


def test_the_reader_reads_more_candidates_when_the_ranker_hesitates() -> None:
    depth = Depth(least=3, most=8, mass=0.7)
    sure = np.array([0.0, 9.0, 1.0, 0.5, 2.0, 0.2, 0.1, 0.3, 0.0, 0.4])
    assert depth.of(sure).tolist() == [1, 4, 2]  # the ranker's best first, `least` of them
    torn = np.linspace(1.0, 1.1, 20)  # 20 nearly alike: 0.7 of them is 14, over `most`
    assert depth.of(torn).tolist() == list(range(19, 11, -1))
    halves = np.log(np.array([0.3, 0.3, 0.1, 0.1, 0.1, 0.05, 0.05]))
    assert depth.of(halves).tolist() == [0, 1, 2]  # 0.7 of the probability in 3
    assert depth.of(np.array([2.0])).tolist() == [0]  # never more than there are
    # The shipped depth was fitted (bench/fit_reading.py) within the grid it is bounded by.
    shipped = Depth(**json.loads(READING_FILE.read_text())["depth"])
    assert 1 <= shipped.least <= shipped.most <= 8 and 0 < shipped.mass <= 1


def test_the_reader_reads_the_others_only_when_unsure_of_its_first(models_dir: Path) -> None:
    depth = Depth(least=2, most=8, mass=0.99, sure=1.0)
    torn = np.linspace(1.1, 1.0, 8)  # the ranker hesitates: all 8 planned, in this order
    assert depth.of(torn).tolist() == list(range(8))
    assert depth.count(torn, np.array([-3.0, 2.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0])) == 2
    assert depth.count(torn, np.array([-3.0, 0.5, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0])) == 8
    assert Depth(2, 8, 0.99).count(torn, np.full(8, 9.0)) == 8  # no `sure`: all, always
    # The product's reading, with the real reader: the answer among its first two settles it.
    reading = reading_for(Settings(models_dir=models_dir))
    assert reading is not None
    question = "Qui a annoncé un nouvel échange de prisonniers ?"
    context = "Échange de prisonniers |  … "
    sentences = [
        "L'Ukraine et la Russie ont annoncé jeudi un nouvel échange de prisonniers.",
        "Les pourparlers ont eu lieu à Istanbul, sous médiation turque.",
        *(f"Le port numéro {n} a reçu un cargo de blé." for n in range(6)),
    ]
    candidates = [(sentence, context) for sentence in sentences]
    features = np.zeros((len(sentences), len(NAMES)))  # the ranker cannot tell them apart
    for sure, read in ((1.0, 2), (50.0, 8)):  # 50: more than any logit, never sure
        reading.depth = Depth(least=2, most=8, mass=0.99, sure=sure)
        reads = reading.read(question, candidates, features)
        assert len(reads.read) == len(reads.logits) == read
        assert reads.read[int(np.argmax(reads.scores))] == 0  # the lead, either way


def test_a_reading_fitted_on_other_confidence_inputs_is_refused(
    tmp_path: Path, models_dir: Path
) -> None:
    reading = json.loads(READING_FILE.read_text())
    reading["confidence"]["inputs"] = ["scorer_log_odds", "reader_logit"]  # an older fit
    changed = tmp_path / "reading.json"
    changed.write_text(json.dumps(reading))
    reader = answer_reader(Settings(models_dir=models_dir))
    with pytest.raises(ValueError, match="other confidence inputs"):
        load_reading(reader, changed)
    assert load_reading(reader).threshold("en") == reading["confidence"]["thresholds"]["en"]


def test_the_assembled_reader_is_e5_except_for_the_retrained_layers(models_dir: Path) -> None:
    folder = ensure_reader_model(READER_DELTA, models_dir)
    e5 = load_file(str(models_dir / E5_MODEL_NAME / "model.safetensors"))
    assembled = load_file(str(folder / "model.safetensors"))
    delta = load_file(str(READER_DELTA))
    assert set(assembled) == set(e5)
    changed = {k for k in e5 if not np.array_equal(e5[k], assembled[k])}
    assert changed and changed <= set(delta) - {"head.weight", "head.bias"}
    frozen = checked_record(READER_DELTA)["frozen_layers"]
    assert {int(k.split(".")[2]) for k in changed} == set(range(frozen, 12))


def test_a_delta_that_does_not_match_its_checksum_is_refused(
    tmp_path: Path, models_dir: Path
) -> None:
    delta = damaged_copy(tmp_path)
    before = sorted(models_dir.iterdir())
    with pytest.raises(ReaderModelError, match="does not match its recorded checksum"):
        ensure_reader_model(delta, models_dir)
    assert sorted(models_dir.iterdir()) == before  # nothing assembled from it


def test_a_server_with_a_damaged_reader_does_not_start(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qa.app.engine, "READER_DELTA", damaged_copy(tmp_path))
    settings = Settings(index_dir=tmp_path / "index", models_dir=models_dir)
    with pytest.raises(ModelDamaged, match="checksum"), TestClient(create_app(settings)):
        pass
    with pytest.raises(ModelDamaged, match="checksum"):  # nor does a command-line question
        reading_for(settings)


SEED_SENTENCES = (
    "L'Ukraine et la Russie ont annoncé jeudi un nouvel échange de prisonniers.",
    "Les pourparlers ont eu lieu à Istanbul, sous médiation turque.",
    "Le port d'Odessa a reçu un cargo de blé.",
    "Volodymyr Zelensky a salué le retour des soldats.",
)
SENTENCES = (
    "Les pourparlers ont eu lieu à Istanbul, sous médiation turque.",
    "L'Ukraine et la Russie ont annoncé jeudi un nouvel échange de prisonniers.",
)


def train_tiny(out: Path, models_dir: Path, *options: str) -> Path:
    """A two-step run on the tiny split; its delta."""
    command = [
        sys.executable,
        "bench/train_reader.py",
        *("--tiny-split", str(ROOT / "tests" / "data" / "tiny-split"), "--steps", "2"),
        *("--groups-per-step", "2", "--out", str(out), "--models-dir", str(models_dir)),
        *options,
    ]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
    return out / READER_DELTA.name


@pytest.fixture(scope="module")
def own_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder of its own: the readers trained here are assembled there, not among
    the kept ones."""
    folder = tmp_path_factory.mktemp("models")
    (folder / E5_MODEL_NAME).symlink_to(models_dir / E5_MODEL_NAME)
    return folder


@pytest.fixture(scope="module")
def tiny_run(own_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    train_tiny(out, own_models)
    return out


def probe_read_alike(delta: Path, models_dir: Path) -> None:
    """The assembled, exported reader gives the trained torch model's logits of its probe."""
    reader = answer_reader(Settings(models_dir=models_dir), delta)
    probe = json.loads(delta.with_name("probe.json").read_text())
    exported = reader.model.encoder.encode(probe["texts"], False, None) @ reader.weight
    assert np.allclose(exported + reader.bias, probe["logits"], atol=0.02)


@pytest.mark.slow
def test_training_runs_end_to_end_on_a_tiny_split_and_its_export_reads_alike(
    tiny_run: Path, own_models: Path
) -> None:
    delta = tiny_run / READER_DELTA.name
    record = checked_record(delta)
    assert record["steps"] == 2 and record["mixture"].endswith("tiny-split")
    assert record["layers"] == 12 and record["teacher"] is None
    probe_read_alike(delta, own_models)


def test_training_can_lead_each_group_with_the_rankers_wrong_candidates(
    own_models: Path, tmp_path: Path
) -> None:
    """bench/mined_negatives.py's files (one a source: each question's wrong candidates)
    are read and recorded with the run."""
    mined = tmp_path / "mined"
    mined.mkdir()
    split = ROOT / "tests" / "data" / "tiny-split"
    questions = [json.loads(line) for line in (split / "questions.jsonl").open() if line.strip()]
    wrong = [["Le temps était clair ce jour-là.", "Échange | … La suite."]]
    rows = [{"id": q["id"], "language": q["language"], "wrong": wrong} for q in questions]
    (mined / "tiny.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    record = checked_record(train_tiny(tmp_path / "run", own_models, "--mined", str(mined)))
    assert record["steps"] == 2
    assert record["mined"] == {
        "by": "bench/mined_negatives.py",
        "sources": ["tiny"],
        "per_group": 5,
    }


def test_training_can_let_all_layers_learn_the_lower_ones_slowest(
    own_models: Path, tmp_path: Path
) -> None:
    """--frozen 0 ships a delta of all 12 layers; --layer-decay gives each layer below the
    top the rate of the one above it times the decay (recorded with the run)."""
    delta = train_tiny(tmp_path / "run", own_models, "--frozen", "0", "--layer-decay", "0.5")
    record = checked_record(delta)
    assert record["frozen_layers"] == 0 and record["layer_decay"] == 0.5
    assert {layer_of(name) for name in load_file(str(delta))} - {-1} == set(range(12))
    saved = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    rates = [group["lr"] for group in saved["optimizer"]["param_groups"][:12]]
    assert rates == pytest.approx([rates[-1] * 0.5 ** (11 - n) for n in range(12)])
    probe_read_alike(delta, own_models)


def test_training_can_also_learn_where_the_answer_is_and_ships_it_to_mark_the_answer(
    tiny_run: Path, own_models: Path, tmp_path: Path
) -> None:
    """--span-share adds a loss on the answer's tokens through a head of its own, shipped
    beside the ranking's (the product marks the answer with it) and kept in the checkpoint:
    a run cut off resumes with it."""
    delta = train_tiny(tmp_path / "span", own_models, "--span-share", "0.5")
    assert checked_record(delta)["span_share"] == 0.5
    resumed = train_tiny(tmp_path / "span", own_models, "--span-share", "0.5", "--steps", "3")
    assert checked_record(resumed)["steps"] == 3
    plain = load_file(str(tiny_run / READER_DELTA.name)).keys()
    assert load_file(str(delta)).keys() - plain == {"span.weight", "span.bias"}
    probe_read_alike(delta, own_models)
    reader = answer_reader(Settings(models_dir=own_models), delta)
    sentence = "Les pourparlers ont eu lieu à Istanbul, sous médiation turque."
    asked = "Où ont eu lieu les négociations ?"
    read = reader.read(asked, [(sentence, "")])
    spans = read.spans
    assert np.allclose(read.logits, reader.logits(asked, [(sentence, "")]))
    assert spans[0] is not None  # two steps learn little: some whole words of the sentence
    start, end = spans[0]
    assert 0 <= start < end <= len(sentence) and sentence[start:end] == sentence[start:end].strip()
    assert not sentence[start - 1 : start].isalnum() and not sentence[end : end + 1].isalnum()


def test_on_openvino_the_reader_runs_in_int8_and_chooses_as_the_float_one(
    models_dir: Path,
) -> None:
    """Quantised once (NNCF), on the calibration texts shipped beside the delta, into a
    folder of its own; QA_READER_PRECISION=float keeps the float export. Both read the
    seed's candidates alike."""
    int8 = answer_reader(Settings(models_dir=models_dir))
    float_ = answer_reader(Settings(models_dir=models_dir, reader_precision="float"))
    calibration = READER_DELTA.with_name(CALIBRATION_FILE)
    built = list((models_dir / "exported").glob(f"e5-reader-*-int8-{digest_of(calibration)[:8]}"))
    assert len(built) == 1
    operations = {
        op.get_type_name() for op in ov.Core().read_model(built[0] / "model.xml").get_ops()
    }
    assert "FakeQuantize" in operations  # int8 weights and activations
    for question in ("Où ont eu lieu les négociations ?", "Who mediated the talks?"):
        candidates = [(sentence, "") for sentence in SEED_SENTENCES]
        quantised, plain = int8.read(question, candidates), float_.read(question, candidates)
        assert np.argmax(quantised.logits) == np.argmax(plain.logits) == 1
        assert np.corrcoef(quantised.logits, plain.logits)[0, 1] > 0.9
        assert quantised.spans[1] == plain.spans[1]  # the answer's words in the chosen one


def test_the_span_loss_can_be_shared_across_a_groups_sentences(
    own_models: Path, tmp_path: Path
) -> None:
    """--span-shared: the answer's tokens among those of all the group's sentences, so the
    span's score compares sentences; recorded, and the reader reads it as any other."""
    delta = train_tiny(tmp_path / "shared", own_models, "--span-share", "0.5", "--span-shared")
    record = checked_record(delta)
    assert record["span_shared"] is True and "--span-shared" in record["command"]
    reader = answer_reader(Settings(models_dir=own_models), delta)
    read = reader.read("Où ont eu lieu les négociations ?", [(s, "") for s in SENTENCES])
    assert len(read.spans) == len(read.span_scores) == len(SENTENCES)
    assert all(span is not None for span in read.spans)
    assert np.isfinite(read.span_scores).all() and len(set(read.span_scores.tolist())) > 1


def test_the_span_loss_can_also_aim_at_the_answer_beside_a_wrong_sentence(
    own_models: Path, tmp_path: Path
) -> None:
    """--span-beside: a wrong sentence whose neighbour (in its context) holds the answer is
    taught where the answer is; the tiny split's group has one such text, and the count is
    recorded. Without --span-share's loss to add to, the option is refused."""
    delta = train_tiny(tmp_path / "beside", own_models, "--span-share", "0.5", "--span-beside")
    record = checked_record(delta)
    assert record["span_beside"] is True and record["beside_targets"] >= 1
    reader = answer_reader(Settings(models_dir=own_models), delta)
    read = reader.read("Où ont eu lieu les négociations ?", [(s, "") for s in SENTENCES])
    assert len(read.spans) == len(SENTENCES) and np.isfinite(read.span_scores).all()
    refused = subprocess.run(
        [sys.executable, "bench/train_reader.py", "--span-beside", "--out", str(tmp_path / "no")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "--span-beside" in refused.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("backend", ["openvino", "onnx", "torch"])
def test_the_shipped_reader_marks_the_answer_it_found_in_the_sentence(
    models_dir: Path, backend: str
) -> None:
    """The span head, read with the ranking on every runtime: the place a where-question
    asks for, in the sentence that holds it, asked in the article's language and across."""
    reader = answer_reader(Settings(models_dir=models_dir, encoder_backend=backend))
    assert reader.span is not None
    sentence = "Les pourparlers ont eu lieu à Istanbul, sous médiation turque."
    context = join_context("Échange de prisonniers", "", "")
    for question in ("Où ont eu lieu les négociations ?", "Where were the talks held?"):
        start, end = reader.read(question, [(sentence, context)]).spans[0] or (0, 0)
        assert sentence[start:end] == "Istanbul"
    # The sentence's first word can be the answer (its token holds the space before it)
    first = "Istanbul a accueilli les pourparlers, sous médiation turque."
    start, end = reader.read("Où ont eu lieu les négociations ?", [(first, context)]).spans[0] or (
        0,
        0,
    )
    assert first[start:end] == "Istanbul"


@pytest.mark.slow
def test_a_smaller_reader_learns_from_a_trained_one_and_is_assembled_with_its_layers(
    tiny_run: Path, own_models: Path, tmp_path: Path
) -> None:
    delta = train_tiny(tmp_path / "small", own_models, "--layers", "6", "--teacher", str(tiny_run))
    record = checked_record(delta)
    assert (
        record["layers"] == 6
        and record["teacher"]["sha256"] == checked_record(tiny_run / READER_DELTA.name)["sha256"]
    )
    assert not any(".layer.6." in name for name in load_file(str(delta)))  # 4 and 5 only
    folder = ensure_reader_model(delta, own_models)
    assert json.loads((folder / "config.json").read_text())["num_hidden_layers"] == 6
    assert not any(".layer.6." in name for name in load_file(str(folder / "model.safetensors")))
    probe_read_alike(delta, own_models)


def test_the_mean_of_readers_is_their_weights_mean_with_both_records(tmp_path: Path) -> None:
    halves = []
    for sign, name in ((1.0, "up"), (-1.0, "down")):  # two runs: the delta shifted each way
        run = tmp_path / name
        run.mkdir()
        tensors = {k: v + np.float16(sign * 0.5) for k, v in load_file(str(READER_DELTA)).items()}
        save_file(tensors, str(run / READER_DELTA.name), metadata={"format": "pt"})
        record = {**checked_record(READER_DELTA), "command": f"bench/train_reader.py {name}"}
        record["sha256"] = digest_of(run / READER_DELTA.name)
        (run / RECORD_FILE).write_text(json.dumps(record))
        halves.append(run)
    out = tmp_path / "mean"
    command = [sys.executable, "bench/average_readers.py", *map(str, halves), "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    record = checked_record(out / READER_DELTA.name)
    assert [run["command"] for run in record["averaged"]] == [
        "bench/train_reader.py up",
        "bench/train_reader.py down",
    ]
    mean, shipped = load_file(str(out / READER_DELTA.name)), load_file(str(READER_DELTA))
    assert mean.keys() == shipped.keys()
    assert all(np.allclose(mean[k], shipped[k], atol=2e-3) for k in shipped)

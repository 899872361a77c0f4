"""The package layout of the README's "Architecture": dependencies point one way."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each package and the packages of ours it may import (README, "Architecture").
ALLOWED = {
    "ingest": set(),
    "embedding": set(),
    "index": {"ingest", "embedding"},
    "qa": {"index", "ingest", "embedding"},
    "app": {"qa", "index", "ingest", "embedding"},
    "web": {"app", "qa", "index", "ingest", "embedding"},
    "cli": {"web", "app", "qa", "index", "ingest", "embedding"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(ALLOWED)


def test_dependencies_point_one_way() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {sorted(used - ALLOWED[package] - {package})}"
        for package in ALLOWED
        for path in (ROOT / package).rglob("*.py")
        if (used := imported_packages(path)) - ALLOWED[package] - {package}
    ]
    assert not wrong


def test_no_relative_imports_across_the_layout() -> None:
    """Absolute imports only: a module's imports say which package it leans on."""
    relative = [
        str(path.relative_to(ROOT))
        for package in ALLOWED
        for path in (ROOT / package).rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom) and node.level
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert not relative


def test_answering_and_the_web_app_do_not_import_torch() -> None:
    """`qa ask`, `qa serve` and the web app run on the exported encoder: torch (2 s to
    import, ~400 MB) loads only to build or export a model."""
    code = (
        "import sys, qa.answer, qa.retrieve, web.app, cli.main, app.engine;"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

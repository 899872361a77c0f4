"""The package layout of the README's "Architecture": dependencies point one way."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Three top-level packages, seven layers (docs/architecture.md, "Architecture"): each layer,
# named by its dotted prefix, and the layers it may import. A module belongs to the longest
# prefix that names it: index.ingest.parse is in index.ingest, index.sync in index.
TOP_LEVEL = {"index", "qa", "web"}
ALLOWED = {
    "index.ingest": set(),
    "index.embedding": set(),
    "index": {"index.ingest", "index.embedding"},
    "qa": {"index", "index.ingest", "index.embedding"},
    "qa.app": {"qa", "index", "index.ingest", "index.embedding"},
    "web": {"qa.app", "qa", "index", "index.ingest", "index.embedding"},
    "web.cli": {"web", "qa.app", "qa", "index", "index.ingest", "index.embedding"},
}


def layer(name: str) -> str | None:
    """The layer of a dotted name (a module, or a name imported from one), None if not ours."""
    holding = [prefix for prefix in ALLOWED if name == prefix or name.startswith(prefix + ".")]
    return max(holding, key=len) if holding else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_layers(path: Path) -> set[str]:
    """The layers a module imports from: `from qa import app` is an import of qa.app."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return {found for name in names if (found := layer(name))}


def package_files() -> list[Path]:
    return [path for package in sorted(TOP_LEVEL) for path in (ROOT / package).rglob("*.py")]


def test_dependencies_point_one_way() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} ({own}) imports {sorted(used - ALLOWED[own] - {own})}"
        for path in package_files()
        if (own := layer(module_name(path)))
        if (used := imported_layers(path)) - ALLOWED[own] - {own}
    ]
    assert not wrong


def test_the_layers_point_one_way() -> None:
    """The table itself has no cycle: each layer imports only layers listed before it."""
    order = list(ALLOWED)
    assert not [
        (own, used)
        for own in order
        for used in ALLOWED[own]
        if order.index(used) > order.index(own)
    ]


def test_only_three_top_level_packages() -> None:
    """The wheel installs index, qa and web, and `qa` is web.cli's command (pyproject.toml)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["setuptools"]["packages"]
    assert {name.split(".")[0] for name in packages} == TOP_LEVEL
    assert set(project["tool"]["mypy"]["packages"]) == TOP_LEVEL
    assert project["project"]["scripts"] == {"qa": "web.cli.main:main"}
    stray = [
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in TOP_LEVEL
    ]
    assert not stray


def test_no_relative_imports_across_the_layout() -> None:
    """Absolute imports only: a module's imports say which package it leans on."""
    relative = [
        str(path.relative_to(ROOT))
        for path in package_files()
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
        "import sys, qa.answer, qa.retrieve, web.app, web.cli.main, qa.app.engine;"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

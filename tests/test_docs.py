"""The documentation: the README (a landing page) and the site in docs/. Every setting is
documented (datasette's test_settings_are_documented), on a page generated from the
settings class; every relative link points at a file that exists."""

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

from qa.app.settings import Settings
from tests.conftest import ROOT
from web.app import create_app

DOCS = ROOT / "docs"
# [text](target) and ![alt](target), the target up to a space, ')' or '#'.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s#]+)(?:#[^)\s]*)?\)")


def hooks() -> ModuleType:
    """docs/hooks.py, the MkDocs hook that writes the settings table, as the build loads it."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_routes(prefix: str) -> set[str]:
    """The paths of the app's endpoints under `prefix`, as its OpenAPI schema has them."""
    paths = create_app(Settings(admin_token=None)).openapi()["paths"]
    return {path for path in paths if path.startswith(prefix)}


def test_the_settings_page_lists_every_setting_with_its_type_default_and_meaning() -> None:
    generated = hooks()
    page = (DOCS / "settings.md").read_text()
    assert generated.MARKER in page and generated.END_MARKER in page  # where the build writes
    # The page's own copy, read on GitHub, is the generated table: `python docs/hooks.py`.
    assert generated.with_settings_table(page) == page
    rows = {
        row.split("|")[1].strip(): row
        for row in generated.settings_table().splitlines()
        if row.startswith("| `QA_")
    }
    assert set(rows) == {f"`QA_{name.upper()}`" for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        row = rows[f"`QA_{name.upper()}`"]
        assert field.description and field.description in row, name
        assert generated.default_text(field.default) in row, name
    assert "| `QA_BACKEND` | `embedded` or `postgres` | `embedded` |" in rows["`QA_BACKEND`"]
    assert "| `QA_ADMIN_TOKEN` | text (optional) | unset |" in rows["`QA_ADMIN_TOKEN`"]
    assert "| `QA_WATCH` | `true` or `false` | `false` |" in rows["`QA_WATCH`"]


def test_the_built_site_may_load_nothing_from_the_network(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<a href="https://example.org">a plain link is fine</a>'
        '<link rel="stylesheet" href="https://fonts.example/css">'
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "style.css").write_text("body { background: url('https://x/y.png') }")
    (tmp_path / "ok.html").write_text('<img src="figures/chat.png"><script src="a.js"></script>')
    found = hooks().remote_resources(tmp_path)
    assert found == [
        "assets/style.css: url('https:",
        'page.html: <link rel="stylesheet" href="https:',
    ]


def test_every_relative_link_of_the_readme_and_the_docs_points_at_a_file() -> None:
    """On GitHub too: the README links into docs/*.md. (`make docs` checks anchors.)"""
    broken = []
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def test_every_page_is_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.glob("*.md")}
    assert {page for page in pages if f": {page}\n" not in nav} == set()


def test_the_readme_is_a_landing_page_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert len(readme.splitlines()) <= 150
    assert "](docs/figures/chat.png)" in readme


def test_the_api_page_names_the_upload_field_and_every_admin_endpoint() -> None:
    api = (DOCS / "api.md").read_text()
    assert "one part named `files` per file" in api and "-F files=@" in api
    routes = app_routes("/admin/")
    assert "/admin/uploads/{name}" in routes
    unnamed = re.sub(r"\{\w+\}", "{}", api)  # the page says {id} for {article_id}
    for route in routes:
        assert re.sub(r"\{\w+\}", "{}", route) in unnamed, route


def test_every_folder_of_package_files_is_a_declared_package() -> None:
    """Else setuptools warns about each (124 lines per install) and may leave it out."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(setup["packages"])
    folders = {
        path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for top in ("app", "cli", "embedding", "index", "ingest", "qa", "web")
        for path in (ROOT / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert folders == declared

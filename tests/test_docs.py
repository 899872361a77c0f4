"""Every setting is documented in the README (datasette's test_settings_are_documented)."""

import re
import tomllib

from app.settings import Settings
from tests.conftest import ROOT
from web.app import create_app


def app_routes(prefix: str) -> set[str]:
    """The paths of the app's endpoints under `prefix`, as its OpenAPI schema has them."""
    paths = create_app(Settings(admin_token=None)).openapi()["paths"]
    return {path for path in paths if path.startswith(prefix)}


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in Settings.model_fields if f"`QA_{name.upper()}`" not in readme]
    assert missing == []


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_the_readme_names_the_upload_field_and_every_admin_endpoint() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "one part named `files` per file" in readme and "-F files=@" in readme
    routes = app_routes("/admin/")
    assert "/admin/uploads/{name}" in routes
    unnamed = re.sub(r"\{\w+\}", "{}", readme)  # the README says {id} for {article_id}
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

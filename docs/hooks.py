"""MkDocs hooks (mkdocs.yml): the settings page's table, generated from
`qa.app.settings.Settings`, so the documentation lists every field with its env name, type,
default and meaning and cannot drift from the code; and, once built, a check that no page
loads anything from the network (fonts, scripts, styles, images), so the site works offline.

The build writes the table afresh between the page's two markers. The page also keeps a
copy, so that it reads whole on GitHub: `python docs/hooks.py` rewrites it, and
`tests/test_docs.py` fails while the copy differs from what the settings class gives.
"""

import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
MARKER = "<!-- settings-table -->"
END_MARKER = "<!-- /settings-table -->"
BLOCK = re.compile(re.escape(MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)


def _settings_class() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from qa.app.settings import Settings

    return Settings


def type_name(annotation: Any) -> str:
    """`Literal['a', 'b']` → `a` or `b`; `int | None` → integer, optional; `Path` → path."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(f"`{value}`" for value in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return ", ".join(type_name(arg) for arg in args) + " (optional)"
    names = {str: "text", int: "integer", float: "number", bool: "`true` or `false`"}
    if annotation is Path:
        return "path"
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_text(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def settings_table() -> str:
    """One row per field of the settings class, in its order."""
    settings = _settings_class()
    prefix = settings.model_config.get("env_prefix", "")
    rows = [
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in settings.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{prefix}{name.upper()}` | {type_name(field.annotation)} "
            f"| {default_text(field.default)} | {description} |"
        )
    return "\n".join(rows)


def with_settings_table(markdown: str) -> str:
    """The page with the table between its markers made from the settings class."""
    block = f"{MARKER}\n\n{settings_table()}\n\n{END_MARKER}"
    return BLOCK.sub(lambda _: block, markdown)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    return with_settings_table(markdown)


# A resource the browser would fetch: src="http…", <link … href="http…">, CSS url(http…).
# Plain links (<a href="https://…">) are not fetched by opening the page.
REMOTE = re.compile(r"""src=["']https?:|<link[^>]*href=["']https?:|url\(["']?https?:""")


def remote_resources(site_dir: Path) -> list[str]:
    """Built pages and stylesheets that would load something from the network."""
    found = []
    for path in sorted([*site_dir.rglob("*.html"), *site_dir.rglob("*.css")]):
        for match in REMOTE.finditer(path.read_text(errors="replace")):
            found.append(f"{path.relative_to(site_dir)}: {match.group(0)}")
    return found


def on_post_build(config: Any, **kwargs: Any) -> None:
    from mkdocs.exceptions import PluginError  # here: the tests load this file without mkdocs

    found = remote_resources(Path(config["site_dir"]))
    if found:
        raise PluginError("the site would load from the network: " + "; ".join(found))


if __name__ == "__main__":
    SETTINGS_PAGE.write_text(with_settings_table(SETTINGS_PAGE.read_text()))
    print(f"wrote the settings table into {SETTINGS_PAGE.relative_to(ROOT)}")

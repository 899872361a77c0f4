"""Wire copies as outlets make them, from one dispatch: for the story tests."""

import shutil
from pathlib import Path

from tests.conftest import SEEDS

SEED_FILE = "000_6acd5d2dc33e86a7.txt"
ADDED = "Cette information a été confirmée par plusieurs sources diplomatiques à Genève."


def seed_paragraphs() -> list[str]:
    body = (SEEDS / SEED_FILE).read_text().split("\n", 1)[1]
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def write_copies(folder: Path) -> dict[str, Path]:
    """The seed dispatch (2025-06) and three copies dated after it: paragraphs reordered,
    the headline changed, a sentence added."""
    paragraphs = seed_paragraphs()
    shutil.copy(SEEDS / SEED_FILE, folder / SEED_FILE)
    reordered = paragraphs[:1] + paragraphs[:0:-1]
    added = [*paragraphs[:3], f"{paragraphs[3]} {ADDED}", *paragraphs[4:]]
    copies = {
        "lemonde.md": ("Nouvel échange de prisonniers entre Kiev et Moscou", reordered),
        "liberation.md": ("Ukraine-Russie : encore un échange", paragraphs),
        "ouest.md": ("Prisonniers : Kiev et Moscou échangent", added),
    }
    written = {"afp": folder / SEED_FILE}
    for day, (name, (title, body)) in enumerate(copies.items(), start=12):
        outlet = name.removesuffix(".md") + ".example"
        front = f"---\ntitle: {title}\ndate: 2025-06-{day}\nsource: {outlet}\n---\n\n"
        (folder / name).write_text(front + "\n\n".join(body) + "\n")
        written[outlet] = folder / name
    return written

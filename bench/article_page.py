#!/usr/bin/env python3
"""Time the article page of a long article: 20,000 sentences in 5,000 paragraphs (issue 22:
the page was built in O(paragraphs × sentences)).

    python bench/article_page.py [--sentences N] [--per-paragraph M]

Prints the seconds spent reading the article, building the page's blocks and rendering
article.html, as the app does for /articles/{id} in a browser.
"""

import argparse
import time

from index.ingest.readers import read_markdown
from qa.app.settings import Settings
from web.app import create_app
from web.i18n import LANGUAGE_NAMES, STRINGS
from web.pages import blocks


def long_markdown(sentences: int, per_paragraph: int) -> str:
    paragraphs = [
        " ".join(
            f"The harbour logged ship number {n} at berth {n % 40}."
            for n in range(first, min(first + per_paragraph, sentences))
        )
        for first in range(0, sentences, per_paragraph)
    ]
    return "# A long log\n\n" + "\n\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--per-paragraph", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    article = next(read_markdown(long_markdown(args.sentences, args.per_paragraph), "a", "a"))
    read = time.perf_counter()
    shown = blocks(article, range(10, 12))
    built = time.perf_counter()
    templates = create_app(Settings(admin_token=None)).state.templates
    context = {"t": STRINGS["en"], "lang": "en", "names": LANGUAGE_NAMES["en"]}
    page = templates.get_template("article.html").render(
        **context, article=article, blocks=shown, hl=None, conversation=None
    )
    rendered = time.perf_counter()
    print(
        f"{len(article.sentences):,} sentences in {len(article.paragraphs):,} paragraphs: "
        f"read {read - started:.2f} s, blocks {built - read:.2f} s, "
        f"render {rendered - built:.2f} s ({len(page):,} characters)"
    )


if __name__ == "__main__":
    main()

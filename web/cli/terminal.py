"""Answers on a terminal: the quote with its marked words, where it is from, its address;
and the loop of `qa chat`."""

import sys
from collections.abc import Callable

import click

from qa.models import CLOSEST, Answer, Quote
from web.schemas import recent_history

Link = Callable[[str, int], str]  # (article id, sentence) -> the server's page of it
Ask = Callable[[str, list[str]], Answer]  # (question, earlier questions) -> answer


def render(result: Answer, link: Link | None = None) -> str:
    """The quote (answering words in bold where the terminal shows it), title, date and
    place in the article, the article's url when it has one, the confidence. Not found:
    the message, then the closest sentence, said to be one that may not answer."""
    confidence = f"(confidence {result.confidence:.2f})"
    if result.quote:
        return "\n".join([*_placed(result.quote, link), confidence])
    if result.closest:  # not found, but the reader may judge the closest sentence
        closest = _placed(result.closest, link)
        return "\n".join([result.answer, CLOSEST[result.language], *closest, confidence])
    return f"{result.answer}\n{confidence}"


def _placed(quote: Quote, link: Link | None) -> list[str]:
    lines = [
        f"« {_marked(quote)} »",
        f"— {quote.title} ({quote.date or 'undated'}), sentence {quote.sentence_index}, "
        f"characters {quote.start}-{quote.end}",
    ]
    if quote.url:
        lines.append(quote.url)
    if link is not None:
        lines.append(link(quote.article_id, quote.sentence_index))
    return lines


def _marked(quote: Quote) -> str:
    """Bold answer spans; `click.echo` drops the styling when the output is not a terminal."""
    text, out, cursor = quote.text, [], 0
    for start, end in sorted(quote.highlights):
        if start < cursor:
            continue
        out += [text[cursor:start], click.style(text[start:end], bold=True)]
        cursor = end
    return "".join([*out, text[cursor:]])


def chat_loop(ask: Ask, link: Link | None) -> None:
    """One question a line until an empty line or the end of the input."""
    history: list[str] = []
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("? ", nl=False, err=True)
        line = sys.stdin.readline()
        question = line.strip()
        if not question:
            return
        result = ask(question, recent_history(history))
        history.append(question)
        click.echo(render(result, link))
        click.echo()

"""The quoted sentence cut into runs for the template: plain text, the words that answer
(`<mark class="answer">`) and the question's words (`<mark class="term">`).

Runs are text; the template escapes each one, so a mark never lets markup through.
"""

from qa.models import Quote

Run = tuple[str, str | None]


def marked(quote: Quote) -> list[Run]:
    """(text, kind) runs whose texts join to exactly `quote.text`."""
    text = quote.text
    spans = sorted(
        [(s, e, "answer") for s, e in quote.highlights]
        + [(s, e, "term") for s, e in quote.term_highlights]
    )
    runs: list[Run] = []
    cursor = 0
    for start, end, kind in spans:
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:  # overlapping or out of range: the first one wins
            continue
        runs.append((text[cursor:start], None))
        runs.append((text[start:end], kind))
        cursor = end
    runs.append((text[cursor:], None))
    return [run for run in runs if run[0]]

"""Split a paragraph into sentences with exact character offsets (syntok).

syntok was measured best on French and English news (see bench/sentence_split.py):
it keeps "M. Zelensky", "U.S." and "3,5 %" whole and splits inside « guillemets ».
"""

from syntok import segmenter

# syntok can leave a closing quote or bracket as a sentence of its own: glue it back.
_TRAILING_ONLY = set("»«\"'”“’)]}.…!?;:,")
_CLOSING = "»”"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets into `text` of the sentences within text[start:end]."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for paragraph in segmenter.analyze(text[start:end]):
        for sentence in paragraph:
            first, last = sentence[0], sentence[-1]
            span = (start + first.offset, start + last.offset + len(last.value))
            piece = text[span[0] : span[1]]
            if spans and all(c in _TRAILING_ONLY or c.isspace() for c in piece):
                spans[-1] = (spans[-1][0], span[1])
                continue
            if spans and piece[0] in _CLOSING:
                # « Il viendra. » Puis... : the » closes the previous sentence.
                moved = len(piece) - len(piece[1:].lstrip())
                spans[-1] = (spans[-1][0], span[0] + 1)
                span = (span[0] + moved, span[1])
            spans.append(span)
    return spans

"""Where the answer is in a sentence the reader read: its span head scores each token as
the answer's first and its last (learnt beside the ranking, bench/train_reader.py
--span-share); the best pair inside the sentence, at most MAX_TOKENS apart, widened to
whole words, as characters of the sentence. It marks the answer for every kind of question,
where qa/highlight.py's rules know five (bench/marks.py measures both)."""

import numpy as np

from index.embedding.encoders import TokenStates
from qa.reader_input import SENTENCE_CHARS, sentence_start

Span = tuple[int, int]
SpanHead = tuple[np.ndarray, np.ndarray]  # weight (2, dimension), bias (2,)
MAX_TOKENS = 30  # an answer is a few words: a longer pair is a whole clause, not an answer


def answer_words(read: TokenStates, head: SpanHead, question: str, sentence: str) -> Span | None:
    """The answer's characters in `sentence`, as the reader read it with `question`."""
    begins = sentence_start(question)
    ends = begins + min(len(sentence), SENTENCE_CHARS)
    inside = [i for i, (a, b) in enumerate(read.offsets) if begins <= a < b <= ends]
    if not inside:
        return None
    scores = read.states[inside] @ head[0].T + head[1]  # (tokens, 2): as first, as last
    pairs = scores[:, :1] + scores[:, 1:].T  # first i, last j
    n = len(inside)
    apart = np.arange(n)[None, :] - np.arange(n)[:, None]  # j - i
    pairs = np.where((apart >= 0) & (apart <= MAX_TOKENS), pairs, -np.inf)
    first, last = np.unravel_index(int(pairs.argmax()), pairs.shape)
    start = read.offsets[inside[first]][0] - begins
    end = read.offsets[inside[last]][1] - begins
    return whole_words(sentence, start, end)


def whole_words(text: str, start: int, end: int) -> Span | None:
    """[start, end) without the spaces at its ends (a token may hold the one before it),
    widened to whole words (a token may be part of one)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end

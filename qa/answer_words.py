"""Where the answer is in a sentence the reader read: its span head scores each token as
the answer's first and its last (learnt beside the ranking, bench/train_reader.py
--span-share); the best pair inside the sentence, at most MAX_TOKENS apart, widened to
whole words, as characters of the sentence. It marks the answer for every kind of question,
where qa/highlight.py's rules know five (bench/marks.py measures both)."""

import numpy as np

from index.embedding.encoders import TokenStates
from qa.reader_input import SENTENCE_CHARS, sentence_start, tokens_within

Span = tuple[int, int]
SpanHead = tuple[np.ndarray, np.ndarray]  # weight (2, dimension), bias (2,)
# An answer is a few words: a longer pair is a whole clause. Held out (bench/marks.py
# --longest), word F1 of the marks at 6, 10, 15, 20, 30 tokens: 0.565, 0.581, 0.585, 0.592,
# 0.592; the shorter of the tie (data/marks/RULE-longest.txt, written before).
MAX_TOKENS = 20
NO_SPAN = -30.0  # the score of a sentence with no token read (cut off): below any span's


def answer_words(
    read: TokenStates, head: SpanHead, question: str, sentence: str, longest: int = MAX_TOKENS
) -> tuple[Span | None, float]:
    """The answer's characters in `sentence`, as the reader read it with `question`, and
    their score (their first token's score as first plus their last's as last; a reader
    trained with the span loss shared across a group's sentences scores a sentence that
    holds no answer lower: qa/reading.py weighs it)."""
    begins = sentence_start(question)
    ends = begins + min(len(sentence), SENTENCE_CHARS)
    inside = tokens_within(read.offsets, begins, ends)
    if not inside:
        return None, NO_SPAN
    scores = read.states[inside] @ head[0].T + head[1]  # (tokens, 2): as first, as last
    first, last, score = best_pair(scores, longest)
    start = max(read.offsets[inside[first]][0], begins) - begins  # a first token's space
    end = min(read.offsets[inside[last]][1], ends) - begins
    return whole_words(sentence, start, end), score


def best_pair(scores: np.ndarray, longest: int = MAX_TOKENS) -> tuple[int, int, float]:
    """Of tokens scored (tokens, 2) as first and as last: the best first and last, at most
    `longest` apart, and their summed score."""
    pairs = scores[:, :1] + scores[:, 1:].T  # first i, last j
    n = len(scores)
    apart = np.arange(n)[None, :] - np.arange(n)[:, None]  # j - i
    pairs = np.where((apart >= 0) & (apart <= longest), pairs, -np.inf)
    first, last = np.unravel_index(int(pairs.argmax()), pairs.shape)
    return int(first), int(last), float(pairs[first, last])


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

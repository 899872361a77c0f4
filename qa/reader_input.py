"""What the answer reader reads: the question and one candidate sentence in its context,
as token ids, the same at training (bench/train_reader.py) and at answer time.

    <s> question </s></s> sentence </s> title | sentence before … sentence after </s>

The sentence comes before its context so that a long context is what gets cut, never the
sentence; each part has a token budget so that one long part cannot crowd out the others.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

QUESTION_TOKENS = 32
SENTENCE_TOKENS = 64
CONTEXT_TOKENS = 40
MAX_TOKENS = QUESTION_TOKENS + SENTENCE_TOKENS + CONTEXT_TOKENS + 4  # with the separators


def join_context(title: str, before: str, after: str) -> str:
    return f"{title} | {before} … {after}"


@dataclass(frozen=True)
class Specials:
    start: int  # <s>
    end: int  # </s>
    pad: int

    @classmethod
    def of(cls, tokenizer: Tokenizer) -> "Specials":
        ids = [tokenizer.token_to_id(t) for t in ("<s>", "</s>", "<pad>")]
        start, end, pad = ids
        if start is None or end is None or pad is None:
            raise ValueError("the reader's tokenizer lacks <s>, </s> or <pad>")
        return cls(start, end, pad)


def pair_ids(
    question: list[int], sentence: list[int], context: list[int], specials: Specials
) -> list[int]:
    s, e = specials.start, specials.end
    asked, read, around = (
        question[:QUESTION_TOKENS],
        sentence[:SENTENCE_TOKENS],
        context[:CONTEXT_TOKENS],
    )
    return [s, *asked, e, e, *read, e, *around, e]


def encode_pairs(
    tokenizer: Tokenizer, question: str, candidates: Sequence[tuple[str, str]]
) -> list[list[int]]:
    """Token ids of (question, (sentence, context)) for each candidate."""
    specials = Specials.of(tokenizer)
    asked = tokenizer.encode(question, add_special_tokens=False).ids
    texts = [text for pair in candidates for text in pair]
    pieces = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    return [
        pair_ids(asked, pieces[2 * i], pieces[2 * i + 1], specials) for i in range(len(candidates))
    ]


def padded(rows: Sequence[list[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) as int64 arrays, padded to the longest row."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask

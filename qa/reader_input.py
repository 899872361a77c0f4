"""What the answer reader reads, as token ids, the same at training (bench/train_reader.py)
and at answer time (qa/reader.py): the question, and each candidate sentence in its
context, apart, each as e5 was trained to read it:

    <s> query: question </s>
    <s> passage: sentence </s> title | sentence before … sentence after </s>

The reader's lower layers read each apart; its top layers read them joined
(embedding/reader_model.py). The sentence comes before its context so that a long context
is what gets cut, never the sentence; each part has a token budget so that one long part
cannot crowd out the others.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

QUESTION_TOKENS = 32
SENTENCE_TOKENS = 64
CONTEXT_TOKENS = 40
QUESTION_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # e5's own prefixes


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


def _pieces(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def question_ids(tokenizer: Tokenizer, question: str) -> list[int]:
    specials = Specials.of(tokenizer)
    prefix, asked = _pieces(tokenizer, [QUESTION_PREFIX.strip(), question])
    return [specials.start, *prefix, *asked[:QUESTION_TOKENS], specials.end]


def passage_rows(tokenizer: Tokenizer, candidates: Sequence[tuple[str, str]]) -> list[list[int]]:
    """Token ids of each (sentence, context)."""
    specials = Specials.of(tokenizer)
    s, e = specials.start, specials.end
    prefix = _pieces(tokenizer, [PASSAGE_PREFIX.strip()])[0]
    pieces = _pieces(tokenizer, [text for pair in candidates for text in pair])
    return [
        [s, *prefix, *pieces[2 * i][:SENTENCE_TOKENS], e, *pieces[2 * i + 1][:CONTEXT_TOKENS], e]
        for i in range(len(candidates))
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

"""The answer reader at answer time: the question read together with each candidate
sentence in its context (qa/reader_input.py) by e5 retrained as a cross-encoder
(index/embedding/reader_model.py), run as an exported encoder; the head turns its vector into a
logit of "this sentence answers the question", and the span head, when the reader has one,
finds the answer's words in the sentence (qa/answer_words.py)."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedding.embed import Embedder
from qa.answer_words import Span, SpanHead, answer_words
from qa.reader_input import reader_text


@dataclass(frozen=True)
class Read:
    """What the reader found in the candidates it read, one row each."""

    logits: np.ndarray  # "this sentence answers it"
    spans: list[Span | None]  # the answer's words in the sentence (its span head)
    span_scores: np.ndarray  # how sure the span head is of them

    def then(self, more: "Read") -> "Read":
        """These rows, then `more`'s (the cascade's second reading)."""
        return Read(
            np.concatenate([self.logits, more.logits]),
            self.spans + more.spans,
            np.concatenate([self.span_scores, more.span_scores]),
        )


@dataclass(frozen=True)
class AnswerReader:
    model: Embedder  # the assembled reader, exported like any encoder
    weight: np.ndarray  # the head: (dimension,)
    bias: float
    span: SpanHead | None = None  # a reader trained without it marks by rules (qa/highlight.py)

    def logits(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        """One logit per (sentence, context); the texts carry their prefixes already."""
        return self.read(question, candidates).logits

    def read(self, question: str, candidates: Sequence[tuple[str, str]]) -> Read:
        """Each candidate's logit, and the answer's words in its sentence and their score
        (None and 0 without a span head)."""
        texts = [reader_text(question, sentence, context) for sentence, context in candidates]
        if self.span is None:
            vectors = self.model.encoder.encode(texts, False, None)
            return Read(self._logits(vectors), [None] * len(texts), np.zeros(len(texts)))
        read = self.model.encoder.read_tokens(texts)
        vectors = np.stack([r.vector for r in read]) if read else np.zeros((0, len(self.weight)))
        found = [
            answer_words(r, self.span, question, sentence)
            for r, (sentence, _) in zip(read, candidates, strict=True)
        ]
        return Read(
            self._logits(vectors),
            [span for span, _ in found],
            np.array([score for _, score in found], dtype=np.float32),
        )

    def _logits(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(vectors @ self.weight + self.bias, dtype=np.float32)

"""The answer reader at answer time: the question read together with each candidate
sentence in its context (qa/reader_input.py) by e5 retrained as a cross-encoder
(index/embedding/reader_model.py), run as an exported encoder; the head turns its vector into a
logit of "this sentence answers the question"."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedding.embed import Embedder
from qa.reader_input import reader_text


@dataclass(frozen=True)
class AnswerReader:
    model: Embedder  # the assembled reader, exported like any encoder
    weight: np.ndarray  # the head: (dimension,)
    bias: float

    def logits(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        """One logit per (sentence, context); the texts carry their prefixes already."""
        texts = [reader_text(question, sentence, context) for sentence, context in candidates]
        vectors = self.model.encoder.encode(texts, False, None)
        return np.asarray(vectors @ self.weight + self.bias, dtype=np.float32)

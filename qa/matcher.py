"""The answer matcher: a score of "this sentence answers the question" from the e5 vectors the
index already holds, trained on question → answer-sentence pairs (bench/train_matcher.py).

    score = scale * (s·Wq + n·Vq)

q is the question's vector, s the sentence's, n the mean of the sentences before and after
it. W starts as the identity (e5's own cosine, which finds what a sentence is about) and
learns what answers a question: a when-question's pull towards dates, a who-question's
towards names, in French, in English and across the two. It costs two matrix products a
question, so every candidate is scored.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MATCHER_FILE = Path(__file__).with_name("matcher.npz")


@dataclass(frozen=True)
class Matcher:
    w: np.ndarray  # (d, d)
    v: np.ndarray  # (d, d)
    scale: float

    @classmethod
    def load(cls, path: Path = MATCHER_FILE) -> "Matcher":
        with np.load(path) as saved:
            return cls(
                saved["w"].astype(np.float32),
                saved["v"].astype(np.float32),
                float(saved["scale"]),
            )

    def scores(
        self, question: np.ndarray, sentences: np.ndarray, neighbours: np.ndarray
    ) -> np.ndarray:
        """question (d,); sentences and neighbours (n, d): one logit per sentence."""
        q = question.astype(np.float32).reshape(-1)
        raw = sentences.astype(np.float32) @ (self.w @ q) + neighbours.astype(np.float32) @ (
            self.v @ q
        )
        return np.asarray(self.scale * raw, dtype=np.float32)

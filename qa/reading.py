"""The product's choice of sentence: the learned ranker finds the likeliest sentences, the
answer reader (qa/reader.py) reads the question with each of its best in its context, and
the quote is the best of `logit + blend × ranker score`.

"Not found" stays the scorer's: its calibrated confidence in the chosen sentence (which
knows the retrieval evidence: is the subject in the collection at all) against its
threshold for the question's language, whatever the article's (docs, "Answer quality").

`top` and `blend` were fitted on held-out -train questions (bench/fit_reader.py) and are
shipped in qa/reading.json beside the reader's delta in qa/reader_model/.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.reader import AnswerReader
from qa.scorer import Learned, shipped

READING_FILE = Path(__file__).with_name("reading.json")
READER_DELTA = Path(__file__).with_name("reader_model") / "reader-delta.safetensors"


@dataclass
class Reading:
    ranker: Learned
    reader: AnswerReader
    top: int
    blend: float

    def threshold(self, language: str) -> float:
        """The scorer's, for the question's language: calibrated on questions asked across
        languages too, so no special case for them."""
        return self.ranker.threshold(language)

    def read(
        self, question: str, candidates: Sequence[tuple[str, str]], features: np.ndarray
    ) -> "Reads":
        """The ranker's scores of all candidates ((sentence, context) each), and the
        reader's logits of its best."""
        ranked = self.ranker.scores(features)
        read = np.argsort(-ranked, kind="stable")[: self.top]
        logits = self.reader.logits(question, [candidates[i] for i in read])
        return Reads(ranked, read, logits, logits + self.blend * ranked[read])

    def confidence(self, features: np.ndarray, reads: "Reads", best: int) -> float:
        """The scorer's calibrated confidence in the chosen candidate; `best` indexes the
        candidates read."""
        return self.ranker.confidence(features, reads.ranked, int(reads.read[best]))


@dataclass(frozen=True)
class Reads:
    ranked: np.ndarray  # the ranker's score of every candidate
    read: np.ndarray  # positions of the candidates read, the ranker's best first
    logits: np.ndarray  # the reader's logit of each candidate read
    scores: np.ndarray  # what picks among those read: logit + blend × ranker score


def load_reading(reader: AnswerReader, path: Path = READING_FILE) -> Reading:
    model = json.loads(path.read_text())
    return Reading(shipped(), reader, int(model["top"]), float(model["blend"]))

"""The product's choice of sentence: the learned ranker finds the likeliest sentences, the
answer matcher (qa/matcher.py) scores how well each of its best answers the question, and the
quote is the best of `logit + blend × ranker score`. The matcher reads the question as the
question model encodes it: e5 with its top layers retrained to point a question at the
sentence that answers it (embedding/question_model.py, delta in qa/question_model/).

"Not found" stays the scorer's: its calibrated confidence in the chosen sentence (which
knows the retrieval evidence: is the subject in the collection at all) against its
threshold for the question's language, whatever the article's. A logistic confidence over
the matcher's own logit, margin and share was fitted too: on held-out -train runs it
answered 0.2 point fewer questions right for 4 more points of "not found" about absent
articles, at thresholds twice as high, and it refused the seed's showcase question (README,
"The question model").

`top` and `blend` were fitted on held-out -train questions (bench/fit_matching.py) and are
shipped in qa/reading.json beside qa/matcher.npz and qa/question_model/.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from embedding.embed import Embedder
from qa.matcher import MATCHER_FILE, Matcher
from qa.scorer import Learned, shipped

READING_FILE = Path(__file__).with_name("reading.json")
QUESTION_DELTA = Path(__file__).with_name("question_model") / "question-delta.safetensors"
READER_DELTA = Path(__file__).with_name("reader_model") / "reader-delta.safetensors"


@dataclass
class Reading:
    ranker: Learned
    matcher: Matcher
    questions: Embedder  # the question model
    top: int
    blend: float

    def threshold(self, language: str) -> float:
        """The scorer's, for the question's language: calibrated on questions asked across
        languages too, so no special case for them."""
        return self.ranker.threshold(language)

    def read(self, question: str, vectors: "Vectors", features: np.ndarray) -> "Reads":
        """The ranker's scores of all candidates, and the matcher's logits of its best."""
        ranked = self.ranker.scores(features)
        read = np.argsort(-ranked, kind="stable")[: self.top]
        asked = self.questions.encode_query(question)[0]
        logits = self.matcher.scores(asked, vectors.sentences[read], vectors.neighbours[read])
        return Reads(ranked, read, logits, logits + self.blend * ranked[read])

    def confidence(self, features: np.ndarray, reads: "Reads", best: int) -> float:
        """The scorer's calibrated confidence in the chosen candidate; `best` indexes the
        candidates read."""
        return self.ranker.confidence(features, reads.ranked, int(reads.read[best]))


@dataclass(frozen=True)
class Vectors:
    """Of every candidate, as the index stores them."""

    sentences: np.ndarray  # (n, d)
    neighbours: np.ndarray  # (n, d): the mean of the sentences before and after


@dataclass(frozen=True)
class Reads:
    ranked: np.ndarray  # the ranker's score of every candidate
    read: np.ndarray  # positions of the candidates matched, the ranker's best first
    logits: np.ndarray  # the matcher's logit of each candidate matched
    scores: np.ndarray  # what picks among those matched: logit + blend × ranker score


def load_reading(
    questions: Embedder, path: Path = READING_FILE, matcher: Path = MATCHER_FILE
) -> Reading:
    model = json.loads(path.read_text())
    return Reading(
        ranker=shipped(),
        matcher=Matcher.load(matcher),
        questions=questions,
        top=int(model["top"]),
        blend=float(model["blend"]),
    )


@cache
def shipped_reading(questions: Embedder) -> Reading:
    """The shipped matcher and its fitted selection, loaded once per process."""
    return load_reading(questions)

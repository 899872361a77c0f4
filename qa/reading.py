"""The product's choice of sentence: the learned ranker finds the likeliest sentences, the
answer reader (qa/reader.py) reads the question with each of its best in its context, and
the quote is the best of `logit + span_weight × span score + blend × ranker score` (the
span score: how sure its span head is of the answer's words in that sentence).

How many it reads follows the ranker's doubt (`Depth`): the ranker is a softmax over the
candidates, so its scores give each the probability that it is the right one; the reader
reads the best until they hold `mass` of it, at least `least` and at most `most`. A
question the ranker is sure of costs few reads, one it hesitates on (often asked in the
other language, whose words it cannot match) more: each read is ~11 ms of one core. And
the reader's own certainty: it reads the first `least`, and the others only when none of
those reaches the logit `sure` (a cascade, as rerankers are run: the rest rarely beat a
sentence the reader is sure of).

The confidence ("not found" below the threshold of the question's language, whatever the
article's) joins what both know: a logistic model over the scorer's calibrated confidence
in the chosen sentence (it knows the retrieval evidence: is the subject in the collection
at all), the reader's logit of it and its margin over the runner-up read, the ranker's
probability of it and the reader's logit of the runner-up (a question about a missing
article often leaves several candidates alike). The scorer alone could not tell a right
sentence of a question asked in the other language, whose words it cannot match, from a
wrong one (docs, "Answer quality").

The depth, `blend`, the confidence's weights and the thresholds were fitted on held-out -train
questions (bench/fit_reader.py, bench/fit_confidence.py) and are shipped in qa/reading.json
beside the reader's delta in qa/reader_model/.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer_words import Span
from qa.reader import AnswerReader, Read
from qa.scorer import Learned, capped_margin, shipped

READING_FILE = Path(__file__).with_name("reading.json")
READER_DELTA = Path(__file__).with_name("reader_model") / "reader-delta.safetensors"


RUNNER_UP_FLOOR = -5.0  # the runner-up's logit when a single candidate is read (below most)
CONFIDENCE_INPUTS = (
    "scorer_log_odds",
    "reader_logit",
    "reader_margin",
    "ranker_log_share",  # the ranker's log probability of the chosen, over all candidates
    "runner_up_logit",  # the reader's best logit among the others read
)


@dataclass(frozen=True)
class Depth:
    """How many of the ranker's best the reader reads."""

    least: int
    most: int
    mass: float  # of the ranker's probability that the right sentence is among those read
    # A logit of the reader: when one of the `least` read first reaches it, the others are
    # not read (None: always read them all)
    sure: float | None = None

    def of(self, ranked: np.ndarray) -> np.ndarray:
        """Positions of the candidates to read, the ranker's best first (those after the
        first `least` only if the reader is not `settled` by them)."""
        order = np.argsort(-ranked, kind="stable")
        shares = np.exp(ranked[order] - ranked[order[0]])
        held = np.cumsum(shares) / shares.sum()
        count = int(np.searchsorted(held, self.mass)) + 1
        return order[: min(max(count, self.least), self.most)]

    def settled(self, first: np.ndarray) -> bool:
        """Whether the reader's logits of the first `least` read settle the choice."""
        return self.sure is not None and len(first) > 0 and float(first.max()) >= self.sure

    def count(self, ranked: np.ndarray, logits: np.ndarray) -> int:
        """How many are read, given the reader's logits of the ranker's best, in its order."""
        planned = len(self.of(ranked))
        return min(planned, self.least) if self.settled(logits[: self.least]) else planned


@dataclass
class Reading:
    ranker: Learned
    reader: AnswerReader
    depth: Depth
    blend: float
    span_weight: float
    weights: np.ndarray  # of CONFIDENCE_INPUTS
    bias: float
    thresholds: dict[str, float]  # by the question's language

    def threshold(self, language: str) -> float:
        """The question language's own, fitted on questions asked across languages too (no
        special case for them); the higher one for a language it was not fitted on."""
        return self.thresholds.get(language, max(self.thresholds.values()))

    def read(
        self, question: str, candidates: Sequence[tuple[str, str]], features: np.ndarray
    ) -> "Reads":
        """The ranker's scores of all candidates ((sentence, context) each), and the
        reader's logits of its best."""
        ranked = self.ranker.scores(features)
        read = self.depth.of(ranked)
        first = [candidates[i] for i in read[: self.depth.least]]
        found = self.reader.read(question, first)
        if len(read) > len(first) and not self.depth.settled(self.judged(found)):
            rest = [candidates[i] for i in read[len(first) :]]
            found = found.then(self.reader.read(question, rest))
        logits = self.judged(found)
        read = read[: len(logits)]
        return Reads(ranked, read, logits, logits + self.blend * ranked[read], found.spans)

    def judged(self, found: Read) -> np.ndarray:
        """The reader's score of each sentence it read: its head's logit, plus its span's
        score weighted (how sure it is of an answer in that sentence; 0: the head alone)."""
        return found.logits + self.span_weight * found.span_scores

    def confidence(self, features: np.ndarray, reads: "Reads", best: int) -> float:
        """The probability that the chosen candidate holds the answer; `best` indexes the
        candidates read."""
        scorer = self.ranker.confidence(features, reads.ranked, int(reads.read[best]))
        inputs = confidence_inputs(scorer, reads, best)
        return float(1.0 / (1.0 + np.exp(-(inputs @ self.weights + self.bias))))


def confidence_inputs(scorer: float, reads: "Reads", best: int) -> np.ndarray:
    """CONFIDENCE_INPUTS of the chosen candidate, `best` among those read."""
    share = min(max(scorer, 1e-4), 1 - 1e-4)
    ranked = reads.ranked
    top = float(ranked.max())
    log_share = float(ranked[reads.read[best]]) - top - float(np.log(np.exp(ranked - top).sum()))
    rivals = np.delete(reads.logits, best)
    runner_up = float(rivals.max()) if len(rivals) else RUNNER_UP_FLOOR
    return np.array(
        [
            np.log(share / (1 - share)),
            reads.logits[best],
            capped_margin(reads.scores, best),
            log_share,
            runner_up,
        ]
    )


@dataclass(frozen=True)
class Reads:
    ranked: np.ndarray  # the ranker's score of every candidate
    read: np.ndarray  # positions of the candidates read, the ranker's best first
    logits: np.ndarray  # the reader's score of each candidate read (Reading.judged)
    scores: np.ndarray  # what picks among those read: logit + blend × ranker score
    answers: list[Span | None]  # the answer's words in each sentence read (its span head)


def load_reading(reader: AnswerReader, path: Path = READING_FILE) -> Reading:
    model = json.loads(path.read_text())
    confidence = model["confidence"]
    if tuple(confidence["inputs"]) != CONFIDENCE_INPUTS:
        raise ValueError(f"{path} was fitted on other confidence inputs: fit it again")
    return Reading(
        shipped(),
        reader,
        Depth(**model["depth"]),
        float(model["blend"]),
        float(model["span_weight"]),
        np.array(confidence["weights"], dtype=np.float64),
        float(confidence["bias"]),
        {k: float(v) for k, v in confidence["thresholds"].items()},
    )

"""The answer features, by name: what each candidate sentence offers as evidence that it
answers the question. One definition serves sentence selection, the learned scorer
(qa/scorer.py, trained by bench/train_scorer.py), the keyword-only and dense-only
baselines, and the benches that tune on them (bench/tune.py).

Each `Feature` has a name, the function that computes it from the `Evidence` of one
sentence (its docstring says what it measures) or the feature it is a margin of, and its
share in the hand-made score. Vectors of features are in the order of `FEATURES`; code
names a feature, never a position. Features are in [0, 1] (margins in [-1, 0]).

The features past the first five were asked for by the errors of the hand-made score on
the dev splits (README, "Why answers miss"): a sentence that echoes the question while its
neighbour answers it (novelty, previous_match), the rarest question term missing,
scattered question terms (proximity), the wrong kind of number or name (per-kind type
features), another article than the question's subject (title_match, article_*), and the
evidence that the collection holds the subject at all (unknown_terms, top_dense).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.interface import Reader, SentenceRow
from qa.answer_type import expected_type, new_of_kind
from qa.retrieve import PASSAGES_READ, Passage, Query

UNRELATED = 0.3  # calibrated cosine of unrelated sentences (10th percentile of wrong ones)
LONG_SENTENCE = 60  # terms; longer ones count as this long


@dataclass
class Asked:
    """What is worked out once per question: its terms' weights, the answer's kind, and
    how the retrieved passages rank."""

    query: Query
    weights: dict[str, float]  # IDF of each of the question's own terms
    unknown: set[str]  # own terms that no passage of the index holds
    kind: str | None  # "number", "year", "time", "name" or None (see answer_type.py)
    passages: list[Passage]

    @classmethod
    def of(cls, store: Reader, query: Query, passages: list[Passage]) -> "Asked":
        frequencies = store.document_frequencies(query.own_terms) if query.own_terms else {}
        chunks = max(store.manifest.chunks, 1)
        weights = {t: _idf(frequencies.get(t, 0), chunks) for t in dict.fromkeys(query.own_terms)}
        unknown = {t for t in weights if not frequencies.get(t)}
        return cls(query, weights, unknown, expected_type(query.text), passages)

    def coverage(self, present: set[str]) -> float:
        """Share of the question's term weight (IDF) found among `present` terms."""
        total = sum(self.weights.values())
        return sum(w for t, w in self.weights.items() if t in present) / total if total else 0.0

    @property
    def read(self) -> list[Passage]:
        return self.passages[:PASSAGES_READ]


@dataclass
class Evidence:
    """One candidate sentence, with what features may look at around it."""

    asked: Asked
    rank: int  # of its passage among the retrieved ones
    row: SentenceRow
    terms: list[str]  # the sentence's own terms, in order
    title: set[str]  # terms of the article's title
    previous: set[str]  # terms of the sentence before
    before: SentenceRow | None = None  # the sentences around it, if any
    after: SentenceRow | None = None
    article: set[str] = field(default_factory=set)  # terms of all its article's rows read

    def __post_init__(self) -> None:
        self.cosine = self.similarity(self.row)
        self.present = set(self.terms)

    def similarity(self, row: SentenceRow | None) -> float:
        """Cosine of the question and a sentence on the common scale; 0 for none."""
        if row is None:
            return 0.0
        query = self.asked.query
        return query.calibrated(float(np.dot(row.vector.astype(np.float32), query.vector[0])))

    @property
    def passage(self) -> Passage:
        return self.asked.passages[self.rank]

    @property
    def other_language(self) -> bool:
        """Stemmed terms cannot meet across languages."""
        return self.passage.chunk.language != self.asked.query.language

    @property
    def stand_in(self) -> float:
        """For a sentence in the other language, the similarity above that of an unrelated
        sentence stands in for term evidence, so that term features do not sink it."""
        return min(max((self.cosine - UNRELATED) / UNRELATED, 0.0), 1.0)


def dense(e: Evidence) -> float:
    """Cosine of the question and the sentence (common scale, [0, 1])."""
    return e.cosine


def keyword(e: Evidence) -> float:
    """IDF-weighted share of the question's terms that the sentence holds."""
    return e.stand_in if e.other_language else e.asked.coverage(e.present)


def passage(e: Evidence) -> float:
    """Cosine of the question and the passage around the sentence."""
    return max(e.passage.dense, 0.0)


def answer_type(e: Evidence) -> float:
    """1 when the sentence holds what the question word asks for (a number for "how
    many", a date for "when", a name for "who") beyond what the question says."""
    return float(bool(_typed(e)))


def context(e: Evidence) -> float:
    """Share of the question's term weight missing from the sentence but found in the
    title or the sentence before: "The project will cost…" answers "How much will the
    bridge cost?"."""
    if e.other_language:
        return 0.0
    return e.asked.coverage((e.title | e.previous) - e.present)


def title_match(e: Evidence) -> float:
    """Share of the question's term weight in the article's title: is this article
    about what the question asks about?"""
    return 0.0 if e.other_language else e.asked.coverage(e.title)


def previous_match(e: Evidence) -> float:
    """Share of the question's term weight in the sentence before: an answer often
    follows the sentence that echoes the question."""
    return 0.0 if e.other_language else e.asked.coverage(e.previous)


def dense_before(e: Evidence) -> float:
    """Cosine of the question and the sentence before (0 for the first sentence): the
    sentence after one that echoes the question often answers it."""
    return e.similarity(e.before)


def dense_after(e: Evidence) -> float:
    """Cosine of the question and the sentence after (0 for the last sentence)."""
    return e.similarity(e.after)


def dense_window(e: Evidence) -> float:
    """Cosine of the question and the mean vector of the sentence and its neighbours."""
    rows = [r for r in (e.before, e.row, e.after) if r is not None]
    pooled = np.mean([r.vector.astype(np.float32) for r in rows], axis=0)
    norm = float(np.linalg.norm(pooled))
    query = e.asked.query
    return query.calibrated(float(np.dot(pooled, query.vector[0])) / norm) if norm else 0.0


def rarest(e: Evidence) -> float:
    """IDF of the rarest question term the sentence holds, over the question's highest."""
    if e.other_language:
        return e.stand_in
    weights = e.asked.weights
    held = [w for t, w in weights.items() if t in e.present]
    return max(held) / max(weights.values()) if held else 0.0


def focus_held(e: Evidence) -> float:
    """1 when the sentence holds the question's last own term, often its verb or focus
    ("What did the shop owners collect?"), which a sentence that only names the subject
    lacks."""
    own = e.asked.query.own_terms
    if e.other_language or not own:
        return e.stand_in if e.other_language else 0.0
    return float(own[-1] in e.present)


def missing_nearby(e: Evidence) -> float:
    """Share of the question's term weight found neither in the sentence, nor in the
    title, nor in the sentence before."""
    if e.other_language:
        return 1.0 - e.stand_in
    return 1.0 - e.asked.coverage(e.present | e.title | e.previous)


def proximity(e: Evidence) -> float:
    """Distinct question terms held, over the length of the shortest run of the sentence
    that holds them all: 1 when they stand together, near 0 when scattered."""
    if e.other_language:
        return e.stand_in
    return _tightness(e.terms, set(e.asked.weights))


def novelty(e: Evidence) -> float:
    """Share of the sentence's distinct terms that are not in the question: a sentence
    that only restates the question has little to answer with."""
    if e.other_language or not e.present:
        return 0.5
    return len(e.present - set(e.asked.weights)) / len(e.present)


def number_offered(e: Evidence) -> float:
    """The question asks how many or how much, and the sentence holds a number it does
    not (up to three of them, over three)."""
    return _typed(e, "number")


def year_offered(e: Evidence) -> float:
    """The question asks which year or century, and the sentence holds one it does not."""
    return _typed(e, "year")


def time_offered(e: Evidence) -> float:
    """The question asks when, and the sentence holds a year or month it does not."""
    return _typed(e, "time")


def name_offered(e: Evidence) -> float:
    """The question asks who or where, and the sentence holds a capitalised name it
    does not."""
    return _typed(e, "name")


def asks_type(e: Evidence) -> float:
    """1 when the question word names the kind of answer (how many, when, who…)."""
    return float(e.asked.kind is not None)


def lead(e: Evidence) -> float:
    """1 / (1 + the sentence's position in its article): leads summarise."""
    return 1.0 / (1 + e.row.position)


def length(e: Evidence) -> float:
    """The sentence's terms, over 60 (capped): fragments rarely answer."""
    return min(len(e.terms), LONG_SENTENCE) / LONG_SENTENCE


def passage_score(e: Evidence) -> float:
    """The fused retrieval score of the sentence's passage."""
    return min(max(e.passage.score, 0.0), 1.0)


def passage_keyword(e: Evidence) -> float:
    """The passage's BM25, over the best passage's."""
    return e.passage.keyword


def passage_rank(e: Evidence) -> float:
    """1 / (1 + the passage's rank in the fused list)."""
    return 1.0 / (1 + e.rank)


def agreement(e: Evidence) -> float:
    """1 / (1 + the gap between the passage's dense and keyword ranks among the
    retrieved passages): both retrievers agree on it."""
    dense_rank, keyword_rank = _ranks(e.asked, e.rank)
    return 1.0 / (1 + abs(dense_rank - keyword_rank))


def article_passages(e: Evidence) -> float:
    """Share of the passages read that come from the sentence's article."""
    article = e.passage.chunk.article_id
    return sum(p.chunk.article_id == article for p in e.asked.read) / PASSAGES_READ


def unknown_terms(e: Evidence) -> float:
    """Share of the question's term weight that no passage of the index holds: a
    question about something the collection never mentions."""
    if e.other_language:
        return 0.0
    asked = e.asked
    return asked.coverage(asked.unknown)


def article_match(e: Evidence) -> float:
    """Share of the question's term weight found in what was read of the sentence's
    article (title and every sentence read): does that article hold the subject at all?"""
    return e.stand_in if e.other_language else e.asked.coverage(e.article | e.title)


def top_dense(e: Evidence) -> float:
    """The best passage cosine of the question: how close the collection comes at all."""
    return max((max(p.dense, 0.0) for p in e.asked.read), default=0.0)


@dataclass(frozen=True)
class Feature:
    name: str
    compute: Callable[[Evidence], float] | None = None  # from one candidate
    hand_made: float = 0.0  # share in the hand-made score (tuned by bench/tune.py)
    among: Callable[[np.ndarray], np.ndarray] | None = None  # from a column of all candidates
    of: str = ""  # the feature whose column `among` reads

    @property
    def meaning(self) -> str:
        compute = self.compute or self.among
        return " ".join((compute.__doc__ or "").split()).replace("FEATURE", self.of)


def margin(column: np.ndarray) -> np.ndarray:
    """FEATURE minus the best FEATURE among the question's candidates."""
    return column - column.max()


def best(column: np.ndarray) -> np.ndarray:
    """The best FEATURE among the question's candidates (the same for all of them)."""
    return np.full(len(column), column.max())


FEATURES: tuple[Feature, ...] = (
    Feature("dense", dense, 0.4),
    Feature("keyword", keyword, 0.2),
    Feature("passage", passage, 0.2),
    Feature("answer_type", answer_type, 0.05),
    Feature("context", context, 0.15),
    Feature("title_match", title_match),
    Feature("previous_match", previous_match),
    Feature("dense_before", dense_before),
    Feature("dense_after", dense_after),
    Feature("dense_window", dense_window),
    Feature("rarest", rarest),
    Feature("focus_held", focus_held),
    Feature("missing_nearby", missing_nearby),
    Feature("proximity", proximity),
    Feature("novelty", novelty),
    Feature("number_offered", number_offered),
    Feature("year_offered", year_offered),
    Feature("time_offered", time_offered),
    Feature("name_offered", name_offered),
    Feature("asks_type", asks_type),
    Feature("lead", lead),
    Feature("length", length),
    Feature("passage_score", passage_score),
    Feature("passage_keyword", passage_keyword),
    Feature("passage_rank", passage_rank),
    Feature("agreement", agreement),
    Feature("article_passages", article_passages),
    Feature("article_match", article_match),
    Feature("unknown_terms", unknown_terms),
    Feature("top_dense", top_dense),
    Feature("dense_margin", among=margin, of="dense"),
    Feature("keyword_margin", among=margin, of="keyword"),
    Feature("best_keyword", among=best, of="keyword"),
    Feature("best_rarest", among=best, of="rarest"),
    Feature("best_article_match", among=best, of="article_match"),
)
NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def column(name: str) -> int:
    """Where a feature sits in a feature vector."""
    return NAMES.index(name)


def weights(**shares: float) -> np.ndarray:
    """A weight vector from weights by feature name; features not named weigh 0."""
    unknown = shares.keys() - set(NAMES)
    if unknown:
        raise ValueError(f"unknown answer features: {', '.join(sorted(unknown))}")
    return np.array([shares.get(name, 0.0) for name in NAMES])


def matrix(evidence: list[Evidence]) -> np.ndarray:
    """One row of features per candidate sentence; then the features taken among them."""
    rows = np.array(
        [[f.compute(e) if f.compute else 0.0 for f in FEATURES] for e in evidence], dtype=float
    ).reshape(len(evidence), len(FEATURES))
    for j, feature in enumerate(FEATURES):
        if feature.among and len(evidence):
            rows[:, j] = feature.among(rows[:, column(feature.of)])
    return rows


# Hand-made scores: shares summing to 1 over features in [0, 1], so a score is in [0, 1].
HAND_MADE = weights(**{f.name: f.hand_made for f in FEATURES})
KEYWORD_ONLY = weights(keyword=1.0)
DENSE_ONLY = weights(dense=0.85, passage=0.15)


def _idf(frequency: int, chunks: int) -> float:
    return math.log(1 + (chunks - frequency + 0.5) / (frequency + 0.5))


def _typed(e: Evidence, kind: str | None = None) -> float:
    """Up to three new things of the asked kind in the sentence, over three; 0 when the
    question asks for another kind than `kind` (any kind when None)."""
    asked = e.asked.kind
    if asked is None or (kind is not None and kind != asked):
        return 0.0
    return min(new_of_kind(asked, e.row.text, e.asked.query.text), 3) / 3


def _tightness(terms: list[str], wanted: set[str]) -> float:
    """Distinct wanted terms over the shortest window of `terms` holding all of them."""
    positions = [(i, t) for i, t in enumerate(terms) if t in wanted]
    distinct = len({t for _, t in positions})
    if distinct < 2:
        return float(distinct)
    counts: dict[str, int] = {}
    best, left, held = len(terms), 0, 0
    for right, (end, term) in enumerate(positions):
        counts[term] = counts.get(term, 0) + 1
        held += counts[term] == 1
        while held == distinct:
            start, first = positions[left]
            best = min(best, end - start + 1)
            counts[first] -= 1
            held -= counts[first] == 0
            left += 1
        del right
    return distinct / best


def _ranks(asked: Asked, rank: int) -> tuple[int, int]:
    """The passage's rank by dense cosine and by keyword score among those retrieved."""
    passages = asked.passages
    mine = passages[rank]
    dense_rank = sum(p.dense > mine.dense for p in passages)
    keyword_rank = sum(p.keyword > mine.keyword for p in passages)
    return dense_rank, keyword_rank

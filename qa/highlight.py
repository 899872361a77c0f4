"""Where, inside the quoted sentence, are the words that answer the question?

Where the answer reader found them when it read the sentence (its span head,
qa/answer_words.py), for any kind of question, when they can be of the kind asked (issue 21,
item 5): a how-many answer holds a number, a when-answer a word of time, a where-answer a
name or a place word; else nothing is marked. A reader without a span head leaves it to the
rules below.

The rules: the same reading of the question as the selector's
(`answer_type.expected_type`, the stemmed terms of `index.analyzer`): the number for
"combien / how many", the date for "quand / when", the year for "en quelle année / what
year", the name for "qui / who", the place for "où / where"; nothing when the sentence
holds nothing of that type. And the question's own terms, marked more lightly. Offsets are
into the sentence; the sentence itself is never changed.
"""

import re
from collections.abc import Callable, Iterable

from index.ingest.analyzer import fold_accents, terms, words
from qa.answer_type import expected_type
from qa.answer_words import Span

NEAR = 3  # words further from a question term than the closest candidate, still kept
_NUMBER = r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?"
# Numbers first, whole ("12,000", "1 200", "9.5"); words keep their hyphens ("Jean-Pierre")
# and lose an elided article ("l'Ukraine" is "l", "Ukraine").
_TOKEN = re.compile(rf"{_NUMBER}(?!\w)|\w+(?:-\w+)*", re.UNICODE)
_DIGITS = re.compile(_NUMBER)
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens half "
    "quarter deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize vingt trente quarante cinquante soixante cent cents mille million millions milliard "
    "milliards douzaine douzaines dizaine dizaines centaine centaines quart moitie".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
)
_WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday "
    "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
)
_YEAR = re.compile(r"^(1\d{3}|20\d{2})$")
_DAY = re.compile(r"^\d{1,2}(er|st|nd|rd|th)?$")
_CAPITAL = re.compile(r"^[A-ZÀ-ÖØ-Þ]")
_PLACE_WORDS = frozenset(
    "à a au aux en dans près vers depuis sur in at near from to into across outside inside".split()
)
# Before or in a where-answer of the reader's ("sous le sol", "in rural regions"); not "a",
# which is English's article as well as French's "à" unaccented
_PLACE_PREPOSITIONS = (_PLACE_WORDS - {"a"}) | {"sous", "chez", "under", "within"}
# Words of time besides dates: a when-answer holds one ("la veille", "two years later")
_TIME_WORDS = frozenset(
    "hier aujourd demain veille lendemain matin soir nuit midi minuit semaine "
    "semaines mois an ans annee annees siecle siecles decennie decennies epoque heure heures "
    "minute minutes jour jours age printemps ete automne hiver debut fin depuis avant apres "
    "lors pendant durant yesterday today tomorrow morning evening night noon midnight week "
    "weeks month months year years decade decades century centuries era ages hour hours "
    "day days spring summer autumn fall winter early late ago before after during since until "
    "when while once".split()
)
# A question that asks when: its first words or its last ("… à quelle époque ?")
_TIME_WORDS_ASKED = (
    r"(when|quand|what (date|time|day|month|period|era)|"
    r"(en |à |a |de |dans |depuis |à partir de |a partir de )?quel(le)? "
    r"(date|époque|epoque|jour|mois|heure|période|periode)|depuis quand|à partir de quand|"
    r"a partir de quand|how long ago)"
)
_TIME_ASKED = re.compile(rf"^\W*{_TIME_WORDS_ASKED}\b|\b{_TIME_WORDS_ASKED}\W*$", re.I)
_CENTURY = re.compile(r"^([IVXLC]+|\d{1,2})(e|er|eme|ème|th|st|nd|rd)$", re.I)
_PLACE_QUESTION = re.compile(r"^\s*(où|d'où|d’où|where)\b", re.I)


def mark(
    question: str,
    sentence: str,
    language: str,
    asked: Iterable[str] | None = None,
    answer: Span | None = None,
) -> tuple[list[Span], list[Span]]:
    """(answer spans, question-term spans) in `sentence` (in `language`), each sorted, never
    overlapping. `asked`: the question's stemmed terms, as the selector has them; `answer`:
    the answer's words as the reader found them (qa/answer_words.py), which the rules
    below then only stand in for."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(sentence)]
    asked_terms = set(terms(question, language) if asked is None else asked)
    near = [i for i, (_, _, word) in enumerate(tokens) if _is_term(word, language, asked_terms)]
    kind = question_kind(question)
    if answer is None:
        taken = _by_rules(question, kind, tokens, near)
    else:
        taken = [answer] if _of_kind(kind, question, sentence, answer) else []
    term_spans = [
        (tokens[i][0], tokens[i][1])
        for i in near
        if not _overlaps((tokens[i][0], tokens[i][1]), taken)
    ]
    return sorted(taken), term_spans


def _by_rules(
    question: str, kind: str | None, tokens: list[tuple[int, int, str]], near: list[int]
) -> list[Span]:
    """The words of the `kind` the question asks for, closest to its terms."""
    asked_words = {fold_accents(w) for w in words(question)}
    found = _candidates(kind, tokens, asked_words)
    return [(tokens[first][0], tokens[last][1]) for first, last in _closest(found, near)]


def question_kind(question: str) -> str | None:
    """What the question asks for: expected_type's kinds, a who/where "name" told apart
    as a "place" for where."""
    kind = expected_type(question)
    if kind == "name" and _PLACE_QUESTION.match(question):
        return "place"
    return kind


def _is_term(word: str, language: str, asked: set[str]) -> bool:
    found = terms(word, language)
    return bool(found) and all(t in asked for t in found)


def _candidates(
    kind: str | None, tokens: list[tuple[int, int, str]], asked: set[str]
) -> list[tuple[int, int]]:
    """Runs of tokens (first, last index) that are answers of this kind, not in the question."""
    if kind is None:
        return []
    folded = [fold_accents(word.lower()) for _, _, word in tokens]
    if kind == "number":
        runs = _runs(tokens, lambda i: _is_number(tokens[i][2], folded[i]))
        counts = [r for r in runs if not _YEAR.match(tokens[r[0]][2]) or r[1] > r[0]]
        runs = counts or runs  # a year answers "how many" only when nothing else does
    elif kind == "year":
        runs = _runs(tokens, lambda i: bool(_YEAR.match(tokens[i][2])))
    elif kind == "time":
        runs = _runs(tokens, lambda i: _is_time(tokens, folded, i))
        runs = [r for r in runs if any(_is_date_word(tokens[i][2], folded[i]) for i in _span(r))]
    else:
        runs = _names(tokens, folded, place=kind == "place")
    return [r for r in runs if not all(folded[i] in asked for i in _span(r))]


def _span(run: tuple[int, int]) -> range:
    return range(run[0], run[1] + 1)


def _runs(tokens: list[tuple[int, int, str]], keep: Callable[[int], bool]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive kept tokens separated by spaces only."""
    runs: list[tuple[int, int]] = []
    for i in range(len(tokens)):
        if not keep(i):
            continue
        if runs and runs[-1][1] == i - 1 and _adjacent(tokens, i - 1, i):
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _adjacent(tokens: list[tuple[int, int, str]], left: int, right: int) -> bool:
    return tokens[right][0] - tokens[left][1] <= 2


def _of_kind(kind: str | None, question: str, sentence: str, answer: Span) -> bool:
    """Whether the reader's answer words can be of the kind the question asks for (item 5 of
    issue 21): a how-many answer holds a number, a when-answer a word of time, a where-answer
    a name or a place word (in it or among the two words before it). Who-answers are too
    varied to tell ("the president", "rent boys"): any stands; so does any answer of a
    question whose "when" heads a clause, not the question ("What was it called when…")."""
    text = sentence[answer[0] : answer[1]]
    if kind == "number":
        return _holds_number(text)
    if kind == "time" and _TIME_ASKED.search(question):
        return _holds_time(text)
    if kind == "place":
        before = sentence[: answer[0]].split()[-2:]
        return _holds_name(text, answer[0] == 0) or _holds_place_word(text, before)
    return True


def _words_of(text: str) -> list[tuple[str, str]]:
    """(word, its folded lower case) of each token."""
    return [(m.group(), fold_accents(m.group().lower())) for m in _TOKEN.finditer(text)]


def _holds_time(text: str) -> bool:
    """A date word, a word of time, a century, or any word with a digit ("mid-1991",
    "1790s", "10h30")."""
    return any(
        _is_date_word(word, folded)
        or folded in _TIME_WORDS
        or _CENTURY.match(word)
        or any(c.isdigit() for c in word)
        for word, folded in _words_of(text)
    )


def _holds_name(text: str, at_start: bool) -> bool:
    """A capitalised word, other than the sentence's own first one."""
    words = _words_of(text)[1:] if at_start else _words_of(text)
    return any(_CAPITAL.match(word) for word, _ in words)


def _holds_place_word(text: str, before: list[str]) -> bool:
    found = _words_of(" ".join([*before, text]))
    return any(word.lower() in _PLACE_PREPOSITIONS for word, _ in found)


def _holds_number(text: str) -> bool:
    return any(_is_number(word, folded) for word, folded in _words_of(text))


def _is_number(word: str, folded: str) -> bool:
    return bool(_DIGITS.fullmatch(word)) or folded in _NUMBER_WORDS


def _is_date_word(word: str, folded: str) -> bool:
    return bool(_YEAR.match(word)) or folded in _MONTHS or folded in _WEEKDAYS


def _is_time(tokens: list[tuple[int, int, str]], folded: list[str], i: int) -> bool:
    """A year, a month, a weekday, or a day number next to a month."""
    word = tokens[i][2]
    if _is_date_word(word, folded[i]):
        return True
    beside = [j for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
    return bool(_DAY.match(word)) and any(folded[j] in _MONTHS for j in beside)


def _names(
    tokens: list[tuple[int, int, str]], folded: list[str], place: bool
) -> list[tuple[int, int]]:
    """Capitalised runs ("Volodymyr Zelensky", "Maison Blanche"); a lone capitalised first
    word is only the sentence's capital, a month or a weekday no name. A place is a run
    after a place word ("à Istanbul", "in Geneva"), and nothing else: a sentence without
    one holds no place to mark. A person or an organisation is a run that follows no place
    word ("in Geneva" answers no "who")."""
    capital = [bool(_CAPITAL.match(word)) and not _is_date_word(word, folded[i])
               for i, (_, _, word) in enumerate(tokens)]  # fmt: skip
    runs = _runs(tokens, lambda i: capital[i])
    runs = [r for r in runs if r[0] > 0 or r[1] > r[0]]
    after_place = [r for r in runs if r[0] > 0 and folded[r[0] - 1] in _PLACE_WORDS]
    if place:
        return after_place
    return [r for r in runs if r not in after_place]


def _closest(found: list[tuple[int, int]], near: list[int]) -> list[tuple[int, int]]:
    """The candidates closest to the question's terms: "quatre régions" for "combien de
    régions" rather than "trois ans" further on; "l'Ukraine et la Russie ont annoncé" for
    "qui a annoncé" rather than "Istanbul" before them. All of them if no term is there."""
    if not near or not found:
        return found
    distance = {r: min(_distance(r, i) for i in near) for r in found}
    closest = min(distance.values())
    return [r for r in found if distance[r] <= closest + NEAR]


def _distance(run: tuple[int, int], index: int) -> int:
    if run[0] <= index <= run[1]:
        return 0
    return run[0] - index if index < run[0] else index - run[1]


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)

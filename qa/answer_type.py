"""What kind of answer a question expects, and whether a sentence offers one.

Question words name the answer's type ("combien" → a number, "when" → a date, "en quelle
année" → a year); a sentence that holds such a thing, beyond what the question already
says, is more likely the answer. Rules about language, not about particular questions.
"""

import re

from index.ingest.analyzer import fold_accents, words

_TYPES = (
    (
        "number",
        re.compile(
            r"\b(combien|how (many|much|long|far|old|large|big|tall|high)|what (percentage|"
            r"proportion|number)|quel(le)? (pourcentage|nombre|proportion|âge|age)|"
            r"à quel point)\b"
        ),
    ),
    (
        "year",
        re.compile(
            r"\b(what (year|century|decade)|in (which|what) (year|century|decade)|"
            r"(en |à |de |dans )?quel(le)? (année|siècle|décennie))\b"
        ),
    ),
    (
        "time",
        re.compile(
            r"\b(quand|when|what (date|time)|(en |à )?quel(le)? (date|époque|jour|mois|heure)|"
            r"depuis quand|how long ago)\b"
        ),
    ),
    ("name", re.compile(r"^\s*(who|whom|whose|qui|à qui|de qui|par qui|where|où|d'où)\b")),
)
_NUMBER = re.compile(
    r"\d+|(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
    r"million|billion|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|cent|"
    r"mille|millions?|milliards?|dozen|douzaine)",
    re.I,
)
_MONTHS = (
    "january february march april may june july august september october november december "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre"
).split()
_YEAR = re.compile(r"^(1\d{3}|20\d{2}|\d{2,4}s)$")
_CENTURY = re.compile(r"^([ivx]+e|[ivx]+eme|\d{1,2}(e|eme|th|st|nd|rd))$")
_NAME = re.compile(r"(?<=[\w,;] )[A-ZÀ-ÖØ-Þ][\w'’-]+")


def expected_type(question: str) -> str | None:
    """ "number", "year", "time", "name" or None."""
    lowered = question.lower()
    for kind, pattern in _TYPES:
        if pattern.search(lowered):
            return kind
    return None


def new_of_kind(kind: str | None, sentence: str, question: str) -> int:
    """How many things of this kind the sentence holds that the question does not."""
    if kind is None:
        return 0
    asked = set(words(question))
    if kind == "name":
        return len({n.lower() for n in _NAME.findall(sentence)} - asked)
    new = [w for w in words(sentence) if w not in asked]
    if kind == "number":
        return sum(bool(_NUMBER.fullmatch(w)) for w in new)
    years = sum(bool(_YEAR.match(w) or _CENTURY.match(w)) for w in new)
    if kind == "year":
        return years
    return years + sum(fold_accents(w) in _MONTHS for w in new)

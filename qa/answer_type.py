"""What kind of answer a question expects, and whether a sentence offers one.

Question words name the answer's type ("combien" → a number, "when" → a date); a sentence
that holds such a thing, beyond what the question already says, is more likely the answer.
Rules about language, not about particular questions.
"""

import re

from ingest.analyzer import fold_accents, words

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
        "time",
        re.compile(
            r"\b(quand|when|what (year|date|century|decade|time)|in which (year|century)|"
            r"(en |à )?quel(le)? (année|date|siècle|époque|jour|mois|heure)|depuis quand|"
            r"how long ago)\b"
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
_YEAR = re.compile(r"^(1\d{3}|20\d{2})$")
_NAME = re.compile(r"(?<=[\w,;] )[A-ZÀ-ÖØ-Þ][\w'’-]+")


def expected_type(question: str) -> str | None:
    lowered = question.lower()
    for kind, pattern in _TYPES:
        if pattern.search(lowered):
            return kind
    return None


def offers(kind: str | None, sentence: str, question: str) -> bool:
    """Whether the sentence holds an answer of this kind that the question does not."""
    if kind is None:
        return False
    asked = set(words(question))
    if kind == "number":
        return any(_NUMBER.fullmatch(w) for w in words(sentence) if w not in asked)
    if kind == "time":
        new = [w for w in words(sentence) if w not in asked]
        has_month = any(fold_accents(w) in _MONTHS for w in new)
        return has_month or any(_YEAR.match(w) for w in new)
    names = {n.lower() for n in _NAME.findall(sentence)}
    return bool(names - asked)

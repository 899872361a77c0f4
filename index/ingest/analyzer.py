"""Turn text into the keyword terms that FTS5 indexes and questions are matched on.

FTS5 has no French stemmer, so terms are stemmed here (Snowball, per language),
then accents are folded so that "trêve" and "treve" meet.
"""

import re
import unicodedata
from functools import cache

import Stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})

# Gentle lists: function words and question words only. Words that carry meaning in
# news ("plus", "depuis", "contre", "sans", "not") stay searchable.
_STOP_WORDS = {
    "fr": frozenset(
        "a à au aux avec c ce ces cet cette comment combien d dans de des du elle elles en est "
        "et été étaient était être il ils j l la le les leur leurs lequel laquelle lesquels lui "
        "m ma mes n ne on ont ou où par pour qu quand que quel quelle quelles quels qui quoi "
        "s sa se ses son sont sur t un une y ça cela celle celui ceux jusqu lorsqu puisqu "
        "quoiqu".split()
    ),
    "en": frozenset(
        "a an and are as at be been being by did do does for from had has have how i in is it "
        "its many much of on or s that the their them they this those to was were what when "
        "where which who whom whose why will with would".split()
    ),
}
_STEMMER_NAMES = {"fr": "french", "en": "english"}


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES.get(language, "english"))


def fold_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lower-cased words; elided "l'", "d'" come apart as their own short words."""
    normal = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()
    return _WORD.findall(normal)


def terms(text: str, language: str) -> list[str]:
    """Stemmed, accent-folded terms without stop words, in text order."""
    stop = _STOP_WORDS.get(language, _STOP_WORDS["en"])
    kept = [w for w in words(text) if w not in stop and w != "_"]
    return [fold_accents(stem) for stem in _stemmer(language).stemWords(kept)]

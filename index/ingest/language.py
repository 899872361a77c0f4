"""Language of an article or a question: French or English, nothing else."""

from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = ("fr", "en")
_CODES = {Language.FRENCH: "fr", Language.ENGLISH: "en"}


@cache
def _detector() -> LanguageDetector:
    # Only two candidates: lingua is then accurate on questions of a few words.
    return LanguageDetectorBuilder.from_languages(*_CODES).build()


def detect_language(text: str, default: str = "en") -> str:
    """Return "fr" or "en"; `default` when the text gives no clue (digits, names)."""
    found = _detector().detect_language_of(text[:2000])
    return _CODES.get(found, default) if found else default

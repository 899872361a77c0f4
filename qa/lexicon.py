"""A question's terms in the other language, for keyword search across languages: a French
question finds an English article by its words, not only by the names and numbers both
share (and the reverse). The lexicon was learnt from our own hand-translated -train
questions by IBM Model 1, on the keyword index's terms (bench/lexicon.py, which records the
command and data in the file); held out, it lifts keyword search's recall across
languages from 0.61 to 0.86-0.93 (docs, "Answer quality")."""

import json
from functools import cache
from pathlib import Path

LEXICON_FILE = Path(__file__).with_name("lexicon.json")


@cache
def _tables() -> dict[str, dict[str, list[str]]]:
    """By the language translated from: each term's likeliest translations."""
    lexicon = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    tables: dict[str, dict[str, list[str]]] = lexicon["from"]
    return tables


def translated(terms: list[str], language: str) -> list[str]:
    """The translations of `terms` (of `language`'s analyser) into the other language; none
    for a term or a language the lexicon does not hold."""
    table = _tables().get(language, {})
    return [t for term in terms for t in table.get(term, [])]

"""A French-English term lexicon learnt from our own translated -train questions (bench/data/:
each question of piaf-train, squad-train and squad-train-large translated by hand into the
other language), by IBM Model 1 (Brown et al. 1993: expectation-maximisation of each term's
translation probabilities over aligned sentence pairs), on the keyword index's own terms
(index/ingest/analyzer.py: Snowball stems, accents folded). Questions held out by
bench/fit_reading.py are left out in every language. -train only.

    .venv/bin/python bench/lexicon.py --out qa/lexicon.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from fit_reading import held_out_ids
from split_data import TRANSLATED_DIR

from index.ingest.analyzer import terms

NULL = ""  # the empty term: what a word translates to when it has no counterpart
ITERATIONS = 8
KEPT = 3  # translations kept a term, the likeliest
FLOOR = 0.1  # of probability, under which a translation is not kept
# Questions a term must be in to be translated: IBM Model 1 aligns a rare term to whatever
# it happened to be asked with ("1044" -> "guaimar", "lancent")
SEEN = 3


def pairs() -> list[tuple[list[str], list[str]]]:
    """(French terms, English terms) of each translated question not held out."""
    held = held_out_ids()
    found = []
    for path in sorted(TRANSLATED_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if row is None or row["id"] in held:
                continue
            french, english = (
                (row["question"], row["original"])
                if row["language"] == "fr"
                else (row["original"], row["question"])
            )
            found.append((terms(french, "fr"), terms(english, "en")))
    return found


def model_1(pairs: list[tuple[list[str], list[str]]]) -> dict[str, dict[str, float]]:
    """t(target | source) for each source term, by EM over the pairs (source, target)."""
    translation: dict[str, dict[str, float]] = defaultdict(dict)
    for source, target in pairs:
        for s in [NULL, *source]:
            for t in target:
                translation[s][t] = 1.0
    for _ in range(ITERATIONS):
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for source, target in pairs:
            sources = [NULL, *source]
            for t in target:
                weights = [translation[s][t] for s in sources]
                total = sum(weights)
                for s, w in zip(sources, weights, strict=True):
                    counts[s][t] += w / total
        translation = defaultdict(dict)
        for s, row in counts.items():
            total = sum(row.values())
            translation[s] = {t: c / total for t, c in row.items()}
    return translation


def kept(
    translation: dict[str, dict[str, float]], pairs: list[tuple[list[str], list[str]]]
) -> dict[str, list[str]]:
    """Each source term's likeliest translations above FLOOR, not itself (names and numbers
    already match as written), for terms asked SEEN times or more and not numbers."""
    seen = Counter(term for source, _ in pairs for term in set(source))
    found = {}
    for s, row in translation.items():
        if s == NULL or seen[s] < SEEN or s.isdigit():
            continue
        best = sorted(row.items(), key=lambda kv: -kv[1])[:KEPT]
        chosen = [t for t, p in best if p >= FLOOR and t != s]
        if chosen:
            found[s] = chosen
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    aligned = pairs()
    print(f"{len(aligned)} question pairs")
    reverse = [(en, fr) for fr, en in aligned]
    tables = {"fr": kept(model_1(aligned), aligned), "en": kept(model_1(reverse), reverse)}
    lexicon = {
        "record": {
            "command": "python bench/lexicon.py --out qa/lexicon.json",
            "data": "bench/data/*.jsonl: our hand translations of -train questions, less those"
            " bench/fit_reading.py holds out, in every language",
            "pairs": len(aligned),
            "method": f"IBM Model 1, {ITERATIONS} iterations each way; a term's {KEPT} likeliest"
            f" translations of probability >= {FLOOR}, not itself, for terms of {SEEN}"
            " questions or more",
        },
        "from": tables,
    }
    args.out.write_text(
        json.dumps(lexicon, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    )
    for language, table in tables.items():
        print(f"from {language}: {len(table)} terms")
    examples = {"fr": ("guerr", "annonc", "echang", "negoci"), "en": ("war", "talk", "mediat")}
    for language, words in examples.items():
        for word in words:
            print(language, word, tables[language].get(word))


if __name__ == "__main__":
    main()

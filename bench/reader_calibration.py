"""The texts the answer reader's int8 model is calibrated on (index/embedding/quantize.py):
what the reader reads at answer time (qa/reader_input.py), for -train questions no fit
holds out: for each, its right sentence and another of its article, in its context.
Written once into qa/reader_model/calibration.jsonl, shipped beside the delta. Dev splits
are never read.

    .venv/bin/python bench/reader_calibration.py
"""

from __future__ import annotations

import json
import random

from fit_reading import held_out_ids
from reader_data import read_article, right_sentences
from split_data import load_questions, split_dir

from index.embedding.reader_model import CALIBRATION_FILE
from qa.reader_input import reader_text
from qa.reading import READER_DELTA

SPLITS = ("squad-train", "piaf-train")  # the articles' two languages
PER_SPLIT = 150  # questions; two texts each: 600 texts, NNCF's default subset is 300
SEED = 5


def calibration_texts() -> list[str]:
    left_out, rng, texts = held_out_ids(), random.Random(SEED), []
    for split in SPLITS:
        questions = [q for q in load_questions(split) if q["answers"] and q["id"] not in left_out]
        rng.shuffle(questions)
        for question in questions[:PER_SPLIT]:
            sentences = read_article(split_dir(split) / "articles" / question["article"])
            right = right_sentences(question, sentences) or sentences[:1]
            for sentence in (right[0], rng.choice(sentences)):
                texts.append(reader_text(question["question"], sentence.text, sentence.context))
    return texts


def main() -> None:
    target = READER_DELTA.with_name(CALIBRATION_FILE)
    lines = [json.dumps({"text": text}, ensure_ascii=False) for text in calibration_texts()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} texts into {target}")


if __name__ == "__main__":
    main()

"""`qa eval` scoring, checked by hand on a tiny question file over the seed index."""

import json
from pathlib import Path

from qa.answer import Answerer
from qa.evaluate import contains_answer, evaluate, load_questions, normalise


def test_normalisation_follows_the_eval_rules() -> None:
    assert normalise("L'Ukraine, et la Russie !") == "ukraine et russie"
    assert normalise("The U.S. Army") == "u s army"
    assert contains_answer("Né en 1973 à Paris.", ["1973"])
    assert not contains_answer("Né en 1973 à Paris.", ["197"])
    assert contains_answer("the treaty of Rome", ["Treaty of Rome."])
    assert not contains_answer("élu", ["elu"])  # accents are kept


def test_eval_numbers_on_a_file_checked_by_hand(tmp_path: Path, qa: Answerer) -> None:
    rows = [
        # answered right: the quoted sentence holds "30 jours"
        {
            "id": "1",
            "question": "Que réclament l'Ukraine et ses alliés européens ?",
            "answers": ["une trêve sans conditions de 30 jours"],
            "language": "fr",
        },
        # answered, but the gold answer is in no article: a miss at every rank
        {
            "id": "2",
            "question": "How much will the new harbour bridge cost?",
            "answers": ["three billion euros"],
            "language": "en",
        },
        # unanswerable, and "not found": a right abstention
        {
            "id": "3",
            "question": "What is the boiling point of mercury?",
            "answers": [],
            "language": "en",
        },
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    report = evaluate(load_questions(path), qa.ask)
    overall = report["all"]
    assert overall["questions"] == 3
    assert overall["hit@1"] == 0.5
    assert overall["recall@1"] == 0.5 and overall["mrr"] == 0.5
    assert overall["abstention_recall"] == 1.0 and overall["abstention_precision"] == 1.0
    assert report["fr"]["hit@1"] == 1.0 and report["en"]["hit@1"] == 0.0
    assert report["en"]["abstention_recall"] == 1.0

"""Confidence of the chosen sentence for right, wrong and unanswerable questions, and what
each threshold would give (answered right + abstained right) on a split. A report: the
shipped threshold is chosen on the train splits by bench/train_scorer.py.

    .venv/bin/python bench/threshold.py data/eval/squad-dev-minilm \\
        ../shared/eval/squad-dev/questions.jsonl
"""

import sys
from pathlib import Path

import numpy as np

from index.embedded.store import Store
from qa.app.engine import answerer
from qa.app.settings import Settings
from qa.evaluate import contains_answer, load_questions


def main(index_dir: str, questions: str, limit: int = 1500) -> None:
    settings = Settings(index_dir=Path(index_dir), min_confidence=0.0)
    store = Store.open(settings.index_dir)
    qa = answerer(settings.model_copy(update={"embedding_model": store.model}), store)
    items = load_questions(Path(questions))
    items = items[:: max(len(items) // limit, 1)]
    unanswerable = [q for q in load_questions(Path(questions)) if not q.answers]
    items += [q for q in unanswerable if q not in items]
    groups: dict[str, list[float]] = {"right": [], "wrong": [], "unanswerable": []}
    for question in items:
        result = qa.ask(question.question)
        if not question.answers:
            groups["unanswerable"].append(result.confidence)
        elif contains_answer(result.answer, question.answers):
            groups["right"].append(result.confidence)
        else:
            groups["wrong"].append(result.confidence)
    for name, values in groups.items():
        quantiles = np.percentile(values, [10, 25, 50, 75, 90]).round(3) if values else []
        print(f"{name:13} n={len(values):5} p10/25/50/75/90={list(quantiles)}")
    right, none = np.array(groups["right"]), np.array(groups["unanswerable"])
    total = len(items)
    for threshold in np.arange(0.2, 0.6, 0.025):
        kept = (right >= threshold).sum() + (none < threshold).sum()
        print(
            f"threshold={threshold:.3f} accuracy={kept / total:.4f} "
            f"hit@1={(right >= threshold).sum() / (total - len(none)):.4f} "
            f"abstention_recall={(none < threshold).mean() if len(none) else 0:.3f}"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])

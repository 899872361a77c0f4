"""Reliability of the confidence: per bin of confidence, how often the quoted (or closest)
sentence held the answer. Prints a table per split and saves a reliability plot.

    .venv/bin/python bench/reliability.py squad-dev=data/eval/squad-dev \\
        piaf-dev=data/eval/piaf-dev --png docs/figures/reliability.png

Each SPLIT=INDEX pair answers every question of ../shared/eval/SPLIT/questions.jsonl over
the index in INDEX (unanswerable ones count as not right) and writes the per-question
records to bench/out/reliability-SPLIT.jsonl; `--records FILE...` plots saved records.
"""

import argparse
import json
from pathlib import Path

from scorer_data import EVAL_DIR, ROOT

from index.embedded.store import Store
from qa.app.engine import answerer
from qa.app.settings import Settings
from qa.evaluate import (
    best_sentence,
    contains_answer,
    expected_calibration_error,
    load_questions,
    reliability,
)

OUT = ROOT / "bench" / "out"


def records(split: str, index_dir: Path) -> list[dict]:
    settings = Settings(index_dir=index_dir)
    store = Store.open(index_dir)
    qa = answerer(settings.model_copy(update={"embedding_model": store.model}), store)
    rows = []
    for question in load_questions(EVAL_DIR / split / "questions.jsonl"):
        answer = qa.ask(question.question)
        right = bool(question.answers) and contains_answer(best_sentence(answer), question.answers)
        rows.append({"id": question.id, "confidence": answer.confidence, "right": right})
    return rows


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def print_table(name: str, rows: list[dict]) -> None:
    table = reliability((r["confidence"], r["right"]) for r in rows)
    print(f"{name}: {len(rows)} questions, ECE {expected_calibration_error(table):.3f}")
    print("  confidence   count  mean conf.  right")
    for b in table:
        if b.count:
            bounds = f"{b.low:.1f}-{b.high:.1f}"
            print(f"  {bounds}  {b.count:8d}  {b.mean_confidence:10.3f}  {b.right:.3f}")


def plot(curves: dict[str, list[dict]], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 5), dpi=110)
    axis.plot([0, 1], [0, 1], color="#999999", linestyle="--", label="perfect calibration")
    for name, rows in curves.items():
        table = [b for b in reliability((r["confidence"], r["right"]) for r in rows) if b.count]
        axis.plot(
            [b.mean_confidence for b in table],
            [b.right for b in table],
            marker="o",
            label=f"{name} (ECE {expected_calibration_error(table):.3f})",
        )
    axis.set_xlabel("confidence (mean of the bin)")
    axis.set_ylabel("share of quotes that hold the answer")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(loc="upper left")
    axis.set_title("Reliability of the confidence (dev splits)")
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, bbox_inches="tight")
    print(f"wrote {png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("splits", nargs="*", help="SPLIT=INDEX_DIR")
    parser.add_argument("--records", nargs="*", type=Path, default=[])
    parser.add_argument("--png", type=Path, default=None)
    args = parser.parse_args()
    curves = {path.stem.removeprefix("reliability-"): read_records(path) for path in args.records}
    for pair in args.splits:
        split, _, index_dir = pair.partition("=")
        curves[split] = records(split, Path(index_dir))
        OUT.mkdir(parents=True, exist_ok=True)
        saved = OUT / f"reliability-{split}.jsonl"
        saved.write_text("".join(json.dumps(r) + "\n" for r in curves[split]))
    for name, rows in curves.items():
        print_table(name, rows)
    if args.png:
        plot(curves, args.png)


if __name__ == "__main__":
    main()

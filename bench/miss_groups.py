"""Why answers miss, counted: each miss of each answer mode in exactly one group (issue 21).

    .venv/bin/python bench/miss_groups.py data/eval/piaf-dev \\
        ../shared/eval/piaf-dev/questions.jsonl --mode ranker --mode fused [--sample 300] \\
        [--seed 21] [--examples 3] [--json]

Cross-language twins over the index of their originals' split:
`data/eval/piaf-dev ../shared/eval/piaf-dev-en/questions.jsonl`,
`data/eval/squad-dev ../shared/eval/squad-dev-fr/questions.jsonl`. Measures only: nothing
here is fitted, so dev splits may be read. "ranker" is the learned ranker alone (before),
"fused" the product (after).

Each answerable question is asked with `Answerer.ask` (the default threshold) in each mode.
A miss is what `qa eval` counts as one: "not found", or a quote without a gold answer
(`qa.evaluate.contains_answer`). The candidates are the sentences `qa.select.candidates`
reads from the passages that ask retrieves (`bench/misses.py`, `read`); a *right* candidate
holds a gold answer; the *chosen* sentence is the quote, or the closest one when "not
found". A miss goes to the first group whose rule holds, in this order:

1. retrieval: no candidate is right (the choice never had a right sentence to make).
2. not found: the chosen sentence is right, its confidence under the threshold.
3. answer type: the question asks for a kind (`qa.answer_type.expected_type`: who/where →
   name, when → time, what year → year, how many → number), the chosen sentence offers
   none of that kind beyond the question's words (`new_of_kind` = 0) and a right
   candidate does.
4. cross-language: no right candidate's article is in the question's language (as
   detected, `Answer.language`). After the answer type, which holds across languages,
   and before the two below, whose stemmed terms do not.
5. echo: the chosen sentence shares more distinct question terms (`index.ingest.analyzer.terms`
   in the question's language) than any right candidate: it restates the question.
6. vague question: the question has at most `VAGUE_TERMS` (2) distinct terms.
7. other: none of these (a wrong sentence no less on topic than a right one, or of the
   right kind but the wrong value).

A wrong sentence chosen and then refused ("not found" with a wrong closest one) is a miss
of the choice, so it falls in groups 3-7: lowering the threshold would not have saved it.
"""

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.misses import answerable, read  # noqa: E402
from index.embedded.store import Store  # noqa: E402
from index.ingest.analyzer import terms  # noqa: E402
from qa.answer_type import expected_type, new_of_kind  # noqa: E402
from qa.app.engine import MODES, answerer  # noqa: E402
from qa.app.settings import Settings  # noqa: E402
from qa.evaluate import Question, best_sentence, contains_answer  # noqa: E402
from qa.models import Answer  # noqa: E402
from qa.select import Candidate  # noqa: E402

GROUPS = (
    "retrieval",
    "not found",
    "answer type",
    "cross-language",
    "echo",
    "vague question",
    "other",
)
VAGUE_TERMS = 2  # distinct content terms a vague question has at most


def group(question: Question, answer: Answer, found: list[Candidate]) -> str | None:
    """The group of a miss (module docstring), None for a hit."""
    chosen, gold = best_sentence(answer), question.answers
    if answer.found and contains_answer(chosen, gold):
        return None
    right = [c.sentence.text for c in found if contains_answer(c.sentence.text, gold)]
    if not right:
        return "retrieval"
    if contains_answer(chosen, gold):
        return "not found"
    kind, asked = expected_type(question.question), question.question
    offered = [new_of_kind(kind, text, asked) > 0 for text in right]
    if kind and not new_of_kind(kind, chosen, asked) and any(offered):
        return "answer type"
    languages = {c.passage.chunk.language for c in found if c.sentence.text in right}
    if answer.language not in languages:
        return "cross-language"
    own = set(terms(asked, answer.language))

    def shared(text: str) -> int:
        return len(own & set(terms(text, answer.language)))

    if shared(chosen) > max(map(shared, right)):
        return "echo"
    return "vague question" if len(own) <= VAGUE_TERMS else "other"


@dataclass
class Tally:
    answerable: int = 0
    groups: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    @property
    def misses(self) -> int:
        return sum(self.groups.values())

    def report(self) -> dict[str, object]:
        misses = self.misses
        return {
            "answerable": self.answerable,
            "hit@1": round(1 - misses / self.answerable, 4) if self.answerable else None,
            "misses": misses,
            "groups": {
                g: {"count": self.groups[g], "share": round(self.groups[g] / (misses or 1), 3)}
                for g in GROUPS
            },
            "examples": self.examples,
        }


def measure(
    index_dir: Path, questions: list[Question], modes: list[str], examples: int
) -> dict[str, Tally]:
    settings = Settings(index_dir=index_dir)
    store = Store.open(settings.index_dir)
    settings = settings.model_copy(update={"embedding_model": store.model})
    tallies: dict[str, Tally] = {}
    for mode in modes:
        qa, tally = answerer(settings, store, mode), tallies.setdefault(mode, Tally())
        for question in questions:
            answer = qa.ask(question.question)
            tally.answerable += 1
            name = group(question, answer, read(qa, question.question)[1])
            if name is None:
                continue
            tally.groups[name] += 1
            shown = tally.examples.setdefault(name, [])
            if len(shown) < examples:
                chosen = best_sentence(answer)
                shown.append(
                    {"question": question.question, "gold": question.answers[:2], "chosen": chosen}
                )
    return tallies


def table(reports: dict[str, dict[str, object]]) -> str:
    modes = list(reports)
    head = "| group | " + " | ".join(f"{m}: misses | {m}: share" for m in modes) + " |"
    lines = [head, "|---|" + "---:|" * 2 * len(modes)]
    for name in GROUPS:
        cells = []
        for mode in modes:
            row = reports[mode]["groups"][name]  # type: ignore[index]
            cells += [str(row["count"]), f"{row['share']:.1%}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"**{reports[m]['misses']}** | hit@1 {reports[m]['hit@1']}" for m in modes]
    lines.append("| **all misses** | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--mode", action="append", choices=MODES, dest="modes")
    parser.add_argument("--sample", type=int, default=0, help="answerable questions (0: all)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--examples", type=int, default=0, help="questions shown per group")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    modes = args.modes or ["ranker", "fused"]
    questions = answerable(args.questions, args.sample, args.seed)
    tallies = measure(args.index_dir, questions, modes, args.examples)
    reports = {mode: tally.report() for mode, tally in tallies.items()}
    if args.json:
        print(json.dumps({"questions": str(args.questions), "modes": reports}, indent=1))
        return
    print(f"{args.questions} over {args.index_dir}: {len(questions)} answerable questions")
    print(table(reports))
    for mode in modes if args.examples else []:
        for name, shown in tallies[mode].examples.items():
            print(f"\n{mode}, {name}:")
            for item in shown:
                print(f"  - {item['question']}  gold={item['gold']}")
                print(f"    chosen: {str(item['chosen'])[:200]}")


if __name__ == "__main__":
    main()

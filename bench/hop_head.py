"""A second span head for the shipped answer reader, one that finds the answer anywhere in
the text the reader reads (the sentence, or the sentences before and after it in its
context), so that "the answer is beside this sentence" becomes something the product can
see: a quarter of the reader's wrong quotes echo the question while the answer sits in the
neighbour it read as context (bench/context_hop.py).

The reader's weights stay as shipped; the head is fitted on the token states the product's
reader computes (int8 on OpenVINO), so the choice of sentence is untouched and only a hop to
the neighbour can change a quote. Trained on -train questions no fit holds out (and our
translations of them), each giving: its right sentence (the answer in the sentence), that
sentence's neighbours (the answer in their context) and a sentence of the article away from
it (no answer: the text's first token is the target, as SQuAD 2.0 readers learn "no
answer"). A softmax over the text's tokens for the answer's first and for its last.

    .venv/bin/python bench/hop_head.py --out data/hop-head      # ~25 minutes on 2 AVX2 cores
    .venv/bin/python bench/context_hop.py --head data/hop-head/hop-head.npz
"""

from __future__ import annotations

import argparse
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from fit_reading import held_out_ids
from reader_data import Sentence, answer_span, read_article, right_sentences
from split_data import load_questions, load_translated, split_dir

from index.embedding.encoders import TokenStates
from qa.app.engine import answer_reader
from qa.app.settings import Settings
from qa.evaluate import contains_answer
from qa.reader_input import reader_text, tokens_within
from qa.reading import READER_DELTA

# (split whose articles are asked about, our translations or None, questions drawn)
SOURCES = (
    ("piaf-train", None, 800),
    ("piaf-train", "piaf-train-en", 400),
    ("piaf-train", "piaf-train-en-2", 100),
    ("squad-train", None, 400),
    ("squad-train", "squad-train-fr", 300),
    ("squad-train", "squad-train-fr-2", 200),
    ("squad-train-large", None, 250),
    ("squad-train-large", "squad-train-large-fr", 250),
)
SEED = 31
NO_ANSWER = 0  # the text's first token: the target when the text holds no answer
READ_AT_ONCE = 32

Example = tuple[str, tuple[int, int] | None]  # a reader text, the answer's characters in it


def examples_of(question: dict, sentences: list[Sentence], rng: random.Random) -> list[Example]:
    """The right sentence read with the answer in it; its neighbours with the answer in their
    context; a sentence away from it with none."""
    right = right_sentences(question, sentences)
    if not right:
        return []
    at = sentences.index(right[0])
    asked, answers = question["question"], question["answers"]
    answered = [
        (
            reader_text(asked, right[0].text, right[0].context),
            answer_span(asked, right[0].text, answers),
        )
    ]
    for near in (at - 1, at + 1):
        if 0 <= near < len(sentences) and not contains_answer(sentences[near].text, answers):
            answered.append(beside(asked, sentences[near], right[0].text, answers))
    found: list[Example] = [(text, span) for text, span in answered if span is not None]
    far = [
        s
        for i, s in enumerate(sentences)
        if abs(i - at) > 1 and not contains_answer(s.text, answers)
    ]
    if far:
        chosen = rng.choice(far)
        found.append((reader_text(asked, chosen.text, chosen.context), None))
    return found


def beside(asked: str, sentence: Sentence, right: str, answers: list[str]) -> Example:
    """A neighbour of the right sentence, read with the answer in its context."""
    text = reader_text(asked, sentence.text, sentence.context)
    context_at = len(reader_text(asked, sentence.text, ""))
    right_at = text.find(right, context_at)
    if right_at < 0:
        return text, None  # cut off
    for answer in answers:
        found = text.find(answer, right_at, right_at + len(right))
        if answer and found >= 0:
            return text, (found, found + len(answer))
    return text, None


def gather(rng: random.Random) -> list[Example]:
    held = held_out_ids()
    made: list[Example] = []
    for split, translated, count in SOURCES:
        questions = load_translated(translated, split) if translated else load_questions(split)
        questions = [q for q in questions if q["answers"] and q["id"] not in held]
        rng.shuffle(questions)
        folder = split_dir(split) / "articles"
        articles: dict[str, list[Sentence]] = {}
        for question in questions[:count]:
            name = question["article"]
            if name not in articles:
                articles[name] = read_article(folder / name)
            made += examples_of(question, articles[name], rng)
    return made


def targets(read: TokenStates, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """The answer's first and last token; NO_ANSWER for both when there is none; None when
    the answer was cut off."""
    if span is None:
        return NO_ANSWER, NO_ANSWER
    inside = tokens_within(read.offsets, *span)
    return (inside[0], inside[-1]) if inside else None


def read_all(texts: list[str]) -> list[TokenStates]:
    settings = Settings()
    reader = answer_reader(settings, READER_DELTA)
    chunks = [texts[at : at + READ_AT_ONCE] for at in range(0, len(texts), READ_AT_ONCE)]
    started, read = time.monotonic(), []
    with ThreadPoolExecutor(2) as pool:  # the question model has a stream a core
        for n, states in enumerate(pool.map(reader.model.encoder.read_tokens, chunks)):
            read += states
            if n % 50 == 0:
                print(
                    f"read {len(read)} of {len(texts)} in {time.monotonic() - started:.0f} s",
                    flush=True,
                )
    return read


def fit(
    states: torch.Tensor, mask: torch.Tensor, first: torch.Tensor, last: torch.Tensor, epochs: int
) -> tuple[np.ndarray, np.ndarray]:
    """A linear head (2, dimension) by a softmax over each text's tokens, full batch."""
    dimension = states.shape[-1]
    weight = torch.zeros(2, dimension, requires_grad=True)
    bias = torch.zeros(2, requires_grad=True)
    optimiser = torch.optim.Adam([weight, bias], lr=0.01)
    for epoch in range(epochs):
        optimiser.zero_grad()
        scores = states @ weight.T + bias  # (texts, tokens, 2)
        scores = scores.masked_fill(~mask[..., None], -1e4)
        loss = torch.nn.functional.cross_entropy(
            scores[..., 0], first
        ) + torch.nn.functional.cross_entropy(scores[..., 1], last)
        loss = loss + 1e-4 * weight.pow(2).sum()
        loss.backward()
        optimiser.step()
        if epoch % 50 == 0:
            print(f"epoch {epoch}: loss {loss.item():.3f}", flush=True)
    return weight.detach().numpy(), bias.detach().numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    examples = gather(random.Random(SEED))
    print(f"{len(examples)} texts", flush=True)
    read = read_all([text for text, _ in examples])
    aimed = [(r, targets(r, span)) for r, (_, span) in zip(read, examples, strict=True)]
    rows = [(r, t) for r, t in aimed if t is not None]
    longest = max(len(r.offsets) for r, _ in rows)
    states = torch.zeros(len(rows), longest, read[0].states.shape[1])
    mask = torch.zeros(len(rows), longest, dtype=torch.bool)
    for n, (r, _) in enumerate(rows):
        states[n, : len(r.states)] = torch.from_numpy(r.states)
        mask[n, : len(r.states)] = True
    first = torch.tensor([t[0] for _, t in rows])
    last = torch.tensor([t[1] for _, t in rows])
    weight, bias = fit(states, mask, first, last, args.epochs)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "hop-head.npz", weight=weight, bias=bias)
    kinds = {
        "answer in the sentence or beside": int((first != NO_ANSWER).sum()),
        "no answer": int((first == NO_ANSWER).sum()),
    }
    (args.out / "record.json").write_text(
        json.dumps(
            {"sources": SOURCES, "seed": SEED, "epochs": args.epochs, "texts": kinds}, indent=1
        )
    )
    print(kinds)


if __name__ == "__main__":
    main()

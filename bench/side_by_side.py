"""`qa index build` of this checkout against another one (e.g. main before a change), as
whole processes, alternated in one run so that both see the same machine load; then
`qa eval` of each one's index: build time, peak RSS, the ratio, and hit@1 on both.

    git worktree add /tmp/article-qa-main main
    .venv/bin/python bench/index_build.py --against /tmp/article-qa-main \\
        ../shared/eval/squad-dev ../shared/eval/piaf-dev --rounds 2 \\
        --variant QA_CHUNK_VECTORS=embedded

Each split folder holds `articles/` and `questions.jsonl`. Both checkouts run with this
virtualenv's Python and share QA_MODELS_DIR (the e5 folder is built once), each with its
own default settings unless QA_* variables are set.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

THIS = Path(__file__).resolve().parent.parent


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    hit_at_1: float | None = None


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass(frozen=True)
class Side:
    checkout: Path
    env: dict[str, str] = field(default_factory=dict)  # settings over the environment's


def qa(side: Side, index_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`qa ARGS` with the side's code and settings, timed by /usr/bin/time (wall s, peak KB)."""
    checkout = side.checkout
    env = {
        **os.environ,
        **side.env,
        "PYTHONPATH": str(checkout),
        "QA_INDEX_DIR": str(index_dir),
        "QA_MODELS_DIR": os.environ.get("QA_MODELS_DIR", str(THIS / "data/models")),
    }
    command = ["/usr/bin/time", "-f", "TIME %e %M", sys.executable, "-m", "web.cli.main", *args]
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise SystemExit(f"{checkout}: qa {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def build(side: Side, articles: Path, index_dir: Path, runs: Runs) -> None:
    done = qa(side, index_dir, "index", "build", "--rebuild", str(articles))
    line = next(x for x in done.stderr.splitlines() if x.startswith("TIME "))
    seconds, kilobytes = line.split()[1:]
    runs.seconds.append(float(seconds))
    runs.rss_mb.append(float(kilobytes) / 1024)


def hit_at_1(side: Side, questions: Path, index_dir: Path) -> float:
    done = qa(side, index_dir, "eval", str(questions), "--mode", "fused", "--json")
    return float(json.loads(done.stdout)["fused"]["all"]["hit@1"])


def compare(against: Path, splits: list[Path], rounds: int, variants: list[str]) -> None:
    """`variants`: KEY=VALUE settings, each one more side: this checkout with it."""
    sides = {"this": Side(THIS), "other": Side(against.resolve())}
    for variant in variants:
        key, value = variant.split("=", 1)
        sides[f"this+{variant}"] = Side(THIS, {key: value})
    print(f"this = {THIS}, other = {sides['other'].checkout}; load average {load()}")
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as scratch:
        for split in (s.resolve() for s in splits):  # each side runs in its own folder
            runs = {name: Runs() for name in sides}
            for round_ in range(rounds):
                order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]  # alternated
                for name in order:
                    build(sides[name], split / "articles", Path(scratch) / name, runs[name])
                    print(
                        f"  {split.name} round {round_ + 1} {name}: "
                        f"{runs[name].seconds[-1]:.1f} s, load {load()}",
                        flush=True,
                    )
            for name, side in sides.items():
                questions = split / "questions.jsonl"
                runs[name].hit_at_1 = hit_at_1(side, questions, Path(scratch) / name)
            report(split.name, runs)


def report(split: str, runs: dict[str, Runs]) -> None:
    other = runs["other"]
    for name, side in runs.items():
        ratio = statistics.median(other.seconds) / statistics.median(side.seconds)
        delta = 100 * ((side.hit_at_1 or 0) - (other.hit_at_1 or 0))
        print(
            f"{split} {name}: build median {statistics.median(side.seconds):.1f} s "
            f"(runs {', '.join(f'{s:.1f}' for s in side.seconds)}), "
            f"peak RSS {max(side.rss_mb):.0f} MB, hit@1 {side.hit_at_1:.4f}; "
            f"other / this build time {ratio:.1f}x, hit@1 {delta:+.2f} points",
            flush=True,
        )
    print(f"load average {load()}", flush=True)

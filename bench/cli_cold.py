"""Wall time and peak memory of one cold `qa ask` (a new process each time), the way a
user runs it, for this checkout and, with --against, another one, alternated run by run so
that the machine's load falls on both alike.

    .venv/bin/python bench/cli_cold.py --index data/index --runs 7 [--against ../other]
    .venv/bin/python bench/cli_cold.py --server http://127.0.0.1:8000 --runs 7

With --server the runs are `qa ask --server URL` (no model loaded). Prints, per checkout,
the median and the fastest wall time, and the median peak resident memory.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "Combien de jours de trêve réclame l'Ukraine ?"
HERE = Path(__file__).resolve().parent.parent


def run_once(checkout: Path, args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of one `qa ask …` in `checkout` (any of the three layouts)."""
    if (checkout / "web" / "cli" / "main.py").exists():
        module = "web.cli.main"
    elif (checkout / "cli" / "main.py").exists():
        module = "cli.main"  # the seven-package layout; move_packages: keep
    else:
        module = "qa.cli"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "ask", *args, QUESTION],
        cwd=checkout,
        env={**os.environ, **env, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"qa ask failed in {checkout} (status {status})")
    return seconds, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="QA_INDEX_DIR for local runs")
    parser.add_argument("--models", type=Path, default=Path("data/models"), help="QA_MODELS_DIR")
    parser.add_argument("--server", help="ask this server instead (qa ask --server URL)")
    parser.add_argument("--against", type=Path, help="another checkout, alternated with this")
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    env = {"QA_MODELS_DIR": str(options.models.resolve())}
    if options.index:
        env["QA_INDEX_DIR"] = str(options.index.resolve())
    args = ["--server", options.server] if options.server else []
    checkouts = [HERE, *([options.against.resolve()] if options.against else [])]
    results: dict[Path, list[tuple[float, int]]] = {c: [] for c in checkouts}
    for _ in range(options.runs):
        for checkout in checkouts:
            results[checkout].append(run_once(checkout, args, env))
    for checkout, runs in results.items():
        times = [t for t, _ in runs]
        memory = statistics.median(m for _, m in runs)
        print(
            f"{checkout}: median {statistics.median(times):.2f} s, fastest {min(times):.2f} s, "
            f"peak memory {memory:.0f} MB ({len(runs)} runs{', --server' if args else ''})"
        )


if __name__ == "__main__":
    main()

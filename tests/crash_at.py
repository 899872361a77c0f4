"""Run `qa ARGS…` and kill -9 the process at a chosen step of publishing a generation.

    python -m tests.crash_at POINT index build FOLDER
    python -m tests.crash_at POINT serve --port N      (the server dies in its update job)

The step is found with a Python audit hook (sys.addaudithook), which sees every file
operation before it happens; nothing of the project is replaced or patched. Points:

staged   the new generation is written aside (database, vectors), its manifest not yet
rename   everything is written and fsynced, the folder is about to be renamed
pointer  the folder has its final name and CURRENT.tmp is written, not yet switched
sweep    CURRENT points to the new generation; the oldest one is half deleted
"""

import os
import signal
import sys


def _hook(point: str):  # type: ignore[no-untyped-def]
    seen = {"switched": False, "removed": 0}

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    def hook(event: str, args: tuple) -> None:
        if event == "open" and point == "staged":
            path, mode = str(args[0]), str(args[1])
            if ".tmp-" in path and path.endswith("manifest.json") and "w" in mode:
                die()
        elif event == "os.rename":
            source = str(args[0])
            if point == "rename" and ".tmp-" in os.path.basename(source):
                die()
            if source.endswith("CURRENT.tmp"):
                if point == "pointer":
                    die()
                seen["switched"] = True
        elif event == "os.remove" and point == "sweep" and seen["switched"]:
            seen["removed"] += 1
            if seen["removed"] == 2:
                die()

    return hook


def main() -> None:
    point, args = sys.argv[1], sys.argv[2:]
    if point not in ("staged", "rename", "pointer", "sweep"):
        raise SystemExit(f"unknown point {point!r}")
    sys.addaudithook(_hook(point))
    from web.cli.main import main as qa

    qa(args, prog_name="qa")


if __name__ == "__main__":
    main()

"""Cold start: wall time from process start to the first answer, and peak memory, in fresh processes.

    python bench/startup.py [--runs N]

Measures `python -m bot ask --centre gliwice "godziny otwarcia"` (content, word index and vectors
from the disk cache, the model opened, one question embedded) next to `python -c "import
telegram"` in the same run, so a slow machine shows in both. Goals (issue 10): first answer
<= 1.5 s on the 2-core machine, peak RSS <= 250 MB with the model loaded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASK = [sys.executable, "-m", "bot", "ask", "--centre", "gliwice"]
COMMANDS = {
    "first answer (ask, cold)": [*ASK, "godziny otwarcia"],
    "first answer, Ukrainian": [*ASK, "--lang", "uk", "Для кого квартира на вулиці Вільги?"],
    "import telegram (baseline)": [sys.executable, "-c", "import telegram"],
}


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run_once(COMMANDS["first answer (ask, cold)"])  # fills the disk caches if they are empty
    print(f"{args.runs} fresh processes each, caches warm on disk, nothing in memory\n")
    print("| command | wall min s | wall median s | wall max s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, command in COMMANDS.items():
        runs = [run_once(command) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        print(
            f"| {name} | {min(walls):.2f} | {statistics.median(walls):.2f} | {max(walls):.2f} "
            f"| {max(r for _, r in runs):.0f} |"
        )


if __name__ == "__main__":
    main()

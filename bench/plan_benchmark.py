"""Wall time and peak memory of the offline plan of each stack, beside the cost of importing the SDKs.

Each measurement runs in a fresh interpreter, the way a user runs `python -m ops plan`. Usage:
    .venv/bin/python bench/plan_benchmark.py [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ONLY = "from ops.sdk import import_provider_sdks; import_provider_sdks()"
BASELINE = "import pulumi"


def measure(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one child process."""
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run the lightest measurements first.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    py = sys.executable
    cases = [
        ("import pulumi", [py, "-c", BASELINE]),
        ("import provider SDKs", [py, "-c", IMPORT_ONLY]),
        ("plan staging", [py, "-m", "ops", "plan", "staging", "--today", "2026-11-23"]),
        ("plan prod", [py, "-m", "ops", "plan", "prod", "--today", "2026-11-23"]),
        ("plan prod --json", [py, "-m", "ops", "plan", "prod", "--json", "--today", "2026-11-23"]),
    ]
    rows = []
    for label, argv in cases:
        samples = [measure(argv) for _ in range(runs)]
        rows.append((label, statistics.median(s[0] for s in samples), max(s[1] for s in samples)))
    sdk = rows[1][1]
    print(f"{'case':<22}{'median s':>10}{'peak MiB':>10}{'x SDK import':>14}   ({runs} runs each)")
    for label, seconds, peak in rows:
        print(f"{label:<22}{seconds:>10.2f}{peak:>10.0f}{seconds / sdk:>14.2f}")


if __name__ == "__main__":
    main()

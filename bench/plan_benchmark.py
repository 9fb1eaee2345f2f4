"""Wall time and peak memory of the offline plan of each stack, beside the cost of importing the SDKs.

Each measurement runs in a fresh interpreter, the way a user runs `python -m ops plan`, from its start
to its exit. The project's own modules are byte-compiled first: pip compiled the SDKs when it installed
them, and a user's second plan finds ours compiled too (a machine that sets PYTHONDONTWRITEBYTECODE would
otherwise charge our compilation to every plan and none of the SDKs'). CPU time is reported beside wall
time because it moves less when the machine is shared. Usage:
    uv run python bench/plan_benchmark.py [--runs 9]
"""

from __future__ import annotations

import argparse
import ast
import compileall
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ONLY = "from ops.offline.sdk import import_provider_sdks; import_provider_sdks()"
BASELINE = "import pulumi"
# The plan of one stack, stamped between its phases (time.time(): the parent reads the same clock).
PHASED_PLAN = """
import sys, time
stamps = [("start", time.time())]
from ops.offline.sdk import import_provider_sdks
import_provider_sdks()
stamps.append(("provider SDKs imported", time.time()))
import datetime as dt
from ops.commands import plan, policy_check
from ops.offline import synth
stamps.append(("our modules imported (pydantic, ruamel, the models)", time.time()))
stack_file = synth.load_stack_file(sys.argv[1])
stamps.append(("stack file read", time.time()))
result = synth.synthesize_file(stack_file, today=dt.date(2026, 11, 23))
stamps.append(("config loaded, program run under mocks", time.time()))
plan.as_text(result, stack_file.path.name)
policy_check.violations(result)
stamps.append(("plan rendered, policies checked", time.time()))
print(repr(stamps))
"""


def measure(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of one child process, its own usage read with wait4."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{child.stderr.read().decode() if child.stderr else ''}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    for package in ("components", "ops", "policy"):
        compileall.compile_dir(ROOT / package, quiet=1)
    py = sys.executable
    cases = [
        ("import pulumi", [py, "-c", BASELINE]),
        ("import provider SDKs", [py, "-c", IMPORT_ONLY]),
        ("plan staging", [py, "-m", "ops", "plan", "staging", "--today", "2026-11-23"]),
        ("plan prod", [py, "-m", "ops", "plan", "prod", "--today", "2026-11-23"]),
        ("plan prod --json", [py, "-m", "ops", "plan", "prod", "--json", "--today", "2026-11-23"]),
    ]
    cases += [
        (
            f"plan {path.name[len('Pulumi.') : -len('.yaml')]}",
            [py, "-m", "ops", "plan", str(path), "--today", "2026-11-23"],
        )
        for path in sorted(ROOT.glob("Pulumi.*-*.yaml"))
    ]
    samples: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in cases}
    # Interleaved rounds: a slow moment of a shared machine slows every case, not just one.
    for _ in range(runs):
        for label, argv in cases:
            samples[label].append(measure(argv))
    rows = [
        (label, statistics.median(s[0] for s in got), statistics.median(s[1] for s in got), max(s[2] for s in got))
        for label, got in samples.items()
    ]
    _, sdk_wall, sdk_cpu, _ = rows[1]
    print(f"{'case':<28}{'wall s':>8}{'x SDK':>7}{'CPU s':>8}{'x SDK':>7}{'peak MiB':>10}   (medians of {runs} runs)")
    for label, wall, cpu, peak in rows:
        print(f"{label:<28}{wall:>8.2f}{wall / sdk_wall:>7.2f}{cpu:>8.2f}{cpu / sdk_cpu:>7.2f}{peak:>10.0f}")
    phases("prod", runs)
    floor("prod", max(runs, 7))
    per_resource(runs)
    print(f"\nops --help: {statistics.median(measure([py, '-m', 'ops', '--help'])[0] for _ in range(runs)):.3f} s")


def floor(stack: str, runs: int) -> None:
    """`ops plan` against the registration floor (bench/registration_floor.py): the same resources registered
    straight through the SDK under the same mocks, after the same imports. Paired: each round runs both."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "plan.json"
        done = subprocess.run(
            [py, "-m", "ops", "plan", stack, "--json", "--today", "2026-11-23"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        rows.write_text(done.stdout)
        pairs = []
        for _ in range(runs):
            plan = measure([py, "-m", "ops", "plan", stack, "--today", "2026-11-23"])[0]
            base = measure([py, str(ROOT / "bench" / "registration_floor.py"), str(rows), stack])[0]
            pairs.append((plan, base))
    ratios = sorted(p / b for p, b in pairs)
    print(
        f"\nplan {stack} / registration floor: {statistics.median(ratios):.2f}x (median of {runs} pairs, "
        f"range {ratios[0]:.2f}-{ratios[-1]:.2f}; plan {statistics.median(p for p, _ in pairs):.2f} s, "
        f"floor {statistics.median(b for _, b in pairs):.2f} s)"
    )


def per_resource(runs: int) -> None:
    """Our cost per resource above the SDK import, for staging with 1, 3 and 6 Fly regions: flat if it
    grows with the resources and not faster."""
    py = sys.executable
    base = statistics.median(measure([py, "-c", IMPORT_ONLY])[0] for _ in range(runs))
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    regions = ["iad", "ord", "lhr", "fra", "syd", "nrt"]
    print("\nstaging by Fly regions: resources, wall s above the SDK import, ms per resource")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 3, 6):
            path = Path(tmp) / str(n) / "Pulumi.staging.yaml"
            path.parent.mkdir()
            listed = "".join(f"      {r}: 1\n" for r in regions[:n])
            path.write_text(
                re.sub(r"    regions:.*?\n((?:      \w+: \d+\n)+)", f"    regions:\n{listed}", text, count=1)
            )
            argv = [py, "-m", "ops", "plan", str(path), "--json", "--today", "2026-11-23"]
            count = len(json.loads(subprocess.run(argv, cwd=ROOT, capture_output=True, text=True).stdout)) - 1
            wall = statistics.median(measure(argv)[0] for _ in range(runs)) - base
            print(f"  {n} region(s): {count:>4} resources {wall:>6.2f} s {1000 * wall / count:>6.1f} ms")


def phases(stack: str, runs: int) -> None:
    """Where the time of one plan goes: the gaps between the child's stamps, and its exit."""
    gaps: dict[str, list[float]] = {}
    for _ in range(runs):
        launched = time.time()
        done = subprocess.run(
            [sys.executable, "-c", PHASED_PLAN, stack], cwd=ROOT, capture_output=True, text=True, check=True
        )
        exited = time.time()
        inside = ast.literal_eval(done.stdout)
        stamps = [
            ("launched", launched),
            ("interpreter started", inside[0][1]),
            *inside[1:],
            ("interpreter exited (collector, teardown)", exited),
        ]
        for (_, before), (label, after) in itertools.pairwise(stamps):
            gaps.setdefault(label, []).append(after - before)
    print(f"\nplan {stack}, phase by phase (medians of {runs} runs):")
    for label, seconds in gaps.items():
        print(f"  {label:<54}{statistics.median(seconds):>6.2f} s")


if __name__ == "__main__":
    main()

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
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# frozen before it exits, as `ops` exits (ops/__main__.py run), or the baseline would carry a teardown ops skips
IMPORT_ONLY = "from ops.offline.sdk import import_provider_sdks; import_provider_sdks(); import gc; gc.freeze()"
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
    by_stack(runs)
    phases("prod", runs)
    same_imports()
    floor("prod", max(runs, 7))
    per_resource(runs)
    print(f"\nops --help: {statistics.median(measure([py, '-m', 'ops', '--help'])[0] for _ in range(runs)):.3f} s")


# The SDK modules a plan loads beyond those import_provider_sdks() loads: the floors import only the latter.
UNSHARED_IMPORTS = """
import sys, datetime as dt
from ops.offline.sdk import import_provider_sdks
import_provider_sdks()
before = set(sys.modules)
from ops.offline import synth
for path in sys.argv[1:]:
    synth.synthesize_file(synth.load_stack_file(path), today=dt.date(2026, 11, 23))
print(sorted(m for m in set(sys.modules) - before if m.startswith(("pulumi_", "pulumiverse_"))))
"""


def same_imports() -> None:
    """The floors are fair only if the plans load no provider module the floors skip."""
    stacks = [str(p) for p in sorted(ROOT.glob("Pulumi.*.yaml")) if p.name != "Pulumi.yaml"]
    done = subprocess.run(
        [sys.executable, "-c", UNSHARED_IMPORTS, *stacks], cwd=ROOT, capture_output=True, text=True, check=True
    )
    extra = ast.literal_eval(done.stdout)
    if extra:
        raise SystemExit(f"plans load SDK modules that import_provider_sdks() does not: {extra}")


def floor(stack: str, runs: int) -> None:
    """`ops plan` against the registration floors (bench/registration_floor.py): the same resources registered
    straight through the SDK under the same mocks, after the same imports, through the provider classes
    (typed) and as bare CustomResources (generic). Paired: each round runs all three."""
    py = sys.executable
    script = str(ROOT / "bench" / "registration_floor.py")
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "plan.json"
        done = subprocess.run(
            [py, "-m", "ops", "plan", stack, "--json", "--today", "2026-11-23"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        rows.write_text(done.stdout)
        rounds = []
        for _ in range(runs):
            plan = measure([py, "-m", "ops", "plan", stack, "--today", "2026-11-23"])[0]
            typed = measure([py, script, str(rows), stack])[0]
            generic = measure([py, script, str(rows), stack, "--generic"])[0]
            rounds.append((plan, typed, generic))
    print()
    for i, label in ((1, "typed registration floor (provider classes)"), (2, "generic registration floor")):
        ratios = sorted(r[0] / r[i] for r in rounds)
        print(
            f"plan {stack} / {label}: {statistics.median(ratios):.2f}x (median of {runs} rounds, "
            f"range {ratios[0]:.2f}-{ratios[-1]:.2f}; plan {statistics.median(r[0] for r in rounds):.2f} s, "
            f"floor {statistics.median(r[i] for r in rounds):.2f} s)"
        )


# One stack's program under mocks in a fresh interpreter, timed from after the imports: our cost per
# resource with the SDK import (the same for every stack) left out, and less noise than two walls' gap.
TIMED_SYNTH = """
import sys, time, datetime as dt
from ops.offline.sdk import import_provider_sdks
import_provider_sdks()
from ops.offline import synth
start = time.perf_counter()
result = synth.synthesize_file(synth.load_stack_file(sys.argv[1]), today=dt.date(2026, 11, 23))
print(time.perf_counter() - start, len(result.resources))
"""


def timed_synth(path: Path, runs: int) -> tuple[float, int]:
    """(median seconds, resources) of TIMED_SYNTH on one stack file."""
    got = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", TIMED_SYNTH, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        seconds, count = done.stdout.split()
        got.append(float(seconds))
    return statistics.median(got), int(count)


def by_stack(runs: int) -> None:
    """Reading the stack file, loading its config and running the program, per resource, stack by stack."""
    print(f"\nby stack: resources, stack file read + config + program under mocks, ms per resource (medians of {runs})")
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        if path.name != "Pulumi.yaml":
            wall, count = timed_synth(path, runs)
            print(f"  {path.name[7:-5]:<24}{count:>5} {wall:>6.2f} s {1000 * wall / count:>6.2f} ms")


def per_resource(runs: int) -> None:
    """The same for staging with 1, 3 and 6 Fly regions: flat if it grows with the resources, not faster."""
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    regions = ["iad", "ord", "lhr", "fra", "syd", "nrt"]
    print("\nstaging by Fly regions: resources, the same seconds, ms per resource")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 3, 6):
            path = Path(tmp) / str(n) / "Pulumi.staging.yaml"
            path.parent.mkdir()
            listed = "".join(f"      {r}: 1\n" for r in regions[:n])
            path.write_text(
                re.sub(r"    regions:.*?\n((?:      \w+: \d+\n)+)", f"    regions:\n{listed}", text, count=1)
            )
            wall, count = timed_synth(path, runs)
            print(f"  {n} region(s): {count:>4} resources {wall:>6.2f} s {1000 * wall / count:>6.2f} ms")


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

"""A new user's first minutes: fresh clone -> first offline plan, and fresh clone -> `bash .ci/run`, with the
README's commands exactly as written, in a clone of this checkout's HEAD; then the suite alone in that
clone, after the install (`.ci/run`'s pytest command, median of --suite-runs).

uv's cache is a new, empty directory for each clone, so the figures include every download (cold cache),
as on a machine that has never run uv. Usage:
    uv run python bench/fresh_clone_benchmark.py [--skip-ci]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> tuple[str, str]:
    """The two commands under "A fresh clone: two commands"."""
    section = (ROOT / "README.md").read_text().split("## A fresh clone: two commands", 1)[1]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    return blocks[0].strip(), blocks[1].strip()


def timed(command: str, cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:  # the clone goes with the run: say why here
        print(
            f"`{command}` exited {done.returncode}; the end of its output:",
            *(done.stdout + done.stderr).splitlines()[-40:],
            sep="\n",
        )
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-ci", action="store_true", help="only fresh clone -> first plan")
    parser.add_argument("--suite-runs", type=int, default=3, help="runs of the suite after the install")
    args = parser.parse_args()
    plan, ci = readme_commands()
    with tempfile.TemporaryDirectory() as tmp:
        rows: list[tuple[str, float, int]] = []
        for label, command in [("first offline plan", plan)] + ([] if args.skip_ci else [("bash .ci/run", ci)]):
            clone = Path(tmp) / label.replace(" ", "-")
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            # a clean PATH: no uv of this machine's, so the README's own install of it is measured
            env = {**os.environ, "UV_CACHE_DIR": str(Path(tmp) / f"cache-{len(rows)}")}
            env["PATH"] = ":".join(p for p in env["PATH"].split(":") if not (Path(p) / "uv").exists())
            seconds, code = timed(command, clone, env)
            rows.append((label, seconds, code))
            if command == ci and code == 0:
                # the suite alone, installs done: .ci/run's own pytest line, uv on PATH as .ci/run puts it
                env["PATH"] = f"{clone / '.venv-uv' / 'bin'}:{env['PATH']}"
                runs = [timed(".venv/bin/python -m pytest", clone, env) for _ in range(args.suite_runs)]
                middle = statistics.median(s for s, _ in runs)
                rows.append((f"suite (median of {len(runs)})", middle, max(c for _, c in runs)))
    print(f"{'fresh clone ->':<24}{'seconds':>9}{'exit':>6}   (cold uv cache; {os.cpu_count()} cores)")
    for label, seconds, code in rows:
        print(f"{label:<24}{seconds:>9.1f}{code:>6}")


if __name__ == "__main__":
    main()

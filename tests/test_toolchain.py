"""The toolchain: uv with committed locks, as Pulumi runs it (`toolchain: uv`), and CI refusing a stale lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

from ruamel.yaml import YAML

from ops.offline.stackfile import ROOT


def uv(*args: str, cwd: Path = ROOT, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("uv")
    assert binary, "uv is not on PATH: .ci/run installs it"
    env = {**os.environ, "TMPDIR": str(tmp)} if tmp else None
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False, env=env)


def test_pulumi_runs_the_program_with_uv_in_the_projects_environment() -> None:
    runtime = YAML(typ="safe").load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "uv", "virtualenv": ".venv"}}


def test_both_locks_match_their_projects_and_a_changed_range_fails_the_check(tmp_path: Path) -> None:
    for project in (ROOT, ROOT / "tools"):
        done = uv("lock", "--check", "--offline", cwd=project)
        assert done.returncode == 0, done.stderr
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"boto3>=1.35,<2"', '"boto3>=1.36,<2"'))
    # a changed range needs the registry's metadata to re-resolve (not in a cold cache): online
    # re-resolving builds the project's metadata, and uv leaves a setuptools lock file in TMPDIR each time
    stale = uv("lock", "--check", cwd=tmp_path, tmp=tmp_path)
    assert stale.returncode == 1
    # uv wraps its message to the terminal's width
    assert "The lockfile at `uv.lock` needs to be updated, but `--check` was provided." in " ".join(
        stale.stderr.split()
    )


def test_every_locked_package_carries_hashes() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    third_party = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert len(third_party) > 90
    for package in third_party:
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files and all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_requirements_txt_is_the_lock_exported_for_pip() -> None:
    done = uv("export", "--locked", "--no-dev", "--no-emit-project", "--quiet")
    assert done.returncode == 0, done.stderr
    # the header names the command that wrote the file: .ci/run's, which adds the output file
    exported = done.stdout.replace("--no-emit-project\n", "--no-emit-project --output-file requirements.txt\n", 1)
    assert (ROOT / "requirements.txt").read_text() == exported


def test_ops_is_a_console_script_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"ops": "ops.__main__:run"}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "ops"), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("usage: ops "), done.stdout + done.stderr


def test_dependabot_bumps_both_locks_and_the_actions() -> None:
    updates = YAML(typ="safe").load((ROOT / ".github" / "dependabot.yml").read_text())["updates"]
    assert [(u["package-ecosystem"], u.get("directories") or [u["directory"]]) for u in updates] == [
        ("uv", ["/", "/tools"]),
        ("github-actions", ["/"]),
    ]

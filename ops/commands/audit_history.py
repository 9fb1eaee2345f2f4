"""Change management, from git: every commit that shaped a stack (its stack file, the program, the
components, the policy pack), with its pull request where the commit names one, and rotation records
that claim a date before any commit held them."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from components.shared.stack import StackConfig
from ops.commands.flatten import flatten

SHAPES = ("components", "policy", "__main__.py")  # beside the stack file itself
# GitHub's merge commit ("Merge pull request #12 from …") and squash merge ("Subject (#12)")
PULL_REQUEST = re.compile(r"^Merge pull request #(\d+)|\(#(\d+)\)$")


def _config_at(repo: Path, commit: str, path: str) -> dict[str, Any]:
    shown = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        return {}
    doc = YAML(typ="safe", pure=True).load(shown.stdout) or {}
    return doc.get("config") or {} if isinstance(doc, dict) else {}


def kind_of(key: str, added: bool = False) -> str:
    if key.startswith("platform:secrets.items."):
        name = key.split(".")[2]
        if ".rotation.exception." in key:
            return f"exception for {name}"  # a rotation commit also ends it: both are listed
        if ".rotation." in key:
            return f"new secret {name}" if added else f"rotation of {name}"
        if key.endswith(".rotationDays"):
            return f"rotation period of {name}"
    if key.startswith("platform:fly.regions"):
        return "scaling"
    if key.endswith("maintenanceMode"):
        return "maintenance"
    return "setting"


def _flat(config: dict[str, Any]) -> dict[str, Any]:
    return {k2: v2 for k, v in config.items() for k2, v2 in flatten(v, k).items()}


def history(repo: Path, path: str) -> list[dict[str, Any]]:
    """Each commit that touched the stack file at `path` or the code that shapes it, newest first."""
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%x00%H%x09%aI%x09%an%x09%s", "--name-only", "--", path, *SHAPES],
        capture_output=True,
        text=True,
        check=False,
    )
    entries = []
    for block in filter(None, log.stdout.split("\0")):
        head, *files = block.strip().splitlines()
        commit, date, author, subject = head.split("\t", 3)
        changes = []
        if path in files:
            after, before = _config_at(repo, commit, path), _config_at(repo, f"{commit}^", path)
            a, b = _flat(before), _flat(after)
            for k in sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)):
                item = ".".join(k.split(".")[:3])
                changes.append({"key": k, "kind": kind_of(k, added=not any(x.startswith(item + ".") for x in a))})
        number = next((int(g) for m in [PULL_REQUEST.search(subject)] if m for g in m.groups() if g), None)
        entries.append(
            {
                "commit": commit[:12],
                "date": date,
                "author": author,
                "subject": subject,
                "pullRequest": number,
                "files": sorted(f for f in files if f),
                "changes": changes,
                "source": "git",
            }
        )
    return entries


def late_records(repo: Path, path: str, cfg: StackConfig) -> list[dict[str, Any]]:
    """Secrets whose `lastRotated` is earlier than the first commit that holds that value: a rotation
    recorded after the fact, or backdated."""
    if cfg.secrets is None:
        return []
    log = subprocess.run(
        ["git", "-C", str(repo), "log", "--reverse", "--format=%H%x09%aI", "--", path],
        capture_output=True,
        text=True,
        check=False,
    )
    first: dict[str, tuple[str, dt.date]] = {}
    for line in log.stdout.splitlines():
        commit, date = line.split("\t")
        items = (_config_at(repo, commit, path).get("platform:secrets") or {}).get("items") or {}
        for name, item in items.items():
            record = (item or {}).get("rotation") or {}
            key = f"{name}@{record.get('lastRotated')}@{record.get('generation')}"
            first.setdefault(key, (commit[:12], dt.date.fromisoformat(date[:10])))
    out = []
    for name, item in cfg.secrets.items.items():
        held = first.get(f"{name}@{item.last_rotated.isoformat()}@{item.generation}")
        if held is not None and held[1] > item.last_rotated:
            out.append(
                {
                    "secret": name,
                    "lastRotated": item.last_rotated.isoformat(),
                    "firstCommit": held[0],
                    "committed": held[1].isoformat(),
                    "daysLate": (held[1] - item.last_rotated).days,
                    "source": "git",
                }
            )
    return out

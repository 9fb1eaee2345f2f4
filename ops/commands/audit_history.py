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


# Parsed stack-file configs by git object id: a blob's content never changes, and consecutive commits,
# both audits of one history and a clone's history share blobs (pure-Python YAML costs ~20 ms a file).
# Shared between callers, which only read them.
_parsed: dict[str, dict[str, Any]] = {}


def _configs_at(repo: Path, specs: list[str]) -> list[dict[str, Any]]:
    """The config of each `<commit>:<path>` (empty where the file did not exist), read through one
    `git cat-file --batch` instead of a `git show` each."""
    if not specs:
        return []
    out = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        input="".join(f"{spec}\n" for spec in specs).encode(),
        capture_output=True,
        check=False,
    ).stdout
    configs: list[dict[str, Any]] = []
    pos = 0
    for _ in specs:
        end = out.find(b"\n", pos)
        header = out[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():  # `<spec> missing`: no such file then
            configs.append({})
            continue
        oid, kind, size = header[0], header[1], int(header[2])
        body, pos = out[pos : pos + size], pos + size + 1
        if kind != "blob":
            configs.append({})
        elif oid in _parsed:
            configs.append(_parsed[oid])
        else:
            doc = YAML(typ="safe", pure=True).load(body.decode(errors="replace")) or {}
            configs.append(_parsed.setdefault(oid, doc.get("config") or {} if isinstance(doc, dict) else {}))
    return configs


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
    blocks = [block.strip().splitlines() for block in filter(None, log.stdout.split("\0"))]
    touched = [head.split("\t", 1)[0] for head, *files in blocks if path in files]
    configs = iter(_configs_at(repo, [f"{c}{side}:{path}" for c in touched for side in ("", "^")]))
    entries = []
    for head, *files in blocks:
        commit, date, author, subject = head.split("\t", 3)
        changes = []
        if path in files:
            after, before = next(configs), next(configs)
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
    commits = [line.split("\t") for line in log.stdout.splitlines()]
    for (commit, date), config in zip(commits, _configs_at(repo, [f"{c}:{path}" for c, _ in commits]), strict=True):
        items = (config.get("platform:secrets") or {}).get("items") or {}
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

"""`ops diff <stack> [<git-ref>]`: what a change to the code or a stack file would do, offline.

Both sides are offline plans (`--json`): the ref's, synthesized in a git worktree so the checkout is not
disturbed, and the working tree's. No credentials are needed, so a pull request from a fork gets it too.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.commands.in_place import replacing

SECRET_CHANGED = "[secret changed]"
ACTION_ORDER = ("delete", "replace", "create", "update")  # what a reviewer must not miss comes first


@dataclass
class Change:
    action: str  # create, update, replace, delete
    type: str
    name: str
    protect: bool
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    reason: str = ""

    @property
    def dangerous(self) -> bool:
        return self.protect and self.action in ("replace", "delete")


@dataclass
class Diff:
    changes: list[Change]
    unchanged: int

    @property
    def dangerous(self) -> list[Change]:
        return [c for c in self.changes if c.dangerous]


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else k))
        return out
    return {path: value}


def _fields(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    a, b = flatten(before["inputs"]), flatten(after["inputs"])
    # A plan from before secret digests existed cannot tell a changed secret from an unchanged one.
    known = "secretDigests" in before and "secretDigests" in after
    da, db = before.get("secretDigests", {}), after.get("secretDigests", {})
    secret_paths = sorted(set(before.get("secretInputs", [])) | set(after.get("secretInputs", [])))
    out: list[tuple[str, Any, Any]] = []
    for key in sorted(set(a) | set(b)):
        path = next((p for p in secret_paths if p == "." or key == p or key.startswith(p + ".")), None)
        if path is not None:
            if known and da.get(path) != db.get(path) and not any(f[0] == path for f in out):
                out.append((path, SECRET_CHANGED, SECRET_CHANGED))
        elif a.get(key) != b.get(key):
            out.append((key, a.get(key), b.get(key)))
    return out


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Diff:
    old = {r["urn"]: r for r in before}
    changes, unchanged, matched = [], 0, set()
    for row in after:
        urns = [row["urn"], *row.get("aliases", [])]
        prior = next((old[u] for u in urns if u in old), None)
        if prior is None:
            changes.append(Change("create", row["type"], row["name"], row["protect"]))
            continue
        matched.add(prior["urn"])
        fields = _fields(prior, row)
        if not fields:
            unchanged += 1
            continue
        keepers = [f for f in fields if f[0].startswith("keepers")]
        forced = replacing(row["type"], [f[0] for f in fields])
        if keepers or forced is None or forced:
            if keepers:
                why = "keepers changed"
            elif forced is None:
                why = f"no in-place table entry for {row['type']} (ops/commands/in_place.py): every change replaces"
            else:
                why = f"{', '.join(forced)} cannot change in place"
            changes.append(Change("replace", row["type"], row["name"], prior["protect"], fields, why))
        else:
            changes.append(Change("update", row["type"], row["name"], row["protect"], fields))
    for urn, row in old.items():
        if urn not in matched:
            changes.append(Change("delete", row["type"], row["name"], row["protect"]))
    # The mocks register resources in no fixed order; a review comment must not churn between two runs.
    changes.sort(key=lambda c: (ACTION_ORDER.index(c.action), c.type, c.name))
    return Diff(changes, unchanged)


def repository_of(path: Path) -> Path | None:
    """The git work tree that holds a stack file (this checkout, or a clone a reviewer points at), if any."""
    top = subprocess.run(
        ["git", "-C", str(path.resolve().parent), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(top.stdout.strip()).resolve() if top.returncode == 0 else None


def names_of(repo: Path, relative: Path) -> list[str]:
    """The stack file's path, then the paths git followed it through (products/<p>/Pulumi.<env>.yaml
    became Pulumi.<p>-<env>.yaml, with the same stack name)."""
    followed = subprocess.run(
        ["git", "log", "--follow", "--name-only", "--format=", "--", str(relative)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return list(dict.fromkeys([str(relative), *followed.stdout.split()]))


def resolve(ref: str, stack_path: Path) -> str:
    """The commit `ref` names in the stack file's repository; a bad ref is refused before anything runs."""
    repo = repository_of(stack_path)
    if repo is None:
        raise ValueError(f"{stack_path} is not in a git repository: a diff compares with a git ref of its repository")
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise ValueError(f"{ref!r} names no commit in {repo}")
    return found.stdout.strip()


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) ends the command as SIGINT does, by unwinding: every `finally` runs,
    so the worktree and the ref's plan go with it. Exit 143."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class RefPlan:
    """The offline plan of the stack file as it is at a commit, from that commit's code, in a temporary
    copy of that commit (`git archive`), so the checkout is not disturbed and git registers nothing. Run
    it as `with RefPlan(...) as ref: ref.start(); ...; rows = ref.rows()`: the plan runs in its own
    interpreter meanwhile, and leaving the block, by any way, stops it and removes the copy."""

    def __init__(self, commit: str, stack_path: Path, today: str):
        repo = repository_of(stack_path)
        assert repo is not None  # resolve() has checked
        self.repo, self.commit, self.today = repo, commit, today
        self.relative = stack_path.resolve().relative_to(repo)
        self.tmp = Path(tempfile.mkdtemp(prefix="ops-diff-"))
        self.tree = self.tmp / "tree"
        self.process: subprocess.Popen[str] | None = None
        self.then: str | None = None

    def __enter__(self) -> RefPlan:
        try:  # `with` calls no __exit__ for an __enter__ that raised (a signal during the copy)
            archive = subprocess.run(["git", "archive", self.commit], cwd=self.repo, capture_output=True)
            if archive.returncode != 0:
                raise ValueError(f"cannot read {self.commit}: {archive.stderr.decode().strip()}")
            # extracted here, in this process: a signal leaves no git child writing after the cleanup
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(self.tree, filter="data")
        except BaseException:
            self.__exit__()
            raise
        return self

    def start(self) -> None:
        self.then = next((p for p in names_of(self.repo, self.relative) if (self.tree / p).exists()), None)
        if self.then is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ops", "plan", self.then, "--json", "--today", self.today],
                cwd=self.tree,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

    def rows(self) -> list[dict[str, Any]]:
        if self.process is None:
            return []  # the stack file did not exist then: every resource is new
        out, err = self.process.communicate()
        if self.process.returncode not in (0, 3):  # a policy violation then is no reason not to compare
            raise ValueError(f"the plan at {self.commit[:12]} failed:\n{err.strip()}")
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _value(value: Any) -> str:
    return value if value == SECRET_CHANGED else json.dumps(value, sort_keys=True)


def as_text(diff: Diff, stack: str, ref: str) -> str:
    counts = {a: sum(c.action == a for c in diff.changes) for a in ACTION_ORDER}
    summary = ", ".join(f"{n} to {a}" for a, n in counts.items() if n) or "no changes"
    lines = [f"Diff of stack {stack!r} against {ref} (offline plans): {summary}; {diff.unchanged} unchanged."]
    for c in diff.dangerous:
        lines.append(f"!! PROTECTED {c.type} {c.name} would be {c.action}d: the change is refused (exit 2)")
    marks = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
    for c in diff.changes:
        why = f"  ({c.reason})" if c.reason else ""
        lines.append(f"{marks[c.action]} {c.action} {c.type} {c.name}{why}")
        lines += [f"    {path}: {_value(old)} -> {_value(new)}" for path, old, new in c.fields]
    return "\n".join(lines)


def as_json(diff: Diff) -> str:
    return json.dumps(
        {
            "changes": [
                {
                    "action": c.action,
                    "type": c.type,
                    "name": c.name,
                    "protect": c.protect,
                    "reason": c.reason,
                    "fields": [{"path": p, "before": o, "after": n} for p, o, n in c.fields],
                }
                for c in diff.changes
            ],
            "unchanged": diff.unchanged,
            "protectedReplacedOrDeleted": [f"{c.type} {c.name}" for c in diff.dangerous],
        },
        indent=2,
        sort_keys=True,
    )

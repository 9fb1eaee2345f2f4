"""The offline plan of a stack file as it is at a git ref: the "before" side of `ops diff`."""

from __future__ import annotations

import contextlib
import datetime as dt
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
from pathlib import Path
from typing import Any, ClassVar

from ops.offline.stackfile import ROOT


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


def resolve(ref: str, stack_path: Path) -> tuple[Path, str]:
    """The stack file's repository and the commit `ref` names in it; a bad ref is refused before anything
    runs."""
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
    return repo, found.stdout.strip()


def source_files(checkout: Path) -> list[str] | None:
    """The files of a checkout that git would commit (tracked or new, not ignored); None where it is no
    git work tree."""
    listed = subprocess.run(
        ["git", "-C", str(checkout), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        return None
    return sorted(n for n in listed.stdout.split("\0") if n and (checkout / n).is_file())  # a deleted file is gone


def same_code(tree: Path, then: str, running: Path, now: str) -> bool:
    """Whether a copy of a commit holds exactly the files of the checkout whose code this process runs,
    byte for byte, but for the stack file planned (`then` in the copy, `now` in the checkout): then that
    commit's plan is this process's plan of its stack file. Any other stack file that differs counts,
    should a program ever read one."""
    ours = source_files(running)
    if ours is None:
        return False
    ours = [n for n in ours if n != now]
    theirs = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
    theirs = [n for n in theirs if n != then]
    return theirs == ours and all((tree / n).read_bytes() == (running / n).read_bytes() for n in ours)


class _Stop:
    """The signals received inside stopped_by_signals, and whether one may unwind now (signals_held)."""

    received: ClassVar[list[int]] = []
    held: ClassVar[bool] = False


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) and SIGINT end the command by unwinding: every `finally` runs, so
    the copy of the ref and its plan go with it. Exit 143 or 130. The signal is also remembered: code
    that swallows the unwinding (an event loop's own handling inside the SDK's mocks) or turns it into
    an error of its own (pydantic-core, building a validator when the signal came, raised a SchemaError
    that held the SystemExit) still ends in the signal's exit code."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _Stop.received = []

    def stop(signum: int, frame: object) -> None:
        _Stop.received.append(signum)
        if not _Stop.held:
            raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    except BaseException:
        if not _Stop.received:
            raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        got, _Stop.received = _Stop.received, []
    _unwind_for(got)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """A signal inside waits for the end of the block, then unwinds. Popen forks, then waits for the
    child's exec: a signal unwinding there left a child running that no one knew the pid of (seen: the
    ref's interpreter, planning on after the diff had exited)."""
    _Stop.held = True
    try:
        yield
    finally:
        _Stop.held = False
    _unwind_for(_Stop.received)


def _unwind_for(received: list[int]) -> None:
    if received:
        raise SystemExit(128 + received[0])  # 143 for SIGTERM, 130 for SIGINT, as a shell reports them


class RefPlan:
    """The offline plan of the stack file as it is at a commit, from that commit's code, in a temporary
    copy of that commit (`git archive`), so the checkout is not disturbed and git registers nothing. Run
    it as `with RefPlan(*resolve(ref, path), path, today) as ref: ref.start(); ...; rows = ref.rows()`.
    Where the commit's code differs from the code running (`running`, by default this checkout), the plan
    runs in an interpreter of its own, from the copy, meanwhile; leaving the block, by any way, stops it
    and removes the copy. Where only the stack file differs, as in a rotation or a scaling change, this
    process plans the copy's stack file itself: the same rows (tests/ops/test_cli.py compares a fresh
    interpreter's plan with this process's), without a second interpreter importing the SDKs."""

    def __init__(self, repo: Path, commit: str, stack_path: Path, today: str, running: Path = ROOT):
        self.repo, self.commit, self.today, self.running = repo, commit, today, running
        self.relative = stack_path.resolve().relative_to(repo)
        self.tmp = Path(tempfile.mkdtemp(prefix="ops-diff-"))
        self.tree = self.tmp / "tree"
        self.process: subprocess.Popen[str] | None = None
        self.then: str | None = None
        self.here = False  # planned by this process

    def __enter__(self) -> RefPlan:
        try:  # `with` calls no __exit__ for an __enter__ that raised (a signal during the copy)
            with signals_held():
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
        if self.then is None:
            return
        self.here = same_code(self.tree, self.then, self.running, self.relative.as_posix())
        if not self.here:
            with signals_held():  # self.process is set before a signal unwinds: __exit__ then stops it
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "ops", "plan", self.then, "--json", "--today", self.today],
                    cwd=self.tree,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )

    def _planned_here(self) -> list[dict[str, Any]]:
        from components.shared.loader import ConfigError
        from ops.commands.plan import as_json
        from ops.offline.stackfile import StackFileError
        from ops.offline.synth import load_stack_file, synthesize_file

        assert self.then is not None
        try:
            synth = synthesize_file(load_stack_file(str(self.tree / self.then)), dt.date.fromisoformat(self.today))
        except (ConfigError, StackFileError) as exc:
            raise ValueError(f"the plan at {self.commit[:12]} failed:\n{exc}") from None
        rows: list[dict[str, Any]] = json.loads(as_json(synth))
        return rows

    def rows(self) -> list[dict[str, Any]]:
        if self.here:
            return self._planned_here()
        if self.process is None:
            return []  # the stack file did not exist then: every resource is new
        out, err = self.process.communicate()
        # a policy violation or an unchanged provided secret then is no reason not to compare; a
        # config error is (it prints no plan)
        if self.process.returncode not in (0, 1, 3) or not out.strip():
            raise ValueError(f"the plan at {self.commit[:12]} failed:\n{err.strip()}")
        rows: list[dict[str, Any]] = json.loads(out)
        return rows

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

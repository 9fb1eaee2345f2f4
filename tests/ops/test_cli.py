"""The shape of `ops`: one form for every command, exit codes in the help, one-line errors, quiet pipes,
the same output on every run, and cleanup when a diff is interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops.__main__ import main
from ops.offline.stackfile import ROOT
from tests.helpers import TODAY, clone_of_working_tree, git, in_process

OPS = [sys.executable, "-m", "ops"]
COMMANDS = ["plan", "diff", "audit", "rotate", "verify", "restore-drill"]


def ops(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPS, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_the_help_lists_every_command() -> None:
    done = ops("--help")
    assert done.returncode == 0
    rows = done.stdout.split("COMMAND\n", 1)[1].split("\n\n", 1)[0].splitlines()
    listed = [line.split()[0] for line in rows if line.startswith("    ") and line[4] != " "]
    assert listed == COMMANDS


@pytest.mark.parametrize(
    ("command", "codes"),
    [
        ("plan", ["0", "1", "3"]),
        ("diff", ["0", "1", "2", "3"]),
        ("audit", ["0", "1", "3"]),
        ("rotate", ["0", "1"]),
        ("verify", ["0", "1"]),
        ("restore-drill", ["0", "1", "130", "143"]),
    ],
)
def test_each_commands_help_takes_the_stack_first_and_lists_its_exit_codes(command: str, codes: list[str]) -> None:
    done = ops(command, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: ops {command} [-h]")
    assert "\npositional arguments:\n  stack " in done.stdout
    table = done.stdout.split("exit codes:\n", 1)[1].splitlines()
    assert [row.split()[0] for row in table] == codes


def test_the_output_format_is_chosen_one_way() -> None:
    helps = {c: ops(c, "--help").stdout for c in COMMANDS}
    assert sorted(c for c, text in helps.items() if "--json" in text) == ["audit", "diff", "plan", "verify"]
    assert not any("--format" in text or "--stack" in text for text in helps.values())


def test_help_imports_no_sdk() -> None:
    """What makes `ops --help` answer at once (bench/plan_benchmark.py prints the time): no SDK loaded."""
    done = subprocess.run([*OPS[:1], "-X", "importtime", "-m", "ops", "--help"], capture_output=True, text=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert not imported & {"pulumi", "pulumi_aws", "pydantic", "ruamel", "components", "boto3"}


def test_a_usage_error_is_one_line_with_the_prefix_and_exits_1() -> None:
    done = ops("plan")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "ops: error: the following arguments are required: stack (see `ops plan --help`)\n"
    assert ops("deploy", "prod").stderr.startswith("ops: error: argument COMMAND: invalid choice: 'deploy'")


def test_an_unknown_secret_suggests_the_nearest_name() -> None:
    ran = in_process(main, ["rotate", "prod", "NEXTAUTH_SECRE"])
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "ops: error: unknown secret(s) NEXTAUTH_SECRE in Pulumi.prod.yaml; did you mean NEXTAUTH_SECRET? known: "
    )


@pytest.mark.parametrize("command", ["rotate", "audit"])
def test_a_today_in_the_future_is_refused(command: str) -> None:
    done = ops(command, "staging", "--today", "2099-01-01")
    assert done.returncode == 1
    assert done.stderr.startswith("ops: error: argument --today: 2099-01-01 is after today (")


def test_a_closed_pipe_ends_the_plan_quietly() -> None:
    piped = subprocess.Popen([*OPS, "plan", "prod"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert piped.stdout is not None and piped.stderr is not None
    first = piped.stdout.readline()
    piped.stdout.close()  # what `| head -1` does
    err = piped.stderr.read().decode()
    assert (piped.wait(timeout=120), err) == (141, "")
    assert first.startswith(b"Offline plan of stack 'prod' from Pulumi.prod.yaml")


# Both forms of the plan from one interpreter, with a hash seed other than this one's (the order of a set
# of strings), beside the same two forms from this process: a difference shows what depends on it.
BOTH_FORMS = f"""
import sys
from ops.__main__ import main
print(hash("urn order"))
print("\\0")
for form in (["--json"], []):
    main(["plan", "prod", "--today", "{TODAY.isoformat()}", *form])
    print("\\0")
"""


def test_two_runs_print_the_same_plan_in_urn_order() -> None:
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    there = subprocess.run(
        [sys.executable, "-c", BOTH_FORMS],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split("\0\n")
    here = [in_process(main, ["plan", "prod", "--today", TODAY.isoformat(), *form]) for form in (["--json"], [])]
    assert int(there[0]) != hash("urn order")  # the two runs order sets differently
    assert there[1:] == [*(ran.stdout for ran in here), ""]
    as_json, as_text = there[1:3]
    urns = [row["urn"] for row in json.loads(as_json)]
    assert urns == sorted(urns) and len(urns) == 189
    assert as_text.startswith("Offline plan of stack 'prod' from Pulumi.prod.yaml")


def test_numbers_print_as_the_stack_file_writes_them() -> None:
    text = in_process(main, ["plan", "staging", "--today", TODAY.isoformat()]).stdout
    assert "      length: 32\n" in text and "32.0" not in text
    rows = json.loads(in_process(main, ["plan", "staging", "--json", "--today", TODAY.isoformat()]).stdout)
    lengths = {r["inputs"]["length"] for r in rows if r["type"] == "random:index/randomBytes:RandomBytes"}
    assert lengths == {16, 32} and all(type(n) is int for n in lengths)


def test_bootstrap_plans_offline_like_any_stack() -> None:
    ran = in_process(main, ["plan", str(ROOT / "bootstrap" / "Pulumi.ci.yaml")])
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("Offline plan of stack 'ci' from bootstrap/Pulumi.ci.yaml: ")
    assert lines[1] == "38 resources; 2 protected."
    rows = json.loads(in_process(main, ["plan", str(ROOT / "bootstrap" / "Pulumi.ci.yaml"), "--json"]).stdout)
    assert {r["urn"].split("::")[1] for r in rows} == {"platform-bootstrap"}  # its own project, not this one


def test_a_bad_ref_fails_before_any_plan_runs(tmp_path: Path) -> None:
    clone = clone_of_working_tree(tmp_path / "repo")
    started = time.monotonic()
    done = ops("diff", "staging", "no-such-ref", cwd=clone)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"ops: error: 'no-such-ref' names no commit in {clone}\n"
    assert time.monotonic() - started < 10  # no plan ran: a plan alone takes longer here
    assert len(git(clone, "worktree", "list").splitlines()) == 1


def working_in(directory: Path) -> list[int]:
    """The processes whose working directory is in `directory` (Linux's /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(directory):
                found.append(int(proc.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_diff_removes_its_copy_of_the_ref_and_its_plan(
    tmp_path: Path, sent: signal.Signals, code: int
) -> None:
    clone = clone_of_working_tree(tmp_path / "repo")
    # a code change not yet committed: HEAD's plan runs in an interpreter of its own, from the copy
    keys = clone / "components" / "keys" / "kms_keys.py"
    keys.write_text(keys.read_text() + "# a change under review\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    running = subprocess.Popen(
        [*OPS, "diff", "prod", "HEAD"],
        cwd=clone,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not working_in(scratch):
        assert time.monotonic() < deadline and running.poll() is None, "the ref's plan never started"
        time.sleep(0.02)
    running.send_signal(sent)
    _, err = running.communicate(timeout=60)
    assert running.returncode == code, err
    assert (working_in(scratch), list(scratch.iterdir())) == ([], [])
    assert len(git(clone, "worktree", "list").splitlines()) == 1  # git registered nothing either


def test_a_signal_while_the_refs_interpreter_starts_unwinds_once_its_pid_is_kept() -> None:
    """Popen forks, then waits for the child's exec: unwinding there lost the child (the test above caught
    one planning on after the diff had exited). Inside signals_held, the handler only records the signal;
    it unwinds at the end of the block, once RefPlan holds the process."""
    from ops.offline.at_ref import signals_held, stopped_by_signals

    reached = []
    with pytest.raises(SystemExit) as raised, stopped_by_signals():
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)  # installed: the diff runs in the main thread
        with signals_held():
            handler(signal.SIGTERM, None)  # as the interpreter calls it when SIGTERM arrives
            reached.append("the rest of the held block")
        reached.append("after it")
    assert (raised.value.code, reached) == (143, ["the rest of the held block"])
    assert signal.getsignal(signal.SIGTERM) is not handler  # restored
    with signals_held():
        pass  # nothing is left pending for a later hold


def test_a_signal_that_comes_back_as_another_error_still_exits_with_the_signals_code() -> None:
    """Seen in the interrupt test above: SIGTERM while pydantic-core built a validator came out of it as
    a SchemaError, and the diff exited 1 with a traceback."""
    from ops.offline.at_ref import stopped_by_signals

    with pytest.raises(SystemExit) as raised, stopped_by_signals():
        handler = signal.getsignal(signal.SIGINT)
        assert callable(handler)
        try:
            handler(signal.SIGINT, None)
        except SystemExit as exc:
            raise ValueError("Error building 'literal' validator") from exc  # what the Rust core did
    assert raised.value.code == 130
    with pytest.raises(ValueError), stopped_by_signals():
        raise ValueError("no signal came: an error is itself")


def test_ops_runs_from_anywhere_in_the_repository_and_says_where_it_looked_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "components" / "alerting")
    inside = in_process(main, ["plan", "staging", "--today", TODAY.isoformat()])
    assert inside.returncode == 0 and inside.stdout.startswith(
        "Offline plan of stack 'staging' from Pulumi.staging.yaml"
    )
    # bootstrap/ has a Pulumi.yaml of its own project: names still mean this project's stacks
    monkeypatch.chdir(ROOT / "bootstrap")
    assert in_process(main, ["plan", "staging", "--today", TODAY.isoformat()]).returncode == 0
    outside = ops("plan", "prod", cwd=tmp_path)  # the console script's own answer, from a fresh interpreter
    assert (outside.returncode, outside.stdout) == (1, "")
    assert outside.stderr == (
        f"ops: error: no Pulumi.yaml of project 'platform' in {tmp_path.resolve()} or above it: run ops inside "
        "the repository, or give a stack file's path\n"
    )

"""Every `pulumi config set` hint the program and `ops` print is a command that works as printed: run
through a stand-in for the Pulumi CLI, it writes the stack file the program reads for that stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from components.shared.catalogues import SECRET_CATALOGUE
from ops.__main__ import main
from ops.offline.stackfile import ROOT, locate, stack_files, stack_names
from tests.helpers import TODAY, in_process

HINT = re.compile(r"pulumi config set --secret (\S+) --stack ([\w.-]+)")
STACKS = stack_names()


def pulumi_config_set(argv: list[str], cwd: Path) -> tuple[Path, str]:
    """What `pulumi config set [--secret] KEY --stack S` writes, run from the project directory: the key,
    in the project's namespace when it has none, into Pulumi.<S>.yaml beside Pulumi.yaml
    (https://www.pulumi.com/docs/iac/concepts/config/)."""
    assert argv[:3] == ["pulumi", "config", "set"], argv
    args = [a for a in argv[3:] if a != "--secret"]
    stack = args[args.index("--stack") + 1]
    key = next(a for a in args if not a.startswith("--") and a != stack)
    project = YAML(typ="safe").load((cwd / "Pulumi.yaml").read_text())["name"]
    return cwd / f"Pulumi.{stack}.yaml", key if ":" in key else f"{project}:{key}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_printed_hint_writes_the_file_the_program_reads(stack: str) -> None:
    ran = in_process(main, ["plan", stack, "--today", TODAY.isoformat()])
    hints = HINT.findall(ran.stdout + ran.stderr)
    for name, hinted_stack in hints:
        path, key = pulumi_config_set(["pulumi", "config", "set", "--secret", name, "--stack", hinted_stack], ROOT)
        assert (path, hinted_stack) == locate(stack), (stack, name)
        assert path in stack_files()
        # the placeholder the plan stood in is the key the command sets
        assert f"  {key}: [placeholder: not in the stack file; pulumi config set --secret {name} --stack {stack}]" in (
            ran.stdout
        )


def test_the_hints_are_there_to_check() -> None:
    """One hint per provided secret a stack file does not hold (Parker Flight declares none)."""
    counts = {}
    for stack in STACKS:
        ran = in_process(main, ["plan", stack, "--today", TODAY.isoformat()])
        counts[stack] = len(HINT.findall(ran.stdout))
    assert counts == {
        "flashfusion-prod": 10,
        "flashfusion-staging": 8,
        "life-platform-prod": 2,
        "life-platform-staging": 1,
        "parker-flight-prod": 0,
        "prod": 6,
        "staging": 4,
        "vercel-supabase-prod": 2,
    }


def test_every_hint_in_the_readme_sets_a_provided_secret_the_stack_declares() -> None:
    from ops.offline.stackfile import read

    hints = HINT.findall((ROOT / "README.md").read_text())
    assert len(hints) == 3
    for name, stack in hints:
        path, _ = pulumi_config_set(["pulumi", "config", "set", "--secret", name, "--stack", stack], ROOT)
        assert path in stack_files(), (name, stack)
        items = read(path, stack).config["platform:secrets"]["items"]
        kind = {**SECRET_CATALOGUE.get(name, {}), **(items.get(name) or {})}.get("kind")
        assert kind == "provided", (name, stack)

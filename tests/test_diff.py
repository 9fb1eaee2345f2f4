"""`python -m ops plan <stack> --diff <ref>` on a clone of this repository, as a reviewer runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import main
from ops.diff import as_text, compare, plan_at
from ops.plan import as_json
from ops.synth import synthesize_stack
from tests.helpers import TODAY, Ran, clone_of_working_tree

RECORD_OF_DATABASE_PASSWORD = (
    "DATABASE_PASSWORD: # the app's two alternating logins; DATABASE_URL follows it\n        rotation: "
)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone whose HEAD is the code under test: the diff compares it with its own edited working tree."""
    return clone_of_working_tree(tmp_path_factory.mktemp("clone") / "repo")


def plan_diff(clone: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    """`python -m ops plan <clone>/Pulumi.prod.yaml --diff HEAD`: this process plans the edited file, and
    the clone's HEAD is planned in a worktree by a fresh interpreter, as for a reviewer."""
    stack = str(clone / "Pulumi.prod.yaml")
    code = main(["plan", stack, "--diff", "HEAD", "--today", TODAY.isoformat(), *args])
    out, err = capsys.readouterr()
    return Ran(code, out, err)


@pytest.fixture(scope="module")
def head_plan(clone: Path) -> list[dict[str, Any]]:
    """The plan at HEAD, from HEAD's code in a worktree: the same `before` for every edit below."""
    return plan_at("HEAD", clone / "Pulumi.prod.yaml", TODAY.isoformat())


def edit(clone: Path, old: str, new: str) -> str:
    path = clone / "Pulumi.prod.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text


def diff_of_edit(clone: Path, head_plan: list[dict[str, Any]], old: str, new: str) -> str:
    """The diff's text after one edit: what `--diff HEAD` prints, with HEAD's plan planned once."""
    original = edit(clone, old, new)
    try:
        after = json.loads(as_json(synthesize_stack(str(clone / "Pulumi.prod.yaml"), today=TODAY)))
    finally:
        (clone / "Pulumi.prod.yaml").write_text(original)
    return as_text(compare(head_plan, after), "prod", "HEAD")


def test_flipping_maintenance_mode_is_exactly_one_update(clone: Path, head_plan: list[dict[str, Any]]) -> None:
    lines = diff_of_edit(clone, head_plan, "    maintenanceMode: false", "    maintenanceMode: true").splitlines()
    unchanged = len(head_plan) - 1
    assert lines[0] == f"Diff of stack 'prod' against HEAD (offline plans): 1 to update; {unchanged} unchanged."
    assert lines[1:] == [
        "~ update vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable frontend-MAINTENANCE_MODE",
        "    value: [secret changed] -> [secret changed]",  # the provider marks every value secret
    ]


def test_a_rotation_is_a_replacement_because_its_keepers_changed(clone: Path, head_plan: list[dict[str, Any]]) -> None:
    text = diff_of_edit(
        clone,
        head_plan,
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 2, lastRotated: "2026-11-02"}}',
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 3, lastRotated: "2026-11-23"}}',
    )
    assert (
        "+- replace random:index/randomPassword:RandomPassword secrets-DATABASE_PASSWORD-a  (keepers changed)\n"
        '    keepers.generation: "1" -> "3"'
    ) in text
    assert (
        "~ update postgresql:index/role:Role postgres-app-a\n    password: [secret changed] -> [secret changed]" in text
    )


def test_deleting_a_protected_resource_is_flagged_and_exits_2(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the whole command: both plans, the comparison, and the exit code a pipeline stops on
    original = edit(clone, "    replication:\n      region: us-west-2", "    replication:\n      enabled: false")
    try:
        done = plan_diff(clone, capsys, "--json")
    finally:
        (clone / "Pulumi.prod.yaml").write_text(original)
    assert done.returncode == 2, done.stderr
    result = json.loads(done.stdout)
    assert result["protectedReplacedOrDeleted"] == [
        "aws:s3/bucket:Bucket backups-replica",
        "aws:s3/bucket:Bucket backups-replica-access-logs",
    ]
    deleted = {(c["type"], c["name"]) for c in result["changes"] if c["action"] == "delete"}
    assert ("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "backups-replication") in deleted
    assert ("aws:s3/bucket:Bucket", "backups-replica") in deleted
    assert {c["action"] for c in result["changes"]} == {"delete"}


def test_the_text_names_a_protected_delete_and_the_refusal() -> None:
    before = [row("backups-replica", {"bucket": "r"}), row("backups-replication", {"role": "x"}, protect=False)]
    text = as_text(compare(before, []), "prod", "HEAD")
    assert text.splitlines() == [
        "Diff of stack 'prod' against HEAD (offline plans): 2 to delete; 0 unchanged.",
        # the refusal comes first, above the changes a reviewer might skim
        "!! PROTECTED aws:s3/bucket:Bucket backups-replica would be deleted: the change is refused (exit 2)",
        "- delete aws:s3/bucket:Bucket backups-replica",
        "- delete aws:s3/bucket:Bucket backups-replication",
    ]


def row(name: str, inputs: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "type": "aws:s3/bucket:Bucket",
        "name": name,
        "urn": f"urn::{name}",
        "inputs": inputs,
        "protect": True,
        "secretInputs": [],
        "secretDigests": {},
        **extra,
    }


def test_changes_come_in_one_order_whatever_order_the_plans_list_them_in() -> None:
    before = [row("b-gone", {}), row("a-gone", {}), row("kept", {"tags": {"x": "1"}})]
    after = [row("kept", {"tags": {"x": "2"}}), row("z-new", {}), row("c-new", {})]
    orders = {
        tuple((c.action, c.name) for c in compare(b, a).changes)
        for b, a in ((before, after), (before[::-1], after[::-1]))
    }
    assert orders == {
        (("delete", "a-gone"), ("delete", "b-gone"), ("create", "c-new"), ("create", "z-new"), ("update", "kept"))
    }


def test_compare_follows_aliases_and_names_force_new_fields() -> None:
    before = [row("old-name", {"bucket": "a", "tags": {"x": "1"}})]
    after = [row("new-name", {"bucket": "b", "tags": {"x": "2"}}, aliases=["urn::old-name"])]
    diff = compare(before, after)
    assert [(c.action, c.name, c.reason, c.dangerous) for c in diff.changes] == [
        ("replace", "new-name", "bucket cannot change in place", True)
    ]
    assert diff.changes[0].fields == [("bucket", "a", "b"), ("tags.x", "1", "2")]

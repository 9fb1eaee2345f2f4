"""`python -m ops plan <stack> --diff <ref>` in a clone of this repository, as a reviewer runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.diff import compare
from ops.stackfile import ROOT
from ops.synth import synthesize_stack
from tests.helpers import TODAY

RECORD_OF_DATABASE_PASSWORD = (
    "DATABASE_PASSWORD: # the app's two alternating logins; DATABASE_URL follows it\n        rotation: "
)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone of the committed HEAD: the diff compares it with its own edited working tree."""
    target = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    yield target


def plan_diff(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops", "plan", "prod", "--diff", "HEAD", "--today", TODAY.isoformat(), *args],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def edit(clone: Path, old: str, new: str) -> str:
    path = clone / "Pulumi.prod.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text


def test_flipping_maintenance_mode_is_exactly_one_update(clone: Path) -> None:
    original = edit(clone, "    maintenanceMode: false", "    maintenanceMode: true")
    try:
        done = plan_diff(clone)
        as_json = json.loads(plan_diff(clone, "--json").stdout)
    finally:
        (clone / "Pulumi.prod.yaml").write_text(original)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    total = len(synthesize_stack(str(clone / "Pulumi.prod.yaml"), today=TODAY).resources)
    assert lines[0] == f"Diff of stack 'prod' against HEAD (offline plans): 1 to update; {total - 1} unchanged."
    assert lines[1:] == [
        "~ update vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable frontend-MAINTENANCE_MODE",
        "    value: [secret changed] -> [secret changed]",  # the provider marks every value secret
    ]
    assert [(c["action"], c["name"]) for c in as_json["changes"]] == [("update", "frontend-MAINTENANCE_MODE")]
    assert as_json["protectedReplacedOrDeleted"] == []


def test_a_rotation_is_a_replacement_because_its_keepers_changed(clone: Path) -> None:
    original = edit(
        clone,
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 2, lastRotated: "2026-11-02"}}',
        f'{RECORD_OF_DATABASE_PASSWORD}{{generation: 3, lastRotated: "2026-11-23"}}',
    )
    try:
        done = plan_diff(clone)
    finally:
        (clone / "Pulumi.prod.yaml").write_text(original)
    assert done.returncode == 0, done.stderr
    assert (
        "+- replace random:index/randomPassword:RandomPassword secrets-DATABASE_PASSWORD-a  (keepers changed)\n"
        '    keepers.generation: "1" -> "3"'
    ) in done.stdout
    assert (
        "~ update postgresql:index/role:Role postgres-app-a\n    password: [secret changed] -> [secret changed]"
        in done.stdout
    )


def test_deleting_a_protected_resource_is_flagged_and_exits_2(clone: Path) -> None:
    original = edit(clone, "    replication:\n      region: us-west-2", "    replication:\n      enabled: false")
    try:
        done = plan_diff(clone)
    finally:
        (clone / "Pulumi.prod.yaml").write_text(original)
    assert done.returncode == 2, done.stderr
    assert (
        "!! PROTECTED aws:s3/bucket:Bucket backups-replica would be deleted: the change is refused (exit 2)"
        in done.stdout
    )
    assert "- delete aws:s3/bucketReplicationConfig:BucketReplicationConfig backups-replication" in done.stdout


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


def test_compare_follows_aliases_and_names_force_new_fields() -> None:
    before = [row("old-name", {"bucket": "a", "tags": {"x": "1"}})]
    after = [row("new-name", {"bucket": "b", "tags": {"x": "2"}}, aliases=["urn::old-name"])]
    diff = compare(before, after)
    assert [(c.action, c.name, c.reason, c.dangerous) for c in diff.changes] == [
        ("replace", "new-name", "bucket cannot change in place", True)
    ]
    assert diff.changes[0].fields == [("bucket", "a", "b"), ("tags.x", "1", "2")]

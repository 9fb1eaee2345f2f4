"""The offline plan (`ops plan`) and `ops rotate`, as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import main
from ops.commands.rotate import RotateError, rotate
from ops.offline.synth import ROOT
from tests.helpers import TODAY, in_process


def plan_json(stack: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["plan", stack, "--json", "--today", TODAY.isoformat()]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_plan_prints_the_resource_tree_without_secret_values(capsys: pytest.CaptureFixture[str]) -> None:
    # (tests/ops/test_cli.py runs it through a fresh interpreter too, as `python -m ops`)
    result = in_process(main, ["plan", "prod", "--today", TODAY.isoformat()])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    payload = plan_json("prod", capsys)
    resources = [r for r in payload if r["type"] != "pulumi:pulumi:Stack"]  # the last row holds the outputs
    assert out.splitlines()[1] == f"{len(resources)} resources; 15 protected."
    assert "  aws:s3/bucket:Bucket  backups  [protect, retain-on-delete]" in out
    assert "      values: [secret]" in out
    assert (
        "  platform:OPENAI_API_KEY: [placeholder: not in the stack file; pulumi config set --secret "
        "OPENAI_API_KEY --stack prod]"
    ) in out
    # no fake random value and no marked placeholder leaks into a resource's inputs
    assert "[placeholder" not in json.dumps([r["inputs"] for r in payload])


def test_plan_json_has_one_object_per_resource(capsys: pytest.CaptureFixture[str]) -> None:
    rows = plan_json("staging", capsys)
    assert len(rows) == len({r["urn"] for r in rows}) > 0
    assert set(rows[0]) == {
        "type",
        "name",
        "urn",
        "parent",
        "inputs",
        "secretInputs",
        "protect",
        "retainOnDelete",
        "stale",
        "aliases",
        "secretDigests",
    }
    fly_secrets = next(r for r in rows if r["type"] == "flyio:index:Secrets" and r["name"] == "api")
    assert (fly_secrets["inputs"]["values"], fly_secrets["secretInputs"], fly_secrets["parent"]) == (
        "[secret]",
        ["values"],
        {"type": "platform:delivery:FlyApi", "name": "api"},
    )


def test_plan_marks_stale_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "staging", "--json", "--today", "2027-03-01"]) == 0
    rows = json.loads(capsys.readouterr().out)
    stale = sorted(r["name"] for r in rows if r["stale"])
    assert stale == [
        f"secrets-{name}-a"
        for name in (
            "CRON_SECRET",
            "DATABASE_PASSWORD",
            "DB_BACKUP_PASSWORD",
            "DB_MIGRATOR_PASSWORD",
            "DB_READONLY_PASSWORD",
            "ENCRYPTION_KEY",
            "NEXTAUTH_SECRET",
            "SECRET_KEY",
        )
    ]


def test_plan_of_a_broken_stack_exits_non_zero_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "Pulumi.staging.yaml"
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    broken.write_text(text.replace("  platform:fly:\n", "  platform:fly:\n    guest:\n      memoryMB: 512\n", 1))
    line = text.splitlines().index("  platform:fly:") + 3
    assert main(["plan", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "ops: error: Pulumi.staging.yaml: stack 'staging' cannot be deployed; no resource was registered.",
        f"ops: error: Pulumi.staging.yaml: line {line}: platform:fly.guest.memoryMB: unknown key; "
        "allowed here: cpuKind, cpus, memoryMb",
    ]


def test_plan_of_an_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "dev"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"ops: error: no stack file {ROOT / 'Pulumi.dev.yaml'}; stacks here: ")
    assert {"prod", "staging"} <= set(err.strip().split("stacks here: ")[1].split(", "))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.prod.yaml", tmp_path)
    return tmp_path


def test_rotate_changes_one_line_and_keeps_comments_and_order(project: Path) -> None:
    before = (project / "Pulumi.prod.yaml").read_text().splitlines()
    rotate("prod", ["CRON_SECRET"], due=False, on=TODAY, root=project)
    after = (project / "Pulumi.prod.yaml").read_text().splitlines()
    diff = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert diff == [
        (
            '        rotation: {generation: 2, lastRotated: "2026-11-02"}',
            '        rotation: {generation: 3, lastRotated: "2026-11-23"}',
        )
    ]
    assert any(line.startswith("# Production") for line in after)
    assert "      region: us-west-2 # second region for a regional disaster (RTO 4 h, RPO 24 h)" in after


def test_rotate_due_picks_every_overdue_secret(project: Path) -> None:
    lines = rotate("prod", [], due=True, on=TODAY.replace(year=2027), root=project)
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "SECRET_KEY",
        "CRON_SECRET",
        "NEXTAUTH_SECRET",
        "ENCRYPTION_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "OPENAI_API_KEY",
        "OPENAI_API_KEY",  # its exception ends with the rotation
        "ELEVENLABS_API_KEY",
        "DATABASE_PASSWORD",
        "DB_MIGRATOR_PASSWORD",
        "DB_READONLY_PASSWORD",
        "DB_BACKUP_PASSWORD",
        "GITHUB_ADMIN_TOKEN",
        "PAGERDUTY_API_TOKEN",
        "POSTGRES_ADMIN_PASSWORD",
    ]
    assert lines[4] == (
        "SUPABASE_SERVICE_ROLE_KEY: generation 1 -> 2; set the new value too: pulumi config set "
        "--secret SUPABASE_SERVICE_ROLE_KEY --stack prod"
    )


def test_rotate_errors(project: Path) -> None:
    with pytest.raises(RotateError, match=re.escape("unknown secret(s) NOPE in Pulumi.prod.yaml; known: SECRET_KEY, ")):
        rotate("prod", ["NOPE"], due=False, on=TODAY, root=project)
    with pytest.raises(RotateError, match=re.escape("unknown stack 'dev': no Pulumi.dev.yaml; stacks here: prod")):
        rotate("dev", ["SECRET_KEY"], due=False, on=TODAY, root=project)
    with pytest.raises(
        RotateError,
        match=re.escape(
            "SECRET_KEY was rotated on 2026-11-02 and its previous value is served until the overlap ends on "
            "2026-11-03; rotating again before 2026-11-04 would stop serving it. For a compromised secret pass "
            "--force; nothing was changed"
        ),
    ):
        rotate("prod", ["SECRET_KEY"], due=False, on=TODAY.replace(day=2), root=project)
    assert main(["rotate", str(project / "Pulumi.prod.yaml"), "NOPE"]) == 1

"""`python -m ops audit` on a clone with history of its own: controls with FSBP IDs, secrets' ages, roles,
recovery, and the stack file's git history."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import main
from ops.commands.audit import audit as build_report
from ops.commands.audit import kind_of
from ops.offline.stackfile import ROOT
from ops.offline.synth import load_stack_file
from tests.helpers import clone_of_working_tree, file_config, git


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone with two more commits to the prod stack file: a rotation, then maintenance mode."""
    repo = clone_of_working_tree(tmp_path_factory.mktemp("audit") / "repo")
    stack = repo / "Pulumi.prod.yaml"
    text = stack.read_text()
    stack.write_text(
        text.replace(
            'CRON_SECRET:\n        rotation: {generation: 2, lastRotated: "2026-11-02"}',
            'CRON_SECRET:\n        rotation: {generation: 3, lastRotated: "2026-11-20"}',
        )
    )
    git(repo, "commit", "-qam", "Rotate CRON_SECRET")
    stack.write_text(stack.read_text().replace("    maintenanceMode: false", "    maintenanceMode: true"))
    git(repo, "commit", "-qam", "Maintenance for the Prisma migration")
    return repo


def test_the_report_has_every_section_and_every_control_passes(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(clone / "Pulumi.prod.yaml"), "--today", "2026-11-23"]) == 0
    text = capsys.readouterr().out
    for heading in ("## Controls", "## Secrets", "## Roles", "## Recovery", "## History of the stack file"):
        assert heading in text
    assert "| S3 buckets keep versions | S3.14 | mandatory | pass |" in text
    assert (
        "| KMS keys rotate automatically | KMS.4 | mandatory | pass | "
        "keys-alerts, keys-general, keys-general-replica, keys-watchdog |" in text
    )
    assert "| SNS topics are encrypted with a customer-managed key | SNS.1 | mandatory | pass |" in text
    assert "| CRON_SECRET | generated | 3 | 2026-11-20 | 3 | 90 d | ok |" in text
    assert "| OPENAI_API_KEY | provided | 1 | 2026-08-01 | 114 | on demand | on demand |" in text
    assert "- retentionDays: 30" in text and "- rtoHours: 4" in text and "- replicaRegion: us-west-2" in text


def report_of(path: Path, today: str) -> dict[str, Any]:
    """The report as `--format json` prints it, built in-process: this checkout's code over the clone's
    stack file, whose history comes from the clone's own commits."""
    stack_file = load_stack_file(str(path))
    report: dict[str, Any] = json.loads(json.dumps(build_report(stack_file, dt.date.fromisoformat(today))))
    return report


@pytest.fixture(scope="module")
def prod_report(clone: Path) -> dict[str, Any]:
    return report_of(clone / "Pulumi.prod.yaml", "2026-11-23")


def test_history_has_one_entry_per_commit_that_touched_the_stack_file(clone: Path, prod_report: dict[str, Any]) -> None:
    report = prod_report
    commits = git(clone, "log", "--format=%H", "--", "Pulumi.prod.yaml").split()
    assert [h["commit"] for h in report["history"]] == [c[:12] for c in commits]
    latest, rotation = report["history"][0], report["history"][1]
    assert (latest["subject"], latest["author"]) == ("Maintenance for the Prisma migration", "Platform Engineer")
    assert latest["changes"] == [{"key": "platform:vercel.maintenanceMode", "kind": "maintenance"}]
    assert rotation["changes"] == [
        {"key": "platform:secrets.items.CRON_SECRET.rotation.generation", "kind": "rotation of CRON_SECRET"},
        {"key": "platform:secrets.items.CRON_SECRET.rotation.lastRotated", "kind": "rotation of CRON_SECRET"},
    ]


def test_roles_say_who_may_assume_them(prod_report: dict[str, Any]) -> None:
    reader = next(r for r in prod_report["roles"] if r["resource"] == "backup-access-reader")
    assert reader["trust"] == [
        {
            "principal": {"AWS": ["arn:aws:iam::111122223333:role/restore-drill"]},
            "action": "sts:AssumeRole",
            "condition": None,
        }
    ]


def test_a_stale_secret_and_a_product_path(clone: Path) -> None:
    report = report_of(clone / "Pulumi.flashfusion-staging.yaml", "2027-02-01")
    status = {s["name"]: s["status"] for s in report["secrets"]}
    assert (status["KEYRING_TOKEN"], status["STRIPE_SECRET_KEY"], status["OPENAI_API_KEY"]) == (
        "ok",
        "stale",
        "on demand",
    )
    assert (report["stack"], report["stackFile"]) == (
        "flashfusion-staging",
        "Pulumi.flashfusion-staging.yaml",
    )


def test_a_stack_file_outside_git_is_audited_without_history(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.staging.yaml"
    stack.write_text((ROOT / "Pulumi.staging.yaml").read_text())
    report = report_of(stack, "2026-11-23")
    assert (report["stackFile"], report["history"]) == (str(stack), [])
    items = file_config("staging")["platform:secrets"]["items"]
    assert sorted(s["name"] for s in report["secrets"]) == sorted(items)
    assert "fail" not in {c["status"] for c in report["controls"]}


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("platform:secrets.items.SECRET_KEY.rotation.generation", "rotation of SECRET_KEY"),
        ("platform:fly.regions.iad", "scaling"),
        ("platform:vercel.maintenanceMode", "maintenance"),
        ("platform:backups.retentionDays", "setting"),
    ],
)
def test_changes_are_named_by_kind(key: str, kind: str) -> None:
    assert kind_of(key) == kind


def test_a_production_database_without_backups_or_drill_fails_unless_the_file_says_where() -> None:
    """Runbook 001's quarterly restore tests: the Supabase products name the provider's backups."""
    from ops.commands.audit import audit, recovery_control
    from ops.offline.synth import load_stack_file
    from tests.helpers import TODAY, load_with

    flash = audit(load_stack_file("flashfusion-prod"), TODAY)
    control = next(c for c in flash["controls"] if c["id"] == "database-backed-up-and-drilled")
    assert (control["status"], control["level"], control["resources"]) == ("pass", "mandatory", ["postgres_app"])
    assert flash["recovery"]["elsewhere"] == "Supabase's own backups; runbook 004 restores from the Supabase dashboard"
    # without the statement, the gap fails the control, naming what is missing
    silent = load_with(
        "prod", {"platform:backups": None, "platform:postgres": {"restoreDrill": None, "backupJob": None}}
    )
    assert recovery_control(silent) == {
        "id": "database-backed-up-and-drilled",
        "fsbp": None,
        "control": "Production databases are backed up and restore-tested (runbook 001: quarterly restore tests)",
        "level": "mandatory",
        "status": "fail",
        "resources": ["learning_accelerator"],
        "failures": ["no platform:backups, postgres.backupJob, postgres.restoreDrill, and no recoveryElsewhere"],
    }
    # prod itself backs up and drills; staging is not held to it
    prod = recovery_control(load_with("prod", {}))
    assert prod is not None and prod["status"] == "pass"
    assert recovery_control(load_with("staging", {})) is None

"""`python -m ops audit`: controls with FSBP IDs, secrets' ages, roles, recovery, and the stack file's git history."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.audit import kind_of
from ops.stackfile import ROOT


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def audit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops", "audit", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone with two more commits to the prod stack file: a rotation, then maintenance mode."""
    repo = tmp_path_factory.mktemp("audit") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    git(repo, "config", "user.email", "platform@example.com")
    git(repo, "config", "user.name", "Platform Engineer")
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
    yield repo


def test_the_report_has_every_section_and_every_control_passes(clone: Path) -> None:
    done = audit(clone, "prod", "--today", "2026-11-23")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for heading in ("## Controls", "## Secrets", "## Roles", "## Recovery", "## History of the stack file"):
        assert heading in text
    assert "| S3 buckets keep versions | S3.14 | mandatory | pass |" in text
    assert "| KMS keys rotate automatically | KMS.4 | mandatory | pass | keys-alerts, keys-general |" in text
    assert "| SNS topics are encrypted with a customer-managed key | SNS.1 | mandatory | pass |" in text
    assert "| CRON_SECRET | generated | 3 | 2026-11-20 | 3 | 90 d | ok |" in text
    assert "| OPENAI_API_KEY | provided | 1 | 2026-08-01 | 114 | on demand | on demand |" in text
    assert "- retentionDays: 30" in text and "- rtoHours: 4" in text and "- replicaRegion: us-west-2" in text


@pytest.fixture(scope="module")
def prod_report(clone: Path) -> dict[str, Any]:
    done = audit(clone, "prod", "--format", "json", "--today", "2026-11-23")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


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
    report = json.loads(
        audit(clone, "products/flashfusion/Pulumi.staging.yaml", "--format", "json", "--today", "2027-02-01").stdout
    )
    status = {s["name"]: s["status"] for s in report["secrets"]}
    assert (status["KEYRING_TOKEN"], status["STRIPE_SECRET_KEY"], status["OPENAI_API_KEY"]) == (
        "ok",
        "stale",
        "on demand",
    )
    assert report["stack"] == "flashfusion-staging"


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

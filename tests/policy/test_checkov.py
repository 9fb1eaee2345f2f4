"""A second opinion on the AWS resources: checkov's Terraform-plan checks over the offline plan of prod.

The plan view (ops/offline/tfplan.py) has no references between resources, so checkov's checks that link a
bucket to its separate versioning, encryption or public-access resources cannot pass on it; those
settings are asserted exactly in tests/backups/test_backups.py. Every other AWS check runs here.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path

import pytest

from ops.offline.stackfile import ROOT
from ops.offline.synth import Synth
from ops.offline.tfplan import as_terraform_plan
from tests.helpers import ROLE, synth_with

# .ci/run installs checkov into a venv of its own: its pins clash with Pulumi's
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"
OLD_READER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    ],
}
Report = dict[str, list[tuple[str, str]]]


def checkov(plans: dict[str, Synth], tmp_path: Path) -> dict[str, Report]:
    """One checkov run (its start-up is most of its time) over several plans; a report per plan."""
    files = []
    for name, synth in plans.items():
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(as_terraform_plan(synth))
    argv = [str(CHECKOV), "-f", *map(str, files), "--framework", "terraform_plan", "-o", "json", "--skip-download"]
    argv += ["--soft-fail", "--compact"]
    # offline: no guideline download
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(result.stdout)["results"]
    assert results["parsing_errors"] == []
    return {
        name: {
            outcome: sorted(
                (c["check_id"], c["resource"])
                for c in results[f"{outcome}_checks"]
                if c["file_path"] == f"/{name}.json"
            )
            for outcome in ("passed", "failed")
        }
        for name in plans
    }


@pytest.fixture(scope="module")
def reports(prod: Synth, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Prod as it is, and prod with the trust the backup reader had before issue 8."""
    before = copy.deepcopy(prod)
    before.get(ROLE, "backup-access-reader").inputs["assumeRolePolicy"] = json.dumps(OLD_READER_TRUST)
    plans = {"prod": prod, "old-trust": before, "flashfusion-prod": synth_with("flashfusion-prod")}
    return checkov(plans, tmp_path_factory.mktemp("checkov"))


def test_no_role_of_prod_trusts_a_whole_account(reports: dict[str, Report]) -> None:
    assert [f for f in reports["prod"]["failed"] if f[0] == "CKV_AWS_61"] == []


def test_alerting_keys_and_iam_pass_every_check(reports: dict[str, Report]) -> None:
    kinds = ("aws_sns", "aws_cloudwatch", "aws_kms", "aws_iam", "aws_chatbot", "aws_route53")
    assert [f for f in reports["prod"]["failed"] if f[1].startswith(kinds)] == []
    passed = set(reports["prod"]["passed"])
    # SNS topics encrypted (CKV_AWS_26), alarms with actions enabled (CKV_AWS_319), KMS rotation (CKV_AWS_7)
    assert {r for c, r in passed if c == "CKV_AWS_26"} == {
        f"aws_sns_topic.alerts_routing_{level}" for level in ("p1", "p2", "p3", "watchdog")
    }
    assert len({r for c, r in passed if c == "CKV_AWS_319"}) == 16
    assert {r for c, r in passed if c == "CKV_AWS_7"} == {
        f"aws_kms_key.keys_{p}" for p in ("general", "alerts", "watchdog", "general_replica")
    }


def test_the_check_catches_the_trust_the_reader_had_before(reports: dict[str, Report]) -> None:
    failed_61 = [f for f in reports["old-trust"]["failed"] if f[0] == "CKV_AWS_61"]
    assert failed_61 == [("CKV_AWS_61", "aws_iam_role.backup_access_reader")]


def test_the_canaries_role_and_alarms_pass_every_check_and_their_buckets_fail_none_the_backups_pass(
    reports: dict[str, Report],
) -> None:
    """Issue 20's resources: FlashFusion's canaries. Their buckets are HardenedBuckets like the backups', so
    they fail the same checks: those that link a bucket to its separate resources (the plan view has no
    references). No other."""
    report = reports["flashfusion-prod"]
    failed = [(c, r) for c, r in report["failed"] if r.split(".")[1].startswith("synthetics")]
    assert [f for f in failed if not f[1].startswith("aws_s3_bucket.")] == []
    backups = {
        c
        for c, r in reports["prod"]["failed"]
        if r in ("aws_s3_bucket.backups", "aws_s3_bucket_lifecycle_configuration.backups")
    }
    assert {c for c, _ in failed} <= backups
    passed = set(report["passed"])
    assert {r for c, r in passed if c == "CKV_AWS_319"} >= {
        f"aws_cloudwatch_metric_alarm.synthetics_golden_{p}_failing" for p in ("auth", "content", "campaign")
    }
    # the canary role's policy: no wildcard action, no write without a constraint, no exfiltration
    assert {c for c, r in passed if r == "aws_iam_role_policy.synthetics_canary"} == {
        "CKV_AWS_62",
        "CKV_AWS_63",
        "CKV_AWS_286",
        "CKV_AWS_287",
        "CKV_AWS_288",
        "CKV_AWS_289",
        "CKV_AWS_290",
        "CKV_AWS_355",
        "CKV2_AWS_40",
    }


def test_every_lifecycle_configuration_aborts_uploads_across_the_bucket(reports: dict[str, Report]) -> None:
    """CKV_AWS_300 passes only an abort rule no filter narrows: HardenedBucket's own, beside rules scoped to
    postgres/, drills/, runs/ and code/ that abort nothing."""
    for stack in ("prod", "flashfusion-prod"):
        assert [f for f in reports[stack]["failed"] if f[0] == "CKV_AWS_300"] == []
    assert sorted(r for c, r in reports["prod"]["passed"] if c == "CKV_AWS_300") == [
        f"aws_s3_bucket_lifecycle_configuration.{name}"
        for name in ("backups", "backups_access_logs", "backups_replica", "backups_replica_access_logs")
    ]

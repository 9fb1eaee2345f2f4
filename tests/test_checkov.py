"""A second opinion on the AWS resources: checkov's Terraform-plan checks over the offline plan of prod."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from ops.synth import Synth
from ops.tfplan import as_terraform_plan
from tests.helpers import ROLE

CHECKOV = Path(sys.executable).parent / "checkov"
OLD_READER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
    ],
}


def checkov(synth: Synth, tmp_path: Path, check: str) -> dict[str, list[str]]:
    plan = tmp_path / "plan.json"
    plan.write_text(as_terraform_plan(synth))
    # offline: no guideline download, no telemetry
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(
        [
            str(CHECKOV),
            "-f",
            str(plan),
            "--framework",
            "terraform_plan",
            "--check",
            check,
            "-o",
            "json",
            "--skip-download",
            "--quiet",
            "--soft-fail",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    results = report.get("results", {}) if isinstance(report, dict) else {}
    return {
        outcome: sorted(c["resource"] for c in results.get(f"{outcome}_checks", [])) for outcome in ("passed", "failed")
    }


def test_no_role_of_prod_trusts_a_whole_account(prod: Synth, tmp_path: Path) -> None:
    # checkov reports CKV_AWS_61 only for roles it judges; the next test shows it judges this plan's roles
    assert checkov(prod, tmp_path, "CKV_AWS_61")["failed"] == []


def test_the_check_catches_the_trust_the_reader_had_before(prod: Synth, tmp_path: Path) -> None:
    before = copy.deepcopy(prod)
    before.get(ROLE, "backup-access-reader").inputs["assumeRolePolicy"] = json.dumps(OLD_READER_TRUST)
    assert checkov(before, tmp_path, "CKV_AWS_61")["failed"] == ["aws_iam_role.backup_access_reader"]

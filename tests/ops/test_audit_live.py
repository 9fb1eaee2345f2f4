"""`ops audit prod --live` against moto's server: keys found by alias with their rotation, the newest backups
with their encryption, the bucket's lock and replication, the freshness alarm, and the drill records,
with the quarterly-drill control failing until a drill has passed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ops.__main__ import main
from ops.offline.synth import Synth
from tests.helpers import in_process
from tests.servers import S3, moto_server

pytestmark = pytest.mark.integration

BUCKET = "learning-accelerator-backups-live"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def account(prod: Synth) -> Iterator[S3]:
    with moto_server() as server:
        aliases = prod.outputs["kmsKeyAliases"]
        for purpose, alias in aliases.items():
            region = "us-west-2" if purpose == "general-replica" else "us-east-1"
            kms: Any = server.client("kms", region)
            key = kms.create_key(Description=purpose)["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=alias, TargetKeyId=key)
            if purpose != "watchdog":  # one key left unrotated, as a drifted account would have it
                kms.enable_key_rotation(KeyId=key)
            if purpose == "general":
                kms.rotate_key_on_demand(KeyId=key)
        s3: Any = server.client("s3", "us-east-1")
        s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
            },
        )
        s3.put_bucket_replication(
            Bucket=BUCKET,
            ReplicationConfiguration={
                "Role": "arn:aws:iam::123456789012:role/platform/replication",
                "Rules": [
                    {
                        "ID": "replicate-all",
                        "Status": "Enabled",
                        "Priority": 1,
                        "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": "arn:aws:s3:::learning-accelerator-backups-replica"},
                    }
                ],
            },
        )
        for hours in (30, 6):  # yesterday's and this morning's dumps
            stamp = (NOW - dt.timedelta(hours=hours)).strftime("%Y%m%dT%H%M%SZ")
            s3.put_object(
                Bucket=BUCKET,
                Key=f"postgres/{stamp[:8]}/learning_accelerator-{stamp}.dump",
                Body=b"x" * 1000,
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId="alias/learning-accelerator-general-production",
            )
        cloudwatch: Any = server.client("cloudwatch", "us-east-1")
        cloudwatch.put_metric_alarm(
            AlarmName="learning-accelerator-production-backup-freshness",
            Namespace="Platform/Backups",
            MetricName="BackupSucceeded",
            Statistic="Sum",
            Period=3600,
            EvaluationPeriods=24,
            Threshold=1,
            ComparisonOperator="LessThanThreshold",
        )
        cloudwatch.set_alarm_state(
            AlarmName="learning-accelerator-production-backup-freshness",
            StateValue="ALARM",
            StateReason="no BackupSucceeded for 24 h",
        )
        record(s3, NOW - dt.timedelta(days=100), "passed")  # last quarter's: too old to count
        record(s3, NOW - dt.timedelta(days=10), "failed", "table courses is missing from the restored copy")
        yield server


def record(s3: Any, at: dt.datetime, outcome: str, reason: str | None = None) -> None:
    body: dict[str, Any] = {"at": at.isoformat(timespec="seconds"), "outcome": outcome, "reason": reason, "tables": {}}
    s3.put_object(Bucket=BUCKET, Key=f"drills/{at:%Y%m%dT%H%M%SZ}.json", Body=json.dumps(body).encode())


def audited(account: S3, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    for k, v in {
        "AWS_ENDPOINT_URL": account.endpoint,  # boto3 sends every client there
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(k, v)
    ran = in_process(main, ["audit", "prod", "--live", "--bucket", BUCKET, "--json"])
    return ran.returncode, json.loads(ran.stdout)


def test_the_keys_say_whether_they_rotate(account: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    _, report = audited(account, monkeypatch)
    keys = {k["purpose"]: k for k in report["live"]["keys"]}
    assert {p: (k["region"], k["rotationEnabled"], k["rotations"]) for p, k in keys.items()} == {
        "alerts": ("us-east-1", True, 0),
        "general": ("us-east-1", True, 1),
        "general-replica": ("us-west-2", True, 0),
        "watchdog": ("us-east-1", False, 0),
    }
    assert keys["general"]["lastRotation"] is not None and {k["source"] for k in keys.values()} == {"live"}


def test_the_newest_backups_their_encryption_lock_and_replication(account: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    _, report = audited(account, monkeypatch)
    backups = report["live"]["backups"]
    assert [(o["ageHours"], o["withinRpo"], o["encryption"], o["bytes"]) for o in backups["newest"]] == [
        (6.0, True, "aws:kms", 1000),
        (30.0, False, "aws:kms", 1000),  # older than prod's RPO of 24 h
    ]
    assert backups["objectLock"] == {"enabled": "Enabled", "Mode": "GOVERNANCE", "Days": 30}
    assert backups["replication"] == [{"id": "replicate-all", "status": "Enabled"}]
    alarm = report["live"]["freshnessAlarm"]
    assert (alarm["alarm"], alarm["state"]) == ("learning-accelerator-production-backup-freshness", "ALARM")
    # moto has no DescribeAlarmHistory: the report says the endpoint could not answer, rather than nothing
    assert "error" in alarm["history"]


def test_no_drill_passed_this_quarter_fails_the_control_until_one_does(
    account: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, report = audited(account, monkeypatch)
    control = next(c for c in report["controls"] if c["id"] == "restore-drills-passed")
    assert (code, control["status"], control["source"]) == (3, "fail", "live")
    assert control["failures"] == [{"resource": "drills/", "reason": "1 drill(s) in the last 92 days, none passed"}]
    assert [d["outcome"] for d in report["live"]["drills"]] == ["failed", "passed"]  # newest first
    record(account.client("s3", "us-east-1"), NOW - dt.timedelta(hours=1), "passed")
    code, report = audited(account, monkeypatch)
    control = next(c for c in report["controls"] if c["id"] == "restore-drills-passed")
    assert (code, control["status"], len(control["resources"])) == (0, "pass", 2)


def test_the_readme_gives_the_auditors_policy_as_the_code_needs_it() -> None:
    import re

    from ops.commands.audit_live import AUDITOR_ACTIONS
    from ops.offline.stackfile import ROOT

    text = (ROOT / "README.md").read_text()
    block = re.search(r"\(`AUDITOR_ACTIONS` in `ops/commands/audit_live.py`\):\n\n```json\n(.*?)```", text, re.S)
    assert block is not None
    assert json.loads(block.group(1)) == list(AUDITOR_ACTIONS)

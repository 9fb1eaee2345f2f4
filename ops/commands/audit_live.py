"""`ops audit <stack> --live`: what the AWS account says, read-only, with the caller's credentials, in the
stack's regions. Every fact is tagged `live`.

- each key's rotation status and its rotations (GetKeyRotationStatus, ListKeyRotations), found by alias;
- the newest backups: their encryption, KMS key, size and age against the RPO (ListObjectsV2, HeadObject);
- the bucket's object lock and replication (GetObjectLockConfiguration, GetBucketReplication);
- the backup-freshness alarm: its state, and its history where the endpoint has one (DescribeAlarms,
  DescribeAlarmHistory);
- the restore drills' records under drills/ (GetObject), and a control that fails when none passed
  within the quarter (runbook 000's quarterly restore tests).

The IAM policy it needs is `AUDITOR_ACTIONS`, on the stack's keys, backup bucket and alarms.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from components.shared.stack import StackConfig
from jobs.common import stamp_of
from ops.offline.synth import Synth
from policy.frameworks import control_row

LIVE = "live"
QUARTER = dt.timedelta(days=92)
NEWEST = 3
AUDITOR_ACTIONS = (
    "kms:DescribeKey",
    "kms:GetKeyRotationStatus",
    "kms:ListKeyRotations",
    "s3:ListBucket",
    "s3:GetObject",  # the drill records (drills/*) only: the bucket policy denies the dumps to all but the reader
    "s3:GetObjectAttributes",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetReplicationConfiguration",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DescribeAlarmHistory",
)


def _client(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


def _error(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return f"{code}: {response.get('Error', {}).get('Message', '')}".strip() if code else str(exc)


def keys(aliases: dict[str, str], regions: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for purpose, alias in sorted(aliases.items()):
        kms = _client("kms", regions[purpose])
        try:
            key_id = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
            enabled = kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
            rotations = kms.list_key_rotations(KeyId=key_id).get("Rotations", [])
        except Exception as exc:
            out.append({"purpose": purpose, "alias": alias, "error": _error(exc), "source": LIVE})
            continue
        last = max((r["RotationDate"] for r in rotations), default=None)
        out.append(
            {
                "purpose": purpose,
                "alias": alias,
                "region": regions[purpose],
                "rotationEnabled": enabled,
                "rotations": len(rotations),
                "lastRotation": last.isoformat() if last else None,
                "source": LIVE,
            }
        )
    return out


def backups(bucket: str, prefix: str, region: str, rpo_hours: int | None, now: dt.datetime) -> dict[str, Any]:
    s3 = _client("s3", region)
    out: dict[str, Any] = {"bucket": bucket, "region": region, "source": LIVE}
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    except Exception as exc:
        return {**out, "error": _error(exc)}
    dated = sorted(((stamp, key) for key in keys if (stamp := stamp_of(key)) is not None), reverse=True)
    newest = []
    for stamp, key in dated[:NEWEST]:
        head = s3.head_object(Bucket=bucket, Key=key)
        age = (now - stamp).total_seconds() / 3600
        newest.append(
            {
                "key": key,
                "ageHours": round(age, 1),
                "withinRpo": rpo_hours is None or age <= rpo_hours,
                "encryption": head.get("ServerSideEncryption"),
                "kmsKey": head.get("SSEKMSKeyId"),
                "bytes": head["ContentLength"],
                "replication": head.get("ReplicationStatus"),
            }
        )
    out["newest"] = newest
    try:
        lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        retention = lock.get("Rule", {}).get("DefaultRetention", {})
        # a retention is in Days or in Years; moto also sends the unset one as 0
        out["objectLock"] = {"enabled": lock.get("ObjectLockEnabled"), **{k: v for k, v in retention.items() if v}}
    except Exception as exc:
        out["objectLock"] = {"error": _error(exc)}
    try:
        rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        out["replication"] = [{"id": r.get("ID"), "status": r["Status"]} for r in rules]
    except Exception as exc:
        out["replication"] = {"error": _error(exc)}
    return out


def drills(bucket: str, region: str) -> list[dict[str, Any]]:
    s3 = _client("s3", region)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="drills/").get("Contents", [])
    records = []
    for o in sorted(listed, key=lambda o: o["Key"], reverse=True):
        record = json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
        records.append({"key": o["Key"], **record, "source": LIVE})
    return records


def freshness_alarm(name: str, now: dt.datetime, days: int) -> dict[str, Any]:
    cloudwatch = _client("cloudwatch", "us-east-1")
    out: dict[str, Any] = {"alarm": name, "source": LIVE}
    found = cloudwatch.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
    if not found:
        return {**out, "error": "no such alarm"}
    out |= {"state": found[0]["StateValue"], "since": found[0]["StateUpdatedTimestamp"].isoformat()}
    try:
        items = cloudwatch.describe_alarm_history(
            AlarmName=name, HistoryItemType="StateUpdate", StartDate=now - dt.timedelta(days=days), EndDate=now
        ).get("AlarmHistoryItems", [])
        out["history"] = [{"at": i["Timestamp"].isoformat(), "summary": i["HistorySummary"]} for i in items]
    except Exception as exc:
        out["history"] = {"error": _error(exc)}
    return out


def drill_control(records: list[dict[str, Any]], now: dt.datetime) -> dict[str, Any]:
    recent = [r for r in records if dt.datetime.fromisoformat(r["at"]) >= now - QUARTER]
    passed = [r for r in recent if r["outcome"] == "passed"]
    failures = [{"resource": "drills/", "reason": f"{len(recent)} drill(s) in the last 92 days, none passed"}]
    return control_row(
        "restore-drills-passed",
        "A restore drill passed within the last quarter (runbook 000: quarterly restore tests)",
        True,
        [r["key"] for r in recent],
        [] if passed else failures,
        LIVE,
    )


def live_evidence(cfg: StackConfig, synth: Synth, bucket: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the account says (ops.commands.audit_live), and the controls only it can answer."""
    now = dt.datetime.now(dt.UTC)
    regions = {
        r.name.split("-", 1)[1]: r.inputs.get("region") or cfg.aws_region for r in synth.of_type("aws:kms/alias:Alias")
    }
    out: dict[str, Any] = {"keys": keys(synth.outputs.get("kmsKeyAliases") or {}, regions)}
    controls = []
    if cfg.backups is not None and bucket is not None:
        drill = cfg.postgres.restore_drill if cfg.postgres else None
        rpo = drill.rpo_hours if drill else None
        out["backups"] = backups(bucket, cfg.backups.prefix, cfg.aws_region, rpo, now)
        out["drills"] = drills(bucket, cfg.aws_region)
        controls.append(drill_control(out["drills"], now))
    alarms = [a for a in synth.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.endswith("backup-freshness")]
    if alarms:
        out["freshnessAlarm"] = freshness_alarm(str(alarms[0].inputs["name"]), now, days=92)
    return out, controls

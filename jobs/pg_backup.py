"""The nightly backup of runbooks 000 and 002: `pg_dump` in custom format to S3, then the freshness metric.

Settings come from the environment (the Fly machine's config and secrets): PGHOST, PGPORT,
PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, BACKUP_BUCKET, BACKUP_PREFIX, APP, ENVIRONMENT, AWS_REGION,
METRICS_REGION; AWS credentials from the default chain (on Fly: AWS_ROLE_ARN and Fly's OIDC token).
Exits 1 with one line on stderr on any failure. Nothing half-done is left where a restore would find it:
the dump is checked before upload, and an S3 object appears only once its upload completed.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from jobs.common import STAMP, JobError, aws_client, psql, run, s3_client, s3_error, setting

METRIC_NAMESPACE = "Platform/Backups"
METRIC_NAME = "BackupSucceeded"


def backup(env: Mapping[str, str], now: dt.datetime) -> str:
    bucket, prefix = setting(env, "BACKUP_BUCKET"), env.get("BACKUP_PREFIX", "")
    database = setting(env, "PGDATABASE")
    tables = psql(env, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    if tables == "0":
        raise JobError(f"database {database} has no tables; refusing to store an empty backup (is PGDATABASE right?)")
    key = f"{prefix}{now:%Y-%m-%d}/{database}-{now.strftime(STAMP)}.dump"
    s3 = s3_client(env)
    try:
        s3.head_bucket(Bucket=bucket)  # fail before the dump, not after an hour of it
    except Exception as exc:
        raise s3_error(exc, bucket) from None
    with tempfile.TemporaryDirectory(prefix="pg-backup-") as tmp:
        dump = Path(tmp) / "backup.dump"
        # custom format: compressed, and pg_restore can restore it selectively
        run(["pg_dump", "--format=custom", "--compress=6", "--file", str(dump)], env, "pg_dump")
        run(["pg_restore", "--list", str(dump)], env, "checking the dump with pg_restore --list")
        try:
            # an object exists only once the whole upload completed; an aborted one leaves nothing
            s3.upload_file(str(dump), bucket, key, ExtraArgs={"ChecksumAlgorithm": "SHA256"})
            size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except Exception as exc:
            raise s3_error(exc, bucket) from None
        if size != dump.stat().st_size:
            raise JobError(f"s3://{bucket}/{key} has {size} bytes, the dump {dump.stat().st_size}")
    publish_success(env)
    return f"s3://{bucket}/{key}"


def publish_success(env: Mapping[str, str]) -> None:
    cloudwatch = aws_client(
        env, "cloudwatch", env.get("METRICS_REGION", "us-east-1"), env.get("CLOUDWATCH_ENDPOINT_URL")
    )
    try:
        cloudwatch.put_metric_data(
            Namespace=METRIC_NAMESPACE,
            MetricData=[
                {
                    "MetricName": METRIC_NAME,
                    "Dimensions": [
                        {"Name": "App", "Value": setting(env, "APP")},
                        {"Name": "Environment", "Value": setting(env, "ENVIRONMENT")},
                    ],
                    "Value": 1,
                    "Unit": "Count",
                }
            ],
        )
    except Exception as exc:
        # the backup is stored; the freshness alarm will page, and this says why
        raise JobError(f"the backup is stored, but publishing {METRIC_NAME} failed: {exc}") from None


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        where = backup(os.environ if env is None else env, dt.datetime.now(dt.UTC))
    except JobError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup stored at {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

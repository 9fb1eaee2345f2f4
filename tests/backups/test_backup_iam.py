"""The backup and restore jobs run as exactly the roles the plan declares, under moto's IAM enforcement.

The writer and reader policies are read from prod's offline plan (bucket ARN included) and attached to
roles in moto, whose every request is then checked against them. A job that needs a right the role
lacks fails here as it would on AWS.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ops.offline.synth import Synth
from tests.backup_helpers import APP_DB, job
from tests.helpers import ROLE_POLICY
from tests.servers import EnforcingAws, Postgres, enforcing_aws, postgres_server, side_by_side

pytestmark = pytest.mark.integration

PREFIX = "postgres/"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Postgres, EnforcingAws]]:
    with side_by_side(postgres_server(), enforcing_aws()) as (pg, aws):
        yield pg, aws


@pytest.fixture(scope="module")
def declared(prod: Synth) -> dict[str, Any]:
    return {
        "bucket": prod.outputs["backupBucket"],
        "writer": prod.get(ROLE_POLICY, "backup-access-writer").inputs["policy"],
        "reader": prod.get(ROLE_POLICY, "backup-access-reader").inputs["policy"],
        "key": prod.outputs["kmsKeyArns"]["general"],  # production backups are SSE-KMS with the general key
    }


@pytest.fixture(scope="module")
def world(servers: tuple[Postgres, EnforcingAws], declared: dict[str, Any]) -> dict[str, Any]:
    pg, aws = servers
    admin = aws.client("s3")
    # as the stack declares the bucket: versioned, object lock on
    admin.create_bucket(Bucket=declared["bucket"], ObjectLockEnabledForBucket=True)
    admin.put_bucket_versioning(Bucket=declared["bucket"], VersioningConfiguration={"Status": "Enabled"})
    pg.sql(f"CREATE DATABASE {APP_DB}")
    pg.sql(
        "CREATE TABLE users (id serial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());"
        "INSERT INTO users SELECT FROM generate_series(1, 40);"
        "CREATE TABLE courses (id serial PRIMARY KEY, title text);"
        "INSERT INTO courses (title) VALUES ('Pulumi');",
        APP_DB,
    )
    # KMS picks a key's ID at creation: the declared policies name moto's key in place of the plan's
    key = aws.client("kms").create_key(Description="general")["KeyMetadata"]["Arn"]
    admin.put_bucket_encryption(  # the bucket's default, as HardenedBucket declares it in production
        Bucket=declared["bucket"],
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
        },
    )
    return {
        "pg": pg,
        "aws": aws,
        "bucket": declared["bucket"],
        "key": key,
        "writer": aws.identity("backup-writer", declared["writer"].replace(declared["key"], key)),
        "reader": aws.identity("backup-reader", declared["reader"].replace(declared["key"], key)),
    }


def job_env(world: dict[str, Any], keys: dict[str, str], **extra: str) -> dict[str, str]:
    settings = {"BACKUP_BUCKET": world["bucket"], "BACKUP_PREFIX": PREFIX}
    return {**world["pg"].env(APP_DB), **world["aws"].env(keys), **settings, **extra}


def backup_as_writer(world: dict[str, Any], **extra: str) -> Any:
    settings = {"APP": "learning-accelerator", "ENVIRONMENT": "production", "BACKUP_KMS_KEY_ARN": world["key"], **extra}
    return job("pg_backup", job_env(world, world["writer"], **settings))


def denied(call: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call()
    return str(exc.value.response["Error"]["Code"])


def test_the_writer_policy_is_what_the_job_calls(declared: dict[str, Any]) -> None:
    bucket = declared["bucket"]
    assert json.loads(declared["writer"])["Statement"] == [
        {
            "Sid": "PutNewBackups",
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{bucket}/{PREFIX}*",
        },
        {"Sid": "PublishBackupMetric", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        {
            "Sid": "EncryptBackups",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": declared["key"],
        },
    ]


def test_the_backup_job_runs_as_the_declared_writer(world: dict[str, Any]) -> None:
    done = backup_as_writer(world)
    assert done.returncode == 0, done.stderr
    admin = world["aws"].client("s3")
    keys = [o["Key"] for o in admin.list_objects_v2(Bucket=world["bucket"], Prefix=PREFIX)["Contents"]]
    assert len(keys) == 1 and done.stdout.strip() == f"backup stored at s3://{world['bucket']}/{keys[0]}"
    head = admin.head_object(Bucket=world["bucket"], Key=keys[0])
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", world["key"])
    stats = (
        world["aws"]
        .client("cloudwatch")
        .get_metric_statistics(
            Namespace="Platform/Backups",
            MetricName="BackupSucceeded",
            Dimensions=[
                {"Name": "App", "Value": "learning-accelerator"},
                {"Name": "Environment", "Value": "production"},
            ],
            StartTime=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
            Period=3600,
            Statistics=["Sum"],
        )
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1


def test_the_writer_cannot_read_list_delete_or_write_elsewhere(world: dict[str, Any]) -> None:
    assert backup_as_writer(world).returncode == 0
    admin, bucket = world["aws"].client("s3"), world["bucket"]
    key = admin.list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"][0]["Key"]
    writer = world["aws"].client("s3", world["writer"])
    assert denied(lambda: writer.get_object(Bucket=bucket, Key=key)) == "AccessDenied"
    assert denied(lambda: writer.delete_object(Bucket=bucket, Key=key)) == "AccessDenied"
    assert denied(lambda: writer.list_objects_v2(Bucket=bucket)) == "AccessDenied"
    assert denied(lambda: writer.put_object(Bucket=bucket, Key="elsewhere/x.dump", Body=b"x")) == "AccessDenied"


def test_a_failed_dump_aborts_its_upload_as_the_writer(world: dict[str, Any]) -> None:
    pg = world["pg"]
    # A login that sees the catalog but may not read a table: pg_dump fails after the upload started.
    pg.sql("CREATE ROLE nosy LOGIN PASSWORD 'nosy-password'")
    admin, bucket = world["aws"].client("s3"), world["bucket"]
    before = admin.list_objects_v2(Bucket=bucket, Prefix=PREFIX).get("KeyCount", 0)
    done = backup_as_writer(world, PGUSER="nosy", PGPASSWORD="nosy-password")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "backup failed: pg_dump failed: pg_dump: error: query failed: ERROR: permission denied"
    )
    assert admin.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert admin.list_objects_v2(Bucket=bucket, Prefix=PREFIX).get("KeyCount", 0) == before


DRILL = {"DRILL_TABLES": "users:created_at,courses", "RPO_HOURS": "24", "RTO_HOURS": "4"}
STACK = {"APP": "learning-accelerator", "ENVIRONMENT": "production"}


def drill_records(world: dict[str, Any]) -> list[dict[str, Any]]:
    admin = world["aws"].client("s3")
    listed = admin.list_objects_v2(Bucket=world["bucket"], Prefix="drills/").get("Contents", [])
    return [
        {"key": o["Key"], **json.loads(admin.get_object(Bucket=world["bucket"], Key=o["Key"])["Body"].read())}
        for o in sorted(listed, key=lambda o: o["Key"])
    ]


def drills_counted(world: dict[str, Any]) -> float:
    stats = (
        world["aws"]
        .client("cloudwatch")
        .get_metric_statistics(
            Namespace="Platform/Backups",
            MetricName="RestoreDrillSucceeded",
            Dimensions=[{"Name": "App", "Value": STACK["APP"]}, {"Name": "Environment", "Value": STACK["ENVIRONMENT"]}],
            StartTime=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
            Period=3600,
            Statistics=["Sum"],
        )
    )
    return float(sum(p["Sum"] for p in stats["Datapoints"]))


def test_the_restore_drill_runs_as_the_declared_reader_and_leaves_its_evidence(world: dict[str, Any]) -> None:
    assert backup_as_writer(world).returncode == 0
    settings = {"DRILL_DATABASE_URL": world["pg"].url("postgres"), **DRILL, **STACK}
    before = drill_records(world)
    done = job("restore_drill", job_env(world, world["reader"], **settings))
    assert done.returncode == 0, done.stderr
    (record,) = [r for r in drill_records(world) if r not in before]
    assert done.stdout.rstrip().endswith(
        f"within the RTO of 4 h; users: 40 rows, courses: 1 rows; recorded at s3://{world['bucket']}/{record['key']}"
    )
    assert re.fullmatch(r"drills/\d{8}T\d{6}Z\.json", record["key"])
    assert {k: record[k] for k in ("outcome", "reason", "rpoHours", "rtoHours", "tables")} == {
        "outcome": "passed",
        "reason": None,
        "rpoHours": 24,
        "rtoHours": 4,
        "tables": {"users": 40, "courses": 1},
    }
    assert record["backup"].startswith(PREFIX) and 0 <= record["backupAgeHours"] < 1
    assert list(record["phases"]) == ["find", "download and restore", "checks"]
    assert drills_counted(world) == 1
    # the record is written under the bucket's SSE-KMS default, with the declared key
    head = world["aws"].client("s3").head_object(Bucket=world["bucket"], Key=record["key"])
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", world["key"])
    reader, bucket = world["aws"].client("s3", world["reader"]), world["bucket"]
    key = world["aws"].client("s3").list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"][0]["Key"]
    # the reader may add a record, and nothing else: no backup, no overwrite of a dump, no delete
    assert denied(lambda: reader.put_object(Bucket=bucket, Key=f"{PREFIX}forged.dump", Body=b"x")) == "AccessDenied"
    assert denied(lambda: reader.put_object(Bucket=bucket, Key=key, Body=b"x")) == "AccessDenied"
    assert denied(lambda: reader.delete_object(Bucket=bucket, Key=key)) == "AccessDenied"
    assert denied(lambda: reader.delete_object(Bucket=bucket, Key=record["key"])) == "AccessDenied"


def test_a_failed_drill_records_its_failure_and_counts_nothing(world: dict[str, Any]) -> None:
    assert backup_as_writer(world).returncode == 0
    counted = drills_counted(world)
    before = drill_records(world)
    settings = {"DRILL_DATABASE_URL": world["pg"].url("postgres"), **DRILL, **STACK, "DRILL_TABLES": "missing_table"}
    done = job("restore_drill", job_env(world, world["reader"], **settings))
    assert done.returncode == 1
    (record,) = [r for r in drill_records(world) if r not in before]
    assert done.stderr.strip() == (
        "restore drill failed: table missing_table is missing from the restored copy; "
        f"recorded at s3://{world['bucket']}/{record['key']}"
    )
    assert (record["outcome"], record["reason"], record["tables"]) == (
        "failed",
        "table missing_table is missing from the restored copy",
        {},
    )
    assert drills_counted(world) == counted

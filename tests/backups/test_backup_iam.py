"""The backup and restore jobs run as exactly the roles the plan declares, under moto's IAM enforcement.

The writer and reader policies are read from prod's offline plan (bucket ARN included) and attached to
roles in moto, whose every request is then checked against them. A job that needs a right the role
lacks fails here as it would on AWS.
"""

from __future__ import annotations

import datetime as dt
import json
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


def test_the_restore_drill_runs_as_the_declared_reader(world: dict[str, Any]) -> None:
    assert backup_as_writer(world).returncode == 0
    settings = {
        "DRILL_DATABASE_URL": world["pg"].url("postgres"),
        "DRILL_TABLES": "users:created_at,courses",
        "RPO_HOURS": "24",
        "RTO_HOURS": "4",
    }
    done = job("restore_drill", job_env(world, world["reader"], **settings))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("within the RTO of 4 h; users: 40 rows, courses: 1 rows")
    reader, bucket = world["aws"].client("s3", world["reader"]), world["bucket"]
    key = world["aws"].client("s3").list_objects_v2(Bucket=bucket, Prefix=PREFIX)["Contents"][0]["Key"]
    assert denied(lambda: reader.put_object(Bucket=bucket, Key=f"{PREFIX}forged.dump", Body=b"x")) == "AccessDenied"
    assert denied(lambda: reader.delete_object(Bucket=bucket, Key=key)) == "AccessDenied"

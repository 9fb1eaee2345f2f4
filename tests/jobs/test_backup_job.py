"""The backup job and the restore drill against a real PostgreSQL server and moto's S3 server.

Marked `integration`: `python -m pytest -m integration` runs only these. .ci/run installs what they need.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import main as ops_main
from ops.offline.stackfile import ROOT
from tests.backup_helpers import (
    APP_DB,
    BUCKET,
    PREFIX,
    backup_env,
    drill_env,
    job,
    job_process,
    keys,
    scratch_databases,
)
from tests.servers import S3, Postgres, moto_server

RECORDED = r"recorded at s3://la-backups/drills/\d{8}T\d{6}Z\.json"  # the drill's evidence (jobs/restore_drill.py)

pytestmark = pytest.mark.integration


def test_round_trip_dump_upload_restore_verify(pg: Postgres, s3: S3, app_db: str) -> None:
    before = keys(s3)
    done = job_process("pg_backup", backup_env(pg, s3))
    assert done.returncode == 0, done.stderr
    added = sorted(set(keys(s3)) - set(before))
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert len(added) == 1 and added[0].startswith(f"{PREFIX}{today}/{APP_DB}-") and added[0].endswith(".dump")
    assert done.stdout.strip() == f"backup stored at s3://{BUCKET}/{added[0]}"
    # the freshness alarm's metric was published
    cloudwatch: Any = s3.client("cloudwatch")
    stats = cloudwatch.get_metric_statistics(
        Namespace="Platform/Backups",
        MetricName="BackupSucceeded",
        Dimensions=[{"Name": "App", "Value": "learning-accelerator"}, {"Name": "Environment", "Value": "production"}],
        StartTime=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) >= 1

    drilled = job_process("restore_drill", drill_env(pg, s3))
    assert drilled.returncode == 0, drilled.stderr
    assert drilled.stdout.startswith(f"restored {added[0]} (0.0 h old, ")
    # the time set against the RTO is the sum of every phase, the download included
    phases = r" bytes\) in [0-9.]+ s \(find [0-9.]+ s, download and restore [0-9.]+ s, checks [0-9.]+ s\)"
    assert re.search(phases, drilled.stdout)
    assert re.search(
        r"within the RTO of 4 h; users: 250 rows, courses: 2 rows; " + RECORDED + "$", drilled.stdout.rstrip()
    )
    assert scratch_databases(pg) == []


def test_the_server_is_down(pg: Postgres, s3: S3, app_db: str) -> None:
    before = keys(s3)
    env = backup_env(pg, s3, PGPORT="1")
    done = job("pg_backup", env)
    assert done.returncode == 1
    assert done.stderr.startswith("backup failed: psql failed: cannot reach the PostgreSQL server (")
    assert keys(s3) == before


def test_wrong_database_credentials(pg: Postgres, s3: S3, app_db: str) -> None:
    before = keys(s3)
    done = job("pg_backup", backup_env(pg, s3, PGPASSWORD="not-the-password"))
    assert (done.returncode, done.stderr.strip()) == (
        1,
        "backup failed: psql failed: PostgreSQL refused the credentials (password authentication failed)",
    )
    assert keys(s3) == before


def test_the_bucket_does_not_exist(pg: Postgres, s3: S3, app_db: str) -> None:
    done = job("pg_backup", backup_env(pg, s3, BACKUP_BUCKET="no-such-bucket"))
    assert (done.returncode, done.stderr.strip()) == (1, "backup failed: bucket no-such-bucket does not exist")


def test_s3_is_unreachable(pg: Postgres, s3: S3, app_db: str) -> None:
    done = job("pg_backup", backup_env(pg, s3, S3_ENDPOINT_URL="http://127.0.0.1:1"))
    assert done.returncode == 1
    assert done.stderr.startswith(f"backup failed: cannot reach S3 for CreateMultipartUpload on bucket {BUCKET}: ")


def test_s3_refuses_the_credentials(pg: Postgres, app_db: str) -> None:
    with moto_server(require_auth=True) as strict:
        done = job("pg_backup", backup_env(pg, strict))
    assert done.returncode == 1
    assert done.stderr.strip() in (
        f"backup failed: S3 refused the credentials for bucket {BUCKET} (InvalidAccessKeyId on CreateMultipartUpload)",
        f"backup failed: S3 refused the credentials for bucket {BUCKET} (403 on CreateMultipartUpload)",
    )


def test_an_empty_database_is_refused(pg: Postgres, s3: S3) -> None:
    pg.sql("CREATE DATABASE empty_one")
    before = keys(s3)
    done = job("pg_backup", backup_env(pg, s3, database="empty_one"))
    assert (done.returncode, done.stderr.strip()) == (
        1,
        "backup failed: database empty_one has no tables; refusing to store an empty backup (is PGDATABASE right?)",
    )
    assert keys(s3) == before


def test_a_backup_older_than_the_rpo_fails_the_drill(pg: Postgres, s3: S3, app_db: str) -> None:
    client: Any = s3.client()
    old_prefix = "stale/"
    client.put_object(Bucket=BUCKET, Key=f"{old_prefix}2026-11-01/{APP_DB}-20261101T020000Z.dump", Body=b"x")
    done = job("restore_drill", drill_env(pg, s3, BACKUP_PREFIX=old_prefix))
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"restore drill failed: the newest backup, {old_prefix}2026-11-01/{APP_DB}-20261101T020000Z.dump, is "
    )
    assert re.search(r"h old: older than the RPO of 24 h; " + RECORDED + "$", done.stderr.rstrip())


def test_the_scratch_database_is_dropped_when_a_check_fails(pg: Postgres, s3: S3, app_db: str) -> None:
    assert job("pg_backup", backup_env(pg, s3)).returncode == 0
    done = job("restore_drill", drill_env(pg, s3, DRILL_TABLES="users:created_at,missing_table"))
    assert done.returncode == 1
    assert re.fullmatch(
        r"restore drill failed: table missing_table is missing from the restored copy; " + RECORDED, done.stderr.strip()
    )
    assert scratch_databases(pg) == []


def test_ops_restore_drill_reads_the_stack_file_and_reports_against_the_rto(
    pg: Postgres,
    s3: S3,
    app_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert job("pg_backup", backup_env(pg, s3)).returncode == 0
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text((ROOT / "Pulumi.prod.yaml").read_text())
    # an operator's shell: S3's keys, no PG* settings; the target server comes from --target-url
    for key in [k for k in os.environ if k.startswith(("PG", "AWS_"))]:
        monkeypatch.delenv(key)
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    code = ops_main(["restore-drill", str(stack), "--bucket", BUCKET, "--target-url", pg.url()])
    out, err = capsys.readouterr()
    assert code == 0, err
    # the prod stack file's checks: users (with created_at) and courses; RTO 4 h from runbook 002
    assert re.search(r"within the RTO of 4 h; users: 250 rows, courses: 2 rows; " + RECORDED + "$", out.rstrip())
    assert scratch_databases(pg) == []
    monkeypatch.delenv("DRILL_DATABASE_URL", raising=False)
    code = ops_main(["restore-drill", str(stack), "--bucket", BUCKET])
    assert (code, capsys.readouterr().err.strip()) == (
        1,
        "ops: error: restore drill failed: pass --target-url (or set DRILL_DATABASE_URL): "
        "a server where the drill may create a database",
    )

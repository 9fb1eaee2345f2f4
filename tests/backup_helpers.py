"""What the backup-job tests share: the bucket, the fixtures' databases, the jobs' environments and runs."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

from ops.offline.stackfile import ROOT
from tests.helpers import Ran, in_process
from tests.servers import S3, Postgres

BUCKET = "la-backups"
PREFIX = "postgres/"
APP_DB = "learning_accelerator"


def job_process(module: str, env: dict[str, str]) -> Ran:
    """`python -m jobs.<module>`, as the backup machine runs it."""
    done = subprocess.run(
        [sys.executable, "-m", f"jobs.{module}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def job(module: str, env: dict[str, str]) -> Ran:
    """The job's `main` with this environment, in this process (the jobs read every setting, credentials
    included, from the mapping they are given)."""
    return in_process(importlib.import_module(f"jobs.{module}").main, env)


def backup_env(pg: Postgres, s3: S3, database: str = APP_DB, **extra: str) -> dict[str, str]:
    settings = {"BACKUP_BUCKET": BUCKET, "BACKUP_PREFIX": PREFIX, "APP": "learning-accelerator"}
    return {**pg.env(database), **s3.env(), **settings, "ENVIRONMENT": "production", **extra}


def drill_env(pg: Postgres, s3: S3, **extra: str) -> dict[str, str]:
    settings = {
        "DRILL_DATABASE_URL": pg.url("postgres"),
        "BACKUP_BUCKET": BUCKET,
        "BACKUP_PREFIX": PREFIX,
        "DRILL_TABLES": "users:created_at,courses",
        "RPO_HOURS": "24",
        "RTO_HOURS": "4",
        "APP": "learning-accelerator",  # the RestoreDrillSucceeded metric's dimensions
        "ENVIRONMENT": "production",
    }
    return {**pg.env("postgres"), **s3.env(), **settings, **extra}


def keys(s3: S3) -> list[str]:
    client: Any = s3.client()
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX).get("Contents", []))


def scratch_databases(pg: Postgres) -> list[str]:
    return pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'restore_drill_%'").split()

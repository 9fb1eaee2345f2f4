"""`ops restore-drill <stack>`: runbook 000's restore test, from an operator's shell or CI.

What to restore and check comes from the stack file (platform:postgres.restoreDrill, platform:backups.prefix);
where from and to are given here: the bucket (default: `pulumi stack output backupBucket`) and a server
the drill may create a scratch database on (--target-url, or DRILL_DATABASE_URL). AWS credentials come
from the default chain: use the backup reader role.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

from components.database.config import PostgresConfig
from components.shared.stack import environment_of_stack
from jobs.common import JobError, signals_and_deadline
from jobs.restore_drill import drill_and_record
from ops.offline.stackfile import StackFile


class DrillError(Exception):
    pass


def bucket_from_pulumi(stack: str) -> str:
    if shutil.which("pulumi") is None:
        raise DrillError("pass --bucket: the Pulumi CLI is not installed to read the stack output backupBucket")
    done = subprocess.run(
        ["pulumi", "stack", "output", "backupBucket", "--stack", stack], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise DrillError(f"pass --bucket: `pulumi stack output backupBucket --stack {stack}` gave nothing")
    return done.stdout.strip()


def restore_drill(stack_file: StackFile, bucket: str | None, target_url: str | None, now: dt.datetime) -> str:
    config = stack_file.config
    section = config.get("platform:postgres")
    if not isinstance(section, dict) or "restoreDrill" not in section:
        raise DrillError(f"{stack_file.path.name} declares no platform:postgres.restoreDrill")
    try:
        pg = PostgresConfig.model_validate(section)
    except ValueError as exc:
        raise DrillError(
            f"{stack_file.path.name}: platform:postgres is invalid; run `uv run ops plan {stack_file.stack}`: {exc}"
        ) from None
    assert pg.restore_drill is not None
    target = target_url or os.environ.get("DRILL_DATABASE_URL")
    if not target:
        raise DrillError(
            "pass --target-url (or set DRILL_DATABASE_URL): a server where the drill may create a database"
        )
    prefix = (config.get("platform:backups") or {}).get("prefix", "postgres/")
    env = {
        **os.environ,
        "APP": str(config.get("platform:app")),
        "ENVIRONMENT": environment_of_stack(stack_file.stack),
        "DRILL_DATABASE_URL": target,
        "BACKUP_BUCKET": bucket or bucket_from_pulumi(stack_file.stack),
        "BACKUP_PREFIX": prefix,
        **pg.restore_drill.job_env(pg.schema_name),
    }
    # the same evidence as the scheduled drill: a record in the bucket, passed or failed, and the metric
    try:
        with signals_and_deadline(pg.restore_drill.rto_hours * 3600):
            result, failure, where = drill_and_record(env, now)
    except JobError as exc:
        raise DrillError(str(exc)) from None
    if failure is not None or result is None:
        raise DrillError(f"{failure}; {where}")
    return f"{result.report()}; {where}"

"""Runbook 000's quarterly restore test: the newest backup, restored into a scratch database and checked.

Settings from the environment: DRILL_DATABASE_URL (a server where the drill may create a database),
BACKUP_BUCKET, BACKUP_PREFIX, DRILL_TABLES (`table[:timestamp column],…`), DRILL_SCHEMA, RPO_HOURS, RTO_HOURS,
AWS_REGION; AWS credentials of the backup reader role from the default chain. APP and ENVIRONMENT name the
stack in the RestoreDrillSucceeded metric (METRICS_REGION, default us-east-1).

Each drill leaves evidence: a JSON record under DRILL_RECORDS_PREFIX (default `drills/`) in the backup
bucket, passed or failed (when, which backup and its age, the tables checked, the restore time against
the RTO, the outcome), and, when it passed, one RestoreDrillSucceeded count.

The download streams into `pg_restore`, with no local file. The time compared with the RTO runs from
the start to the last check, and each phase is printed. The scratch database is dropped whatever
happens, on SIGTERM and SIGINT too (exit 143 or 130); one that a killed drill left behind is dropped
by the next run once it is a day old. Exits 1 with one line on stderr when anything fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jobs.common import (
    Doing,
    JobError,
    Stopped,
    explain,
    psql,
    publish_metric,
    s3_client,
    s3_error,
    setting,
    signals_and_deadline,
    stamp_of,
    stop_child,
)

SCRATCH = "restore_drill_"
SCRATCH_STAMP = "%Y%m%d%H%M%S"
LEFT_BEHIND = dt.timedelta(days=1)  # a younger scratch database may belong to a drill still running
CHUNK = 1024 * 1024
METRIC_NAME = "RestoreDrillSucceeded"
RECORDS = "drills/"


@dataclass(frozen=True)
class Result:
    key: str
    backup_age_hours: float
    phases: dict[str, float]  # phase -> seconds, in order
    size: int
    rto_hours: int
    rows: dict[str, int]

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def report(self) -> str:
        verdict = "within" if self.seconds <= self.rto_hours * 3600 else "OVER"
        phases = ", ".join(f"{p} {s:.1f} s" for p, s in self.phases.items())
        counts = ", ".join(f"{t}: {n} rows" for t, n in self.rows.items())
        return (
            f"restored {self.key} ({self.backup_age_hours:.1f} h old, {self.size} bytes) in {self.seconds:.1f} s "
            f"({phases}), {verdict} the RTO of {self.rto_hours} h; {counts}"
        )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def newest_backup(env: Mapping[str, str], s3: Any, now: dt.datetime, rpo_hours: int) -> tuple[str, float]:
    bucket, prefix = setting(env, "BACKUP_BUCKET"), env.get("BACKUP_PREFIX", "")
    Doing.now = "listing the backups (ListObjectsV2)"
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    except Exception as exc:
        raise s3_error(exc, bucket, "ListObjectsV2") from None
    dated = sorted((stamp, key) for key in keys if (stamp := stamp_of(key)) is not None)
    if not dated:
        raise JobError(f"no backup under s3://{bucket}/{prefix}")
    stamp, key = dated[-1]
    age = (now - stamp).total_seconds() / 3600
    if age > rpo_hours:
        raise JobError(f"the newest backup, {key}, is {age:.1f} h old: older than the RPO of {rpo_hours} h")
    return key, age


def drop_left_behind(env: Mapping[str, str], admin: str, now: dt.datetime) -> list[str]:
    """Scratch databases a killed drill could not drop, older than a day."""
    names = psql(env, f"SELECT datname FROM pg_database WHERE datname ~ '^{SCRATCH}[0-9]{{14}}$'", admin).split()
    old = []
    for name in names:
        made = dt.datetime.strptime(name.removeprefix(SCRATCH), SCRATCH_STAMP).replace(tzinfo=dt.UTC)
        if now - made > LEFT_BEHIND:
            drop_scratch(env, admin, name)
            old.append(name)
    return old


def stream_restore(env: Mapping[str, str], s3: Any, bucket: str, key: str, url: str) -> int:
    """GetObject's body straight into pg_restore; returns the bytes read."""
    Doing.now = f"downloading and restoring {key} (GetObject into pg_restore)"
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except Exception as exc:
        raise s3_error(exc, bucket, "GetObject") from None
    restore = subprocess.Popen(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", url],
        env=dict(env),
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert restore.stdin and restore.stderr
    size = 0
    try:
        try:
            for chunk in body.iter_chunks(CHUNK):
                size += len(chunk)
                try:
                    restore.stdin.write(chunk)
                except BrokenPipeError:  # pg_restore stopped: no need to download the rest; its status says why
                    break
        except Exception as exc:
            raise s3_error(exc, bucket, "GetObject (reading the body)") from None
        with contextlib.suppress(BrokenPipeError):
            restore.stdin.close()
        stderr = restore.stderr.read().decode(errors="replace")
        restore.wait()
    except BaseException:
        stop_child(restore)
        raise
    if restore.returncode != 0:
        raise JobError(f"pg_restore failed: {explain(stderr)}")
    return size


def check(
    env: Mapping[str, str], url: str, tables: list[tuple[str, str | None]], now: dt.datetime, rpo: int
) -> dict[str, int]:
    Doing.now = "checking the restored tables"
    rows = {}
    for table, column in tables:
        if psql(env, f"SELECT to_regclass('\"{table}\"') IS NOT NULL", url) != "t":
            raise JobError(f"table {table} is missing from the restored copy")
        rows[table] = int(psql(env, f'SELECT count(*) FROM "{table}"', url))
        if rows[table] == 0:
            raise JobError(f"table {table} is empty in the restored copy")
        if column:
            newest = psql(env, f'SELECT extract(epoch FROM max("{column}"))::bigint FROM "{table}"', url)
            age = (now.timestamp() - int(newest)) / 3600
            if age > rpo:
                raise JobError(f"the newest row of {table} is {age:.1f} h old: older than the RPO of {rpo} h")
    return rows


def drop_scratch(env: Mapping[str, str], admin: str, scratch: str) -> None:
    Doing.now = f"dropping the scratch database {scratch}"
    drop = f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'
    try:
        psql(env, drop, admin)
    except Stopped:
        psql(env, drop, admin)  # the signal cut the first try short; a second one is ignored
        raise


def drill(env: Mapping[str, str], now: dt.datetime, cleaned: list[str] | None = None) -> Result:
    admin = setting(env, "DRILL_DATABASE_URL")
    bucket = setting(env, "BACKUP_BUCKET")
    rpo, rto = int(env.get("RPO_HOURS", "24")), int(env.get("RTO_HOURS", "4"))
    tables = [(t.split(":")[0], t.split(":")[1] if ":" in t else None) for t in setting(env, "DRILL_TABLES").split(",")]
    phases: dict[str, float] = {}
    mark = time.monotonic()

    def lap(phase: str) -> None:
        nonlocal mark
        phases[phase] = time.monotonic() - mark
        mark = time.monotonic()

    left = drop_left_behind(env, admin, now)
    if cleaned is not None:
        cleaned += left
    s3 = s3_client(env)
    key, age = newest_backup(env, s3, now, rpo)
    lap("find")
    scratch = f"{SCRATCH}{now:{SCRATCH_STAMP}}"
    psql(env, f'CREATE DATABASE "{scratch}"', admin)
    try:
        url = with_database(admin, scratch)
        size = stream_restore(env, s3, bucket, key, url)
        lap("download and restore")
        # the tables are checked where the migrator made them (the app schema), then in public
        schema = env.get("DRILL_SCHEMA", "public")
        rows = check({**env, "PGOPTIONS": f"-c search_path={schema},public"}, url, tables, now, rpo)
        lap("checks")
    finally:
        drop_scratch(env, admin, scratch)
    return Result(key=key, backup_age_hours=age, phases=phases, size=size, rto_hours=rto, rows=rows)


def evidence(env: Mapping[str, str], now: dt.datetime, result: Result | None, failure: str | None) -> str:
    """The drill's record in the bucket, and its metric when it passed; returns the record's key."""
    passed = failure is None and result is not None and result.seconds <= result.rto_hours * 3600
    reason = failure or (None if passed else "over the RTO")
    record = {
        "at": now.isoformat(timespec="seconds"),
        "outcome": "passed" if passed else "failed",
        "reason": reason,
        "backup": result.key if result else None,
        "backupAgeHours": round(result.backup_age_hours, 2) if result else None,
        "rpoHours": int(env.get("RPO_HOURS", "24")),
        "tables": result.rows if result else {},
        "seconds": round(result.seconds, 1) if result else None,
        "phases": {p: round(t, 1) for p, t in result.phases.items()} if result else {},
        "rtoHours": int(env.get("RTO_HOURS", "4")),
    }
    bucket = setting(env, "BACKUP_BUCKET")
    key = f"{env.get('DRILL_RECORDS_PREFIX', RECORDS)}{now:%Y%m%dT%H%M%SZ}.json"
    Doing.now = f"writing the drill record {key} (PutObject)"
    try:
        s3_client(env).put_object(
            Bucket=bucket, Key=key, Body=json.dumps(record, indent=2).encode(), ContentType="application/json"
        )
    except Exception as exc:
        raise s3_error(exc, bucket, "PutObject") from None
    if passed:
        Doing.now = f"publishing {METRIC_NAME} (PutMetricData)"
        publish_metric(env, METRIC_NAME)
    return key


def drill_and_record(
    env: Mapping[str, str], now: dt.datetime, cleaned: list[str] | None = None
) -> tuple[Result | None, str | None, str]:
    """The drill, then its evidence whatever the outcome: (the result, why the drill failed, where it is
    recorded). A record that cannot be written after a failed drill fails naming both."""
    result: Result | None = None
    failure: str | None = None
    try:
        result = drill(env, now, cleaned)
    except JobError as exc:
        failure = str(exc)
    try:
        key = evidence(env, now, result, failure)
    except JobError as exc:
        raise JobError(f"{failure}; and {exc}" if failure else str(exc)) from None
    return result, failure, f"recorded at s3://{setting(env, 'BACKUP_BUCKET')}/{key}"


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    Doing.reset()
    cleaned: list[str] = []
    try:
        # the drill has failed the RTO by the time it exceeds it, so that is its deadline
        with signals_and_deadline(int(env.get("RTO_HOURS", "4")) * 3600):
            result, failure, where = drill_and_record(env, dt.datetime.now(dt.UTC), cleaned)
    except Stopped as stop:
        what = "pg_restore stopped, the scratch database dropped"
        print(f"restore drill stopped by {stop.name}: {what}", file=sys.stderr)
        return stop.exit_code
    except JobError as exc:
        print(f"restore drill failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if cleaned:
            print(f"dropped scratch databases a killed drill left behind: {', '.join(cleaned)}", file=sys.stderr)
    if failure is not None or result is None:
        print(f"restore drill failed: {failure}; {where}", file=sys.stderr)
        return 1
    print(f"{result.report()}; {where}")
    return 0 if result.seconds <= result.rto_hours * 3600 else 1


if __name__ == "__main__":
    sys.exit(main())

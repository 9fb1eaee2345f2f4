"""Runbook 000's quarterly restore test: the newest backup, restored into a scratch database and checked.

Settings from the environment: DRILL_DATABASE_URL (a server where the drill may create a database),
BACKUP_BUCKET, BACKUP_PREFIX, DRILL_TABLES (`table[:timestamp column],…`), DRILL_SCHEMA, RPO_HOURS, RTO_HOURS,
AWS_REGION; AWS credentials of the backup reader role from the default chain. The scratch database is
dropped whatever happens. Exits 1 with one line on stderr when anything fails.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from jobs.common import JobError, psql, run, s3_client, s3_error, setting, stamp_of


@dataclass(frozen=True)
class Result:
    key: str
    backup_age_hours: float
    restore_seconds: float
    rto_hours: int
    rows: dict[str, int]

    def report(self) -> str:
        verdict = "within" if self.restore_seconds <= self.rto_hours * 3600 else "OVER"
        counts = ", ".join(f"{t}: {n} rows" for t, n in self.rows.items())
        return (
            f"restored {self.key} ({self.backup_age_hours:.1f} h old) in {self.restore_seconds:.1f} s, "
            f"{verdict} the RTO of {self.rto_hours} h; {counts}"
        )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def newest_backup(env: Mapping[str, str], now: dt.datetime, rpo_hours: int) -> tuple[str, float]:
    bucket, prefix = setting(env, "BACKUP_BUCKET"), env.get("BACKUP_PREFIX", "")
    s3 = s3_client(env)
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    except Exception as exc:
        raise s3_error(exc, bucket) from None
    dated = sorted((stamp, key) for key in keys if (stamp := stamp_of(key)) is not None)
    if not dated:
        raise JobError(f"no backup under s3://{bucket}/{prefix}")
    stamp, key = dated[-1]
    age = (now - stamp).total_seconds() / 3600
    if age > rpo_hours:
        raise JobError(f"the newest backup, {key}, is {age:.1f} h old: older than the RPO of {rpo_hours} h")
    return key, age


def check(
    env: Mapping[str, str], url: str, tables: list[tuple[str, str | None]], now: dt.datetime, rpo: int
) -> dict[str, int]:
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


def drill(env: Mapping[str, str], now: dt.datetime) -> Result:
    admin = setting(env, "DRILL_DATABASE_URL")
    rpo, rto = int(env.get("RPO_HOURS", "24")), int(env.get("RTO_HOURS", "4"))
    tables = [(t.split(":")[0], t.split(":")[1] if ":" in t else None) for t in setting(env, "DRILL_TABLES").split(",")]
    key, age = newest_backup(env, now, rpo)
    scratch = f"restore_drill_{now:%Y%m%d%H%M%S}"
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as tmp:
        dump = Path(tmp) / "backup.dump"
        try:
            s3_client(env).download_file(env["BACKUP_BUCKET"], key, str(dump))
        except Exception as exc:
            raise s3_error(exc, env["BACKUP_BUCKET"]) from None
        started = time.monotonic()
        psql(env, f'CREATE DATABASE "{scratch}"', admin)
        try:
            url = with_database(admin, scratch)
            run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", url, str(dump)],
                env,
                "pg_restore",
            )
            # the tables are checked where the migrator made them (the app schema), then in public
            schema = env.get("DRILL_SCHEMA", "public")
            rows = check({**env, "PGOPTIONS": f"-c search_path={schema},public"}, url, tables, now, rpo)
            seconds = time.monotonic() - started
        finally:
            psql(env, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)', admin)
    return Result(key=key, backup_age_hours=age, restore_seconds=seconds, rto_hours=rto, rows=rows)


def main(env: Mapping[str, str] | None = None) -> int:
    try:
        result = drill(os.environ if env is None else env, dt.datetime.now(dt.UTC))
    except JobError as exc:
        print(f"restore drill failed: {exc}", file=sys.stderr)
        return 1
    print(result.report())
    return 0 if result.restore_seconds <= result.rto_hours * 3600 else 1


if __name__ == "__main__":
    sys.exit(main())

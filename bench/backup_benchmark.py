"""The backup job beside the runbook's pipeline, paired, on databases of a few sizes; prints a table.

The pipeline is runbook 002's `pg_dump | gzip > file; aws s3 cp file s3://…` (the upload through boto3's
transfer manager, which `aws s3 cp` uses). Both run against the same PostgreSQL 15 server and moto's S3
server on this machine, one after the other, in alternating order, `--pairs` times per size. Per run:
wall time, the peak RSS of the largest process (the job's Python, or the pipeline's largest step), and
the bytes the process tree wrote to local disk (getrusage's block outputs, 512-byte blocks). The data
is partly compressible: a random md5 beside a repeated phrase. Usage:
    .venv/bin/python bench/backup_benchmark.py [--sizes 0.2,1,3] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import S3, Postgres, postgres_and_s3  # noqa: E402

BUCKET = "bench-backups"
ROW_BYTES = 185  # what one generated row takes on disk, its index included (pg_database_size)
# Runs the command as its only child, so getrusage(RUSAGE_CHILDREN) covers that run's process tree alone.
WRAP = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": done.returncode, "err": done.stderr[-500:], "rss": usage.ru_maxrss, "out": usage.ru_oublock}))
"""
PIPELINE = """
set -euo pipefail
pg_dump "$PGDATABASE" | gzip > "$SCRATCH/backup.sql.gz"
python -c 'import boto3, os, sys
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1")
s3.upload_file(sys.argv[1], os.environ["BACKUP_BUCKET"], "pipeline/backup.sql.gz")' "$SCRATCH/backup.sql.gz"
"""


def make_database(pg: Postgres, gigabytes: float) -> str:
    name = f"bench_{str(gigabytes).replace('.', '_')}"
    rows = int(gigabytes * 1024**3 / ROW_BYTES)
    pg.sql(f"CREATE DATABASE {name}")
    pg.sql(
        "CREATE TABLE events (id bigint PRIMARY KEY, token text, note text, at timestamptz DEFAULT now());"
        f"INSERT INTO events (id, token, note) SELECT g, md5(g::text) || md5((g * 7)::text), "
        f"'course progress recorded for learner ' || (g % 5000) FROM generate_series(1, {rows}) g;",
        name,
    )
    return name


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB of the largest process, bytes written to disk) of one run."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", WRAP, *argv], env=env, capture_output=True, text=True, check=True)
    wall = time.monotonic() - started
    usage = json.loads(done.stdout)
    if usage["code"] != 0:
        raise SystemExit(f"{argv[0]} failed: {usage['err'].strip()}")
    return wall, usage["rss"] / 1024, usage["out"] * 512


def stored_bytes(s3: S3, prefix: str) -> int:
    """The size of the newest object under `prefix`: what the run stored."""
    client: Any = s3.client()
    objects = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return int(max(objects, key=lambda o: o["LastModified"])["Size"])


def run_pair(pg: Postgres, s3: S3, database: str, order: int) -> dict[str, tuple[float, float, int]]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        env = {**pg.env(database), **s3.env(), "BACKUP_BUCKET": BUCKET, "BACKUP_PREFIX": "job/", "SCRATCH": scratch}
        env |= {"APP": "bench", "ENVIRONMENT": "staging", "TMPDIR": scratch}
        runs = {
            "job": [sys.executable, "-m", "jobs.pg_backup"],
            "pipeline": ["bash", "-c", PIPELINE],
        }
        names = list(runs) if order % 2 == 0 else list(reversed(runs))
        return {name: measured(runs[name], {**env, "PYTHONPATH": str(ROOT)}) for name in names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.2,1,3", help="database sizes in GB, comma-separated")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    rows: list[tuple[Any, ...]] = []
    with postgres_and_s3() as (pg, s3):
        client: Any = s3.client()
        client.create_bucket(Bucket=BUCKET)
        for size in sizes:
            database = make_database(pg, size)
            actual = int(pg.sql(f"SELECT pg_database_size('{database}')", database)) / 1024**3
            pairs = [run_pair(pg, s3, database, i) for i in range(args.pairs)]
            job = [p["job"] for p in pairs]
            pipe = [p["pipeline"] for p in pairs]
            ratios = [j[0] / p[0] for j, p in zip(job, pipe, strict=True)]
            stored = (stored_bytes(s3, "job/") / 1024**2, stored_bytes(s3, "pipeline/") / 1024**2)
            rows.append(
                (
                    f"{actual:.2f} GB",
                    statistics.median(j[0] for j in job),
                    statistics.median(p[0] for p in pipe),
                    statistics.median(ratios),
                    max(j[1] for j in job),
                    max(j[2] for j in job) / 1024**2,
                    max(p[2] for p in pipe) / 1024**2,
                    *stored,
                )
            )
            pg.sql(f"DROP DATABASE {database}")
    level = os.environ.get("BACKUP_COMPRESS_LEVEL", "the job's default")
    print(
        f"{os.cpu_count()} cores; {args.pairs} pairs per size, alternating order; medians; "
        f"pg_dump --compress={level} against the pipeline's gzip -6"
    )
    print(
        "| database | job wall | pipeline wall | paired ratio | job peak RSS | job disk | pipeline disk "
        "| job object | pipeline object |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]:.1f} s | {r[2]:.1f} s | {r[3]:.2f} | {r[4]:.0f} MB | {r[5]:.0f} MB | {r[6]:.0f} MB "
            f"| {r[7]:.0f} MB | {r[8]:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The nightly backup of runbooks 000 and 002: `pg_dump` in custom format streamed to S3, then the freshness metric.

pg_dump compresses at level 1 (BACKUP_COMPRESS_LEVEL): it compresses in its own process on one core,
and level 6 made the job as slow as the runbook's `pg_dump | gzip` pipeline, whose gzip runs on a
second core; level 1 stores 4 % more bytes.

Settings come from the environment (the Fly machine's config and secrets): PGHOST, PGPORT,
PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, BACKUP_BUCKET, BACKUP_PREFIX, BACKUP_KMS_KEY_ARN (SSE-KMS when
set), APP, ENVIRONMENT, AWS_REGION, METRICS_REGION; AWS credentials from the default chain (on Fly:
AWS_ROLE_ARN and Fly's OIDC token). Exits 1 with one line on stderr on any failure.

The dump never touches local disk: pg_dump's output goes in parts of PART_BYTES into a multipart upload
and, byte for byte, into `pg_restore -f /dev/null`, which reads the whole archive (a cut stream fails
it, where `pg_restore --list` reads only the table of contents). The object appears only when the
upload is completed, and that happens only when pg_dump and the second reader both succeeded; anything
else aborts the upload. S3 checks each part's SHA-256 on arrival, and the job compares the object's
composite checksum with its own. It never reads the bucket, so the writer role needs no read right.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from typing import IO

from jobs.common import (
    METRIC_TRIES,
    STAMP,
    Doing,
    JobError,
    Stopped,
    explain,
    psql,
    publish_metric,
    s3_client,
    s3_error,
    seconds,
    setting,
    signals_and_deadline,
    stop_child,
)
from jobs.upload import Upload

METRIC_NAME = "BackupSucceeded"
METRIC_ATTEMPTS = METRIC_TRIES
# S3's smallest part but the last is 5 MiB; 8 MiB parts allow an 80 GB dump within the 10,000-part limit.
PART_BYTES = 8 * 1024 * 1024
COMPRESS_LEVEL = 1  # 4 % larger than the pipeline's gzip -6, and 0.7x its time (bench/backup_benchmark.py)
DEADLINE_SECONDS = 4 * 3600  # JOB_DEADLINE_SECONDS, from backupJob.deadlineMinutes


def read_part(stream: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end of the stream."""
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def drain(stream: IO[bytes], into: list[bytes]) -> threading.Thread:
    """Read a child's stderr on a thread, so a chatty child never blocks on a full pipe."""
    thread = threading.Thread(target=lambda: into.append(stream.read()), daemon=True)
    thread.start()
    return thread


def stream_dump(env: Mapping[str, str], upload: Upload) -> None:
    """pg_dump into the upload and into `pg_restore -f /dev/null`; raises if either fails."""
    dump = subprocess.Popen(
        ["pg_dump", "--format=custom", f"--compress={compress_level(env)}"],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    check = subprocess.Popen(
        ["pg_restore", "--file", os.devnull], env=dict(env), stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert dump.stdout and dump.stderr and check.stdin and check.stderr
    dump_err: list[bytes] = []
    check_err: list[bytes] = []
    readers = [drain(dump.stderr, dump_err), drain(check.stderr, check_err)]
    check_alive = True
    Doing.now = "dumping and uploading (pg_dump into UploadPart)"
    try:
        while part := read_part(dump.stdout, PART_BYTES):
            if check_alive:
                try:
                    check.stdin.write(part)
                except BrokenPipeError:  # the second reader gave up; its exit status says why
                    check_alive = False
            upload.put(part)
    except BaseException:
        # a signal, the deadline or a failed part: no child may outlive the job
        stop_child(dump)
        stop_child(check)
        raise
    finally:
        dump.stdout.close()
        if check_alive:
            with contextlib.suppress(BrokenPipeError):
                check.stdin.close()
        dump.wait()
        check.wait()
        for reader in readers:
            reader.join()
    if dump.returncode != 0:
        raise JobError(f"pg_dump failed: {explain(child_error(dump.returncode, dump_err))}")
    if check.returncode != 0:
        why = explain(child_error(check.returncode, check_err))
        raise JobError(f"the dump does not read back whole (pg_restore): {why}")
    upload.finish()


def compress_level(env: Mapping[str, str]) -> int:
    """pg_dump compresses in its own process, on one core; BACKUP_COMPRESS_LEVEL trades CPU for size."""
    level = env.get("BACKUP_COMPRESS_LEVEL", str(COMPRESS_LEVEL))
    if not level.isdigit() or not 0 <= int(level) <= 9:
        raise JobError(f"BACKUP_COMPRESS_LEVEL must be 0-9, not {level!r}")
    return int(level)


def child_error(returncode: int, stderr: list[bytes]) -> str:
    text = b"".join(stderr).decode(errors="replace")
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"killed by {name} (signal {-returncode})" + (f": {text}" if text.strip() else "")
    return text


def backup(env: Mapping[str, str], now: dt.datetime) -> str:
    bucket, prefix = setting(env, "BACKUP_BUCKET"), env.get("BACKUP_PREFIX", "")
    database = setting(env, "PGDATABASE")
    tables = psql(env, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    if tables == "0":
        raise JobError(f"database {database} has no tables; refusing to store an empty backup (is PGDATABASE right?)")
    key = f"{prefix}{now:%Y-%m-%d}/{database}-{now.strftime(STAMP)}.dump"
    kms_key = env.get("BACKUP_KMS_KEY_ARN", "")
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
    s3 = s3_client(env)
    Doing.now = "starting the upload (CreateMultipartUpload)"
    try:
        # Started before the dump: a missing bucket or refused credentials fail now, not after an hour.
        upload = Upload(s3, bucket, key, extra)
    except Exception as exc:
        raise s3_error(exc, bucket, "CreateMultipartUpload") from None
    try:
        stream_dump(env, upload)
        upload.complete()
    except BaseException as exc:
        upload.abort()  # a signal or the deadline included: nothing half-written stays behind
        if isinstance(exc, Exception) and not isinstance(exc, JobError):
            raise s3_error(exc, bucket, "UploadPart") from None
        raise
    where = Doing.stored = f"s3://{bucket}/{key}"
    Doing.now = f"publishing {METRIC_NAME} (PutMetricData)"
    try:
        publish_success(env)
    except Exception as exc:
        raise JobError(
            f"the backup is stored at {where} ({upload.size} bytes), but publishing {METRIC_NAME} failed after "
            f"{METRIC_ATTEMPTS} attempts: {exc}"
        ) from None
    return where


def publish_success(env: Mapping[str, str], sleep: Callable[[float], None] | None = None) -> None:
    publish_metric(env, METRIC_NAME, sleep)


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    Doing.reset()
    try:
        with signals_and_deadline(seconds(env, "JOB_DEADLINE_SECONDS", DEADLINE_SECONDS)):
            where = backup(env, dt.datetime.now(dt.UTC))
    except Stopped as stop:
        if Doing.stored:
            what = f"the backup is stored at {Doing.stored}, but {METRIC_NAME} was not published"
        else:
            what = "pg_dump stopped, the upload aborted, nothing stored"
        print(f"backup stopped by {stop.name}: {what}", file=sys.stderr)
        return stop.exit_code
    except JobError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup stored at {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

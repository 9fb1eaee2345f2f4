"""The backup job and the drill under faults, on the real PostgreSQL server and moto: no local disk, a cut
stream, a killed pg_dump, SIGTERM and SIGINT, a hung S3, the deadline, the metric's retries and the
scratch databases a killed drill leaves behind. Children are stood in by shell scripts on PATH that run
the real tool first, so what the job reads is a real archive."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.offline.stackfile import ROOT
from tests.backup_helpers import BUCKET, PREFIX, backup_env, drill_env, job, job_process, keys, scratch_databases
from tests.servers import S3, Postgres

pytestmark = pytest.mark.integration


def shim(directory: Path, tool: str, body: str) -> dict[str, str]:
    """`tool` on PATH as a script; $REAL is the real one."""
    real = shutil.which(tool)
    assert real is not None
    directory.mkdir(exist_ok=True)
    script = directory / tool
    script.write_text(f'#!/bin/sh\nREAL="{real}"\n{body}\n')
    script.chmod(0o755)
    return {"PATH": f"{directory}{os.pathsep}{os.environ['PATH']}"}


def pending_uploads(s3: S3) -> list[str]:
    client: Any = s3.client()
    return [u["Key"] for u in client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def started(env: dict[str, str], module: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", f"jobs.{module}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return int(path.read_text())


def test_neither_job_writes_local_disk(pg: Postgres, s3: S3, app_db: str) -> None:
    # a temp dir that does not exist: any temp file would fail the run
    nowhere = {"TMPDIR": "/nonexistent/tmp"}
    backed = job_process("pg_backup", backup_env(pg, s3, **nowhere))
    assert backed.returncode == 0, backed.stderr
    drilled = job_process("restore_drill", drill_env(pg, s3, **nowhere))
    assert drilled.returncode == 0, drilled.stderr
    assert scratch_databases(pg) == []


def test_a_cut_stream_is_refused_and_its_upload_aborted(pg: Postgres, s3: S3, app_db: str, tmp_path: Path) -> None:
    """pg_dump exits 0 with 60 % of the archive: pg_restore reads it to the end and fails, so nothing is stored."""
    full = subprocess.run(["pg_dump", "--format=custom"], env=pg.env(app_db), capture_output=True, check=True).stdout
    cut = shim(tmp_path / "bin", "pg_dump", f'"$REAL" "$@" | head -c {len(full) * 6 // 10}\nexit 0')
    before = keys(s3)
    done = job("pg_backup", backup_env(pg, s3, **cut))
    assert done.returncode == 1
    assert done.stderr.startswith("backup failed: the dump does not read back whole (pg_restore): ")
    assert (keys(s3), pending_uploads(s3)) == (before, [])


def test_a_pg_dump_killed_by_a_signal_says_which(pg: Postgres, s3: S3, app_db: str, tmp_path: Path) -> None:
    killed = shim(tmp_path / "bin", "pg_dump", '"$REAL" "$@" | head -c 1000\nkill -KILL $$')
    before = keys(s3)
    done = job("pg_backup", backup_env(pg, s3, **killed))
    assert (done.returncode, done.stderr.strip()) == (1, "backup failed: pg_dump failed: killed by SIGKILL (signal 9)")
    assert (keys(s3), pending_uploads(s3)) == (before, [])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_dump_stops_pg_dump_aborts_the_upload_and_says_so(
    pg: Postgres, s3: S3, app_db: str, tmp_path: Path, signum: int, code: int
) -> None:
    pidfile = tmp_path / "pg_dump.pid"
    # the whole archive, then a pg_dump that never ends: the job is waiting for more
    hung = shim(tmp_path / "bin", "pg_dump", f'"$REAL" "$@"\necho $$ > {pidfile}\nexec sleep 120')
    before = keys(s3)
    job_run = started(backup_env(pg, s3, **hung), "pg_backup")
    child = wait_for(pidfile)
    time.sleep(0.3)  # the job reads the archive's bytes and waits in read()
    job_run.send_signal(signum)
    out, err = job_run.communicate(timeout=60)
    name = signal.Signals(signum).name
    assert (job_run.returncode, err) == (
        code,
        f"backup stopped by {name}: pg_dump stopped, the upload aborted, nothing stored\n",
    )
    assert out == ""
    assert gone(child)
    assert (keys(s3), pending_uploads(s3)) == (before, [])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_restore_stops_pg_restore_and_drops_the_scratch_database(
    pg: Postgres, s3: S3, app_db: str, tmp_path: Path, signum: int, code: int
) -> None:
    assert job("pg_backup", backup_env(pg, s3)).returncode == 0
    pidfile = tmp_path / "pg_restore.pid"
    hung = shim(tmp_path / "bin", "pg_restore", f"echo $$ > {pidfile}\nexec sleep 120")
    drill_run = started(drill_env(pg, s3, **hung), "restore_drill")
    child = wait_for(pidfile)
    assert len(scratch_databases(pg)) == 1
    drill_run.send_signal(signum)
    _, err = drill_run.communicate(timeout=60)
    assert (drill_run.returncode, err) == (
        code,
        f"restore drill stopped by {signal.Signals(signum).name}: pg_restore stopped, the scratch database dropped\n",
    )
    assert gone(child)
    assert scratch_databases(pg) == []


def test_the_next_drill_drops_a_scratch_database_older_than_a_day(pg: Postgres, s3: S3, app_db: str) -> None:
    """What SIGKILL leaves behind; a younger one may be a drill still running, and stays."""
    assert job("pg_backup", backup_env(pg, s3)).returncode == 0
    young = f"restore_drill_{dt.datetime.now(dt.UTC) - dt.timedelta(hours=2):%Y%m%d%H%M%S}"
    for name in ("restore_drill_20261101020000", young):
        pg.sql(f'CREATE DATABASE "{name}"')
    done = job("restore_drill", drill_env(pg, s3))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "dropped scratch databases a killed drill left behind: restore_drill_20261101020000\n"
    assert scratch_databases(pg) == [young]
    pg.sql(f'DROP DATABASE "{young}"')


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP server that accepts and never answers: S3 hanging."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_hung_s3_gives_up_within_the_read_timeout_and_names_the_operation(
    pg: Postgres, s3: S3, app_db: str, silent_endpoint: str
) -> None:
    env = backup_env(pg, s3, S3_ENDPOINT_URL=silent_endpoint, S3_READ_TIMEOUT_SECONDS="0.3")
    done = job("pg_backup", env)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"backup failed: S3 CreateMultipartUpload on bucket {BUCKET} timed out (read timeout, 3 attempts): "
        "Read timeout on endpoint URL: "
    )


def test_past_the_deadline_the_job_aborts_and_says_where_it_was(
    pg: Postgres, s3: S3, app_db: str, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pg_dump.pid"
    slow = shim(tmp_path / "bin", "pg_dump", f'"$REAL" "$@"\necho $$ > {pidfile}\nexec sleep 120')
    before = keys(s3)
    done = job_process("pg_backup", backup_env(pg, s3, JOB_DEADLINE_SECONDS="2", **slow))
    assert (done.returncode, done.stderr) == (
        1,
        "backup failed: gave up after the deadline of 2 s, while dumping and uploading (pg_dump into UploadPart)\n",
    )
    assert gone(wait_for(pidfile))
    assert (keys(s3), pending_uploads(s3)) == (before, [])


def test_the_metric_is_retried_and_a_stored_backup_is_reported_as_stored(
    pg: Postgres, s3: S3, app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    before = keys(s3)
    # CloudWatch refuses the connection; S3 works
    done = job("pg_backup", backup_env(pg, s3, CLOUDWATCH_ENDPOINT_URL="http://127.0.0.1:1"))
    (added,) = sorted(set(keys(s3)) - set(before))
    assert done.returncode == 1
    client: Any = s3.client()
    size = client.head_object(Bucket=BUCKET, Key=added)["ContentLength"]
    assert done.stderr.startswith(
        f"backup failed: the backup is stored at s3://{BUCKET}/{added} ({size} bytes), but publishing "
        "BackupSucceeded failed after 4 attempts: Could not connect to the endpoint URL: "
    )
    assert done.stderr.count("\n") == 1
    assert added.startswith(PREFIX)
    # botocore's own retries sleep random fractions; the job's backoff is whole seconds
    assert [s for s in slept if isinstance(s, int)] == [2, 4, 8]


def test_the_metric_succeeds_on_a_later_attempt() -> None:
    from jobs.pg_backup import publish_success

    calls: list[dict[str, Any]] = []

    class Flaky:
        def put_metric_data(self, **kwargs: Any) -> None:
            calls.append(kwargs)
            if len(calls) < 3:
                raise ConnectionError("throttled")

    slept: list[float] = []
    env = {"APP": "la", "ENVIRONMENT": "production"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("jobs.common.aws_client", lambda *_: Flaky())
        publish_success(env, sleep=slept.append)
    assert (len(calls), slept) == (3, [2, 4])
    assert calls[-1]["Namespace"] == "Platform/Backups"


def test_the_compress_level_is_a_digit_or_a_one_line_error(pg: Postgres, s3: S3, app_db: str) -> None:
    from jobs.pg_backup import compress_level

    assert (compress_level({}), compress_level({"BACKUP_COMPRESS_LEVEL": "6"})) == (1, 6)
    done = job("pg_backup", backup_env(pg, s3, BACKUP_COMPRESS_LEVEL="fast"))
    assert (done.returncode, done.stderr) == (1, "backup failed: BACKUP_COMPRESS_LEVEL must be 0-9, not 'fast'\n")


def test_a_timeout_is_seconds_above_zero_decimals_allowed() -> None:
    from jobs.common import JobError, seconds

    assert [seconds({"T": v}, "T", 60) for v in ("30", "0.5", "")] == [30, 0.5, 60]
    for bad in ("0", "0.0", "-1", "1e3", "ten", " 5"):
        with pytest.raises(JobError) as raised:
            seconds({"T": bad}, "T", 60)
        assert str(raised.value) == f"T must be a number of seconds above 0 (like 30 or 0.5), not {bad!r}"


@pytest.mark.parametrize(("deadline", "shown"), [(0.05, "0.05"), (0.1, "0.1")])
def test_a_deadline_below_a_second_is_kept_and_printed_as_given(deadline: float, shown: str) -> None:
    """alarm() takes whole seconds and would have made 0.05 s no deadline at all."""
    from jobs.common import Doing, JobError, signals_and_deadline

    Doing.reset()
    started = time.monotonic()
    with pytest.raises(JobError) as raised, signals_and_deadline(deadline):
        time.sleep(5)
    assert time.monotonic() - started < 1
    assert str(raised.value) == f"gave up after the deadline of {shown} s, while starting"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # and the timer is off again

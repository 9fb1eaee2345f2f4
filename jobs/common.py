"""What the backup and the restore drill share: settings from the environment, PostgreSQL tools, S3, one error type."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Any

# <prefix><yyyy-mm-dd>/<database>-<yyyymmddThhmmssZ>.dump
STAMP = "%Y%m%dT%H%M%SZ"
KEY_PATTERN = re.compile(r"(?P<database>[a-z_][a-z0-9_]*)-(?P<stamp>\d{8}T\d{6}Z)\.dump$")


AWS_ATTEMPTS = 3  # per call, botocore's standard retry mode


class JobError(Exception):
    """A failure the job explains in one line; it exits 1."""


class Stopped(BaseException):
    """SIGTERM (Fly stopping the machine) or SIGINT (an operator's Ctrl-C). A BaseException, so no
    `except Exception` on the way up swallows it; every `finally` still cleans up."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 143 for SIGTERM, 130 for SIGINT


class Doing:
    """What the job is doing now, for the deadline's message, and what it has stored."""

    now = "starting"
    stored: str | None = None

    @classmethod
    def reset(cls) -> None:
        cls.now, cls.stored = "starting", None


@contextlib.contextmanager
def signals_and_deadline(deadline_seconds: float) -> Iterator[None]:
    """SIGTERM and SIGINT raise Stopped; past the deadline, SIGALRM raises a JobError naming the operation.
    A second signal while cleaning up is ignored, so the cleanup runs to its end."""
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise Stopped(signum)

    def too_long(_signum: int, _frame: FrameType | None) -> None:
        shown = int(deadline_seconds) if float(deadline_seconds).is_integer() else deadline_seconds
        raise JobError(f"gave up after the deadline of {shown} s, while {Doing.now}")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, too_long)
    # an interval timer, not alarm(): alarm takes whole seconds and would round a deadline of 0.5 s to none
    signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Terminate a child that is still running, and reap it."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def setting(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise JobError(f"{name} is not set")
    return value


def run(argv: Sequence[str], env: Mapping[str, str], what: str) -> str:
    """Run a PostgreSQL tool; a failure becomes a JobError that says what could not be done and why."""
    try:
        done = subprocess.run(list(argv), env=dict(env), capture_output=True, text=True, check=False, timeout=6 * 3600)
    except FileNotFoundError:
        raise JobError(f"{argv[0]} is not installed (the PostgreSQL client tools are needed)") from None
    if done.returncode != 0:
        raise JobError(f"{what} failed: {explain(done.stderr)}")
    return done.stdout


def explain(stderr: str) -> str:
    text = " ".join(stderr.split())
    if "password authentication failed" in text:
        return "PostgreSQL refused the credentials (password authentication failed)"
    if "Connection refused" in text or "could not connect" in text or "could not translate host name" in text:
        return "cannot reach the PostgreSQL server (" + (text[:200] or "no answer") + ")"
    return text[:300] or "no message"


def psql(env: Mapping[str, str], sql: str, database: str | None = None) -> str:
    argv = ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if database is not None:
        argv += ["--dbname", database]
    return run(argv, env, "psql").strip()


def aws_client(env: Mapping[str, str], service: str, region: str | None, endpoint: str | None) -> Any:
    """A client whose credentials come from the job's environment like every other setting: its keys when
    it names them, else boto3's own chain (Fly's OIDC web identity, an operator's profile)."""
    import boto3

    keys = {
        "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID"),
        "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY"),
        "aws_session_token": env.get("AWS_SESSION_TOKEN"),
    }
    from botocore.config import Config

    session = boto3.session.Session(**keys) if keys["aws_access_key_id"] else boto3.session.Session()
    # botocore waits 60 s per read and retries 5 times by default: a hung endpoint took 364 s to fail.
    config = Config(
        connect_timeout=seconds(env, "S3_CONNECT_TIMEOUT_SECONDS", 10),
        read_timeout=seconds(env, "S3_READ_TIMEOUT_SECONDS", 60),
        retries={"max_attempts": AWS_ATTEMPTS, "mode": "standard"},
    )
    return session.client(service, region_name=region, endpoint_url=endpoint or None, config=config)


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "")
    if not value:
        return default
    if not re.fullmatch(r"\d+(\.\d+)?", value) or float(value) == 0:
        raise JobError(f"{name} must be a number of seconds above 0 (like 30 or 0.5), not {value!r}")
    return float(value)


def s3_client(env: Mapping[str, str]) -> Any:
    return aws_client(env, "s3", env.get("AWS_REGION"), env.get("S3_ENDPOINT_URL"))


def s3_error(exc: BaseException, bucket: str, operation: str) -> JobError:
    """botocore's exceptions, in the words an operator needs, naming the S3 operation that failed."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, JobError):
        return exc
    known = (ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError)
    while not isinstance(exc, known) and exc.__context__:
        exc = exc.__context__
    if isinstance(exc, NoCredentialsError):
        return JobError("no AWS credentials: set AWS_ROLE_ARN (Fly OIDC) or run with the reader role's profile")
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        kind = "connect" if isinstance(exc, ConnectTimeoutError) else "read"
        return JobError(f"S3 {operation} on bucket {bucket} timed out ({kind} timeout, {AWS_ATTEMPTS} attempts): {exc}")
    if isinstance(exc, EndpointConnectionError):
        return JobError(f"cannot reach S3 for {operation} on bucket {bucket}: {exc}")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return JobError(f"bucket {bucket} does not exist")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "403"):
            return JobError(f"S3 refused the credentials for bucket {bucket} ({code} on {operation})")
        return JobError(f"S3 {operation} on bucket {bucket} failed: {code}")
    return JobError(f"S3 {operation} on bucket {bucket} failed: {exc}")


def stamp_of(key: str) -> dt.datetime | None:
    found = KEY_PATTERN.search(key)
    if found is None:
        return None
    return dt.datetime.strptime(found["stamp"], STAMP).replace(tzinfo=dt.UTC)


METRIC_NAMESPACE = "Platform/Backups"
METRIC_TRIES = 4


def publish_metric(env: Mapping[str, str], name: str, sleep: Callable[[float], None] | None = None) -> None:
    """One count of `name` (BackupSucceeded, RestoreDrillSucceeded) for the stack's App and Environment,
    retried: 2, 4, 8 s, so the whole retry stays under 15 s."""
    cloudwatch = aws_client(
        env, "cloudwatch", env.get("METRICS_REGION", "us-east-1"), env.get("CLOUDWATCH_ENDPOINT_URL")
    )
    metric = {
        "MetricName": name,
        "Dimensions": [
            {"Name": "App", "Value": setting(env, "APP")},
            {"Name": "Environment", "Value": setting(env, "ENVIRONMENT")},
        ],
        "Value": 1,
        "Unit": "Count",
    }
    for attempt in range(1, METRIC_TRIES + 1):
        try:
            cloudwatch.put_metric_data(Namespace=METRIC_NAMESPACE, MetricData=[metric])
            return
        except Exception:
            if attempt == METRIC_TRIES:
                raise
            (sleep or time.sleep)(2**attempt)

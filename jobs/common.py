"""What the backup and the restore drill share: settings from the environment, PostgreSQL tools, S3, one error type."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

# <prefix><yyyy-mm-dd>/<database>-<yyyymmddThhmmssZ>.dump
STAMP = "%Y%m%dT%H%M%SZ"
KEY_PATTERN = re.compile(r"(?P<database>[a-z_][a-z0-9_]*)-(?P<stamp>\d{8}T\d{6}Z)\.dump$")


class JobError(Exception):
    """A failure the job explains in one line; it exits 1."""


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
    session = boto3.session.Session(**keys) if keys["aws_access_key_id"] else boto3.session.Session()
    return session.client(service, region_name=region, endpoint_url=endpoint or None)


def s3_client(env: Mapping[str, str]) -> Any:
    return aws_client(env, "s3", env.get("AWS_REGION"), env.get("S3_ENDPOINT_URL"))


def s3_error(exc: Exception, bucket: str) -> JobError:
    """botocore's exceptions, in the words an operator needs."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    # boto3's transfer manager wraps the client's error (S3UploadFailedError); the cause is what matters
    while not isinstance(exc, (ClientError, EndpointConnectionError, NoCredentialsError)) and exc.__context__:
        exc = exc.__context__  # type: ignore[assignment]
    if isinstance(exc, NoCredentialsError):
        return JobError("no AWS credentials: set AWS_ROLE_ARN (Fly OIDC) or run with the reader role's profile")
    if isinstance(exc, EndpointConnectionError):
        return JobError(f"cannot reach S3 for bucket {bucket}: {exc}")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return JobError(f"bucket {bucket} does not exist")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "403"):
            return JobError(f"S3 refused the credentials for bucket {bucket} ({code})")
        return JobError(f"S3 error on bucket {bucket}: {code}")
    return JobError(f"S3 error on bucket {bucket}: {exc}")


def stamp_of(key: str) -> dt.datetime | None:
    found = KEY_PATTERN.search(key)
    if found is None:
        return None
    return dt.datetime.strptime(found["stamp"], STAMP).replace(tzinfo=dt.UTC)

"""Real parts for the integration tests: a PostgreSQL server from Debian's package, and moto's S3 server.

PostgreSQL refuses to run as root: as root, the data directory is handed to the `postgres` user and the
server runs as that user.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ADMIN_PASSWORD = "drill-admin-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    return Path(found[-1]).parent


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str

    def env(self, database: str = "postgres") -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return {
            **clean,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": database,
            "PGSSLMODE": "disable",
        }

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}?sslmode=disable"

    def sql(self, sql: str, database: str = "postgres") -> str:
        """As the admin: the rows psql -At would print; an error fails the test."""
        answer = self.session(sql, database)
        assert answer.ok, f"as {self.user} in {database}: {answer.error}\n{sql}"
        return answer.out

    def session(
        self, sql: str, database: str = "postgres", user: str = "", password: str = "", transaction: bool = False
    ) -> Answer:
        """One session as `user` (the admin by default), through libpq as psql and pg_dump connect, without
        a psql process per statement (30 ms each). Several statements are allowed (the simple query
        protocol, as `psql -c`); `transaction` runs them in one, committed at the end (`psql -1`)."""
        import psycopg

        try:
            conn = psycopg.connect(
                host=self.host,
                port=self.port,
                user=user or self.user,
                password=password or self.password,
                dbname=database,
                sslmode="disable",
                connect_timeout=10,
                autocommit=not transaction,
                context=_as_text(),
            )
        except psycopg.OperationalError as exc:
            return Answer(False, "", str(exc))
        lines: list[str] = []
        try:
            with conn:
                cursor = conn.execute(sql.encode())  # no parameters: sent as it is, `%` included
                while True:
                    if cursor.description is not None:
                        lines += ["|".join("" if v is None else v for v in row) for row in cursor.fetchall()]
                    if not cursor.nextset():
                        break
        except psycopg.Error as exc:
            return Answer(True, "\n".join(lines), exc.diag.message_primary or str(exc))
        return Answer(True, "\n".join(lines), "")


@dataclass(frozen=True)
class Answer:
    """What a session answered: its rows as `psql -At` prints them (`a|b`, true as t, NULL empty), and
    PostgreSQL's error message; `connected` is False when the server refused the login itself."""

    connected: bool
    out: str
    error: str

    @property
    def ok(self) -> bool:
        return self.connected and not self.error


@functools.cache
def _as_text() -> Any:
    """Every value as PostgreSQL's text output, not Python's conversion of it: what a login reads back."""
    from psycopg.adapt import AdaptersMap
    from psycopg.types.string import TextLoader

    adapters = AdaptersMap()
    adapters.register_loader(0, TextLoader)  # 0: any type without a loader of its own, here all of them
    return adapters


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(*argv: str) -> None:
    subprocess.run([*_as_postgres(), *argv], check=True, capture_output=True, text=True, timeout=120)


@functools.cache
def _initialized() -> Path:
    """A freshly initialized data directory, made once per test process: each server starts from a copy
    (initdb costs more than half a second of CPU, a copy a few hundredths)."""
    root = Path(tempfile.mkdtemp(prefix="pg-template-"))
    atexit.register(shutil.rmtree, root, True)
    pwfile = root / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(pwfile, "postgres")
    _run(
        str(postgres_bin() / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        "postgres",
        f"--pwfile={pwfile}",
        "--auth-local=scram-sha-256",
        "--auth-host=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",  # a throwaway cluster: nothing to make durable (the server runs with fsync=off too)
    )
    return root / "data"


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    bindir = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="pg-it-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run(["cp", "-a", str(_initialized()), str(data)], check=True)  # -a: owner and mode 0700 kept
    port = free_port()
    _run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(root / "log"),
        "-w",
        "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        yield Postgres("127.0.0.1", port, "postgres", ADMIN_PASSWORD)
    finally:
        _run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class S3:
    endpoint: str

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT_URL": self.endpoint,
            "CLOUDWATCH_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "METRICS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str = "s3", region: str = "us-east-1") -> object:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _start_moto(count: str, module: str) -> tuple[S3, subprocess.Popen[bytes]]:
    import sys
    import time
    import urllib.request

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", module, "-H", "127.0.0.1", "-p", str(port)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": count},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):  # up to 20 s
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            return S3(endpoint), server
        except OSError:
            time.sleep(0.1)
    _stop(server)
    raise RuntimeError("moto server did not start")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)


class _Plain:
    """The plain server, started once per test process (each start costs about a second of CPU) and
    emptied for each user; while it is `busy`, a nested user gets a server of its own."""

    server: S3 | None = None
    busy = False


@contextlib.contextmanager
def moto_server(require_auth: bool = False, unauthenticated: int | None = None) -> Iterator[S3]:
    """moto in server mode on a loopback port, in its own process; with require_auth, every request
    must carry keys moto's IAM knows (none here), as a wrong key would against AWS. `unauthenticated`
    lets that many first requests through unchecked (moto's INITIAL_NO_AUTH_ACTION_COUNT).

    Without either, the process's plain server, reset to empty (moto's /moto-api/reset)."""
    import urllib.request

    if not require_auth and unauthenticated is None and not _Plain.busy:
        if _Plain.server is None:
            _Plain.server, process = _start_moto("inf", "moto.server")
            atexit.register(_stop, process)
        urllib.request.urlopen(urllib.request.Request(f"{_Plain.server.endpoint}/moto-api/reset", method="POST"))
        _Plain.busy = True
        try:
            yield _Plain.server
        finally:
            _Plain.busy = False
        return
    count = str(unauthenticated) if unauthenticated is not None else "0" if require_auth else "inf"
    # Under IAM enforcement, through tests/moto_iam_server.py: moto with CloudWatch's IAM prefix corrected.
    server, process = _start_moto(count, "moto.server" if unauthenticated is None else "tests.moto_iam_server")
    try:
        yield server
    finally:
        _stop(process)


@contextlib.contextmanager
def side_by_side(*servers: contextlib.AbstractContextManager[Any]) -> Iterator[list[Any]]:
    """Servers started at the same time (each takes about a second to come up), stopped together."""
    with contextlib.ExitStack() as stack:
        with ThreadPoolExecutor(max_workers=len(servers)) as pool:
            started = [f.result() for f in [pool.submit(stack.enter_context, s) for s in servers]]
        yield started


@contextlib.contextmanager
def postgres_and_s3() -> Iterator[tuple[Postgres, S3]]:
    with side_by_side(postgres_server(), moto_server()) as (pg, s3):
        yield pg, s3


ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class EnforcingAws:
    """moto with IAM enforcement on: every request is checked against the caller's policies.

    `admin` sets the scene (buckets, roles); `identity(policy)` is a role that has exactly `policy` and
    nothing else, assumed as the jobs on Fly assume theirs, as the keys a job reads from its environment.
    """

    endpoint: str
    admin_keys: dict[str, str]

    def client(self, service: str, keys: dict[str, str] | None = None) -> Any:
        import boto3

        k = keys or self.admin_keys
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=k["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=k["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=k.get("AWS_SESSION_TOKEN"),
        )

    def identity(self, role_name: str, policy: str) -> dict[str, str]:
        iam = self.client("iam")
        # moto checks trust on AssumeRole; the declared trust (Fly or GitHub OIDC) is tested on the plan,
        # here only the permissions are under test, so the admin is the one trusted.
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": ADMIN_ARN}, "Action": "sts:AssumeRole"}],
        }
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=role_name, PolicyName="declared", PolicyDocument=policy)
        arn = f"arn:aws:iam::{MOTO_ACCOUNT}:role/{role_name}"
        creds = self.client("sts").assume_role(RoleArn=arn, RoleSessionName="integration")["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    def env(self, keys: dict[str, str]) -> dict[str, str]:
        """What a job reads to reach this server as `keys`."""
        return {
            "S3_ENDPOINT_URL": self.endpoint,
            "CLOUDWATCH_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
            "METRICS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            **keys,
        }


MOTO_ACCOUNT = "123456789012"  # moto's default account, which the plan's fakes use too
ADMIN_ARN = f"arn:aws:iam::{MOTO_ACCOUNT}:user/admin"


@contextlib.contextmanager
def enforcing_aws() -> Iterator[EnforcingAws]:
    """The first three requests (unchecked) make an admin user; every later one is checked."""
    with moto_server(unauthenticated=3) as server:
        import boto3

        iam = boto3.client(
            "iam",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        yield EnforcingAws(
            server.endpoint,
            {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]},
        )

"""Fixtures: the two root stacks synthesized once per session, a synth with overrides, and the backup jobs' servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import memos

memos.install()  # before the helpers bind `synthesize` and `read`

from ops.offline.sdk import import_provider_sdks  # noqa: E402
from ops.offline.synth import Synth, synthesize_stack  # noqa: E402
from tests.backup_helpers import APP_DB, BUCKET  # noqa: E402
from tests.helpers import TODAY, SynthFn, synth_with  # noqa: E402
from tests.servers import S3, Postgres, postgres_and_s3  # noqa: E402

import_provider_sdks()


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synthesize_stack("prod", today=TODAY)


@pytest.fixture(scope="session")
def staging() -> Synth:
    return synthesize_stack("staging", today=TODAY)


@pytest.fixture
def synth() -> SynthFn:
    """synth("prod", {"platform:fly": {"regions": {"iad": 3}}}, today=...) -> Synth."""
    return synth_with


# The backup jobs' servers, one pair per test module that asks for them.
@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Postgres, S3]]:
    with postgres_and_s3() as both:
        yield both


@pytest.fixture(scope="module")
def pg(servers: tuple[Postgres, S3]) -> Postgres:
    return servers[0]


@pytest.fixture(scope="module")
def s3(servers: tuple[Postgres, S3]) -> S3:
    server = servers[1]
    client: Any = server.client()
    # as the stack declares it: versioned, object lock on
    client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return server


@pytest.fixture(scope="module")
def app_db(pg: Postgres) -> str:
    pg.sql(f"CREATE DATABASE {APP_DB}")
    pg.sql(
        "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL,"
        " created_at timestamptz NOT NULL DEFAULT now());"
        "INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 250) g;"
        "CREATE TABLE courses (id serial PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO courses (title) VALUES ('Pulumi'), ('PostgreSQL');",
        APP_DB,
    )
    return APP_DB

"""Fixtures: the two root stacks synthesized once per session, a synth with overrides, and the backup jobs' servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ops.offline.synth import Synth
    from tests.helpers import SynthFn
    from tests.servers import S3, Postgres


def pytest_configure(config: pytest.Config) -> None:
    # xdist's controller runs no test: only the processes that do load the project and its SDKs (2 s)
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    from ops.offline.sdk import import_provider_sdks
    from tests import memos

    memos.install()  # before the test modules' helpers bind `synthesize` and `read`
    import_provider_sdks()


@pytest.fixture(scope="session")
def prod() -> Synth:
    from ops.offline.synth import synthesize_stack
    from tests.helpers import TODAY

    return synthesize_stack("prod", today=TODAY)


@pytest.fixture(scope="session")
def staging() -> Synth:
    from ops.offline.synth import synthesize_stack
    from tests.helpers import TODAY

    return synthesize_stack("staging", today=TODAY)


@pytest.fixture
def synth() -> SynthFn:
    """synth("prod", {"platform:fly": {"regions": {"iad": 3}}}, today=...) -> Synth."""
    from tests.helpers import synth_with

    return synth_with


# The backup jobs' servers for each test module that asks for them: a PostgreSQL server of its own, and
# the worker's plain moto server, emptied for it (tests/servers.py).
@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Postgres, S3]]:
    from tests.servers import postgres_and_s3

    with postgres_and_s3() as both:
        yield both


@pytest.fixture(scope="module")
def pg(servers: tuple[Postgres, S3]) -> Postgres:
    return servers[0]


@pytest.fixture(scope="module")
def s3(servers: tuple[Postgres, S3]) -> S3:
    from tests.backup_helpers import BUCKET

    server = servers[1]
    client: Any = server.client()
    # as the stack declares it: versioned, object lock on
    client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return server


@pytest.fixture(scope="module")
def app_db(pg: Postgres) -> str:
    from tests.backup_helpers import APP_DB

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


# xdist hands out whole files in collection order (addopts: --dist loadfile --no-loadscope-reorder). The
# files that take longest (`pytest --durations=0`, summed per file) go first, so that the workers finish
# together instead of one running the last long file alone (measured 2026-12-02: real servers, fresh
# interpreters and timeouts make them long).
LONGEST_FIRST = (
    "tests/jobs/test_backup_faults.py",
    "tests/ops/test_cli.py",
    "tests/ops/test_diff.py",
    "tests/jobs/test_backup_job.py",
    "tests/database/test_postgres_grants.py",
    "tests/policy/test_checkov.py",
    "tests/secrets/test_secrets.py",
    "tests/shared/test_fuzz_stack_files.py",
    "tests/backups/test_backup_iam.py",
    "tests/test_toolchain.py",
    "tests/ops/test_audit.py",
    "tests/ops/test_rotate.py",
)


def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker runs some 300 tests in one process, and what they keep (the memos' plans, botocore's
    models, the session's stacks) grows a heap that each full pass of the cyclic collector walks: 6.8 s
    of the suite's CPU in 119 passes. One full pass after 100 middle-generation passes instead of 10
    leaves 20 passes and 1.6 s; freezing the collected tests as well saved nothing more."""
    import gc

    gc.set_threshold(700, 10, 100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: in-file order kept

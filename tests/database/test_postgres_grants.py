"""The roles and grants prod declares, applied to a real PostgreSQL server as pulumi-postgresql would, then
used by each login: once as a true superuser admin (Fly Postgres), once as a CREATEROLE non-superuser
admin (Supabase, RDS). tests/pg_provider.py holds the translation to the provider's SQL.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ops.offline.synth import Synth
from tests.helpers import SynthFn, file_config
from tests.jobs.test_backup_job import job
from tests.pg_provider import ROLE, Applier, in_order
from tests.servers import S3, Answer, Postgres, moto_server, postgres_server, side_by_side

pytestmark = pytest.mark.integration

DB = "learning_accelerator"
BUCKET = "grants-backups"
NON_SUPERUSER_ADMIN = "platform_admin"


@dataclass
class Deployed:
    pg: Postgres
    s3: S3
    applier: Applier
    plan: Synth

    def password(self, role: str, plan: Synth | None = None) -> str:
        found = [r for r in (plan or self.plan).of_type(ROLE) if r.inputs["name"] == role]
        return str(found[0].inputs["password"])

    def session(self, role: str, sql: str, password: str | None = None) -> Answer:
        """One session as `role`, with its own password, in the app database."""
        return self.pg.session(sql, DB, role, password or self.password(role))

    def ok(self, role: str, sql: str) -> str:
        done = self.session(role, sql)
        assert done.ok, f"{role}: {done.error}"
        return done.out


def plan_for(synth: SynthFn, superuser: bool, generation: int = 2) -> Synth:
    postgres: dict[str, Any] = {} if superuser else {"managedBy": "rds", "adminUser": NON_SUPERUSER_ADMIN}
    items = file_config("prod")["platform:secrets"]["items"]
    rotation = {**items["DATABASE_PASSWORD"]["rotation"], "generation": generation}
    return synth(
        "prod",
        {"platform:postgres": postgres, "platform:secrets": {"items": {"DATABASE_PASSWORD": {"rotation": rotation}}}},
    )


@pytest.fixture(scope="module", params=["superuser", "createrole"])
def deployed(request: pytest.FixtureRequest) -> Iterator[Deployed]:
    from tests.helpers import synth_with

    superuser = request.param == "superuser"
    plan = plan_for(synth_with, superuser)
    with side_by_side(postgres_server(), moto_server()) as (pg, s3):
        admin, password = pg.user, pg.password
        if not superuser:
            admin, password = NON_SUPERUSER_ADMIN, "platform-admin-secret"
            pg.sql(f"CREATE ROLE {admin} LOGIN CREATEROLE CREATEDB PASSWORD '{password}'")
        applier = Applier(pg, admin, password)
        applier.apply(in_order(plan))
        s3.client().create_bucket(Bucket=BUCKET)
        yield Deployed(pg, s3, applier, plan)


def privileges_on_database(d: Deployed) -> dict[str, list[str]]:
    """What readDatabaseRolePrivileges reads back, per grantee (PUBLIC as `public`)."""
    rows = d.pg.sql(
        "SELECT CASE WHEN grantee = 0 THEN 'public' ELSE pg_get_userbyid(grantee) END, "
        "string_agg(privilege_type, ',' ORDER BY privilege_type) "
        f"FROM (SELECT (aclexplode(datacl)).* FROM pg_database WHERE datname = '{DB}') a GROUP BY 1 ORDER BY 1"
    )
    return {line.split("|")[0]: line.split("|")[1].split(",") for line in rows.splitlines()}


def test_public_may_not_connect_and_the_grants_read_back_as_declared(deployed: Deployed) -> None:
    assert privileges_on_database(deployed) == {
        "la_app": ["CONNECT"],
        "la_readonly": ["CONNECT"],
        "learning_accelerator_owner": ["CONNECT", "CREATE", "TEMPORARY"],
    }


def test_the_migrators_tables_belong_to_the_owner_in_the_app_schema(deployed: Deployed) -> None:
    deployed.ok(
        "la_migrator",
        "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL);"
        "INSERT INTO notes (body) VALUES ('from the migration');",
    )
    assert (
        deployed.pg.sql(
            "SELECT schemaname || '.' || tablename || ' ' || tableowner FROM pg_tables WHERE tablename = 'notes'", DB
        )
        == "app.notes learning_accelerator_owner"
    )


def test_both_app_logins_read_and_write_what_the_migrator_made(deployed: Deployed) -> None:
    deployed.ok("la_migrator", "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)")
    for login in ("la_app_a", "la_app_b"):
        deployed.ok(login, f"INSERT INTO notes (body) VALUES ('{login}')")
        deployed.ok(login, f"UPDATE notes SET body = body || '!' WHERE body = '{login}'")
        assert deployed.ok(login, f"SELECT body FROM notes WHERE body LIKE '{login}%'") == f"{login}!"
        deployed.ok(login, f"DELETE FROM notes WHERE body = '{login}!'")


def test_readonly_reads_and_cannot_write(deployed: Deployed) -> None:
    deployed.ok("la_migrator", "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)")
    assert deployed.ok("la_readonly", "SELECT count(*) >= 0 FROM notes") == "t"
    refused = deployed.session("la_readonly", "INSERT INTO notes (body) VALUES ('no')")
    assert refused.connected and refused.error == "permission denied for table notes"


def test_a_login_outside_these_roles_cannot_connect(deployed: Deployed) -> None:
    deployed.pg.sql(
        "DO $$ BEGIN CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'; EXCEPTION WHEN duplicate_object THEN END $$"
    )
    refused = deployed.session("outsider", "SELECT 1", password="outsider-pw")
    assert not refused.connected and f'FATAL:  permission denied for database "{DB}"' in refused.error


def test_the_backup_login_dumps_everything_and_the_drill_restores_it(deployed: Deployed) -> None:
    deployed.ok(
        "la_migrator",
        "CREATE TABLE IF NOT EXISTS courses (id serial PRIMARY KEY, title text NOT NULL,"
        " created_at timestamptz NOT NULL DEFAULT now())",
    )
    deployed.ok("la_app_a", "INSERT INTO courses (title) SELECT 'course ' || g FROM generate_series(1, 30) g")
    last = deployed.ok("la_readonly", "SELECT max(id) FROM courses")
    env = {**deployed.pg.env(DB), **deployed.s3.env(), "BACKUP_BUCKET": BUCKET, "BACKUP_PREFIX": "postgres/"}
    env |= {"PGUSER": "la_backup", "PGPASSWORD": deployed.password("la_backup")}
    dumped = job("pg_backup", {**env, "APP": "learning-accelerator", "ENVIRONMENT": "production"})
    assert dumped.returncode == 0, dumped.stderr
    drill = {"DRILL_DATABASE_URL": deployed.pg.url(), "DRILL_TABLES": "courses:created_at", "DRILL_SCHEMA": "app"}
    stack = {"APP": "learning-accelerator", "ENVIRONMENT": "production"}
    drilled = job("restore_drill", {**env, **drill, **stack})
    assert drilled.returncode == 0, drilled.stderr
    assert "within the RTO of 4 h; courses: 30 rows; recorded at s3://" in drilled.stdout
    # the sequence came along: a restored copy continues after the last id, not from 1
    restored = f"restored_{deployed.applier.admin}"
    deployed.pg.sql(f"DROP DATABASE IF EXISTS {restored}")
    deployed.pg.sql(f"CREATE DATABASE {restored}")
    as_backup = {**deployed.pg.env(DB), "PGUSER": "la_backup", "PGPASSWORD": deployed.password("la_backup")}
    dump = subprocess.run(["pg_dump", "--format=custom"], env=as_backup, capture_output=True, check=True).stdout
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", restored],
        input=dump,
        env=deployed.pg.env(restored),
        capture_output=True,
        check=True,
    )
    assert deployed.pg.sql("SELECT last_value FROM app.courses_id_seq", restored) == last


def test_after_a_rotation_the_previous_app_login_still_works(deployed: Deployed) -> None:
    from tests.helpers import synth_with

    rotated = plan_for(synth_with, deployed.applier.admin == deployed.pg.user, generation=3)
    # pulumi up changes only the password that moved to the new generation's slot (setRolePassword)
    changed = {
        name: deployed.password(name, rotated)
        for name in ("la_app_a", "la_app_b")
        if deployed.password(name, rotated) != deployed.password(name)
    }
    assert list(changed) == ["la_app_a"]  # generation 3 is odd: slot a
    for name, password in changed.items():
        deployed.applier.set_password(name, password)
    assert deployed.session("la_app_a", "SELECT 1", password=changed["la_app_a"]).out == "1"
    # the previous generation's login, still served as DATABASE_URL_PREVIOUS during the overlap
    assert deployed.ok("la_app_b", "SELECT current_user") == "la_app_b"

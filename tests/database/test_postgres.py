"""components/database: provider, database, roles, grants, DATABASE_URL, the backup machine."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from ops.offline.synth import Synth
from tests.helpers import (
    FLY_MACHINE,
    FLY_SECRETS,
    RANDOM_PASSWORD,
    SCHEDULED_DRILL,
    SynthFn,
    api_machines,
    changed,
    copy_stack_files,
    deep_merge,
    error_of,
    load_with,
    stack_config,
)

ROLE = "postgresql:index/role:Role"
GRANT = "postgresql:index/grant:Grant"
DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges"
HOST = "learning-accelerator-db.fly.dev"


def password(synth: Synth, secret: str, slot: str) -> str:
    return str(synth.get(RANDOM_PASSWORD, f"secrets-{secret}-{slot}").outputs["result"])


def url(synth: Synth, role: str, slot: str) -> str:
    pw = password(synth, "DATABASE_PASSWORD", slot)
    return f"postgresql://{role}:{pw}@{HOST}:5432/learning_accelerator?sslmode=require"


def test_an_explicit_provider_from_the_stack_config(prod: Synth) -> None:
    provider = prod.get("pulumi:providers:postgresql", "postgres")
    assert {k: provider.inputs.get(k) for k in ("host", "port", "database", "username", "sslmode", "superuser")} == {
        "host": HOST,
        "port": "5432",
        "database": "postgres",
        "username": "postgres",
        "sslmode": "require",
        # Fly Postgres's postgres role is a superuser (fly.io/docs/postgres/managing/users-and-roles/)
        "superuser": "true",
    }
    assert prod.of_type("postgresql:index/grantRole:GrantRole") == []
    assert "password" in provider.secret_paths
    # every server-side resource goes through it
    on_server = [r for r in prod.resources if r.type.startswith("postgresql:")]
    assert len(on_server) == 7 + 1 + 1 + 9 + 4  # roles, database, schema, grants, default privileges
    assert {r.provider.rsplit("::", 1)[0] for r in on_server} == {provider.urn}


def test_a_non_superuser_admin_is_made_a_member_of_the_owner_before_the_database(synth: SynthFn) -> None:
    rds = synth("prod", {"platform:postgres": {"managedBy": "rds", "adminUser": "platform_admin"}})
    assert rds.get("pulumi:providers:postgresql", "postgres").inputs["superuser"] == "false"
    membership = rds.get("postgresql:index/grantRole:GrantRole", "postgres-admin-in-owner")
    assert membership.inputs == {"role": "platform_admin", "grantRole": "learning_accelerator_owner"}
    assert membership.urn in rds.get("postgresql:index/database:Database", "postgres-database").dependencies


def test_database_schema_and_roles(prod: Synth) -> None:
    database = prod.get("postgresql:index/database:Database", "postgres-database")
    assert (database.inputs["name"], database.inputs["owner"], database.inputs["connectionLimit"]) == (
        "learning_accelerator",
        "learning_accelerator_owner",
        80,  # runbook 003: fewer than 80 active connections
    )
    assert database.protect and prod.get("postgresql:index/schema:Schema", "postgres-schema").protect
    roles = {r.name: r.inputs for r in prod.of_type(ROLE)}
    assert {n: (r["name"], r.get("login"), r.get("roles", [])) for n, r in roles.items()} == {
        "postgres-owner": ("learning_accelerator_owner", False, []),
        "postgres-migrator": ("la_migrator", True, ["learning_accelerator_owner"]),
        "postgres-app": ("la_app", False, []),
        "postgres-app-a": ("la_app_a", True, ["la_app"]),
        "postgres-app-b": ("la_app_b", True, ["la_app"]),
        "postgres-readonly": ("la_readonly", True, []),
        "postgres-backup": ("la_backup", True, ["la_readonly"]),
    }
    app_a = roles["postgres-app-a"]
    assert {
        k: app_a[k] for k in ("connectionLimit", "statementTimeout", "idleInTransactionSessionTimeout", "searchPaths")
    } == {
        "connectionLimit": 50,  # runbook 001: pool 20 + overflow 30
        "statementTimeout": 30000,
        "idleInTransactionSessionTimeout": 600000,  # runbook 004: 10 minutes
        "searchPaths": ["app"],
    }
    # each login's password is its slot of the inventory, and secret
    assert app_a["password"] == password(prod, "DATABASE_PASSWORD", "a")
    assert roles["postgres-app-b"]["password"] == password(prod, "DATABASE_PASSWORD", "b")
    assert prod.get(ROLE, "postgres-app-a").secret_paths == ["password"]


def test_grants_are_exact_and_applied_one_after_another(prod: Synth) -> None:
    chain = [r for r in prod.resources if r.type in (GRANT, DEFAULTS)]
    summary = [
        (r.name.removeprefix("postgres-grant-"), r.inputs["role"], r.inputs["objectType"], r.inputs["privileges"])
        for r in chain
    ]
    tables, sequences = ["DELETE", "INSERT", "SELECT", "UPDATE"], ["SELECT", "USAGE"]
    assert summary == [
        ("revoke-public", "public", "database", []),
        ("app-connect", "la_app", "database", ["CONNECT"]),
        ("app-usage", "la_app", "schema", ["USAGE"]),
        ("app-tables", "la_app", "table", tables),
        ("app-sequences", "la_app", "sequence", sequences),
        ("app-future-tables", "la_app", "table", tables),
        ("app-future-sequences", "la_app", "sequence", sequences),
        ("readonly-connect", "la_readonly", "database", ["CONNECT"]),
        ("readonly-usage", "la_readonly", "schema", ["USAGE"]),
        ("readonly-tables", "la_readonly", "table", ["SELECT"]),
        ("readonly-sequences", "la_readonly", "sequence", ["SELECT"]),
        ("readonly-future-tables", "la_readonly", "table", ["SELECT"]),
        ("readonly-future-sequences", "la_readonly", "sequence", ["SELECT"]),
    ]
    for before, after in itertools.pairwise(chain):
        assert before.urn in after.dependencies, f"{after.name} does not wait for {before.name}"
    assert {r.inputs["owner"] for r in chain if r.type == DEFAULTS} == {"learning_accelerator_owner"}


def test_database_url_follows_the_current_slot_and_fly_gets_it(prod: Synth, synth: SynthFn) -> None:
    values = prod.get(FLY_SECRETS, "api").inputs["values"]
    # DATABASE_PASSWORD is at generation 2: slot b, login la_app_b; the overlap is over
    assert values["DATABASE_URL"] == url(prod, "la_app_b", "b")
    assert values["DATABASE_URL_PREVIOUS"] == values["DATABASE_URL"]
    during = synth("prod", {}, today=dt.date(2026, 11, 3))
    values = during.get(FLY_SECRETS, "api").inputs["values"]
    assert (values["DATABASE_URL"], values["DATABASE_URL_PREVIOUS"]) == (
        url(during, "la_app_b", "b"),
        url(during, "la_app_a", "a"),
    )


def test_rotating_the_app_password_replaces_one_random_resource_and_moves_the_url(tmp_path: Any) -> None:
    from ops.commands.rotate import rotate
    from ops.offline.synth import synthesize_stack

    project = copy_stack_files(tmp_path)
    day = dt.date(2026, 11, 23)
    before = synthesize_stack("prod", today=day, root=project)
    text = (project / "Pulumi.prod.yaml").read_text()
    rotate("prod", ["DATABASE_PASSWORD"], due=False, on=day, root=project)
    changed_lines = [
        (a, b)
        for a, b in zip(text.splitlines(), (project / "Pulumi.prod.yaml").read_text().splitlines(), strict=True)
        if a != b
    ]
    assert changed_lines == [
        (
            '        rotation: {generation: 2, lastRotated: "2026-11-02"}',
            '        rotation: {generation: 3, lastRotated: "2026-11-23"}',
        )
    ]
    after = synthesize_stack("prod", today=day, root=project)
    added, removed, inputs_changed = changed(before, after)
    assert (added, removed) == (set(), set())
    assert {k for k in inputs_changed if k[0] == RANDOM_PASSWORD} == {(RANDOM_PASSWORD, "secrets-DATABASE_PASSWORD-a")}
    assert inputs_changed == {
        (RANDOM_PASSWORD, "secrets-DATABASE_PASSWORD-a"),
        (ROLE, "postgres-app-a"),  # the older login gets the new password
        (FLY_SECRETS, "api"),
        *{(FLY_MACHINE, m.name) for m in api_machines(after)},  # restarted to boot with the new URL
    }
    values = after.get(FLY_SECRETS, "api").inputs["values"]
    assert (values["DATABASE_URL"], values["DATABASE_URL_PREVIOUS"]) == (
        url(after, "la_app_a", "a"),
        url(after, "la_app_b", "b"),
    )


def test_the_backup_machine(prod: Synth, synth: SynthFn) -> None:
    machine = prod.get(FLY_MACHINE, "database-backup-backup")
    config = machine.inputs["config"]
    assert "name" not in machine.inputs  # pulumi-flyio drops it (components/delivery/fly.py)
    assert (machine.inputs["app"], config["schedule"], config["init"]) == (
        "learning-accelerator-db-backup",
        "daily",
        {"cmd": ["python", "-m", "jobs.pg_backup"]},
    )
    env = config["env"]
    assert env["AWS_ROLE_ARN"] == prod.outputs["backupWriterRoleArn"]
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "BACKUP_PREFIX")} == {
        "PGHOST": HOST,
        "PGPORT": "5432",
        "PGDATABASE": "learning_accelerator",
        "PGUSER": "la_backup",
        "PGSSLMODE": "require",
        "BACKUP_PREFIX": "postgres/",
    }
    assert env["BACKUP_BUCKET"] == prod.outputs["backupBucket"]
    # production's backups are SSE-KMS: the job asks for the general key; the run is bounded by the deadline
    assert (env["BACKUP_KMS_KEY_ARN"], env["JOB_DEADLINE_SECONDS"]) == (prod.outputs["kmsKeyArns"]["general"], "14400")
    deadline = synth("prod", {"platform:postgres": {"backupJob": {"deadlineMinutes": 90}}})
    assert deadline.get(FLY_MACHINE, "database-backup-backup").inputs["config"]["env"]["JOB_DEADLINE_SECONDS"] == "5400"
    assert "PGPASSWORD" not in env and config["restart"] == {"policy": "no"}
    secrets = prod.get(FLY_SECRETS, "database-backup")
    assert secrets.secret_paths == ["values"]
    assert secrets.inputs["values"] == {"PGPASSWORD": password(prod, "DB_BACKUP_PASSWORD", "a")}
    assert "database-backup-restore-drill" not in [r.name for r in prod.of_type(FLY_MACHINE)]
    scheduled = synth("prod", SCHEDULED_DRILL)
    drill = scheduled.get(FLY_MACHINE, "database-backup-restore-drill").inputs
    assert (drill["config"]["schedule"], drill["config"]["env"]["DRILL_TABLES"]) == (
        "monthly",
        "users:created_at,courses",
    )
    assert drill["config"]["env"]["AWS_ROLE_ARN"] == scheduled.outputs["backupReaderRoleArn"]
    assert sorted(scheduled.get(FLY_SECRETS, "database-backup").inputs["values"]) == [
        "DRILL_DATABASE_URL",
        "PGPASSWORD",
    ]


P = "platform:postgres"
INVALID = [
    (
        {P: {"databaseConnectionLimit": 120}},
        "platform:postgres.databaseConnectionLimit: 120 exceeds maxConnections (100)",
    ),
    (
        {P: {"app": {"connectionLimit": 90}}},
        "platform:postgres.app.connectionLimit: 90 exceeds databaseConnectionLimit (80)",
    ),
    (
        {P: {"app": {"statementTimeoutMs": 0}}},
        "platform:postgres.app.statementTimeoutMs: Input should be greater than 0 (got 0)",
    ),
    (
        {P: {"app": {"idleInTransactionTimeoutMs": -5}}},
        "platform:postgres.app.idleInTransactionTimeoutMs: Input should be greater than 0",
    ),
    (
        {P: {"readonly": {"name": "Read-Only"}}},
        "platform:postgres.readonly.name: String should match pattern '^[a-z_][a-z0-9_]{0,62}$' (got 'Read-Only')",
    ),
    (
        {P: {"sslmode": "disable"}},
        "platform:postgres.sslmode: production connects with TLS: require, or verify-full and sslRootCert",
    ),
    (
        {P: {"sslRootCert": "certs/root.pem"}},
        "platform:postgres.sslmode: 'require': with sslRootCert given, use verify-full",
    ),
    (
        {P: {"backup": {"passwordSecret": "SECRET_KEY"}}},
        "platform:postgres.backup.passwordSecret: SECRET_KEY must be a generated secret with encoding password",
    ),
    (
        {P: {"backupJob": {"app": "other-backup"}}},
        "platform:postgres.backupJob: the backup job writes with backups.writer, which must trust fly",
    ),
]


@pytest.mark.parametrize(("override", "expected"), INVALID, ids=[e.split(":", 2)[1].split(" ")[0] for _, e in INVALID])
def test_bad_postgres_config_names_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("prod", override)


def test_the_admin_password_in_plain_text_is_refused() -> None:
    from components.shared.loader import ConfigError, load
    from tests.helpers import TODAY

    config, secret_keys = stack_config("prod")
    config["platform:POSTGRES_ADMIN_PASSWORD"] = "hunter2-in-plain-text"
    with pytest.raises(ConfigError) as exc:
        load(config, set(secret_keys) - {"platform:POSTGRES_ADMIN_PASSWORD"}, "prod", TODAY)
    assert (
        "platform:POSTGRES_ADMIN_PASSWORD: stored in plain text; run "
        "`pulumi config set --secret POSTGRES_ADMIN_PASSWORD" in str(exc.value)
    )
    assert "hunter2" not in str(exc.value)


def test_staging_may_connect_without_tls(synth: SynthFn) -> None:
    s = synth("staging", {P: {"sslmode": "disable", "host": "localhost"}})
    assert s.get("pulumi:providers:postgresql", "postgres").inputs["sslmode"] == "disable"


def test_supabase_direct_host_needs_the_ipv4_add_on_or_the_pooler() -> None:
    direct = {"platform:postgres": {"managedBy": "supabase", "host": "db.abcdefghijklmnopqrst.supabase.co"}}
    assert error_of("prod", direct).splitlines()[-1] == (
        "  - platform:postgres.host: 'db.abcdefghijklmnopqrst.supabase.co' is Supabase's direct host, which is "
        "IPv6-only without the IPv4 add-on, and GitHub-hosted runners have no IPv6: use the session pooler host "
        "(aws-0-<region>.pooler.supabase.com), or set ipv4: true if the project has the add-on"
    )
    assert load_with("prod", deep_merge(direct, {"platform:postgres": {"ipv4": True}})).postgres is not None
    pooler = {"platform:postgres": {"managedBy": "supabase", "host": "aws-0-us-east-1.pooler.supabase.com"}}
    assert load_with("prod", pooler).postgres is not None

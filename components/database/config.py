"""`platform:postgres`: the application database of every runbook (Fly Postgres, Supabase, Prisma Postgres, RDS).

Connection settings come from runbooks 001, 003 and 004: pool 20 + overflow 30, under 80 active
connections, idle-in-transaction sessions killed after 10 minutes, queries logged past 1 s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components.secrets.config import Consumer, SecretItem, is_provided
from components.shared.base import Hostname, Model, SecretName, Slug, raise_if, repeated

if TYPE_CHECKING:
    from components.backups.config import BackupsConfig
    from components.delivery.fly_config import FlyConfig
    from components.delivery.vercel_config import VercelConfig

# A PostgreSQL identifier we create: lowercase, so it never needs quoting, and at most 63 bytes.
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
Managed = Literal["supabase", "fly", "prisma", "rds", "self-hosted"]
# Supabase's direct host; IPv6-only unless the IPv4 add-on is bought (supabase.com/docs/guides/platform/ipv4-address)
SUPABASE_DIRECT_HOST = re.compile(r"^db\.[a-z0-9]+\.supabase\.co$")
SslMode = Literal["disable", "require", "verify-ca", "verify-full"]


def _fly() -> list[Consumer]:
    return ["fly"]


class LoginRole(Model):
    """A login role whose password is a generated secret of platform:secrets."""

    name: Identifier
    password_secret: SecretName
    connection_limit: int = Field(default=2, ge=1, le=10_000)


class AppRoles(Model):
    """The app's group role and its two alternating logins, `<name>_a` and `<name>_b`."""

    name: Identifier
    password_secret: SecretName = "DATABASE_PASSWORD"
    # runbook 001: pool_size 20 + max_overflow 30 per app process
    connection_limit: int = Field(default=50, ge=1, le=10_000)
    statement_timeout_ms: int = Field(default=30_000, gt=0, le=86_400_000)
    # runbook 004: kill idle connections older than 10 minutes
    idle_in_transaction_timeout_ms: int = Field(default=600_000, gt=0, le=86_400_000)
    url_consumers: list[Consumer] = Field(default_factory=lambda: _fly())


# A table the app made: Prisma names them "User", "Task"; the drill quotes them.
TableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]


class TableCheck(Model):
    table: TableName
    newest_column: Identifier | None = None  # a timestamp column: the newest row must be within the RPO


class RestoreDrill(Model):
    """Runbook 000's quarterly restore test: what a restored copy must contain."""

    tables: list[TableCheck] = Field(min_length=1)
    rto_hours: int = Field(default=4, ge=1, le=72)  # runbook 002
    rpo_hours: int = Field(default=24, ge=1, le=168)  # runbook 002
    schedule: Literal["monthly"] | None = None
    target_url_secret: SecretName | None = None  # a server where the drill may create a scratch database

    def job_env(self, schema: str) -> dict[str, str]:
        """What jobs.restore_drill reads: DRILL_TABLES as `table[:timestamp column],…` (in DRILL_SCHEMA, the
        schema the migrator creates them in), RPO_HOURS, RTO_HOURS."""
        tables = ",".join(f"{t.table}:{t.newest_column}" if t.newest_column else t.table for t in self.tables)
        return {
            "DRILL_TABLES": tables,
            "DRILL_SCHEMA": schema,
            "RPO_HOURS": str(self.rpo_hours),
            "RTO_HOURS": str(self.rto_hours),
        }

    @model_validator(mode="after")
    def _scheduled_needs_a_target(self) -> RestoreDrill:
        if self.schedule is not None and self.target_url_secret is None:
            raise_if([("targetUrlSecret", "a scheduled drill needs a server to restore into (a provided secret)")])
        return self


class BackupJob(Model):
    """The nightly `pg_dump` of runbooks 000 and 002, as a scheduled Fly machine in its own app."""

    app: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    org: Slug
    image: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][\w./-]*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$")]
    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")] = "iad"
    # Fly runs a daily machine once a day at a time it picks; runbook 002's 2 AM is not expressible.
    schedule: Literal["hourly", "daily", "weekly", "monthly"] = "daily"
    # The whole run, dump to metric; past it the job aborts the upload, stops pg_dump and says where it was.
    deadline_minutes: int = Field(default=240, ge=5, le=1440)


class PostgresConfig(Model):
    managed_by: Managed
    host: Hostname | Literal["localhost"]
    port: int = Field(default=5432, ge=1, le=65535)
    admin_database: Identifier = "postgres"
    admin_user: Identifier = "postgres"
    admin_password_secret: SecretName = "POSTGRES_ADMIN_PASSWORD"
    sslmode: SslMode = "require"
    ssl_root_cert: Annotated[str, StringConstraints(pattern=r"^[\w./-]+\.(pem|crt)$")] | None = None
    max_connections: int = Field(default=100, ge=1, le=10_000, description="the server's max_connections")
    database: Identifier
    # runbook 003: fewer than 80 active connections
    database_connection_limit: int = Field(default=80, ge=1, le=10_000)
    schema_name: Identifier = Field(default="app", alias="schema")
    app: AppRoles
    migrator: LoginRole
    readonly: LoginRole
    backup: LoginRole
    backup_job: BackupJob | None = None
    restore_drill: RestoreDrill | None = None
    # Why a stack has no backup job or restore drill here (the provider's own backups, say); the audit shows it.
    recovery_elsewhere: Annotated[str, StringConstraints(min_length=10, max_length=300)] | None = None
    # runbook 001: log_min_duration_statement = 1000; a server setting, see the README
    slow_query_ms: int = Field(default=1000, ge=-1, le=3_600_000)
    # Supabase: the project has the IPv4 add-on, so its direct host answers on IPv4 too
    ipv4: bool = False

    @model_validator(mode="after")
    def _fits(self) -> PostgresConfig:
        problems = []
        if self.ssl_root_cert is not None and self.sslmode != "verify-full":
            problems.append(("sslmode", f"{self.sslmode!r}: with sslRootCert given, use verify-full"))
        if self.database_connection_limit > self.max_connections:
            problems.append(
                (
                    "databaseConnectionLimit",
                    f"{self.database_connection_limit} exceeds maxConnections ({self.max_connections})",
                )
            )
        logins = {
            # each login alone; the database's own limit caps them together
            "app.connectionLimit": self.app.connection_limit,
            "migrator.connectionLimit": self.migrator.connection_limit,
            "readonly.connectionLimit": self.readonly.connection_limit,
            "backup.connectionLimit": self.backup.connection_limit,
        }
        for where, limit in logins.items():
            if limit > self.database_connection_limit:
                problems.append((where, f"{limit} exceeds databaseConnectionLimit ({self.database_connection_limit})"))
        if self.managed_by == "supabase" and SUPABASE_DIRECT_HOST.match(self.host) and not self.ipv4:
            problems.append(
                (
                    "host",
                    f"{self.host!r} is Supabase's direct host, which is IPv6-only without the IPv4 add-on, and "
                    "GitHub-hosted runners have no IPv6: use the session pooler host "
                    "(aws-0-<region>.pooler.supabase.com), or set ipv4: true if the project has the add-on",
                )
            )
        names = [self.app.name, f"{self.app.name}_a", f"{self.app.name}_b", self.owner_role]
        names += [self.migrator.name, self.readonly.name, self.backup.name, self.admin_user]
        problems += [("", f"role {n!r} is named twice") for n in repeated(names)]
        raise_if(problems)
        return self

    @property
    def owner_role(self) -> str:
        return f"{self.database}_owner"

    @property
    def superuser(self) -> bool:
        # Fly Postgres's `postgres` role is a superuser (fly.io/docs/postgres/managing/users-and-roles/);
        # Supabase's, Prisma's and RDS's admins are not.
        return self.managed_by in ("fly", "self-hosted")

    def secrets(self) -> list[str]:
        return [self.app.password_secret, self.migrator.password_secret, self.readonly.password_secret]

    def problems(
        self,
        production: bool,
        items: Mapping[str, SecretItem],
        fly: FlyConfig | None,
        vercel: VercelConfig | None,
        backups: BackupsConfig | None,
    ) -> list[tuple[str, str]]:
        """Against the rest of the stack: TLS in production, the logins' secrets, the URL's consumers, and
        the backup job's writer."""
        problems = []
        if production and self.sslmode == "disable":
            problems.append(
                ("postgres.sslmode", "production connects with TLS: require, or verify-full and sslRootCert")
            )
        logins: dict[str, AppRoles | LoginRole] = {
            "app": self.app,
            "migrator": self.migrator,
            "readonly": self.readonly,
            "backup": self.backup,
        }
        for where, login in logins.items():
            item = items.get(login.password_secret)
            if item is None or item.kind != "generated" or item.encoding != "password":
                problems.append(
                    (
                        f"postgres.{where}.passwordSecret",
                        f"{login.password_secret} must be a generated secret with encoding password in secrets.items",
                    )
                )
        provided = [("adminPasswordSecret", self.admin_password_secret)]
        if self.restore_drill is not None and self.restore_drill.target_url_secret is not None:
            provided.append(("restoreDrill.targetUrlSecret", self.restore_drill.target_url_secret))
        for where, name in provided:
            if not is_provided(items, name):
                problems.append((f"postgres.{where}", f"{name} must be a provided secret in secrets.items"))
        for consumer in self.app.url_consumers:
            section = consumer.split(":")[0]
            if {"fly": fly, "vercel": vercel}[section] is None:
                problems.append(("postgres.app.urlConsumers", f"this stack declares no platform:{section}"))
        if (job := self.backup_job) is not None:
            writer = backups.writer.fly if backups is not None else None
            if writer is None or (writer.org, writer.app) != (job.org, job.app):
                problems.append(
                    (
                        "postgres.backupJob",
                        f"the backup job writes with backups.writer, which must trust fly: {{org: {job.org}, "
                        f"app: {job.app}}} (and needs a platform:backups section)",
                    )
                )
        return problems

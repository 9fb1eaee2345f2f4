"""The application database on any PostgreSQL server, with least-privilege roles (runbooks 000-004)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pulumi
import pulumi_postgresql as postgresql

from components.database.config import LoginRole, PostgresConfig

APP_TABLE_PRIVILEGES = ["DELETE", "INSERT", "SELECT", "UPDATE"]
APP_SEQUENCE_PRIVILEGES = ["SELECT", "USAGE"]


@dataclass(frozen=True, kw_only=True)
class PostgresDatabaseArgs:
    postgres: PostgresConfig
    admin_password: pulumi.Output[str]
    # generated secret -> slot -> password (SecretsInventory.slots); logins other than the app's use the current one
    slots: Mapping[str, Mapping[str, pulumi.Output[str]]]
    current: Mapping[str, pulumi.Output[str]]
    protect: bool


def connection_url(cfg: PostgresConfig, role: str, password: pulumi.Output[str]) -> pulumi.Output[str]:
    """A libpq URL for `role`; the password is URL-safe by construction, and quoted anyway."""
    return pulumi.Output.secret(
        password.apply(
            lambda p: (
                f"postgresql://{role}:{quote(p, safe='')}@{cfg.host}:{cfg.port}/{cfg.database}?sslmode={cfg.sslmode}"
            )
        )
    )


def _of(login: LoginRole) -> tuple[str, int]:
    return login.name, login.connection_limit


def app_url(cfg: PostgresConfig) -> Callable[[str, pulumi.Output[str]], pulumi.Output[str]]:
    """The app's URL for each password slot: slot a logs in as `<app>_a`, slot b as `<app>_b`."""
    return lambda slot, password: connection_url(cfg, f"{cfg.app.name}_{slot}", password)


class PostgresDatabase(pulumi.ComponentResource):
    """An explicit PostgreSQL provider built from the stack config (never from PG* environment variables),
    and through it: a NOLOGIN owner role that owns the database and its schema; a migration login in the
    owner role; the app's NOLOGIN group role with two alternating logins `<app>_a` and `<app>_b`, one per
    slot of the app's password; a read-only login; a backup login in the read-only role; and grants and
    default privileges, applied one after another, so tables created later get the same access.
    The database and the schema are protected when `protect`.
    """

    def __init__(self, name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:data:PostgresDatabase", name, None, opts)
        cfg = args.postgres
        self.provider = postgresql.Provider(
            name,
            host=cfg.host,
            port=cfg.port,
            database=cfg.admin_database,
            username=cfg.admin_user,
            password=args.admin_password,
            sslmode=cfg.sslmode,
            sslrootcert=cfg.ssl_root_cert,
            superuser=cfg.superuser,
            connect_timeout=15,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_server = pulumi.ResourceOptions(parent=self, provider=self.provider)
        stateful = pulumi.ResourceOptions.merge(on_server, pulumi.ResourceOptions(protect=args.protect))
        self.owner = postgresql.Role(f"{name}-owner", name=cfg.owner_role, login=False, opts=on_server)
        # A non-superuser admin (Supabase, RDS) acts on the database's privileges only as a member of its
        # owner: the provider makes itself one for schemas, tables and default privileges
        # (withRolesGranted in postgresql/helpers.go) but not for database grants (getRolesToGrant in
        # resource_postgresql_grant.go returns no owner for object_type database), so without this
        # REVOKE ... FROM PUBLIC and GRANT CONNECT do nothing and read back as a diff forever.
        self.admin_membership = (
            None
            if cfg.superuser
            else postgresql.GrantRole(
                f"{name}-admin-in-owner",
                role=cfg.admin_user,
                grant_role=self.owner.name,
                opts=on_server,
            )
        )
        self.database = postgresql.Database(
            f"{name}-database",
            name=cfg.database,
            owner=self.owner.name,
            connection_limit=cfg.database_connection_limit,
            opts=pulumi.ResourceOptions.merge(
                stateful, pulumi.ResourceOptions(depends_on=[self.admin_membership] if self.admin_membership else [])
            ),
        )
        self.schema = postgresql.Schema(
            f"{name}-schema", name=cfg.schema_name, database=self.database.name, owner=self.owner.name, opts=stateful
        )
        current = args.current
        # The migrator works as the owner: at login it switches to the owner role (ALTER ROLE ... SET role),
        # with the app schema first on its search_path, so an unqualified CREATE TABLE makes a table the
        # owner owns in the app schema, which is what the default privileges below are declared for.
        self.migrator = self._login(
            f"{name}-migrator",
            _of(cfg.migrator),
            current[cfg.migrator.password_secret],
            [self.owner.name],
            assume_role=self.owner.name,
            search_paths=[cfg.schema_name],
        )
        self.app = postgresql.Role(f"{name}-app", name=cfg.app.name, login=False, opts=on_server)
        self.app_logins = {
            slot: self._login(
                f"{name}-app-{slot}",
                (f"{cfg.app.name}_{slot}", cfg.app.connection_limit),
                password,
                [self.app.name],
                statement_timeout=cfg.app.statement_timeout_ms,
                idle_in_transaction_session_timeout=cfg.app.idle_in_transaction_timeout_ms,
                search_paths=[cfg.schema_name],
            )
            for slot, password in sorted(args.slots[cfg.app.password_secret].items())
        }
        self.readonly = self._login(
            f"{name}-readonly",
            _of(cfg.readonly),
            current[cfg.readonly.password_secret],
            [],
            search_paths=[cfg.schema_name],  # analytics' unqualified queries find the app's tables
        )
        self.backup = self._login(
            f"{name}-backup", _of(cfg.backup), current[cfg.backup.password_secret], [self.readonly.name]
        )
        self.grants = self._grants(name, cfg, on_server)
        self.register_outputs({"database": self.database.name, "schema": self.schema.name})

    def _login(
        self,
        logical: str,
        login: tuple[str, int],  # role name, connection limit
        password: pulumi.Output[str],
        member_of: list[pulumi.Output[str]],
        **settings: Any,  # statement_timeout and the like, for the app logins
    ) -> postgresql.Role:
        return postgresql.Role(
            logical,
            name=login[0],
            login=True,
            password=password,
            roles=member_of,
            connection_limit=login[1],
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
            **settings,
        )

    def _grants(self, name: str, cfg: PostgresConfig, on_server: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
        """Applied one after another: parallel grants fail with "tuple concurrently updated"
        (cyrilgdn/terraform-provider-postgresql#178)."""
        db, schema = self.database.name, self.schema.name
        plan: list[tuple[str, type, dict[str, object]]] = [
            # PUBLIC may not connect: only the roles granted below do.
            ("revoke-public", postgresql.Grant, {"role": "public", "object_type": "database", "privileges": []}),
        ]
        for who, role in (("app", self.app), ("readonly", self.readonly)):
            tables = APP_TABLE_PRIVILEGES if who == "app" else ["SELECT"]
            sequences = APP_SEQUENCE_PRIVILEGES if who == "app" else ["SELECT"]
            plan += [
                (
                    f"{who}-connect",
                    postgresql.Grant,
                    {"role": role.name, "object_type": "database", "privileges": ["CONNECT"]},
                ),
                (
                    f"{who}-usage",
                    postgresql.Grant,
                    {"role": role.name, "schema": schema, "object_type": "schema", "privileges": ["USAGE"]},
                ),
                (
                    f"{who}-tables",
                    postgresql.Grant,
                    {"role": role.name, "schema": schema, "object_type": "table", "privileges": tables},
                ),
                (
                    f"{who}-sequences",
                    postgresql.Grant,
                    {"role": role.name, "schema": schema, "object_type": "sequence", "privileges": sequences},
                ),
                (
                    f"{who}-future-tables",
                    postgresql.DefaultPrivileges,
                    {
                        "role": role.name,
                        "owner": self.owner.name,
                        "schema": schema,
                        "object_type": "table",
                        "privileges": tables,
                    },
                ),
                (
                    f"{who}-future-sequences",
                    postgresql.DefaultPrivileges,
                    {
                        "role": role.name,
                        "owner": self.owner.name,
                        "schema": schema,
                        "object_type": "sequence",
                        "privileges": sequences,
                    },
                ),
            ]
        made: list[pulumi.CustomResource] = []
        for suffix, kind, props in plan:
            made.append(
                kind(
                    f"{name}-grant-{suffix}",
                    database=db,
                    **props,
                    opts=pulumi.ResourceOptions.merge(on_server, pulumi.ResourceOptions(depends_on=made[-1:])),
                )
            )
        return made

"""The plan's PostgreSQL resources applied to a real server with the SQL pulumi-postgresql runs for them.

pulumi-postgresql is a bridge of cyrilgdn/terraform-provider-postgresql; each function below follows
one of its Create paths (file and function named), statement for statement, including the temporary
role memberships a non-superuser admin is given (`with_roles_granted`). Only what this project
declares is translated: an input the translation does not know fails loudly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ops.offline.synth import Resource, Synth
from tests.servers import Postgres

ROLE = "postgresql:index/role:Role"
GRANT_ROLE = "postgresql:index/grantRole:GrantRole"
DATABASE = "postgresql:index/database:Database"
SCHEMA = "postgresql:index/schema:Schema"
GRANT = "postgresql:index/grant:Grant"
DEFAULT_PRIVILEGES = "postgresql:index/defaultPrivileges:DefaultPrivileges"
TYPES = (ROLE, GRANT_ROLE, DATABASE, SCHEMA, GRANT, DEFAULT_PRIVILEGES)


def ident(name: str) -> str:
    """pq.QuoteIdentifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """pqQuoteLiteral (postgresql/helpers.go)."""
    return value.replace("'", "''")


def number(value: object) -> int:
    """The engine sends numbers as floats (a protobuf Struct); the provider formats its ints with %d."""
    assert isinstance(value, int | float) and float(value).is_integer(), value
    return int(value)


def in_order(synth: Synth) -> list[Resource]:
    """The PostgreSQL resources in the order the engine may apply them: each after what it depends on."""
    todo = [r for r in synth.resources if r.type in TYPES]
    urns = {r.urn for r in todo}
    done: list[Resource] = []
    seen: set[str] = set()
    while todo:
        ready = sorted((r for r in todo if {d for d in r.dependencies if d in urns} <= seen), key=lambda r: r.name)
        assert ready, f"a dependency cycle among {[r.name for r in todo]}"
        done.append(ready[0])
        seen.add(ready[0].urn)
        todo.remove(ready[0])
    return done


@dataclass
class Applier:
    """Runs the translated SQL as `admin` (a superuser, or a CREATEROLE non-superuser)."""

    server: Postgres
    admin: str
    admin_password: str

    def execute(self, sql: str, database: str = "postgres", single_transaction: bool = True) -> str:
        """The statements as the admin, in one transaction unless told otherwise (as the provider's)."""
        answer = self.server.session(sql, database, self.admin, self.admin_password, transaction=single_transaction)
        if not answer.ok:
            raise AssertionError(f"as {self.admin} in {database}:\n{sql}\n{answer.error}")
        return answer.out

    def is_superuser(self, role: str) -> bool:
        """isSuperuser (postgresql/helpers.go)."""
        return self.execute(f"SELECT rolsuper FROM pg_roles WHERE rolname = '{literal(role)}'") == "t"

    def is_member(self, role: str, member: str) -> bool:
        """isMemberOfRole (postgresql/helpers.go)."""
        return bool(
            self.execute(
                "SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = "
                f"'{literal(role)}' AND pg_get_userbyid(member) = '{literal(member)}'"
            )
        )

    def with_roles_granted(self, roles: Iterable[str], statements: list[str]) -> list[str]:
        """withRolesGranted (postgresql/helpers.go): a non-superuser admin is made a member of each role
        for the statements' transaction, then removed again."""
        if self.is_superuser(self.admin):
            return statements
        granted = [
            r for r in roles if not self.is_superuser(r) and r != self.admin and not self.is_member(r, self.admin)
        ]
        return (
            [f"GRANT {ident(r)} TO {ident(self.admin)}" for r in granted]
            + statements
            + [f"REVOKE {ident(r)} FROM {ident(self.admin)}" for r in granted]
        )

    def apply(self, resources: list[Resource]) -> None:
        for r in resources:
            getattr(self, "_" + r.type.rsplit(":", 1)[-1].lower())(r.inputs)

    def _role(self, i: dict[str, object]) -> None:
        """resourcePostgreSQLRoleCreate (postgresql/resource_postgresql_role.go)."""
        known = {"name", "login", "password", "roles", "connectionLimit", "statementTimeout"}
        known |= {"idleInTransactionSessionTimeout", "searchPaths", "assumeRole"}
        assert set(i) <= known, f"the translation does not know {sorted(set(i) - known)}"
        name = str(i["name"])
        opts = []
        if i.get("password"):
            opts.append(f"ENCRYPTED PASSWORD '{literal(str(i['password']))}'")
        opts.append("VALID UNTIL 'infinity'")
        opts.append(f"CONNECTION LIMIT {number(i.get('connectionLimit', -1))}")
        opts += ["NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "INHERIT"]
        opts.append("LOGIN" if i.get("login") else "NOLOGIN")
        opts += ["NOBYPASSRLS", "NOREPLICATION"]  # featureRLS and featureReplication on PostgreSQL >= 9.5
        sql = [f"CREATE ROLE {ident(name)} WITH {' '.join(opts)}"]
        # grantRoles, alterSearchPath, setStatementTimeout, setIdleInTransactionSessionTimeout, setAssumeRole
        sql += [f"GRANT {ident(str(m))} TO {ident(name)}" for m in i.get("roles") or []]  # type: ignore[attr-defined]
        paths = [ident(str(p)) for p in i.get("searchPaths") or []] or ["DEFAULT"]  # type: ignore[attr-defined]
        sql.append(f"ALTER ROLE {ident(name)} SET search_path TO {', '.join(paths)}")
        for setting, key in (
            ("statement_timeout", "statementTimeout"),
            ("idle_in_transaction_session_timeout", "idleInTransactionSessionTimeout"),
        ):
            value = i.get(key)
            sql.append(
                f"ALTER ROLE {ident(name)} SET {setting} TO {number(value)}"
                if value
                else f"ALTER ROLE {ident(name)} RESET {setting}"
            )
        role = i.get("assumeRole")
        sql.append(
            f"ALTER ROLE {ident(name)} SET ROLE TO {ident(str(role))}"
            if role
            else f"ALTER ROLE {ident(name)} RESET ROLE"
        )
        self.execute(";\n".join(sql) + ";")

    def set_password(self, name: str, password: str) -> None:
        """setRolePassword (postgresql/resource_postgresql_role.go), on a password change."""
        self.execute(f"ALTER ROLE {ident(name)} PASSWORD '{literal(password)}';")

    def _grantrole(self, i: dict[str, object]) -> None:
        """createGrantRoleQuery (postgresql/resource_postgresql_grant_role.go)."""
        self.execute(f"GRANT {ident(str(i['grantRole']))} TO {ident(str(i['role']))};")

    def _database(self, i: dict[str, object]) -> None:
        """createDatabase (postgresql/resource_postgresql_database.go): the admin is made a member of the
        owner for CREATE DATABASE ... OWNER, and removed again if it was not one before."""
        name, owner = str(i["name"]), str(i["owner"])
        granted = not self.is_member(owner, self.admin) and owner != self.admin
        if granted:
            self.execute(f"GRANT {ident(owner)} TO {ident(self.admin)};")
        self.execute(
            f"CREATE DATABASE {ident(name)} OWNER {ident(owner)} TEMPLATE template0 ENCODING 'UTF8'"
            f" ALLOW_CONNECTIONS true CONNECTION LIMIT {number(i.get('connectionLimit', -1))} IS_TEMPLATE false;",
            single_transaction=False,
        )
        if granted:
            self.execute(f"REVOKE {ident(owner)} FROM {ident(self.admin)};")

    def _schema(self, i: dict[str, object]) -> None:
        """resourcePostgreSQLSchemaCreate / createSchema (postgresql/resource_postgresql_schema.go)."""
        database, name, owner = str(i["database"]), str(i["name"]), str(i["owner"])
        db_owner = self.execute(
            f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{literal(database)}'"
        )
        roles = [db_owner] + ([owner] if owner != db_owner else [])
        sql = self.with_roles_granted(roles, [f"CREATE SCHEMA {ident(name)} AUTHORIZATION {ident(owner)}"])
        self.execute(";\n".join(sql) + ";", database)

    def _grant(self, i: dict[str, object]) -> None:
        """resourcePostgreSQLGrantCreateOrUpdate, createRevokeQuery, createGrantQuery, getRolesToGrant
        (postgresql/resource_postgresql_grant.go): revoke all, then grant, as the owners where needed."""
        database, role, kind = str(i["database"]), str(i["role"]), str(i["objectType"])
        privileges = ",".join(i.get("privileges") or [])  # type: ignore[arg-type]
        schema = str(i.get("schema") or "")
        if kind == "database":
            revoke = f"REVOKE ALL PRIVILEGES ON DATABASE {ident(database)} FROM {ident(role)}"
            grant = f"GRANT {privileges} ON DATABASE {ident(database)} TO {ident(role)}"
            owners: list[str] = []  # getRolesToGrant returns none for a database
        elif kind == "schema":
            revoke = f"REVOKE ALL PRIVILEGES ON SCHEMA {ident(schema)} FROM {ident(role)}"
            grant = f"GRANT {privileges} ON SCHEMA {ident(schema)} TO {ident(role)}"
            owners = [self._schema_owner(database, schema)]
        else:
            plural = kind.upper() + "S"
            revoke = f"REVOKE ALL PRIVILEGES ON ALL {plural} IN SCHEMA {ident(schema)} FROM {ident(role)}"
            grant = f"GRANT {privileges} ON ALL {plural} IN SCHEMA {ident(schema)} TO {ident(role)}"
            tables = self.execute(
                f"SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = '{literal(schema)}'",
                database,
            )
            owners = [o for o in tables.split(",") if o] + [self._schema_owner(database, schema)]
        sql = [revoke] + ([grant] if privileges else [])  # grantRolePrivileges skips an empty list
        self.execute(";\n".join(self.with_roles_granted(owners, sql)) + ";", database)

    def _schema_owner(self, database: str, schema: str) -> str:
        return self.execute(
            f"SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = '{literal(schema)}'", database
        )

    def _defaultprivileges(self, i: dict[str, object]) -> None:
        """resourcePostgreSQLDefaultPrivilegesCreate, revokeRoleDefaultPrivileges,
        grantRoleDefaultPrivileges (postgresql/resource_postgresql_default_privileges.go)."""
        database, owner, role = str(i["database"]), str(i["owner"]), str(i["role"])
        schema, plural = str(i["schema"]), str(i["objectType"]).upper() + "S"
        privileges = ",".join(i.get("privileges") or [])  # type: ignore[arg-type]
        scope = f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(owner)} IN SCHEMA {ident(schema)}"
        sql = [f"{scope} REVOKE ALL ON {plural} FROM {ident(role)}"]
        if privileges:
            sql.append(f"{scope} GRANT {privileges} ON {plural} TO {ident(role)}")
        self.execute(";\n".join(self.with_roles_granted([owner], sql)) + ";", database)

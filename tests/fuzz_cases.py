"""The malformed stack files of test_fuzz_stack_files.py: each case builds a file's text and names the key
and line its error must name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers import deep_merge, dump, file_config, line_of

SECRET = "sk_live_DO_NOT_PRINT_4242"


@dataclass(frozen=True)
class Case:
    id: str
    stack: str
    build: Callable[[], str]  # the file's text
    key: str  # what the message must name
    line: int | Callable[[str], int]  # the line it must name, or how to find it in the text


def override(id_: str, changes: dict[str, Any], key: str, *path: str, stack: str = "prod") -> Case:
    return Case(id_, stack, lambda: dump(deep_merge(file_config(stack), changes)), key, line_of(*path))


def text(id_: str, body: str | Callable[[], str], line: int, key: str = "", stack: str = "prod") -> Case:
    return Case(id_, stack, body if callable(body) else (lambda: body), key, line)


def prod_text() -> str:
    return (Path(__file__).parent.parent / "Pulumi.prod.yaml").read_text()


def billion_laughs() -> str:
    rows = ['config:\n  platform:app: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"  platform:l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(rows) + "\n"


B, S, F, V = "platform:backups", "platform:secrets", "platform:fly", "platform:vercel"
SK = {"items": {"SECRET_KEY": {"rotation": {"generation": 3, "lastRotated": "2026-11-02"}}}}

CASES = [
    # --- the file itself
    text("yaml-syntax", "config:\n  platform:app: [unclosed\n  aws:region: us-east-1\n", 3),
    text("yaml-tab", "config:\n\tplatform:app: x\n", 2),
    text(
        "duplicate-section", prod_text().replace("  platform:vercel:", "  platform:backups: {}\n  platform:vercel:"), 0
    ),
    text("duplicate-secret", prod_text().replace("      CRON_SECRET:", "      SECRET_KEY: {}\n      CRON_SECRET:"), 0),
    text("not-utf8", lambda: "config:\n  platform:app: caf\xe9\n", 2),
    text("document-is-a-list", "- config\n- platform:app\n", 1),
    text("config-is-a-list", "config:\n  - platform:app\n", 1),
    text("python-object-tag", "config:\n  platform:app: !!python/object:os.system {}\n", 2),
    text("python-name-tag", "config:\n  platform:app: !!python/name:os.system\n", 2),
    text("custom-tag", "config:\n  aws:region: !Ref Region\n", 2),
    text("billion-laughs", billion_laughs(), 0),
    text("unknown-top-level", "config:\n  platform:app: x\nbackend: s3://x\n", 3),
    text("unnamespaced-key", "config:\n  app: learning-accelerator\n", 2),
    text("too-large", "config:\n  platform:app: x\n" + "# padding\n" * 30_000, 1),
    # --- loose types: a bool is never a number, a string never a count
    override("retention-true", {B: {"retentionDays": True}}, "platform:backups.retentionDays", B, "retentionDays"),
    override("retention-string", {B: {"retentionDays": "30"}}, "platform:backups.retentionDays", B, "retentionDays"),
    override("retention-float", {B: {"retentionDays": 30.5}}, "platform:backups.retentionDays", B, "retentionDays"),
    override("fly-count-string", {F: {"regions": {"iad": "2"}}}, "platform:fly.regions.iad", F, "regions", "iad"),
    override("fly-count-true", {F: {"regions": {"ord": True}}}, "platform:fly.regions.ord", F, "regions", "ord"),
    override("cpus-string", {F: {"guest": {"cpus": "1"}}}, "platform:fly.guest.cpus", F, "guest", "cpus"),
    override("port-true", {F: {"internalPort": True}}, "platform:fly.internalPort", F, "internalPort"),
    override(
        "maintenance-yes", {V: {"maintenanceMode": "yes"}}, "platform:vercel.maintenanceMode", V, "maintenanceMode"
    ),
    override("overlap-string", {S: {"overlapDays": "1"}}, "platform:secrets.overlapDays", S, "overlapDays"),
    override(
        "generation-true",
        {S: {"items": {"SECRET_KEY": {"rotation": {"generation": True}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.generation",
        S,
        "SECRET_KEY",
        "generation",
    ),
    # --- one way to set each thing
    override("platform-awsRegion", {"platform:awsRegion": "us-west-2"}, "platform:awsRegion", "platform:awsRegion"),
    override("platform-aws-region", {"platform:aws:region": "us-west-2"}, "platform:aws:region", "platform:aws:region"),
    override("snake-case", {B: {"retention_days": 7}}, "platform:backups.retention_days", B, "retention_days"),
    override("snake-case-fly", {F: {"internal_port": 80}}, "platform:fly.internal_port", F, "internal_port"),
    # --- typos under provider namespaces
    override("aws-regoin", {"aws:regoin": "us-east-1"}, "aws:regoin", "aws:regoin"),
    override("aws-profil", {"aws:profil": "ops"}, "aws:profil", "aws:profil"),
    override("vercel-apiTokn", {"vercel:apiTokn": "x"}, "vercel:apiTokn", "vercel:apiTokn"),
    override("flyio-tokn", {"flyio:tokn": "x"}, "flyio:tokn", "flyio:tokn"),
    override("postgresql-hots", {"postgresql:hots": "db"}, "postgresql:hots", "postgresql:hots"),
    override("random-anything", {"random:seed": "1"}, "random:seed", "random:seed"),
    override("unknown-namespace", {"gcp:project": "x"}, "gcp:project", "gcp:project"),
    # --- plain-text secrets in env
    override(
        "vercel-stripe",
        {V: {"env": {"STRIPE_SECRET_KEY": SECRET}}},
        "platform:vercel.env.STRIPE_SECRET_KEY",
        V,
        "STRIPE_SECRET_KEY",
    ),
    override(
        "vercel-db-url", {V: {"env": {"DATABASE_URL": SECRET}}}, "platform:vercel.env.DATABASE_URL", V, "DATABASE_URL"
    ),
    override(
        "vercel-x-secret",
        {V: {"env": {"WEBHOOK_SECRET": SECRET}}},
        "platform:vercel.env.WEBHOOK_SECRET",
        V,
        "WEBHOOK_SECRET",
    ),
    override(
        "vercel-token-obj",
        {V: {"env": {"API_TOKEN": {"value": SECRET}}}},
        "platform:vercel.env.API_TOKEN",
        V,
        "API_TOKEN",
    ),
    override(
        "vercel-secret-bad-type",
        {V: {"env": {"API_TOKEN": {"value": 12345678}}}},
        "platform:vercel.env.API_TOKEN.value",
        V,
        "API_TOKEN",
        "value",
    ),
    override("fly-password", {F: {"env": {"DB_PASSWORD": SECRET}}}, "platform:fly.env.DB_PASSWORD", F, "DB_PASSWORD"),
    override(
        "fly-openai", {F: {"env": {"OPENAI_API_KEY": SECRET}}}, "platform:fly.env.OPENAI_API_KEY", F, "OPENAI_API_KEY"
    ),
    override(
        "fly-keyring", {F: {"env": {"KEYRING_TOKEN": SECRET}}}, "platform:fly.env.KEYRING_TOKEN", F, "KEYRING_TOKEN"
    ),
    override("fly-db-url", {F: {"env": {"DATABASE_URL": SECRET}}}, "platform:fly.env.DATABASE_URL", F, "DATABASE_URL"),
    override(
        "fly-secret-bad-type",
        {F: {"env": {"SESSION_SECRET": 12345678}}},
        "platform:fly.env.SESSION_SECRET",
        F,
        "SESSION_SECRET",
    ),
    # --- an encrypted value nested in a structured key
    override("nested-secure-fly", {F: {"env": {"X": {"secure": "v1:AAAA" + SECRET}}}}, "platform:fly", F),
    override("nested-secure-vercel", {V: {"env": {"X": {"value": {"secure": "v1:BBBB"}}}}}, "platform:vercel", V),
    # --- Vercel keeps sensitive variables only for preview and production
    override(
        "secret-to-vercel-development",
        {S: {"items": {"NEXTAUTH_SECRET": {"consumers": ["vercel:development"]}}}},
        "platform:secrets.items.NEXTAUTH_SECRET.consumers",
        S,
        "NEXTAUTH_SECRET",
        "consumers",
    ),
    # --- the environment follows from the stack name
    override("prod-says-staging", {"platform:environment": "staging"}, "platform:environment", "platform:environment"),
    override(
        "staging-says-production",
        {"platform:environment": "production"},
        "platform:environment",
        "platform:environment",
        stack="staging",
    ),
    # --- dates and rotation records
    override(
        "last-rotated-9999",
        {S: {"items": {"SECRET_KEY": {"rotation": {"lastRotated": "9999-12-31"}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.lastRotated",
        S,
        "SECRET_KEY",
        "lastRotated",
    ),
    override(
        "last-rotated-word",
        {S: {"items": {"SECRET_KEY": {"rotation": {"lastRotated": "yesterday"}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.lastRotated",
        S,
        "SECRET_KEY",
        "lastRotated",
    ),
    override(
        "last-rotated-future",
        {S: {"items": {"SECRET_KEY": {"rotation": {"lastRotated": "2027-01-01"}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.lastRotated",
        S,
        "SECRET_KEY",
        "lastRotated",
    ),
    override(
        "generation-zero",
        {S: {"items": {"SECRET_KEY": {"rotation": {"generation": 0}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.generation",
        S,
        "SECRET_KEY",
        "generation",
    ),
    override(
        "unknown-consumer",
        {S: {"items": {"SECRET_KEY": {"consumers": ["lambda"]}}}},
        "platform:secrets.items.SECRET_KEY.consumers[0]",
        S,
        "SECRET_KEY",
        "consumers",
        "-",
    ),
    # --- values a provider would reject
    override("region", {"aws:region": "us-east-9"}, "aws:region", "aws:region"),
    override("encryption-enum", {B: {"encryption": "AES-256"}}, "platform:backups.encryption", B, "encryption"),
    override("fly-region", {F: {"regions": {"xyz": 1}}}, "platform:fly.regions.xyz", F, "regions", "xyz"),
    override("framework", {V: {"framework": "next"}}, "platform:vercel.framework", V, "framework"),
    override("domain", {V: {"domains": ["Not A Domain"]}}, "platform:vercel.domains[0]", V, "domains", "-"),
    override(
        "kms-admin-arn",
        {"platform:keys": {"administrators": ["arn:aws:iam::1:role/x"]}},
        "platform:keys.administrators[0]",
        "platform:keys",
        "administrators",
        "-",
    ),
    override(
        "lock-days", {B: {"objectLock": {"days": 45}}}, "platform:backups.objectLock.days", B, "objectLock", "days"
    ),
    override(
        "replica-same-region",
        {B: {"replication": {"region": "us-east-1"}}},
        "platform:backups.replication.region",
        B,
        "replication",
        "region",
    ),
    override(
        "reader-root-only",
        {B: {"reader": {"aws": {"roleArns": None, "accountId": "111122223333"}}}},
        "platform:backups.reader.aws.principalOrgId",
        B,
        "reader",
        "aws",
    ),
    override("unpinned-prod-image", {F: {"image": "registry.fly.io/x:latest"}}, "platform:fly.image", F, "image"),
    override("prod-one-region", {F: {"regions": {"ord": None}}}, "platform:fly.regions", F, "regions"),
    override("prod-unprotected", {"platform:protect": False}, "platform:protect", "platform:protect"),
    override(
        "next-public-secret",
        {
            S: {
                "items": {
                    "NEXT_PUBLIC_TOKEN": {
                        "kind": "provided",
                        "rotationDays": 30,
                        "rotation": {"lastRotated": "2026-11-01"},
                        "consumers": ["vercel:production"],
                    }
                }
            }
        },
        "platform:secrets.items.NEXT_PUBLIC_TOKEN.consumers",
        S,
        "NEXT_PUBLIC_TOKEN",
        "consumers",
    ),
    override(
        "undeclared-secret-value",
        {"platform:STRIPE_SECRET_KEY": SECRET},
        "platform:STRIPE_SECRET_KEY",
        "platform:STRIPE_SECRET_KEY",
    ),
    override(
        "fly-consumer-without-fly",
        {F: None},
        "platform:secrets.items.SECRET_KEY.consumers",
        S,
        "SECRET_KEY",
        "consumers",
    ),
]

"""The typed stack config: for every rule, a valid value passes and an invalid one names its key."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import SECRET_CATALOGUE
from components.loader import ConfigError, load
from components.sdk_internals import sync_await
from ops.synth import Synth, synthesize
from tests.helpers import TODAY, error_of, load_with, stack_config


def test_both_stack_files_load_with_runbook_defaults() -> None:
    prod = load_with("prod", {})
    staging = load_with("staging", {})
    assert (prod.environment, staging.environment) == ("production", "staging")
    assert prod.backups and staging.backups and prod.secrets and staging.secrets and prod.keys and prod.fly
    assert (prod.protect, staging.protect) == (True, False)
    assert prod.backups.retention_days == 30 and prod.backups.encryption == "AES256"
    assert (prod.backups.object_lock.enabled, prod.backups.object_lock.mode, prod.backups.object_lock_days) == (
        True,
        "GOVERNANCE",
        30,
    )
    assert staging.backups.object_lock.enabled is False
    assert (prod.backups.replication.enabled, prod.backups.replication.region) == (True, "us-west-2")
    assert staging.backups.replication.enabled is False
    assert (prod.secrets.fail_when_stale, staging.secrets.fail_when_stale) == (True, False)
    assert prod.keys.purposes == ["general", "alerts"] and prod.keys.rotation_period_days == 90
    assert prod.secrets.items["SECRET_KEY"].encoding == "hex" and prod.secrets.items["SECRET_KEY"].length == 32
    assert prod.fly.health_check.interval_seconds == 30 and prod.fly.health_check.timeout_seconds == 5


# (override, the exact line the error must contain); each rule with a valid twin in VALID below.
INVALID = [
    (
        {"platform:backups": {"retentionDays": "thirty"}},
        "platform:backups.retentionDays: Input should be a valid integer (got 'thirty')",
    ),
    (
        {"platform:backups": {"retentionDays": 0}},
        "platform:backups.retentionDays: Input should be greater than or equal to 1 (got 0)",
    ),
    (
        {"platform:backups": {"transition": {"storageClass": "COLD", "days": 10}}},
        "platform:backups.transition.storageClass: Input should be 'STANDARD_IA', 'ONEZONE_IA', "
        "'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER' or 'DEEP_ARCHIVE' (got 'COLD')",
    ),
    (
        {"platform:backups": {"transition": {"storageClass": "STANDARD_IA", "days": 10}}},
        "platform:backups.transition.days: 10: S3 needs at least 30 days before STANDARD_IA",
    ),
    (
        {"platform:backups": {"retentionDays": 60, "transition": {"storageClass": "GLACIER", "days": 60}}},
        "platform:backups.transition.days: 60 must be less than retentionDays (60), or objects expire before they move",
    ),
    (
        {"platform:backups": {"objectLock": {"days": 45}}},
        "platform:backups.objectLock.days: 45 exceeds retentionDays (30): locked backups could not expire on "
        "schedule; use at most retentionDays",
    ),
    (
        {"platform:backups": {"objectLock": {"mode": "LEGAL"}}},
        "platform:backups.objectLock.mode: Input should be 'GOVERNANCE' or 'COMPLIANCE' (got 'LEGAL')",
    ),
    (
        {"platform:backups": {"writer": {"github": {"repository": "no-slash"}}}},
        "platform:backups.writer.github.repository: String should match pattern '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' "
        "(got 'no-slash')",
    ),
    (
        {
            "platform:backups": {
                "reader": {"aws": None, "github": {"repository": "a/b", "branch": "main", "environment": "e"}}
            }
        },
        "platform:backups.reader.github.branch: give exactly one of branch or environment",
    ),
    (
        {"platform:backups": {"reader": {"aws": {"roleArns": ["arn:aws:iam::1234:role/x"]}}}},
        "platform:backups.reader.aws.roleArns[0]: String should match pattern "
        "'^arn:aws:iam::\\d{12}:role/[\\w+=,.@/-]+$' (got 'arn:aws:iam::1234:role/x')",
    ),
    (
        {"platform:backups": {"reader": {"fly": {"org": "acme", "app": "api"}}}},
        "platform:backups.reader: give exactly one of github, fly, aws (got ['fly', 'aws'])",
    ),
    (
        {"platform:backups": {"replication": {"region": "us-east-1"}}},
        "platform:backups.replication.region: must differ from aws:region (us-east-1) to survive a regional disaster",
    ),
    (
        {"platform:backups": {"replication": {"region": "mars-1"}}},
        "platform:backups.replication.region: unknown AWS region 'mars-1'",
    ),
    (
        {"platform:backups": {"encryption": "aws:kms", "kmsKey": "payments"}},
        "platform:backups.kmsKey: 'payments' is not one of keys.purposes ['general', 'alerts']",
    ),
    (
        {"platform:backups": {"encryption": "aws:kms"}},
        "platform:backups.encryption: replication of aws:kms backups needs a key in the replica region",
    ),
    ({"aws:region": "moon-1"}, "aws:region: unknown AWS region 'moon-1'"),
    (
        {"platform:keys": {"rotationPeriodDays": 30}},
        "platform:keys.rotationPeriodDays: Input should be greater than or equal to 90 (got 30)",
    ),
    (
        {"platform:keys": {"administrators": ["arn:aws:iam::*:root"]}},
        "platform:keys.administrators[0]: String should match pattern",
    ),
    ({"platform:keys": {"purposes": ["general", "general"]}}, "platform:keys.purposes: duplicate purpose 'general'"),
    (
        {"platform:vercel": {"framwork": "nextjs"}},
        "platform:vercel.framwork: unknown key; allowed here: domains, env, framework, functionRegions, gitRepository, "
        "maintenanceMode, maintenanceTargets, previewProtection, projectName, rootDirectory, teamId",
    ),
    ({"platform:vercel": {"framework": "rails"}}, "platform:vercel.framework: unknown Vercel framework 'rails'"),
    (
        {"platform:vercel": {"functionRegions": ["iad"]}},
        "platform:vercel.functionRegions[0]: unknown Vercel function region 'iad'",
    ),
    ({"platform:vercel": {"previewProtection": "off"}}, "platform:vercel.previewProtection: Input should be"),
    (
        {"platform:vercel": {"env": {"MAINTENANCE_MODE": "true"}}},
        "platform:vercel.env.MAINTENANCE_MODE: set platform:vercel.maintenanceMode instead",
    ),
    (
        {
            "platform:vercel": {"env": {"SECRET_KEY": "x"}},
            "platform:secrets": {"items": {"SECRET_KEY": {"consumers": ["vercel:production"]}}},
        },
        "platform:vercel.env.SECRET_KEY: names a secret, and env values are plain text; declare it in "
        "platform:secrets.items (generated, or provided with `pulumi config set --secret`) and list this consumer",
    ),
    (
        {
            "platform:secrets": {
                "items": {
                    "NEXT_PUBLIC_SIGNING_KEY": {
                        "kind": "generated",
                        "encoding": "hex",
                        "length": 32,
                        "rotationDays": 90,
                        "rotation": {"lastRotated": "2026-11-01"},
                        "consumers": ["vercel:production"],
                    }
                }
            }
        },
        "platform:secrets.items.NEXT_PUBLIC_SIGNING_KEY.consumers: a NEXT_PUBLIC_* variable is sent to the browser and "
        "can never carry a secret",
    ),
    (
        {"platform:secrets": {"items": {"OPENAI_API_KEY": {"encoding": "hex"}}}},
        "platform:secrets.items.OPENAI_API_KEY.encoding: only generated secrets have it",
    ),
    (
        {
            "platform:secrets": {
                "items": {
                    "CUSTOM_TOKEN": {"kind": "generated", "rotationDays": 30, "rotation": {"lastRotated": "2026-11-01"}}
                }
            }
        },
        "platform:secrets.items.CUSTOM_TOKEN.encoding: required for a generated secret",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"length": 8}}}},
        "platform:secrets.items.SECRET_KEY.length: Input should be greater than or equal to 16 (got 8)",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"consumers": ["netlify"]}}}},
        "platform:secrets.items.SECRET_KEY.consumers[0]: Input should be",
    ),
    (
        {"platform:secrets": {"items": {"SECRET_KEY": {"rotation": {"lastRotated": "2026-12-01"}}}}},
        "platform:secrets.items.SECRET_KEY.rotation.lastRotated: 2026-12-01 is in the future",
    ),
    (
        {"platform:fly": {"regions": {"iad": 2, "xyz": 1}}},
        "platform:fly.regions.xyz: unknown Fly.io region 'xyz'; allowed: ams, arn, bom, cdg, dfw, ewr, fra, gru, iad, "
        "jnb, lax, lhr, nrt, ord, sin, sjc, syd, yyz (got 'xyz')",
    ),
    (
        {"platform:fly": {"regions": {"iad": 21}}},
        "platform:fly.regions.iad: Input should be less than or equal to 20 (got 21)",
    ),
    (
        {"platform:fly": {"guest": {"cpuKind": "dedicated"}}},
        "platform:fly.guest.cpuKind: Input should be 'shared' or 'performance' (got 'dedicated')",
    ),
    (
        {"platform:fly": {"guest": {"memoryMb": 300}}},
        "platform:fly.guest.memoryMb: 300: 1 shared CPU(s) take 256..2048 MB in steps of 256",
    ),
    (
        {"platform:fly": {"guest": {"cpuKind": "performance", "cpus": 3, "memoryMb": 4096}}},
        "platform:fly.guest.cpus: 3: a performance guest has one of [1, 2, 4, 8, 16] CPUs",
    ),
    (
        {"platform:fly": {"healthCheck": {"timeoutSeconds": 30}}},
        "platform:fly.healthCheck.timeoutSeconds: 30 must be less than intervalSeconds (30)",
    ),
    (
        {"platform:fly": {"concurrency": {"softLimit": 300}}},
        "platform:fly.concurrency.softLimit: 300 exceeds hardLimit (250)",
    ),
    (
        {"platform:fly": {"restart": {"policy": "sometimes"}}},
        "platform:fly.restart.policy: Input should be 'no', 'always' or 'on-failure' (got 'sometimes')",
    ),
    (
        {"platform:fly": {"image": "registry.fly.io/learning-accelerator-api:latest"}},
        "platform:fly.image: 'registry.fly.io/learning-accelerator-api:latest': production images are pinned by digest",
    ),
    (
        {"platform:fly": {"regions": {"iad": 3, "ord": None}}},
        "platform:fly.regions: production runs machines in at least two regions",
    ),
    ({"platform:protect": False}, "platform:protect: production resources are always protected"),
    ({"platform:environment": "prod"}, "platform:environment: Input should be 'staging' or 'production' (got 'prod')"),
    (
        {"platform:bogus": 1},
        "platform:bogus: unknown key; allowed here: alerts, app, backups, dataClassification, environment, fly, "
        "keys, postgres, protect, secrets, vercel",
    ),
    ({"platform:app": None}, "platform:app: required, not set"),
]

VALID = [
    {"platform:backups": {"retentionDays": 90, "transition": {"storageClass": "STANDARD_IA", "days": 30}}},
    {"platform:backups": {"objectLock": {"days": 30, "mode": "COMPLIANCE"}}},
    {"platform:backups": {"reader": {"fly": {"org": "acme", "app": "api"}, "aws": None}}},
    {"platform:backups": {"reader": {"github": {"repository": "acme/ops", "environment": "restore"}, "aws": None}}},
    {"platform:backups": {"replication": {"region": "eu-west-1"}}},
    {"platform:backups": {"encryption": "aws:kms", "replication": {"enabled": False}}},
    {
        "platform:keys": {
            "rotationPeriodDays": 365,
            "purposes": ["general", "alerts", "payments"],
            "administrators": ["arn:aws:iam::111122223333:role/platform-admin"],
        }
    },
    {
        "platform:vercel": {
            "framework": "vite",
            "functionRegions": ["fra1", "iad1"],
            "previewProtection": "all_deployments",
        }
    },
    {"platform:fly": {"guest": {"cpuKind": "performance", "cpus": 2, "memoryMb": 4096}, "regions": {"fra": 1}}},
    {"platform:fly": {"healthCheck": {"intervalSeconds": 60, "timeoutSeconds": 10}}},
]


@pytest.mark.parametrize(("override", "expected"), INVALID, ids=[e.split(":", 2)[1] for _, e in INVALID])
def test_invalid_value_names_its_key(override: dict[str, Any], expected: str) -> None:
    assert expected in error_of("prod", override)


@pytest.mark.parametrize("override", VALID)
def test_valid_value_passes(override: dict[str, Any]) -> None:
    load_with("prod", override)


def test_a_broken_stack_file_lists_every_problem_at_once_and_registers_nothing() -> None:
    config, secret_keys = stack_config(
        "staging",
        {
            "platform:backups": {"retentionDays": "monthly"},  # wrong type
            "platform:fly": {"regoins": {"iad": 1}},  # unknown key (typo)
            "platform:keys": {"deletionWindowDays": 3},  # out of range
        },
    )
    del config["platform:OPENAI_API_KEY"]  # missing secret
    recorder = Synth(stack="staging")
    with pytest.raises(ConfigError) as exc:
        synthesize("staging", config, secret_keys, today=TODAY, into=recorder)
    assert str(exc.value).splitlines() == [
        "Stack 'staging': the config cannot be deployed; no resource was registered.",
        "3 problem(s):",
        "  - platform:keys.deletionWindowDays: Input should be greater than or equal to 7 (got 3)",
        "  - platform:backups.retentionDays: Input should be a valid integer (got 'monthly')",
        "  - platform:fly.regoins: unknown key; allowed here: app, autostop, concurrency, env, guest, healthCheck, "
        "image, internalPort, org, regions, restart",
        "1 secret(s) missing; set each (you are prompted for the value):",
        "  pulumi config set --secret OPENAI_API_KEY --stack staging",
    ]
    assert recorder.resources == []


def test_missing_provider_secrets_are_listed_with_the_commands_to_run() -> None:
    config, secret_keys = stack_config("prod")
    for name in ("OPENAI_API_KEY", "SUPABASE_SERVICE_ROLE_KEY", "ELEVENLABS_API_KEY"):
        del config[f"platform:{name}"]
    with pytest.raises(ConfigError) as exc:
        load(config, set(secret_keys), "prod", TODAY)
    assert str(exc.value).splitlines()[1:] == [
        "3 secret(s) missing; set each (you are prompted for the value):",
        "  pulumi config set --secret SUPABASE_SERVICE_ROLE_KEY --stack prod",
        "  pulumi config set --secret OPENAI_API_KEY --stack prod",
        "  pulumi config set --secret ELEVENLABS_API_KEY --stack prod",
    ]


def test_a_provider_secret_in_plain_text_is_refused() -> None:
    config, secret_keys = stack_config("prod")
    plain = set(secret_keys) - {"platform:OPENAI_API_KEY"}
    with pytest.raises(ConfigError) as exc:
        load(config, plain, "prod", TODAY)
    assert (
        "platform:OPENAI_API_KEY: stored in plain text; run `pulumi config set --secret OPENAI_API_KEY "
        "--stack prod` so it is encrypted"
    ) in str(exc.value)


def test_a_value_for_an_undeclared_secret_is_an_unknown_key() -> None:
    config, secret_keys = stack_config("prod")
    config["platform:STRIPE_SECRET_KEY"] = "sk_live_x"
    with pytest.raises(ConfigError) as exc:
        load(config, {*secret_keys, "platform:STRIPE_SECRET_KEY"}, "prod", TODAY)
    assert "platform:STRIPE_SECRET_KEY: not a provided secret in platform:secrets.items" in str(exc.value)


def test_catalogue_carries_the_runbook_rotation_periods() -> None:
    assert {n: d["rotationDays"] for n, d in SECRET_CATALOGUE.items()} == {
        "SECRET_KEY": 90,
        "CRON_SECRET": 90,
        "NEXTAUTH_SECRET": 90,
        "ENCRYPTION_KEY": 90,
        "KEYRING_TOKEN": 180,
        "SUPABASE_SERVICE_ROLE_KEY": 90,
        "STRIPE_SECRET_KEY": 90,
        "RESEND_API_KEY": 90,
        "OPENAI_API_KEY": None,
        "ELEVENLABS_API_KEY": 90,
        "GOOGLE_AI_API_KEY": None,
        "GOOGLE_OAUTH_CLIENT_SECRET": None,
        "DATABASE_PASSWORD": 90,
        "DB_MIGRATOR_PASSWORD": 90,
        "DB_READONLY_PASSWORD": 90,
        "DB_BACKUP_PASSWORD": 90,
        "POSTGRES_ADMIN_PASSWORD": 90,
        "PAGERDUTY_INTEGRATION_URL": None,
    }


def test_provided_secrets_enter_the_program_as_secret_outputs() -> None:
    config, secret_keys = stack_config("prod")
    provided = load(config, set(secret_keys), "prod", TODAY).provided
    assert sorted(provided) == [
        "ELEVENLABS_API_KEY",
        "OPENAI_API_KEY",
        "PAGERDUTY_INTEGRATION_URL",
        "POSTGRES_ADMIN_PASSWORD",
        "SUPABASE_SERVICE_ROLE_KEY",
    ]
    assert all(sync_await(v.is_secret()) for v in provided.values())

"""The typed stack config: for every rule, a valid value passes and an invalid one names its key."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import pytest

from components.shared.base import is_time_zone
from components.shared.catalogues import SECRET_CATALOGUE
from components.shared.loader import ConfigError, load
from components.shared.sdk_internals import sync_await
from ops.offline.synth import Synth, synthesize
from tests.config_cases import INVALID, VALID
from tests.helpers import TODAY, error_of, load_with, stack_config


def test_both_stack_files_load_with_runbook_defaults() -> None:
    prod = load_with("prod", {})
    staging = load_with("staging", {})
    assert (prod.environment, staging.environment) == ("production", "staging")
    assert prod.backups and staging.backups and prod.secrets and staging.secrets and prod.keys and prod.fly
    assert (prod.protect, staging.protect) == (True, False)
    assert prod.backups.retention_days == 30
    # production encrypts its backups with the general CMK; staging keeps S3's own AES-256
    assert (prod.backups.encryption, staging.backups.encryption) == ("aws:kms", "AES256")
    assert prod.backups.replica_key_purpose == "general-replica"
    assert (prod.backups.object_lock.enabled, prod.backups.object_lock.mode, prod.backups.object_lock_days) == (
        True,
        "GOVERNANCE",
        30,
    )
    assert staging.backups.object_lock.enabled is False
    assert (prod.backups.replication.enabled, prod.backups.replication.region) == (True, "us-west-2")
    assert staging.backups.replication.enabled is False
    assert (prod.secrets.fail_when_stale, staging.secrets.fail_when_stale) == (True, False)
    assert prod.keys.purposes == ["general", "alerts", "watchdog"] and prod.keys.rotation_period_days == 90
    assert prod.secrets.items["SECRET_KEY"].encoding == "hex" and prod.secrets.items["SECRET_KEY"].length == 32
    assert prod.fly.health_check.interval_seconds == 30 and prod.fly.health_check.timeout_seconds == 5


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
        "GITHUB_ADMIN_TOKEN": 90,
        "PAGERDUTY_API_TOKEN": 90,
        "CANARY_USER_PASSWORD": 90,
        "SUPABASE_ANON_KEY": None,
    }


def test_provided_secrets_enter_the_program_as_secret_outputs() -> None:
    config, secret_keys = stack_config("prod")
    provided = load(config, set(secret_keys), "prod", TODAY).provided
    assert sorted(provided) == [
        "ELEVENLABS_API_KEY",
        "GITHUB_ADMIN_TOKEN",
        "OPENAI_API_KEY",
        "PAGERDUTY_API_TOKEN",
        "POSTGRES_ADMIN_PASSWORD",
        "SUPABASE_SERVICE_ROLE_KEY",
    ]
    assert all(sync_await(v.is_secret()) for v in provided.values())


def test_a_time_zone_is_what_zoneinfo_lists_found_without_listing() -> None:
    listed = available_timezones()
    assert all(is_time_zone(name) for name in listed)
    files = ["posixrules", "posix/UTC", "right/UTC", "America", "America/", "/etc/localtime", "../UTC", "", "Eastern"]
    assert [name for name in files if is_time_zone(name)] == [name for name in files if name in listed] == []
